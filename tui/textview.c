/* tui/textview.c: a full-text overlay, wrapped to the terminal (see textview.h). */
#include "tui/textview.h"

#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"
#include "tui/text.h"
#include "tui/tui.h"

static void
textview_drop_lines(struct textview *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->lines[i]);
	free(v->lines);
	v->lines = NULL;
	v->n = 0;
	v->wrapped_at = 0;
}

static void
textview_add(void *ud, const char *start, size_t len)
{
	struct textview *v = ud;
	v->lines = xrealloc(v->lines, (v->n + 1) * sizeof(*v->lines));
	v->lines[v->n++] = xstrndup(start, len);
}

static size_t
textview_count(struct pane *p)
{
	return ((struct textview *)p->ud)->n;
}

static void
textview_row(struct pane *p, size_t i, struct line *out, int width)
{
	struct textview *v = p->ud;
	line_add(out, v->role, v->lines[i]);
}

static void
textview_title(struct pane *p, struct line *out, int width)
{
	struct textview *v = p->ud;
	line_addf(out, ROLE_HEADER, "%s (Esc closes; j/k scroll)", v->title ? v->title : "");
}

static const struct pane_ops textview_ops = {
	.name = "text",
	.ctx = BIND_HELP,
	.count = textview_count,
	.row = textview_row,
	.title = textview_title,
};

void
textview_show(struct textview *v, const char *title, const char *text, enum role role)
{
	textview_free(v);
	v->title = xstrdup(title ? title : "");
	v->text = xstrdup(text ? text : "");
	v->role = role;
	pane_init(&v->pane, &textview_ops, v);
	v->pane.scroll_only = true;
	v->pane.boxed = true;
	v->open = true;
}

void
textview_close(struct textview *v)
{
	v->open = false;
}

void
textview_free(struct textview *v)
{
	textview_drop_lines(v);
	free(v->title);
	free(v->text);
	v->title = v->text = NULL;
	v->open = false;
}

void
textview_draw(struct textview *v, int rows, int cols)
{
	/* As wide as the terminal allows (a margin of one column), at most 120 so lines stay readable. */
	int w = cols - 2 > 120 ? 120 : cols - 2;
	int hh = rows - 2;
	if (w < 20 || hh < 4) {
		w = cols;
		hh = rows;
	}
	/* Only as tall as the text needs, so a short error reads as a box, not a page. */
	int inner = w - 2;
	if (v->wrapped_at != inner) {
		textview_drop_lines(v);
		text_wrap(v->text, inner, textview_add, v);
		v->wrapped_at = inner;
	}
	int want = (int)v->n + 3;
	if (want < hh)
		hh = want < 5 ? 5 : want;
	struct rect box = { (rows - hh) / 2, (cols - w) / 2, hh, w };
	tui_fill(&box, ROLE_NORMAL);
	tui_box(&box, ROLE_BORDER);
	v->pane.r = (struct rect){ box.y + 1, box.x + 1, box.h - 2, box.w - 2 };
	v->pane.focused = true;
	pane_draw(&v->pane);
}
