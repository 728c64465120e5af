/*
 * src/view_convs.c: the conversations view -- the list and its lister, the
 * details preview of a conversation, local or server source (L), the first-run
 * API key, w (wake) and B (backup of marked conversations), and its pane ops.
 */
#include "src/view.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "src/backup.h"
#include "src/keystore.h"
#include "src/base/util.h"
#include "tui/text.h"
#include "tui/tui.h"

static void app_list_start(struct app *a, const char *server_filter);
static void app_list_more(struct app *a);

const char *
app_status_word(const struct api_conversation *c)
{
	return api_conversation_status_word(c);
}

/* A V1 sandbox the server reports MISSING: deleted with its files; only events remain. */
bool
app_conv_deleted(const struct api_conversation *c)
{
	return !c->local && c->version == API_V1 && c->status && strcmp(c->status, "MISSING") == 0;
}

/* Seconds until a PAUSED sandbox is likely deleted (-1: not paused or unknown). */
static int64_t
app_reap_in(const struct app *a, const struct api_conversation *c)
{
	int64_t reap = api_conversation_reap_s(c, api_client_retention_days(a->client));
	if (reap < 0)
		return -1;
	int64_t d = reap - clock_wall_s();
	return d < 0 ? 0 : d;
}

/* The last 3 days before the deletion are shown as a warning (issue: Cloud reaps at ~14 d). */
#define APP_REAP_WARN_S (3 * 86400)

/* ---- the selected conversation ---- */

struct api_conversation *
app_current_conv(struct app *a)
{
	return conv_list_at(&a->cv.convs, a->panes[PANE_CONV].cursor);
}

/* The selected conversation's id (a copy), so it can be selected again after the
 * view changed under it; NULL when nothing is selected. */
char *
app_selected_id(struct app *a)
{
	struct api_conversation *c = app_current_conv(a);
	return c && c->id ? xstrdup(c->id) : NULL;
}

/* Put the cursor on the conversation with this id; false when it is not in the view. */
bool
app_select_id(struct app *a, const char *id)
{
	if (!id)
		return false;
	for (size_t i = 0; i < a->cv.convs.n_view; i++) {
		struct api_conversation *c = conv_list_at(&a->cv.convs, i);
		if (c->id && strcmp(c->id, id) == 0) {
			pane_set_cursor(app_pane(a, PANE_CONV), i);
			return true;
		}
	}
	return false;
}

static void
app_keep_forget(struct app *a)
{
	free(a->cv.keep_id);
	a->cv.keep_id = NULL;
	a->cv.keep_count = 0;
}

/* ---- first run: ask for the API key ---- */

static void
app_key_forget(struct app *a)
{
	if (a->cv.key_checking) {
		memset(a->cv.key_checking, 0, strlen(a->cv.key_checking));
		free(a->cv.key_checking);
		a->cv.key_checking = NULL;
	}
}

/* The list answered 401 and no key was given: ask for one (a prompt state;
 * the loop keeps running). A key that was just tried is dropped, never stored. */
static void
app_ask_key(struct app *a)
{
	bool retry = a->cv.key_checking != NULL;
	app_key_forget(a);
	if (prompt_open(&a->prompt))
		return;
	prompt_input(&a->prompt, PURPOSE_API_KEY,
		     retry ? "Key refused. API key (shown as *; Enter checks it, Esc skips):"
			   : "API key for this server (shown as *; Enter checks it, Esc skips):",
		     NULL, true);
}

/* A list page came back with the typed key: keep it (0600). */
static void
app_key_store(struct app *a)
{
	char msg[512], *path = NULL;
	if (keystore_store(a->cv.key_checking, a->opts->ask_key->server, &path, msg, sizeof(msg)) == 0) {
		const char *home = getenv("HOME");
		size_t hl = home ? strlen(home) : 0;
		bool under = hl > 0 && strncmp(path, home, hl) == 0 && path[hl] == '/';
		app_message(a, ROLE_NORMAL, "API key accepted, stored in %s%s (mode 0600)",
			    under ? "~" : "", under ? path + hl : path);
	} else
		app_message(a, ROLE_ERROR, "API key accepted but not stored: %s", msg);
	free(path);
	app_key_forget(a);
}

/* Enter on the key prompt: build a client with the key and list again. */
static void
app_key_try(struct app *a, const char *key)
{
	struct api_client_config cfg = *a->opts->ask_key;
	struct api_error err = { 0 };
	cfg.api_key = key;
	cfg.source = API_SOURCE_CLOUD;	/* a key is for the server, whatever --local said */
	if (cfg.auth == API_AUTH_NONE)
		cfg.auth = API_AUTH_BEARER;
	struct api_client *c = api_client_new(a->http, &cfg, &err);
	if (!c) {
		app_message(a, ROLE_ERROR, "%s", err.message);
		return;
	}
	/* Nothing may keep using the old client: the list, and an event pager. */
	app_events_drop(a);
	api_op_cancel(&a->cv.list_op);
	a->cv.list_op = NULL;
	if (a->cv.lister)
		api_lister_free(a->cv.lister);
	a->cv.lister = NULL;
	if (a->cv.own_client)
		api_client_free(a->cv.own_client);
	a->client = a->cv.own_client = c;
	app_key_forget(a);
	a->cv.key_checking = xstrdup(key);
	app_message(a, ROLE_NORMAL, "Checking the key...");
	app_list_start(a, a->cv.server_filter);
}

/* ---- conversation list ---- */

static void
app_on_page(void *ud, struct api_conversation *rows, size_t n, bool more, const struct api_error *err)
{
	struct app *a = ud;
	a->cv.list_op = NULL;
	a->dirty = true;
	if (err && err->kind != API_OK) {
		a->cv.convs.state = MODEL_FAILED;
		if (err->kind == API_ERR_AUTH && a->opts->ask_key && !a->cv.own_client)
			/* No key was sent: "rejected the API key" would be untrue (item 15). */
			snprintf(a->cv.convs.error, sizeof(a->cv.convs.error),
				 "%s wants an API key (HTTP %ld); none was sent: type one, or run 'ohbrowse login'",
				 a->opts->server_label ? a->opts->server_label : "the server", err->status);
		else
			snprintf(a->cv.convs.error, sizeof(a->cv.convs.error), "%s", err->message);
		app_message(a, ROLE_ERROR, "%s", a->cv.convs.error);
		if (err->kind == API_ERR_AUTH && a->opts->ask_key)
			app_ask_key(a);
		return;
	}
	if (a->cv.key_checking)
		app_key_store(a);
	/* A page can sort in above the cursor: keep the selected conversation, not the row. */
	char *sel = a->cv.keep_id ? NULL : app_selected_id(a);
	conv_list_append(&a->cv.convs, rows, n);
	a->cv.convs.more = more;
	a->cv.convs.state = more ? MODEL_IDLE : MODEL_DONE;
	struct pane *p = app_pane(a, PANE_CONV);
	pane_clamp(p);
	if (sel)
		app_select_id(a, sel);
	free(sel);
	if (a->cv.keep_id) {
		if (app_select_id(a, a->cv.keep_id) || !more || a->cv.convs.count >= a->cv.keep_count) {
			app_keep_forget(a);
		} else {
			app_list_more(a);	/* not there yet: read on, as far as before */
			return;
		}
	}
	if (a->preview_source == PANE_CONV)
		app_preview_follow(a);
	/* A short first page may leave the cursor near the end already. */
	pane_check_near_end(p);
}

static void
app_list_more(struct app *a)
{
	if (a->cv.list_op || !a->cv.lister)
		return;
	if (a->cv.convs.state == MODEL_DONE || a->cv.convs.state == MODEL_FAILED)
		return;
	if (a->cv.convs.count > 0 && !a->cv.convs.more)
		return;
	a->cv.convs.state = MODEL_LOADING;
	a->cv.list_started_ms = clock_now_ms();
	api_op_hold(&a->cv.list_op, api_lister_next(a->cv.lister, app_on_page, a));
	a->dirty = true;
}

static void
app_list_start(struct app *a, const char *server_filter)
{
	api_op_cancel(&a->cv.list_op);
	a->cv.list_op = NULL;
	if (a->cv.lister)
		api_lister_free(a->cv.lister);
	conv_list_clear(&a->cv.convs);
	free(a->cv.server_filter);
	a->cv.server_filter = server_filter && *server_filter ? xstrdup(server_filter) : NULL;
	struct api_lister_opts lo = { .limit = 0, .title_contains = a->cv.server_filter };
	a->cv.lister = api_lister_new(a->client, &lo);
	a->panes[PANE_CONV].cursor = a->panes[PANE_CONV].top = 0;
	app_keep_forget(a);
	app_list_more(a);
}

/* r: a failed page is asked again; otherwise the list is read again from the
 * start, keeping the selected conversation selected (issue 14, item 5). */
static void
app_list_retry(struct app *a)
{
	if (a->cv.convs.state == MODEL_FAILED) {
		a->cv.convs.state = MODEL_IDLE;
		app_list_more(a);
	} else {
		char *id = app_selected_id(a);
		size_t count = a->cv.convs.count;
		app_list_start(a, a->cv.server_filter);
		app_keep_forget(a);
		a->cv.keep_id = id;
		a->cv.keep_count = count;
	}
}

void
app_preview_conv(struct app *a, const struct api_conversation *c)
{
	struct strbuf sb = { 0 };
	char ago[32];
	strbuf_printf(&sb, "Title:      %s\n", c->title ? c->title : "");
	strbuf_printf(&sb, "Id:         %s\n", c->id ? c->id : "");
	char rt[96] = "";
	if (c->runtime_status) {
		/* "STATUS$READY" is the server's enum name: say "ready" (issue 14). */
		const char *r = strncmp(c->runtime_status, "STATUS$", 7) == 0 ? c->runtime_status + 7 : c->runtime_status;
		size_t k = 0;
		for (; r[k] && k + 1 < sizeof(rt); k++)
			rt[k] = r[k] == '_' ? ' ' : (r[k] >= 'A' && r[k] <= 'Z') ? (char)(r[k] - 'A' + 'a') : r[k];
		rt[k] = '\0';
	}
	strbuf_printf(&sb, "Status:     %s%s%s\n", app_status_word(c), rt[0] ? "  runtime " : "", rt);
	strbuf_printf(&sb, "API:        V%d\n", c->version == API_V1 ? 1 : 0);
	if (c->repository)
		strbuf_printf(&sb, "Repository: %s\n", c->repository);
	if (c->branch)
		strbuf_printf(&sb, "Branch:     %s\n", c->branch);
	text_ago(ago, sizeof(ago), c->created_s, clock_wall_s());
	strbuf_printf(&sb, "Created:    %s (%s)\n", c->created_at ? c->created_at : "-", ago);
	text_ago(ago, sizeof(ago), c->updated_s, clock_wall_s());
	strbuf_printf(&sb, "Updated:    %s (%s)\n", c->updated_at ? c->updated_at : "-", ago);
	if (c->execution_status && api_conversation_is_running(c))
		strbuf_printf(&sb, "Agent:      %s\n", c->execution_status);
	int64_t reap_in = app_reap_in(a, c);
	if (reap_in >= 0) {
		char when[40];
		int64_t reap = api_conversation_reap_s(c, api_client_retention_days(a->client));
		time_t t = (time_t)reap;
		struct tm tm;
		if (!gmtime_r(&t, &tm) || !strftime(when, sizeof(when), "%Y-%m-%d", &tm))
			snprintf(when, sizeof(when), "?");
		strbuf_printf(&sb, "Deletion:   likely %s (in %lld day%s%s): download what you need\n", when,
			      (long long)(reap_in / 86400), reap_in / 86400 == 1 ? "" : "s",
			      reap_in < APP_REAP_WARN_S ? ", soon" : "");
	}
	const struct api_backup_entry *bk = app_bk_entry(a, c->id);
	if (bk)
		strbuf_printf(&sb, "Backup:     %s, %s%s\n", bk->taken_at ? bk->taken_at : "?", bk->archive,
			      app_bk_state(a, c) == '~' ? " (changed since: B takes it again)" : "");
	if (c->trigger)
		strbuf_printf(&sb, "Trigger:    %s\n", c->trigger);
	if (c->local && c->local_dir)
		strbuf_printf(&sb, "Saved in:   %s\n", c->local_dir);
	strbuf_puts(&sb, "\n");
	if (api_conversation_is_running(c))
		strbuf_puts(&sb, "Enter opens the workspace files; d downloads them all.\n");
	else if (c->local)
		strbuf_puts(&sb, "Its workspace is not on this machine.\n");
	else if (app_conv_deleted(c))
		strbuf_puts(&sb, "The sandbox was deleted: its files are gone.\n");
	else
		strbuf_puts(&sb, "Not running: w wakes it so its files can be browsed.\n");
	strbuf_puts(&sb, "v shows its events.\n");
	preview_set_lines(&a->pv.preview, "conversation", sb.buf);
	strbuf_free(&sb);
}

/* ---- local or server conversations ---- */

static bool
app_local_dir_exists(struct app *a)
{
	const char *dir = api_client_local_dir(a->client);
	struct stat st;
	return dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

bool
app_source_local(struct app *a)
{
	return api_client_source(a->client) != API_SOURCE_CLOUD;
}

/* L: list the other source; whatever was open belonged to the old list. */
static void
app_toggle_source(struct app *a)
{
	bool local = app_source_local(a);
	if (!local && !app_local_dir_exists(a)) {
		app_message(a, ROLE_WARNING, "No local conversations: %s does not exist",
			    api_client_local_dir(a->client));
		return;
	}
	api_client_set_source(a->client, local ? API_SOURCE_CLOUD : API_SOURCE_LOCAL);
	app_events_drop(a);
	app_cancel_files(a);
	file_tree_clear(&a->fl.tree);
	a->fl.files_open = false;
	app_focus(a, PANE_CONV);
	app_list_start(a, NULL);
	if (local)
		app_message(a, ROLE_NORMAL, "Conversations on the server (L: local ones)");
	else
		app_message(a, ROLE_NORMAL, "Local conversations (L: the server's)");
}

/* ---- pane ops: conversations ---- */

static size_t
conv_count(struct pane *p)
{
	struct app *a = p->ud;
	size_t n = a->cv.convs.n_view;
	if (a->cv.convs.state == MODEL_LOADING || a->cv.convs.state == MODEL_FAILED)
		n++;
	else if (n == 0)
		n++; /* "No conversations" */
	return n;
}

/*
 * Statuses that stand out (issue 14): running green, ERROR red, STARTING and
 * PAUSED each their own colour, a PAUSED one near its deletion date a warning,
 * the rest (stopped, deleted, local) muted.
 */
static enum role
app_status_role(struct app *a, const struct api_conversation *c)
{
	if (api_conversation_is_running(c))
		return ROLE_RUNNING;
	const char *st = c->status ? c->status : "";
	if (strcmp(st, "ERROR") == 0)
		return ROLE_ERROR;
	if (strcmp(st, "STARTING") == 0)
		return ROLE_STARTING;
	int64_t reap_in = app_reap_in(a, c);
	if (reap_in >= 0 && reap_in < APP_REAP_WARN_S)
		return ROLE_WARNING;
	if (strcmp(st, "PAUSED") == 0)
		return ROLE_PAUSED;
	return ROLE_MUTED;
}

/* True when c is the conversation shown in the files or the events pane. */
static bool
app_conv_is_open(const struct app *a, const struct api_conversation *c)
{
	if (!c->id)
		return false;
	if (a->ev.events_open && a->ev.have_ev_conv && a->ev.ev_conv.id && strcmp(a->ev.ev_conv.id, c->id) == 0)
		return true;
	return a->fl.files_open && !a->ev.events_open && a->fl.have_conv && a->fl.conv.id &&
	       strcmp(a->fl.conv.id, c->id) == 0;
}

static void
conv_row(struct pane *p, size_t i, struct line *l, int width)
{
	struct app *a = p->ud;
	if (i >= a->cv.convs.n_view) {
		if (a->cv.convs.state == MODEL_FAILED)
			line_addf(l, ROLE_ERROR, "Load failed (Enter reads it all, r retries): %s", a->cv.convs.error);
		else if (a->cv.convs.state == MODEL_LOADING) {
			if (app_show_loading_row(a, a->cv.convs.state, a->cv.list_started_ms))
				line_add(l, ROLE_MUTED, tui_utf8() ? "Loading\xe2\x80\xa6" : "Loading...");
		} else if (a->cv.convs.filter)
			line_addf(l, ROLE_MUTED, "No conversation title contains \"%s\" (Esc clears)",
				  a->cv.convs.filter);
		else
			line_add(l, ROLE_MUTED, "No conversations");
		return;
	}
	struct api_conversation *c = conv_list_at(&a->cv.convs, i);
	bool running = api_conversation_is_running(c);
	enum role base = running ? ROLE_NORMAL : ROLE_MUTED;
	char ago[32];
	text_ago(ago, sizeof(ago), c->updated_s >= 0 ? c->updated_s : c->created_s, clock_wall_s());
	int fixed = 8 + 1 + 2 + 1 + 1 + 10;
	int rest = width - fixed;
	int tw = rest, rw = 0, bw = 0;
	if (width >= 60) {
		tw = rest * 55 / 100;
		rw = rest * 28 / 100;
		bw = rest - tw - rw - 2;
	}
	if (app_bk_marked(a, c->id)) {
		/* marked for B: the status column says so */
		char st[32];
		snprintf(st, sizeof(st), "+%s", app_status_word(c));
		line_add_fit(l, ROLE_HEADER, st, 8, false);
	} else {
		line_add_fit(l, app_status_role(a, c), app_status_word(c), 8, false);
	}
	line_add(l, base, " ");
	line_add(l, base, c->version == API_V1 ? "V1" : "V0");
	line_add(l, base, " ");
	/* The conversation the files or events pane shows is pointed at, so a pane
	 * left open while the cursor moves on still says whose it is (item 4). */
	if (app_conv_is_open(a, c) && tw > 4) {
		line_add(l, ROLE_HEADER, tui_utf8() ? "\xe2\x96\xb8 " : "> ");
		tw -= 2;
	}
	char bks = app_bk_state(a, c);
	if (bks && tw > 4) {
		/* in the backup directory: "=" as it is now, "~" changed since */
		char m[3] = {bks, ' ', 0};
		line_add(l, bks == '=' ? ROLE_MUTED : ROLE_WARNING, m);
		tw -= 2;
	}
	line_add_fit(l, base, c->title && *c->title ? c->title : "(untitled)", tw, false);
	if (rw > 0) {
		line_add(l, base, " ");
		line_add_fit(l, base, c->repository ? c->repository : "-", rw, false);
		line_add(l, base, " ");
		line_add_fit(l, base, c->branch ? c->branch : "-", bw, false);
	}
	line_add(l, base, " ");
	line_add_fit(l, base, ago, 10, true);
}

static void
conv_title(struct pane *p, struct line *l, int width)
{
	struct app *a = p->ud;
	line_add(l, ROLE_HEADER, "Conversations");
	if (a->cv.convs.filter)
		line_addf(l, ROLE_HEADER, "  /%s", a->cv.convs.filter);
	if (a->cv.convs.sort != CONV_SORT_UPDATED || a->cv.convs.reverse)
		line_addf(l, ROLE_HEADER, "  sort: %s%s", conv_sort_name(a->cv.convs.sort), app_sort_arrow(a));
	if (a->cv.n_bk_marks)
		line_addf(l, ROLE_HEADER, "  %zu marked (B backs them up)", a->cv.n_bk_marks);
	if (a->cv.backup) {
		struct backup_status st;
		backup_status(a->cv.backup, &st);
		line_addf(l, ROLE_HEADER, "  backup %zu/%zu%s%s", st.done, st.total, st.stage && *st.stage ? ": " : "",
			  st.stage ? st.stage : "");
	}
}

static void
conv_on_cursor(struct pane *p)
{
	struct app *a = p->ud;
	if (a->preview_source == PANE_CONV || !a->fl.files_open)
		app_preview_follow(a);
}

static void
conv_on_near_end(struct pane *p)
{
	struct app *a = p->ud;
	if (a->cv.convs.more && a->cv.convs.state == MODEL_IDLE)
		app_list_more(a);
}

static unsigned
conv_on_action(struct pane *p, enum action act)
{
	struct app *a = p->ud;
	struct api_conversation *c = app_current_conv(a);
	switch (act) {
	case ACTION_OPEN:
		if (c)
			app_open_conv(a, c);
		else if (a->cv.convs.state == MODEL_FAILED)
			app_show_text(a, "Load failed", ROLE_ERROR, "%s\n\nr retries.", a->cv.convs.error);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_FILTER:
		free(a->cv.filter_before);
		a->cv.filter_before = a->cv.convs.filter ? xstrdup(a->cv.convs.filter) : NULL;
		prompt_input(&a->prompt, PURPOSE_FILTER, "Filter titles:", a->cv.convs.filter, false);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_REFRESH:
		app_list_retry(a);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_SORT: {
		/* The cursor stays on the conversation, not on the row number: d and w
		 * must act on what was selected (issue 14, item 5). */
		char *id = app_selected_id(a);
		conv_list_set_sort(&a->cv.convs, (enum conv_sort)((a->cv.convs.sort + 1) % CONV_SORT_COUNT));
		app_message(a, ROLE_NORMAL, "Sorted by %s%s (s: next order, S: reverse)", conv_sort_name(a->cv.convs.sort),
			    app_sort_arrow(a));
		pane_clamp(p);
		app_select_id(a, id);
		free(id);
		app_preview_follow(a);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	case ACTION_SORT_REVERSE: {
		char *id = app_selected_id(a);
		conv_list_set_reverse(&a->cv.convs, !a->cv.convs.reverse);
		app_message(a, ROLE_NORMAL, "Sorted by %s%s%s", conv_sort_name(a->cv.convs.sort), app_sort_arrow(a),
			    a->cv.convs.reverse ? " (reversed; S again restores)" : "");
		pane_clamp(p);
		app_select_id(a, id);
		free(id);
		app_preview_follow(a);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	case ACTION_WAKE:
		app_wake(a, c);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_DOWNLOAD:
		app_download_prompt(a, false);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_MARK:
		if (c && c->id) {
			app_bk_toggle(a, c->id);
			pane_action(p, ACTION_MOVE_DOWN);
		}
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_CLEAR_MARKS:
		app_bk_clear(a);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_BACKUP:
		app_backup_prompt(a);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	default:
		return PANE_H_NONE;
	}
}

static const struct pane_ops conv_ops = {
	.name = "conversations",
	.ctx = BIND_CONVERSATIONS,
	.count = conv_count,
	.row = conv_row,
	.title = conv_title,
	.on_cursor = conv_on_cursor,
	.on_near_end = conv_on_near_end,
	.on_action = conv_on_action,
};

/* The sort's arrow: down for newest first (the time orders' natural direction), up for A-Z
 * and running-first; S flips it. */
const char *
app_sort_arrow(const struct app *a)
{
	bool down = a->cv.convs.sort == CONV_SORT_UPDATED || a->cv.convs.sort == CONV_SORT_CREATED;
	if (a->cv.convs.reverse)
		down = !down;
	if (tui_utf8())
		return down ? "\xe2\x86\x93" : "\xe2\x86\x91";
	return down ? "v" : "^";
}

/* ---- prompts ---- */

static void
prompt_filter(struct app *a, enum prompt_result r)
{
	if (r == PROMPT_CHANGED) {
		conv_list_set_filter(&a->cv.convs, a->prompt.text);
		a->panes[PANE_CONV].cursor = a->panes[PANE_CONV].top = 0;
	} else if (r == PROMPT_CANCEL) {
		conv_list_set_filter(&a->cv.convs, a->cv.filter_before);
		prompt_close(&a->prompt);
	} else if (r == PROMPT_ACCEPT) {
		char *f = xstrdup(a->prompt.text);
		prompt_close(&a->prompt);
		conv_list_set_filter(&a->cv.convs, f);
		/* Ask the server too when not everything is loaded (or the server
		 * filter changes), so matches beyond the loaded pages show up. */
		bool same = (!*f && !a->cv.server_filter) ||
			    (a->cv.server_filter && strcmp(a->cv.server_filter, f) == 0);
		if (!same && (a->cv.convs.more || a->cv.server_filter)) {
			app_list_start(a, f);
			conv_list_set_filter(&a->cv.convs, f);
		}
		free(f);
	}
	pane_clamp(&a->panes[PANE_CONV]);
	if (r != PROMPT_CONTINUE)
		app_preview_follow(a);
}

static void
prompt_api_key(struct app *a, enum prompt_result r)
{
	if (r == PROMPT_ACCEPT) {
		if (!a->prompt.text[0]) {
			app_message(a, ROLE_WARNING, "Type the key, or Esc to go without");
			return;
		}
		char *key = xstrdup(a->prompt.text);
		prompt_close(&a->prompt);
		app_key_try(a, key);
		memset(key, 0, strlen(key));
		free(key);
	} else if (r == PROMPT_CANCEL) {
		prompt_close(&a->prompt);
		app_message(a, ROLE_WARNING, "No API key: r retries, 'ohbrowse login' stores one");
	}
}

/* ---- the view ---- */

static void
convs_init(struct app *a)
{
	conv_list_init(&a->cv.convs);
}

/* No key but conversations on this machine: start with those rather than a
 * key prompt; L switches to the server, which then asks for the key. */
static void
convs_start(struct app *a)
{
	if (a->opts->ask_key && !app_source_local(a) && app_local_dir_exists(a)) {
		api_client_set_source(a->client, API_SOURCE_LOCAL);
		if (!a->message[0])	/* a config error said first stays */
			app_message(a, ROLE_NORMAL, "No API key: local conversations (L: the server's)");
	}
	app_list_start(a, NULL);
}

static void
convs_stop(struct app *a)
{
	api_op_cancel(&a->cv.list_op);
	api_op_cancel(&a->cv.wake_op);
	api_backup_index_free(&a->cv.bk_index);
	app_backup_stop(a);
	app_bk_clear(a);
	if (a->cv.lister)
		api_lister_free(a->cv.lister);
}

/* After every view stopped: nothing uses a typed key's client any more. */
static void
convs_free(struct app *a)
{
	if (a->cv.own_client)
		api_client_free(a->cv.own_client);
	app_key_forget(a);
	free(a->cv.server_filter);
	app_keep_forget(a);
	free(a->cv.filter_before);
	free(a->cv.wake_id);
	free(a->cv.wake_download_id);
	conv_list_free(&a->cv.convs);
}

/* Its share is less while the events pane, whose rows are long one-line summaries, is shown. */
static void
convs_place(const struct app *a, bool wide, struct layout_slot *s)
{
	s->shown = true;	/* on narrow screens a list shown in its place wins */
	s->share = a->ev.events_open ? 30 : 40;
}

static bool
convs_focusable(const struct app *a)
{
	return true;
}

static bool
convs_busy(const struct app *a)
{
	return a->cv.list_op || a->cv.wake_op || a->cv.backup;
}

static enum view_anim
convs_animating(const struct app *a)
{
	if (a->cv.wake_op)
		return VIEW_TICKING;	/* the seconds of the wake */
	return a->cv.convs.state == MODEL_LOADING ? VIEW_LOADING : VIEW_STILL;
}

static long
convs_timeout(const struct app *a, int64_t now, long t)
{
	if (a->cv.convs.state == MODEL_LOADING) {
		int64_t due = a->cv.list_started_ms + LOADING_DELAY_MS - now;
		if (due > 0 && due < t)
			t = (long)due;
	}
	if (a->cv.wake_op && t > 1000)
		t = 1000;
	return t;
}

static bool
convs_message_row(struct app *a, int cols)
{
	if (!a->cv.wake_op)
		return false;
	char msg[512];
	snprintf(msg, sizeof(msg), "Waking \"%s\"... %ld s (%s)", a->cv.wake_title,
		 (long)((clock_now_ms() - a->cv.wake_started_ms) / 1000), a->cv.wake_status);
	tui_draw_text(a->layout.message.y, 0, cols, ROLE_WARNING, msg);
	return true;
}

static bool
convs_global_action(struct app *a, enum action act)
{
	if (act != ACTION_SOURCE)
		return false;
	app_toggle_source(a);
	return true;
}

static void
convs_pre_action(struct app *a, enum action act)
{
	if (act >= ACTION_MOVE_DOWN && act <= ACTION_LAST)
		app_keep_forget(a);	/* the user chose another place */
}

/* Esc in the list clears its filter (and the server's). */
static bool
convs_close(struct app *a)
{
	if (a->cv.convs.filter) {
		conv_list_set_filter(&a->cv.convs, NULL);
		if (a->cv.server_filter)
			app_list_start(a, NULL);
		pane_clamp(&a->panes[PANE_CONV]);
		app_preview_follow(a);
	}
	return true;
}

static const char *
convs_copy(struct app *a, const char **what)
{
	struct api_conversation *c = app_current_conv(a);
	*what = "the conversation id";
	return c ? c->id : NULL;
}

static void
convs_position(struct app *a, char *buf, size_t n)
{
	struct pane *p = &a->panes[PANE_CONV];
	if (a->cv.convs.n_view)
		snprintf(buf, n, "%zu/%zu%s", p->cursor + 1, a->cv.convs.n_view, a->cv.convs.more ? "+" : "");
	else
		snprintf(buf, n, "0/0");
}

static const struct view_hint convs_hints[] = {
	{ ACTION_OPEN, "open" }, { ACTION_EVENTS, "events" }, { ACTION_FILTER, "filter" },
	{ ACTION_SORT, "sort" }, { ACTION_DOWNLOAD, "download" }, { ACTION_HELP, "help" },
	{ ACTION_QUIT, "quit" }, { ACTION_NONE, NULL },
};

static const struct view_prompt convs_prompts[] = {
	{ PURPOSE_FILTER, prompt_filter, NULL },
	{ PURPOSE_API_KEY, prompt_api_key, NULL },
	{ PURPOSE_WAKE_DOWNLOAD, convs_prompt_wake_download, NULL },
	{ PURPOSE_BACKUP_ALL, convs_prompt_backup_all, NULL },
	{ 0, NULL, NULL },
};

const struct view_ops view_convs = {
	.pane = &conv_ops,
	.role = LAYOUT_NAV,
	.previewed = true,
	.hints = convs_hints,
	.prompts = convs_prompts,
	.init = convs_init,
	.start = convs_start,
	.stop = convs_stop,
	.free = convs_free,
	.place = convs_place,
	.focusable = convs_focusable,
	.busy = convs_busy,
	.animating = convs_animating,
	.pump = convs_pump,
	.timeout = convs_timeout,
	.message_row = convs_message_row,
	.global_action = convs_global_action,
	.pre_action = convs_pre_action,
	.close = convs_close,
	.copy = convs_copy,
	.position = convs_position,
};
