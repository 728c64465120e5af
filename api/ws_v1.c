/*
 * api/ws_v1.c: the workspace of a V1 conversation, through its agent-server.
 *
 * Owns: commands through the bash API (start, then poll the output chunks in order), the
 * workspace listing they produce (asked again when damaged, R7) and the .git listing, git
 * changes per repository with the bash fallback where git/changes fails or cannot be
 * trusted (R2-R5), git/diff with a deleted file's text from git (R6), file downloads in
 * both route forms (?path= and the old /path), and the tar.gz archive (asked once, R10).
 * Each function here is an entry of the dispatch table in api/workspace.c, or a step
 * after one.
 */
#include "api/workspace.h"

#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "api/udiff.h"
#include "src/base/util.h"

/*
 * V1 agent-servers moved routes from /api/X/<abs path> to /api/X?path=<abs path> (v1.20
 * removed the old form). The URL of route for abs in whichever form this server speaks.
 */
static char *
v1_route_url(const struct ws_state *s, const char *route, const char *abs)
{
	if (!s->old_route)
		return url_with_query(s->rt.base, route, "path", abs);
	char *p = escape_path(abs);
	char *url = xasprintf("%s%s/%s", s->rt.base, route, p);	/* "//workspace/...": stays absolute */
	free(p);
	return url;
}

/* The URL of route for the workspace-relative path rel, in this server's form. */
static char *
v1_path_url(struct api_op *op, const char *route, const char *rel)
{
	char *abs = abs_path(ws_root(op), rel);
	char *url = v1_route_url(op->state, route, abs);

	free(abs);
	return url;
}

/* A V1 answer saying the route does not exist: switch to the old form and resubmit. */
static bool
v1_retry_old_route(struct api_op *op, const struct http_result *res, void (*resubmit)(struct api_op *))
{
	struct ws_state *s = op->state;

	if (s->rt.conv.version != API_V1 || s->old_route || !route_missing(res))
		return false;
	s->old_route = true;
	resubmit(op);
	return true;
}

char *
api_listing_command(const char *abs_dir)
{
	return changes_listing_command(abs_dir);
}

/* The first listing format ("<f|d|l> <size> <mtime> <relpath>\n"), kept for its tests. */
size_t
api_parse_listing(const char *text, size_t len, struct api_file_list *out)
{
	size_t bad = 0;
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		char type = *p;
		char *line = xstrndup(p, (size_t)(le - p));
		char *sp1 = strchr(line, ' ');
		char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
		char *sp3 = sp2 ? strchr(sp2 + 1, ' ') : NULL;

		p = nl ? nl + 1 : end;
		if (!sp3 || sp1 != line + 1 || !sp3[1] || (type != 'f' && type != 'd' && type != 'l')) {
			if (*line)
				bad++;
			free(line);
			continue;
		}
		char *e1, *e2;
		long long size = strtoll(sp1 + 1, &e1, 10);
		double mtime = strtod(sp2 + 1, &e2);
		if (e1 != sp2 || e2 != sp3) {
			bad++;
			free(line);
			continue;
		}
		api_file_list_add(out, sp3 + 1, type == 'd' ? API_DIR : API_FILE, type == 'd' ? -1 : size,
				  mtime >= 0 && mtime < 9.2e18 ? (int64_t)mtime : -1, API_CHANGE_NONE);
		free(line);
	}
	return bad;
}

static void v1_poll(struct api_op *op);

/* Drop what the last command left, before the next one starts. */
static void
v1_bash_reset(struct ws_state *s)
{
	free(s->cmd_id);
	s->cmd_id = NULL;
	for (size_t i = 0; i < s->n_chunks; i++) {
		free(s->chunks[i].out);
		free(s->chunks[i].err);
	}
	free(s->chunks);
	s->chunks = NULL;
	s->n_chunks = 0;
}

/* The command's whole stdout and stderr, in order, and its exit code. */
static int
v1_bash_collect(const struct ws_state *s, struct strbuf *out, struct strbuf *err)
{
	int code = 0;

	for (size_t i = 0; i < s->n_chunks; i++) {
		strbuf_append(out, s->chunks[i].out ? s->chunks[i].out : "", s->chunks[i].out_len);
		if (s->chunks[i].err)
			strbuf_puts(err, s->chunks[i].err);
		if (s->chunks[i].exit_code >= 0)
			code = s->chunks[i].exit_code;
	}
	return code;
}

static bool
v1_chunks_complete(const struct ws_state *s)
{
	bool last = false;

	for (size_t i = 0; i < s->n_chunks; i++) {
		if (!s->chunks[i].have)
			return false;
		if (s->chunks[i].exit_code >= 0)
			last = true;
	}
	return last;
}

/* The highest order such that every chunk up to it is in; -1 when none. */
static long
v1_have_through(const struct ws_state *s)
{
	long k = -1;

	while ((size_t)(k + 1) < s->n_chunks && s->chunks[k + 1].have)
		k++;
	return k;
}

static void v1_poll_page(struct api_op *op, const char *page_id);

static void
v1_poll_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;
	struct json_bash_page pg = {0};

	if (!op_ok(op, res, "the workspace listing", &e) ||
	    !op_decoded(op, json_decode_bash_page(res->body, res->body_len, &pg, &e), &e))
		return;
	for (size_t i = 0; i < pg.count; i++) {
		struct json_bash_chunk *ch = &pg.items[i];
		if (ch->order < 0 || ch->order > 1000000)
			continue;
		size_t o = (size_t)ch->order;
		if (o >= s->n_chunks) {
			s->chunks = xrealloc(s->chunks, (o + 1) * sizeof(*s->chunks));
			memset(s->chunks + s->n_chunks, 0, (o + 1 - s->n_chunks) * sizeof(*s->chunks));
			s->n_chunks = o + 1;
		}
		if (s->chunks[o].have)
			continue;
		s->chunks[o].have = true;
		s->chunks[o].exit_code = ch->exit_code;
		s->chunks[o].out = ch->out;
		s->chunks[o].out_len = ch->out_len;
		s->chunks[o].err = ch->err;
		ch->out = ch->err = NULL;
	}
	if (v1_chunks_complete(s)) {
		json_bash_page_free(&pg);
		s->bash_done(op);
		return;
	}
	/* order__gt is applied after the page slice, so a short or empty page can still have
	 * a next page (openhands-api-2026.md 2.3): follow it before waiting */
	if (pg.next_page_id) {
		char *next = xstrdup(pg.next_page_id);
		json_bash_page_free(&pg);
		v1_poll_page(op, next);
		free(next);
		return;
	}
	json_bash_page_free(&pg);
	if (clock_now_ms() - s->poll_started_ms > 300000) {
		api_error_set(&e, API_ERR_NETWORK, 0, "a command on the agent-server took more than 5 minutes; "
			      "try again");
		ws_fail(op, &e);
		return;
	}
	/* the command runs asynchronously (R8): back off gently while it does */
	long waited = (long)(clock_now_ms() - s->poll_started_ms);
	op_later(op, waited < 1000 ? 100 : waited < 10000 ? 250 : 1000, v1_poll);
}

static void
v1_poll_page(struct api_op *op, const char *page_id)
{
	struct ws_state *s = op->state;
	struct strbuf sb = {0};
	struct http_opts o;
	char *id = http_escape(s->cmd_id);

	/* order__gt (v1.11.0+): only the chunks not yet received; older servers ignore it and
	 * the chunks already held are dropped by order */
	strbuf_printf(&sb, "%s/api/bash/bash_events/search?command_id__eq=%s&kind__eq=BashOutput"
		      "&sort_order=TIMESTAMP&limit=100&order__gt=%ld", s->rt.base, id, v1_have_through(s));
	free(id);
	if (page_id) {
		char *e = http_escape(page_id);
		strbuf_printf(&sb, "&page_id=%s", e);
		free(e);
	}
	char *url = strbuf_detach(&sb);
	rt_opts(&s->rt, &o, url);
	op_submit(op, &o, v1_poll_done, NULL, NULL);
	free(url);
}

static void
v1_poll(struct api_op *op)
{
	v1_poll_page(op, NULL);
}

static void
v1_started(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;

	if (!op_ok(op, res, "a command on the agent-server", &e) ||
	    !op_decoded(op, json_decode_bash_command_id(res->body, res->body_len, &s->cmd_id, &e), &e))
		return;
	s->poll_started_ms = clock_now_ms();
	op_later(op, 50, v1_poll);
}

/* Run cmd through start_bash_command; done(op) runs when every output chunk is in. */
static void
v1_bash_start(struct api_op *op, const char *cmd, void (*done)(struct api_op *op))
{
	struct ws_state *s = op->state;
	char *body = json_encode_bash_command(cmd, 300);
	char *url = xasprintf("%s/api/bash/start_bash_command", s->rt.base);
	const char *hdr[4] = {s->rt.hdr[0], "Content-Type: application/json", NULL, NULL};
	struct http_opts o;

	v1_bash_reset(s);
	s->bash_done = done;
	if (!hdr[0]) {
		hdr[0] = "Content-Type: application/json";
		hdr[1] = NULL;
	}
	rt_opts(&s->rt, &o, url);
	o.headers = hdr;
	o.method = "POST";
	o.body = body;
	o.body_len = strlen(body);
	o.idempotent = false;	/* starting a command twice is harmless but wasteful: only 429 retries */
	op_submit(op, &o, v1_started, NULL, NULL);
	free(url);
	free(body);
}

/*
 * The listing is in: decode it into s->tree and s->repos. False (and the op is finished or
 * restarted) when it failed. A damaged listing (not base64: R7 or a proxy) is asked for
 * again, twice at most, rather than a wrong name being downloaded.
 */
static bool
v1_listing_parse(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct strbuf all = {0}, errs = {0};
	int code = v1_bash_collect(s, &all, &errs);
	struct api_error e;

	if (code != 0) {
		char *firstline = errs.buf ? xstrndup(errs.buf, strcspn(errs.buf, "\n")) : xstrdup("");
		/* R8: /bin/sh is dash, whose cd exits 2 with "can't cd to DIR" */
		bool missing = (code == 2 && strstr(firstline, "can't cd")) || code == 1;
		if (missing)
			api_error_set(&e, API_ERR_NOT_FOUND, 0,
				      "the workspace root %s was not found on the agent-server (%.200s); "
				      "give the right one with --workspace-root", ws_root(op), firstline);
		else
			api_error_set(&e, API_ERR_SERVER, 0,
				      "listing the workspace failed (exit %d%s%.200s); is %s the workspace root? "
				      "(see --workspace-root)", code, *firstline ? ": " : "", firstline, ws_root(op));
		free(firstline);
		strbuf_free(&all);
		strbuf_free(&errs);
		ws_fail(op, &e);
		return false;
	}
	api_file_list_free(&s->tree);
	changes_repos_free(&s->repos);
	long bad = changes_parse_listing(all.buf ? all.buf : "", all.len, &s->tree, &s->repos);
	strbuf_free(&all);
	strbuf_free(&errs);
	if (bad < 0) {
		api_file_list_free(&s->tree);
		changes_repos_free(&s->repos);
		if (++s->relists <= 2) {
			char *cmd = api_listing_command(ws_root(op));
			v1_bash_start(op, cmd, s->bash_done);	/* the same listing, the same next step */
			free(cmd);
			return false;
		}
		api_error_set(&e, API_ERR_SERVER, 0, "the agent-server damaged the workspace listing %d times; "
			      "try again", s->relists);
		ws_fail(op, &e);
		return false;
	}
	if (s->tree.count > 1)
		qsort(s->tree.items, s->tree.count, sizeof(*s->tree.items), cmp_file_path);
	return true;
}

/* Copies one parsed listing entry into the op's result, mode and link target included. */
static void
ws_list_add_listed(struct ws_state *s, const struct api_file *f)
{
	api_file_list_add(&s->list, f->path, f->type, f->size, f->mtime, API_CHANGE_NONE);
	s->list.items[s->list.count - 1].mode = f->mode;
	s->list.items[s->list.count - 1].link = f->link ? xstrdup(f->link) : NULL;
}

/* The listing is in: the op's result is the part of it its kind asked for. */
static void
v1_listing_complete(struct api_op *op)
{
	struct ws_state *s = op->state;

	if (!v1_listing_parse(op))
		return;
	for (size_t i = 0; i < s->tree.count; i++) {
		struct api_file *f = &s->tree.items[i];
		if (s->kind == WS_LIST_DIR) {
			const char *slash = strrchr(f->path, '/');
			size_t plen = slash ? (size_t)(slash - f->path) : 0;
			if (plen != strlen(s->dir) || strncmp(f->path, s->dir, plen) != 0)
				continue;
		}
		/* every entry of the .git listing lies inside a .git: files and links only (their
		 * directories come with them; an empty one inside .git is of no use to a repository) */
		if (s->kind == WS_WALK_GIT && f->type != API_FILE)
			continue;
		ws_list_add_listed(s, f);
	}
	if (s->kind == WS_WALK) {
		/* where the repositories are: the export tells which directory the agent-server's
		 * archive would pack (2.2) */
		s->list.repos = s->repos.dirs;
		s->list.n_repos = s->repos.count;
		memset(&s->repos, 0, sizeof(s->repos));
	}
	ws_deliver_files(op);
}

/* WS_WALK, WS_LIST_DIR (filtered from the whole listing) and WS_WALK_GIT (the .git listing). */
void
v1_walk_start(struct api_op *op)
{
	struct ws_state *s = op->state;
	char *cmd = s->kind == WS_WALK_GIT ? changes_git_listing_command(ws_root(op)) : api_listing_command(ws_root(op));

	v1_bash_start(op, cmd, v1_listing_complete);
	free(cmd);
}

/* ---- git changes */

/*
 * V1 (openhands-api-2026.md 2.4, R2-R5): the agent-server's git/changes is right only for
 * the repository passed to it, and not always then. So: list the workspace (which finds
 * every .git), ask git/changes for each repository, resolve the answer against the
 * listing (R3 quoting, directories, names the listing lacks), and recompute every
 * repository whose answer failed (400/500: R4) or cannot be trusted through the bash API
 * with NUL-separated git output. A nested repository's changes appear under its prefix.
 */
static void changes_v1_fallback_next(struct api_op *op);
static void changes_v1_repo_submit(struct api_op *op, size_t i);
static void changes_v1_deliver(struct api_op *op);

static void
changes_v1_mark_fallback(struct ws_state *s, size_t i, const char *why)
{
	s->repo_fallback[i] = true;
	if (!s->fallback_why)
		s->fallback_why = xasprintf("%s: %s", *s->repos.dirs[i] ? s->repos.dirs[i] : "the workspace root", why);
}

static void
changes_v1_repo_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	size_t i = (size_t)(uintptr_t)arg;
	struct api_error e;
	struct api_file_list answer = {0};
	char why[400];

	if (s->rt.conv.version == API_V1 && !s->old_route && route_missing(res)) {
		s->old_route = true;	/* an agent-server before v1.12: the path form */
		changes_v1_repo_submit(op, i);
		return;
	}
	s->repos_pending--;
	if (s->no_repos) {
		/* no .git below the root: only a server that knows of a repository above it can
		 * answer; an empty or failed answer means the changes cannot be told (never an
		 * empty "no changes") */
		size_t had = s->list.count;
		bool ok = classify(res, s->rt.base, false, "the git changes", &e) &&
			  json_decode_changes(res->body, res->body_len, &answer, &e) == 0 &&
			  changes_resolve(&answer, "", &s->repos, &s->tree, &s->list, why, sizeof(why));
		api_file_list_free(&answer);
		if (!ok || s->list.count == had) {
			api_error_set(&e, API_ERR_NOT_FOUND, 0,
				      "the workspace %s holds no git repository (no .git in it), so there are no "
				      "changes to list", ws_root(op));
			ws_fail(op, &e);
			return;
		}
		changes_v1_deliver(op);
		return;
	}
	if (!classify(res, s->rt.base, false, "the git changes", &e)) {
		changes_v1_mark_fallback(s, i, e.message);
	} else if (json_decode_changes(res->body, res->body_len, &answer, &e) != 0) {
		changes_v1_mark_fallback(s, i, e.message);
	} else if (!changes_resolve(&answer, s->repos.dirs[i], &s->repos, &s->tree, &s->list, why, sizeof(why))) {
		changes_v1_mark_fallback(s, i, why);
	}
	api_file_list_free(&answer);
	if (s->repos_pending == 0)
		changes_v1_fallback_next(op);
}

static void
changes_v1_repo_submit(struct api_op *op, size_t i)
{
	struct ws_state *s = op->state;
	char *url = v1_path_url(op, "/api/git/changes", s->repos.dirs[i]);
	struct http_opts o;

	rt_opts(&s->rt, &o, url);
	op_submit(op, &o, changes_v1_repo_done, (void *)(uintptr_t)i, NULL);
	free(url);
}

static void
changes_v1_deliver(struct api_op *op)
{
	struct ws_state *s = op->state;
	size_t w = 0;

	if (s->list.count > 1)
		qsort(s->list.items, s->list.count, sizeof(*s->list.items), cmp_file_path);
	/* one row per path, whatever two answers said about it */
	for (size_t r = 0; r < s->list.count; r++) {
		if (w && !strcmp(s->list.items[w - 1].path, s->list.items[r].path)) {
			free(s->list.items[r].path);
			free(s->list.items[r].link);
			continue;
		}
		s->list.items[w++] = s->list.items[r];
	}
	s->list.count = w;
	/* sizes and times from the listing, for the rows the bash API computed */
	for (size_t r = 0; r < s->list.count; r++) {
		struct api_file *f = &s->list.items[r], key = {.path = f->path};
		const struct api_file *t = s->tree.count && f->change != API_CHANGE_DELETED
			? bsearch(&key, s->tree.items, s->tree.count, sizeof(key), cmp_file_path) : NULL;
		if (t) {
			f->size = t->size;
			f->mtime = t->mtime;
			f->mode = t->mode;
			f->link = t->link ? xstrdup(t->link) : NULL;	/* R9: an untracked link is ADDED */
		}
	}
	ws_deliver_files(op);
}

static void
changes_v1_fallback_done(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct strbuf out = {0}, err = {0};
	size_t i = s->fallback_at++;
	int code = v1_bash_collect(s, &out, &err);
	struct api_error e;

	if (code != 0 || changes_parse_fallback(out.buf ? out.buf : "", out.len, s->repos.dirs[i], &s->list) != 0) {
		char *first = err.buf ? xstrndup(err.buf, strcspn(err.buf, "\n")) : xstrdup("its output was damaged");
		api_error_set(&e, API_ERR_SERVER, 0,
			      "cannot tell the changed files of %s: the agent-server's git/changes failed (%.150s) "
			      "and running git there failed too (%.150s)",
			      *s->repos.dirs[i] ? s->repos.dirs[i] : "the workspace root",
			      s->fallback_why ? s->fallback_why : "", first);
		free(first);
		strbuf_free(&out);
		strbuf_free(&err);
		ws_fail(op, &e);
		return;
	}
	strbuf_free(&out);
	strbuf_free(&err);
	changes_v1_fallback_next(op);
}

static void
changes_v1_fallback_next(struct api_op *op)
{
	struct ws_state *s = op->state;

	while (s->fallback_at < s->repos.count && !s->repo_fallback[s->fallback_at])
		s->fallback_at++;
	if (s->fallback_at == s->repos.count) {
		changes_v1_deliver(op);
		return;
	}
	char *abs = abs_path(ws_root(op), s->repos.dirs[s->fallback_at]);
	char *cmd = changes_fallback_command(abs);
	v1_bash_start(op, cmd, changes_v1_fallback_done);
	free(cmd);
	free(abs);
}

static void
changes_v1_listed(struct api_op *op)
{
	struct ws_state *s = op->state;

	if (!v1_listing_parse(op))
		return;
	/* No .git anywhere below the root: the root may still be inside a repository above it
	 * (git rev-parse searches upward), so the server is asked about the root alone. */
	s->no_repos = s->repos.count == 0;
	if (s->no_repos)
		changes_repos_add(&s->repos, "");
	s->repo_fallback = xcalloc(s->repos.count, sizeof(*s->repo_fallback));
	s->repos_pending = s->repos.count;
	s->fallback_at = 0;
	for (size_t i = 0; i < s->repos.count; i++)
		changes_v1_repo_submit(op, i);
}

void
v1_changes_start(struct api_op *op)
{
	char *cmd = api_listing_command(ws_root(op));

	v1_bash_start(op, cmd, changes_v1_listed);
	free(cmd);
}
/* ---- single files: preview and download */

static void v1_fetch_done(struct api_op *op, const struct http_result *res, void *arg);

void
v1_fetch_start(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct http_opts o;
	char *url = v1_path_url(op, "/api/file/download", s->path);

	rt_opts(&s->rt, &o, url);
	o.download = s->kind == WS_FETCH;
	o.progress = ws_file_progress;
	if (s->kind == WS_PREVIEW)
		o.max_mem = s->max_bytes ? s->max_bytes : 1;
	else
		o.sink_fd = s->fd;
	/* The progress callback gets the op state; the completion gets the call. */
	op_submit_ud(op, &o, v1_fetch_done, s);
	free(url);
}

static void
v1_fetch_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;
	struct api_xfer_result r = {0};

	/* a 404 body never reaches the fd (only 2xx bodies do): nothing to truncate */
	if (v1_retry_old_route(op, res, v1_fetch_start) || !op_ok(op, res, s->path, &e))
		return;
	if (s->kind == WS_PREVIEW) {
		ws_deliver_text(op, res->body, res->body_len, looks_binary(res->body, res->body_len, res->truncated),
				res->truncated);
		return;
	}
	r.bytes = res->bytes;
	r.content_type = res->content_type;
	ws_deliver_xfer(op, &r);
}

/* ---- diff */

/* R6: the deleted file's text came from git through bash: show its removal. */
static void
diff_deleted_done(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct strbuf out = {0}, err = {0};
	struct api_error e;
	size_t n = 0;

	v1_bash_collect(s, &out, &err);
	char *orig = changes_b64_decode(out.buf ? out.buf : "", out.len, &n);
	if (!orig || (n == 0 && err.len)) {
		char *first = err.buf ? xstrndup(err.buf, strcspn(err.buf, "\n")) : xstrdup("");
		api_error_set(&e, API_ERR_NOT_FOUND, 400, "%s is not in the workspace, and git does not know it "
			      "either (%.200s)", s->path, first);
		free(first);
		free(orig);
		strbuf_free(&out);
		strbuf_free(&err);
		ws_fail(op, &e);
		return;
	}
	char *text = udiff_make(orig, "", s->path);
	ws_deliver_text(op, text, strlen(text), false, false);
	free(text);
	free(orig);
	strbuf_free(&out);
	strbuf_free(&err);
}

void v1_diff_start(struct api_op *op);

static void
v1_diff_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;

	if (v1_retry_old_route(op, res, v1_diff_start))
		return;
	if (res->status == 400) {
		/* R6 / 2.4: git/diff answers 400 for a deleted file and for one over 1 MiB; neither
		 * is worth retrying, so neither says "try again later" */
		const char *body = res->error_body ? res->error_body : res->body;
		size_t blen = res->error_body ? res->error_body_len : res->body_len;
		char *t = body && blen ? json_error_text(body, blen) : NULL;
		if (t && strstr(t, "does not exist")) {
			free(t);
			char *abs = abs_path(ws_root(op), s->path);
			char *cmd = changes_show_command(abs);
			v1_bash_start(op, cmd, diff_deleted_done);
			free(cmd);
			free(abs);
			return;
		}
		api_error_set(&e, API_ERR_UNSUPPORTED, 400,
			      "the agent-server shows no diff of %s (%.200s): it refuses files over 1 MiB; "
			      "download the file to compare it", s->path, t ? t : "HTTP 400");
		free(t);
		ws_fail(op, &e);
		return;
	}
	ws_diff_done(op, res, arg);
}

void
v1_diff_start(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct http_opts o;
	char *url = v1_path_url(op, "/api/git/diff", s->path);

	rt_opts(&s->rt, &o, url);
	op_submit(op, &o, v1_diff_done, NULL, NULL);
	free(url);
}

/* ---- the whole workspace: /api/file/archive */

void
v1_archive_start(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct http_opts o;
	/* a directory of the workspace (api_fetch_archive_dir) or the workspace itself */
	char *abs = s->dir && *s->dir ? xasprintf("%s/%s", ws_root(op), s->dir) : xstrdup(ws_root(op));
	char *e = http_escape(abs);
	/* a directory's archive goes into a selection, whose files come from the listing, which
	 * never enters .git: the server leaves it out too (2.2's exclude, a bare "NAME/") */
	char *url = xasprintf("%s/api/file/archive?path=%s&format=tar.gz&use_default_excludes=false%s",
			      s->rt.base, e, s->dir && *s->dir ? "&exclude=.git%2F" : "");

	free(e);
	free(abs);
	rt_opts(&s->rt, &o, url);
	o.download = true;
	o.sink_fd = s->fd;
	o.progress = ws_file_progress;
	/* R10: nothing arrives until the whole tar.gz is built, and every request builds it
	 * again: wait long for the first byte, and never ask twice */
	o.first_byte_timeout_ms = op->c->archive_first_byte_ms;
	o.max_attempts = 1;
	o.capture_header = "X-Archive-Repo-Root";
	op_submit_ud(op, &o, ws_archive_done, s);
	free(url);
}
