/* tui/text.c: width-aware truncation and padding, relative times, sizes. */
#include "tui/text.h"

#include <langinfo.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

#include "src/base/util.h"

/* Decode one character: *w gets the code point, return value the bytes used (>= 1).
 * An invalid sequence consumes one byte and yields '?'. */
static size_t
text_next(const char *s, wchar_t *w, int *cols)
{
	mbstate_t st;
	memset(&st, 0, sizeof(st));
	size_t r = mbrtowc(w, s, MB_CUR_MAX, &st);
	if (r == (size_t)-1 || r == (size_t)-2 || r == 0) {
		*w = L'?';
		*cols = 1;
		return 1;
	}
	int cw = wcwidth(*w);
	/* control characters, and the bidi embeddings, overrides and isolates that would
	 * reorder what follows on the terminal ("txt.exe" shown as "exe.txt"): a visible '?' */
	if (*w < 0x20 || *w == 0x7f || (*w >= 0x80 && *w < 0xa0) || (*w >= 0x202a && *w <= 0x202e) ||
	    (*w >= 0x2066 && *w <= 0x2069)) {
		*w = L'?';
		*cols = 1;
		return r;
	}
	if (cw < 0) {
		*w = L'?';
		cw = 1;
	}
	*cols = cw;
	return r;
}

int
text_width(const char *s)
{
	int total = 0;
	while (s && *s) {
		wchar_t w;
		int cols;
		s += text_next(s, &w, &cols);
		total += cols;
	}
	return total;
}

/* Append the bytes of one decoded character: the original bytes when valid, '?' otherwise. */
static size_t
text_put(char *out, size_t pos, size_t outsz, const char *src, size_t len, wchar_t w)
{
	if (w == L'?' && !(len == 1 && src[0] == '?')) {
		src = "?";
		len = 1;
	}
	if (pos + len + 1 > outsz)
		return pos;
	memcpy(out + pos, src, len);
	return pos + len;
}

int
text_fit(char *out, size_t outsz, const char *s, int width, bool pad, bool align_right, bool utf8)
{
	if (outsz == 0)
		return 0;
	out[0] = '\0';
	if (width <= 0)
		return 0;
	if (!s)
		s = "";
	int total = text_width(s);
	size_t pos = 0;
	int used = 0;
	if (total <= width) {
		int fill = pad ? width - total : 0;
		if (align_right)
			for (; fill > 0 && pos + 2 < outsz; fill--, used++)
				out[pos++] = ' ';
		while (*s) {
			wchar_t w;
			int cols;
			size_t n = text_next(s, &w, &cols);
			pos = text_put(out, pos, outsz, s, n, w);
			used += cols;
			s += n;
		}
		for (; fill > 0 && pos + 2 < outsz; fill--, used++)
			out[pos++] = ' ';
		out[pos] = '\0';
		return used;
	}
	/* Too wide: keep what fits in width - 1 columns, then the ellipsis. */
	int room = width - 1;
	while (*s) {
		wchar_t w;
		int cols;
		size_t n = text_next(s, &w, &cols);
		if (used + cols > room)
			break;
		pos = text_put(out, pos, outsz, s, n, w);
		used += cols;
		s += n;
	}
	/* A wide character that did not fit leaves a gap: pad it. */
	while (used < room && pos + 2 < outsz) {
		out[pos++] = ' ';
		used++;
	}
	const char *ell = utf8 ? "\xe2\x80\xa6" : "~";
	size_t el = strlen(ell);
	if (pos + el + 1 <= outsz) {
		memcpy(out + pos, ell, el);
		pos += el;
		used++;
	}
	out[pos] = '\0';
	return used;
}

void
text_ago(char *buf, size_t n, int64_t t, int64_t now)
{
	time_ago(buf, n, t, now);	/* the command line says it the same way */
}

void
text_size(char *buf, size_t n, int64_t bytes)
{
	static const char *const units[] = { "KiB", "MiB", "GiB", "TiB" };
	if (bytes < 0) {
		snprintf(buf, n, "?");
		return;
	}
	if (bytes < 1024) {
		snprintf(buf, n, "%lld B", (long long)bytes);
		return;
	}
	double v = (double)bytes / 1024.0;
	size_t u = 0;
	while (v >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		v /= 1024.0;
		u++;
	}
	if (v < 9.95)
		snprintf(buf, n, "%.1f %s", v, units[u]);
	else
		snprintf(buf, n, "%.0f %s", v, units[u]);
}

bool
text_locale_utf8(void)
{
	const char *cs = nl_langinfo(CODESET);
	return cs && (strcasecmp(cs, "UTF-8") == 0 || strcasecmp(cs, "utf8") == 0);
}

size_t
text_wrap(const char *s, int width, void (*out)(void *ud, const char *start, size_t len), void *ud)
{
	size_t lines = 0;
	if (width < 1)
		width = 1;
	if (!s)
		s = "";
	for (;;) {
		const char *start = s, *brk = NULL, *p = s;
		int used = 0;
		/* How far this display line goes: to a newline, or past the width. */
		while (*p && *p != '\n') {
			wchar_t w;
			int cols;
			size_t n = text_next(p, &w, &cols);
			if (used + cols > width && p > start)
				break;
			if (*p == ' ')
				brk = p;
			used += cols;
			p += n;
		}
		if (*p == '\n') {
			out(ud, start, (size_t)(p - start));
			lines++;
			s = p + 1;
			if (!*s)
				break;	/* a trailing newline ends the text, not a new line */
			continue;
		}
		if (!*p) {
			if (p > start || lines == 0) {
				out(ud, start, (size_t)(p - start));
				lines++;
			}
			break;
		}
		/* Too long: break at the last space, or split a word wider than a line. */
		if (brk && brk > start) {
			out(ud, start, (size_t)(brk - start));
			s = brk + 1;
		} else {
			out(ud, start, (size_t)(p - start));
			s = p;
		}
		lines++;
		while (*s == ' ')
			s++;	/* a wrapped line does not start with the spaces it broke at */
		if (!*s)
			break;
	}
	return lines;
}
