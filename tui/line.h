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
/* The plain text (all segments joined). */
const char *line_text(const struct line *l);

#endif
