/* archive/names.c: safe entry names, unique names, and the archive file name. */
#include "archive/names.h"

#include <errno.h>
#include <locale.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <wctype.h>

#include "src/base/util.h"

#define NAMES_REPLACEMENT "\xef\xbf\xbd" /* U+FFFD in UTF-8 */
/* Extensions up to this many bytes (dot included) survive the shortening of a long component. */
#define NAMES_EXT_KEEP 16

/*
 * Decode one code point from s[0..n). Returns its length in bytes (at least 1) and stores the
 * code point in *cp, or stores UINT32_MAX and returns 1 for a byte that does not start a valid
 * sequence (overlong forms, surrogates and values past U+10FFFF count as invalid, as in
 * utf8_valid()).
 */
static size_t
names_utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	unsigned c = s[0];
	size_t len;
	uint32_t v;

	if (c < 0x80) {
		*cp = c;
		return 1;
	} else if ((c & 0xe0) == 0xc0) {
		len = 2, v = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		len = 3, v = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		len = 4, v = c & 0x07;
	} else {
		*cp = UINT32_MAX;
		return 1;
	}
	if (len > n)
		goto bad;
	for (size_t k = 1; k < len; k++) {
		if ((s[k] & 0xc0) != 0x80)
			goto bad;
		v = (v << 6) | (s[k] & 0x3f);
	}
	if ((len == 2 && v < 0x80) || (len == 3 && v < 0x800) || (len == 4 && v < 0x10000) ||
	    v > 0x10ffff || (v >= 0xd800 && v <= 0xdfff))
		goto bad;
	*cp = v;
	return len;
bad:
	*cp = UINT32_MAX;
	return 1;
}

static void
names_utf8_put(struct strbuf *sb, uint32_t cp)
{
	char b[4];
	size_t n;

	if (cp < 0x80) {
		b[0] = (char)cp, n = 1;
	} else if (cp < 0x800) {
		b[0] = (char)(0xc0 | cp >> 6), b[1] = (char)(0x80 | (cp & 0x3f)), n = 2;
	} else if (cp < 0x10000) {
		b[0] = (char)(0xe0 | cp >> 12), b[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		b[2] = (char)(0x80 | (cp & 0x3f)), n = 3;
	} else {
		b[0] = (char)(0xf0 | cp >> 18), b[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		b[2] = (char)(0x80 | ((cp >> 6) & 0x3f)), b[3] = (char)(0x80 | (cp & 0x3f)), n = 4;
	}
	strbuf_append(sb, b, n);
}

/* Largest cut <= max that does not split a UTF-8 sequence of s (which is valid UTF-8). */
static size_t
names_utf8_floor(const char *s, size_t max)
{
	while (max > 0 && ((unsigned char)s[max] & 0xc0) == 0x80)
		max--;
	return max;
}

/* Append one component, shortened to NAMES_COMPONENT_MAX bytes if needed. */
/*
 * Windows cannot create a file named CON, PRN, AUX, NUL, COM0-9 or LPT0-9 (with any
 * extension, any case), nor one ending in a dot or a space: such a component gets a safe
 * variant ("aux_.txt", "notes_"), so the ZIP unpacks everywhere; the metadata maps every
 * entry back to its path.
 */
static void
names_windows_safe(struct strbuf *out, size_t start)
{
	static const char *const reserved[] = {"CON", "PRN", "AUX", "NUL"};
	char *c = out->buf + start;
	size_t len = out->len - start;

	/* "." and ".." never reach here (dropped); a trailing dot or space of anything else,
	 * "..." included (Windows would make that ".."), becomes '_' */
	if (len > 0 && (c[len - 1] == '.' || c[len - 1] == ' '))
		c[len - 1] = '_';
	size_t stem = strcspn(c, ".");
	bool bad = false;
	for (size_t i = 0; i < ARRAY_SIZE(reserved) && !bad; i++)
		bad = stem == 3 && strncasecmp(c, reserved[i], 3) == 0;
	if (!bad && stem == 4 && (strncasecmp(c, "COM", 3) == 0 || strncasecmp(c, "LPT", 3) == 0) &&
	    c[3] >= '0' && c[3] <= '9')
		bad = true;
	if (!bad)
		return;
	/* insert '_' after the stem */
	char *rest = xstrdup(c + stem);
	out->len = start + stem;
	out->buf[out->len] = '\0';
	strbuf_putc(out, '_');
	strbuf_puts(out, rest);
	free(rest);
}

static void
names_put_component(struct strbuf *out, const char *c, size_t len)
{
	const char *dot;
	size_t ext = 0;

	if (out->len > 0)
		strbuf_putc(out, '/');
	size_t start = out->len;
	if (len <= NAMES_COMPONENT_MAX) {
		strbuf_append(out, c, len);
	} else {
		/* Keep a short extension so the shortened file still opens with the right program. */
		dot = memrchr(c, '.', len);
		if (dot != NULL && dot != c && (size_t)(c + len - dot) <= NAMES_EXT_KEEP)
			ext = (size_t)(c + len - dot);
		strbuf_append(out, c, names_utf8_floor(c, NAMES_COMPONENT_MAX - ext));
		strbuf_append(out, c + len - ext, ext);
	}
	names_windows_safe(out, start);
}

char *
names_sanitize(const char *raw, size_t len)
{
	struct strbuf clean = {0}, out = {0};
	const unsigned char *s = (const unsigned char *)raw;
	size_t i = 0, start;

	if (raw == NULL)
		return NULL;
	/* Pass 1: make the bytes valid, printable UTF-8 with '/' as the only separator. */
	while (i < len) {
		uint32_t cp;
		size_t n = names_utf8_decode(s + i, len - i, &cp);

		if (cp == UINT32_MAX)
			strbuf_puts(&clean, NAMES_REPLACEMENT);
		else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0) || (cp >= 0x202a && cp <= 0x202e) ||
			 (cp >= 0x2066 && cp <= 0x2069))
			/* control characters, and the bidi overrides that make "txt.exe" read as
			 * "exe.txt" */
			strbuf_putc(&clean, '_');
		else if (cp == '\\')
			strbuf_putc(&clean, '/');
		else
			strbuf_append(&clean, s + i, n);
		i += n;
	}
	if (clean.len == 0) {
		strbuf_free(&clean);
		return NULL;
	}
	/* A Windows drive ("C:" or "C:/"): the rest is relative to it, so drop it. */
	start = 0;
	if (clean.len >= 2 && clean.buf[1] == ':' &&
	    ((clean.buf[0] >= 'A' && clean.buf[0] <= 'Z') || (clean.buf[0] >= 'a' && clean.buf[0] <= 'z')))
		start = 2;
	/* Pass 2: components. Dropping ".." rather than resolving it means no input can climb out.
	 * A name deeper than NAMES_DEPTH_MAX or longer than NAMES_PATH_MAX is cut there and ends
	 * in a component naming a hash of the whole, so it stays unique, no extractor chokes on it,
	 * and a 200,000-character name costs neither quadratic memory nor the archive. */
	size_t depth = 0;
	bool cut = false;
	for (i = start; i <= clean.len;) {
		const char *c = clean.buf + i;
		const char *slash = memchr(c, '/', clean.len - i);
		size_t clen = slash ? (size_t)(slash - c) : clean.len - i;

		if (!(clen == 0 || (clen == 1 && c[0] == '.') || (clen == 2 && c[0] == '.' && c[1] == '.'))) {
			if (depth + 1 >= NAMES_DEPTH_MAX || out.len + clen + 1 > NAMES_PATH_MAX - 32) {
				cut = true;
				break;
			}
			names_put_component(&out, c, clen);
			depth++;
		}
		i += clen + 1;
	}
	if (cut) {
		uint64_t h = 1469598103934665603ull;
		for (size_t k = 0; k < clean.len; k++)
			h = (h ^ (unsigned char)clean.buf[k]) * 1099511628211ull;
		if (out.len)
			strbuf_putc(&out, '/');
		strbuf_printf(&out, "_name-too-long-%016llx", (unsigned long long)h);
	}
	strbuf_free(&clean);
	if (out.len == 0) {
		strbuf_free(&out);
		return NULL;
	}
	return strbuf_detach(&out);
}

/* ---- struct names_set: an open-addressing hash set keyed by ASCII-folded path ---- */

enum names_kind { NAMES_FREE, NAMES_FILE, NAMES_DIR };

struct names_slot {
	char *name;
	enum names_kind kind;
	unsigned next;	/* a taken name: the " (N)" to try first for the next one like it */
};

struct names_set {
	struct names_slot *slots;
	size_t cap;	/* a power of two */
	size_t used;
};

static unsigned char
names_fold(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

static uint64_t
names_hash(const char *s, size_t n)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (size_t i = 0; i < n; i++)
		h = (h ^ names_fold((unsigned char)s[i])) * 1099511628211ULL;
	return h;
}

static bool
names_equal(const char *a, const char *b, size_t blen)
{
	for (size_t i = 0; i < blen; i++)
		if (a[i] == '\0' || names_fold((unsigned char)a[i]) != names_fold((unsigned char)b[i]))
			return false;
	return a[blen] == '\0';
}

/* The slot holding key[0..n) or the free slot where it would go. */
static struct names_slot *
names_find(struct names_set *s, const char *key, size_t n)
{
	size_t i = (size_t)names_hash(key, n) & (s->cap - 1);

	while (s->slots[i].kind != NAMES_FREE && !names_equal(s->slots[i].name, key, n))
		i = (i + 1) & (s->cap - 1);
	return &s->slots[i];
}

static void
names_grow(struct names_set *s)
{
	struct names_slot *old = s->slots;
	size_t oldcap = s->cap;

	s->cap *= 2;
	s->slots = xcalloc(s->cap, sizeof(*s->slots));
	for (size_t i = 0; i < oldcap; i++) {
		if (old[i].kind != NAMES_FREE)
			*names_find(s, old[i].name, strlen(old[i].name)) = old[i];
	}
	free(old);
}

static enum names_kind
names_lookup(struct names_set *s, const char *key, size_t n)
{
	return names_find(s, key, n)->kind;
}

static const char *
names_insert(struct names_set *s, const char *key, size_t n, enum names_kind kind)
{
	struct names_slot *slot;

	if (2 * (s->used + 1) > s->cap)
		names_grow(s);
	slot = names_find(s, key, n);
	if (slot->kind == NAMES_FREE) {
		slot->name = xstrndup(key, n);
		slot->kind = kind;
		s->used++;
	}
	return slot->name;
}

struct names_set *
names_set_new(void)
{
	struct names_set *s = xcalloc(1, sizeof(*s));

	s->cap = 64;
	s->slots = xcalloc(s->cap, sizeof(*s->slots));
	return s;
}

void
names_set_free(struct names_set *s)
{
	if (s == NULL)
		return;
	for (size_t i = 0; i < s->cap; i++)
		free(s->slots[i].name);
	free(s->slots);
	free(s);
}

bool
names_set_reserve(struct names_set *s, const char *name)
{
	size_t n = strlen(name);

	if (names_lookup(s, name, n) != NAMES_FREE)
		return false;
	names_insert(s, name, n, NAMES_FILE);
	return true;
}

/*
 * Append component c[0..clen) to path (which holds the parent, "" or "dir/") so that the
 * result is acceptable: for a directory, not an existing file; for a file, not taken at all.
 * The " (N)" goes before the extension of a file and at the end of a directory name.
 */
static void
names_unique_component(struct names_set *s, struct strbuf *path, const char *c, size_t clen,
		       bool is_dir)
{
	size_t base = path->len, stem = clen;
	const char *dot = is_dir ? NULL : memrchr(c, '.', clen);

	if (dot != NULL && dot != c)
		stem = (size_t)(dot - c);
	struct names_slot *orig = NULL;
	for (unsigned k = 1;; k++) {
		enum names_kind kind;

		path->len = base;
		path->buf[base] = '\0';
		if (k == 1) {
			strbuf_append(path, c, clen);
		} else {
			strbuf_append(path, c, stem);
			strbuf_printf(path, " (%u)", k);
			strbuf_append(path, c + stem, clen - stem);
		}
		struct names_slot *slot = names_find(s, path->buf, path->len);
		kind = slot->kind;
		if (is_dir ? kind != NAMES_FILE : kind == NAMES_FREE) {
			/* remembered on the taken name: 30,000 duplicates probe once each, not from 2
			 * each time (the slot stays put until the caller's insert) */
			if (orig && k > 1)
				orig->next = k + 1;
			return;
		}
		if (k == 1 && !is_dir) {
			/* files only: a directory may reuse an existing " (N)" directory */
			orig = slot;
			if (orig->next > 2)
				k = orig->next - 1;	/* the loop's k++ makes it orig->next */
		}
	}
}

const char *
names_set_unique(struct names_set *s, const char *name)
{
	struct strbuf path = {0};
	const char *c = name, *slash, *result;

	strbuf_puts(&path, "");
	while ((slash = strchr(c, '/')) != NULL) {
		names_unique_component(s, &path, c, (size_t)(slash - c), true);
		names_insert(s, path.buf, path.len, NAMES_DIR);
		strbuf_putc(&path, '/');
		c = slash + 1;
	}
	names_unique_component(s, &path, c, strlen(c), false);
	result = names_insert(s, path.buf, path.len, NAMES_FILE);
	strbuf_free(&path);
	return result;
}

/* ---- the archive's file name ---- */

/*
 * Character classes for the 30-char rule. Python's str.lower() and str.isalnum() are
 * Unicode-aware, so we ask glibc's C.UTF-8 tables (independent of the user's locale). When
 * that locale is missing we fall back to a rough built-in: Latin-1 case mapping, and every
 * non-ASCII code point counts as alphanumeric except punctuation, symbols, spaces and emoji
 * blocks.
 */
struct names_ctype {
	locale_t loc;	/* (locale_t)0 when no UTF-8 locale could be loaded */
};

static void
names_ctype_open(struct names_ctype *ct)
{
	static const char *const tries[] = {"C.UTF-8", "C.utf8", "en_US.UTF-8"};

	ct->loc = (locale_t)0;
	for (size_t i = 0; i < ARRAY_SIZE(tries) && ct->loc == (locale_t)0; i++)
		ct->loc = newlocale(LC_CTYPE_MASK, tries[i], (locale_t)0);
}

static void
names_ctype_close(struct names_ctype *ct)
{
	if (ct->loc != (locale_t)0)
		freelocale(ct->loc);
}

static uint32_t
names_lower(const struct names_ctype *ct, uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= 'A' && cp <= 'Z') ? cp + 32 : cp;
	if (ct->loc != (locale_t)0)
		return (uint32_t)towlower_l((wint_t)cp, ct->loc);
	if (cp >= 0xc0 && cp <= 0xde && cp != 0xd7)
		return cp + 32;
	return cp;
}

static bool
names_alnum(const struct names_ctype *ct, uint32_t cp)
{
	if (cp < 0x80)
		return (cp >= '0' && cp <= '9') || (cp >= 'a' && cp <= 'z') || (cp >= 'A' && cp <= 'Z');
	if (ct->loc != (locale_t)0)
		return iswalnum_l((wint_t)cp, ct->loc) != 0;
	return !(cp < 0xc0 || cp == 0xd7 || cp == 0xf7 ||
		 (cp >= 0x2000 && cp <= 0x2bff) ||	/* punctuation, symbols, arrows, dingbats */
		 (cp >= 0x3000 && cp <= 0x303f) ||	/* CJK punctuation */
		 (cp >= 0xfe00 && cp <= 0xfe0f) ||	/* variation selectors */
		 (cp >= 0xff00 && cp <= 0xff0f) ||	/* full-width punctuation */
		 (cp >= 0x1f000 && cp <= 0x1faff));	/* emoji */
}

/* Only '-' (or nothing)? Such a name is useless, and "-.zip" would look like an option. */
static bool
names_only_dashes(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s != '-')
			return false;
	return true;
}

char *
names_archive_base(const char *title, const char *conversation_id)
{
	struct names_ctype ct;
	struct strbuf out = {0};
	const unsigned char *s;
	size_t n, i = 0, points = 0;
	bool cut = false;

	if (title == NULL)
		title = "untitled";
	s = (const unsigned char *)title;
	n = strlen(title);
	names_ctype_open(&ct);
	strbuf_puts(&out, "");
	while (i < n) {
		uint32_t cp;

		i += names_utf8_decode(s + i, n - i, &cp);
		if (cp == UINT32_MAX)
			continue;	/* Python would never see an invalid byte; drop it */
		cp = names_lower(&ct, cp);
		if (cp == ' ')
			cp = '-';
		if (cp != '-' && !names_alnum(&ct, cp))
			continue;
		/* Collapsing "--" as we go equals the seed's repeated replace(). */
		if (cp == '-' && out.len > 0 && out.buf[out.len - 1] == '-')
			continue;
		if (points == NAMES_ARCHIVE_BASE_MAX) {
			cut = true;
			break;
		}
		names_utf8_put(&out, cp);
		points++;
	}
	names_ctype_close(&ct);
	/* The seed strips trailing dashes only after a cut (a name longer than 30 points). */
	if (cut) {
		while (out.len > 0 && out.buf[out.len - 1] == '-')
			out.buf[--out.len] = '\0';
	}
	if (names_only_dashes(out.buf)) {
		strbuf_reset(&out);
		for (const char *p = conversation_id ? conversation_id : ""; *p != '\0'; p++) {
			unsigned char c = (unsigned char)*p;

			if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
			    c == '-' || c == '_')
				strbuf_putc(&out, (char)c);
		}
		if (out.buf == NULL || names_only_dashes(out.buf)) {
			strbuf_reset(&out);
			strbuf_puts(&out, "conversation");
		}
	}
	return strbuf_detach(&out);
}

/* 1 when path is free, 0 when taken, -1 (errno set) when it cannot be checked. */
static int
names_path_free(const char *path)
{
	struct stat st;

	if (lstat(path, &st) == 0)
		return 0;
	return errno == ENOENT ? 1 : -1;
}

char *
names_pick_archive_path(const char *dir, const char *base, const char *suffix, char *err,
			size_t errlen)
{
	const char *sep = (dir == NULL || *dir == '\0') ? "" : "/";

	if (dir == NULL)
		dir = "";
	if (suffix == NULL)
		suffix = "";
	for (unsigned k = 1; k < 10000; k++) {
		char *path = k == 1 ? xasprintf("%s%s%s%s.zip", dir, sep, base, suffix)
				    : xasprintf("%s%s%s%s-%u.zip", dir, sep, base, suffix, k);
		char *part = xasprintf("%s.part", path);
		int a = names_path_free(path);
		int b = a < 0 ? 0 : names_path_free(part);

		if (a < 0 || b < 0) {
			snprintf(err, errlen, "cannot check whether %s exists: %s; choose another output directory",
				 a < 0 ? path : part, strerror(errno));
			free(path);
			free(part);
			return NULL;
		}
		free(part);
		if (a == 1 && b == 1)
			return path;
		free(path);
	}
	snprintf(err, errlen, "%s%s%s%s.zip and 9998 numbered variants already exist; "
		 "move some archives away or choose another output directory", dir, sep, base, suffix);
	return NULL;
}

/* ---- git credentials ---- */

static bool
names_component_is(const char *c, size_t n, const char *word)
{
	return n == strlen(word) && !memcmp(c, word, n);
}

bool
names_is_git_credential(const char *path, size_t len)
{
	static const char *const sensitive[] = {"config", "config.worktree", "credentials",
						".git-credentials", "FETCH_HEAD"};
	const char *p = path, *end = path + len;
	bool in_git = false, in_logs = false, last_sensitive = false, last_store = false;

	while (p < end) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		size_t n = slash ? (size_t)(slash - p) : (size_t)(end - p);
		bool last = !slash || slash + 1 >= end;

		if (n) {
			/* the first ".git" decides, as on the server: what follows it is internal */
			if (in_git && !last && names_component_is(p, n, "logs"))
				in_logs = true;
			if (last) {
				last_store = names_component_is(p, n, ".git-credentials");
				for (size_t i = 0; in_git && i < sizeof(sensitive) / sizeof(*sensitive); i++)
					if (names_component_is(p, n, sensitive[i]))
						last_sensitive = true;
				if (in_git && names_component_is(p, n, "logs"))
					in_logs = true;	/* a file called logs inside .git */
			}
			if (!in_git && names_component_is(p, n, ".git") && !last)
				in_git = true;
		}
		p = slash ? slash + 1 : end;
	}
	return last_store || in_logs || last_sensitive;
}
