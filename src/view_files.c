/*
 * src/view_files.c: the files view -- one conversation's file tree (walk,
 * directory listings, git changes), marks, the tree filter and sort, and its
 * pane ops.
 */
#include "src/view.h"

#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"
#include "tui/text.h"
#include "tui/tui.h"

struct dir_load {
	struct app *app;
	char *dir;
	struct api_op *op;
	unsigned generation;
};

/* ---- files ---- */

static void
app_dir_load_free(struct dir_load *d)
{
	free(d->dir);
	free(d);
}

void
app_cancel_files(struct app *a)
{
	api_op_cancel(&a->fl.walk_op);
	api_op_cancel(&a->fl.changes_op);
	api_op_cancel(&a->pv.preview_op);
	a->fl.walk_op = a->fl.changes_op = a->pv.preview_op = NULL;
	for (size_t i = 0; i < a->fl.n_dir_loads; i++) {
		api_op_cancel(&a->fl.dir_loads[i]->op);
		app_dir_load_free(a->fl.dir_loads[i]);
	}
	a->fl.n_dir_loads = 0;
}

static void
app_on_walk(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct app *a = ud;
	a->fl.walk_op = NULL;
	a->dirty = true;
	if (err && err->kind != API_OK) {
		a->fl.tree.state = MODEL_FAILED;
		snprintf(a->fl.tree.error, sizeof(a->fl.tree.error), "%s", err->message);
		return;
	}
	file_tree_add_list(&a->fl.tree, "", files, true);
	pane_clamp(app_pane(a, PANE_FILES));
	if (a->preview_source == PANE_FILES)
		app_preview_follow(a);
}

static void
app_on_changes(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct app *a = ud;
	a->fl.changes_op = NULL;
	a->dirty = true;
	if (err && err->kind != API_OK) {
		/* Not fatal: a workspace that is not a git repository has no changes. */
		if (err->kind != API_ERR_NOT_FOUND && err->kind != API_ERR_UNSUPPORTED)
			app_message(a, ROLE_WARNING, "Changes: %s", err->message);
		return;
	}
	file_tree_apply_changes(&a->fl.tree, files);
	pane_clamp(app_pane(a, PANE_FILES));
}

static void
app_on_dir(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct dir_load *d = ud;
	struct app *a = d->app;
	for (size_t i = 0; i < a->fl.n_dir_loads; i++) {
		if (a->fl.dir_loads[i] == d) {
			a->fl.dir_loads[i] = a->fl.dir_loads[--a->fl.n_dir_loads];
			break;
		}
	}
	a->dirty = true;
	if (d->generation == a->fl.tree.generation) {
		size_t node = file_tree_find(&a->fl.tree, d->dir);
		if (node != (size_t)-1)
			a->fl.tree.nodes[node].loading = false;
		if (err && err->kind != API_OK) {
			if (!*d->dir) {
				a->fl.tree.state = MODEL_FAILED;
				snprintf(a->fl.tree.error, sizeof(a->fl.tree.error), "%s", err->message);
			} else {
				app_message(a, ROLE_ERROR, "%s: %s", d->dir, err->message);
			}
		} else {
			file_tree_add_list(&a->fl.tree, d->dir, files, false);
			pane_clamp(app_pane(a, PANE_FILES));
			/* The preview of the directory just listed said "not listed yet":
			 * show what it holds now (issue 14, item 7). */
			struct file_node *cur = app_current_node(a, NULL);
			if (a->preview_source == PANE_FILES && (!*d->dir || (cur && strcmp(cur->path, d->dir) == 0)))
				app_preview_follow(a);
		}
	}
	app_dir_load_free(d);
}

static void
app_load_dir(struct app *a, const char *dir)
{
	struct dir_load *d = xcalloc(1, sizeof(*d));
	d->app = a;
	d->dir = xstrdup(dir);
	d->generation = a->fl.tree.generation;
	a->fl.dir_loads = xrealloc(a->fl.dir_loads, (a->fl.n_dir_loads + 1) * sizeof(*a->fl.dir_loads));
	a->fl.dir_loads[a->fl.n_dir_loads++] = d;
	size_t node = file_tree_find(&a->fl.tree, dir);
	if (node != (size_t)-1)
		a->fl.tree.nodes[node].loading = true;
	api_op_hold(&d->op, api_list_dir(a->client, &a->fl.conv, dir, app_on_dir, d));
}

void
app_load_files(struct app *a)
{
	app_cancel_files(a);
	file_tree_clear(&a->fl.tree);
	a->panes[PANE_FILES].cursor = a->panes[PANE_FILES].top = 0;
	a->dirty = true;
	if (!api_conversation_is_running(&a->fl.conv)) {
		a->fl.tree.state = MODEL_FAILED;
		if (a->fl.conv.local)
			snprintf(a->fl.tree.error, sizeof(a->fl.tree.error),
				 "Its workspace is not on this machine: v shows the events");
		else if (app_conv_deleted(&a->fl.conv))
			snprintf(a->fl.tree.error, sizeof(a->fl.tree.error),
				 "The sandbox was deleted: its files are gone; v shows its events");
		else
			snprintf(a->fl.tree.error, sizeof(a->fl.tree.error),
				 "Conversation is %s: press w to wake it", app_status_word(&a->fl.conv));
		return;
	}
	a->fl.tree.state = MODEL_LOADING;
	if (a->fl.conv.version == API_V1)
		api_op_hold(&a->fl.walk_op, api_walk(a->client, &a->fl.conv, app_on_walk, a));
	else
		app_load_dir(a, "");
	api_op_hold(&a->fl.changes_op, api_changes(a->client, &a->fl.conv, app_on_changes, a));
}

void
app_open_conv(struct app *a, const struct api_conversation *c)
{
	if (a->fl.have_conv)
		api_conversation_free(&a->fl.conv);
	api_conversation_copy(&a->fl.conv, c);
	a->fl.have_conv = true;
	a->fl.files_open = true;
	app_events_drop(a);	/* the files pane takes the events pane's place */
	app_load_files(a);
	app_focus(a, PANE_FILES);
	app_preview_follow(a);
}

struct file_node *
app_current_node(struct app *a, size_t *index)
{
	struct pane *p = app_pane(a, PANE_FILES);
	if (p->cursor >= a->fl.tree.n_view)
		return NULL;
	if (index)
		*index = a->fl.tree.view[p->cursor];
	return &a->fl.tree.nodes[a->fl.tree.view[p->cursor]];
}

/* ---- pane ops: files ---- */

/* The wake in flight is for the conversation whose files are open: only then does
 * its banner belong in the files pane (issue 14, item 4). */
static bool
app_waking_files(const struct app *a)
{
	return a->cv.wake_op && a->cv.wake_id && a->fl.have_conv && a->fl.conv.id && strcmp(a->cv.wake_id, a->fl.conv.id) == 0;
}

static size_t
files_status_rows(struct app *a)
{
	if (a->fl.tree.state == MODEL_FAILED || app_waking_files(a))
		return 1;
	if (a->fl.tree.state == MODEL_LOADING && a->fl.tree.n_view == 0)
		return 1;
	return a->fl.tree.n_view == 0 ? 1 : 0;
}

static size_t
files_count(struct pane *p)
{
	struct app *a = p->ud;
	return a->fl.tree.n_view + files_status_rows(a);
}

static void
files_status_row(struct app *a, struct line *l)
{
	if (app_waking_files(a)) {
		long s = (long)((clock_now_ms() - a->cv.wake_started_ms) / 1000);
		long limit = 180;
		line_addf(l, ROLE_WARNING, "Waking... %ld s elapsed (%s), gives up after %ld s", s,
			  a->cv.wake_status, limit);
	} else if (a->fl.tree.state == MODEL_FAILED) {
		bool stopped = a->fl.have_conv && !api_conversation_is_running(&a->fl.conv);
		if (stopped)
			line_add(l, ROLE_WARNING, a->fl.tree.error);
		else
			line_addf(l, ROLE_ERROR, "Failed (Enter reads it all, r retries): %s", a->fl.tree.error);
	} else if (a->fl.tree.state == MODEL_LOADING) {
		line_add(l, ROLE_MUTED, tui_utf8() ? "Loading\xe2\x80\xa6" : "Loading...");
	} else {
		line_add(l, ROLE_MUTED, "The workspace is empty");
	}
}

static void
files_row(struct pane *p, size_t i, struct line *l, int width)
{
	struct app *a = p->ud;
	size_t status = files_status_rows(a);
	if (i < status) {
		files_status_row(a, l);
		return;
	}
	i -= status;
	size_t idx = a->fl.tree.view[i];
	struct file_node *n = &a->fl.tree.nodes[idx];
	bool marked = file_tree_effectively_marked(&a->fl.tree, idx);
	bool utf8 = tui_utf8();
	/* A directory holding marks without being marked itself shows '+' and a count,
	 * so marks inside a collapsed directory never go unseen (issue 14, item 9). */
	size_t held = n->type == API_DIR && idx < a->fl.n_marked_below ? a->fl.marked_below[idx] : 0;
	line_add(l, ROLE_MARKED, marked ? "*" : held ? "+" : " ");
	char ch[2] = { ' ', 0 };
	enum role crole = ROLE_NORMAL;
	if (n->type == API_FILE && n->change != API_CHANGE_NONE) {
		ch[0] = (char)n->change;
		crole = n->change == API_CHANGE_ADDED || n->change == API_CHANGE_UNTRACKED ? ROLE_ADDED
			: n->change == API_CHANGE_DELETED ? ROLE_DELETED : ROLE_MODIFIED;
	} else if (n->type == API_DIR && n->has_changes) {
		ch[0] = '~';
		crole = ROLE_MODIFIED;
	}
	line_add(l, crole, ch);
	line_add(l, ROLE_NORMAL, " ");
	int indent = n->depth * 2;
	/* ncdu: sorted by size, a share of the whole column before the size. */
	bool shares = a->fl.tree.sort == FILE_SORT_SIZE && a->fl.tree.full && a->fl.tree.nodes[0].total > 0;
	int size_w = shares ? 14 : 9;
	int name_w = width - 3 - indent - 2 - 1 - size_w;
	for (int k = 0; k < indent; k++)
		line_add(l, ROLE_NORMAL, " ");
	char name[1024];
	if (n->type == API_DIR) {
		line_add(l, ROLE_DIRECTORY, n->expanded || a->fl.tree.filter ? (utf8 ? "\xe2\x96\xbe " : "- ")
						      : (utf8 ? "\xe2\x96\xb8 " : "+ "));
		char count[48] = "";
		if (held && !n->expanded)
			snprintf(count, sizeof(count), " (%zu marked)", held);
		snprintf(name, sizeof(name), "%s/%s%s", n->name, n->loading ? " (loading)" : "", count);
		line_add_fit(l, marked || held ? ROLE_MARKED : ROLE_DIRECTORY, name, name_w, false);
	} else {
		line_add(l, ROLE_NORMAL, "  ");
		line_add_fit(l, marked ? ROLE_MARKED : n->change == API_CHANGE_DELETED ? ROLE_DELETED
										: ROLE_NORMAL,
			     n->name, name_w, false);
	}
	char size[48] = "";
	if (n->type == API_FILE && n->change != API_CHANGE_DELETED && n->size >= 0)
		text_size(size, sizeof(size), n->size);
	else if (n->type == API_DIR && a->fl.tree.full && n->listed)
		text_size(size, sizeof(size), n->total);	/* what the directory holds (the walk gave sizes) */
	if (shares && size[0]) {
		char with[64];
		snprintf(with, sizeof(with), "%3d%% %s", (int)(n->total * 100 / a->fl.tree.nodes[0].total), size);
		snprintf(size, sizeof(size), "%s", with);
	}
	line_add(l, ROLE_NORMAL, " ");
	line_add_fit(l, ROLE_MUTED, size, size_w, true);
}

static void
files_title(struct pane *p, struct line *l, int width)
{
	struct app *a = p->ud;
	line_addf(l, ROLE_HEADER, "Files: %s", a->fl.have_conv && a->fl.conv.title ? a->fl.conv.title : "");
	if (a->fl.tree.filter)
		line_addf(l, ROLE_HEADER, "  /%s", a->fl.tree.filter);
	if (a->fl.tree.sort != FILE_SORT_NAME)
		line_addf(l, ROLE_HEADER, "  by %s", file_sort_name(a->fl.tree.sort));
	if (a->fl.tree.n_view) {
		size_t files, changed;
		int64_t bytes;
		char size[32];
		file_tree_totals(&a->fl.tree, &files, &bytes, &changed);
		if (a->fl.tree.full) {
			text_size(size, sizeof(size), bytes);
			line_addf(l, ROLE_HEADER, "  %zu files, %s", files, size);
		}
		if (changed)
			line_addf(l, ROLE_HEADER, "  %zu changed", changed);
		struct file_selection sel;
		file_tree_selection(&a->fl.tree, &sel);
		if (sel.roots && sel.files == 0) {
			line_addf(l, ROLE_HEADER, "  %zu marked", sel.roots);
		} else if (sel.roots) {
			char sz[48];
			app_size_words(sz, sizeof(sz), sel.bytes, sel.size_unknown);
			line_addf(l, ROLE_HEADER, "  %zu marked (%s)", sel.files, sz);
		}
		/* Per directory: how many marked files it holds (files_row shows it). */
		a->fl.marked_below = xrealloc(a->fl.marked_below, (a->fl.tree.count ? a->fl.tree.count : 1) *
								sizeof(*a->fl.marked_below));
		file_tree_marked_counts(&a->fl.tree, a->fl.marked_below);
		a->fl.n_marked_below = a->fl.tree.count;
	}
}

static void
files_on_cursor(struct pane *p)
{
	struct app *a = p->ud;
	app_preview_follow(a);
}

static void
files_toggle_dir(struct app *a, size_t idx)
{
	struct file_node *n = &a->fl.tree.nodes[idx];
	n->expanded = !n->expanded;
	if (n->expanded && !n->listed && !n->loading && !a->fl.tree.full)
		app_load_dir(a, n->path);
	file_tree_rebuild_view(&a->fl.tree);
}

static unsigned
files_on_action(struct pane *p, enum action act)
{
	struct app *a = p->ud;
	size_t status = files_status_rows(a);
	size_t idx = (size_t)-1;
	struct file_node *n = NULL;
	if (p->cursor >= status && p->cursor - status < a->fl.tree.n_view) {
		idx = a->fl.tree.view[p->cursor - status];
		n = &a->fl.tree.nodes[idx];
	}
	switch (act) {
	case ACTION_OPEN:
		if (!n && a->fl.tree.state == MODEL_FAILED)
			app_show_text(a, "Files", a->fl.have_conv && !api_conversation_is_running(&a->fl.conv)
						      ? ROLE_WARNING : ROLE_ERROR, "%s", a->fl.tree.error);
		else if (n && n->type == API_DIR)
			files_toggle_dir(a, idx);
		else if (n)
			app_focus(a, PANE_PREVIEW);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_BACK:
		if (n && n->type == API_DIR && n->expanded) {
			files_toggle_dir(a, idx);
		} else if (n && n->parent != 0) {
			size_t v = file_tree_view_index(&a->fl.tree, n->parent);
			if (v != (size_t)-1)
				pane_set_cursor(p, v + status);
		} else {
			app_focus(a, PANE_CONV);
		}
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_MARK:
		if (n) {
			file_tree_toggle_mark(&a->fl.tree, idx);
			pane_action(p, ACTION_MOVE_DOWN);
		}
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_MARK_ALL:
		file_tree_mark_all(&a->fl.tree);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_MARK_CHANGED: {
		size_t k = file_tree_mark_changed(&a->fl.tree);
		app_message(a, ROLE_NORMAL, "Marked %zu changed file%s", k, k == 1 ? "" : "s");
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	case ACTION_CLEAR_MARKS:
		file_tree_clear_marks(&a->fl.tree);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_FILTER:
		/* A tree filter (issue 14): only the paths containing the text, the way to them open. */
		snprintf(a->find_before, sizeof(a->find_before), "%s", a->fl.tree.filter ? a->fl.tree.filter : "");
		prompt_input(&a->prompt, PURPOSE_TREE_FILTER, "Filter paths:", a->fl.tree.filter, false);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_SORT: {
		/* Name, size (largest first, with shares), changed first; the cursor stays on its file. */
		size_t keep = idx;
		file_tree_set_sort(&a->fl.tree, (enum file_sort)((a->fl.tree.sort + 1) % FILE_SORT_COUNT));
		if (keep != (size_t)-1) {
			size_t v = file_tree_view_index(&a->fl.tree, keep);
			if (v != (size_t)-1)
				pane_set_cursor(p, v + status);
		}
		pane_clamp(p);
		app_message(a, ROLE_NORMAL, "Files sorted by %s (s: next order)%s", file_sort_name(a->fl.tree.sort),
			    a->fl.tree.sort == FILE_SORT_SIZE && !a->fl.tree.full ? "; this server gives no sizes" : "");
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	case ACTION_REFRESH:
		app_load_files(a);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_WAKE:
		if (a->fl.have_conv)
			app_wake(a, &a->fl.conv);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_DOWNLOAD:
		app_download_prompt(a, true);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	default:
		return PANE_H_NONE;
	}
}

static const struct pane_ops files_ops = {
	.name = "files",
	.ctx = BIND_FILES,
	.count = files_count,
	.row = files_row,
	.title = files_title,
	.on_cursor = files_on_cursor,
	.on_action = files_on_action,
};

/* ---- prompts ---- */

static void
prompt_tree_filter(struct app *a, enum prompt_result r)
{
	struct pane *p = &a->panes[PANE_FILES];
	if (r == PROMPT_CHANGED) {
		file_tree_set_filter(&a->fl.tree, a->prompt.text);
		pane_set_cursor(p, 0);
	} else if (r == PROMPT_CANCEL) {
		file_tree_set_filter(&a->fl.tree, a->find_before);
		prompt_close(&a->prompt);
	} else if (r == PROMPT_ACCEPT) {
		prompt_close(&a->prompt);
		if (a->fl.tree.filter && a->fl.tree.n_view == 0)
			app_message(a, ROLE_WARNING, "No listed path contains \"%s\" (Esc clears)", a->fl.tree.filter);
	}
	pane_clamp(p);
	if (r != PROMPT_CONTINUE && a->preview_source == PANE_FILES)
		app_preview_follow(a);
}

/* ---- the view ---- */

static void
files_init(struct app *a)
{
	file_tree_init(&a->fl.tree);
}

static void
files_stop(struct app *a)
{
	app_cancel_files(a);
}

static void
files_free(struct app *a)
{
	free(a->fl.dir_loads);
	free(a->fl.marked_below);
	if (a->fl.have_conv)
		api_conversation_free(&a->fl.conv);
	file_tree_free(&a->fl.tree);
}

/* The events pane takes its place while shown; narrow screens show it when it has the focus. */
static void
files_place(const struct app *a, bool wide, struct layout_slot *s)
{
	s->shown = a->fl.files_open && !a->ev.events_open && (wide || a->focus != PANE_CONV);
	s->share = 30;
}

static bool
files_focusable(const struct app *a)
{
	return a->fl.files_open && !a->ev.events_open;
}

static bool
files_busy(const struct app *a)
{
	return a->fl.walk_op || a->fl.changes_op || a->fl.n_dir_loads;
}

/* Esc clears the tree filter first. */
static bool
files_close(struct app *a)
{
	if (!a->fl.tree.filter)
		return false;
	file_tree_set_filter(&a->fl.tree, NULL);
	pane_clamp(&a->panes[PANE_FILES]);
	app_preview_follow(a);
	app_message(a, ROLE_NORMAL, "Filter cleared (Esc again goes back)");
	return true;
}

static const char *
files_copy(struct app *a, const char **what)
{
	struct file_node *n = app_current_node(a, NULL);
	*what = "the path";
	return n ? n->path : NULL;
}

/* o / e: the file, or its diff, as the preview has it; a file the preview cut is read whole first. */
bool
app_file_hand(struct app *a)
{
	struct file_node *n = app_current_node(a, NULL);
	if (!n || n->type != API_FILE)
		return false;
	struct preview *pv = &a->pv.preview;
	bool have = pv->state == MODEL_DONE && pv->path && strcmp(pv->path, n->path) == 0 && pv->text;
	if (have && pv->binary) {
		app_message(a, ROLE_WARNING, "%s is a binary file: d downloads it", n->path);
		return true;
	}
	if (have && (!pv->truncated || pv->is_diff)) {
		char name[600];
		snprintf(name, sizeof(name), "%s%s", n->name, pv->is_diff ? ".diff" : "");
		app_hand_run(a, name, pv->text, pv->len);
		return true;
	}
	app_hand_fetch(a, &a->fl.conv, n->path);
	return true;
}

static void
files_position(struct app *a, char *buf, size_t n)
{
	struct pane *p = &a->panes[PANE_FILES];
	size_t total = pane_count(p);
	if (a->fl.tree.n_view && p->cursor < total)
		snprintf(buf, n, "%zu/%zu", p->cursor + 1, total);
}

/* The search covers the whole tree (collapsed directories too) and expands the way to the match. */
static bool
files_find(struct app *a, struct pane *p, int dir, bool skip, bool *wrapped)
{
	size_t status = files_status_rows(a);
	size_t from = p->cursor >= status && p->cursor - status < a->fl.tree.n_view
			      ? a->fl.tree.view[p->cursor - status] : 0;
	size_t hit = file_tree_search(&a->fl.tree, from, dir, skip, p->find, wrapped);
	if (hit == (size_t)-1)
		return false;
	file_tree_reveal(&a->fl.tree, hit);
	size_t v = file_tree_view_index(&a->fl.tree, hit);
	if (v != (size_t)-1)
		pane_set_cursor(p, v + files_status_rows(a));
	/* Expanding the way may leave the cursor's row number unchanged on another node. */
	if (a->preview_source == PANE_FILES && hit != from)
		app_preview_follow(a);
	return true;
}

static const struct view_hint files_hints[] = {
	{ ACTION_MARK, "mark" }, { ACTION_MARK_CHANGED, "changed" }, { ACTION_DOWNLOAD, "download" },
	{ ACTION_SEARCH, "search" }, { ACTION_CLOSE, "back" }, { ACTION_HELP, "help" },
	{ ACTION_QUIT, "quit" }, { ACTION_NONE, NULL },
};

static const struct view_prompt files_prompts[] = {
	{ PURPOSE_TREE_FILTER, prompt_tree_filter, NULL },
	{ 0, NULL, NULL },
};

const struct view_ops view_files = {
	.pane = &files_ops,
	.role = LAYOUT_LIST,
	.previewed = true,
	.hints = files_hints,
	.prompts = files_prompts,
	.init = files_init,
	.stop = files_stop,
	.free = files_free,
	.place = files_place,
	.focusable = files_focusable,
	.busy = files_busy,
	.close = files_close,
	.copy = files_copy,
	.hand = app_file_hand,
	.position = files_position,
	.find = files_find,
};
