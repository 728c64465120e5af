/*
 * tests/fakehands/agent.c: the V1 agent-server (one per V1 conversation).
 *
 * Owns: file download (query and old path forms, selectable per conversation),
 * the tar.gz file archive, the bash API with the single listing command the
 * client sends (output split into 1 MiB BashOutput chunks), git changes/diff
 * with the agent's status words, and the conversation events search.
 */
#include "tests/fakehands/fh.h"
#include "tests/fakehands/gitsim.h"

#include <stdlib.h>
#include <string.h>

#define MAX_CONTENT_CHARS 1048576

static bool
prefix_rest(const struct fh_req *r, const char *prefix, const char **rest)
{
	size_t pl = strlen(prefix);

	if (strncmp(r->path, prefix, pl))
		return false;
	*rest = r->path + pl;
	return true;
}

const char *
agent_route(struct fh_req *r)
{
	const char *rest;
	bool get = !strcmp(r->method, "GET"), post = !strcmp(r->method, "POST");

	if (get && (!strcmp(r->path, "/alive") || !strcmp(r->path, "/health") || !strcmp(r->path, "/ready") ||
		    !strcmp(r->path, "/server_info")))
		return "alive";
	if (get && (!strcmp(r->path, "/api/file/download") || prefix_rest(r, "/api/file/download/", &rest)))
		return "file-download";
	if (get && !strcmp(r->path, "/api/file/archive"))
		return "file-archive";
	if (post && !strcmp(r->path, "/api/bash/start_bash_command"))
		return "bash-start";
	if (post && !strcmp(r->path, "/api/bash/execute_bash_command"))
		return "bash-exec";
	if (get && !strcmp(r->path, "/api/bash/bash_events/search"))
		return "bash-events";
	if (get && (!strcmp(r->path, "/api/git/changes") || prefix_rest(r, "/api/git/changes/", &rest)))
		return "git-changes";
	if (get && (!strcmp(r->path, "/api/git/diff") || prefix_rest(r, "/api/git/diff/", &rest)))
		return "git-diff";
	if (get && prefix_rest(r, "/api/conversations/", &rest) && !strncmp(rest, r->srv->conv->id, 32) &&
	    !strcmp(rest + 32, "/events/search"))
		return "events";
	if (get && prefix_rest(r, "/api/conversations/", &rest) && !strncmp(rest, r->srv->conv->id, 32) &&
	    !rest[32])
		return "conversation";
	return "unknown";
}

static void
file_download(struct fh_req *r, struct fh_reply *rp, const struct fh_workspace *ws)
{
	struct fh_conv *c = r->srv->conv;
	const char *path;
	struct strbuf rel = { 0 };
	const struct fh_node *nd = NULL;

	if (r->path_len > strlen("/api/file/download")) {
		if (!(c->download_api & DL_PATH)) {
			reply_detail(rp, 404, "Not Found");
			return;
		}
		path = r->path + strlen("/api/file/download/");
	} else {
		if (!(c->download_api & DL_QUERY)) {
			/* an old server only has /download/{path}: "/download" alone matches nothing */
			reply_detail(rp, 404, "Not Found");
			return;
		}
		path = q_get(r, "path");
		if (!path) {
			reply_json(rp, 422, json_pack("{s:[{s:s,s:[s,s],s:s,s:n}]}", "detail", "type", "missing", "loc",
						      "query", "path", "msg", "Field required", "input"));
			return;
		}
	}
	if (path[0] != '/') {
		reply_detail(rp, 400, "Path must be absolute");
		return;
	}
	if (ws_rel(ws, path, strlen(path), &rel) && rel.len)
		nd = ws_find(ws, rel.buf, rel.len);
	if (nd && nd->link) {
		/* R9: download follows a link anywhere: outside the workspace the fake serves an
		 * interpreter-sized binary; a link to a directory is "not a file"; dangling: 404 */
		bool outside;
		const struct fh_node *t = ws_follow(ws, nd, &outside);
		if (outside) {
			static struct fh_node interp = { .path = (char *)"python3", .path_len = 7, .generated = true,
							 .size = 6 * 1024 * 1024, .seed = 0x7f454c46 };
			rp->status = 200;
			rp->ctype = "application/octet-stream";
			rp->kind = BODY_NODE;
			rp->node = &interp;
			rp->size = node_size(&interp);
			strbuf_free(&rel);
			return;
		}
		if (!t) {
			bool is_dir_target = false;
			/* a dangling link vs one to a directory */
			const char *slash = memrchr(nd->path, '/', nd->path_len);
			char *tp = nd->link[0] == '/' ? NULL
				 : slash ? xasprintf("%.*s/%s", (int)(slash - nd->path), nd->path, nd->link)
					 : xstrdup(nd->link);
			if (tp)
				is_dir_target = ws_is_dir(ws, tp, strlen(tp));
			free(tp);
			reply_detail(rp, is_dir_target ? 400 : 404, is_dir_target ? "Path is not a file" : "File not found");
			strbuf_free(&rel);
			return;
		}
		nd = t;
	}
	if (!nd && !(rel.len == 0 && ws_rel(ws, path, strlen(path), &rel))) {
		reply_detail(rp, 404, "File not found");
	} else if (!nd || nd->is_dir) {
		reply_detail(rp, 400, "Path is not a file");
	} else {
		const char *slash = memrchr(nd->path, '/', nd->path_len);
		char *cd = content_disposition(slash ? slash + 1 : nd->path);

		rp->status = 200;
		rp->ctype = "application/octet-stream";
		rp->kind = BODY_NODE;
		rp->node = nd;
		rp->size = node_size(nd);
		reply_header(rp, "Content-Disposition", cd);
		free(cd);
	}
	strbuf_free(&rel);
}

/* does root-relative dir hold a .git (directory or gitfile)? */
static bool
has_dot_git(const struct fh_workspace *ws, const char *dir)
{
	char *g = *dir ? xasprintf("%s/.git", dir) : xstrdup(".git");
	bool yes = ws_find(ws, g, strlen(g)) != NULL || ws_is_repo(ws, dir);

	free(g);
	return yes;
}

/* _resolve_git_repo_root (2.2): path itself when it holds .git; else the one repository
 * found depth-first up to depth 3 (hidden dirs, node_modules, venv, site-packages, vendor
 * and links skipped, found repos not entered); zero or several: path itself. */
static char *
resolve_repo_root(const struct fh_workspace *ws, const char *rel)
{
	static const char *const skip[] = { "node_modules", "venv", "site-packages", "vendor" };
	char *found = NULL;
	int count = 0;
	size_t rl = strlen(rel);

	if (has_dot_git(ws, rel))
		return xstrdup(rel);
	for (size_t i = 0; i < ws->n_nodes; i++) {
		const struct fh_node *n = &ws->nodes[i];
		const char *sub = n->path;
		if (!n->is_dir || n->link)
			continue;
		if (rl) {
			if (n->path_len <= rl + 1 || memcmp(n->path, rel, rl) || n->path[rl] != '/')
				continue;
			sub = n->path + rl + 1;
		}
		int depth = 1;
		bool bad = false;
		char *buf = xstrdup(sub), *save = NULL;
		for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
			bool last = !save || !*save;
			if (c[0] == '.')
				bad = true;
			for (size_t k = 0; k < ARRAY_SIZE(skip); k++)
				bad = bad || !strcmp(c, skip[k]);
			if (!last)
				depth++;
		}
		free(buf);
		if (bad || depth > 3 || !has_dot_git(ws, n->path))
			continue;
		/* not inside a repository already found */
		if (found && !strncmp(n->path, found, strlen(found)) && n->path[strlen(found)] == '/')
			continue;
		count++;
		if (!found)
			found = xstrdup(n->path);
	}
	if (count == 1)
		return found;
	free(found);
	return xstrdup(rel);
}

/* urllib.parse.quote(value, safe=""): everything but letters, digits and "_.-~" */
static char *
quote_all(const char *v)
{
	struct strbuf sb = { 0 };

	for (const unsigned char *p = (const unsigned char *)v; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("_.-~", *p))
			strbuf_putc(&sb, (char)*p);
		else
			strbuf_printf(&sb, "%%%02X", *p);
	}
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

static void
file_archive_2026(struct fh_req *r, struct fh_reply *rp, const struct fh_workspace *ws, const struct strbuf *rel,
		  bool excludes)
{
	struct fh_conv *c = r->srv->conv;
	char *root = resolve_repo_root(ws, rel->buf);
	uint64_t size = 0, input = 0;
	struct arch_stream *st = arch_targz_2026(ws, root, excludes, q_get(r, "exclude"), &size, &input);
	char *abs = *root ? xasprintf("%s/%s", ws->root, root) : xstrdup(ws->root);
	const char *slash = strrchr(abs, '/');
	char *name = xasprintf("%s.tar.gz", slash && slash[1] ? slash + 1 : "workspace"), *cd;

	/* R10: the whole gzip is written to a temp file before the first byte is sent */
	long build_ms = c->archive_delay_ms + (long)((double)input * 1000.0 / c->archive_rate);
	if (build_ms > 0 && !fh_sleep_ms(r->srv->fh, build_ms)) {
		arch_free(st);
		free(root);
		free(abs);
		free(name);
		reply_detail(rp, 503, "stopping");
		return;
	}
	cd = content_disposition(name);
	rp->status = 200;
	rp->ctype = "application/gzip";
	rp->kind = BODY_ARCHIVE;
	rp->arch = st;
	rp->size = size;	/* FileResponse: a real Content-Length */
	reply_header(rp, "Content-Disposition", cd);
	if (has_dot_git(ws, root)) {
		/* only when <resolved root>/.git exists, percent-encoded (quote, safe="") */
		char *q = quote_all(abs);
		reply_header(rp, "X-Archive-Repo-Root", q);
		reply_header(rp, "X-Archive-Branch", "main");
		free(q);
	}
	free(cd);
	free(name);
	free(abs);
	free(root);
}

static void
file_archive(struct fh_req *r, struct fh_reply *rp, const struct fh_workspace *ws)
{
	const char *path = q_get(r, "path"), *fmt = q_get(r, "format"), *ex = q_get(r, "use_default_excludes");
	struct strbuf rel = { 0 };
	bool excludes = !(ex && (!strcasecmp(ex, "false") || !strcmp(ex, "0")));

	if (!r->srv->conv->archive) {
		reply_detail(rp, 404, "Not Found");
		return;
	}
	if (fmt && strcmp(fmt, "tar.gz")) {
		reply_detail(rp, 400, "fakehands only produces format=tar.gz");
		return;
	}
	if (!path || path[0] != '/') {
		reply_detail(rp, 400, "Path must be absolute");
	} else if (!ws_rel(ws, path, strlen(path), &rel) ||
		   (rel.len && !ws_find(ws, rel.buf, rel.len))) {
		reply_detail(rp, 404, "Path not found");
	} else if (!ws_is_dir(ws, rel.buf, rel.len)) {
		reply_detail(rp, 400, "Path is not a directory");
	} else if (r->srv->conv->generation == 2026) {
		file_archive_2026(r, rp, ws, &rel, excludes);
	} else {
		const char *base = strrchr(rel.len ? rel.buf : ws->root, '/');
		char *name = xasprintf("%s.tar.gz", base ? base + 1 : rel.len ? rel.buf : ws->root), *cd;

		cd = content_disposition(name);
		rp->status = 200;
		rp->ctype = "application/gzip";
		rp->kind = BODY_ARCHIVE;
		rp->arch = arch_targz(ws, rel.buf, excludes);
		rp->size = UINT64_MAX;
		reply_header(rp, "Content-Disposition", cd);
		free(cd);
		free(name);
	}
	strbuf_free(&rel);
}

/* ---------- bash ---------- */

static const char listing_tail[] = "' && find . -mindepth 1 -name .git -prune -o -printf '%y %s %T@ %P\\n'";
/* The NUL-separated listing, base64-encoded so that no decoder can damage it (R7): each
 * entry is "TYPE SIZE MTIME MODE PATH\0LINK\0"; a .git is printed, then not entered. */
static const char listing2_tail[] = "' && find . -mindepth 1 -name .git -printf '%y %s %T@ %m %P\\0%l\\0' -prune"
				    " -o -printf '%y %s %T@ %m %P\\0%l\\0' | base64 -w0";
/* The same records for what lies inside every .git (a walk that wants the repositories too) */
static const char listing_git_tail[] = "' && find . -mindepth 1 -path '*/.git/*' -printf '%y %s %T@ %m %P\\0%l\\0'"
				       " | base64 -w0";
/* A repository's changes as git prints them, NUL-separated, base64-encoded (see gitsim.c). */
static const char changes_tail[] = "' && { b=$(git merge-base HEAD '@{upstream}' 2>/dev/null || git rev-parse -q"
				   " --verify HEAD || echo 4b825dc642cb6eb9a060e54bf8d69288fbee4904) && git -c"
				   " core.quotePath=false diff --no-renames --name-status -z \"$b\" -- . && printf"
				   " '\\0' && git -c core.quotePath=false ls-files -z --others --exclude-standard --"
				   " . && printf '\\0'; } | base64 -w0";

/* A file's text at the base, for the diff of a deleted file: `f='<ABS>'` then this. */
static const char show_tail[] = "'; d=${f%/*}; while [ -n \"$d\" ] && [ ! -d \"$d\" ]; do d=${d%/*}; done; cd -- "
				"\"${d:-/}\" && t=$(git rev-parse --show-toplevel) && b=$(git merge-base HEAD "
				"'@{upstream}' 2>/dev/null || git rev-parse -q --verify HEAD) && git show "
				"\"$b:${f#\"$t\"/}\" | base64 -w0";

static char *parse_quoted(const char *cmd, const char *head, const char *tail);

/* Parse `cd -- '<DIR>'<tail>`; returns the directory or NULL for any other command. */
static char *
parse_cd(const char *cmd, const char *tail)
{
	return parse_quoted(cmd, "cd -- '", tail);
}

static char *
parse_quoted(const char *cmd, const char *head, const char *tail)
{
	struct strbuf dir = { 0 };
	const char *p;
	size_t tl = strlen(tail), hl = strlen(head);

	if (strncmp(cmd, head, hl))
		return NULL;
	for (p = cmd + hl; *p;) {
		if (!strncmp(p, "'\\''", 4)) {
			strbuf_putc(&dir, '\'');
			p += 4;
		} else if (*p == '\'') {
			break;
		} else {
			strbuf_putc(&dir, *p++);
		}
	}
	size_t rest = strlen(p);
	while (rest > tl && (p[rest - 1] == ' ' || p[rest - 1] == '\n'))
		rest--;
	if (rest != tl || strncmp(p, tail, tl) || !dir.buf) {
		strbuf_free(&dir);
		return NULL;
	}
	return strbuf_detach(&dir);
}

struct line {
	char *rel;
	char *text;
	const char *link;	/* v2: find's %l */
};

static int
line_cmp(const void *a, const void *b)
{
	return strcmp(((const struct line *)a)->rel, ((const struct line *)b)->rel);
}

static bool
under_git(const char *rel)
{
	return !strcmp(rel, ".git") || !strncmp(rel, ".git/", 5) || strstr(rel, "/.git/") ||
	       (strlen(rel) >= 5 && !strcmp(rel + strlen(rel) - 5, "/.git"));
}

/* is rel a .git itself (not something inside one)? */
static bool
is_dot_git(const char *rel)
{
	size_t l = strlen(rel);

	if (l < 4 || strcmp(rel + l - 4, ".git") || (l > 4 && rel[l - 5] != '/'))
		return false;
	char *parent = xstrndup(rel, l > 4 ? l - 5 : 0);
	bool inside = under_git(parent);
	free(parent);
	return !inside;
}

static void
add_line(struct line **ls, size_t *n, char type, uint64_t size, int64_t mtime, const char *rel, int v2,
	 unsigned mode)
{
	*ls = xrealloc(*ls, (*n + 1) * sizeof(**ls));
	(*ls)[*n].rel = xstrdup(rel);
	(*ls)[*n].link = NULL;
	if (v2) {
		/* printf's %s stops at NUL, so the text is the record with '\1' for NUL, fixed below */
		(*ls)[*n].text = xasprintf("%c %llu %lld.0000000000 %o %s\1\1", type, (unsigned long long)size,
					   (long long)mtime, mode, rel);
	} else {
		(*ls)[*n].text = xasprintf("%c %llu %lld.0000000000 %s\n", type, (unsigned long long)size,
					   (long long)mtime, rel);
	}
	(*n)++;
}

/* Run the listing: find's view of DIR, .git pruned (v2: printed, then pruned), sorted by path. */
static int
run_listing(const struct fh_workspace *ws, const char *dir, struct strbuf *out, struct strbuf *err, int v2)
{
	char *d = xstrdup(dir);
	size_t dl = strlen(d), rootl = strlen(ws->root);
	struct line *ls = NULL;
	size_t n = 0;
	struct strbuf rel = { 0 };
	const char *prefix = NULL;	/* root-relative dir being listed */
	char *up = NULL;		/* when DIR is an ancestor of the root: root's path below DIR */

	while (dl > 1 && d[dl - 1] == '/')
		d[--dl] = '\0';
	if (ws_rel(ws, d, dl, &rel) && ws_is_dir(ws, rel.buf, rel.len)) {
		prefix = rel.buf;
	} else if ((dl == 1 && d[0] == '/') || (rootl > dl && !strncmp(ws->root, d, dl) && ws->root[dl] == '/')) {
		up = xstrdup(ws->root + (dl == 1 ? 1 : dl + 1));
	} else {
		strbuf_printf(err, "find: '%s': No such file or directory\n", dir);
		free(d);
		strbuf_free(&rel);
		return 1;
	}
	if (up) {
		/* the directories between DIR and the root, then the root itself */
		for (char *s = up; (s = strchr(s, '/')); s++) {
			*s = '\0';
			add_line(&ls, &n, 'd', 4096, 1732406400, up, v2, 0755);
			*s = '/';
		}
		add_line(&ls, &n, 'd', 4096, 1732406400, up, v2, 0755);
	}
	size_t pl = prefix ? strlen(prefix) : 0;
	for (size_t i = 0; i < ws->n_nodes; i++) {
		const struct fh_node *nd = &ws->nodes[i];
		const char *sub = nd->path;
		char *full;

		if (prefix && pl) {
			if (nd->path_len <= pl + 1 || memcmp(nd->path, prefix, pl) || nd->path[pl] != '/')
				continue;
			sub = nd->path + pl + 1;
		}
		if (v2 == 2) {
			/* -path '* /.git/ *': only what lies inside a .git, nothing pruned */
			if (!under_git(sub) || is_dot_git(sub))
				continue;
		} else if (under_git(sub) && !(v2 && is_dot_git(sub))) {
			continue;
		}
		full = up ? xasprintf("%s/%s", up, sub) : xstrdup(sub);
		add_line(&ls, &n, nd->link ? 'l' : nd->is_dir ? 'd' : 'f', nd->is_dir ? 4096 : node_size(nd), nd->mtime,
			 full, v2, nd->mode);
		ls[n - 1].link = nd->link;
		free(full);
	}
	if (n > 1)
		qsort(ls, n, sizeof(*ls), line_cmp);	/* never with NULL (an empty listing): UB */
	struct strbuf raw = { 0 };
	for (size_t i = 0; i < n; i++) {
		if (v2) {
			/* the record's path may hold any byte but NUL: put it back byte for byte */
			size_t tl = strlen(ls[i].text);
			size_t head = tl - 2 - strlen(ls[i].rel);
			strbuf_append(&raw, ls[i].text, head);
			strbuf_append(&raw, ls[i].rel, strlen(ls[i].rel) + 1);
			strbuf_append(&raw, ls[i].link ? ls[i].link : "", (ls[i].link ? strlen(ls[i].link) : 0) + 1);
		} else {
			strbuf_puts(out, ls[i].text);
		}
		free(ls[i].rel);
		free(ls[i].text);
	}
	if (v2)
		gitsim_base64(out, raw.buf ? raw.buf : "", raw.len);
	strbuf_free(&raw);
	free(ls);
	free(up);
	free(d);
	strbuf_free(&rel);
	return 0;
}

static char *
naive_now(struct fakehands *fh)
{
	/* agent-server timestamps are naive ISO with microseconds */
	int64_t us = fh->now_s * 1000000 + (clock_now_ms() - fh->t0_ms) * 1000 + 1;
	char *s = fmt_time_us(us), *z = strrchr(s, 'Z');

	if (z)
		*z = '\0';
	return s;
}

static char *
uuid_seq(struct fakehands *fh, unsigned long k)
{
	uint64_t a = mix64(k * 7919 + 17), b = mix64(k * 104729 + 3);

	return xasprintf("%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
			 (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
			 (unsigned long long)(b & 0xffffffffffffULL));
}

/* Execute a command and store it; returns its index. Lock held. */
static size_t
bash_run(struct fh_srv *s, const char *command, const char *cwd)
{
	struct fakehands *fh = s->fh;
	const struct fh_workspace *ws = s->conv->ws ? s->conv->ws : &fh_empty_ws;
	struct strbuf out = { 0 }, err = { 0 };
	struct bash_cmd *b;
	char *dir = parse_cd(command, listing_tail), *dir2 = dir ? NULL : parse_cd(command, listing2_tail);
	char *dirg = dir || dir2 ? NULL : parse_cd(command, listing_git_tail);
	char *repo = dir || dir2 || dirg ? NULL : parse_cd(command, changes_tail);
	char *shown = dir || dir2 || dirg || repo ? NULL : parse_quoted(command, "f='", show_tail);
	int code;

	if (dirg) {
		dir2 = dirg;
		dirg = NULL;
		code = run_listing(ws, dir2, &out, &err, 2);
		if (code == 1) {
			strbuf_reset(&err);
			strbuf_printf(&err, "/bin/sh: 1: cd: can't cd to %s\n", dir2);	/* R8 */
			code = 2;
		}
	} else if (dir || dir2) {
		code = run_listing(ws, dir ? dir : dir2, &out, &err, dir2 != NULL);
		if (code == 1 && dir2) {
			/* R8: /bin/sh is dash; the v2 command starts with cd, which fails first */
			strbuf_reset(&err);
			strbuf_printf(&err, "/bin/sh: 1: cd: can't cd to %s\n", dir2);
			code = 2;
		}
	} else if (shown) {
		/* `git show BASE:PATH`: the scenario's original text of a changed file */
		struct strbuf rel = { 0 };
		const struct fh_change *ch = NULL;
		if (ws_rel(ws, shown, strlen(shown), &rel))
			for (size_t i = 0; i < ws->n_changes; i++)
				if (!strcmp(ws->changes[i].path, rel.buf) && ws->changes[i].status[0] != 'A' &&
				    ws->changes[i].status[0] != 'U')
					ch = &ws->changes[i];
		if (ch)
			gitsim_base64(&out, ch->original ? ch->original : "", ch->original ? strlen(ch->original) : 0);
		else
			strbuf_printf(&err, "fatal: path '%s' does not exist in 'HEAD'\n", rel.buf ? rel.buf : shown);
		code = 0;	/* the pipeline's status is base64's */
		strbuf_free(&rel);
		free(shown);
	} else if (repo) {
		struct strbuf rel = { 0 };
		if (!ws_rel(ws, repo, strlen(repo), &rel) || !ws_is_dir(ws, rel.buf, rel.len)) {
			strbuf_printf(&err, "/bin/sh: 1: cd: can't cd to %s\n", repo);	/* R8 */
			code = 2;
		} else {
			code = gitsim_status_z(ws, rel.buf, &out, &err);
		}
		strbuf_free(&rel);
		free(repo);
	} else {
		strbuf_puts(&err, "fakehands: unsupported command");
		code = 127;
	}
	free(dir);
	free(dir2);
	s->cmds = xrealloc(s->cmds, (s->n_cmds + 1) * sizeof(*s->cmds));
	b = &s->cmds[s->n_cmds];
	memset(b, 0, sizeof(*b));
	b->id = uuid_seq(fh, ++fh->seq);
	b->command = xstrdup(command);
	b->cwd = xstrdup(cwd);
	b->timestamp = naive_now(fh);
	/* the server decodes process output with errors="replace"; R7: a 2026 agent-server
	 * decodes each 8192-byte read on its own, so a character across a read boundary becomes
	 * two U+FFFD (deterministic here: the reads are exactly 8192 bytes) */
	struct strbuf dec = { 0 };
	size_t step = s->conv->generation == 2026 ? 8192 : out.len ? out.len : 1;
	for (size_t off = 0; off < out.len || (off == 0 && !out.len); off += step) {
		size_t k = out.len - off < step ? out.len - off : step;
		json_t *so = jstr(out.buf ? out.buf + off : "", k);
		strbuf_append(&dec, json_string_value(so), json_string_length(so));
		json_decref(so);
		if (!out.len)
			break;
	}
	b->stdout_len = dec.len;
	b->stdout_text = dec.buf ? strbuf_detach(&dec) : xstrdup("");
	b->stderr_text = err.len ? strbuf_detach(&err) : NULL;
	b->exit_code = code;
	strbuf_free(&out);
	strbuf_free(&err);
	return s->n_cmds++;
}

/* Byte offsets of the 1 MiB-character chunks (code points, as Python slices str). */
static size_t
chunk_bounds(const struct bash_cmd *b, size_t **starts)
{
	size_t n = 0, chars = 0;

	*starts = xmalloc(sizeof(size_t) * (b->stdout_len / MAX_CONTENT_CHARS + 2));
	(*starts)[n++] = 0;
	for (size_t i = 0; i < b->stdout_len; i++) {
		if (((unsigned char)b->stdout_text[i] & 0xc0) == 0x80)
			continue;
		if (chars && chars % MAX_CONTENT_CHARS == 0)
			(*starts)[n++] = i;
		chars++;
	}
	(*starts)[n] = b->stdout_len;
	return n;
}

static json_t *
bash_output(const struct bash_cmd *b, size_t order, size_t nchunks, const size_t *starts, const char *ts)
{
	bool last = order + 1 == nchunks;
	char id[48];

	snprintf(id, sizeof(id), "%.28s%08zx", b->id, order);
	return json_pack("{s:s,s:s,s:s,s:s,s:i,s:o,s:o,s:o}", "kind", "BashOutput", "id", id, "timestamp", ts,
			 "command_id", b->id, "order", (int)order, "exit_code",
			 last ? json_integer(b->exit_code) : json_null(), "stdout",
			 jstr(b->stdout_text + starts[order], starts[order + 1] - starts[order]), "stderr",
			 last ? jstr0(b->stderr_text) : json_null());
}

static json_t *
bash_command_json(const struct bash_cmd *b, json_t *timeout)
{
	return json_pack("{s:s,s:s,s:o,s:O,s:s,s:s}", "id", b->id, "command", b->command, "cwd", jstr0(b->cwd),
			 "timeout", timeout, "kind", "BashCommand", "timestamp", b->timestamp);
}

static void
bash_start(struct fh_req *r, struct fh_reply *rp, bool execute)
{
	struct fh_srv *s = r->srv;
	struct fakehands *fh = s->fh;
	json_t *body = json_loadb(r->body.buf ? r->body.buf : "", r->body.len, 0, NULL), *cmd, *timeout;
	const char *cwd;
	size_t idx;

	cmd = json_object_get(body, "command");
	if (!json_is_string(cmd)) {
		json_decref(body);
		reply_json(rp, 422, json_pack("{s:[{s:s,s:[s,s],s:s}]}", "detail", "type", "missing", "loc", "body",
					      "command", "msg", "Field required"));
		return;
	}
	cwd = json_string_value(json_object_get(body, "cwd"));
	timeout = json_object_get(body, "timeout");
	if (!timeout)
		timeout = json_integer(300);
	else
		json_incref(timeout);
	pthread_mutex_lock(&fh->lock);
	idx = bash_run(s, json_string_value(cmd), cwd);
	const struct bash_cmd *b = &s->cmds[idx];
	if (execute) {
		size_t *starts, n = chunk_bounds(b, &starts);

		/* execute_bash_command answers with one BashOutput: the last chunk */
		reply_json(rp, 200, bash_output(b, n - 1, n, starts, b->timestamp));
		free(starts);
	} else {
		reply_json(rp, 200, bash_command_json(b, timeout));
	}
	pthread_mutex_unlock(&fh->lock);
	json_decref(timeout);
	json_decref(body);
}

static void
bash_events(struct fh_req *r, struct fh_reply *rp)
{
	struct fh_srv *s = r->srv;
	struct fakehands *fh = s->fh;
	const char *cid = q_get(r, "command_id__eq"), *kind = q_get(r, "kind__eq"), *lim = q_get(r, "limit");
	const char *page = q_get(r, "page_id"), *order = q_get(r, "sort_order"), *gt = q_get(r, "order__gt");
	long long dropped = 0;
	long long limit = lim ? atoll(lim) : 100, off = page && *page ? atoll(page) : 0, k = 0;
	bool desc = order && !strcmp(order, "TIMESTAMP_DESC"), more = false;
	json_t *all = json_array(), *items = json_array();

	if (limit < 1 || limit > 100) {
		json_decref(all);
		json_decref(items);
		reply_json(rp, 422, json_pack("{s:[{s:s,s:[s,s],s:s}]}", "detail", "type", "less_than_equal", "loc",
					      "query", "limit", "msg", "Input should be less than or equal to 100"));
		return;
	}
	pthread_mutex_lock(&fh->lock);
	for (size_t i = 0; i < s->n_cmds; i++) {
		const struct bash_cmd *b = &s->cmds[i];

		if (cid && strcmp(cid, b->id))
			continue;
		if (!kind || !strcmp(kind, "BashCommand"))
			json_array_append_new(all, bash_command_json(b, json_integer(300)));
		if (!kind || !strcmp(kind, "BashOutput")) {
			size_t *starts, n = chunk_bounds(b, &starts);

			for (size_t o = 0; o < n; o++)
				json_array_append_new(all, bash_output(b, o, n, starts, b->timestamp));
			free(starts);
		}
	}
	pthread_mutex_unlock(&fh->lock);
	size_t total = json_array_size(all);
	for (size_t i = 0; i < total; i++) {
		json_t *e = json_array_get(all, desc ? total - 1 - i : i);

		if (k++ < off)
			continue;
		if ((long long)json_array_size(items) + dropped >= limit) {
			more = true;
			break;
		}
		/* order__gt (v1.11.0) is applied after the page slice (bash_service.py:160-236),
		 * so a page can come back short, or empty, with a next_page_id */
		json_t *ord = json_object_get(e, "order");
		if (gt && json_is_integer(ord) && json_integer_value(ord) <= atoll(gt)) {
			dropped++;
			continue;
		}
		json_array_append(items, e);
	}
	json_decref(all);
	json_t *next = json_null();
	if (more) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%lld", off + limit);
		next = json_string(buf);
	}
	reply_json(rp, 200, json_pack("{s:o,s:o}", "items", items, "next_page_id", next));
}

/* ---------- git ---------- */

static const char *
git_word(char c)
{
	switch (c) {
	case 'A': return "ADDED";
	case 'D': return "DELETED";
	case 'R': return "MOVED";
	default: return "UPDATED";
	}
}

static int
change_cmp(const void *a, const void *b)
{
	return strcmp(((const struct fh_change *)a)->path, ((const struct fh_change *)b)->path);
}

static void
git_changes(struct fh_req *r, struct fh_reply *rp, const struct fh_workspace *ws)
{
	const char *p = q_get(r, "path");
	struct strbuf rel = { 0 };
	json_t *arr = json_array();
	struct fh_change *sorted;

	if (!p && r->path_len > strlen("/api/git/changes"))
		p = r->path + strlen("/api/git/changes/");
	/* new servers answer [] outside a repository */
	if (!ws->git || !ws_rel(ws, p ? p : "", p ? strlen(p) : 0, &rel)) {
		strbuf_free(&rel);
		reply_json(rp, 200, arr);
		return;
	}
	sorted = xmalloc((ws->n_changes + 1) * sizeof(*sorted));
	memcpy(sorted, ws->changes, ws->n_changes * sizeof(*sorted));
	if (ws->n_changes > 1)
		qsort(sorted, ws->n_changes, sizeof(*sorted), change_cmp);
	for (size_t i = 0; i < ws->n_changes; i++) {
		const char *cp = sorted[i].path;

		if (rel.len) {
			if (strncmp(cp, rel.buf, rel.len) || cp[rel.len] != '/')
				continue;
			cp += rel.len + 1;
		}
		json_array_append_new(arr, json_pack("{s:s,s:o}", "status", git_word(sorted[i].status[0]), "path",
						     jstr0(cp)));
	}
	free(sorted);
	strbuf_free(&rel);
	reply_json(rp, 200, arr);
}

/* /alive, /health, /ready, /server_info (openhands-api-2026.md 2.1). The version is one that has
 * the route forms this conversation's agent-server offers (2.7). */
static void
alive(struct fh_req *r, struct fh_reply *rp)
{
	struct fh_conv *c = r->srv->conv;
	const char *version = c->download_api == DL_PATH ? "1.12.0" : c->download_api == DL_QUERY ? "1.30.0" : "1.19.0";

	if (!strcmp(r->path, "/ready")) {
		reply_json(rp, 200, json_pack("{s:s}", "status", "ready"));
	} else if (!strcmp(r->path, "/server_info")) {
		double up = (double)(clock_now_ms() - r->srv->fh->t0_ms) / 1000.0;

		reply_json(rp, 200, json_pack("{s:f,s:f,s:s,s:s,s:s,s:s}", "uptime", up, "idle_time", 0.0, "title",
					      "OpenHands Agent Server", "version", version, "docs", "/docs", "redoc",
					      "/redoc"));
	} else {
		reply_json(rp, 200, json_pack("{s:s}", "status", "ok"));
	}
}

void
agent_handle(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	struct fh_conv *c = r->srv->conv;
	const struct fh_workspace *ws = c->ws ? c->ws : &fh_empty_ws;
	const char *key = req_header(r, "X-Session-API-Key"), *rt = r->route;
	enum fh_status st;

	pthread_mutex_lock(&fh->lock);
	st = conv_status(fh, c);
	pthread_mutex_unlock(&fh->lock);
	if (st != ST_RUNNING && fh->gen == GEN_CLOUD_2026) {
		/* on pause the runtime's Service/Ingress is deleted: the old URL gets the ingress's
		 * 404 page, not JSON (openhands-api-2026.md §3.1) */
		reply_text(rp, 404, "text/html", "<html>\r\n<head><title>404 Not Found</title></head>\r\n"
			   "<body>\r\n<center><h1>404 Not Found</h1></center>\r\n</body>\r\n</html>\r\n");
		return;
	}
	if (st != ST_RUNNING) {
		/* a paused sandbox has no agent-server: the runtime ingress answers */
		reply_text(rp, 503, "text/html", "<html>\r\n<head><title>503 Service Temporarily Unavailable</title></head>\r\n"
			   "<body>\r\n<center><h1>503 Service Temporarily Unavailable</h1></center>\r\n</body>\r\n</html>\r\n");
		return;
	}
	if (!strcmp(rt, "alive") && !strcmp(r->path, "/ready")) {
		/* 503 while the server initializes after a start (openhands-api-2026.md §2.1) */
		pthread_mutex_lock(&fh->lock);
		bool ready = !c->ready_at_ms || clock_now_ms() >= c->ready_at_ms;
		pthread_mutex_unlock(&fh->lock);
		if (ready)
			reply_json(rp, 200, json_pack("{s:s}", "status", "ready"));
		else
			reply_json(rp, 503, json_pack("{s:s,s:s}", "status", "initializing", "message",
						      "Server is still initializing"));
		return;
	}
	if (!strcmp(rt, "alive")) {
		alive(r, rp);
		return;
	}
	/* the key rotates on a Cloud resume (app.c): compare under the lock */
	pthread_mutex_lock(&r->srv->fh->lock);
	bool key_ok = key && !strcmp(key, c->session_key);
	pthread_mutex_unlock(&r->srv->fh->lock);
	if (!key_ok) {
		reply_detail(rp, 401, "Unauthorized");
		return;
	}
	if (!strcmp(rt, "file-download")) {
		file_download(r, rp, ws);
	} else if (!strcmp(rt, "file-archive")) {
		file_archive(r, rp, ws);
	} else if (!strcmp(rt, "bash-start")) {
		bash_start(r, rp, false);
	} else if (!strcmp(rt, "bash-exec")) {
		bash_start(r, rp, true);
	} else if (!strcmp(rt, "bash-events")) {
		bash_events(r, rp);
	} else if (!strncmp(rt, "git-", 4) && !(c->download_api & DL_PATH) && strchr(r->path + strlen("/api/git/"), '/')) {
		/* a server with only the query download form is >= v1.20.0, which removed the git
		 * path forms too (openhands-api-2026.md 2.4, 2.7) */
		reply_detail(rp, 404, "Not Found");
	} else if (!strcmp(rt, "git-changes") && c->generation == 2026) {
		const char *p = q_get(r, "path");
		struct strbuf rel = { 0 };
		unsigned st2;

		if (!p || !ws_rel(ws, p, strlen(p), &rel)) {
			reply_json(rp, 200, json_array());
		} else {
			json_t *j = gitsim_changes_2026(ws, rel.buf, &st2);
			reply_json(rp, st2, j);
		}
		strbuf_free(&rel);
	} else if (!strcmp(rt, "git-changes")) {
		git_changes(r, rp, ws);
	} else if (!strcmp(rt, "git-diff") && c->generation == 2026) {
		const char *p = q_get(r, "path");
		struct strbuf rel = { 0 };
		unsigned st2;

		if (!p || !ws_rel(ws, p, strlen(p), &rel)) {
			reply_json(rp, 200, json_pack("{s:n,s:n}", "modified", "original"));
		} else {
			json_t *j = gitsim_diff_2026(ws, rel.buf, &st2);
			reply_json(rp, st2, j);
		}
		strbuf_free(&rel);
	} else if (!strcmp(rt, "git-diff")) {
		const char *p = q_get(r, "path");
		struct strbuf rel = { 0 };

		if (!p && r->path_len > strlen("/api/git/diff"))
			p = r->path + strlen("/api/git/diff/");
		ws_rel(ws, p ? p : "", p ? strlen(p) : 0, &rel);
		reply_json(rp, 200, ws_diff(ws, rel.buf));
		strbuf_free(&rel);
	} else if (!strcmp(rt, "conversation")) {
		/* ConversationInfo (agent-server document; openhands-api-2026.md §2.5, §2.6): the
		 * workspace's working_dir is where the files are (a grouped sandbox gives each
		 * conversation a directory of its own); the LLM's key is never in it */
		char uuid[40];
		snprintf(uuid, sizeof(uuid), "%.8s-%.4s-%.4s-%.4s-%.12s", c->id, c->id + 8, c->id + 12, c->id + 16,
			 c->id + 20);
		reply_json(rp, 200, json_pack("{s:s,s:{s:s,s:{s:s,s:s}},s:{s:s,s:s},s:s,s:o}", "id", uuid, "agent",
					      "kind", "Agent", "llm", "model", "litellm_proxy/claude-sonnet-4-5-20250929",
					      "usage_id", "agent", "workspace", "kind", "LocalWorkspace", "working_dir",
					      ws->root, "execution_status", c->execution_status ? c->execution_status : "idle",
					      "title", jstr0(c->title)));
	} else if (!strcmp(rt, "events")) {
		events_search(r, rp, c);
	} else {
		reply_detail(rp, 404, "Not Found");
	}
}
