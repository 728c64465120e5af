/*
 * api/workspace.c: the workspace endpoints (api_walk, api_list_dir, api_walk_git,
 * api_changes, api_preview, api_diff, api_fetch_file, api_fetch_archive; see client.h).
 *
 * Owns: the workspace op (struct ws_state in api/workspace.h) and its kind, the one
 * dispatch table that starts each kind on a V0 runtime (api/ws_v0.c), a V1 agent-server
 * (api/ws_v1.c) or a local workspace (api/ws_local.c), the checks every op passes first (a
 * path with "..", a conversation that is not running), how results reach the caller, and
 * what both generations share: workspace paths, the archive check, the diff answer.
 */
#include "api/workspace.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/json.h"
#include "api/local.h"
#include "api/udiff.h"
#include "src/base/util.h"

/* ---- the one dispatch table: the first step of each kind, on each kind of workspace */

static const struct ws_route {
	void (*v0)(struct api_op *op);
	void (*v1)(struct api_op *op);
	void (*local)(struct api_op *op);
} ws_routes[WS_KIND_COUNT] = {
	[WS_LIST_DIR] = {v0_walk_start, v1_walk_start, local_ws_run},
	[WS_WALK] = {v0_walk_start, v1_walk_start, local_ws_run},
	/* only V1 listings prune .git; V0 and local workspaces have nothing to add */
	[WS_WALK_GIT] = {ws_deliver_files, v1_walk_start, ws_deliver_files},
	[WS_CHANGES] = {v0_changes_start, v1_changes_start, local_ws_run},
	[WS_PREVIEW] = {v0_preview_start, v1_fetch_start, local_ws_run},
	[WS_DIFF] = {v0_diff_start, v1_diff_start, local_ws_run},
	[WS_FETCH] = {v0_fetch_start, v1_fetch_start, local_ws_run},
	[WS_ARCHIVE] = {v0_archive_start, v1_archive_start, local_ws_run},
};

/* ---- paths */

/* Absolute workspace path of a relative one ("" = the root). */
char *
abs_path(const char *root, const char *rel)
{
	while (rel && *rel == '/')
		rel++;
	if (!rel || !*rel)
		return xstrdup(root);
	return xasprintf("%s/%s", root, rel);
}

/* Relative path of a server path: strip the root prefix (and a leading "/"). */
char *
rel_path(const char *root, const char *p)
{
	size_t rl = strlen(root);

	if (strncmp(p, root, rl) == 0 && (p[rl] == '/' || p[rl] == '\0'))
		p += rl;
	while (*p == '/')
		p++;
	size_t n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	return xstrndup(p, n);
}

/* Query value escaping that keeps '/' readable in logs: curl escapes it, which servers accept. */
char *
url_with_query(const char *base, const char *route, const char *key, const char *value)
{
	char *e = http_escape(value);
	char *u = xasprintf("%s%s?%s=%s", base, route, key, e);

	free(e);
	return u;
}

/* Path escaping per segment, keeping the slashes (old /download/<path> routes). */
char *
escape_path(const char *p)
{
	struct strbuf sb = {0};
	const char *s = p;

	while (*s) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		char *seg = xstrndup(s, n);
		char *e = http_escape(seg);

		strbuf_puts(&sb, e);
		free(e);
		free(seg);
		s += n;
		if (*s == '/') {
			strbuf_putc(&sb, '/');
			s++;
		}
	}
	return strbuf_detach(&sb);
}

/* The root of a workspace op's conversation. */
const char *
ws_root(const struct api_op *op)
{
	const struct ws_state *s = op->state;

	return api_workspace_root(op->c, &s->rt.conv);
}

static void
ws_state_free(void *p)
{
	struct ws_state *s = p;

	local_job_free(s->local);	/* stops it: a running git is killed */
	rt_clear(&s->rt);
	api_file_list_free(&s->list);
	free(s->path);
	free(s->dir);
	free(s->cmd_id);
	for (size_t i = 0; i < s->n_chunks; i++) {
		free(s->chunks[i].out);
		free(s->chunks[i].err);
	}
	free(s->chunks);
	api_file_list_free(&s->tree);
	changes_repos_free(&s->repos);
	free(s->repo_fallback);
	free(s->fallback_why);
	json_code_stream_free(s->cs);
	if (s->tmp)
		fclose(s->tmp);
	free(s);
}

/* ---- delivering results: the op finishes first, so a completion may free what held it */

static void
ws_deliver_error(struct api_op *op)
{
	struct ws_state *s = op->state;

	op_finish(op);
	if (s->files_done)
		s->files_done(s->ud, NULL, &s->err);
	else if (s->text_done)
		s->text_done(s->ud, NULL, 0, false, false, &s->err);
	else if (s->xfer_done)
		s->xfer_done(s->ud, NULL, &s->err);
}

void
ws_fail(struct api_op *op, const struct api_error *e)
{
	struct ws_state *s = op->state;

	if (e != &s->err)
		s->err = *e;
	ws_deliver_error(op);
}

int
cmp_file_path(const void *a, const void *b)
{
	const struct api_file *x = a, *y = b;

	return strcmp(x->path, y->path);
}

void
ws_deliver_files(struct api_op *op)
{
	struct ws_state *s = op->state;

	if (s->list.count > 1)
		qsort(s->list.items, s->list.count, sizeof(*s->list.items), cmp_file_path);
	op_finish(op);
	s->files_done(s->ud, &s->list, NULL);
}

void
ws_deliver_text(struct api_op *op, const char *text, size_t len, bool binary, bool cut)
{
	struct ws_state *s = op->state;

	op_finish(op);
	s->text_done(s->ud, binary ? NULL : text, binary ? 0 : len, binary, cut, NULL);
}

void
ws_deliver_xfer(struct api_op *op, const struct api_xfer_result *r)
{
	struct ws_state *s = op->state;

	op_finish(op);
	s->xfer_done(s->ud, r, NULL);
}

/* ---- the op */

/* Create the op; on a conversation that cannot be reached, deliver the error from the loop. */
static struct api_op *
ws_op(struct api_client *c, const struct api_conversation *conv, struct ws_state *s, enum ws_kind kind)
{
	struct api_op *op = op_new(c, s, ws_state_free, ws_fail);
	const struct ws_route *route = &ws_routes[kind];

	s->kind = kind;
	s->fd = -1;
	if (s->path && path_has_dotdot(s->path, strlen(s->path))) {
		/* a name from a listing or git changes with "..": the agent-server would serve what
		 * it points at, anywhere on the sandbox */
		api_error_set(&s->err, API_ERR_SERVER, 0,
			      "the server named a path outside the workspace (%.200s): not fetched", s->path);
		op_later(op, 0, ws_deliver_error);
	} else if (conv->local) {
		/* local disk: no runtime, no request; run from the loop like every result */
		api_conversation_copy(&s->rt.conv, conv);
		op_later(op, 0, route->local);
	} else if (rt_init(c, &s->rt, conv, &s->err)) {
		op->rt = &s->rt;
		op_later(op, 0, conv->version == API_V1 ? route->v1 : route->v0);
	} else {
		op_later(op, 0, ws_deliver_error);
	}
	return op;
}

static struct ws_state *
ws_new(api_files_fn files_done, api_text_fn text_done, api_xfer_fn xfer_done, void *ud)
{
	struct ws_state *s = xcalloc(1, sizeof(*s));

	s->files_done = files_done;
	s->text_done = text_done;
	s->xfer_done = xfer_done;
	s->ud = ud;
	return s;
}

struct api_op *
api_walk(struct api_client *c, const struct api_conversation *conv, api_files_fn done, void *ud)
{
	return ws_op(c, conv, ws_new(done, NULL, NULL, ud), WS_WALK);
}

struct api_op *
api_walk_git(struct api_client *c, const struct api_conversation *conv, api_files_fn done, void *ud)
{
	return ws_op(c, conv, ws_new(done, NULL, NULL, ud), WS_WALK_GIT);
}

struct api_op *
api_list_dir(struct api_client *c, const struct api_conversation *conv, const char *dir,
	     api_files_fn done, void *ud)
{
	struct ws_state *s = ws_new(done, NULL, NULL, ud);

	s->dir = rel_path(api_workspace_root(c, conv), dir ? dir : "");
	return ws_op(c, conv, s, WS_LIST_DIR);
}

struct api_op *
api_changes(struct api_client *c, const struct api_conversation *conv, api_files_fn done, void *ud)
{
	return ws_op(c, conv, ws_new(done, NULL, NULL, ud), WS_CHANGES);
}

struct api_op *
api_preview(struct api_client *c, const struct api_conversation *conv, const char *path,
	    size_t max_bytes, api_text_fn done, void *ud)
{
	struct ws_state *s = ws_new(NULL, done, NULL, ud);

	s->path = rel_path(api_workspace_root(c, conv), path);
	s->max_bytes = max_bytes ? max_bytes : 64 * 1024;
	return ws_op(c, conv, s, WS_PREVIEW);
}

struct api_op *
api_diff(struct api_client *c, const struct api_conversation *conv, const char *path,
	 api_text_fn done, void *ud)
{
	struct ws_state *s = ws_new(NULL, done, NULL, ud);

	s->path = rel_path(api_workspace_root(c, conv), path);
	return ws_op(c, conv, s, WS_DIFF);
}

struct api_op *
api_fetch_file(struct api_client *c, const struct api_conversation *conv, const char *path, int fd,
	       api_xfer_progress_fn progress, api_xfer_fn done, void *ud)
{
	struct ws_state *s = ws_new(NULL, NULL, done, ud);
	struct api_op *op;

	s->progress = progress;
	s->path = rel_path(api_workspace_root(c, conv), path);
	op = ws_op(c, conv, s, WS_FETCH);
	s->fd = fd;
	return op;
}

struct api_op *
api_fetch_archive_dir(struct api_client *c, const struct api_conversation *conv, const char *dir, int fd,
		      api_xfer_progress_fn progress, api_xfer_fn done, void *ud)
{
	struct ws_state *s = ws_new(NULL, NULL, done, ud);
	struct api_op *op;

	s->progress = progress;
	s->dir = dir ? rel_path(api_workspace_root(c, conv), dir) : NULL;	/* NULL: the workspace */
	op = ws_op(c, conv, s, WS_ARCHIVE);
	s->fd = fd;
	return op;
}

struct api_op *
api_fetch_archive(struct api_client *c, const struct api_conversation *conv, int fd,
		  api_xfer_progress_fn progress, api_xfer_fn done, void *ud)
{
	return api_fetch_archive_dir(c, conv, NULL, fd, progress, done, ud);
}

/* ---- what both generations share */

bool
looks_binary(const char *t, size_t n, bool truncated)
{
	size_t check = n < 8192 ? n : 8192;

	if (memchr(t, '\0', check))
		return true;
	/* a cut may split the last UTF-8 sequence: ignore up to 3 trailing bytes */
	if (truncated || check < n) {
		size_t k = check;
		for (int i = 0; i < 3 && k > 0 && ((unsigned char)t[k - 1] & 0xc0) == 0x80; i++)
			k--;
		if (k > 0 && ((unsigned char)t[k - 1] & 0xc0) == 0xc0)
			k--;
		check = k;
	}
	return !utf8_valid(t, check);
}

void
ws_file_progress(void *ud, int64_t done, int64_t total)
{
	struct ws_state *s = ud;

	/* A V0 select-file body is JSON, so its length is not the file's; archives and V1
	 * downloads are the bytes themselves. */
	if (s->progress)
		s->progress(s->ud, done, s->rt.conv.version == API_V1 || s->kind == WS_ARCHIVE ? total : -1);
}

void
ws_archive_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;
	struct api_xfer_result r = {0};
	unsigned char magic[4] = {0};
	bool v1 = s->rt.conv.version == API_V1;

	if (v1 && route_missing(res)) {
		api_error_set(&e, API_ERR_UNSUPPORTED, 404,
			      "this agent-server is too old to send a workspace archive");
		ws_fail(op, &e);
		return;
	}
	if (!op_ok(op, res, "the workspace archive", &e))
		return;
	ssize_t n = pread(s->fd, magic, sizeof(magic), 0);
	bool ok = v1 ? (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		     : (n >= 4 && magic[0] == 'P' && magic[1] == 'K' &&
			((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6)));
	if (!ok) {
		api_error_set(&e, API_ERR_SERVER, res->status,
			      "the server sent something that is not a %s archive (%lld bytes, type %s); "
			      "it may have failed to pack the workspace: retry, or download file by file",
			      v1 ? "tar.gz" : "ZIP", (long long)res->bytes,
			      res->content_type[0] ? res->content_type : "unknown");
		ws_fail(op, &e);
		return;
	}
	r.bytes = res->bytes;
	r.content_type = v1 ? "application/gzip" : "application/zip";
	char *root = v1 && res->captured ? http_unescape(res->captured) : NULL;
	r.repo_root = root;
	ws_deliver_xfer(op, &r);
	free(root);
}

/* The diff answer (V0, and V1 once its own refusals are told apart): made locally. */
void
ws_diff_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;
	char *orig = NULL, *mod = NULL;

	if (!op_ok(op, res, "the diff", &e) ||
	    !op_decoded(op, json_decode_diff(res->body, res->body_len, &orig, &mod, &e), &e))
		return;
	char *text = udiff_make(orig ? orig : "", mod ? mod : "", s->path);
	ws_deliver_text(op, text, strlen(text), false, false);
	free(text);
	free(orig);
	free(mod);
}
