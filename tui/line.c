/* tui/line.c: styled segments of one row (see line.h). */
#include "tui/line.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "tui/text.h"

void
line_reset(struct line *l, bool utf8)
{
	l->len = 0;
	l->nseg = 0;
	l->buf[0] = '\0';
	l->utf8 = utf8;
}

void
line_add(struct line *l, enum role r, const char *text)
{
	if (!text || !*text || l->nseg >= LINE_SEGS)
		return;
	size_t n = strlen(text);
	if (l->len + n + 1 > LINE_BUF) {
		/* Out of room: keep what fits, cut at a UTF-8 boundary. */
		n = LINE_BUF - 1 - l->len;
		while (n > 0 && ((unsigned char)text[n] & 0xc0) == 0x80)
			n--;
	}
	if (n == 0)
		return;
	struct line_seg *prev = l->nseg ? &l->seg[l->nseg - 1] : NULL;
	memcpy(l->buf + l->len, text, n);
	if (prev && prev->role == r && prev->off + prev->len == l->len) {
		prev->len = (unsigned short)(prev->len + n);
	} else {
		l->seg[l->nseg++] = (struct line_seg){ (unsigned short)l->len, (unsigned short)n,
						       (unsigned char)r };
	}
	l->len += n;
	l->buf[l->len] = '\0';
}

void
line_addf(struct line *l, enum role r, const char *fmt, ...)
{
	char tmp[LINE_BUF];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	line_add(l, r, tmp);
}

void
line_add_fit(struct line *l, enum role r, const char *text, int width, bool align_right)
{
	char tmp[LINE_BUF];
	if (width <= 0)
		return;
	text_fit(tmp, sizeof(tmp), text ? text : "", width, true, align_right, l->utf8);
	line_add(l, r, tmp);
}

int
line_width(const struct line *l)
{
	return text_width(l->buf);
}

const char *
line_text(const struct line *l)
{
	return l->buf;
}

bool
line_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	if (n == 0)
		return false;
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return false;
}

int
line_highlight(struct line *l, const char *needle, enum role r)
{
	size_t n = needle ? strlen(needle) : 0;
	if (n == 0 || l->len < n)
		return 0;
	bool hit[LINE_BUF];
	memset(hit, 0, l->len);
	int count = 0;
	for (size_t i = 0; i + n <= l->len; i++) {
		if (strncasecmp(l->buf + i, needle, n) == 0) {
			memset(hit + i, 1, n);
			count++;
			i += n - 1;
		}
	}
	if (!count)
		return 0;
	struct line_seg seg[LINE_SEGS];
	int nseg = 0;
	for (int k = 0; k < l->nseg; k++) {
		const struct line_seg *s = &l->seg[k];
		for (size_t i = s->off; i < (size_t)s->off + s->len; i++) {
			unsigned char role = hit[i] ? (unsigned char)r : s->role;
			if (nseg && seg[nseg - 1].role == role && seg[nseg - 1].off + seg[nseg - 1].len == i) {
				seg[nseg - 1].len++;
				continue;
			}
			if (nseg == LINE_SEGS)
				return 0;	/* too many pieces: drawn without the highlight */
			seg[nseg++] = (struct line_seg){ (unsigned short)i, 1, role };
		}
	}
	memcpy(l->seg, seg, sizeof(seg[0]) * (size_t)nseg);
	l->nseg = nseg;
	return count;
}
