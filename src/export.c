/*
 * src/export.c: the export job (see export.h for the contract, export_int.h for its rooms).
 *
 * Owns the job, the download window, the write head and the metadata:
 *   listing  -> a sorted array of files, each with a unique entry name (export_list.c);
 *   fetching -> up to max_parallel api_fetch_file() ops, each into its own
 *               anonymous spool, started in path order inside a bounded window
 *               after the write head (so open spools stay bounded too);
 *   writing  -> export_pump() appends the file at the write head to the ZIP in
 *               slices, hashing as it goes; the head waits for a file that is
 *               still downloading, which keeps the entry order deterministic.
 * Two other sources feed the same pipeline through a "stage" step that copies
 * an entry out of a server archive into the file's spool, also in slices:
 *   - EXPORT_ALL with prefer_server_archive: the server's archive, re-packed
 *     (export_repack.c); damage part way falls back to a walk for the files not
 *     yet written;
 *   - V0 binary files that select-file refuses: the zip-directory archive is
 *     fetched once and only the needed entries are staged from it (export_bin.c).
 * Staging before writing means a damaged source never leaves half an entry in
 * our ZIP. Nothing here blocks: work happens in API completions and in pump.
 * Events (include_events, export_events.c) run beside all of this and become
 * events.json and conversation.md just before the metadata.
 */
#include "src/export.h"
#include "src/export_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive/names.h"
#include "archive/spool.h"
#include "archive/zipout.h"
#include "ohbrowse_config.h"
#include "src/jsonw.h"
#include "src/base/sha256.h"
#include "src/transcript.h"

/* ------------------------------------------------------------ helpers */

bool
ex_done_phase(const struct export_job *j)
{
	return j->phase == EXPORT_DONE || j->phase == EXPORT_FAILED || j->phase == EXPORT_CANCELLED;
}

void
ex_close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

void
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
char *
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

void
ex_set_error(struct ex_file *f, enum export_file_state st, const char *why)
{
	free(f->pub.error);
	f->pub.error = xstrdup(why);
	f->pub.state = st;
	f->pub.finished_ms = clock_now_ms();
}

/* Stop whatever f has running and drop its spool. */
void
ex_file_stop(struct export_job *j, struct ex_file *f)
{
	if (f->op) {
		api_op_cancel(&f->op);
		f->op = NULL;
		j->active--;
	}
	if (j->arc.cur == f)
		j->arc.cur = NULL;
	if (j->bin_cur == f)
		j->bin_cur = NULL;
	f->bin = false;
	f->staging = false;
	ex_close_fd(&f->fd);
}

void
ex_file_fail(struct export_job *j, struct ex_file *f, const char *why)
{
	ex_file_stop(j, f);
	ex_set_error(f, EXPORT_FILE_FAILED, why);
}

/* Stop everything and drop the archive: the job ends in phase with message. */
void
ex_abort(struct export_job *j, enum export_phase phase, const char *msg)
{
	if (ex_done_phase(j))
		return;
	api_op_cancel(&j->list_op);
	j->list_op = NULL;
	api_op_cancel(&j->git_op);
	j->git_op = NULL;
	for (size_t i = 0; i < j->n_files; i++) {
		struct ex_file *f = j->files[i];
		bool live = f->pub.state == EXPORT_FILE_QUEUED || f->pub.state == EXPORT_FILE_ACTIVE ||
			    f->pub.state == EXPORT_FILE_SPOOLED;

		ex_file_stop(j, f);
		if (live)
			ex_set_error(f, phase == EXPORT_CANCELLED ? EXPORT_FILE_CANCELLED : EXPORT_FILE_FAILED,
				     msg);
	}
	ex_rp_stop(j);
	ex_bin_stop(j);
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
	f->hashed = false;	/* fetched again (a retry): hashed as it is written */
	j->active++;
	api_op_hold(&f->op, api_fetch_file(j->c, &j->conv, f->pub.path, f->fd, ex_fetch_progress, ex_fetch_done, f));
}

/* Start queued files in path order, inside the window after the write head. */
void
ex_kick(struct export_job *j)
{
	if (j->phase != EXPORT_RUNNING)
		return;
	size_t end = j->head + j->window < j->n_files ? j->head + j->window : j->n_files;

	for (size_t i = j->head; i < end && j->active < (size_t)j->max_parallel; i++)
		if (j->files[i]->pub.state == EXPORT_FILE_QUEUED)
			ex_start_fetch(j, j->files[i]);
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

void
ex_zip_failed(struct export_job *j, const char *err)
{
	ex_abort(j, EXPORT_FAILED, err[0] ? err : "cannot write the archive");
}

/* Up to budget bytes (at most the buffer) of a spool at off into j->buf: the count, 0 at its
 * end, -1 for nothing this turn (EINTR; or a read error, which has failed the job). */
ssize_t
ex_read_back(struct export_job *j, int fd, int64_t off, size_t budget)
{
	size_t want = budget < EX_BUF_SIZE ? budget : EX_BUF_SIZE;
	ssize_t n = pread(fd, j->buf, want, (off_t)off);

	if (n < 0 && errno != EINTR) {
		char *m = xasprintf("cannot read back a temporary file: %s", strerror(errno));
		ex_abort(j, EXPORT_FAILED, m);
		free(m);
	}
	return n;
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
		sha256_init(&j->wsha);	/* (not used when the worker hashed the spool) */
	}
	ssize_t n = ex_read_back(j, f->fd, j->woff, budget);

	if (n < 0)
		return 0;
	if (n == 0) {
		uint8_t d[SHA256_DIGEST_LEN];

		if (zipout_end(j->z, err, sizeof(err))) {
			ex_zip_failed(j, err);
			return 0;
		}
		if (f->hashed) {
			memcpy(f->pub.sha256, f->sha, sizeof(f->pub.sha256));
		} else {
			sha256_final(&j->wsha, d);
			sha256_hex(d, f->pub.sha256);
		}
		f->pub.size = j->woff;
		f->pub.state = EXPORT_FILE_WRITTEN;
		f->pub.finished_ms = clock_now_ms();
		ex_close_fd(&f->fd);
		j->wf = NULL;
		ex_kick(j);	/* the window moved */
		return 0;
	}
	if (!f->hashed)
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

/* Every file is settled and no listing is running: the metadata and the close remain. */
static bool
ex_can_finish(struct export_job *j)
{
	ex_head_ready(j);
	return j->phase == EXPORT_RUNNING && j->listed && !j->list_op && !j->git_op && !ex_rp_reading(j) && !j->wf &&
	       j->head == j->n_files && j->ev_state != EV_FETCHING;
}

/* True when the pump has something to do right now. */
static bool
ex_ready(struct export_job *j)
{
	if (ex_done_phase(j) || !j->z)
		return false;
	return j->wf || j->ev_in_entry || ex_rp_ready(j) ||
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
	ex_rp_feed(j);
	while (used < budget && !ex_done_phase(j)) {
		/* an open events entry goes first: a file re-queued by a retry must not
		 * start an entry in the middle of it */
		struct ex_file *f = j->wf || j->ev_in_entry ? j->wf : ex_head_ready(j);
		size_t before = used;

		if (j->ev_in_entry)
			used += ex_ev_write_step(j, budget - used);
		else if (f)
			used += ex_write_step(j, f, budget - used);
		else if (ex_rp_ready(j))
			used += ex_rp_step(j, budget - used);
		else if (ex_bin_pending(j))
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
	j->arc.fd = -1;
	j->bin_fd = -1;
	j->ev_json_fd = -1;
	j->ev_md_fd = -1;
	api_conversation_copy(&j->conv, conv);
	j->mode = opts->mode;
	/* EXPORT_SELECTED: a selected directory may come as one archive (ex_sel_prelist_done) */
	j->prefer_archive = opts->prefer_server_archive && (opts->mode == EXPORT_ALL || opts->mode == EXPORT_SELECTED);
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
	j->zip_compat = opts->zip_compat;
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
		api_op_hold(&j->list_op, api_walk(c, &j->conv, j->mode == EXPORT_SELECTED ? ex_sel_prelist_done
										      : ex_prelist_done, j));
		return j;
	}
	if (j->prefer_archive && j->mode == EXPORT_ALL && ex_start_archive(j))
		return j;
	ex_start_walk(j);
	return j;
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
	out->packing_s = j->arc.op && j->arc.done == 0 ? (long)((clock_now_ms() - j->arc.started_ms) / 1000) : -1;
	if (j->bin_state == BIN_FETCHING) {
		out->bytes_done += j->bin_done;
		if (j->bin_total < 0)
			unknown = true;
		else
			out->bytes_total += j->bin_total;
	}
	if (j->arc.op) {
		out->bytes_done = j->arc.done;
		unknown = j->arc.total < 0;
		out->bytes_total = j->arc.total;
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
	free(j->arc.prefix);
	free(j->arc.dir);
	api_file_list_free(&j->prelist);
	for (size_t i = 0; i < j->n_sel; i++)
		free(j->sel[i]);
	free(j->sel);
	api_op_cancel(&j->list_op);
	ex_rp_stop(j);
	ex_bin_stop(j);
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
