/*
 * src/export.h: the export job -- selection, concurrent downloads, spooling,
 * and the streaming ZIP writer, driven from the main loop.
 *
 * Owns: one archive being built. Downloads run concurrently through the API
 * layer (bounded by its per-host limiter), each into an anonymous spool file;
 * finished spools are appended to the ZIP by export_pump() in bounded slices,
 * in a deterministic order (sorted by path), so the loop never blocks and
 * memory does not depend on file sizes. When the source is one server archive
 * (V0 zip-directory, V1 tar.gz) its entries are re-packed into our ZIP as a
 * stream. The archive is written as NAME.zip.part and renamed only when closed
 * without error; cancel, failure or export_free() before the end remove the
 * .part. Files that still fail after retries are skipped and recorded (with
 * their reasons) in conversation_metadata.json inside the archive.
 *
 * With include_events the conversation's events are read through the API's events pager
 * at the same time, a page per loop turn, and streamed into two more spools (the JSON as
 * received, and the Markdown transcript); they become events.json and conversation.md just
 * before the metadata. Failing to read them skips both entries and makes the result
 * partial; it never fails the archive.
 *
 * The job is plain data plus callbacks: the TUI and the CLI read its state
 * through the accessors below and never see curl or libarchive.
 */
#ifndef OHBROWSE_SRC_EXPORT_H
#define OHBROWSE_SRC_EXPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/client.h"
#include "api/types.h"

enum export_mode {
	EXPORT_ALL = 0,		/* the whole workspace */
	EXPORT_CHANGED,		/* git changes only; deleted files recorded in the metadata */
	EXPORT_SELECTED,	/* the given files and directories */
	EXPORT_EVENTS_ONLY,	/* no workspace (a deleted sandbox): events and metadata only */
};

struct export_opts {
	enum export_mode mode;
	const char *const *paths;	/* EXPORT_SELECTED: workspace-relative files or dirs */
	size_t n_paths;
	const char *output;		/* -o FILE; NULL = default name in dir */
	const char *dir;		/* NULL = "." */
	bool prefer_server_archive;	/* EXPORT_ALL: take zip-directory / tar.gz when offered */
	int max_parallel;		/* 0 = 16 */
	bool zip_compat;		/* no Zip64: for old unzip tools; fails clearly past 4 GiB */
	bool include_events;		/* add events.json and conversation.md (the transcript) */
	int64_t walk_above_bytes;	/* V1 EXPORT_ALL: walk instead of the archive above this many
					 * listed bytes; 0 = 1 GiB (see export.c) */
};

enum export_file_state {
	EXPORT_FILE_QUEUED = 0,
	EXPORT_FILE_ACTIVE,	/* downloading */
	EXPORT_FILE_SPOOLED,	/* downloaded, waiting for its turn in the ZIP */
	EXPORT_FILE_WRITTEN,	/* in the ZIP */
	EXPORT_FILE_FAILED,	/* gave up after retries; recorded in the metadata */
	EXPORT_FILE_CANCELLED,	/* the user cancelled this file; recorded */
	EXPORT_FILE_DELETED,	/* changed mode: deleted in git; recorded, no entry */
	EXPORT_FILE_EXCLUDED,	/* left out on purpose (git credentials, a symlink): listed in the
				 * metadata's "skipped" with its reason; never a failure */
};

struct export_file {
	char *path;		/* workspace-relative, as the server names it */
	char *entry;		/* sanitised unique ZIP entry name (NULL until known) */
	int64_t size;		/* -1 unknown */
	int64_t done;		/* bytes received */
	int64_t started_ms;
	int64_t finished_ms;
	enum export_file_state state;
	char *error;		/* why it failed, one sentence */
	char sha256[65];	/* hex, "" until written */
};

enum export_phase {
	EXPORT_LISTING = 0,	/* finding what to download */
	EXPORT_RUNNING,		/* downloading and writing */
	EXPORT_DONE,		/* archive complete and renamed */
	EXPORT_FAILED,		/* nothing usable: the .part was removed */
	EXPORT_CANCELLED,
};

struct export_totals {
	enum export_phase phase;
	size_t files_total;
	size_t files_written;
	size_t files_failed;	/* failed + cancelled */
	int64_t bytes_total;	/* -1 while any size is unknown */
	int64_t bytes_done;
	double rate;		/* bytes/s, smoothed */
	long eta_s;		/* -1 unknown */
	const char *archive_path;	/* final path when DONE, else the planned name */
	int64_t archive_size;	/* when DONE */
	const char *message;	/* failure or cancel reason, else NULL */
	long packing_s;		/* seconds the server has been packing its archive before its first
				 * byte (R10: minutes on a big workspace); -1 when not waiting */
};

struct export_job;

/*
 * The one download plan the command line and the browser share (issue 10 item 7): the whole
 * workspace from the server's archive when it has one and the workspace is not too large for
 * it (re-rooted, completed from the listing), else file by file; the given paths when there
 * are any. Callers then set their output and their own flags.
 */
void export_opts_init(struct export_opts *o, const char *const *paths, size_t n_paths);

/* Starts listing at once. Returns NULL with err on a bad option (e.g. -o exists). */
struct export_job *export_start(struct api_client *c, const struct api_conversation *conv,
				const struct export_opts *opts, struct api_error *err);
/* Append spooled data to the ZIP, at most budget bytes; returns true while it has more
 * pump work ready (the loop should not sleep). */
bool export_pump(struct export_job *j, size_t budget);
bool export_finished(const struct export_job *j);	/* DONE, FAILED or CANCELLED */
void export_totals(const struct export_job *j, struct export_totals *out);
size_t export_file_count(const struct export_job *j);
const struct export_file *export_file_at(const struct export_job *j, size_t i);
/* Cancel everything: transfers stop, the .part is removed, phase CANCELLED. */
void export_cancel(struct export_job *j, const char *why);
/* Cancel one file (it is recorded as cancelled, the rest goes on). */
void export_cancel_file(struct export_job *j, size_t i);
/* Re-queue failed and cancelled files (only before the archive is closed). */
void export_retry_failed(struct export_job *j);
/* Why a FAILED job failed, as an error kind (the exit code): the listing's when it was the
 * listing (e.g. API_ERR_NOT_FOUND: no repository, so no changes), else API_ERR_SERVER. */
enum api_error_kind export_fail_kind(const struct export_job *j);
/* Why the archive may lack files although none failed (a V0 walk after the server's archive
 * failed cannot see .gitignore'd files), or NULL. Makes the result partial. */
const char *export_incomplete(const struct export_job *j);
/* Why the events were left out (include_events), or NULL when they were not. */
const char *export_events_error(const struct export_job *j);
/* A file failed for a reason of this machine's (a full disk, a permission): going on with
 * other work would fail the same way. */
bool export_local_failure(const struct export_job *j);
/* A set of failures sets this so callers can exit with the partial-result code. */
bool export_partial(const struct export_job *j);
/* Frees the job; an unfinished archive is aborted and its .part removed. */
void export_free(struct export_job *j);
/* The .part path while writing (for the signal path), else NULL. */
const char *export_part_path(const struct export_job *j);

#endif
