/*
 * tests/fakehands/workspace.c: the workspace file model.
 *
 * Owns: sorting the scenario's files into a tree (adding implied parent
 * directories), path lookup and root-relative mapping, the deterministic
 * generated content (binary or text lines, seekable so it streams in constant
 * memory at any offset), the binaryornot-like check, the streamed
 * {"code": ...} body for generated text, and .gitignore matching for list-files.
 */
#include "tests/fakehands/fh.h"

#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>

uint64_t
mix64(uint64_t x)
{
	/* splitmix64 finaliser: a counter-based PRNG, so any offset can be produced directly */
	x += 0x9e3779b97f4a7c15ULL;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

/* No '"' or '\\' so the JSON form of a text file only escapes the newlines (size is computable). */
static const char text_alphabet[64] =
	"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .";
#define LINE_LEN 64

uint64_t
node_size(const struct fh_node *n)
{
	if (n->link)
		return strlen(n->link);	/* what lstat says: the target's length */
	return n->generated ? n->size : n->len;
}

static void
gen_bytes(const struct fh_node *n, uint64_t pos, unsigned char *out, size_t cnt)
{
	uint64_t key = mix64(n->seed ^ 0x5eedf00dULL);
	uint64_t blk = pos / 8, word = mix64(key + blk);
	unsigned sh = (unsigned)(pos % 8);

	for (size_t i = 0; i < cnt; i++) {
		unsigned char b = (unsigned char)(word >> (8 * sh));

		if (n->gen_text) {
			uint64_t p = pos + i;

			b = (p % LINE_LEN == LINE_LEN - 1) ? '\n' : (unsigned char)text_alphabet[b & 63];
		}
		out[i] = b;
		if (++sh == 8) {
			sh = 0;
			word = mix64(key + ++blk);
		}
	}
}

size_t
node_read(const struct fh_node *n, uint64_t pos, void *buf, size_t max)
{
	uint64_t size = node_size(n);

	if (pos >= size)
		return 0;
	if (max > size - pos)
		max = (size_t)(size - pos);
	if (n->generated)
		gen_bytes(n, pos, buf, max);
	else
		memcpy(buf, n->data + pos, max);
	return max;
}

bool
node_is_binary(const struct fh_node *n)
{
	unsigned char head[8192];
	size_t len = node_read(n, 0, head, sizeof(head));

	if (memchr(head, 0, len))
		return true;
	/* a multi-byte sequence may be cut at the 8 KiB edge: allow up to 3 trailing bytes */
	for (size_t cut = 0; cut < 4 && cut <= len; cut++) {
		if (utf8_valid((const char *)head, len - cut))
			return false;
		if (len < sizeof(head))
			break;
	}
	return true;
}

bool
node_is_utf8(const struct fh_node *n)
{
	if (n->generated)
		return n->gen_text;
	return utf8_valid((const char *)n->data, n->len);
}

uint64_t
code_gen_size(const struct fh_node *n)
{
	return 9 + n->size + n->size / LINE_LEN + 2;
}

/* Bytes of {"code":"<escaped text>"} at pos, for a generated text file. */
size_t
code_gen_read(const struct fh_node *n, uint64_t pos, char *buf, size_t max)
{
	static const char pre[] = "{\"code\":\"", post[] = "\"}";
	uint64_t esc = n->size + n->size / LINE_LEN;
	size_t out = 0;

	while (out < max) {
		uint64_t p = pos + out;

		if (p < 9) {
			buf[out++] = pre[p];
		} else if (p < 9 + esc) {
			uint64_t e = p - 9, line = e / (LINE_LEN + 1), off = e % (LINE_LEN + 1);
			uint64_t src = line * LINE_LEN + off;

			if (off == LINE_LEN - 1 && src < n->size) {
				buf[out++] = '\\';
			} else if (off == LINE_LEN) {
				buf[out++] = 'n';
			} else {
				/* copy the run of plain characters of this line in one go */
				size_t run = (size_t)(LINE_LEN - 1 - off), room = max - out;
				unsigned char tmp[LINE_LEN];

				if (run > room)
					run = room;
				if (src + run > n->size)
					run = (size_t)(n->size - src);
				gen_bytes(n, src, tmp, run);
				memcpy(buf + out, tmp, run);
				out += run;
			}
		} else if (p < 9 + esc + 2) {
			buf[out++] = post[p - 9 - esc];
		} else {
			break;
		}
	}
	return out;
}

static int
node_cmp(const void *a, const void *b)
{
	const struct fh_node *x = a, *y = b;
	size_t m = x->path_len < y->path_len ? x->path_len : y->path_len;
	int c = memcmp(x->path, y->path, m);

	if (c)
		return c;
	return (x->path_len > y->path_len) - (x->path_len < y->path_len);
}

static void
add_dir(struct fh_workspace *ws, size_t *cap, const char *p, size_t len)
{
	if (*cap == ws->n_nodes) {
		*cap = *cap ? *cap * 2 : 16;
		ws->nodes = xrealloc(ws->nodes, *cap * sizeof(*ws->nodes));
	}
	ws->nodes[ws->n_nodes++] = (struct fh_node){
		.path = xstrndup(p, len), .path_len = len, .is_dir = true, .mode = 0755, .mtime = 1732406400,
	};
}

const struct fh_node *
ws_find(const struct fh_workspace *ws, const char *rel, size_t len)
{
	struct fh_node key = { .path = (char *)rel, .path_len = len };

	if (!ws || !ws->n_nodes)
		return NULL;
	return bsearch(&key, ws->nodes, ws->n_nodes, sizeof(key), node_cmp);
}

void
ws_finish(struct fh_workspace *ws)
{
	size_t cap = ws->n_nodes, n0;

	/* every proper prefix ending before a '/' is a directory */
	n0 = ws->n_nodes;
	for (size_t i = 0; i < n0; i++) {
		for (size_t k = 1; k < ws->nodes[i].path_len; k++) {
			if (ws->nodes[i].path[k] == '/')
				add_dir(ws, &cap, ws->nodes[i].path, k);
		}
	}
	if (ws->n_nodes > 1)
		qsort(ws->nodes, ws->n_nodes, sizeof(*ws->nodes), node_cmp);
	/* drop duplicates (an implied dir that was also listed, or a repeated path): keep one */
	size_t w = 0;
	for (size_t i = 0; i < ws->n_nodes; i++) {
		if (w && node_cmp(&ws->nodes[w - 1], &ws->nodes[i]) == 0) {
			struct fh_node *keep = &ws->nodes[w - 1], *dup = &ws->nodes[i];

			if (keep->is_dir && !dup->is_dir) {	/* prefer the declared file */
				struct fh_node t = *keep;
				*keep = *dup;
				*dup = t;
			}
			free(dup->path);
			free(dup->data);
			continue;
		}
		ws->nodes[w++] = ws->nodes[i];
	}
	ws->n_nodes = w;

	const struct fh_node *gi = ws_find(ws, ".gitignore", 10);
	if (gi && !gi->is_dir && !gi->generated) {
		char *text = xstrndup((const char *)gi->data, gi->len), *save = NULL;

		for (char *line = strtok_r(text, "\r\n", &save); line; line = strtok_r(NULL, "\r\n", &save)) {
			if (!*line || *line == '#')
				continue;
			ws->ignore = xrealloc(ws->ignore, (ws->n_ignore + 1) * sizeof(char *));
			ws->ignore[ws->n_ignore++] = xstrdup(line);
		}
		free(text);
	}
}

bool
ws_rel(const struct fh_workspace *ws, const char *p, size_t plen, struct strbuf *out)
{
	size_t rl = strlen(ws->root);

	strbuf_reset(out);
	strbuf_puts(out, "");
	if (plen && p[0] == '/') {
		if (plen == rl && memcmp(p, ws->root, rl) == 0)
			return true;
		if (plen > rl && memcmp(p, ws->root, rl) == 0 && p[rl] == '/') {
			p += rl + 1;
			plen -= rl + 1;
		} else if (rl == 1 && ws->root[0] == '/') {
			p++;
			plen--;
		} else {
			return false;
		}
	}
	/* light normalisation: "./" components and trailing slashes; ".." is kept literally */
	while (plen >= 2 && p[0] == '.' && p[1] == '/') {
		p += 2;
		plen -= 2;
	}
	if (plen == 1 && p[0] == '.')
		plen = 0;
	while (plen && p[plen - 1] == '/')
		plen--;
	strbuf_append(out, p, plen);
	return true;
}

bool
ws_is_dir(const struct fh_workspace *ws, const char *rel, size_t len)
{
	const struct fh_node *n;

	if (len == 0)
		return true;
	n = ws_find(ws, rel, len);
	return n && n->is_dir;
}

/* gitwildmatch, simplified: patterns without '/' match any path component,
 * others are anchored at the root; a trailing '/' matches directories only;
 * '!' re-includes; the last matching pattern wins. */
static bool
pattern_match(const char *pat, const char *sub, bool is_dir, bool *negate)
{
	char buf[1024];
	size_t pl;
	bool dir_only = false, anchored;
	const char *base;

	*negate = false;
	if (*pat == '!') {
		*negate = true;
		pat++;
	}
	pl = strlen(pat);
	if (pl >= sizeof(buf))
		return false;
	memcpy(buf, pat, pl + 1);
	while (pl && (buf[pl - 1] == ' ' || buf[pl - 1] == '\t'))
		buf[--pl] = '\0';
	if (pl && buf[pl - 1] == '/') {
		dir_only = true;
		buf[--pl] = '\0';
	}
	if (!pl || (dir_only && !is_dir))
		return false;
	anchored = strchr(buf, '/') != NULL;
	if (anchored) {
		const char *pp = buf[0] == '/' ? buf + 1 : buf;

		if (strncmp(pp, "**/", 3) == 0) {
			base = strrchr(sub, '/');
			base = base ? base + 1 : sub;
			return fnmatch(pp + 3, base, 0) == 0 || fnmatch(pp, sub, FNM_PATHNAME) == 0;
		}
		return fnmatch(pp, sub, FNM_PATHNAME) == 0;
	}
	base = strrchr(sub, '/');
	base = base ? base + 1 : sub;
	return fnmatch(buf, base, 0) == 0;
}

bool
ws_ignored(const struct fh_workspace *ws, const char *entry)
{
	char path[4096];
	size_t len = strlen(entry);
	bool is_dir, ignored = false;

	if (!ws->n_ignore || len >= sizeof(path))
		return false;
	is_dir = len && entry[len - 1] == '/';
	/* absolute entries are matched relative to the root (pathspec sees the joined string,
	 * but patterns are almost always unanchored names, so this is equivalent in practice) */
	while (*entry == '/')
		entry++;
	memcpy(path, entry, strlen(entry) + 1);
	len = strlen(path);
	while (len && path[len - 1] == '/')
		path[--len] = '\0';
	/* test each ancestor prefix and the entry itself: an ignored directory hides its contents */
	for (size_t i = 1; i <= len; i++) {
		if (i != len && path[i] != '/')
			continue;
		char save = path[i];
		bool sub_dir = i < len || is_dir;

		path[i] = '\0';
		for (size_t k = 0; k < ws->n_ignore; k++) {
			bool neg;

			if (pattern_match(ws->ignore[k], path, sub_dir, &neg))
				ignored = !neg;
		}
		path[i] = save;
		if (ignored && i < len)
			return true;
	}
	return ignored;
}

struct fh_workspace fh_empty_ws = { .name = (char *)"", .root = (char *)"/workspace/project" };

static int
entry_cmp(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t lx = strlen(x), ly = strlen(y);
	bool dx = lx && x[lx - 1] == '/', dy = ly && y[ly - 1] == '/';
	int c;

	if (dx != dy)
		return dx ? -1 : 1;
	c = strcasecmp(x, y);
	return c ? c : strcmp(x, y);
}

char **
ws_list(const struct fh_workspace *ws, const char *rel, size_t *n)
{
	size_t rl = strlen(rel), cap = 16;
	char **out = xmalloc(cap * sizeof(char *));

	*n = 0;
	for (size_t i = 0; i < ws->n_nodes; i++) {
		const struct fh_node *nd = &ws->nodes[i];
		const char *name;

		if (rl) {
			if (nd->path_len <= rl + 1 || memcmp(nd->path, rel, rl) || nd->path[rl] != '/')
				continue;
			name = nd->path + rl + 1;
		} else {
			name = nd->path;
		}
		if (strchr(name, '/') || !*name)
			continue;
		if (*n + 1 >= cap)
			out = xrealloc(out, (cap *= 2) * sizeof(char *));
		out[(*n)++] = nd->is_dir ? xasprintf("%s/", name) : xstrdup(name);
	}
	if (*n > 1)
		qsort(out, *n, sizeof(char *), entry_cmp);
	return out;
}

json_t *
ws_diff(const struct fh_workspace *ws, const char *rel)
{
	const struct fh_node *nd = ws_find(ws, rel, strlen(rel));
	const struct fh_change *ch = NULL;
	json_t *modified;

	for (size_t i = 0; i < ws->n_changes; i++)
		if (!strcmp(ws->changes[i].path, rel))
			ch = &ws->changes[i];
	if (nd && !nd->is_dir && !nd->generated)
		modified = jstr((const char *)nd->data, nd->len);
	else if (nd && nd->generated && nd->gen_text && nd->size <= 1048576) {
		char *buf = xmalloc((size_t)nd->size + 1);

		node_read(nd, 0, buf, (size_t)nd->size);
		modified = jstr(buf, (size_t)nd->size);
		free(buf);
	} else
		modified = json_string("");
	if (ch && ch->status[0] == 'D') {
		json_decref(modified);
		modified = json_string("");
	}
	if (!ch)
		return json_pack("{s:O,s:o}", "modified", modified, "original", modified);
	return json_pack("{s:o,s:o}", "modified", modified, "original",
			 jstr0(ch->status[0] == 'A' ? "" : ch->original ? ch->original : ""));
}

char *
content_disposition(const char *name)
{
	struct strbuf sb = { 0 };
	bool plain = true;

	for (const unsigned char *p = (const unsigned char *)name; *p; p++)
		if (*p < 0x20 || *p >= 0x7f || *p == '"' || *p == '\\')
			plain = false;
	if (plain)
		return xasprintf("attachment; filename=\"%s\"", name);
	/* RFC 5987 form, as Starlette's FileResponse does for non-latin-1 names */
	strbuf_puts(&sb, "attachment; filename*=utf-8''");
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
		    strchr("-._~", *p))
			strbuf_putc(&sb, (char)*p);
		else
			strbuf_printf(&sb, "%%%02X", *p);
	}
	return strbuf_detach(&sb);
}

const char *
ws_repo_of(const struct fh_workspace *ws, const char *rel)
{
	const char *best = NULL;
	size_t bl = 0;

	for (size_t i = 0; i < ws->n_repos; i++) {
		const char *r = ws->repos[i];
		size_t l = strlen(r);

		if (l == 0 ? !best : (!strncmp(rel, r, l) && (rel[l] == '/' || rel[l] == '\0') && (!best || l > bl))) {
			best = r;
			bl = l;
		}
	}
	return best;
}

bool
ws_is_repo(const struct fh_workspace *ws, const char *rel)
{
	for (size_t i = 0; i < ws->n_repos; i++)
		if (!strcmp(ws->repos[i], rel))
			return true;
	return false;
}

const struct fh_node *
ws_follow(const struct fh_workspace *ws, const struct fh_node *n, bool *outside)
{
	struct strbuf p = {0};

	*outside = false;
	for (int hops = 0; n && n->link && hops < 40; hops++) {
		const char *t = n->link;
		strbuf_reset(&p);
		if (t[0] == '/') {
			size_t rl = strlen(ws->root);
			if (strncmp(t, ws->root, rl) || (t[rl] != '/' && t[rl])) {
				*outside = true;
				strbuf_free(&p);
				return NULL;
			}
			strbuf_puts(&p, t[rl] ? t + rl + 1 : "");
		} else {
			const char *slash = memrchr(n->path, '/', n->path_len);
			if (slash)
				strbuf_append(&p, n->path, (size_t)(slash - n->path) + 1);
			strbuf_puts(&p, t);
		}
		/* fold "x/../" and "./" (enough for the fake's scenarios) */
		char *s = p.buf ? p.buf : (char *)"";
		for (char *q; (q = strstr(s, "/./"));)
			memmove(q, q + 2, strlen(q + 2) + 1);
		for (char *q; (q = strstr(s, "/../"));) {
			char *b = q;
			while (b > s && b[-1] != '/')
				b--;
			memmove(b, q + 4, strlen(q + 4) + 1);
		}
		n = ws_find(ws, s, strlen(s));
	}
	strbuf_free(&p);
	return n && !n->link ? n : NULL;
}
