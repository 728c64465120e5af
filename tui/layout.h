/*
 * tui/layout.h: screen size -> pane rectangles, by role (pure; no curses).
 *
 * The screen is a title row, the panes, a key-hint row and a message row. The
 * caller passes one slot per pane: its role, whether it is shown and how big
 * it would like to be; layout_place() fills in each slot's rectangle, so a new
 * pane needs a slot, not a change here.
 *
 * Wide screens (>= LAYOUT_WIDE_COLS) put the NAV, LIST and PREVIEW slots shown
 * side by side, in that order, each taking its share of the width (the last
 * one the rest); BOTTOM slots go across the bottom. Narrow screens stack one
 * list (a LIST slot shown, else the NAV one) over the preview, which is left
 * out when a BOTTOM slot is shown or the body has fewer than 12 rows. Below
 * LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS only a "terminal too small" screen fits.
 * A slot not placed has h == 0 and w == 0.
 */
#ifndef OHBROWSE_TUI_LAYOUT_H
#define OHBROWSE_TUI_LAYOUT_H

#include <stdbool.h>
#include <stddef.h>

#define LAYOUT_MIN_COLS 40
#define LAYOUT_MIN_ROWS 10
#define LAYOUT_WIDE_COLS 100

struct rect {
	int y, x, h, w;
};

enum layout_role {
	LAYOUT_NAV = 0,		/* the first column (the conversations) */
	LAYOUT_LIST,		/* a list about the NAV selection (files, events) */
	LAYOUT_PREVIEW,		/* what the cursor is on */
	LAYOUT_BOTTOM,		/* across the bottom (downloads) */
};

struct layout_slot {
	enum layout_role role;	/* in */
	bool shown;		/* in */
	int share;		/* in: wide screens: its part of the width among the columns shown */
	int rows;		/* in: BOTTOM: rows it would like (header included); at most 40% */
	struct rect r;		/* out */
};

struct layout {
	bool too_small;
	bool wide;
	struct rect title, status, message;
};

void layout_place(int rows, int cols, struct layout_slot *slots, size_t n, struct layout *out);
bool rect_empty(const struct rect *r);

#endif
