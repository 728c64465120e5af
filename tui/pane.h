/*
 * tui/pane.h: a generic scrolling list with a cursor, driven by an ops table.
 *
 * Owns: cursor and scroll position, page movement, and the header row. What a
 * row says comes from ops->row() (the controller fills a struct line), so a
 * pane never knows about conversations or files. Handlers return PANE_H_*
 * flags; a pane never redraws another pane. scroll_only panes (the preview)
 * have no visible cursor: movement scrolls the text.
 */
#ifndef OHBROWSE_TUI_PANE_H
#define OHBROWSE_TUI_PANE_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/actions.h"
#include "tui/bindings.h"
#include "tui/layout.h"
#include "tui/line.h"

enum {
	PANE_H_NONE = 0,
	PANE_H_HANDLED = 1 << 0,
	PANE_H_REDRAW = 1 << 1,
	PANE_H_RELAYOUT = 1 << 2,
	PANE_H_QUIT = 1 << 3,
};

struct pane;

struct pane_ops {
	const char *name;
	enum bind_context ctx;
	size_t (*count)(struct pane *p);
	void (*row)(struct pane *p, size_t i, struct line *out, int width);
	void (*title)(struct pane *p, struct line *out, int width);
	void (*on_cursor)(struct pane *p);		/* may be NULL */
	void (*on_near_end)(struct pane *p);		/* may be NULL */
	unsigned (*on_action)(struct pane *p, enum action a);	/* may be NULL */
};

struct pane {
	const struct pane_ops *ops;
	void *ud;
	struct rect r;
	size_t cursor, top;
	bool focused;
	bool scroll_only;
	bool boxed;		/* inside an overlay's box: no separator column of its own */
};

void pane_init(struct pane *p, const struct pane_ops *ops, void *ud);
bool pane_visible(const struct pane *p);
/* Rows available for list items (the rect minus the header row). */
size_t pane_rows(const struct pane *p);
size_t pane_count(struct pane *p);
/* Movement actions are handled here; the rest go to ops->on_action. */
unsigned pane_action(struct pane *p, enum action a);
void pane_set_cursor(struct pane *p, size_t row);
/* Keep cursor and top valid after the row count or the size changed. */
void pane_clamp(struct pane *p);
/* Call on_near_end when the cursor is within one page of the end. */
void pane_check_near_end(struct pane *p);
/* Row index at screen line y, or (size_t)-1. */
size_t pane_row_at(struct pane *p, int y);
void pane_draw(struct pane *p);

#endif
