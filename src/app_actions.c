/*
 * src/app_actions.c: what every pane shares -- the message row and its log,
 * focus, the title and hint bars, the / search, y (copy), o / e (the pager or
 * the editor) and the generic actions (see view.h).
 */
#include "src/view.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "src/export.h"
#include "src/base/util.h"
#include "tui/text.h"
#include "tui/tui.h"

#define MESSAGE_MS 6000

void
app_message(struct app *a, enum role role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->message, sizeof(a->message), fmt, ap);
	va_end(ap);
	if (role != ROLE_MUTED) {	/* "does nothing" hints are not worth keeping */
		char when[16] = "";
		time_t t = (time_t)clock_wall_s();
		struct tm tm;
		if (gmtime_r(&t, &tm))
			strftime(when, sizeof(when), "%H:%M:%S", &tm);
		if (a->n_log == APP_LOG_MAX) {
			free(a->log[0]);
			memmove(a->log, a->log + 1, (APP_LOG_MAX - 1) * sizeof(*a->log));
			a->n_log--;
		}
		a->log[a->n_log++] = xasprintf("%s%s  %s", role == ROLE_ERROR ? "! " : "  ", when, a->message);
	}
	a->message_role = role;
	a->message_until = clock_now_ms() + MESSAGE_MS;
	a->dirty = true;
}

/*
 * A size that may be partly or wholly unknown (V0 listings give no sizes):
 * "1.2 KiB", "at least 1.2 KiB", or "size unknown" -- never a made-up 0 B
 * (issue 14, item 10).
 */
void
app_size_words(char *buf, size_t n, int64_t bytes, bool unknown)
{
	char size[32];
	text_size(size, sizeof(size), bytes);
	if (unknown && bytes <= 0)
		snprintf(buf, n, "size unknown");
	else
		snprintf(buf, n, "%s%s", unknown ? "at least " : "", size);
}

void
app_show_text(struct app *a, const char *title, enum role role, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *text = NULL;
	if (vasprintf(&text, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	textview_show(&a->view, title, text, role);
	free(text);
	a->dirty = true;
}

static void
app_show_log(struct app *a)
{
	struct strbuf sb = { 0 };
	for (size_t i = 0; i < a->n_log; i++)
		strbuf_printf(&sb, "%s\n", a->log[i]);
	textview_show(&a->view, "Messages (newest last; ! marks errors)", a->n_log ? sb.buf : "No messages yet.",
		      ROLE_NORMAL);
	a->view.pane.top = a->n_log;	/* clamped to the end when drawn */
	strbuf_free(&sb);
	a->dirty = true;
}

void
app_focus(struct app *a, enum pane_id id)
{
	a->focus = id;
	if (app_views[id]->previewed)
		a->preview_source = id;
	a->dirty = true;
}

struct pane *
app_pane(struct app *a, enum pane_id id)
{
	return &a->panes[id];
}

bool
app_show_loading_row(struct app *a, enum model_state st, int64_t since)
{
	if (st != MODEL_LOADING)
		return false;
	return a->script || clock_now_ms() - since >= LOADING_DELAY_MS;
}

void
app_status_hints(struct app *a, struct line *l)
{
	enum bind_context ctx = a->panes[a->focus].ops->ctx;
	for (const struct view_hint *h = app_views[a->focus]->hints; h && h->act != ACTION_NONE; h++) {
		char key[32];
		help_first_key(&a->bindings, ctx, h->act, key, sizeof(key));
		if (!key[0])
			continue;
		line_add(l, ROLE_STATUS_KEY, key);
		line_addf(l, ROLE_STATUS, " %s  ", h->label);
	}
}

/*
 * The status part of the title bar (issue 14, "a status line"): where the cursor
 * is in the focused pane, the marks, what runs in the background, the sort and
 * the filter. Items are dropped, least useful first, until it fits in room.
 */
static void
app_status_right(struct app *a, char *buf, size_t n, int room)
{
	enum { ST_POS, ST_MARKS, ST_BG, ST_SORT, ST_FILTER, ST_COUNT };
	char item[ST_COUNT][300];
	memset(item, 0, sizeof(item));
	struct pane *p = &a->panes[a->focus];
	size_t total = pane_count(p);
	if (app_views[a->focus]->position)
		app_views[a->focus]->position(a, item[ST_POS], sizeof(item[0]));
	else if (total)
		snprintf(item[ST_POS], sizeof(item[0]), "%zu/%zu", p->cursor + 1, total);
	if (a->fl.files_open) {
		struct file_selection sel;
		file_tree_selection(&a->fl.tree, &sel);
		if (sel.roots) {
			char sz[48];
			app_size_words(sz, sizeof(sz), sel.bytes, sel.size_unknown);
			snprintf(item[ST_MARKS], sizeof(item[0]), "%zu marked, %s", sel.files, sz);
		}
	}
	if (app_export_running(a)) {
		struct export_totals t;
		export_totals(a->dl.export, &t);
		if (t.bytes_total > 0)
			snprintf(item[ST_BG], sizeof(item[0]), "downloading %d%%",
				 (int)(t.bytes_done * 100 / t.bytes_total));
		else
			snprintf(item[ST_BG], sizeof(item[0]), "downloading");
		if (a->dl.n_queue)
			snprintf(item[ST_BG] + strlen(item[ST_BG]), sizeof(item[0]) - strlen(item[ST_BG]),
				 " +%zu queued", a->dl.n_queue);
	} else if (a->cv.wake_op) {
		snprintf(item[ST_BG], sizeof(item[0]), "waking %s", a->cv.wake_title);
	} else if (a->ev.follow) {
		snprintf(item[ST_BG], sizeof(item[0]), "following");
	}
	if (a->focus == PANE_CONV || !a->layout.wide)
		snprintf(item[ST_SORT], sizeof(item[0]), "%s%s", conv_sort_name(a->cv.convs.sort), app_sort_arrow(a));
	if (a->cv.convs.filter)
		snprintf(item[ST_FILTER], sizeof(item[0]), "/%s", a->cv.convs.filter);
	/* Drop from the least useful until it fits. */
	static const int order[ST_COUNT] = { ST_POS, ST_SORT, ST_FILTER, ST_MARKS, ST_BG };
	static const int drop[ST_COUNT] = { ST_FILTER, ST_SORT, ST_BG, ST_MARKS, ST_POS };
	for (int d = 0; d <= ST_COUNT; d++) {
		struct strbuf sb = { 0 };
		for (int i = 0; i < ST_COUNT; i++) {
			if (!item[order[i]][0])
				continue;
			if (sb.len)
				strbuf_puts(&sb, "  ");
			strbuf_puts(&sb, item[order[i]]);
		}
		bool fits = !sb.buf || text_width(sb.buf) <= room;
		if (fits || d == ST_COUNT) {
			snprintf(buf, n, "%s", fits && sb.buf ? sb.buf : "");
			strbuf_free(&sb);
			return;
		}
		strbuf_free(&sb);
		item[drop[d]][0] = '\0';
	}
}

/* The title bar: the program, where the conversations come from, and the status items. */
void
app_draw_title(struct app *a, int cols)
{
	struct line l;
	line_reset(&l, tui_utf8());
	line_add(&l, ROLE_TITLE, " ohbrowse");
	if (app_source_local(a))
		line_addf(&l, ROLE_TITLE, "  local: %s", api_client_local_dir(a->client));
	else if (a->opts->server_label)
		line_addf(&l, ROLE_TITLE, "  %s", a->opts->server_label);
	if (a->opts->demo)
		line_add(&l, ROLE_TITLE, "  [demo data]");
	char counts[1024];
	int lw = line_width(&l);
	app_status_right(a, counts, sizeof(counts), cols - lw - 3);
	int cw = text_width(counts) + 1;
	if (counts[0] && lw + cw + 1 < cols) {
		for (int i = lw; i < cols - cw; i++)
			line_add(&l, ROLE_TITLE, " ");
		line_add(&l, ROLE_TITLE, counts);
	}
	tui_draw_line(a->layout.title.y, 0, cols, &l, ROLE_TITLE, false, false);
}

void
app_draw_message(struct app *a, int cols)
{
	char key[32];
	help_first_key(&a->bindings, BIND_GENERIC, ACTION_MESSAGES, key, sizeof(key));
	if (text_width(a->message) <= cols || !key[0]) {
		tui_draw_text(a->layout.message.y, 0, cols, a->message_role, a->message);
		return;
	}
	struct line l;
	char hint[48];
	snprintf(hint, sizeof(hint), " %s: all", key);
	line_reset(&l, tui_utf8());
	line_add_fit(&l, a->message_role, a->message, cols - text_width(hint), false);
	line_add(&l, ROLE_STATUS_KEY, hint);
	tui_draw_line(a->layout.message.y, 0, cols, &l, ROLE_NORMAL, false, false);
}

/* ---- actions and keys ---- */

/* Tab and Shift-Tab: the next pane that takes the focus, in pane order. */
static void
app_cycle_focus(struct app *a, int dir)
{
	enum pane_id order[PANE_COUNT];
	int n = 0;
	for (int i = 0; i < PANE_COUNT; i++)
		if (!app_views[i]->focusable || app_views[i]->focusable(a))
			order[n++] = (enum pane_id)i;
	int cur = 0;
	for (int i = 0; i < n; i++)
		if (order[i] == a->focus)
			cur = i;
	cur = (cur + dir + n) % n;
	app_focus(a, order[cur]);
	if (app_views[order[cur]]->previewed)
		app_preview_follow(a);
}

/* Find in pane p; the files pane searches the whole tree (collapsed directories too)
 * and expands the way to the match. */
/* Find in pane p: the view's own search when it has one, else the rows' text. */
bool
app_find(struct app *a, struct pane *p, int dir, bool skip, bool *wrapped)
{
	const struct view_ops *v = app_views[p - a->panes];
	return v->find ? v->find(a, p, dir, skip, wrapped) : pane_find(p, dir, skip, wrapped);
}

#define APP_COPY_MAX (100 * 1000)	/* terminals refuse much larger OSC 52 payloads */
#define APP_HAND_MAX (16 * 1024 * 1024)	/* o / e read a file whole up to this size */

/* Give the terminal to the pager or the editor on a copy of text; the loop collects it. */
void
app_hand_run(struct app *a, const char *name, const char *text, size_t len)
{
	char err[512];
	const char *cmd = a->hand_editor ? handover_editor() : handover_pager();
	tui_suspend();
	if (!handover_start(&a->hand, cmd, name, text, len, a->hand_editor, tui_stderr_fd(), err, sizeof(err))) {
		tui_resume();
		app_message(a, ROLE_ERROR, "%s", err);
	}
	a->dirty = true;
}

static void
app_on_hand_fetch(void *ud, const char *text, size_t len, bool binary, bool truncated, const struct api_error *err)
{
	struct app *a = ud;
	a->hand_op = NULL;
	if (err && err->kind != API_OK) {
		app_message(a, ROLE_ERROR, "%s", err->message);
		return;
	}
	if (binary) {
		app_message(a, ROLE_WARNING, "%s is a binary file: d downloads it", a->hand_name);
		return;
	}
	if (truncated)
		app_message(a, ROLE_WARNING, "%s: only the first %d MiB are shown", a->hand_name,
			    APP_HAND_MAX / (1024 * 1024));
	app_hand_run(a, a->hand_name, text, len);
}

/* Read a file whole first (up to APP_HAND_MAX), then hand it over (a file the preview cut). */
void
app_hand_fetch(struct app *a, const struct api_conversation *conv, const char *path)
{
	free(a->hand_name);
	a->hand_name = xstrdup(path);
	app_message(a, ROLE_NORMAL, "Reading %s for %s...", path, a->hand_editor ? "the editor" : "the pager");
	api_op_hold(&a->hand_op, api_preview(a->client, conv, path, APP_HAND_MAX, app_on_hand_fetch, a));
}

/*
 * o and e (issue 14, reading text): what the focused view holds -- the file,
 * the diff, the event's text or the details -- in $PAGER or, as a read-only
 * copy, in $EDITOR. The terminal is handed over and taken back when the
 * program ends; transfers keep running meanwhile.
 */
static void
app_hand(struct app *a, bool editor)
{
	if (a->hand.pid || a->hand_op)
		return;
	a->hand_editor = editor;
	const struct view_ops *v = app_views[a->focus];
	if (!v->hand || !v->hand(a))
		app_message(a, ROLE_MUTED, "Nothing to open here (a file, an event or the preview)");
}

/* The loop's part: once the pager or the editor ended, take the terminal back. */
void
app_hand_poll(struct app *a)
{
	if (!a->hand.pid)
		return;
	char program[64];
	snprintf(program, sizeof(program), "%s", a->hand.program);
	int rc = handover_poll(&a->hand);
	if (rc < 0)
		return;
	tui_resume();
	a->urgent = a->dirty = true;
	if (rc == 127)
		app_message(a, ROLE_ERROR, "%s could not be run (exit 127): set %s", program,
			    a->hand_editor ? "$EDITOR" : "$PAGER");
	else if (rc)
		app_message(a, ROLE_WARNING, "%s ended with status %d", program, rc);
	else
		app_message(a, ROLE_NORMAL, "Back from %s", program);
}

/*
 * y: what the focused pane is about goes to the clipboard through the terminal
 * (OSC 52: works over ssh and in tmux): the conversation's id in the list, the
 * file's path in the files pane and the preview of a file, the whole text of
 * the event in the events pane or its preview, the archive's path (or a failed
 * file's reason) in the downloads. The message says what was copied.
 */
static void
app_copy(struct app *a)
{
	const char *what = NULL;
	const struct view_ops *v = app_views[a->focus];
	const char *text = v->copy ? v->copy(a, &what) : NULL;
	if (!text || !*text) {
		app_message(a, ROLE_MUTED, "Nothing to copy here");
		return;
	}
	size_t len = strlen(text);
	bool cut = len > APP_COPY_MAX;
	if (cut) {
		len = APP_COPY_MAX;
		while (len > 0 && ((unsigned char)text[len] & 0xc0) == 0x80)
			len--;	/* never half a character */
	}
	if (!tui_clipboard(text, len) && !a->script) {
		app_message(a, ROLE_WARNING, "Cannot write to the terminal: nothing copied");
		return;
	}
	if (len < 60 && !strchr(text, '\n'))
		app_message(a, ROLE_NORMAL, "Copied %s: %s (OSC 52)", what, text);
	else
		app_message(a, ROLE_NORMAL, "Copied %s, %zu bytes%s (OSC 52)", what, len,
			    cut ? ", cut: terminals refuse more" : "");
}

/* / in a pane that searches (files, preview, downloads): a live search prompt. */
static void
app_search_open(struct app *a)
{
	struct pane *p = &a->panes[a->focus];
	a->find_pane = a->focus;
	a->find_origin = p->scroll_only ? p->top : p->cursor;
	snprintf(a->find_before, sizeof(a->find_before), "%s", p->find);
	prompt_input(&a->prompt, PURPOSE_SEARCH, "Search:", NULL, false);	/* Esc keeps the old one */
	a->dirty = true;
}

/* n / N: the next or previous row with the search (in the events pane, the filter's text). */
static void
app_search_step(struct app *a, int dir, bool skip)
{
	struct pane *p = &a->panes[a->focus];
	if (!p->find[0]) {
		char key[32];
		help_first_key(&a->bindings, p->ops->ctx, ACTION_SEARCH, key, sizeof(key));
		if (!key[0])
			help_first_key(&a->bindings, p->ops->ctx, ACTION_FILTER, key, sizeof(key));
		app_message(a, ROLE_MUTED, "No search here yet%s%s%s", key[0] ? " (" : "", key,
			    key[0] ? " starts one)" : "");
		return;
	}
	bool wrapped;
	if (!app_find(a, p, dir, skip, &wrapped)) {
		app_message(a, ROLE_WARNING, "No match for \"%s\"", p->find);
		return;
	}
	if (app_views[a->focus]->find) {
		/* its own search: no count of the drawn rows that match */
		app_message(a, ROLE_NORMAL, "\"%s\"%s (n next, N previous)", p->find,
			    wrapped ? (dir > 0 ? ": from the top" : ": from the bottom") : "");
		return;
	}
	size_t at, count = pane_find_count(p, &at);
	app_message(a, ROLE_NORMAL, "Match %zu of %zu for \"%s\"%s", at, count, p->find,
		    wrapped ? (dir > 0 ? " (from the top)" : " (from the bottom)") : "");
	a->dirty = true;
}

void
app_request_quit(struct app *a)
{
	if (app_views_running(a)) {
		prompt_confirm(&a->prompt, PURPOSE_QUIT,
			       "A download is running: quit and cancel it? (y/n)", NULL);
		a->dirty = true;
		return;
	}
	/* q quits at once from the conversation list only; elsewhere it asks, so a
	 * q meant as "back" (as in tig or less) never quits by surprise (item 13). */
	if (a->focus != PANE_CONV && !a->layout.too_small) {
		prompt_confirm(&a->prompt, PURPOSE_QUIT, "Quit ohbrowse? y/n (Esc goes back)", NULL);
		a->dirty = true;
		return;
	}
	a->quit = true;
}

void
app_action(struct app *a, enum action act)
{
	if (app_views[a->focus]->pre_action)
		app_views[a->focus]->pre_action(a, act);
	switch (act) {
	case ACTION_QUIT:
		app_request_quit(a);
		return;
	case ACTION_HELP:
		a->help.open = !a->help.open;
		a->help.pane.top = 0;	/* help opens at its start */
		a->dirty = true;
		return;
	case ACTION_REDRAW:
		tui_force_redraw();
		a->dirty = true;
		return;
	case ACTION_MESSAGES:
		app_show_log(a);
		return;
	case ACTION_SEARCH:
		app_search_open(a);
		return;
	case ACTION_COPY:
		app_copy(a);
		return;
	case ACTION_PAGER:
	case ACTION_EDITOR:
		app_hand(a, act == ACTION_EDITOR);
		return;
	case ACTION_ZOOM:
		a->zoom = !a->zoom;
		app_message(a, ROLE_NORMAL, a->zoom ? "The %s pane fills the screen (z restores, Tab goes to the next)"
						    : "All panes shown%s", a->zoom ? a->panes[a->focus].ops->name : "");
		a->dirty = true;
		return;
	case ACTION_SEARCH_NEXT:
	case ACTION_SEARCH_PREV:
		app_search_step(a, act == ACTION_SEARCH_NEXT ? 1 : -1, true);
		return;
	case ACTION_NEXT_PANE:
		app_cycle_focus(a, 1);
		return;
	case ACTION_PREV_PANE:
		app_cycle_focus(a, -1);
		return;
	case ACTION_CLOSE:
		/* Esc: the pane's own first (a search, a filter), else back to the list. */
		if (!app_views[a->focus]->close || !app_views[a->focus]->close(a)) {
			if (a->focus != PANE_CONV) {
				app_focus(a, PANE_CONV);
				app_preview_follow(a);
			}
		}
		a->dirty = true;
		return;
	default:
		break;
	}
	/* An action a view owns wherever the focus is (v, L, D, X, R). */
	for (int i = 0; i < PANE_COUNT; i++)
		if (app_views[i]->global_action && app_views[i]->global_action(a, act))
			return;
	unsigned r = pane_action(&a->panes[a->focus], act);
	if (!(r & PANE_H_HANDLED))
		app_message(a, ROLE_MUTED, "%s does nothing in the %s pane", bindings_action_name(act),
			    a->panes[a->focus].ops->name);
	a->dirty = true;
}
