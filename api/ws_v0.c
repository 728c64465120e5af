/*
 * api/ws_v0.c: the workspace of a V0 conversation, through its runtime's routes.
 *
 * Owns: the concurrent list-files walk (bounded by depth and count), git/changes and
 * git/diff, select-file decoded as it streams (to the caller's fd, or to a scratch file for
 * a preview, so memory stays bounded whatever the file) and its refusals (binary, not
 * UTF-8, missing), and zip-directory. Each function here is an entry of the dispatch table
 * in api/workspace.c, or a step after one.
 */
#include "api/workspace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/json.h"
#include "src/base/util.h"

/* ---- list-files, one level per request */

static void v0_list_submit(struct api_op *op, const char *rel, int depth);

struct list_arg {
	char *rel;
	int depth;
};

static void
list_arg_free(void *p)
{
	struct list_arg *a = p;

	free(a->rel);
	free(a);
}

static void
v0_list_done(struct api_op *op, const struct http_result *res, void *argp)
{
	struct ws_state *s = op->state;
	struct list_arg *arg = argp;
	struct api_error e;
	char **names = NULL;
	size_t n = 0;

	s->dirs_pending--;
	if (!op_ok(op, res, "the file list", &e) ||
	    !op_decoded(op, json_decode_string_array(res->body, res->body_len, &names, &n, &e), &e))
		return;
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		bool is_dir = len && names[i][len - 1] == '/';
		char *rel = rel_path(ws_root(op), names[i]);
		const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;

		if (!*rel) {
			free(rel);
			continue;
		}
		if (s->kind == WS_LIST_DIR) {
			api_file_list_add(&s->list, rel, is_dir ? API_DIR : API_FILE, -1, -1, API_CHANGE_NONE);
		} else if (is_dir) {
			/* .git holds thousands of objects the user never asked for (V1 prunes it too) */
			if (strcmp(base, ".git") != 0) {
				api_file_list_add(&s->list, rel, API_DIR, -1, -1, API_CHANGE_NONE);
				if (arg->depth + 1 >= op->c->walk_max_depth) {
					api_error_set(&e, API_ERR_SERVER, 0,
						      "the workspace is deeper than %d levels (at %s); the walk "
						      "stopped there", op->c->walk_max_depth, rel);
					free(rel);
					json_string_array_free(names, n);
					ws_fail(op, &e);
					return;
				}
				v0_list_submit(op, rel, arg->depth + 1);
			}
		} else {
			api_file_list_add(&s->list, rel, API_FILE, -1, -1, API_CHANGE_NONE);
		}
		free(rel);
		if (s->list.count > op->c->walk_max_files) {
			api_error_set(&e, API_ERR_SERVER, 0,
				      "the workspace has more than %zu entries; the walk stopped there "
				      "(download the whole workspace archive instead)", op->c->walk_max_files);
			json_string_array_free(names, n);
			ws_fail(op, &e);
			return;
		}
	}
	json_string_array_free(names, n);
	if (s->dirs_pending == 0)
		ws_deliver_files(op);
}

static void
v0_list_submit(struct api_op *op, const char *rel, int depth)
{
	struct ws_state *s = op->state;
	struct list_arg *a = xcalloc(1, sizeof(*a));
	char *abs = abs_path(ws_root(op), rel);
	char *url = url_with_query(s->rt.base, "/list-files", "path", abs);
	struct http_opts o;

	a->rel = xstrdup(rel);
	a->depth = depth;
	rt_opts(&s->rt, &o, url);
	s->dirs_pending++;
	op_submit(op, &o, v0_list_done, a, list_arg_free);
	free(url);
	free(abs);
}
void
v0_walk_start(struct api_op *op)
{
	struct ws_state *s = op->state;

	v0_list_submit(op, s->kind == WS_LIST_DIR ? s->dir : "", 0);
}

/* ---- git changes and diff */

/* V0: the runtime's git/changes, relative to its mount. */
static void
changes_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;

	if (!classify(res, s->rt.base, false, "the git changes", &e)) {
		if (e.kind == API_ERR_NOT_FOUND)
			api_error_set(&e, API_ERR_NOT_FOUND, 404,
				      "the workspace is not a git repository, so there are no changes to list");
		ws_fail(op, &e);
		return;
	}
	if (!op_decoded(op, json_decode_changes(res->body, res->body_len, &s->list, &e), &e))
		return;
	for (size_t i = 0; i < s->list.count; i++) {
		char *r = rel_path(ws_root(op), s->list.items[i].path);
		free(s->list.items[i].path);
		s->list.items[i].path = r;
	}
	ws_deliver_files(op);
}

void
v0_changes_start(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct http_opts o;
	char *url = xasprintf("%s/git/changes", s->rt.base);

	rt_opts(&s->rt, &o, url);
	op_submit(op, &o, changes_done, NULL, NULL);
	free(url);
}

void
v0_diff_start(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct http_opts o;
	char *url = url_with_query(s->rt.base, "/git/diff", "path", s->path);

	rt_opts(&s->rt, &o, url);
	op_submit(op, &o, ws_diff_done, NULL, NULL);
	free(url);
}

/* ---- select-file, decoded as it streams */

static int
code_sink_write(void *ud, const char *data, size_t len)
{
	struct ws_state *s = ud;

	if (json_code_stream_feed(s->cs, data, len) != 0)
		return errno ? errno : EIO;
	if (s->max_bytes && (size_t)json_code_stream_bytes(s->cs) >= s->max_bytes) {
		s->cut = true;
		return ECANCELED;
	}
	return 0;
}

static void
code_sink_reset(void *ud)
{
	struct ws_state *s = ud;

	json_code_stream_free(s->cs);
	if (ftruncate(s->fd, 0) != 0 || lseek(s->fd, 0, SEEK_SET) < 0) {
		/* the retry will fail its writes and report it */
	}
	s->cs = json_code_stream_new(s->fd);
	s->cut = false;
}

/* V0 select-file answered: finish the stream and report. */
static bool
v0_code_result(struct api_op *op, const struct http_result *res, struct api_error *e, bool *binary)
{
	struct ws_state *s = op->state;
	struct http_result r = *res;

	*binary = false;
	if (s->cut)
		r.sink_errno = 0;	/* preview: we stopped on purpose */
	if (r.status == 415) {
		*binary = true;
		api_error_set(e, API_ERR_UNSUPPORTED, 415,
			      "%s is a binary file, which this server's select-file cannot send", s->path);
		return false;
	}
	if (r.sink_errno == ECANCELED && s->cut)
		r.sink_errno = 0;
	if (!classify(&r, s->rt.base, false, s->path, e)) {
		if (r.status == 500) {
			char *t = r.error_body ? json_error_text(r.error_body, r.error_body_len) : NULL;
			bool missing = t && (strstr(t, "File not found") || strstr(t, "No such file"));
			/* a file that is not UTF-8 text: select-file cannot send it, zip-directory can */
			bool not_utf8 = t && strstr(t, "could not be decoded as utf-8");
			if (missing)
				api_error_set(e, API_ERR_NOT_FOUND, 500, "%s: no such file in the workspace", s->path);
			if (not_utf8) {
				*binary = true;
				api_error_set(e, API_ERR_UNSUPPORTED, 500,
					      "%s is not UTF-8 text, which this server's select-file cannot send", s->path);
			}
			free(t);
		}
		return false;
	}
	if (!s->cut && json_code_stream_finish(s->cs) != 0) {
		api_error_set(e, API_ERR_SERVER, r.status, "the server sent a broken file body for %s: %s",
			      s->path, json_code_stream_error(s->cs));
		return false;
	}
	return true;
}

static void
v0_preview_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;
	bool binary = false;

	if (!v0_code_result(op, res, &e, &binary)) {
		if (binary)
			ws_deliver_text(op, NULL, 0, true, false);
		else
			ws_fail(op, &e);
		return;
	}
	/* read back what the stream decoded (at most max_bytes plus one buffer) */
	size_t want = s->max_bytes;
	char *buf = xmalloc(want + 1);
	ssize_t n = pread(s->fd, buf, want, 0);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	ws_deliver_text(op, buf, (size_t)n, looks_binary(buf, (size_t)n, s->cut), s->cut);
	free(buf);
}

static void
v0_fetch_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;
	struct api_xfer_result r = {0};
	bool binary = false;

	if (!v0_code_result(op, res, &e, &binary)) {
		r.binary = binary;
		op_finish(op);
		s->xfer_done(s->ud, binary ? &r : NULL, &e);
		return;
	}
	r.bytes = json_code_stream_bytes(s->cs);
	r.content_type = "text/plain";
	ws_deliver_xfer(op, &r);
}

static void
v0_select_submit(struct api_op *op, op_call_fn done)
{
	struct ws_state *s = op->state;
	struct http_opts o;
	char *abs = abs_path(ws_root(op), s->path);
	char *url = url_with_query(s->rt.base, "/select-file", "file", abs);

	rt_opts(&s->rt, &o, url);
	o.download = s->kind == WS_FETCH;
	o.progress = ws_file_progress;
	o.no_retry_500 = true;
	if (!s->cs)
		s->cs = json_code_stream_new(s->fd);
	o.sink_write = code_sink_write;
	o.sink_reset = code_sink_reset;
	/* The sink and progress callbacks get the op state; the completion gets the call. */
	op_submit_ud(op, &o, done, s);
	free(url);
	free(abs);
}

void
v0_preview_start(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct api_error e;

	/* V0 decodes into a scratch file so memory stays bounded whatever the file */
	s->tmp = tmpfile();
	if (!s->tmp) {
		api_error_set(&e, API_ERR_LOCAL, 0, "cannot create a temporary file: %s", strerror(errno));
		ws_fail(op, &e);
		return;
	}
	s->fd = fileno(s->tmp);
	v0_select_submit(op, v0_preview_done);
}

void
v0_fetch_start(struct api_op *op)
{
	v0_select_submit(op, v0_fetch_done);
}

/* ---- zip-directory: the whole workspace */

void
v0_archive_start(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct http_opts o;
	if (s->dir && *s->dir) {
		struct api_error e;
		api_error_set(&e, API_ERR_UNSUPPORTED, 0, "a V0 runtime archives only the whole workspace");
		ws_fail(op, &e);
		return;
	}
	char *url = xasprintf("%s/zip-directory", s->rt.base);

	rt_opts(&s->rt, &o, url);
	o.download = true;
	o.sink_fd = s->fd;
	o.progress = ws_file_progress;
	op_submit_ud(op, &o, ws_archive_done, s);
	free(url);
}
