/*
 * src/export_int.h: the export job's insides, shared by its files (nothing outside src/export*.c
 * includes this).
 *
 * Owns: struct export_job and struct ex_file, and the split of the job into rooms:
 *   export.c          the job, the download window, the write head, the metadata, the pump;
 *   export_list.c     the file list: listing, selection, names, directories (and the empty
 *                     ones' entries);
 *   export_repack.c   one server archive re-packed into the ZIP (enum ex_rp_state);
 *   export_bin.c      V0 binary files taken from one zip-directory download;
 *   export_events.c   events.json and conversation.md (enum ex_ev_wstage).
 * Everything runs on the loop's thread, from API completions and from export_pump().
 */
#ifndef OHBROWSE_SRC_EXPORT_INT_H
#define OHBROWSE_SRC_EXPORT_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "api/client.h"
#include "api/events.h"
#include "src/base/sha256.h"
#include "src/base/util.h"
#include "src/export.h"
#include "src/transcript.h"

struct srcarc;
struct zipout;
struct names_set;

#define EX_META_NAME "conversation_metadata.json"
#define EX_EVENTS_JSON "events.json"
#define EX_EVENTS_MD "conversation.md"
#define EX_EVENTS_FLUSH (1u << 20)	/* rendered events are spooled past this many bytes */
#define EX_BUF_SIZE (64 * 1024)
#define EX_DEFAULT_BUDGET (256 * 1024)
#define EX_RATE_WINDOW_MS 2000	/* time constant of the smoothed rate */
#define EX_RATE_SAMPLE_MS 200
#define EX_WALK_ABOVE_BYTES (1LL << 30)	/* why: at ex_prelist_done() */
#define EX_BOMB_SLACK (256LL << 20)	/* archive bombs: slack over the listing, free space kept */
#define EX_BOMB_STEP (64LL << 20)	/* ... checked every this many expanded bytes */

/* Per-file private state; pub is what the accessors hand out. */
struct ex_file {
	struct export_file pub;
	struct export_job *job;
	int fd;			/* spool, -1 when none */
	struct api_op *op;	/* running api_fetch_file, or NULL */
	int64_t mtime;		/* -1 unknown: the export time is used */
	bool bin;		/* V0 binary: waiting to be staged from zip-directory */
	bool staging;		/* data is being copied into fd from a server archive */
	unsigned mode;		/* permission bits for the entry; 0 = unknown (0644) */
	char *link;		/* a symbolic link: written as a link entry, never fetched */
	bool hashed;		/* the archive worker hashed the spool: its digest is in sha */
	char sha[65];
};

enum ex_bin_state { BIN_NONE = 0, BIN_FETCHING, BIN_READY, BIN_FAILED };

/* include_events: NONE when not asked for; FAILED keeps the reason in ev_error. */
enum ex_ev_state { EV_NONE = 0, EV_FETCHING, EV_READY, EV_FAILED };


/* include_events: which entry export_events.c writes next, once every file is settled. */
enum ex_ev_wstage { EV_W_JSON = 0, EV_W_MD, EV_W_DONE };

/*
 * The re-pack of one server archive (export_repack.c): one state, moved only by
 * ex_rp_advance(). The download runs beside the reading while op is set.
 */
enum ex_rp_state {
	RP_OFF = 0,	/* no server archive (none asked for, or given up: the walk took over) */
	RP_FETCHING,	/* downloading; nothing is read before the whole file is there (streaming
			 * stopped, or never started: -o -, a local workspace) */
	RP_STREAM,	/* arriving: the worker (archive/arcstream.c) reads it and hands over
			 * staged entries */
	RP_SEEKABLE,	/* reading the whole downloaded archive, past what streaming took */
	RP_DONE,	/* every entry was taken */
};

struct ex_repack {
	enum ex_rp_state state;
	struct api_op *op;	/* the download, while it runs */
	int fd;			/* its spool; -1 when none */
	int64_t done, total;	/* download progress (total -1 unknown) */
	int64_t started_ms;	/* when it was asked for (the sandbox packs it first, R10) */
	struct srcarc *rd;	/* RP_SEEKABLE: the reader */
	struct arcstream *ts;	/* RP_STREAM: the worker */
	int64_t fed;		/* RP_STREAM: download bytes the worker was told about */
	bool guessed;		/* prefix is the guess from the listing, not yet confirmed by
				 * X-Archive-Repo-Root (which comes with the end of the transfer) */
	bool root_known;	/* prefix is set: guessed, or from the header */
	bool tar;		/* the reader is a tar: drop the leading "<root>/" component */
	char *dir;		/* EXPORT_SELECTED: the one directory asked for (workspace-relative),
				 * NULL: the whole workspace */
	char *prefix;		/* tar: where the packed directory lies in the workspace ("" = root) */
	struct ex_file *cur;	/* the entry being staged */
	struct ex_file *manifest;	/* tar: "archive_manifest.json", held until it proves last */
	bool hardlinks;		/* the tar had hard links: the walk after it fetches their names */
	bool walked;		/* tar: the walk that adds what the archive left out has run */
	size_t entries;		/* entries streaming took (files and others) */
	size_t skip;		/* RP_SEEKABLE: entries streaming took, still to skip */
};

struct export_job {
	int64_t listed_bytes;		/* the prelist's file bytes (0: unknown) */
	int64_t staged_bytes, staged_check;	/* archive bytes expanded into spools; next bomb check */
	char *walk_blind;		/* V0: the walk replaced a failed archive and cannot see ignored files */
	bool local_failed;		/* a file failed for a local reason (disk full, permission) */
	bool zip_compat;		/* the ZIP's options, to open it again (export_repack.c) */
	struct api_client *c;
	struct api_conversation conv;
	enum export_mode mode;
	char **sel;		/* EXPORT_SELECTED paths, normalised */
	size_t n_sel;
	bool prefer_archive;
	int max_parallel;
	size_t window;		/* files past the write head that may hold a spool */

	enum export_phase phase;
	char *planned_path;
	char *final_path;	/* after a successful close */
	int64_t archive_size;
	char *message;
	int64_t export_time;	/* wall seconds at start */
	char exported_at[32];

	struct zipout *z;
	struct names_set *names;
	struct ex_file **files;
	size_t n_files, cap_files;
	bool listed;		/* the file list is complete */
	struct api_op *list_op;
	size_t active;		/* running fetch ops */
	size_t head;		/* write head: index of the next file to write */

	/* the entry being written */
	struct ex_file *wf;
	int64_t woff;
	struct sha256 wsha;
	unsigned char *buf;

	/* EXPORT_ALL from one server archive: export_repack.c */
	struct ex_repack arc;
	struct api_file_list prelist;	/* V1: the listing taken before choosing archive or walk */
	int64_t walk_above;		/* above this many listed bytes, the walk */
	bool have_prelist;
	bool git_walked;	/* the walk's second listing, inside .git, was asked for */
	struct api_op *git_op;	/* that listing, while it runs */

	/* V0 binary files, staged from one zip-directory download */
	enum ex_bin_state bin_state;
	struct api_op *bin_op;
	int bin_fd;
	char *bin_error;
	struct srcarc *bin_src;
	struct srcarc_zip_index *bin_index;	/* its central directory: each binary found by name */
	bool bin_from_start;	/* the current search began at the first entry */
	int64_t bin_done, bin_total;	/* the zip-directory download's progress (total -1 unknown) */
	struct ex_file *bin_cur;

	/* events (include_events) */
	enum ex_ev_state ev_state;
	struct api_events *ev_pager;
	int ev_json_fd, ev_md_fd;	/* spools: the JSON array, the transcript's body */
	struct strbuf ev_sb;		/* one page being rendered */
	struct transcript_json ev_tj;
	size_t ev_count;		/* events received */
	char *ev_error;
	enum ex_ev_wstage ev_wstage;	/* which events entry the ZIP takes next */
	bool ev_in_entry;		/* an events entry is open in the ZIP */
	int64_t ev_off;
	bool finish_checked;		/* the "nothing could be downloaded" check passed */
	enum api_error_kind fail_kind;	/* FAILED because the listing failed: its kind */
	/* directories seen (listing, tar members), for entries of the empty ones */
	char **dirs;
	unsigned *dir_modes;
	size_t n_dirs;
	bool dirs_written;

	/* progress */
	int64_t rx;		/* bytes received, monotonic, for the rate */
	int64_t rate_ms, rate_rx;
	double rate;
	bool rate_primed;
};


/* ---- export.c: the job */
bool ex_done_phase(const struct export_job *j);
void ex_close_fd(int *fd);
void ex_rate_tick(struct export_job *j);
char *ex_rel_path(const struct export_job *j, const char *p);	/* workspace-relative, malloc'd */
void ex_set_error(struct ex_file *f, enum export_file_state st, const char *why);
void ex_file_stop(struct export_job *j, struct ex_file *f);	/* its op, its spool */
void ex_file_fail(struct export_job *j, struct ex_file *f, const char *why);
void ex_abort(struct export_job *j, enum export_phase phase, const char *msg);
void ex_zip_failed(struct export_job *j, const char *err);
void ex_kick(struct export_job *j);	/* start queued files inside the window */

/* ---- export_list.c: the file list */
struct ex_file *ex_add_file(struct export_job *j, const char *path, int64_t size, int64_t mtime);
struct ex_file *ex_add_listed(struct export_job *j, const struct api_file *af);
void ex_add_dir(struct export_job *j, const char *path, unsigned mode);
void ex_name(struct export_job *j, struct ex_file *f);
void ex_free_file(struct ex_file *f);
/* Where the agent-server's archive whose members start with "<top>/" was packed, workspace-
 * relative ("" the root), by the server's rule over the listing; NULL when it cannot tell. */
char *ex_guess_repo_root(const struct export_job *j, const char *top, size_t top_len);
/* Forget every file and directory (a re-pack starting over): names and the ZIP anew. False
 * (the job failed) when the ZIP cannot be opened again. */
bool ex_list_restart(struct export_job *j);
void ex_start_walk(struct export_job *j);
void ex_prelist_done(void *ud, struct api_file_list *files, const struct api_error *err);
void ex_sel_prelist_done(void *ud, struct api_file_list *files, const struct api_error *err);
bool ex_dir_packs_itself(const struct api_file_list *l, const char *dir);
bool ex_write_empty_dirs(struct export_job *j);	/* true when the archive failed */

/* ---- export_repack.c: the server archive */
bool ex_start_archive(struct export_job *j);	/* false when no spool can be had */
bool ex_rp_ready(const struct export_job *j);	/* the pump has re-pack work now */
bool ex_rp_reading(const struct export_job *j);	/* a reader is open */
size_t ex_rp_step(struct export_job *j, size_t budget);
void ex_rp_stop(struct export_job *j);		/* abort: the download, the reader, the spool */
void ex_rp_feed(struct export_job *j);		/* the download moved: tell the tar worker */
size_t ex_stage_step(struct export_job *j, struct ex_file *f, struct srcarc *src, size_t budget, bool *damaged);

/* ---- export_bin.c: V0 binaries */
ssize_t ex_read_back(struct export_job *j, int fd, int64_t off, size_t budget);
void ex_bin_wait(struct export_job *j, struct ex_file *f);
bool ex_bin_pending(const struct export_job *j);
size_t ex_bin_step(struct export_job *j, size_t budget);
void ex_bin_stop(struct export_job *j);

/* ---- export_events.c: the events entries */
void ex_ev_start(struct export_job *j);
void ex_ev_release(struct export_job *j);
size_t ex_ev_write_step(struct export_job *j, size_t budget);

#endif
