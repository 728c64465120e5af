/* tui/layout.c: pane rectangles from the terminal size and the slots' roles (see layout.h). */
#include "tui/layout.h"

#include <string.h>

static struct rect
rect_make(int y, int x, int h, int w)
{
	struct rect r = { y, x, h, w };
	if (h <= 0 || w <= 0)
		r.h = r.w = 0;
	return r;
}

bool
rect_empty(const struct rect *r)
{
	return r->h <= 0 || r->w <= 0;
}

/* Wide: the columns shown, in role order (NAV, LIST, PREVIEW), by share; the last takes the rest. */
static void
layout_columns(struct layout_slot *slots, size_t n, int top, int body, int cols)
{
	static const enum layout_role order[] = { LAYOUT_NAV, LAYOUT_LIST, LAYOUT_PREVIEW };
	struct layout_slot *col[16];
	size_t k = 0;
	int total = 0;
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++)
		for (size_t i = 0; i < n && k < sizeof(col) / sizeof(col[0]); i++)
			if (slots[i].shown && slots[i].role == order[o]) {
				col[k++] = &slots[i];
				total += slots[i].share;
			}
	int x = 0;
	for (size_t i = 0; i < k; i++) {
		int w = i + 1 == k ? cols - x : total > 0 ? cols * col[i]->share / total : 0;
		col[i]->r = rect_make(top, x, body, w);
		x += w;
	}
}

/* Narrow: one list (a LIST slot shown, else the NAV one), the preview below it when there is room. */
static void
layout_stack(struct layout_slot *slots, size_t n, int top, int body, int cols, bool bottom)
{
	struct layout_slot *list = NULL, *prev = NULL;
	for (size_t i = 0; i < n; i++) {
		if (!slots[i].shown)
			continue;
		if (slots[i].role == LAYOUT_LIST && (!list || list->role != LAYOUT_LIST))
			list = &slots[i];
		else if (slots[i].role == LAYOUT_NAV && !list)
			list = &slots[i];
		else if (slots[i].role == LAYOUT_PREVIEW && !prev)
			prev = &slots[i];
	}
	if (prev && (bottom || body < 12))
		prev = NULL;
	int list_h = prev ? body - body * 2 / 5 : body;
	if (list)
		list->r = rect_make(top, 0, list_h, cols);
	if (prev)
		prev->r = rect_make(top + list_h, 0, body - list_h, cols);
}

void
layout_place(int rows, int cols, struct layout_slot *slots, size_t n, struct layout *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 0; i < n; i++)
		memset(&slots[i].r, 0, sizeof(slots[i].r));
	if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
		out->too_small = true;
		return;
	}
	out->title = rect_make(0, 0, 1, cols);
	out->status = rect_make(rows - 2, 0, 1, cols);
	out->message = rect_make(rows - 1, 0, 1, cols);
	int top = 1;
	int body = rows - 3;
	out->wide = cols >= LAYOUT_WIDE_COLS;

	/* A bottom slot takes the bottom part: what it asks for, at most 40%. */
	bool bottom = false;
	for (size_t i = 0; i < n; i++) {
		if (!slots[i].shown || slots[i].role != LAYOUT_BOTTOM)
			continue;
		int h = slots[i].rows < 3 ? 3 : slots[i].rows;
		int cap = body * 2 / 5;
		if (cap < 3)
			cap = 3;
		if (h > cap)
			h = cap;
		slots[i].r = rect_make(top + body - h, 0, h, cols);
		body -= h;
		bottom = true;
	}
	if (out->wide)
		layout_columns(slots, n, top, body, cols);
	else
		layout_stack(slots, n, top, body, cols, bottom);
}
