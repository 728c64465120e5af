/*
 * tui/textview.h: an overlay that shows one text in full, word-wrapped to the
 * terminal and scrollable (errors, the message log).
 *
 * Owns: a copy of the text and its wrapped lines, re-wrapped whenever the box
 * width changes, and the scroll position (a scroll-only pane). Opened by the
 * controller (Enter on an error, the messages action); keys reach it as
 * actions in the help context, like the help overlay.
 */
#ifndef OHBROWSE_TUI_TEXTVIEW_H
#define OHBROWSE_TUI_TEXTVIEW_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/colors.h"
#include "tui/pane.h"

struct textview {
	char *title;
	char *text;
	enum role role;
	char **lines;
	size_t n;
	int wrapped_at;		/* the width the lines were wrapped to (0: not yet) */
	struct pane pane;
	bool open;
};

/* Show text (copied) under title; role colours the text (ROLE_ERROR for errors). */
void textview_show(struct textview *v, const char *title, const char *text, enum role role);
void textview_close(struct textview *v);
void textview_free(struct textview *v);
void textview_draw(struct textview *v, int rows, int cols);

#endif
