/*
 * src/export.c: the export job (see export.h for the contract).
 *
 * Shape of a job:
 *   listing  -> a sorted array of files, each with a unique entry name;
 *   fetching -> up to max_parallel api_fetch_file() ops, each into its own
 *               anonymous spool, started in path order inside a bounded window
 *               after the write head (so open spools stay bounded too);
 *   writing  -> export_pump() appends the file at the write head to the ZIP in
 *               slices, hashing as it goes; the head waits for a file that is
 *               still downloading, which keeps the entry order deterministic.
 * Two other sources feed the same pipeline through a "stage" step that copies
 * an entry out of a server archive into the file's spool, also in slices:
 *   - EXPORT_ALL with prefer_server_archive: the whole archive is downloaded
 *     to a spool and its entries become files as they are read (archive
 *     order); damage part way falls back to a walk for the files not yet
 *     written;
 *   - V0 binary files that select-file refuses: the zip-directory archive is
 *     fetched once and only the needed entries are staged from it.
 * Staging before writing means a damaged source never leaves half an entry in
 * our ZIP. Nothing here blocks: work happens in API completions and in pump.
 *
 * Events (include_events) run beside all of this: the events pager delivers one page
 * per completion, each page is rendered at once into two spools (events.json as
 * received, and the transcript's body) and the next page is asked for, so memory holds
 * one page, never the trajectory. When every file is settled and the last page came,
 * the two spools become events.json and conversation.md (its header needs the final
 * count, so it is written from memory in front of the body), then the metadata.
 */
#include "src/export.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "archive/names.h"
#include "archive/spool.h"
#include "archive/srcarc.h"
#include "archive/zipout.h"
#include "ohbrowse_config.h"
#include "src/jsonw.h"
#include "src/base/sha256.h"
#include "src/transcript.h"
#include "src/base/util.h"

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
};

enum ex_bin_state { BIN_NONE = 0, BIN_FETCHING, BIN_READY, BIN_FAILED };

/* include_events: NONE when not asked for; FAILED keeps the reason in ev_error. */
enum ex_ev_state { EV_NONE = 0, EV_FETCHING, EV_READY, EV_FAILED };

struct export_job {
	int64_t listed_bytes;		/* the prelist's file bytes (0: unknown) */
	int64_t staged_bytes, staged_check;	/* archive bytes expanded into spools; next bomb check */
	char *walk_blind;		/* V0: the walk replaced a failed archive and cannot see ignored files */
	bool arc_hardlinks;		/* the tar had hard links: the walk after it fetches their names */
	bool local_failed;		/* a file failed for a local reason (disk full, permission) */
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

	/* EXPORT_ALL from one server archive ("repack") */
	struct api_op *arc_op;
	int arc_fd;
	int64_t arc_done, arc_total;
	bool arc_downloading;
	struct srcarc *rp;
	bool rp_strip_root;	/* tar.gz: drop the leading "<root>/" component */
	char *arc_prefix;	/* tar.gz: where the packed directory lies in the workspace ("" = root) */
	int64_t arc_started_ms;	/* when the archive was asked for (the sandbox packs it first) */
	struct ex_file *rp_manifest;	/* tar.gz: "archive_manifest.json" held until it proves last */
	bool arc_walked;	/* tar.gz: the walk that adds what the archive left out has run */
	struct api_file_list prelist;	/* V1: the listing taken before choosing archive or walk */
	int64_t walk_above;		/* above this many listed bytes, the walk */
	bool have_prelist;
	bool git_walked;	/* the walk's second listing, inside .git, was asked for */
	struct api_op *git_op;	/* that listing, while it runs */
	struct ex_file *rp_cur;	/* entry being staged */
	/*
	 * A V0 ZIP is re-packed while it downloads (ex_stream_step): its local headers carry
	 * the sizes, so each entry is read (CRC-checked) through its own range reader as soon
	 * as its last byte has arrived. Anything else -- sizes in data descriptors, a damaged
	 * entry -- falls back to the seekable reader once the download is complete, skipping
	 * the entries already taken.
	 */
	bool st_on;		/* streaming so far */
	bool st_end;		/* the scan reached the central directory */
	bool rp_range;		/* j->rp reads one streamed entry */
	int64_t st_off;		/* where the next local header starts */
	int64_t st_need;	/* the spool must hold this many bytes before the next step */
	size_t st_entries;	/* local entries taken (files and others) */
	size_t st_skip;		/* seekable fallback: entries still to skip */
	struct ex_file *st_redo;	/* streaming failed in this entry: the fallback re-stages it */

	/* V0 binary files, staged from one zip-directory download */
	enum ex_bin_state bin_state;
	struct api_op *bin_op;
	int bin_fd;
	char *bin_error;
	struct srcarc *bin_src;
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
	int ev_wstage;			/* 0 events.json next, 1 conversation.md, 2 both written */
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

static void ex_kick(struct export_job *j);
static bool ex_start_archive(struct export_job *j);
static void ex_prelist_done(void *ud, struct api_file_list *files, const struct api_error *err);
static void ex_ev_release(struct export_job *j);
static void ex_walk_done(void *ud, struct api_file_list *files, const struct api_error *err);
static void ex_git_walk_done(void *ud, struct api_file_list *files, const struct api_error *err);

/* ------------------------------------------------------------ helpers */

static bool
ex_done_phase(const struct export_job *j)
{
	return j->phase == EXPORT_DONE || j->phase == EXPORT_FAILED || j->phase == EXPORT_CANCELLED;
}

static void
ex_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void
ex_rate_tick(struct export_job *j)
{
	int64_t now = clock_now_ms();
	int64_t dt = now - j->rate_ms;

	if (dt < EX_RATE_SAMPLE_MS)
		return;
	/* An exponential moving average with a ~2 s time constant: alpha = dt / (dt + T)
	 * approximates 1 - e^(-dt/T) without libm and stays stable for long gaps. */
	double inst = (double)(j->rx - j->rate_rx) * 1000.0 / (double)dt;
	double alpha = (double)dt / (double)(dt + EX_RATE_WINDOW_MS);

	/* the first sample seeds the average so the display does not ramp up from 0 */
	j->rate = j->rate_primed ? j->rate + alpha * (inst - j->rate) : inst;
	j->rate_primed = true;
	j->rate_ms = now;
	j->rate_rx = j->rx;
}

/* Workspace-relative form of a path the server or the user gave. */
static char *
ex_rel_path(const struct export_job *j, const char *p)
{
	const char *root = api_workspace_root(j->c, &j->conv);
	size_t rl = root ? strlen(root) : 0;

	if (rl > 1 && !strncmp(p, root, rl) && (p[rl] == '/' || p[rl] == '\0'))
		p += rl;
	for (;;) {
		if (p[0] == '/')
			p++;
		else if (p[0] == '.' && p[1] == '/')
			p += 2;
		else
			break;
	}
	size_t n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	return xstrndup(p, n);
}

static struct ex_file *
ex_add_file(struct export_job *j, const char *path, int64_t size, int64_t mtime)
{
	struct ex_file *f = xcalloc(1, sizeof(*f));

	f->pub.path = xstrdup(path);
	f->pub.size = size;
	f->pub.state = EXPORT_FILE_QUEUED;
	f->job = j;
	f->fd = -1;
	f->mtime = mtime;
	if (j->n_files == j->cap_files) {
		j->cap_files = j->cap_files ? j->cap_files * 2 : 64;
		j->files = xrealloc(j->files, j->cap_files * sizeof(*j->files));
	}
	j->files[j->n_files++] = f;
	/* Every source (walk, selection, changes, V0 zip-directory, V1 tar.gz) adds its files
	 * here, so this one check keeps a clone's token out of every ZIP. */
	if (names_is_git_credential(f->pub.path, strlen(f->pub.path))) {
		f->pub.state = EXPORT_FILE_EXCLUDED;
		f->pub.size = 0;
		f->pub.error = xstrdup("git credentials");
	}
	return f;
}

/*
 * A file the listing knows: its mode, and a symbolic link stays a link. Downloading through
 * a link would follow it anywhere (even outside the workspace, R9) -- an interpreter binary
 * for .venv/bin/python, a 400 for a link to a directory, a 404 for a dangling one -- so a
 * link is never fetched: it is ready at once and written as a ZIP symlink entry.
 */
static struct ex_file *
ex_add_listed(struct export_job *j, const struct api_file *af)
{
	struct ex_file *f = ex_add_file(j, af->path, af->size, af->mtime);

	if (f->pub.state == EXPORT_FILE_QUEUED && path_has_dotdot(af->path, strlen(af->path))) {
		/* a listed name is fetched by sending it back, and the agent-server serves any
		 * absolute path: one with ".." is never fetched, and is listed as skipped (an
		 * archive's entry of that name is data already here: it is kept, renamed safely) */
		f->pub.state = EXPORT_FILE_EXCLUDED;
		f->pub.size = 0;
		f->pub.error = xstrdup("the server named a path outside the workspace (a '..' component)");
		return f;
	}
	f->mode = af->mode;
	if (af->link && f->pub.state == EXPORT_FILE_QUEUED) {
		f->link = xstrdup(af->link);
		f->pub.size = (int64_t)strlen(af->link);
		f->pub.state = EXPORT_FILE_SPOOLED;
	}
	return f;
}

static void
ex_add_dir(struct export_job *j, const char *path, unsigned mode)
{
	if (!*path || names_is_git_credential(path, strlen(path)))
		return;
	j->dirs = xrealloc(j->dirs, (j->n_dirs + 1) * sizeof(*j->dirs));
	j->dir_modes = xrealloc(j->dir_modes, (j->n_dirs + 1) * sizeof(*j->dir_modes));
	j->dirs[j->n_dirs] = xstrdup(path);
	j->dir_modes[j->n_dirs++] = mode;
}

/* Give f its ZIP entry name: sanitised, unique, never the metadata's name. */
static void
ex_name(struct export_job *j, struct ex_file *f)
{
	char *s = names_sanitize(f->pub.path, strlen(f->pub.path));

	f->pub.entry = xstrdup(names_set_unique(j->names, s ? s : "unnamed"));
	free(s);
}

static void
ex_set_error(struct ex_file *f, enum export_file_state st, const char *why)
{
	free(f->pub.error);
	f->pub.error = xstrdup(why);
	f->pub.state = st;
	f->pub.finished_ms = clock_now_ms();
}

/* Stop whatever f has running and drop its spool. */
static void
ex_file_stop(struct export_job *j, struct ex_file *f)
{
	if (f->op) {
		api_op_cancel(&f->op);
		f->op = NULL;
		j->active--;
	}
	if (j->rp_cur == f)
		j->rp_cur = NULL;
	if (j->bin_cur == f)
		j->bin_cur = NULL;
	f->bin = false;
	f->staging = false;
	ex_close_fd(&f->fd);
}

static void
ex_file_fail(struct export_job *j, struct ex_file *f, const char *why)
{
	ex_file_stop(j, f);
	ex_set_error(f, EXPORT_FILE_FAILED, why);
}

/* Stop everything and drop the archive: the job ends in phase with message. */
static void
ex_abort(struct export_job *j, enum export_phase phase, const char *msg)
{
	if (ex_done_phase(j))
		return;
	api_op_cancel(&j->list_op);
	j->list_op = NULL;
	api_op_cancel(&j->git_op);
	j->git_op = NULL;
	api_op_cancel(&j->arc_op);
	j->arc_op = NULL;
	api_op_cancel(&j->bin_op);
	j->bin_op = NULL;
	for (size_t i = 0; i < j->n_files; i++) {
		struct ex_file *f = j->files[i];
		bool live = f->pub.state == EXPORT_FILE_QUEUED || f->pub.state == EXPORT_FILE_ACTIVE ||
			    f->pub.state == EXPORT_FILE_SPOOLED;

		ex_file_stop(j, f);
		if (live)
			ex_set_error(f, phase == EXPORT_CANCELLED ? EXPORT_FILE_CANCELLED : EXPORT_FILE_FAILED,
				     msg);
	}
	srcarc_close(j->rp);
	j->rp = NULL;
	srcarc_close(j->bin_src);
	j->bin_src = NULL;
	ex_close_fd(&j->arc_fd);
	ex_close_fd(&j->bin_fd);
	ex_ev_release(j);
	j->ev_in_entry = false;
	zipout_abort(j->z);	/* removes the .part */
	j->z = NULL;
	j->wf = NULL;
	free(j->message);
	j->message = xstrdup(msg);
	j->phase = phase;
}

/* ------------------------------------------------------------ downloads */

static void
ex_fetch_progress(void *ud, int64_t done, int64_t total)
{
	struct ex_file *f = ud;
	struct export_job *j = f->job;

	if (done > f->pub.done)
		j->rx += done - f->pub.done;
	f->pub.done = done;
	if (total >= 0)
		f->pub.size = total;
	ex_rate_tick(j);
}

static void
ex_bin_fail_waiting(struct export_job *j)
{
	char *why = xasprintf("binary file: the server archive it must come from failed: %s",
			      j->bin_error ? j->bin_error : "unknown error");

	for (size_t i = 0; i < j->n_files; i++)
		if (j->files[i]->bin && j->files[i]->pub.state == EXPORT_FILE_ACTIVE)
			ex_file_fail(j, j->files[i], why);
	free(why);
}

static void
ex_bin_done(void *ud, const struct api_xfer_result *r, const struct api_error *err)
{
	struct export_job *j = ud;
	char msg[512];

	j->bin_op = NULL;
	if (err) {
		free(j->bin_error);
		j->bin_error = xstrdup(err->message);
		j->bin_state = BIN_FAILED;
		ex_close_fd(&j->bin_fd);
		ex_bin_fail_waiting(j);
		return;
	}
	j->bin_src = srcarc_open_fd(j->bin_fd, msg, sizeof(msg));
	if (!j->bin_src) {
		free(j->bin_error);
		j->bin_error = xstrdup(msg);
		j->bin_state = BIN_FAILED;
		ex_close_fd(&j->bin_fd);
		ex_bin_fail_waiting(j);
		return;
	}
	j->bin_from_start = true;
	j->bin_state = BIN_READY;
	/* Staging counts each file's own bytes from here. */
	for (size_t i = 0; i < j->n_files; i++)
		if (j->files[i]->bin && j->files[i]->pub.state == EXPORT_FILE_ACTIVE)
			j->files[i]->pub.done = 0;
}

/*
 * The zip-directory download moves the rate and the totals, and each file waiting
 * for it shows the archive's bytes, so a large archive never looks frozen at 0 B
 * (issue 14, item 1). export_totals counts the archive once, not per waiting file.
 */
static void
ex_bin_progress(void *ud, int64_t done, int64_t total)
{
	struct export_job *j = ud;

	if (done > j->bin_done)
		j->rx += done - j->bin_done;
	j->bin_done = done;
	j->bin_total = total;
	for (size_t i = 0; i < j->n_files; i++)
		if (j->files[i]->bin && j->files[i]->pub.state == EXPORT_FILE_ACTIVE)
			j->files[i]->pub.done = done;
	ex_rate_tick(j);
}

/* A V0 binary file: take it from zip-directory, which is fetched once for all of them. */
static void
ex_bin_wait(struct export_job *j, struct ex_file *f)
{
	char msg[256];

	f->bin = true;
	f->pub.state = EXPORT_FILE_ACTIVE;
	f->pub.size = -1;	/* select-file does not say; the archive will */
	if (spool_rewind_truncate(f->fd) != 0) {
		ex_file_fail(j, f, "cannot reuse the temporary file for this download");
		return;
	}
	if (j->bin_state == BIN_FAILED) {
		ex_bin_fail_waiting(j);
		return;
	}
	if (j->bin_state != BIN_NONE)
		return;
	j->bin_fd = spool_open(msg, sizeof(msg));
	if (j->bin_fd < 0) {
		j->bin_state = BIN_FAILED;
		j->bin_error = xstrdup(msg);
		ex_bin_fail_waiting(j);
		return;
	}
	j->bin_state = BIN_FETCHING;
	j->bin_done = 0;
	j->bin_total = -1;
	api_op_hold(&j->bin_op, api_fetch_archive(j->c, &j->conv, j->bin_fd, ex_bin_progress, ex_bin_done, j));
}

static void
ex_fetch_done(void *ud, const struct api_xfer_result *r, const struct api_error *err)
{
	struct ex_file *f = ud;
	struct export_job *j = f->job;

	f->op = NULL;
	j->active--;
	if (err) {
		if (err->kind == API_ERR_LOCAL)
			j->local_failed = true;	/* this machine's fault (disk full): callers stop */
		if (r && r->binary)
			ex_bin_wait(j, f);
		else
			ex_file_fail(j, f, err->message);
	} else {
		if (r->bytes > f->pub.done)
			j->rx += r->bytes - f->pub.done;
		f->pub.size = r->bytes;
		f->pub.done = r->bytes;
		f->pub.state = EXPORT_FILE_SPOOLED;
	}
	ex_rate_tick(j);
	ex_kick(j);
}

static void
ex_start_fetch(struct export_job *j, struct ex_file *f)
{
	char msg[256];

	f->fd = spool_open(msg, sizeof(msg));
	if (f->fd < 0) {
		ex_set_error(f, EXPORT_FILE_FAILED, msg);
		return;
	}
	f->pub.state = EXPORT_FILE_ACTIVE;
	f->pub.started_ms = clock_now_ms();
	f->pub.done = 0;
	j->active++;
	api_op_hold(&f->op, api_fetch_file(j->c, &j->conv, f->pub.path, f->fd, ex_fetch_progress, ex_fetch_done, f));
}

/* Start queued files in path order, inside the window after the write head. */
static void
ex_kick(struct export_job *j)
{
	if (j->phase != EXPORT_RUNNING)
		return;
	size_t end = j->head + j->window < j->n_files ? j->head + j->window : j->n_files;

	for (size_t i = j->head; i < end && j->active < (size_t)j->max_parallel; i++)
		if (j->files[i]->pub.state == EXPORT_FILE_QUEUED)
			ex_start_fetch(j, j->files[i]);
}

/* ------------------------------------------------------------ listing */

static int
ex_cmp_file(const void *a, const void *b)
{
	const struct ex_file *x = *(struct ex_file *const *)a, *y = *(struct ex_file *const *)b;

	return strcmp(x->pub.path, y->pub.path);
}

static int
ex_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Sort files[from..] by path, drop duplicates and paths already present before from
 * (a fallback after a partial archive), then name them in that order.
 */
static void
ex_finish_batch(struct export_job *j, size_t from)
{
	size_t n_old = from, k = from;
	char **old = NULL;

	if (j->n_files - from > 1)
		qsort(j->files + from, j->n_files - from, sizeof(*j->files), ex_cmp_file);
	if (n_old) {
		old = xmalloc(n_old * sizeof(*old));
		for (size_t i = 0; i < n_old; i++)
			old[i] = j->files[i]->pub.path;
		qsort(old, n_old, sizeof(*old), ex_cmp_str);
	}
	for (size_t i = from; i < j->n_files; i++) {
		struct ex_file *f = j->files[i];
		bool dup = k > from && !strcmp(j->files[k - 1]->pub.path, f->pub.path);

		if (!dup && old && bsearch(&f->pub.path, old, n_old, sizeof(*old), ex_cmp_str))
			dup = true;
		if (dup) {
			free(f->pub.path);
			free(f->pub.error);
			free(f->link);
			free(f);
			continue;
		}
		j->files[k++] = f;
	}
	j->n_files = k;
	free(old);
	for (size_t i = from; i < j->n_files; i++)
		if (j->files[i]->pub.state != EXPORT_FILE_DELETED &&
		    j->files[i]->pub.state != EXPORT_FILE_EXCLUDED)
			ex_name(j, j->files[i]);
}

static void
ex_list_failed(struct export_job *j, const struct api_error *err)
{
	char *m = xasprintf("cannot list the workspace: %s", err->message);

	j->fail_kind = err->kind;
	ex_abort(j, EXPORT_FAILED, m);
	free(m);
}

/* EXPORT_SELECTED: each selected path is a file, or a directory whose files are taken. */
static void
ex_select(struct export_job *j, const struct api_file_list *l)
{
	for (size_t s = 0; s < j->n_sel; s++) {
		const char *p = j->sel[s];
		size_t pl = strlen(p);
		bool found = false;

		for (size_t i = 0; i < l->count; i++) {
			const struct api_file *af = &l->items[i];

			if (af->type != API_FILE)
				continue;
			if (pl == 0 || !strcmp(af->path, p) ||
			    (!strncmp(af->path, p, pl) && af->path[pl] == '/')) {
				ex_add_listed(j, af);
				found = true;
			}
		}
		/* A path below a symbolic link is not in the workspace: downloading it would go
		 * through the link to wherever it points. */
		const char *through = NULL;
		for (size_t i = 0; !found && i < l->count; i++) {
			size_t ll = strlen(l->items[i].path);
			if (l->items[i].link && ll < pl && !strncmp(p, l->items[i].path, ll) && p[ll] == '/')
				through = l->items[i].path;
		}
		if (through) {
			struct ex_file *f = ex_add_file(j, p, 0, -1);
			if (f->pub.state == EXPORT_FILE_QUEUED) {
				char *why = xasprintf("below the symbolic link %s, which is not followed", through);
				f->pub.state = EXPORT_FILE_EXCLUDED;
				f->pub.error = why;
			}
			continue;
		}
		/* A path the walk did not show (pruned .git, a bound) is still tried: the
		 * download says whether it exists. A directory that showed up empty adds nothing. */
		bool is_dir = false;
		for (size_t i = 0; !found && i < l->count; i++)
			if (l->items[i].type == API_DIR && !strcmp(l->items[i].path, p))
				is_dir = true;
		if (!found && !is_dir && pl)
			ex_add_file(j, p, -1, -1);
	}
}

static void
ex_walk_done(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct export_job *j = ud;
	size_t from = j->n_files;

	j->list_op = NULL;
	if (err) {
		ex_list_failed(j, err);
		return;
	}
	if (j->mode == EXPORT_SELECTED) {
		ex_select(j, files);
	} else {
		for (size_t i = 0; i < files->count; i++) {
			const struct api_file *af = &files->items[i];

			if (af->type == API_DIR && j->mode == EXPORT_ALL)
				ex_add_dir(j, af->path, af->mode);
			if (af->type != API_FILE)
				continue;
			struct ex_file *f = ex_add_listed(j, af);
			if (j->mode == EXPORT_CHANGED && af->change == API_CHANGE_DELETED &&
			    f->pub.state != EXPORT_FILE_EXCLUDED) {
				f->pub.state = EXPORT_FILE_DELETED;
				f->pub.size = 0;
			}
		}
	}
	ex_finish_batch(j, from);
	if (j->git_op)
		return;	/* the files inside .git are still being listed: start with both */
	j->listed = true;
	j->phase = EXPORT_RUNNING;
	ex_kick(j);
}

static void
ex_git_walk_done(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct export_job *j = ud;
	size_t from = j->n_files;

	j->git_op = NULL;
	if (err) {
		ex_list_failed(j, err);
		return;
	}
	for (size_t i = 0; i < files->count; i++)
		if (files->items[i].type == API_FILE)
			ex_add_listed(j, &files->items[i]);
	ex_finish_batch(j, from);
	if (j->list_op)
		return;	/* the listing itself is still coming */
	j->listed = true;
	j->phase = EXPORT_RUNNING;
	ex_kick(j);
}

static void
ex_start_walk(struct export_job *j)
{
	if (j->mode == EXPORT_EVENTS_ONLY) {
		/* nothing to list: the archive holds the events and the metadata */
		struct api_file_list none = {0};
		ex_walk_done(j, &none, NULL);
		return;
	}
	if (j->mode == EXPORT_ALL && !j->arc_walked && !j->git_walked && j->conv.version == API_V1 &&
	    !j->conv.local) {
		/* the listing prunes .git; the archive keeps it: so that both give the same ZIP,
		 * the walk lists the repositories' files too, beside the listing (credentials are
		 * left out by ex_add_file, as from every source) */
		j->git_walked = true;
		api_op_hold(&j->git_op, api_walk_git(j->c, &j->conv, ex_git_walk_done, j));
	}
	if (j->have_prelist) {
		/* the listing taken before the archive: no second one */
		struct api_file_list l = j->prelist;
		memset(&j->prelist, 0, sizeof(j->prelist));
		j->have_prelist = false;
		ex_walk_done(j, &l, NULL);
		api_file_list_free(&l);
		return;
	}
	if (j->mode == EXPORT_CHANGED)
		api_op_hold(&j->list_op, api_changes(j->c, &j->conv, ex_walk_done, j));
	else
		api_op_hold(&j->list_op, api_walk(j->c, &j->conv, ex_walk_done, j));
}

/* ------------------------------------------------------------ server archive (repack) */

static void
ex_arc_progress(void *ud, int64_t done, int64_t total)
{
	struct export_job *j = ud;

	if (done > j->arc_done)
		j->rx += done - j->arc_done;
	j->arc_done = done;
	j->arc_total = total;
	ex_rate_tick(j);
}

static void ex_repack_fallback(struct export_job *j);

/* The whole archive is in the spool: read it through its central directory, after the
 * entries streaming already took. False when it cannot be opened (msg says why). */
static bool
ex_open_seekable(struct export_job *j, char *msg, size_t msglen)
{
	j->rp = srcarc_open_fd(j->arc_fd, msg, msglen);
	if (!j->rp)
		return false;
	j->rp_strip_root = srcarc_format(j->rp) != SRCARC_ZIP;
	j->rp_range = false;
	j->st_skip = j->st_entries;
	return true;
}

static void
ex_arc_done(void *ud, const struct api_xfer_result *r, const struct api_error *err)
{
	struct export_job *j = ud;
	char msg[512];

	j->arc_op = NULL;
	j->arc_downloading = false;
	if (!err && r && r->repo_root) {
		/* 2.2: the agent-server packs the one repository below the path it was given, and
		 * says which; its members go back under that directory */
		char *rel = ex_rel_path(j, r->repo_root);
		const char *root = api_workspace_root(j->c, &j->conv);
		bool inside = root && (!strcmp(r->repo_root, root) ||
				       (!strncmp(r->repo_root, root, strlen(root)) && r->repo_root[strlen(root)] == '/'));
		free(j->arc_prefix);
		j->arc_prefix = inside ? rel : (free(rel), xstrdup(""));
	}
	if (!err && (j->st_on || j->st_end))
		return;	/* ex_stream_step takes the rest, from the pump */
	if (!err && !j->rp && !j->rp_cur) {
		if (ex_open_seekable(j, msg, sizeof(msg)))
			return;
	} else if (!err) {
		return;	/* a streamed entry is still being staged; the pump opens the reader */
	}
	/* A V0 runtime's list-files hides what .gitignore ignores (build output, logs): after the
	 * archive failed, a walk gets fewer files, and says so instead of passing for complete. */
	if (err && j->conv.version == API_V0 && !j->conv.local && err->kind != API_ERR_UNSUPPORTED && !j->walk_blind)
		j->walk_blind = xasprintf("the server's workspace archive failed (%s), so the files were listed one by "
					  "one, and that listing cannot see files .gitignore hides (build output, logs): "
					  "those may be missing", err->message);
	/* Unsupported, failed or unreadable: the walk and file by file get the same files. */
	if (j->rp || j->rp_cur || j->st_entries) {
		ex_repack_fallback(j);	/* keeps what streaming already took */
		return;
	}
	ex_close_fd(&j->arc_fd);
	j->phase = EXPORT_LISTING;
	ex_start_walk(j);
}

/* The archive was damaged part way: fetch the files not yet written one by one. */
static void
ex_repack_fallback(struct export_job *j)
{
	if (j->rp_cur) {
		ex_close_fd(&j->rp_cur->fd);
		j->rp_cur->staging = false;
		j->rp_cur->pub.state = EXPORT_FILE_QUEUED;
		j->rp_cur = NULL;
	}
	srcarc_close(j->rp);
	j->rp = NULL;
	ex_close_fd(&j->arc_fd);
	/* Files already staged but not yet written keep their spool; the walk adds the rest. */
	ex_start_walk(j);
}

/* Map an archive entry name to a workspace path; NULL for entries we leave out. */
static char *
ex_repack_path(struct export_job *j, const struct srcarc_entry *e)
{
	char *raw = xstrndup(e->path, e->path_len);
	const char *p = raw;

	while (p[0] == '/' || (p[0] == '.' && p[1] == '/'))
		p += p[0] == '/' ? 1 : 2;
	if (j->rp_strip_root) {
		/* the agent-server prefixes every member with "<root name>/" */
		const char *slash = strchr(p, '/');
		p = slash ? slash + 1 : "";
	}
	size_t n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	char *out = !n ? NULL
		  : j->arc_prefix && *j->arc_prefix ? xasprintf("%s/%.*s", j->arc_prefix, (int)n, p)
		  : xstrndup(p, n);
	free(raw);
	return out;
}

/* The bomb check's slack; OHBROWSE_BOMB_SLACK (bytes) is a test hook. */
static int64_t
ex_bomb_slack(void)
{
	const char *e = getenv("OHBROWSE_BOMB_SLACK");
	long long v = e ? atoll(e) : 0;

	return v > 0 ? v : EX_BOMB_SLACK;
}

/* Copy up to budget bytes of the current source entry into f's spool. Returns bytes used;
 * f ends SPOOLED at the end of the entry, FAILED on damage or a local error. */
static size_t
ex_stage_step(struct export_job *j, struct ex_file *f, struct srcarc *src, size_t budget, bool *damaged)
{
	size_t want = budget < EX_BUF_SIZE ? budget : EX_BUF_SIZE;
	ssize_t n = srcarc_read(src, j->buf, want);

	*damaged = false;
	if (n < 0) {
		*damaged = true;
		return 0;
	}
	if (n == 0) {
		f->staging = false;
		f->pub.size = f->pub.done;
		if (f != j->rp_manifest)
			f->pub.state = EXPORT_FILE_SPOOLED;
		return 0;	/* the manifest candidate stays ACTIVE until the next member or the end */
	}
	/* An archive bomb (4 MB of tar.gz that expands to 4 GiB) must not fill the disk: past what
	 * the listing announced (twice it, plus slack for .git), or near the temp dir's free
	 * space, the archive is treated as damaged and the files are taken one by one. */
	j->staged_bytes += n;
	if (j->staged_bytes >= j->staged_check) {
		struct statvfs vfs;
		int64_t slack = ex_bomb_slack();
		int64_t cap = j->listed_bytes > 0 ? 2 * j->listed_bytes + slack : -1;
		bool full = fstatvfs(f->fd, &vfs) == 0 && (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize < slack;
		j->staged_check = j->staged_bytes + (slack < EX_BOMB_STEP ? slack : EX_BOMB_STEP);
		if ((cap >= 0 && j->staged_bytes > cap) || full) {
			char *m = xasprintf("the server's archive expands to more than %s (%lld bytes so far); it "
					    "is treated as damaged and the files are fetched one by one",
					    full ? "the temporary directory can hold" : "twice what the listing announced",
					    (long long)j->staged_bytes);
			ex_file_fail(j, f, m);
			free(m);
			*damaged = true;
			return (size_t)n;
		}
	}
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(f->fd, j->buf + off, (size_t)(n - off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			char *m = xasprintf("cannot write a temporary file: %s", strerror(errno));
			ex_file_fail(j, f, m);
			free(m);
			return (size_t)n;
		}
		off += w;
	}
	f->pub.done += n;
	return (size_t)n;
}

/* The spool's size: what has been written so far (a retried download starts it over). */
static int64_t
ex_spool_size(int fd)
{
	struct stat st;

	return fstat(fd, &st) == 0 ? (int64_t)st.st_size : 0;
}

/* Streaming stops: a range failed its CRC, or the sizes are not in the local headers. The
 * current entry is staged again by the seekable reader once the download is complete. */
static void
ex_stream_failed(struct export_job *j)
{
	char msg[512];

	j->st_on = false;
	j->st_end = false;
	if (j->rp_range) {
		srcarc_close(j->rp);
		j->rp = NULL;
		j->rp_range = false;
		j->st_entries--;	/* that entry was not taken after all */
	}
	if (j->rp_cur) {
		ex_close_fd(&j->rp_cur->fd);
		j->rp_cur->staging = false;
		j->rp_cur->pub.state = EXPORT_FILE_QUEUED;
		j->rp_cur->pub.done = 0;
		j->st_redo = j->rp_cur;
		j->rp_cur = NULL;
	}
	if (!j->arc_downloading && j->arc_fd >= 0 && !ex_open_seekable(j, msg, sizeof(msg)))
		ex_repack_fallback(j);
}

static bool
ex_stream_ready(struct export_job *j)
{
	if (!j->st_on || j->st_end || j->rp || j->rp_cur || j->arc_fd < 0)
		return false;
	/* finished downloading: a header that is still short means a damaged file */
	return !j->arc_downloading || ex_spool_size(j->arc_fd) >= j->st_need;
}

/* Take the next local entry if all of it has arrived. */
static size_t
ex_stream_step(struct export_job *j)
{
	char msg[512];
	int64_t have = ex_spool_size(j->arc_fd), total = 0;
	size_t want = EX_BUF_SIZE;

	if (have - j->st_off < (int64_t)want)
		want = have > j->st_off ? (size_t)(have - j->st_off) : 0;
	ssize_t n = want ? pread(j->arc_fd, j->buf, want, j->st_off) : 0;
	int rc = n >= 0 ? srcarc_zip_local_span(j->buf, (size_t)n, &total) : -1;

	if (rc == 0 && (size_t)n < EX_BUF_SIZE && j->arc_downloading) {
		j->st_need = j->st_off + n + 1;	/* the header is still arriving */
		return 0;
	}
	if (rc == 2) {
		j->st_end = true;
		return 0;
	}
	if (rc != 1) {
		ex_stream_failed(j);
		return 0;
	}
	if (j->st_off + total > have) {
		if (!j->arc_downloading) {
			ex_stream_failed(j);	/* cut short: the seekable reader will say how */
			return 0;
		}
		j->st_need = j->st_off + total;
		return 0;
	}
	j->rp = srcarc_open_zip_range(j->arc_fd, j->st_off, total, msg, sizeof(msg));
	if (!j->rp) {
		ex_stream_failed(j);
		return 0;
	}
	j->rp_range = true;
	j->rp_strip_root = false;
	j->st_off += total;
	j->st_need = j->st_off + 30;
	j->st_entries++;
	return 0;
}

/* The scan reached the central directory and the download is complete: every entry was
 * taken while it arrived. */
static bool
ex_stream_done(struct export_job *j)
{
	return j->st_end && !j->arc_downloading && !j->rp && !j->rp_cur && j->arc_fd >= 0;
}

/*
 * The archive ended with "archive_manifest.json": drop it when it is the server's (R11:
 * the JSON with format "tar.gz" and source the packed directory's name, plus excludes,
 * file_count and total_bytes), keep it when it is the user's own.
 */
static void
ex_manifest_decide(struct export_job *j)
{
	struct ex_file *f = j->rp_manifest;
	char buf[8192];
	ssize_t n = f->fd >= 0 ? pread(f->fd, buf, sizeof(buf) - 1, 0) : -1;
	const char *src = j->arc_prefix && *j->arc_prefix ? strrchr(j->arc_prefix, '/') : NULL;
	char *want;

	j->rp_manifest = NULL;
	src = src ? src + 1 : j->arc_prefix && *j->arc_prefix ? j->arc_prefix : NULL;
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	want = src ? xasprintf("\"source\": \"%s\"", src) : xstrdup("\"source\": \"");
	/* v1.35+ writes excludes, file_count, format, source, total_bytes; older servers wrote
	 * other fields beside format and file_count */
	bool current = strstr(buf, want) && strstr(buf, "\"excludes\":") && strstr(buf, "\"total_bytes\":");
	bool older = !strstr(buf, "\"source\":") && strstr(buf, "\"root_name\":");
	bool servers = n > 0 && buf[0] == '{' && strstr(buf, "\"format\": \"tar.gz\"") &&
		       strstr(buf, "\"file_count\":") && (current || older);
	free(want);
	if (!servers) {
		f->pub.state = EXPORT_FILE_SPOOLED;
		return;
	}
	/* the server's: it is the last file added, so it is simply taken back */
	ex_close_fd(&f->fd);
	if (j->n_files && j->files[j->n_files - 1] == f) {
		j->n_files--;
		free(f->pub.path);
		free(f->pub.entry);	/* its name stays taken in the set: harmless */
		free(f->pub.error);
		free(f->link);
		free(f);
	} else {
		f->pub.state = EXPORT_FILE_EXCLUDED;
		free(f->pub.error);
		f->pub.error = xstrdup("the agent-server's own archive manifest");
	}
}

/* One repack step: open the next entry, or stage a slice of the current one. */
static size_t
ex_repack_step(struct export_job *j, size_t budget)
{
	char msg[256];
	bool damaged;

	if (!j->rp_cur) {
		struct srcarc_entry e;
		int rc = srcarc_next(j->rp, &e);

		if (rc < 0) {
			if (j->rp_range)
				ex_stream_failed(j);
			else
				ex_repack_fallback(j);
			return 0;
		}
		if (rc > 0 && j->rp_manifest) {
			/* another member follows: not the server's last member, so the user's file */
			j->rp_manifest->pub.state = EXPORT_FILE_SPOOLED;
			j->rp_manifest = NULL;
		}
		if (rc == 0) {
			srcarc_close(j->rp);
			j->rp = NULL;
			if (j->rp_range) {	/* one streamed entry done: the scan goes on */
				j->rp_range = false;
				return 0;
			}
			ex_close_fd(&j->arc_fd);
			if (j->rp_manifest)
				ex_manifest_decide(j);
			if ((j->rp_strip_root || j->arc_hardlinks) && !j->arc_walked && j->conv.version == API_V1 &&
			    !j->conv.local) {
				/* the archive holds one repository's regular files: the walk adds what lies
				 * outside it, links and empty directories (R9, 2.2); names already taken
				 * from the archive are not fetched again */
				j->arc_walked = true;
				ex_start_walk(j);
				return 0;
			}
			j->listed = true;
			return 0;
		}
		if (!j->rp_range && j->st_skip > 0) {
			j->st_skip--;	/* streamed before the fallback */
			return 0;
		}
		if (!e.is_file && e.kind && !strcmp(e.kind, "directory")) {
			char *d = ex_repack_path(j, &e);	/* directory members: empty ones survive */
			if (d)
				ex_add_dir(j, d, e.mode);
			free(d);
			return 0;
		}
		if (!e.is_file && e.kind && !strcmp(e.kind, "hardlink")) {
			/* a second name of an earlier member (tarfile's LNKTYPE): no data of its own;
			 * the walk after the archive fetches it by its name */
			j->arc_hardlinks = true;
			return 0;
		}
		if (!e.is_file && e.kind && !strcmp(e.kind, "other")) {
			/* a device, FIFO or socket: nothing to copy, but never left out unsaid */
			char *d = ex_repack_path(j, &e);
			if (d) {
				struct ex_file *o = ex_add_file(j, d, 0, e.mtime);
				if (o->pub.state == EXPORT_FILE_QUEUED) {
					o->pub.state = EXPORT_FILE_EXCLUDED;
					o->pub.error = xstrdup("a device, FIFO or socket in the archive: nothing to copy");
				}
			}
			free(d);
			return 0;
		}
		char *path = e.is_file ? ex_repack_path(j, &e) : NULL;
		if (!path)
			return 0;
		/* R11: the server's own manifest is its last member, at the top of the archive */
		bool manifest = j->rp_strip_root && !strcmp(path + (j->arc_prefix && *j->arc_prefix ?
								    strlen(j->arc_prefix) + 1 : 0),
							     "archive_manifest.json");
		struct ex_file *f;
		if (j->st_redo && !j->rp_range) {
			f = j->st_redo;	/* named already, when streaming first tried it */
			j->st_redo = NULL;
			f->pub.done = 0;
		} else {
			f = ex_add_file(j, path, e.size, e.mtime);
			if (f->pub.state == EXPORT_FILE_EXCLUDED) {
				free(path);	/* recorded; its bytes stay in the server archive */
				return 0;
			}
			f->mode = e.mode;
			ex_name(j, f);
			if (manifest)
				j->rp_manifest = f;
		}
		free(path);
		f->pub.started_ms = clock_now_ms();
		f->fd = spool_open(msg, sizeof(msg));
		if (f->fd < 0) {
			ex_set_error(f, EXPORT_FILE_FAILED, msg);
			return 0;
		}
		f->pub.state = EXPORT_FILE_ACTIVE;
		f->staging = true;
		j->rp_cur = f;
	}
	struct ex_file *f = j->rp_cur;
	size_t used = ex_stage_step(j, f, j->rp, budget, &damaged);
	if (damaged) {
		if (j->rp_range)
			ex_stream_failed(j);
		else
			ex_repack_fallback(j);
		return used;
	}
	if (!f->staging || f->pub.state != EXPORT_FILE_ACTIVE)
		j->rp_cur = NULL;
	return used;
}

/* ------------------------------------------------------------ V0 binaries from zip-directory */

static bool
ex_entry_is(const struct srcarc_entry *e, const char *path)
{
	const char *p = e->path;
	size_t n = e->path_len;

	while (n && (p[0] == '/' || (n > 1 && p[0] == '.' && p[1] == '/'))) {
		size_t skip = p[0] == '/' ? 1 : 2;
		p += skip;
		n -= skip;
	}
	return n == strlen(path) && !memcmp(p, path, n);
}

/* Position bin_src on path's entry. 1 found, 0 not in the archive, -1 damaged. */
static int
ex_bin_locate(struct export_job *j, const char *path)
{
	char msg[256];
	struct srcarc_entry e;

	for (int pass = 0; pass < 2; pass++) {
		int rc;

		while ((rc = srcarc_next(j->bin_src, &e)) > 0)
			if (e.is_file && ex_entry_is(&e, path))
				return 1;
		if (rc < 0)
			return -1;
		if (j->bin_from_start)
			return 0;
		/* not after the current position: start over once from the first entry */
		srcarc_close(j->bin_src);
		j->bin_src = srcarc_open_fd(j->bin_fd, msg, sizeof(msg));
		if (!j->bin_src)
			return -1;
		j->bin_from_start = true;
	}
	return 0;
}

static size_t
ex_bin_step(struct export_job *j, size_t budget)
{
	bool damaged;

	if (!j->bin_cur) {
		struct ex_file *f = NULL;

		for (size_t i = j->head; i < j->n_files && !f; i++)
			if (j->files[i]->bin && j->files[i]->pub.state == EXPORT_FILE_ACTIVE)
				f = j->files[i];
		if (!f)
			return 0;
		int rc = ex_bin_locate(j, f->pub.path);
		j->bin_from_start = false;
		if (rc <= 0) {
			ex_file_fail(j, f, rc == 0 ? "binary file, and the server's workspace archive does not contain it"
					  : j->bin_src ? srcarc_error(j->bin_src)
					  : "the server's workspace archive cannot be read again");
			if (rc < 0) {
				/* a damaged archive stays damaged: fail the others too */
				free(j->bin_error);
				j->bin_error = xstrdup("the server's workspace archive is damaged");
				j->bin_state = BIN_FAILED;
				srcarc_close(j->bin_src);
				j->bin_src = NULL;
				ex_close_fd(&j->bin_fd);
				ex_bin_fail_waiting(j);
			}
			return 0;
		}
		f->staging = true;
		f->pub.done = 0;
		j->bin_cur = f;
	}
	struct ex_file *f = j->bin_cur;
	size_t used = ex_stage_step(j, f, j->bin_src, budget, &damaged);
	if (damaged) {
		ex_file_fail(j, f, srcarc_error(j->bin_src));
		j->bin_cur = NULL;
		return used;
	}
	if (f->pub.state != EXPORT_FILE_ACTIVE) {
		f->bin = false;
		j->bin_cur = NULL;
	} else {
		j->rx += (int64_t)used;
	}
	return used;
}

/* ------------------------------------------------------------ events */

/* Drop the pager and the spools. Never called from the pager's own callback (the pager
 * is still delivering then); a failure there only closes the spools. */
static void
ex_ev_release(struct export_job *j)
{
	api_events_free(j->ev_pager);
	j->ev_pager = NULL;
	ex_close_fd(&j->ev_json_fd);
	ex_close_fd(&j->ev_md_fd);
	strbuf_free(&j->ev_sb);
}

static void
ex_ev_fail(struct export_job *j, const char *why)
{
	ex_close_fd(&j->ev_json_fd);
	ex_close_fd(&j->ev_md_fd);
	strbuf_free(&j->ev_sb);
	free(j->ev_error);
	j->ev_error = xstrdup(why);
	j->ev_state = EV_FAILED;
}

/* Append the rendered bytes to fd and empty the buffer; false (events failed) on error. */
static bool
ex_ev_flush(struct export_job *j, int fd)
{
	for (size_t off = 0; off < j->ev_sb.len;) {
		ssize_t w = write(fd, j->ev_sb.buf + off, j->ev_sb.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			char *m = xasprintf("cannot write a temporary file: %s", strerror(errno));
			ex_ev_fail(j, m);
			free(m);
			return false;
		}
		off += (size_t)w;
	}
	strbuf_reset(&j->ev_sb);
	return true;
}

static void
ex_ev_page(void *ud, struct api_event *rows, size_t n, bool more, const struct api_error *err)
{
	struct export_job *j = ud;

	if (err) {
		char *m = xasprintf("cannot read the conversation's events: %s", err->message);
		ex_ev_fail(j, m);
		free(m);
		return;
	}
	/* the JSON first, then the transcript: each spool is appended in event order */
	for (size_t i = 0; i < n; i++) {
		transcript_json_event(&j->ev_tj, &j->ev_sb, &rows[i]);
		if (j->ev_sb.len > EX_EVENTS_FLUSH && !ex_ev_flush(j, j->ev_json_fd))
			return;
	}
	if (!more)
		transcript_json_end(&j->ev_tj, &j->ev_sb);
	if (!ex_ev_flush(j, j->ev_json_fd))
		return;
	for (size_t i = 0; i < n; i++) {
		transcript_md_event(&j->ev_sb, &rows[i]);
		if (j->ev_sb.len > EX_EVENTS_FLUSH && !ex_ev_flush(j, j->ev_md_fd))
			return;
	}
	if (!ex_ev_flush(j, j->ev_md_fd))
		return;
	j->ev_count += n;
	if (more)
		api_events_next(j->ev_pager, ex_ev_page, j);
	else
		j->ev_state = EV_READY;
}

/* Start reading the events from the first page (again, after a failure). */
static void
ex_ev_start(struct export_job *j)
{
	char msg[256];

	ex_ev_release(j);
	free(j->ev_error);
	j->ev_error = NULL;
	j->ev_count = 0;
	j->ev_wstage = 0;
	j->ev_in_entry = false;
	j->ev_state = EV_FETCHING;
	j->ev_json_fd = spool_open(msg, sizeof(msg));
	if (j->ev_json_fd >= 0)
		j->ev_md_fd = spool_open(msg, sizeof(msg));
	if (j->ev_json_fd < 0 || j->ev_md_fd < 0) {
		ex_ev_fail(j, msg);
		return;
	}
	transcript_json_begin(&j->ev_tj, &j->ev_sb);	/* the "[" goes out with the first page */
	j->ev_pager = api_events_new(j->c, &j->conv, true);
	api_events_next(j->ev_pager, ex_ev_page, j);
}

static void ex_zip_failed(struct export_job *j, const char *err);

/* Append a slice of events.json or conversation.md to the ZIP; returns bytes used. */
static size_t
ex_ev_write_step(struct export_job *j, size_t budget)
{
	char err[512] = "";
	int *fd = j->ev_wstage == 0 ? &j->ev_json_fd : &j->ev_md_fd;

	if (!j->ev_in_entry) {
		if (zipout_begin(j->z, j->ev_wstage == 0 ? EX_EVENTS_JSON : EX_EVENTS_MD, j->export_time, err,
				 sizeof(err))) {
			ex_zip_failed(j, err);
			return 0;
		}
		j->ev_in_entry = true;
		j->ev_off = 0;
		if (j->ev_wstage == 1) {
			struct strbuf hb = {0};
			int rc;

			transcript_md_header(&hb, &j->conv, j->ev_count);
			rc = zipout_write(j->z, hb.buf, hb.len, err, sizeof(err));
			strbuf_free(&hb);
			if (rc) {
				ex_zip_failed(j, err);
				return 0;
			}
		}
	}
	size_t want = budget < EX_BUF_SIZE ? budget : EX_BUF_SIZE;
	ssize_t n = pread(*fd, j->buf, want, j->ev_off);

	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0) {
		char *m = xasprintf("cannot read back a temporary file: %s", strerror(errno));
		ex_abort(j, EXPORT_FAILED, m);
		free(m);
		return 0;
	}
	if (n == 0) {
		if (zipout_end(j->z, err, sizeof(err))) {
			ex_zip_failed(j, err);
			return 0;
		}
		ex_close_fd(fd);
		j->ev_in_entry = false;
		j->ev_wstage++;
		return 0;
	}
	if (zipout_write(j->z, j->buf, (size_t)n, err, sizeof(err))) {
		ex_zip_failed(j, err);
		return (size_t)n;
	}
	j->ev_off += n;
	return (size_t)n;
}

/* ------------------------------------------------------------ writing */

static bool
ex_settled(enum export_file_state s)
{
	return s == EXPORT_FILE_WRITTEN || s == EXPORT_FILE_FAILED || s == EXPORT_FILE_CANCELLED ||
	       s == EXPORT_FILE_DELETED || s == EXPORT_FILE_EXCLUDED;
}

/* Move the head past settled files; returns the head file when it is ready to write. */
static struct ex_file *
ex_head_ready(struct export_job *j)
{
	size_t was = j->head;

	while (j->head < j->n_files && ex_settled(j->files[j->head]->pub.state))
		j->head++;
	if (j->head != was)
		ex_kick(j);	/* the window moved */
	if (j->head < j->n_files && j->files[j->head]->pub.state == EXPORT_FILE_SPOOLED)
		return j->files[j->head];
	return NULL;
}

static void
ex_zip_failed(struct export_job *j, const char *err)
{
	ex_abort(j, EXPORT_FAILED, err[0] ? err : "cannot write the archive");
}

/* Append a slice of f's spool to the ZIP; returns bytes used. */
static size_t
ex_write_step(struct export_job *j, struct ex_file *f, size_t budget)
{
	char err[512] = "";

	if (f->link) {
		uint8_t d[SHA256_DIGEST_LEN];

		if (zipout_add_symlink(j->z, f->pub.entry, f->link, f->mtime, err, sizeof(err))) {
			ex_zip_failed(j, err);
			return 0;
		}
		sha256_init(&j->wsha);	/* the entry's data is the target, so that is what is hashed */
		sha256_update(&j->wsha, f->link, strlen(f->link));
		sha256_final(&j->wsha, d);
		sha256_hex(d, f->pub.sha256);
		f->pub.state = EXPORT_FILE_WRITTEN;
		f->pub.finished_ms = clock_now_ms();
		ex_kick(j);
		return 1;
	}
	if (j->wf != f) {
		ssize_t got = pread(f->fd, j->buf, EX_BUF_SIZE, 0);
		zipout_hint(j->z, j->buf, got > 0 ? (size_t)got : 0);	/* store what will not shrink */
		if (zipout_begin_mode(j->z, f->pub.entry, f->mtime, f->mode, err, sizeof(err))) {
			ex_zip_failed(j, err);
			return 0;
		}
		j->wf = f;
		j->woff = 0;
		sha256_init(&j->wsha);
	}
	size_t want = budget < EX_BUF_SIZE ? budget : EX_BUF_SIZE;
	ssize_t n = pread(f->fd, j->buf, want, j->woff);

	if (n < 0 && errno == EINTR)
		return 0;
	if (n < 0) {
		char *m = xasprintf("cannot read back a temporary file: %s", strerror(errno));
		ex_abort(j, EXPORT_FAILED, m);
		free(m);
		return 0;
	}
	if (n == 0) {
		uint8_t d[SHA256_DIGEST_LEN];

		if (zipout_end(j->z, err, sizeof(err))) {
			ex_zip_failed(j, err);
			return 0;
		}
		sha256_final(&j->wsha, d);
		sha256_hex(d, f->pub.sha256);
		f->pub.size = j->woff;
		f->pub.state = EXPORT_FILE_WRITTEN;
		f->pub.finished_ms = clock_now_ms();
		ex_close_fd(&f->fd);
		j->wf = NULL;
		ex_kick(j);	/* the window moved */
		return 0;
	}
	sha256_update(&j->wsha, j->buf, (size_t)n);
	if (zipout_write(j->z, j->buf, (size_t)n, err, sizeof(err))) {
		ex_zip_failed(j, err);
		return (size_t)n;
	}
	j->woff += n;
	return (size_t)n;
}

static void
ex_metadata(struct export_job *j, struct strbuf *sb)
{
	struct jsonw w;
	size_t written = 0;

	for (size_t i = 0; i < j->n_files; i++)
		written += j->files[i]->pub.state == EXPORT_FILE_WRITTEN;
	jsonw_init(&w, sb, true);
	jsonw_obj_begin(&w);
	jsonw_kstr(&w, "conversation_id", j->conv.id);
	jsonw_kstr(&w, "title", j->conv.title);
	jsonw_kstr(&w, "created_at", j->conv.created_at);
	jsonw_kstr(&w, "last_updated_at", j->conv.updated_at);
	jsonw_kstr(&w, "status", j->conv.status);
	jsonw_kint(&w, "num_files", (int64_t)written);
	jsonw_kstr(&w, "version", j->conv.version == API_V1 ? "V1" : "V0");
	jsonw_kstr(&w, "repository", j->conv.repository);
	jsonw_kstr(&w, "branch", j->conv.branch);
	jsonw_kstr(&w, "mode", j->mode == EXPORT_ALL ? "all" : j->mode == EXPORT_CHANGED ? "changed" : j->mode == EXPORT_EVENTS_ONLY ? "events" : "selected");
	jsonw_kstr(&w, "exported_at", j->exported_at);
	jsonw_kstr(&w, "generator", "ohbrowse " OHBROWSE_VERSION);
	if (j->walk_blind)
		jsonw_kstr(&w, "incomplete", j->walk_blind);
	jsonw_key(&w, "files");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < j->n_files; i++) {
		const struct export_file *f = &j->files[i]->pub;

		if (f->state != EXPORT_FILE_WRITTEN)
			continue;
		jsonw_obj_begin(&w);
		jsonw_kstr(&w, "path", f->path);
		jsonw_kstr(&w, "entry", f->entry);
		jsonw_kint(&w, "size", f->size);
		jsonw_kstr(&w, "sha256", f->sha256);
		if (j->files[i]->link)
			jsonw_kstr(&w, "symlink", j->files[i]->link);
		jsonw_obj_end(&w);
	}
	jsonw_arr_end(&w);
	jsonw_key(&w, "skipped");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < j->n_files; i++) {
		const struct export_file *f = &j->files[i]->pub;

		if (f->state != EXPORT_FILE_FAILED && f->state != EXPORT_FILE_CANCELLED &&
		    f->state != EXPORT_FILE_EXCLUDED)
			continue;
		jsonw_obj_begin(&w);
		jsonw_kstr(&w, "path", f->path);
		jsonw_kstr(&w, "reason", f->error ? f->error : "unknown");
		jsonw_obj_end(&w);
	}
	if (j->ev_state == EV_FAILED) {
		/* both events entries are left out: a transcript without its JSON (or the
		 * other way round) would look complete when it is not */
		static const char *const names[] = {EX_EVENTS_JSON, EX_EVENTS_MD};

		for (size_t i = 0; i < 2; i++) {
			jsonw_obj_begin(&w);
			jsonw_kstr(&w, "path", names[i]);
			jsonw_kstr(&w, "reason", j->ev_error);
			jsonw_obj_end(&w);
		}
	}
	jsonw_arr_end(&w);
	jsonw_key(&w, "deleted");
	jsonw_arr_begin(&w);
	for (size_t i = 0; i < j->n_files; i++)
		if (j->files[i]->pub.state == EXPORT_FILE_DELETED)
			jsonw_str(&w, j->files[i]->pub.path);
	jsonw_arr_end(&w);
	if (j->ev_state != EV_NONE) {
		bool ok = j->ev_state == EV_READY;

		jsonw_key(&w, "events");
		jsonw_obj_begin(&w);
		jsonw_kint(&w, "count", ok ? (int64_t)j->ev_count : 0);
		/* corrupt rows are in the transcript but cannot be in events.json */
		jsonw_kint(&w, "corrupt", ok ? (int64_t)j->ev_tj.skipped : 0);
		jsonw_kstr(&w, "source", j->conv.local ? "local" : "server");
		if (!ok)
			jsonw_kstr(&w, "error", j->ev_error);
		jsonw_obj_end(&w);
	}
	jsonw_obj_end(&w);
	strbuf_putc(sb, '\n');
}

struct ex_dir {
	char *path;	/* first: ex_cmp_str compares it */
	unsigned mode;
};

/*
 * Directory entries for the empty directories (a tar member or a listed directory with no
 * entry below it), so they survive the round trip; non-empty ones are implied by their
 * files. Returns true when the archive failed.
 */
static bool
ex_write_empty_dirs(struct export_job *j)
{
	char err[512] = "";

	if (!j->n_dirs)
		return false;
	char **all = xmalloc((j->n_files + j->n_dirs) * sizeof(*all));
	size_t n = 0;
	/* every file counts, written or not: a directory whose only file failed, or holds only
	 * credentials, is not empty in the workspace */
	for (size_t i = 0; i < j->n_files; i++)
		all[n++] = j->files[i]->pub.path;
	for (size_t i = 0; i < j->n_dirs; i++)
		all[n++] = j->dirs[i];
	qsort(all, n, sizeof(*all), ex_cmp_str);
	bool failed = false;
	const char *last = NULL;
	/* in path order, so a directory both listed and packed is seen twice in a row */
	struct ex_dir *order = xmalloc(j->n_dirs * sizeof(*order));
	for (size_t i = 0; i < j->n_dirs; i++)
		order[i] = (struct ex_dir){j->dirs[i], j->dir_modes[i]};
	qsort(order, j->n_dirs, sizeof(*order), ex_cmp_str);	/* path is the first member */
	for (size_t oi = 0; oi < j->n_dirs && !failed; oi++) {
		const char *d = order[oi].path;
		unsigned mode = order[oi].mode;
		size_t dl = strlen(d);
		if (last && !strcmp(last, d))
			continue;	/* listed and packed both */
		/* the entry after d in path order is below d exactly when d is not empty ('/' sorts
		 * before every other byte a name may hold after it, except the few below it: check
		 * all candidates that share the prefix) */
		char **pos = bsearch(&d, all, n, sizeof(*all), ex_cmp_str);
		bool empty = true;
		for (char **q = pos ? pos : all; q < all + n && !strncmp(*q, d, dl); q++)
			if ((*q)[dl] == '/')
				empty = false;
		last = d;
		if (!empty)
			continue;
		char *san = names_sanitize(d, dl);
		if (!san)
			continue;
		char *name = xasprintf("%s/", names_set_unique(j->names, san));
		free(san);
		if (zipout_add_dir(j->z, name, j->export_time, mode, err, sizeof(err))) {
			ex_zip_failed(j, err);
			failed = true;
		}
		free(name);
	}
	free(order);
	free(all);
	return failed;
}

/* Everything is settled: write the events entries (a slice per call), the metadata and
 * close, or give up when nothing came. Returns bytes used. */
static size_t
ex_finish(struct export_job *j, size_t budget)
{
	size_t wanted = 0, written = 0;
	const char *first_error = NULL;
	char err[512] = "", final_path[4096];
	struct strbuf sb = {0};

	if (j->finish_checked)
		goto checked;
	for (size_t i = 0; i < j->n_files; i++) {
		const struct export_file *f = &j->files[i]->pub;

		if (f->state == EXPORT_FILE_DELETED || f->state == EXPORT_FILE_EXCLUDED)
			continue;
		wanted++;
		written += f->state == EXPORT_FILE_WRITTEN;
		if (!first_error && f->error)
			first_error = f->error;
	}
	if (wanted && !written) {
		char *m = xasprintf("nothing could be downloaded: %s", first_error ? first_error : "every file failed");
		ex_abort(j, EXPORT_FAILED, m);
		free(m);
		return 0;
	}
	j->finish_checked = true;
checked:
	if (!j->dirs_written) {
		j->dirs_written = true;
		if (ex_write_empty_dirs(j))
			return 0;
	}
	if (j->ev_state == EV_READY && j->ev_wstage < 2)
		return ex_ev_write_step(j, budget);
	ex_ev_release(j);
	ex_metadata(j, &sb);
	if (zipout_begin(j->z, EX_META_NAME, j->export_time, err, sizeof(err)) ||
	    zipout_write(j->z, sb.buf, sb.len, err, sizeof(err)) || zipout_end(j->z, err, sizeof(err))) {
		strbuf_free(&sb);
		ex_zip_failed(j, err);
		return 0;
	}
	strbuf_free(&sb);
	struct zipout *z = j->z;
	j->z = NULL;	/* zipout_close frees it whatever happens */
	if (zipout_close(z, final_path, sizeof(final_path), err, sizeof(err))) {
		ex_zip_failed(j, err);	/* z is gone and its .part removed; drop the rest */
		return 0;
	}
	struct stat st;
	j->final_path = xstrdup(final_path);
	j->archive_size = stat(final_path, &st) == 0 ? (int64_t)st.st_size : -1;
	j->phase = EXPORT_DONE;
	return 0;
}

/* A V0 binary can be staged from the zip-directory download now. */
static bool
ex_bin_pending(const struct export_job *j)
{
	if (j->bin_state != BIN_READY)
		return false;
	if (j->bin_cur)
		return true;
	for (size_t i = j->head; i < j->n_files; i++)
		if (j->files[i]->bin && j->files[i]->pub.state == EXPORT_FILE_ACTIVE)
			return true;
	return false;
}

/* Every file is settled and no listing is running: the metadata and the close remain. */
static bool
ex_can_finish(struct export_job *j)
{
	ex_head_ready(j);
	return j->phase == EXPORT_RUNNING && j->listed && !j->list_op && !j->git_op && !j->rp && !j->wf &&
	       j->head == j->n_files && j->ev_state != EV_FETCHING;
}

/* True when the pump has something to do right now. */
static bool
ex_ready(struct export_job *j)
{
	if (ex_done_phase(j) || !j->z)
		return false;
	return j->wf || j->ev_in_entry || j->rp || ex_stream_ready(j) || ex_stream_done(j) ||
	       ex_head_ready(j) || ex_bin_pending(j) || ex_can_finish(j);
}

bool
export_pump(struct export_job *j, size_t budget)
{
	size_t used = 0;

	if (!j || ex_done_phase(j))
		return false;
	if (budget == 0)
		budget = EX_DEFAULT_BUDGET;
	while (used < budget && !ex_done_phase(j)) {
		/* an open events entry goes first: a file re-queued by a retry must not
		 * start an entry in the middle of it */
		struct ex_file *f = j->wf || j->ev_in_entry ? j->wf : ex_head_ready(j);
		size_t before = used;

		if (j->ev_in_entry)
			used += ex_ev_write_step(j, budget - used);
		else if (f)
			used += ex_write_step(j, f, budget - used);
		else if (j->rp)
			used += ex_repack_step(j, budget - used);
		else if (ex_stream_ready(j))
			used += ex_stream_step(j);
		else if (ex_stream_done(j)) {
			ex_close_fd(&j->arc_fd);
			j->st_end = false;
			j->listed = true;
		} else if (ex_bin_pending(j))
			used += ex_bin_step(j, budget - used);
		else if (ex_can_finish(j))
			used += ex_finish(j, budget - used);
		else
			break;
		/* zero-byte steps (entry ends, skipped members) still cost something: count a
		 * token amount so a long run of them cannot hold the loop forever */
		if (used == before)
			used += 512;
	}
	ex_rate_tick(j);
	return ex_ready(j);
}

/* ------------------------------------------------------------ public */

static char *
ex_output_check(const char *path, struct api_error *err)
{
	struct stat st;

	if (strcmp(path, "-") == 0) {
		/* standard output: a ZIP is binary, a terminal would show garbage */
		if (isatty(1)) {
			api_error_set(err, API_ERR_USAGE, 0,
				      "-o - writes the ZIP to standard output, which is a terminal here; redirect "
				      "it (ohbrowse download ID -o - > x.zip, or | ssh host 'cat > x.zip')");
			return NULL;
		}
		return xstrdup(path);
	}
	if (lstat(path, &st) == 0) {
		api_error_set(err, API_ERR_USAGE, 0,
			      "%s already exists; choose another name (ohbrowse never overwrites a file)", path);
		return NULL;
	}
	return xstrdup(path);
}

struct export_job *
export_start(struct api_client *c, const struct api_conversation *conv, const struct export_opts *opts,
	     struct api_error *err)
{
	struct api_error dummy;
	char msg[512];

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	if (!c || !conv || !opts || !conv->id) {
		api_error_set(err, API_ERR_USAGE, 0, "export needs a client, a conversation and options");
		return NULL;
	}
	if (opts->mode == EXPORT_SELECTED && !opts->n_paths) {
		api_error_set(err, API_ERR_USAGE, 0, "nothing selected to export: give at least one path");
		return NULL;
	}

	struct export_job *j = xcalloc(1, sizeof(*j));
	j->c = c;
	j->arc_fd = -1;
	j->bin_fd = -1;
	j->ev_json_fd = -1;
	j->ev_md_fd = -1;
	api_conversation_copy(&j->conv, conv);
	j->mode = opts->mode;
	j->prefer_archive = opts->prefer_server_archive && opts->mode == EXPORT_ALL;
	j->walk_above = opts->walk_above_bytes > 0 ? opts->walk_above_bytes : EX_WALK_ABOVE_BYTES;
	/* 16: the agent-servers' connection default; V0 runtimes are paced by the limiter anyway */
	j->max_parallel = opts->max_parallel > 0 ? opts->max_parallel : 16;
	j->window = (size_t)j->max_parallel * 8;
	if (j->window < 32)
		j->window = 32;
	if (opts->mode == EXPORT_SELECTED) {
		j->sel = xcalloc(opts->n_paths, sizeof(*j->sel));
		for (size_t i = 0; i < opts->n_paths; i++)
			j->sel[j->n_sel++] = ex_rel_path(j, opts->paths[i] ? opts->paths[i] : "");
	}
	j->export_time = clock_wall_s();
	time_t t = (time_t)j->export_time;
	struct tm tm;
	gmtime_r(&t, &tm);
	strftime(j->exported_at, sizeof(j->exported_at), "%Y-%m-%dT%H:%M:%SZ", &tm);

	if (opts->output) {
		j->planned_path = ex_output_check(opts->output, err);
	} else {
		char *base = names_archive_base(conv->title, conv->id);
		j->planned_path = names_pick_archive_path(opts->dir ? opts->dir : ".", base,
							  opts->mode == EXPORT_CHANGED ? "-changes" : "", msg,
							  sizeof(msg));
		free(base);
		if (!j->planned_path)
			api_error_set(err, API_ERR_LOCAL, 0, "%s", msg);
	}
	if (!j->planned_path) {
		export_free(j);
		return NULL;
	}
	struct zipout_opts zo = { .level = -1, .zip64_compat = opts->zip_compat, .default_mtime = j->export_time };
	j->z = zipout_open(j->planned_path, &zo, msg, sizeof(msg));
	if (!j->z) {
		api_error_set(err, API_ERR_LOCAL, 0, "%s", msg);
		export_free(j);
		return NULL;
	}
	j->names = names_set_new();
	names_set_reserve(j->names, EX_META_NAME);
	if (opts->include_events) {
		names_set_reserve(j->names, EX_EVENTS_JSON);
		names_set_reserve(j->names, EX_EVENTS_MD);
	}
	j->buf = xmalloc(EX_BUF_SIZE);
	j->rate_ms = clock_now_ms();
	j->phase = EXPORT_LISTING;
	if (opts->include_events)
		ex_ev_start(j);	/* its first page comes from the loop, like every other */

	if (j->prefer_archive && j->conv.version == API_V1 && !j->conv.local) {
		/* list first: the size decides between the archive and the walk, and the same
		 * listing then completes the archive (outside the repository, links, empty dirs) */
		api_op_hold(&j->list_op, api_walk(c, &j->conv, ex_prelist_done, j));
		return j;
	}
	if (j->prefer_archive && ex_start_archive(j))
		return j;
	ex_start_walk(j);
	return j;
}

/*
 * Above EX_WALK_ABOVE_BYTES the walk is preferred to an agent-server archive. Measured (bench/agent_archive.sh,
 * the fake packing at the real server's 23 MB/s, R10): 200 MB took 10.3 s through the archive
 * and 1.3 s by the walk on loopback; the archive only pays where the bandwidth is below about
 * half its packing rate. Past 1 GiB its silence before the first byte (47 s at 23 MB/s) also
 * nears the 60 s idle timeout of common ingress proxies, which would cut it and waste the
 * build; smaller workspaces keep the archive, which also brings .git along.
 */

static void
ex_prelist_done(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct export_job *j = ud;
	int64_t total = 0;

	j->list_op = NULL;
	if (err) {
		ex_list_failed(j, err);
		return;
	}
	for (size_t i = 0; i < files->count; i++)
		if (files->items[i].type == API_FILE && !files->items[i].link && files->items[i].size > 0)
			total += files->items[i].size;
	j->prelist = *files;
	memset(files, 0, sizeof(*files));
	j->have_prelist = true;
	j->listed_bytes = total;
	if (total > j->walk_above) {
		http_note(api_client_http(j->c), "the workspace holds %lld bytes, more than %lld: the agent-server "
			  "would pack them for about %lld s before sending a byte, so the files are fetched one "
			  "by one instead of as its archive", (long long)total, (long long)j->walk_above,
			  (long long)(total / 23000000));
		ex_start_walk(j);
		return;
	}
	http_note(api_client_http(j->c), "the workspace holds %lld bytes: taking the agent-server's archive "
		  "(about %lld s of packing first)", (long long)total, (long long)(total / 23000000));
	if (!ex_start_archive(j))
		ex_start_walk(j);
}

/* Start downloading the server's archive into a spool; false when no spool can be had. */
static bool
ex_start_archive(struct export_job *j)
{
	char msg[512];

	{
		j->arc_fd = spool_open(msg, sizeof(msg));
		if (j->arc_fd >= 0) {
			j->phase = EXPORT_RUNNING;
			j->arc_downloading = true;
			j->arc_total = -1;
			/* V0 sends a ZIP (Python's zipfile: sizes in the local headers) */
			j->st_on = j->conv.version == API_V0 && !j->conv.local;
			j->st_need = 30;
			j->arc_started_ms = clock_now_ms();
			api_op_hold(&j->arc_op, api_fetch_archive(j->c, &j->conv, j->arc_fd, ex_arc_progress, ex_arc_done, j));
			return true;
		}
	}
	return false;
}

bool
export_local_failure(const struct export_job *j)
{
	return j->local_failed;
}

bool
export_finished(const struct export_job *j)
{
	return !j || ex_done_phase(j);
}

void
export_totals(const struct export_job *j, struct export_totals *out)
{
	bool unknown = !j->listed;

	memset(out, 0, sizeof(*out));
	out->phase = j->phase;
	out->bytes_total = 0;
	for (size_t i = 0; i < j->n_files; i++) {
		const struct export_file *f = &j->files[i]->pub;

		if (f->state == EXPORT_FILE_DELETED || f->state == EXPORT_FILE_EXCLUDED)
			continue;
		out->files_total++;
		if (f->state == EXPORT_FILE_WRITTEN)
			out->files_written++;
		if (f->state == EXPORT_FILE_FAILED || f->state == EXPORT_FILE_CANCELLED) {
			out->files_failed++;
			continue;	/* no longer part of what is left to do */
		}
		if (j->files[i]->bin && j->bin_state == BIN_FETCHING)
			continue;	/* counted once below, as the archive */
		out->bytes_done += f->done;
		if (f->size < 0)
			unknown = true;
		else
			out->bytes_total += f->size > f->done ? f->size : f->done;
	}
	out->packing_s = j->arc_downloading && j->arc_done == 0 ? (long)((clock_now_ms() - j->arc_started_ms) / 1000) : -1;
	if (j->bin_state == BIN_FETCHING) {
		out->bytes_done += j->bin_done;
		if (j->bin_total < 0)
			unknown = true;
		else
			out->bytes_total += j->bin_total;
	}
	if (j->arc_downloading) {
		out->bytes_done = j->arc_done;
		unknown = j->arc_total < 0;
		out->bytes_total = j->arc_total;
	}
	if (unknown)
		out->bytes_total = -1;
	/* Between samples the average only decays: a stalled transfer shows its rate falling. */
	double rate = j->rate;
	int64_t idle = clock_now_ms() - j->rate_ms;
	if (idle > EX_RATE_WINDOW_MS)
		rate *= (double)EX_RATE_WINDOW_MS / (double)idle;
	out->rate = ex_done_phase(j) ? 0 : rate;
	out->eta_s = -1;
	if (out->bytes_total >= 0 && out->rate > 1 && !ex_done_phase(j))
		out->eta_s = (long)((double)(out->bytes_total - out->bytes_done) / out->rate + 0.5);
	if (j->phase == EXPORT_DONE)
		out->eta_s = 0;
	out->archive_path = j->final_path ? j->final_path : j->planned_path;
	out->archive_size = j->phase == EXPORT_DONE ? j->archive_size : 0;
	out->message = j->message;
}

size_t
export_file_count(const struct export_job *j)
{
	return j->n_files;
}

const struct export_file *
export_file_at(const struct export_job *j, size_t i)
{
	return i < j->n_files ? &j->files[i]->pub : NULL;
}

void
export_cancel(struct export_job *j, const char *why)
{
	if (!j)
		return;
	ex_abort(j, EXPORT_CANCELLED, why && why[0] ? why : "cancelled");
}

void
export_cancel_file(struct export_job *j, size_t i)
{
	if (!j || i >= j->n_files || ex_done_phase(j))
		return;
	struct ex_file *f = j->files[i];
	enum export_file_state s = f->pub.state;

	/* an entry already being written is nearly done and cannot be taken back out */
	if (j->wf == f || (s != EXPORT_FILE_QUEUED && s != EXPORT_FILE_ACTIVE && s != EXPORT_FILE_SPOOLED))
		return;
	ex_file_stop(j, f);
	ex_set_error(f, EXPORT_FILE_CANCELLED, "cancelled by the user");
	ex_kick(j);
}

/*
 * Re-queue failed and cancelled files. Only while the archive is open: once the last file
 * was written the pump closes the archive at once, and from then on this does nothing (the
 * failures stay recorded in the metadata; export again to fetch them).
 */
void
export_retry_failed(struct export_job *j)
{
	if (!j || ex_done_phase(j) || !j->z)
		return;
	for (size_t i = 0; i < j->n_files; i++) {
		struct ex_file *f = j->files[i];

		if (f->pub.state != EXPORT_FILE_FAILED && f->pub.state != EXPORT_FILE_CANCELLED)
			continue;
		free(f->pub.error);
		f->pub.error = NULL;
		f->pub.state = EXPORT_FILE_QUEUED;
		f->pub.done = 0;
		f->pub.finished_ms = 0;
		if (i < j->head)
			j->head = i;	/* the head waits for it; order stays by path */
	}
	if (j->bin_state == BIN_FAILED) {
		/* one more try at the archive for binaries that fail again */
		j->bin_state = BIN_NONE;
		free(j->bin_error);
		j->bin_error = NULL;
	}
	if (j->ev_state == EV_FAILED)
		ex_ev_start(j);
	if (j->phase == EXPORT_RUNNING)
		ex_kick(j);
}

void
export_opts_init(struct export_opts *o, const char *const *paths, size_t n_paths)
{
	memset(o, 0, sizeof(*o));
	o->mode = n_paths ? EXPORT_SELECTED : EXPORT_ALL;
	o->paths = paths;
	o->n_paths = n_paths;
	o->prefer_server_archive = true;
	/* test hook (docs/hacking.md): the size above which the walk replaces the archive */
	if (getenv("OHBROWSE_WALK_ABOVE"))
		o->walk_above_bytes = strtoll(getenv("OHBROWSE_WALK_ABOVE"), NULL, 10);
}

enum api_error_kind
export_fail_kind(const struct export_job *j)
{
	return j && j->phase == EXPORT_FAILED && j->fail_kind != API_OK ? j->fail_kind : API_ERR_SERVER;
}

const char *
export_incomplete(const struct export_job *j)
{
	return j ? j->walk_blind : NULL;
}

const char *
export_events_error(const struct export_job *j)
{
	return j && j->ev_state == EV_FAILED ? j->ev_error : NULL;
}

bool
export_partial(const struct export_job *j)
{
	if (!j)
		return false;
	if (j->ev_state == EV_FAILED || j->walk_blind)
		return true;
	for (size_t i = 0; i < j->n_files; i++)
		if (j->files[i]->pub.state == EXPORT_FILE_FAILED || j->files[i]->pub.state == EXPORT_FILE_CANCELLED)
			return true;
	return false;
}

const char *
export_part_path(const struct export_job *j)
{
	return j && j->z ? zipout_part_path(j->z) : NULL;
}

void
export_free(struct export_job *j)
{
	if (!j)
		return;
	if (!ex_done_phase(j))
		ex_abort(j, EXPORT_CANCELLED, "the export was abandoned");
	free(j->walk_blind);
	for (size_t i = 0; i < j->n_files; i++) {
		struct ex_file *f = j->files[i];

		api_op_cancel(&f->op);
		ex_close_fd(&f->fd);
		free(f->pub.path);
		free(f->pub.entry);
		free(f->pub.error);
		free(f->link);
		free(f);
	}
	free(j->files);
	for (size_t i = 0; i < j->n_dirs; i++)
		free(j->dirs[i]);
	free(j->dirs);
	free(j->dir_modes);
	free(j->arc_prefix);
	api_file_list_free(&j->prelist);
	for (size_t i = 0; i < j->n_sel; i++)
		free(j->sel[i]);
	free(j->sel);
	api_op_cancel(&j->list_op);
	api_op_cancel(&j->arc_op);
	api_op_cancel(&j->bin_op);
	srcarc_close(j->rp);
	srcarc_close(j->bin_src);
	ex_close_fd(&j->arc_fd);
	ex_close_fd(&j->bin_fd);
	ex_ev_release(j);
	zipout_abort(j->z);
	names_set_free(j->names);
	api_conversation_free(&j->conv);
	free(j->planned_path);
	free(j->final_path);
	free(j->message);
	free(j->bin_error);
	free(j->ev_error);
	free(j->buf);
	free(j);
}
