/*
 * tui/line.h: one row of text built from styled segments (pure; no curses).
 *
 * Callers outside tui/ (the controller in src/) describe what a row says and
 * in which role; tui/ decides how it is drawn. A line owns a fixed buffer, so
 * building one never allocates; text beyond the buffer is dropped.
 */
#ifndef OHBROWSE_TUI_LINE_H
#define OHBROWSE_TUI_LINE_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/colors.h"

#define LINE_BUF 2048
#define LINE_SEGS 32

struct line_seg {
	unsigned short off, len;
	unsigned char role;
};

struct line {
	char buf[LINE_BUF];
	size_t len;
	int nseg;
	struct line_seg seg[LINE_SEGS];
	bool utf8;		/* may use UTF-8 glyphs (ellipsis) */
};

void line_reset(struct line *l, bool utf8);
void line_add(struct line *l, enum role r, const char *text);
void line_addf(struct line *l, enum role r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* Add text fitted to exactly width columns (cut with an ellipsis, or padded). */
void line_add_fit(struct line *l, enum role r, const char *text, int width, bool align_right);
/* Display width of everything added so far. */
int line_width(const struct line *l);
/* Restyle every case-insensitive (ASCII) occurrence of needle as role r (search
 * hits). Returns how many; a line that would need more than LINE_SEGS segments
 * is left as it was (and 0 returned). */
int line_highlight(struct line *l, const char *needle, enum role r);
/* Case-insensitive (ASCII) substring test, as the highlight and the search use it. */
bool line_contains(const char *hay, const char *needle);
/* The plain text (all segments joined). */
const char *line_text(const struct line *l);

#endif
