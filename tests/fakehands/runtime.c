/*
 * tests/fakehands/runtime.c: the V0 nested runtime (one per V0 conversation).
 *
 * Owns: the routes under /api/conversations/{id}/ on the runtime port: list-files,
 * select-file, zip-directory, git/changes, git/diff, trajectory and events, with
 * the nested server's session-key check and its "not running" answers. The rate
 * limiter in front of these lives in http.c.
 */
#include "tests/fakehands/fh.h"

#include <stdlib.h>
#include <string.h>

static const char *const files_to_ignore[] = { ".git/", ".DS_Store", "node_modules/", "__pycache__/",
					       "lost+found/", ".vscode/" };

/* Route name from "/api/conversations/<id>/<rest>"; NULL rest for other shapes. */
static const char *
sub_path(struct fh_req *r)
{
	const char *p = r->path;
	const char *id;

	if (strncmp(p, "/api/conversations/", 19))
		return NULL;
	id = p + 19;
	if (strncmp(id, r->srv->conv->id, 32) || id[32] != '/')
		return NULL;
	return id + 33;
}

const char *
runtime_route(struct fh_req *r)
{
	static const char *const names[][2] = {
		{ "list-files", "list-files" }, { "select-file", "select-file" },
		{ "zip-directory", "zip-directory" }, { "git/changes", "git-changes" },
		{ "git/diff", "git-diff" }, { "trajectory", "trajectory" }, { "events", "events" },
	};
	const char *rest = sub_path(r);

	if (!rest || strcmp(r->method, "GET"))
		return "unknown";
	for (size_t i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcmp(rest, names[i][0]))
			return names[i][1];
	return "unknown";
}

static void
list_files(struct fh_req *r, struct fh_reply *rp, const struct fh_workspace *ws)
{
	const char *path = q_get(r, "path");
	struct strbuf rel = { 0 };
	json_t *arr = json_array();
	char **names = NULL;
	size_t n = 0;

	/* Python: "if path:" so an empty path is the same as none */
	if (path && !*path)
		path = NULL;
	if (!ws_rel(ws, path ? path : "", path ? strlen(path) : 0, &rel) || !ws_is_dir(ws, rel.buf, rel.len))
		goto done;
	names = ws_list(ws, rel.buf, &n);
	for (size_t i = 0; i < n; i++) {
		char *entry;
		bool skip = false;

		if (path) {
			size_t pl = strlen(path);

			entry = xasprintf("%s%s%s", path, path[pl - 1] == '/' ? "" : "/", names[i]);
		} else {
			entry = xstrdup(names[i]);
		}
		for (size_t k = 0; k < ARRAY_SIZE(files_to_ignore); k++)
			if (!strcmp(entry, files_to_ignore[k]))
				skip = true;
		if (!skip && !ws_ignored(ws, entry))
			json_array_append_new(arr, jstr0(entry));
		free(entry);
		free(names[i]);
	}
done:
	free(names);
	strbuf_free(&rel);
	reply_json(rp, 200, arr);
}

static void
select_file(struct fh_req *r, struct fh_reply *rp, const struct fh_workspace *ws)
{
	const struct qparam *fp = q_getp(r, "file");
	struct strbuf rel = { 0 };
	const struct fh_node *nd = NULL;
	char *abs, *msg = NULL;

	if (!fp) {
		reply_json(rp, 422, json_pack("{s:[{s:s,s:[s,s],s:s,s:n}]}", "detail", "type", "missing", "loc",
					      "query", "file", "msg", "Field required", "input"));
		return;
	}
	abs = fp->val[0] == '/' ? xstrdup(fp->val) : xasprintf("%s/%s", ws->root, fp->val);
	if (ws_rel(ws, abs, strlen(abs), &rel))
		nd = rel.len ? ws_find(ws, rel.buf, rel.len) : NULL;
	if (!nd && rel.len == 0 && !strcmp(abs, ws->root))
		msg = xasprintf("Error opening file: **ErrorObservation**\nPath is a directory: %s. You can only read files", abs);
	else if (!nd)
		msg = xasprintf("Error opening file: **ErrorObservation**\nFile not found: %s. Your current working directory is %s.",
				abs, ws->root);
	else if (nd->is_dir)
		msg = xasprintf("Error opening file: **ErrorObservation**\nPath is a directory: %s. You can only read files", abs);
	if (msg) {
		reply_error(rp, 500, msg);
	} else if (node_is_binary(nd)) {
		msg = xasprintf("Unable to open binary file: %s", abs);
		reply_error(rp, 415, msg);
	} else if (!node_is_utf8(nd)) {
		msg = xasprintf("Error opening file: **ErrorObservation**\nFile could not be decoded as utf-8: %s.", abs);
		reply_error(rp, 500, msg);
	} else if (nd->generated) {
		/* streamed: a 1 GiB generated text file never sits in memory */
		rp->status = 200;
		rp->ctype = "application/json";
		rp->json_headers = true;
		rp->kind = BODY_CODE_GEN;
		rp->node = nd;
		rp->size = code_gen_size(nd);
	} else {
		reply_json(rp, 200, json_pack("{s:o}", "code", jstr((const char *)nd->data, nd->len)));
	}
	free(msg);
	free(abs);
	strbuf_free(&rel);
}

static int
change_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fh_change *)a)->path, ((const struct fh_change *)b)->path);
}

static void
git_changes(struct fh_reply *rp, const struct fh_workspace *ws)
{
	struct fh_change *sorted;
	json_t *arr;

	if (!ws->git) {
		reply_error(rp, 404, "Not a git repository");
		return;
	}
	sorted = xmalloc((ws->n_changes + 1) * sizeof(*sorted));
	memcpy(sorted, ws->changes, ws->n_changes * sizeof(*sorted));
	if (ws->n_changes > 1)
		qsort(sorted, ws->n_changes, sizeof(*sorted), change_cmp);
	arr = json_array();
	for (size_t i = 0; i < ws->n_changes; i++)
		json_array_append_new(arr, json_pack("{s:s,s:o}", "status", sorted[i].status, "path",
						     jstr0(sorted[i].path)));
	free(sorted);
	reply_json(rp, 200, arr);
}

static void
events(struct fh_req *r, struct fh_reply *rp, struct fh_conv *c)
{
	const char *s = q_get(r, "start_id"), *e = q_get(r, "end_id"), *rev = q_get(r, "reverse"),
		   *lim = q_get(r, "limit");
	long long start = s ? atoll(s) : 0, end = e && *e ? atoll(e) : -1, limit = lim ? atoll(lim) : 20;
	bool reverse = rev && (!strcasecmp(rev, "true") || !strcmp(rev, "1"));
	json_t *items = json_array();
	size_t n = json_array_size(c->events);
	bool more = false;

	if (limit < 1 || limit > 100) {
		json_decref(items);
		reply_detail(rp, 400, "Invalid limit: must be between 1 and 100");
		return;
	}
	for (size_t k = 0; k < n; k++) {
		size_t i = reverse ? n - 1 - k : k;
		json_t *ev = json_array_get(c->events, i), *idv = json_object_get(ev, "id");
		long long id = json_is_integer(idv) ? json_integer_value(idv) : (long long)i;

		if (id < start || (end >= 0 && id > end))
			continue;
		if ((long long)json_array_size(items) >= limit) {
			more = true;
			break;
		}
		json_array_append(items, ev);
	}
	reply_json(rp, 200, json_pack("{s:o,s:b}", "events", items, "has_more", more));
}

void
runtime_handle(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	struct fh_conv *c = r->srv->conv;
	const struct fh_workspace *ws = c->ws ? c->ws : &fh_empty_ws;
	const char *key = req_header(r, "X-Session-API-Key"), *rt = r->route;
	enum fh_status st;

	pthread_mutex_lock(&fh->lock);
	st = conv_status(fh, c);
	pthread_mutex_unlock(&fh->lock);
	if (st == ST_STARTING) {
		reply_error(rp, 404, "Runtime not yet initialized");
		return;
	}
	if (st != ST_RUNNING) {
		/* the ingress answers for a runtime that is not there */
		reply_text(rp, 503, "text/html", "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
			   "<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n");
		return;
	}
	if (!key || strcmp(key, c->session_key)) {
		reply_detail(rp, 401, "Unauthorized");
		return;
	}
	if (!strcmp(rt, "list-files")) {
		list_files(r, rp, ws);
	} else if (!strcmp(rt, "select-file")) {
		select_file(r, rp, ws);
	} else if (!strcmp(rt, "zip-directory")) {
		rp->status = 200;
		rp->ctype = "application/zip";
		rp->kind = BODY_ARCHIVE;
		enum fh_zip_style zs = c->zip_style != ZIP_INHERIT ? c->zip_style : ws->zip_style;

		/* FileResponse sends a Content-Length: exact at any size for the Python style */
		rp->arch = arch_zip(ws, zs == ZIP_DESCRIPTOR, &rp->size);
		reply_header(rp, "Content-Disposition", "attachment; filename=\"workspace.zip\"");
	} else if (!strcmp(rt, "git-changes")) {
		git_changes(rp, ws);
	} else if (!strcmp(rt, "git-diff")) {
		const char *p = q_get(r, "path");
		struct strbuf rel = { 0 };

		ws_rel(ws, p ? p : "", p ? strlen(p) : 0, &rel);
		reply_json(rp, 200, ws_diff(ws, rel.buf));
		strbuf_free(&rel);
	} else if (!strcmp(rt, "trajectory")) {
		reply_json(rp, 200, json_pack("{s:O}", "trajectory", c->events));
	} else if (!strcmp(rt, "events")) {
		events(r, rp, c);
	} else {
		reply_detail(rp, 404, "Not Found");
	}
}
