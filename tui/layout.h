/*
 * tui/layout.h: screen size -> pane rectangles (pure; no curses).
 *
 * The screen is a title row, the panes, a key-hint row and a message row.
 * Wide screens (>= LAYOUT_WIDE_COLS) put conversations | files | preview
 * side by side with the downloads pane across the bottom; the events pane,
 * when shown, takes the files pane's place (conversations | events | preview).
 * Narrow screens stack one list pane over the preview (or the downloads). Below
 * LAYOUT_MIN_COLS x LAYOUT_MIN_ROWS only a "terminal too small" screen fits.
 * A hidden pane has h == 0 and w == 0.
 */
#ifndef OHBROWSE_TUI_LAYOUT_H
#define OHBROWSE_TUI_LAYOUT_H

#include <stdbool.h>

#define LAYOUT_MIN_COLS 40
#define LAYOUT_MIN_ROWS 10
#define LAYOUT_WIDE_COLS 100

struct rect {
	int y, x, h, w;
};

struct layout_req {
	int rows, cols;
	bool show_conv;		/* narrow screens show one of conv/files: the caller picks */
	bool show_files;
	bool show_events;	/* replaces the files pane while shown */
	bool show_preview;
	bool show_downloads;
	int downloads_rows;	/* rows the downloads pane would like (header included) */
};

struct layout {
	bool too_small;
	bool wide;
	struct rect title, conv, files, events, preview, downloads, status, message;
};

void layout_compute(const struct layout_req *req, struct layout *out);
bool rect_empty(const struct rect *r);

#endif
