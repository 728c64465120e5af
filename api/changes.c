/*
 * api/changes.c: listing and changes commands for the agent-server's bash API, and the
 * repair of its git/changes answers (see changes.h).
 */
#include "api/changes.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"

static int
str_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

void
changes_repos_add(struct changes_repos *r, const char *dir)
{
	if (changes_repos_has(r, dir))
		return;
	r->dirs = xrealloc(r->dirs, (r->count + 1) * sizeof(*r->dirs));
	r->dirs[r->count++] = xstrdup(dir);
	qsort(r->dirs, r->count, sizeof(*r->dirs), str_cmp);
}

bool
changes_repos_has(const struct changes_repos *r, const char *dir)
{
	return r->count && bsearch(&dir, r->dirs, r->count, sizeof(*r->dirs), str_cmp);
}

const char *
changes_repos_owner(const struct changes_repos *r, const char *path)
{
	const char *best = NULL;
	size_t bl = 0;

	for (size_t i = 0; i < r->count; i++) {
		size_t l = strlen(r->dirs[i]);

		if (l == 0) {
			if (!best)
				best = r->dirs[i];
		} else if (!strncmp(path, r->dirs[i], l) && (path[l] == '/' || !path[l]) && (!best || l > bl)) {
			best = r->dirs[i];
			bl = l;
		}
	}
	return best;
}

void
changes_repos_free(struct changes_repos *r)
{
	for (size_t i = 0; i < r->count; i++)
		free(r->dirs[i]);
	free(r->dirs);
	memset(r, 0, sizeof(*r));
}

char *
changes_sh_quote(const char *s)
{
	struct strbuf sb = {0};

	strbuf_putc(&sb, '\'');
	for (const char *p = s; *p; p++) {
		if (*p == '\'')
			strbuf_puts(&sb, "'\\''");
		else
			strbuf_putc(&sb, *p);
	}
	strbuf_putc(&sb, '\'');
	return strbuf_detach(&sb);
}

char *
changes_listing_command(const char *abs_dir)
{
	char *q = changes_sh_quote(abs_dir);
	/* %m: permission bits; %l: a link's target (empty otherwise). A .git is printed, so the
	 * repositories are known, and then pruned: its objects are nobody's business here. */
	char *cmd = xasprintf("cd -- %s && find . -mindepth 1 -name .git -printf '%%y %%s %%T@ %%m %%P\\0%%l\\0' "
			      "-prune -o -printf '%%y %%s %%T@ %%m %%P\\0%%l\\0' | base64 -w0", q);
	free(q);
	return cmd;
}

char *
changes_git_listing_command(const char *abs_dir)
{
	char *q = changes_sh_quote(abs_dir);
	char *cmd = xasprintf("cd -- %s && find . -mindepth 1 -path '*/.git/*' -printf '%%y %%s %%T@ %%m %%P\\0%%l\\0' "
			      "| base64 -w0", q);
	free(q);
	return cmd;
}

char *
changes_fallback_command(const char *abs_repo)
{
	char *q = changes_sh_quote(abs_repo);
	char *cmd = xasprintf(
		"cd -- %s && { b=$(git merge-base HEAD '@{upstream}' 2>/dev/null || git rev-parse -q --verify HEAD "
		"|| echo 4b825dc642cb6eb9a060e54bf8d69288fbee4904) && git -c core.quotePath=false diff --no-renames "
		"--name-status -z \"$b\" -- . && printf '\\0' && git -c core.quotePath=false ls-files -z --others "
		"--exclude-standard -- . && printf '\\0'; } | base64 -w0", q);
	free(q);
	return cmd;
}

/* Strict base64 (whitespace allowed between groups): NULL on any other byte, so a U+FFFD
 * put in by a decoder is noticed. */
static unsigned char *
b64_decode_strict(const char *in, size_t len, size_t *out_len)
{
	unsigned char *out = xmalloc(len / 4 * 3 + 4);
	size_t n = 0, k = 0, pad = 0;
	unsigned acc = 0;

	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)in[i];
		int v;

		if (c == '\n' || c == '\r' || c == ' ')
			continue;
		if (c >= 'A' && c <= 'Z') v = c - 'A';
		else if (c >= 'a' && c <= 'z') v = c - 'a' + 26;
		else if (c >= '0' && c <= '9') v = c - '0' + 52;
		else if (c == '+') v = 62;
		else if (c == '/') v = 63;
		else if (c == '=') { pad++; v = 0; }
		else { free(out); return NULL; }
		if (pad && c != '=') {
			free(out);
			return NULL;
		}
		acc = acc << 6 | (unsigned)v;
		if (++k == 4) {
			out[n++] = (unsigned char)(acc >> 16);
			out[n++] = (unsigned char)(acc >> 8);
			out[n++] = (unsigned char)acc;
			k = 0;
			acc = 0;
		}
	}
	if (k != 0 || pad > 2) {
		free(out);
		return NULL;
	}
	n -= pad;
	out[n] = '\0';
	*out_len = n;
	return out;
}

char *
changes_show_command(const char *abs_file)
{
	char *q = changes_sh_quote(abs_file);
	char *cmd = xasprintf(
		"f=%s; d=${f%%/*}; while [ -n \"$d\" ] && [ ! -d \"$d\" ]; do d=${d%%/*}; done; cd -- \"${d:-/}\" && "
		"t=$(git rev-parse --show-toplevel) && b=$(git merge-base HEAD '@{upstream}' 2>/dev/null || git "
		"rev-parse -q --verify HEAD) && git show \"$b:${f#\"$t\"/}\" | base64 -w0", q);
	free(q);
	return cmd;
}

char *
changes_b64_decode(const char *text, size_t len, size_t *out_len)
{
	return (char *)b64_decode_strict(text, len, out_len);
}

long
changes_parse_listing(const char *text, size_t len, struct api_file_list *out, struct changes_repos *repos)
{
	size_t n;
	unsigned char *raw = b64_decode_strict(text, len, &n);
	long bad = 0;

	if (!raw)
		return -1;
	const char *p = (const char *)raw, *end = p + n;
	while (p < end) {
		const char *z1 = memchr(p, '\0', (size_t)(end - p));
		const char *z2 = z1 ? memchr(z1 + 1, '\0', (size_t)(end - z1 - 1)) : NULL;

		if (!z2) {
			bad++;
			break;
		}
		/* "TYPE SIZE MTIME MODE PATH": the path is everything after the fourth space */
		char type = *p;
		const char *f[4] = {p, NULL, NULL, NULL};
		int k = 1;
		for (const char *q = p; q < z1 && k < 4; q++)
			if (*q == ' ')
				f[k++] = q + 1;
		const char *path = k == 4 ? memchr(f[3], ' ', (size_t)(z1 - f[3])) : NULL;
		char *e1, *e2, *e3;
		long long size = k == 4 ? strtoll(f[1], &e1, 10) : 0;
		double mtime = k == 4 ? strtod(f[2], &e2) : 0;
		unsigned long mode = k == 4 ? strtoul(f[3], &e3, 8) : 0;

		if (!path || f[1] != p + 2 || *e1 != ' ' || *e2 != ' ' || e3 != path || path + 1 >= z1) {
			bad++;
			p = z2 + 1;
			continue;
		}
		path++;
		char *rel = xstrndup(path, (size_t)(z1 - path));
		const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;
		bool dot_git = !strcmp(base, ".git");
		if (dot_git) {
			/* a directory or a gitfile (worktree, submodule): its parent is a repository */
			char *parent = xstrndup(rel, (base - rel) ? (size_t)(base - rel - 1) : 0);
			changes_repos_add(repos, parent);
			free(parent);
		}
		/* a gitfile ("gitdir: ...") is a small file of the workspace and listed as one;
		 * a .git directory is not entered */
		if ((dot_git && type == 'f') || (!dot_git && (type == 'f' || type == 'd' || type == 'l'))) {
			/* a time or size no file can have (found by fuzzing: the cast would be UB) */
			int64_t mt = mtime >= 0 && mtime < 9.2e18 ? (int64_t)mtime : -1;
			api_file_list_add(out, rel, type == 'd' ? API_DIR : API_FILE,
					  type == 'd' || size < 0 ? -1 : size, mt, API_CHANGE_NONE);
			out->items[out->count - 1].mode = (unsigned)(mode & 07777);
			if (type == 'l')
				out->items[out->count - 1].link = xstrndup(z1 + 1, (size_t)(z2 - z1 - 1));
		}
		free(rel);
		p = z2 + 1;
	}
	free(raw);
	return bad;
}

static void
add_change(struct api_file_list *out, const char *prefix, const char *path, enum api_change ch)
{
	char *full = *prefix ? xasprintf("%s/%s", prefix, path) : xstrdup(path);

	api_file_list_add(out, full, API_FILE, -1, -1, ch);
	free(full);
}

int
changes_parse_fallback(const char *text, size_t len, const char *prefix, struct api_file_list *out)
{
	size_t n;
	unsigned char *raw = b64_decode_strict(text, len, &n);
	struct api_file_list tmp = {0};
	int section = 0;	/* 0 name-status, 1 untracked, 2 complete */

	if (!raw)
		return -1;
	const char *p = (const char *)raw, *end = p + n;
	while (p < end && section < 2) {
		const char *z = memchr(p, '\0', (size_t)(end - p));
		if (!z)
			break;
		if (z == p) {	/* the empty field that ends a section */
			section++;
			p = z + 1;
			continue;
		}
		if (section == 0) {
			const char *z2 = z + 1 < end ? memchr(z + 1, '\0', (size_t)(end - z - 1)) : NULL;
			if (!z2 || z2 == z + 1)
				break;
			enum api_change ch = *p == 'D' ? API_CHANGE_DELETED
					   : *p == 'A' || *p == 'C' ? API_CHANGE_ADDED : API_CHANGE_MODIFIED;
			char *path = xstrndup(z + 1, (size_t)(z2 - z - 1));
			add_change(&tmp, prefix, path, ch);
			free(path);
			p = z2 + 1;
		} else {
			char *path = xstrndup(p, (size_t)(z - p));
			size_t l = strlen(path);
			if (l && path[l - 1] != '/')	/* "dir/": an embedded repository */
				add_change(&tmp, prefix, path, API_CHANGE_ADDED);
			free(path);
			p = z + 1;
		}
	}
	free(raw);
	if (section < 2) {
		api_file_list_free(&tmp);
		return -1;
	}
	for (size_t i = 0; i < tmp.count; i++)
		api_file_list_add(out, tmp.items[i].path, API_FILE, -1, -1, tmp.items[i].change);
	api_file_list_free(&tmp);
	return 0;
}

char *
changes_mangle(const char *path)
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
		switch (*p) {
		case '\a': strbuf_puts(&sb, "/a"); break;
		case '\b': strbuf_puts(&sb, "/b"); break;
		case '\t': strbuf_puts(&sb, "/t"); break;
		case '\n': strbuf_puts(&sb, "/n"); break;
		case '\v': strbuf_puts(&sb, "/v"); break;
		case '\f': strbuf_puts(&sb, "/f"); break;
		case '\r': strbuf_puts(&sb, "/r"); break;
		case '"': strbuf_puts(&sb, "/\""); break;
		case '\\': strbuf_puts(&sb, "//"); break;
		default:
			if (*p < 0x20 || *p >= 0x7f)
				strbuf_printf(&sb, "/%03o", *p);
			else
				strbuf_putc(&sb, (char)*p);
		}
	}
	strbuf_putc(&sb, '"');
	return strbuf_detach(&sb);
}

static int
file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct api_file *)a)->path, ((const struct api_file *)b)->path);
}

static const struct api_file *
listing_find(const struct api_file_list *l, const char *path)
{
	struct api_file key = {.path = (char *)path};

	return l->count ? bsearch(&key, l->items, l->count, sizeof(key), file_cmp) : NULL;
}

bool
changes_resolve(const struct api_file_list *answer, const char *repo, const struct changes_repos *repos,
		const struct api_file_list *listing, struct api_file_list *out, char *why, size_t whylen)
{
	struct api_file_list acc = {0};
	size_t rl = strlen(repo);
	/* wire form -> real path for every listed file of this repository whose name git quotes */
	char **wire = NULL, **real = NULL;
	size_t nw = 0;
	bool ok = true;

	for (size_t i = 0; i < listing->count; i++) {
		const char *p = listing->items[i].path;
		if (rl && (strncmp(p, repo, rl) || p[rl] != '/'))
			continue;
		const char *sub = rl ? p + rl + 1 : p;
		char *m = changes_mangle(sub);
		if (strcmp(m, sub)) {
			wire = xrealloc(wire, (nw + 1) * sizeof(*wire));
			real = xrealloc(real, (nw + 1) * sizeof(*real));
			wire[nw] = m;
			real[nw++] = xstrdup(p);
		} else {
			free(m);
		}
	}
	for (size_t i = 0; ok && i < answer->count; i++) {
		const struct api_file *a = &answer->items[i];
		bool deleted = a->change == API_CHANGE_DELETED, was_dir = false;
		char *full = NULL;

		if (a->path[0] == '"') {
			for (size_t k = 0; k < nw && !full; k++)
				if (!strcmp(wire[k], a->path))
					full = xstrdup(real[k]);
			if (!full) {
				snprintf(why, whylen, "the server named %s, which is in no listed file's quoted form%s",
					 a->path, deleted ? " (a deleted file cannot be checked)" : "");
				ok = false;
				break;
			}
		} else {
			size_t l = strlen(a->path);
			while (l && a->path[l - 1] == '/')
				l--;	/* git's "dir/" for untracked content such as an embedded repository */
			was_dir = l < strlen(a->path);
			full = rl ? xasprintf("%s/%.*s", repo, (int)l, a->path) : xstrndup(a->path, l);
		}
		const char *owner = changes_repos_owner(repos, full);
		if (owner && strcmp(owner, repo)) {
			free(full);	/* another repository's change: that one answers for itself */
			continue;
		}
		const struct api_file *f = listing_find(listing, full);
		if (was_dir || (f && f->type == API_DIR)) {
			snprintf(why, whylen, "the server named the directory %s as a change", full);
			ok = false;
		} else if (!deleted && !f) {
			snprintf(why, whylen, "the server named %s, which the listing does not have", full);
			ok = false;
		} else if (deleted && f) {
			snprintf(why, whylen, "the server called %s deleted, but it exists", full);
			ok = false;
		} else {
			api_file_list_add(&acc, full, API_FILE, f ? f->size : -1, f ? f->mtime : -1, a->change);
		}
		free(full);
	}
	for (size_t k = 0; k < nw; k++) {
		free(wire[k]);
		free(real[k]);
	}
	free(wire);
	free(real);
	if (ok)
		for (size_t i = 0; i < acc.count; i++)
			api_file_list_add(out, acc.items[i].path, API_FILE, acc.items[i].size, acc.items[i].mtime,
					  acc.items[i].change);
	api_file_list_free(&acc);
	return ok;
}
