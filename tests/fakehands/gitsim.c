/*
 * tests/fakehands/gitsim.c: what git, and the 2026 agent-server's git routes, say about a
 * workspace with repositories (fh_workspace.repos).
 *
 * Owns: the agent-server v1.43 git/changes answer with its bugs (openhands-api-2026.md
 * section 7: R2 nested repositories, R3 mangled quoting, R4 whitespace failure), git/diff's
 * 400s (R6), and the output of the one git command a client may run through the bash API
 * to compute a repository's changes itself (`git diff --name-status -z` and
 * `git ls-files -z --others`, as git prints them, base64-encoded as the command asks).
 * Everything is computed from the scenario's change list: a change belongs to the
 * repository with the longest prefix of its path (ws_repo_of).
 */
#include "tests/fakehands/gitsim.h"

#include <stdlib.h>
#include <string.h>

/*
 * R3: git quotes a path holding control characters, '"', '\' or (core.quotePath, the
 * default) any byte >= 0x80, C-style with octal escapes and the quotes included; then the
 * agent-server's to_posix_path() turns every '\' into '/' (git/models.py:20-22,
 * utils/path.py:13-20). "i18n/ü.txt" goes on the wire as "\"i18n//303/274.txt\"".
 */
char *
gitsim_mangle(const char *path)
{
	struct strbuf sb = {0};
	bool quote = false;

	for (const unsigned char *p = (const unsigned char *)path; *p; p++)
		if (*p < 0x20 || *p == '"' || *p == '\\' || *p >= 0x7f)
			quote = true;
	if (!quote)
		return xstrdup(path);
	strbuf_putc(&sb, '"');
	for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
		static const char esc[] = "\a\b\t\n\v\f\r";
		static const char let[] = "abtnvfr";
		const char *e = *p ? strchr(esc, *p) : NULL;

		if (e)
			strbuf_printf(&sb, "\\%c", let[e - esc]);
		else if (*p == '"' || *p == '\\')
			strbuf_printf(&sb, "\\%c", *p);
		else if (*p < 0x20 || *p >= 0x7f)
			strbuf_printf(&sb, "\\%03o", *p);
		else
			strbuf_putc(&sb, (char)*p);
	}
	strbuf_putc(&sb, '"');
	for (size_t i = 0; i < sb.len; i++)
		if (sb.buf[i] == '\\')
			sb.buf[i] = '/';	/* to_posix_path */
	return strbuf_detach(&sb);
}

static bool
has_space(const char *s)
{
	return strpbrk(s, " \t\n\v\f\r") != NULL;
}

static bool
tracked(char st)
{
	return st != 'U';
}

/* The part of rel below dir ("" = the root), or NULL when rel is not below it. */
static const char *
below(const char *rel, const char *dir)
{
	size_t l = strlen(dir);

	if (!l)
		return rel;
	if (strncmp(rel, dir, l) || rel[l] != '/')
		return NULL;
	return rel + l + 1;
}

static const char *
word(char st)
{
	switch (st) {
	case 'A': case 'U': return "ADDED";
	case 'D': return "DELETED";
	default: return "UPDATED";	/* M; R gives DELETED + ADDED, never MOVED (R5) */
	}
}

struct gchange {
	char *path;
	const char *status;
};

static int
gchange_cmp(const void *a, const void *b)
{
	return strcmp(((const struct gchange *)a)->path, ((const struct gchange *)b)->path);
}

/*
 * One repository's own changes for git/changes, or false with the R4 message: git prints
 * "M\tdocs/with space.md" and _parse_name_status's line.split() finds three fields.
 */
static bool
repo_changes(const struct fh_workspace *ws, const char *repo, const char *prefix, struct gchange **out,
	     size_t *n, char **fail)
{
	for (size_t i = 0; i < ws->n_changes; i++) {
		const struct fh_change *c = &ws->changes[i];
		const char *owner = ws_repo_of(ws, c->path), *sub;

		if (!owner || strcmp(owner, repo) || !(sub = below(c->path, repo)))
			continue;
		if (tracked(c->status[0]) && c->status[0] != 'A' && has_space(sub)) {
			if (fail)
				*fail = xasprintf("Unexpected git diff output format: %c\t%s", c->status[0], sub);
			return false;
		}
	}
	for (size_t i = 0; i < ws->n_changes; i++) {
		const struct fh_change *c = &ws->changes[i];
		const char *owner = ws_repo_of(ws, c->path), *sub;

		if (!owner || strcmp(owner, repo) || !(sub = below(c->path, repo)))
			continue;
		char *m = gitsim_mangle(sub);
		*out = xrealloc(*out, (*n + 1) * sizeof(**out));
		(*out)[*n].path = *prefix ? xasprintf("%s/%s", prefix, m) : xstrdup(m);
		(*out)[*n].status = word(c->status[0]);
		(*n)++;
		free(m);
	}
	return true;
}

/* The repository enclosing dir (a repo itself excluded), or NULL. */
static const char *
parent_repo(const struct fh_workspace *ws, const char *dir)
{
	const char *best = NULL;
	size_t bl = 0;

	for (size_t i = 0; i < ws->n_repos; i++) {
		const char *r = ws->repos[i];
		size_t l = strlen(r);

		if (!strcmp(r, dir) || !below(dir, r))
			continue;
		if (!best || l > bl) {
			best = r;
			bl = l;
		}
	}
	return best;
}

json_t *
gitsim_changes_2026(const struct fh_workspace *ws, const char *rel, unsigned *status)
{
	struct gchange *ch = NULL;
	size_t n = 0;
	char *fail = NULL;
	json_t *arr;

	*status = 200;
	/* R2 / 2.4: a path that is not a repository answers [] (GitRepositoryError -> []) */
	if (!ws_is_repo(ws, rel))
		return json_array();
	/* R4 with the repo passed directly: 400 with the parser's message */
	if (!repo_changes(ws, rel, "", &ch, &n, &fail)) {
		json_t *e = json_pack("{s:s}", "detail", fail);
		free(fail);
		*status = 400;
		return e;
	}
	for (size_t i = 0; i < ws->n_repos; i++) {
		const char *r = ws->repos[i], *sub = below(r, rel);

		if (!strcmp(r, rel) || !sub || strcmp(parent_repo(ws, r) ? parent_repo(ws, r) : "", rel))
			continue;
		if (!strchr(sub, '/')) {
			/* R2: repos exactly one level down (./<child>/.git), prefixed "<child>/"; R4 in
			 * one of them is logged by the server and its changes silently vanish */
			size_t keep = n;
			if (!repo_changes(ws, r, sub, &ch, &n, NULL)) {
				for (size_t k = keep; k < n; k++)
					free(ch[k].path);
				n = keep;
			}
		} else {
			/* R2: a repo two or more levels down is untracked content of this one: git
			 * lists the directory (with git's trailing '/'), never its changes */
			ch = xrealloc(ch, (n + 1) * sizeof(*ch));
			ch[n].path = xasprintf("%s/", sub);
			ch[n].status = "ADDED";
			n++;
		}
	}
	if (n > 1)
		qsort(ch, n, sizeof(*ch), gchange_cmp);
	arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_array_append_new(arr, json_pack("{s:s,s:o}", "status", ch[i].status, "path", jstr0(ch[i].path)));
		free(ch[i].path);
	}
	free(ch);
	return arr;
}

json_t *
gitsim_diff_2026(const struct fh_workspace *ws, const char *rel, unsigned *status)
{
	const struct fh_node *nd = ws_find(ws, rel, strlen(rel));

	*status = 200;
	/* R6: outside a repository both sides are null */
	if (!ws_repo_of(ws, rel))
		return json_pack("{s:n,s:n}", "modified", "original");
	/* R6 / 2.4: a missing (also: deleted) file and a file over 1 MiB are GitPathError -> 400 */
	if (!nd || nd->is_dir) {
		*status = 400;
		return json_pack("{s:s++}", "detail", "File does not exist: ", rel, "");
	}
	if (node_size(nd) > 1048576) {
		*status = 400;
		return json_pack("{s:s++}", "detail", "File too large to diff: ", rel, "");
	}
	return ws_diff(ws, rel);
}

/* ---- the client's own git command through the bash API */

static void
b64_put(struct strbuf *out, const unsigned char *in, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		strbuf_putc(out, t[v >> 18 & 63]);
		strbuf_putc(out, t[v >> 12 & 63]);
		strbuf_putc(out, i + 1 < n ? t[v >> 6 & 63] : '=');
		strbuf_putc(out, i + 2 < n ? t[v & 63] : '=');
	}
}

void
gitsim_base64(struct strbuf *out, const void *in, size_t n)
{
	b64_put(out, in, n);
}

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

int
gitsim_status_z(const struct fh_workspace *ws, const char *rel, struct strbuf *out, struct strbuf *err)
{
	struct strbuf raw = {0};
	char **tr = NULL, **un = NULL;
	size_t ntr = 0, nun = 0;

	if (!ws_is_repo(ws, rel) && !ws_repo_of(ws, rel)) {
		strbuf_puts(err, "fatal: not a git repository (or any of the parent directories): .git\n");
		return 128;
	}
	for (size_t i = 0; i < ws->n_changes; i++) {
		const struct fh_change *c = &ws->changes[i];
		const char *owner = ws_repo_of(ws, c->path), *sub;

		if (!owner || strcmp(owner, rel) || !(sub = below(c->path, rel)))
			continue;
		if (c->status[0] == 'U') {
			un = xrealloc(un, (nun + 1) * sizeof(*un));
			un[nun++] = xstrdup(sub);
		} else {
			/* name-status -z: "X\0path\0"; --no-renames, so R is A here */
			tr = xrealloc(tr, (ntr + 1) * sizeof(*tr));
			tr[ntr++] = xasprintf("%c%c%s", c->status[0] == 'R' ? 'A' : c->status[0], 0, sub);
		}
	}
	/* an embedded repository is untracked content, listed as "dir/" without descending */
	for (size_t i = 0; i < ws->n_repos; i++) {
		const char *r = ws->repos[i], *sub = below(r, rel);
		const char *pr = parent_repo(ws, r);

		if (strcmp(r, rel) && sub && pr && !strcmp(pr, rel)) {
			un = xrealloc(un, (nun + 1) * sizeof(*un));
			un[nun++] = xasprintf("%s/", sub);
		}
	}
	/* git sorts both by path; tr[] strings start with the status letter, so sort on path */
	for (size_t i = 1; i < ntr; i++)
		for (size_t k = i; k > 0 && strcmp(tr[k - 1] + 2, tr[k] + 2) > 0; k--) {
			char *t = tr[k];
			tr[k] = tr[k - 1];
			tr[k - 1] = t;
		}
	if (nun > 1)
		qsort(un, nun, sizeof(*un), str_cmp);
	for (size_t i = 0; i < ntr; i++) {
		strbuf_append(&raw, tr[i], 2 + strlen(tr[i] + 2) + 1);
		free(tr[i]);
	}
	strbuf_append(&raw, "", 1);	/* the command's end-of-section marker: an empty field */
	for (size_t i = 0; i < nun; i++) {
		strbuf_append(&raw, un[i], strlen(un[i]) + 1);
		free(un[i]);
	}
	strbuf_append(&raw, "", 1);
	free(tr);
	free(un);
	b64_put(out, (const unsigned char *)raw.buf, raw.len);
	strbuf_free(&raw);
	return 0;
}
