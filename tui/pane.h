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
	char find[128];		/* the search (/, n, N): rows containing it are highlighted */
	size_t find_row;	/* scroll-only panes: the row the last search found */
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
/*
 * Move to the next (dir 1) or previous (dir -1) row whose text contains p->find
 * (case-insensitive), starting after the current row (or at it when !skip),
 * wrapping around. Returns false when no row matches; *wrapped says the search
 * went past the end. Rows are the text ops->row() draws, so every pane can be
 * searched the same way (issue 14: search, not only filter).
 */
bool pane_find(struct pane *p, int dir, bool skip, bool *wrapped);
/* How many rows match p->find, and which of them (1-based) the cursor is on (0: none). */
size_t pane_find_count(struct pane *p, size_t *at);
/* Row index at screen line y, or (size_t)-1. */
size_t pane_row_at(struct pane *p, int y);
void pane_draw(struct pane *p);

#endif
