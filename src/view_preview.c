/*
 * src/view_preview.c: the preview view -- what the focused list's cursor is on
 * (a file, its diff, a directory, an event or the conversation's details),
 * wrapping and line numbers, and its pane ops.
 */
#include "src/view.h"

#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"
#include "tui/text.h"
#include "tui/tui.h"

/* ---- preview ---- */

static void
app_on_preview(void *ud, const char *text, size_t len, bool binary, bool truncated,
	       const struct api_error *err)
{
	struct app *a = ud;
	a->pv.preview_op = NULL;
	a->dirty = true;
	if (err && err->kind != API_OK && !binary) {
		preview_set_error(&a->pv.preview, err->message);
		return;
	}
	preview_set_text(&a->pv.preview, text, len, binary, truncated);
	a->panes[PANE_PREVIEW].top = 0;
}

static void
app_preview_dir(struct app *a, const struct file_node *n)
{
	size_t dirs = 0, files = 0;
	int64_t bytes = 0;
	bool unknown = false;
	for (size_t i = 0; i < n->n_children; i++) {
		const struct file_node *c = &a->fl.tree.nodes[n->children[i]];
		if (c->type == API_DIR)
			dirs++;
		else {
			files++;
			if (c->size > 0)
				bytes += c->size;
			else if (c->size < 0)
				unknown = true;
		}
	}
	char size[48], title[600];
	app_size_words(size, sizeof(size), bytes, unknown);
	struct strbuf sb = { 0 };
	if (n->listed)
		strbuf_printf(&sb, "Directory %s/\n%zu directories, %zu files, %s\n", n->path, dirs,
			      files, size);
	else
		strbuf_printf(&sb, "Directory %s/\nnot listed yet: Enter expands it\n", n->path);
	snprintf(title, sizeof(title), "%s/", n->path);
	preview_set_lines(&a->pv.preview, title, sb.buf);
	strbuf_free(&sb);
}

void
app_preview_follow(struct app *a)
{
	api_op_cancel(&a->pv.preview_op);
	a->pv.preview_op = NULL;
	a->panes[PANE_PREVIEW].top = 0;
	a->dirty = true;
	if (a->preview_source == PANE_EVENTS && a->ev.events_open) {
		app_preview_event(a, false);
		return;
	}
	if (a->preview_source == PANE_CONV || !a->fl.files_open) {
		struct api_conversation *c = app_current_conv(a);
		if (c)
			app_preview_conv(a, c);
		else
			preview_set_lines(&a->pv.preview, "", "");
		return;
	}
	struct file_node *n = app_current_node(a, NULL);
	if (!n) {
		preview_set_lines(&a->pv.preview, "", "");
		return;
	}
	if (n->type == API_DIR) {
		app_preview_dir(a, n);
		return;
	}
	if (n->link && n->change != API_CHANGE_DELETED) {
		/* a link is never read through: it may point anywhere, even outside the sandbox */
		char *text = xasprintf("symbolic link -> %s\n\nohbrowse does not follow links; a download "
				       "keeps it as a link.\n", n->link);
		preview_set_lines(&a->pv.preview, n->path, text);
		free(text);
		return;
	}
	bool diff = n->change == API_CHANGE_MODIFIED || n->change == API_CHANGE_RENAMED ||
		    n->change == API_CHANGE_DELETED;
	preview_begin(&a->pv.preview, n->path, n->size, diff);
	if (diff)
		api_op_hold(&a->pv.preview_op, api_diff(a->client, &a->fl.conv, n->path, app_on_preview, a));
	else
		api_op_hold(&a->pv.preview_op, api_preview(a->client, &a->fl.conv, n->path, PREVIEW_MAX, app_on_preview, a));
}

/* ---- pane ops: preview ---- */

/* Columns of the line-number gutter (digits and a space), 0 when off. */
static int
preview_gutter(const struct app *a)
{
	if (!a->pv.pv_numbers)
		return 0;
	int d = 1;
	for (size_t n = a->pv.preview.n_lines; n >= 10; n /= 10)
		d++;
	return d + 1;
}

struct preview_wrap_ctx {
	struct app *a;
	size_t line;
	const char *base;
};

static void
preview_wrap_add(void *ud, const char *start, size_t len)
{
	struct preview_wrap_ctx *w = ud;
	struct app *a = w->a;
	if (a->pv.wr_n == a->pv.wr_cap) {
		a->pv.wr_cap = a->pv.wr_cap ? a->pv.wr_cap * 2 : 256;
		a->pv.wr_line = xrealloc(a->pv.wr_line, a->pv.wr_cap * sizeof(*a->pv.wr_line));
		a->pv.wr_off = xrealloc(a->pv.wr_off, a->pv.wr_cap * sizeof(*a->pv.wr_off));
		a->pv.wr_len = xrealloc(a->pv.wr_len, a->pv.wr_cap * sizeof(*a->pv.wr_len));
	}
	a->pv.wr_line[a->pv.wr_n] = w->line;
	a->pv.wr_off[a->pv.wr_n] = (size_t)(start - w->base);
	a->pv.wr_len[a->pv.wr_n] = len;
	a->pv.wr_n++;
}

/* The wrapped rows for the preview pane's current width (cached). */
static void
preview_wrap(struct app *a, struct pane *p)
{
	int width = p->r.w - (p->r.x > 0 ? 1 : 0) - preview_gutter(a);
	if (width < 10)
		width = 10;
	if (a->pv.wr_key == (const void *)a->pv.preview.lines && a->pv.wr_gen == a->pv.preview.generation &&
	    a->pv.wr_width == width)
		return;
	a->pv.wr_n = 0;
	for (size_t i = 0; i < a->pv.preview.n_lines; i++) {
		struct preview_wrap_ctx w = { a, i, a->pv.preview.lines[i] };
		text_wrap(a->pv.preview.lines[i], width, preview_wrap_add, &w);
	}
	a->pv.wr_key = a->pv.preview.lines;
	a->pv.wr_gen = a->pv.preview.generation;
	a->pv.wr_width = width;
}

static size_t
preview_count(struct pane *p)
{
	struct app *a = p->ud;
	if (a->pv.preview.state == MODEL_LOADING || a->pv.preview.state == MODEL_FAILED || a->pv.preview.binary)
		return 1;
	size_t n = a->pv.preview.n_lines;
	if (a->pv.pv_wrap) {
		preview_wrap(a, p);
		n = a->pv.wr_n;
	}
	return n + (a->pv.preview.truncated ? 1 : 0);
}

static void
preview_row(struct pane *p, size_t i, struct line *l, int width)
{
	struct app *a = p->ud;
	struct preview *pv = &a->pv.preview;
	char size[32];
	if (pv->state == MODEL_LOADING) {
		line_add(l, ROLE_MUTED, tui_utf8() ? "Loading\xe2\x80\xa6" : "Loading...");
		return;
	}
	if (pv->state == MODEL_FAILED) {
		line_add(l, ROLE_ERROR, pv->error);
		return;
	}
	if (pv->binary) {
		text_size(size, sizeof(size), pv->size);
		if (pv->size >= 0)
			line_addf(l, ROLE_MUTED, "binary, %lld bytes (%s)", (long long)pv->size, size);
		else
			line_add(l, ROLE_MUTED, "binary file");
		return;
	}
	size_t li = i, off = 0, len = (size_t)-1;
	if (a->pv.pv_wrap) {
		preview_wrap(a, p);
		if (i < a->pv.wr_n) {
			li = a->pv.wr_line[i];
			off = a->pv.wr_off[i];
			len = a->pv.wr_len[i];
		} else {
			li = pv->n_lines;
		}
	}
	if (li >= pv->n_lines) {
		line_addf(l, ROLE_MUTED, "... (preview stops at %d KiB)", PREVIEW_MAX / 1024);
		return;
	}
	int gutter = preview_gutter(a);
	if (gutter) {
		/* The number on a line's first row only; its wrapped rows leave the gutter blank. */
		if (off == 0)
			line_addf(l, ROLE_MUTED, "%*zu ", gutter - 1, li + 1);
		else
			line_addf(l, ROLE_MUTED, "%*s", gutter, "");
	}
	char piece[LINE_BUF];
	const char *s = pv->lines[li];
	if (a->pv.pv_wrap) {
		snprintf(piece, sizeof(piece), "%.*s", (int)(len < sizeof(piece) ? len : sizeof(piece) - 1), s + off);
	}
	enum role r = ROLE_NORMAL;
	if (pv->is_diff) {
		if (s[0] == '+' && strncmp(s, "+++", 3) != 0)
			r = ROLE_DIFF_ADD;
		else if (s[0] == '-' && strncmp(s, "---", 3) != 0)
			r = ROLE_DIFF_DEL;
		else if (s[0] == '@')
			r = ROLE_DIFF_HUNK;
	}
	line_add(l, r, a->pv.pv_wrap ? piece : s);
}

static void
preview_title(struct pane *p, struct line *l, int width)
{
	struct app *a = p->ud;
	const char *path = a->pv.preview.path;
	if (path && strcmp(path, "conversation") == 0)
		line_add(l, ROLE_HEADER, "Details");
	else if (path && strncmp(path, "event ", 6) == 0)
		line_addf(l, ROLE_HEADER, "Event %s", path + 6);
	else if (path && *path)
		line_addf(l, ROLE_HEADER, "%s: %s", a->pv.preview.is_diff ? "Diff" : "Preview", path);
	else
		line_add(l, ROLE_HEADER, "Preview");
}

static unsigned
preview_on_action(struct pane *p, enum action act)
{
	struct app *a = p->ud;
	switch (act) {
	case ACTION_WRAP:
	case ACTION_LINE_NUMBERS: {
		/* Keep the first line shown at the top across the change. */
		size_t line = p->top;
		if (a->pv.pv_wrap && a->pv.preview.state == MODEL_DONE) {
			preview_wrap(a, p);
			if (p->top < a->pv.wr_n)
				line = a->pv.wr_line[p->top];
		}
		if (act == ACTION_WRAP)
			a->pv.pv_wrap = !a->pv.pv_wrap;
		else
			a->pv.pv_numbers = !a->pv.pv_numbers;
		size_t top = line;
		if (a->pv.pv_wrap) {
			preview_wrap(a, p);
			for (top = 0; top < a->pv.wr_n && a->pv.wr_line[top] < line; top++)
				;
		}
		p->top = top;
		pane_clamp(p);
		if (act == ACTION_WRAP)
			app_message(a, ROLE_NORMAL, "Long lines %s (w)", a->pv.pv_wrap ? "wrap" : "are cut");
		else
			app_message(a, ROLE_NORMAL, "Line numbers %s (L)", a->pv.pv_numbers ? "on" : "off");
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	case ACTION_OPEN:
		if (a->pv.preview.state != MODEL_FAILED)
			return PANE_H_NONE;
		app_show_text(a, a->pv.preview.path ? a->pv.preview.path : "Preview", ROLE_ERROR, "%s",
			      a->pv.preview.error);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_DOWNLOAD:
		app_download_prompt(a, true);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_BACK:
		app_focus(a, a->preview_source);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	default:
		return PANE_H_NONE;
	}
}

static const struct pane_ops preview_ops = {
	.name = "preview",
	.ctx = BIND_PREVIEW,
	.count = preview_count,
	.row = preview_row,
	.title = preview_title,
	.on_action = preview_on_action,
};

/* ---- the view ---- */

static void
preview_view_init(struct app *a)
{
	preview_init(&a->pv.preview);
}

static void
preview_stop(struct app *a)
{
	api_op_cancel(&a->pv.preview_op);
	a->pv.preview_op = NULL;
}

static void
preview_view_free(struct app *a)
{
	free(a->pv.wr_line);
	free(a->pv.wr_off);
	free(a->pv.wr_len);
	preview_free(&a->pv.preview);
}

static void
preview_place(const struct app *a, bool wide, struct layout_slot *s)
{
	s->shown = true;	/* narrow screens leave it out for the downloads or when short */
	s->share = 30;
}

/* Narrow screens with the downloads shown have no room for it. */
static bool
preview_focusable(const struct app *a)
{
	return a->layout.wide || !app_downloads_shown(a);
}

static bool
preview_busy(const struct app *a)
{
	return a->pv.preview_op != NULL;
}

/* Esc after Enter on an event: back to the events. */
static bool
preview_close(struct app *a)
{
	if (!a->ev.events_open || a->preview_source != PANE_EVENTS)
		return false;
	app_focus(a, PANE_EVENTS);
	return true;
}

static const char *
preview_copy(struct app *a, const char **what)
{
	if (a->preview_source == PANE_EVENTS && a->ev.events_open)
		return app_event_copy(a, what);
	if (a->pv.preview.path && a->preview_source == PANE_FILES) {
		*what = "the path";
		return a->pv.preview.path;
	}
	*what = "the text";
	return a->pv.preview.text;
}

/* o / e: the event or the file it shows, else its lines (the details). */
static bool
preview_hand(struct app *a)
{
	if (a->preview_source == PANE_EVENTS && a->ev.events_open && app_event_hand(a))
		return true;
	if (a->preview_source == PANE_FILES && app_file_hand(a))
		return true;
	if (a->pv.preview.state != MODEL_DONE || !a->pv.preview.n_lines)
		return false;
	struct strbuf sb = { 0 };
	for (size_t i = 0; i < a->pv.preview.n_lines; i++)
		strbuf_printf(&sb, "%s\n", a->pv.preview.lines[i]);
	app_hand_run(a, "details.txt", sb.buf, sb.len);
	strbuf_free(&sb);
	return true;
}

static void
preview_position(struct app *a, char *buf, size_t n)
{
	struct pane *p = &a->panes[PANE_PREVIEW];
	if (!a->pv.preview.n_lines)
		return;
	size_t line = p->top;
	if (a->pv.pv_wrap && a->pv.preview.state == MODEL_DONE && !a->pv.preview.binary) {
		preview_wrap(a, p);	/* top counts wrapped rows: say the text's line */
		line = p->top < a->pv.wr_n ? a->pv.wr_line[p->top] : a->pv.preview.n_lines - 1;
	}
	snprintf(buf, n, "line %zu/%zu", line + 1, a->pv.preview.n_lines);
}

static const struct view_hint preview_hints[] = {
	{ ACTION_MOVE_DOWN, "scroll" }, { ACTION_BACK, "back" }, { ACTION_SEARCH, "search" },
	{ ACTION_WRAP, "wrap" }, { ACTION_PAGER, "pager" }, { ACTION_DOWNLOAD, "download" },
	{ ACTION_HELP, "help" }, { ACTION_QUIT, "quit" }, { ACTION_NONE, NULL },
};

const struct view_ops view_preview = {
	.pane = &preview_ops,
	.role = LAYOUT_PREVIEW,
	.scroll_only = true,
	.hints = preview_hints,
	.init = preview_view_init,
	.stop = preview_stop,
	.free = preview_view_free,
	.place = preview_place,
	.focusable = preview_focusable,
	.busy = preview_busy,
	.close = preview_close,
	.copy = preview_copy,
	.hand = preview_hand,
	.position = preview_position,
};
