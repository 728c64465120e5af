/* tui/pane.c: generic scrolling list (see pane.h). */
#include "tui/pane.h"

#include <string.h>

#include "tui/tui.h"

void
pane_init(struct pane *p, const struct pane_ops *ops, void *ud)
{
	memset(p, 0, sizeof(*p));
	p->ops = ops;
	p->ud = ud;
}

bool
pane_visible(const struct pane *p)
{
	return !rect_empty(&p->r);
}

size_t
pane_rows(const struct pane *p)
{
	return p->r.h > 1 ? (size_t)(p->r.h - 1) : 1;
}

size_t
pane_count(struct pane *p)
{
	return p->ops->count(p);
}

void
pane_clamp(struct pane *p)
{
	size_t n = pane_count(p);
	size_t rows = pane_rows(p);
	if (p->scroll_only) {
		size_t max_top = n > rows ? n - rows : 0;
		if (p->top > max_top)
			p->top = max_top;
		p->cursor = p->top;
		return;
	}
	if (n == 0) {
		p->cursor = p->top = 0;
		return;
	}
	if (p->cursor >= n)
		p->cursor = n - 1;
	if (p->cursor < p->top)
		p->top = p->cursor;
	if (p->cursor >= p->top + rows)
		p->top = p->cursor - rows + 1;
	/* Do not leave blank rows at the bottom when there is more above. */
	if (p->top + rows > n)
		p->top = n > rows ? n - rows : 0;
}

void
pane_check_near_end(struct pane *p)
{
	if (!p->ops->on_near_end)
		return;
	size_t n = pane_count(p);
	if (n == 0 || p->cursor + pane_rows(p) >= n)
		p->ops->on_near_end(p);
}

void
pane_set_cursor(struct pane *p, size_t row)
{
	size_t old = p->cursor;
	if (p->scroll_only)
		p->top = row;
	p->cursor = row;
	pane_clamp(p);
	if (p->cursor != old && p->ops->on_cursor)
		p->ops->on_cursor(p);
	pane_check_near_end(p);
}

static size_t
pane_sub(size_t a, size_t b)
{
	return a > b ? a - b : 0;
}

unsigned
pane_action(struct pane *p, enum action a)
{
	size_t n = pane_count(p);
	size_t rows = pane_rows(p);
	size_t cur = p->scroll_only ? p->top : p->cursor;
	size_t last = n ? n - 1 : 0;
	switch (a) {
	case ACTION_MOVE_DOWN:
		pane_set_cursor(p, cur + 1 > last ? last : cur + 1);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_MOVE_UP:
		pane_set_cursor(p, pane_sub(cur, 1));
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_PAGE_DOWN:
		pane_set_cursor(p, cur + rows > last ? last : cur + rows);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_PAGE_UP:
		pane_set_cursor(p, pane_sub(cur, rows));
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_HALF_PAGE_DOWN:
		pane_set_cursor(p, cur + (rows + 1) / 2 > last ? last : cur + (rows + 1) / 2);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_HALF_PAGE_UP:
		pane_set_cursor(p, pane_sub(cur, (rows + 1) / 2));
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_FIRST:
		pane_set_cursor(p, 0);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_LAST:
		pane_set_cursor(p, last);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	default:
		break;
	}
	if (p->ops->on_action)
		return p->ops->on_action(p, a);
	return PANE_H_NONE;
}

/* Does row i's text contain the search? (Width 1000: the whole text, never cut.) */
static bool
pane_row_matches(struct pane *p, size_t i)
{
	struct line l;
	line_reset(&l, tui_utf8());
	p->ops->row(p, i, &l, 1000);
	return line_contains(line_text(&l), p->find);
}

/* The row a search steps from: the cursor, or in a scroll-only pane the row the
 * last search found while it is still on the screen (a match near the end cannot
 * scroll to the top line), else the top line. */
static size_t
pane_find_current(const struct pane *p)
{
	if (!p->scroll_only)
		return p->cursor;
	if (p->find_row >= p->top && p->find_row < p->top + pane_rows(p))
		return p->find_row;
	return p->top;
}

bool
pane_find(struct pane *p, int dir, bool skip, bool *wrapped)
{
	size_t n = pane_count(p);
	*wrapped = false;
	if (!p->find[0] || n == 0)
		return false;
	size_t cur = pane_find_current(p);
	if (cur >= n)
		cur = 0;
	for (size_t k = skip ? 1 : 0; k <= n; k++) {
		size_t i;
		if (dir >= 0) {
			i = (cur + k) % n;
			if (cur + k >= n)
				*wrapped = true;
		} else {
			i = (cur + n - k % n) % n;
			if (k > cur)
				*wrapped = true;
		}
		if (pane_row_matches(p, i)) {
			pane_set_cursor(p, i);
			p->find_row = i;
			return true;
		}
	}
	return false;
}

size_t
pane_find_count(struct pane *p, size_t *at)
{
	size_t n = pane_count(p), count = 0;
	size_t cur = pane_find_current(p);
	*at = 0;
	if (!p->find[0])
		return 0;
	for (size_t i = 0; i < n; i++) {
		if (pane_row_matches(p, i)) {
			count++;
			if (i == cur)
				*at = count;
		}
	}
	return count;
}

size_t
pane_row_at(struct pane *p, int y)
{
	if (!pane_visible(p) || y <= p->r.y || y >= p->r.y + p->r.h)
		return (size_t)-1;
	size_t row = p->top + (size_t)(y - p->r.y - 1);
	return row < pane_count(p) ? row : (size_t)-1;
}

void
pane_draw(struct pane *p)
{
	if (!pane_visible(p))
		return;
	struct line l;
	int w = p->r.w;
	int x = p->r.x;
	/* Panes to the right get a separator column on their left edge. */
	if (x > 0 && !p->boxed) {
		tui_vline(p->r.y, x, p->r.h, ROLE_BORDER);
		x++;
		w--;
	}
	line_reset(&l, tui_utf8());
	p->ops->title(p, &l, w);
	if (p->focused)
		for (int i = 0; i < l.nseg; i++)
			if (l.seg[i].role == ROLE_HEADER)
				l.seg[i].role = ROLE_HEADER_FOCUS;
	int tw = line_width(&l);
	tui_draw_line(p->r.y, x, tw < w ? tw : w, &l, p->focused ? ROLE_HEADER_FOCUS : ROLE_HEADER,
		      false, false);
	if (tw < w) {
		tui_draw_text(p->r.y, x + tw, 1, ROLE_NORMAL, " ");
		tui_hline(p->r.y, x + tw + 1, w - tw - 1, ROLE_BORDER);
	}
	pane_clamp(p);
	size_t n = pane_count(p);
	size_t rows = pane_rows(p);
	for (size_t i = 0; i < rows && p->top + i < n; i++) {
		size_t row = p->top + i;
		line_reset(&l, tui_utf8());
		p->ops->row(p, row, &l, w);
		if (p->find[0])
			line_highlight(&l, p->find, ROLE_SEARCH_HIT);
		bool sel = !p->scroll_only && row == p->cursor;
		tui_draw_line(p->r.y + 1 + (int)i, x, w, &l, ROLE_NORMAL, sel, p->focused);
	}
}
