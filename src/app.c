/* src/app.c: the browser's controller and its single event loop (see app.h). */
#include "src/app.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "archive/names.h"
#include "api/backup_index.h"
#include "src/backup.h"
#include "src/export.h"
#include "src/handover.h"
#include "src/keystore.h"
#include "src/model.h"
#include "src/savepath.h"
#include "src/signals.h"
#include "src/base/util.h"
#include "tui/bindings.h"
#include "tui/colors.h"
#include "tui/help.h"
#include "tui/keys.h"
#include "tui/layout.h"
#include "tui/line.h"
#include "tui/pane.h"
#include "tui/progress.h"
#include "tui/prompt.h"
#include "tui/script.h"
#include "tui/text.h"
#include "tui/textview.h"
#include "tui/tui.h"

#define PUMP_BUDGET (256 * 1024)
#define PREVIEW_MAX (64 * 1024)
#define LOADING_DELAY_MS 300
#define MESSAGE_MS 6000
#define FRAME_MS 100
#define SCRIPT_TIMEOUT_MS 30000
#define FOLLOW_MS 3000		/* follow mode: how often to look for new events */
#define APP_LOG_MAX 50		/* messages kept for the messages view */

enum prompt_purpose {
	PURPOSE_NONE = 0,
	PURPOSE_FILTER,
	PURPOSE_QUIT,
	PURPOSE_CANCEL_ALL,
	PURPOSE_DOWNLOAD,
	PURPOSE_DOWNLOAD_NAME,
	PURPOSE_API_KEY,
	PURPOSE_EVENT_SEARCH,
	PURPOSE_WAKE_DOWNLOAD,
	PURPOSE_BACKUP_ALL,
	PURPOSE_SEARCH,
	PURPOSE_TREE_FILTER,
};

enum pane_id {
	PANE_CONV = 0,
	PANE_FILES,
	PANE_EVENTS,
	PANE_PREVIEW,
	PANE_DOWNLOADS,
	PANE_COUNT,
};

struct dir_load {
	struct app *app;
	char *dir;
	struct api_op *op;
	unsigned generation;
};

/* A download waiting for the one running to end (issue 14: several downloads). */
struct app_job {
	struct api_conversation conv;
	char **paths;		/* NULL: the whole workspace */
	size_t n_paths;
	char output[1024];
	char base[256];
};

struct app {
	struct api_client *client;
	struct api_client *own_client;	/* built here from a typed key (opts->ask_key) */
	char *key_checking;		/* that key, stored once a list page succeeds */
	struct http *http;
	const struct app_options *opts;
	struct bindings bindings;
	struct help help;
	struct textview view;		/* an error or the message log, in full */
	/* The last messages, oldest first, for the messages action: a message
	 * line too narrow for its text loses nothing (issue 14, item 3). */
	char *log[APP_LOG_MAX];
	size_t n_log;
	struct script *script;
	const char *dump_dir;
	int64_t script_blocked_since;
	bool script_settled;		/* :wait-bytes held on the previous turn too */
	int exit_code;
	bool quit;
	bool dirty;
	bool urgent;			/* a key or a resize: draw now, whatever the frame cap */
	int64_t key_ms;			/* when the turn that read the first key since the last frame began */
	int64_t turn_ms;		/* when this loop turn began (the poll woke) */
	FILE *latency_log;		/* OHBROWSE_LATENCY_LOG: key-to-frame ms, one per line (bench/) */
	int64_t last_render_ms;

	/* conversations */
	struct conv_list convs;
	struct api_lister *lister;
	struct api_op *list_op;
	int64_t list_started_ms;
	char *server_filter;		/* title__contains of the current lister */
	/* The conversation to keep selected across a refresh (r): rows arrive
	 * page by page, so the id is looked for in each page, and pages are read
	 * until it shows up or as many rows as before are loaded. */
	char *keep_id;
	size_t keep_count;
	char *filter_before;		/* filter to restore when the prompt is cancelled */

	/* one conversation's files */
	bool files_open;
	struct api_conversation conv;	/* copy of the opened conversation */
	bool have_conv;
	struct file_tree tree;
	size_t *marked_below;		/* per node: marked files at or below it (drawn rows) */
	size_t n_marked_below;		/* nodes it covers (the tree as the title saw it) */
	struct api_op *walk_op;
	struct api_op *changes_op;
	struct dir_load **dir_loads;
	size_t n_dir_loads;

	/* one conversation's events (the event pane) */
	bool events_open;
	enum pane_id events_from;	/* the pane v was pressed in: Esc goes back there */
	struct api_conversation ev_conv;
	bool have_ev_conv;
	struct event_list events;
	struct api_events *pager;
	bool ev_loading;		/* a page is in flight */
	int64_t ev_started_ms;
	bool follow;			/* poll for new events every FOLLOW_MS */
	bool ev_to_end;			/* G: read every page, then stand on the last event */
	int64_t follow_due;		/* next poll (0: none planned) */
	char *search_before;		/* search to restore when the prompt is cancelled */
	/* The / search of a pane (tui/pane.c does the finding): where it started,
	 * to come back to on Esc, and the search before it. */
	enum pane_id find_pane;
	size_t find_origin;
	char find_before[128];

	/* preview */
	bool zoom;			/* z: the focused pane takes the whole screen */
	bool pv_wrap;			/* w: long lines wrap instead of being cut */
	bool pv_numbers;		/* L: line numbers in a gutter */
	/* The wrapped rows: row k shows wr_len[k] bytes of line wr_line[k] from wr_off[k];
	 * rebuilt when the text, the width or the gutter changes. */
	size_t *wr_line, *wr_off, *wr_len;
	size_t wr_n, wr_cap;
	const void *wr_key;
	unsigned wr_gen;
	int wr_width;
	struct preview preview;
	struct api_op *preview_op;
	enum pane_id preview_source;

	/* wake */
	struct api_op *wake_op;
	char *wake_id;
	char wake_title[256];		/* says which conversation is waking */
	char *wake_download_id;		/* d on a paused one: download it once it woke */
	int64_t wake_started_ms;
	long wake_elapsed_ms;
	char wake_status[64];

	/* backup (B): marked conversations, and the job that takes them home */
	char **bk_marks;
	size_t n_bk_marks;
	struct backup_job *backup;
	size_t backup_reported;		/* items already said */
	struct api_backup_index bk_index;	/* what the backup directory holds (rows, details) */
	bool bk_index_loaded;

	/* export */
	struct export_job *export;
	bool export_visible;
	bool export_reported;
	bool pump_more;
	int64_t export_last_bytes;
	char download_name[1024];
	/* What the job in a->export was started with, so R can run it again after
	 * it ended (a->conv may show another conversation by then). */
	struct api_conversation export_conv;
	bool have_export_conv;
	char **export_paths;		/* NULL: the whole workspace */
	size_t n_export_paths;
	char export_base[256];
	struct app_job *queue;		/* downloads waiting, oldest first */
	size_t n_queue;
	char download_base[256];	/* the default name, for a directory typed at the prompt */
	char download_target[1200];	/* the name prompt: where Enter would save, or why not */
	bool download_target_bad;
	bool download_marks;		/* the confirmed download uses the marks */

	/* o / e: the terminal lent to $PAGER or $EDITOR */
	struct handover hand;
	struct api_op *hand_op;		/* fetching the whole file first */
	bool hand_editor;
	char *hand_name;

	/* ui */
	struct pane panes[PANE_COUNT];
	enum pane_id focus;
	struct prompt prompt;
	bool sigint_asked;
	char message[512];
	enum role message_role;
	int64_t message_until;
	bool stdin_eof;
	int stdin_spurious;
	struct layout layout;
};

/* ---- helpers ---- */

static void
app_message(struct app *a, enum role role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void
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
static void
app_size_words(char *buf, size_t n, int64_t bytes, bool unknown)
{
	char size[32];
	text_size(size, sizeof(size), bytes);
	if (unknown && bytes <= 0)
		snprintf(buf, n, "size unknown");
	else
		snprintf(buf, n, "%s%s", unknown ? "at least " : "", size);
}

/* Show a text in full in the overlay (Enter on an error row). */
static void
app_show_text(struct app *a, const char *title, enum role role, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
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

static bool
app_export_running(const struct app *a)
{
	return a->export && !export_finished(a->export);
}

static const char *
app_status_word(const struct api_conversation *c)
{
	return api_conversation_status_word(c);
}

/* A V1 sandbox the server reports MISSING: deleted with its files; only events remain. */
static bool
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

static void
app_focus(struct app *a, enum pane_id id)
{
	a->focus = id;
	if (id == PANE_CONV || id == PANE_FILES || id == PANE_EVENTS)
		a->preview_source = id;
	a->dirty = true;
}

static struct pane *
app_pane(struct app *a, enum pane_id id)
{
	return &a->panes[id];
}

static void app_preview_follow(struct app *a);
static void app_list_start(struct app *a, const char *server_filter);
static void app_list_more(struct app *a);
static void app_events_drop(struct app *a);
static void app_download_ask(struct app *a, const struct api_conversation *c, bool use_marks);
static struct file_node *app_current_node(struct app *a, size_t *index);
static const char *app_sort_arrow(const struct app *a);

/* ---- the selected conversation ---- */

static struct api_conversation *
app_current_conv(struct app *a)
{
	return conv_list_at(&a->convs, a->panes[PANE_CONV].cursor);
}

/* The selected conversation's id (a copy), so it can be selected again after the
 * view changed under it; NULL when nothing is selected. */
static char *
app_selected_id(struct app *a)
{
	struct api_conversation *c = app_current_conv(a);
	return c && c->id ? xstrdup(c->id) : NULL;
}

/* Put the cursor on the conversation with this id; false when it is not in the view. */
static bool
app_select_id(struct app *a, const char *id)
{
	if (!id)
		return false;
	for (size_t i = 0; i < a->convs.n_view; i++) {
		struct api_conversation *c = conv_list_at(&a->convs, i);
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
	free(a->keep_id);
	a->keep_id = NULL;
	a->keep_count = 0;
}

/* ---- first run: ask for the API key ---- */

static void
app_key_forget(struct app *a)
{
	if (a->key_checking) {
		memset(a->key_checking, 0, strlen(a->key_checking));
		free(a->key_checking);
		a->key_checking = NULL;
	}
}

/* The list answered 401 and no key was given: ask for one (a prompt state;
 * the loop keeps running). A key that was just tried is dropped, never stored. */
static void
app_ask_key(struct app *a)
{
	bool retry = a->key_checking != NULL;
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
	if (keystore_store(a->key_checking, a->opts->ask_key->server, &path, msg, sizeof(msg)) == 0) {
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
	api_op_cancel(a->list_op);
	a->list_op = NULL;
	if (a->lister)
		api_lister_free(a->lister);
	a->lister = NULL;
	if (a->own_client)
		api_client_free(a->own_client);
	a->client = a->own_client = c;
	app_key_forget(a);
	a->key_checking = xstrdup(key);
	app_message(a, ROLE_NORMAL, "Checking the key...");
	app_list_start(a, a->server_filter);
}

/* ---- conversation list ---- */

static void
app_on_page(void *ud, struct api_conversation *rows, size_t n, bool more, const struct api_error *err)
{
	struct app *a = ud;
	a->list_op = NULL;
	a->dirty = true;
	if (err && err->kind != API_OK) {
		a->convs.state = MODEL_FAILED;
		if (err->kind == API_ERR_AUTH && a->opts->ask_key && !a->own_client)
			/* No key was sent: "rejected the API key" would be untrue (item 15). */
			snprintf(a->convs.error, sizeof(a->convs.error),
				 "%s wants an API key (HTTP %ld); none was sent: type one, or run 'ohbrowse login'",
				 a->opts->server_label ? a->opts->server_label : "the server", err->status);
		else
			snprintf(a->convs.error, sizeof(a->convs.error), "%s", err->message);
		app_message(a, ROLE_ERROR, "%s", a->convs.error);
		if (err->kind == API_ERR_AUTH && a->opts->ask_key)
			app_ask_key(a);
		return;
	}
	if (a->key_checking)
		app_key_store(a);
	/* A page can sort in above the cursor: keep the selected conversation, not the row. */
	char *sel = a->keep_id ? NULL : app_selected_id(a);
	conv_list_append(&a->convs, rows, n);
	a->convs.more = more;
	a->convs.state = more ? MODEL_IDLE : MODEL_DONE;
	struct pane *p = app_pane(a, PANE_CONV);
	pane_clamp(p);
	if (sel)
		app_select_id(a, sel);
	free(sel);
	if (a->keep_id) {
		if (app_select_id(a, a->keep_id) || !more || a->convs.count >= a->keep_count) {
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
	if (a->list_op || !a->lister)
		return;
	if (a->convs.state == MODEL_DONE || a->convs.state == MODEL_FAILED)
		return;
	if (a->convs.count > 0 && !a->convs.more)
		return;
	a->convs.state = MODEL_LOADING;
	a->list_started_ms = clock_now_ms();
	a->list_op = api_lister_next(a->lister, app_on_page, a);
	a->dirty = true;
}

static void
app_list_start(struct app *a, const char *server_filter)
{
	api_op_cancel(a->list_op);
	a->list_op = NULL;
	if (a->lister)
		api_lister_free(a->lister);
	conv_list_clear(&a->convs);
	free(a->server_filter);
	a->server_filter = server_filter && *server_filter ? xstrdup(server_filter) : NULL;
	struct api_lister_opts lo = { .limit = 0, .title_contains = a->server_filter };
	a->lister = api_lister_new(a->client, &lo);
	a->panes[PANE_CONV].cursor = a->panes[PANE_CONV].top = 0;
	app_keep_forget(a);
	app_list_more(a);
}

/* r: a failed page is asked again; otherwise the list is read again from the
 * start, keeping the selected conversation selected (issue 14, item 5). */
static void
app_list_retry(struct app *a)
{
	if (a->convs.state == MODEL_FAILED) {
		a->convs.state = MODEL_IDLE;
		app_list_more(a);
	} else {
		char *id = app_selected_id(a);
		size_t count = a->convs.count;
		app_list_start(a, a->server_filter);
		app_keep_forget(a);
		a->keep_id = id;
		a->keep_count = count;
	}
}

/* ---- files ---- */

static void
app_dir_load_free(struct dir_load *d)
{
	free(d->dir);
	free(d);
}

static void
app_cancel_files(struct app *a)
{
	api_op_cancel(a->walk_op);
	api_op_cancel(a->changes_op);
	api_op_cancel(a->preview_op);
	a->walk_op = a->changes_op = a->preview_op = NULL;
	for (size_t i = 0; i < a->n_dir_loads; i++) {
		api_op_cancel(a->dir_loads[i]->op);
		app_dir_load_free(a->dir_loads[i]);
	}
	a->n_dir_loads = 0;
}

static void
app_on_walk(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct app *a = ud;
	a->walk_op = NULL;
	a->dirty = true;
	if (err && err->kind != API_OK) {
		a->tree.state = MODEL_FAILED;
		snprintf(a->tree.error, sizeof(a->tree.error), "%s", err->message);
		return;
	}
	file_tree_add_list(&a->tree, "", files, true);
	pane_clamp(app_pane(a, PANE_FILES));
	if (a->preview_source == PANE_FILES)
		app_preview_follow(a);
}

static void
app_on_changes(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct app *a = ud;
	a->changes_op = NULL;
	a->dirty = true;
	if (err && err->kind != API_OK) {
		/* Not fatal: a workspace that is not a git repository has no changes. */
		if (err->kind != API_ERR_NOT_FOUND && err->kind != API_ERR_UNSUPPORTED)
			app_message(a, ROLE_WARNING, "Changes: %s", err->message);
		return;
	}
	file_tree_apply_changes(&a->tree, files);
	pane_clamp(app_pane(a, PANE_FILES));
}

static void
app_on_dir(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct dir_load *d = ud;
	struct app *a = d->app;
	for (size_t i = 0; i < a->n_dir_loads; i++) {
		if (a->dir_loads[i] == d) {
			a->dir_loads[i] = a->dir_loads[--a->n_dir_loads];
			break;
		}
	}
	a->dirty = true;
	if (d->generation == a->tree.generation) {
		size_t node = file_tree_find(&a->tree, d->dir);
		if (node != (size_t)-1)
			a->tree.nodes[node].loading = false;
		if (err && err->kind != API_OK) {
			if (!*d->dir) {
				a->tree.state = MODEL_FAILED;
				snprintf(a->tree.error, sizeof(a->tree.error), "%s", err->message);
			} else {
				app_message(a, ROLE_ERROR, "%s: %s", d->dir, err->message);
			}
		} else {
			file_tree_add_list(&a->tree, d->dir, files, false);
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
	d->generation = a->tree.generation;
	a->dir_loads = xrealloc(a->dir_loads, (a->n_dir_loads + 1) * sizeof(*a->dir_loads));
	a->dir_loads[a->n_dir_loads++] = d;
	size_t node = file_tree_find(&a->tree, dir);
	if (node != (size_t)-1)
		a->tree.nodes[node].loading = true;
	d->op = api_list_dir(a->client, &a->conv, dir, app_on_dir, d);
}

static void
app_load_files(struct app *a)
{
	app_cancel_files(a);
	file_tree_clear(&a->tree);
	a->panes[PANE_FILES].cursor = a->panes[PANE_FILES].top = 0;
	a->dirty = true;
	if (!api_conversation_is_running(&a->conv)) {
		a->tree.state = MODEL_FAILED;
		if (a->conv.local)
			snprintf(a->tree.error, sizeof(a->tree.error),
				 "Its workspace is not on this machine: v shows the events");
		else if (app_conv_deleted(&a->conv))
			snprintf(a->tree.error, sizeof(a->tree.error),
				 "The sandbox was deleted: its files are gone; v shows its events");
		else
			snprintf(a->tree.error, sizeof(a->tree.error),
				 "Conversation is %s: press w to wake it", app_status_word(&a->conv));
		return;
	}
	a->tree.state = MODEL_LOADING;
	if (a->conv.version == API_V1)
		a->walk_op = api_walk(a->client, &a->conv, app_on_walk, a);
	else
		app_load_dir(a, "");
	a->changes_op = api_changes(a->client, &a->conv, app_on_changes, a);
}

static void
app_open_conv(struct app *a, const struct api_conversation *c)
{
	if (a->have_conv)
		api_conversation_free(&a->conv);
	api_conversation_copy(&a->conv, c);
	a->have_conv = true;
	a->files_open = true;
	app_events_drop(a);	/* the files pane takes the events pane's place */
	app_load_files(a);
	app_focus(a, PANE_FILES);
	app_preview_follow(a);
}

static struct file_node *
app_current_node(struct app *a, size_t *index)
{
	struct pane *p = app_pane(a, PANE_FILES);
	if (p->cursor >= a->tree.n_view)
		return NULL;
	if (index)
		*index = a->tree.view[p->cursor];
	return &a->tree.nodes[a->tree.view[p->cursor]];
}

/* ---- preview ---- */

static void
app_on_preview(void *ud, const char *text, size_t len, bool binary, bool truncated,
	       const struct api_error *err)
{
	struct app *a = ud;
	a->preview_op = NULL;
	a->dirty = true;
	if (err && err->kind != API_OK && !binary) {
		preview_set_error(&a->preview, err->message);
		return;
	}
	preview_set_text(&a->preview, text, len, binary, truncated);
	a->panes[PANE_PREVIEW].top = 0;
}

/* The backup directory's index, read once (and again after each backup): a missing or
 * unreadable one is an empty index here; `ohbrowse backup` reports what is wrong with it. */
static const struct api_backup_entry *
app_bk_entry(struct app *a, const char *id)
{
	if (!a->bk_index_loaded) {
		char *dir = backup_default_dir(a->opts->backup_dir);
		struct api_error err;
		if (api_backup_index_load(dir, &a->bk_index, &err) != 0)
			memset(&a->bk_index, 0, sizeof(a->bk_index));
		free(dir);
		a->bk_index_loaded = true;
	}
	const struct api_backup_entry *e = id ? api_backup_index_find(&a->bk_index, id) : NULL;
	return e && e->archive ? e : NULL;
}

/* Backed up, and has it changed since? ('=' unchanged, '~' changed, 0 never) */
static char
app_bk_state(struct app *a, const struct api_conversation *c)
{
	const struct api_backup_entry *e = app_bk_entry(a, c->id);
	if (!e)
		return 0;
	return e->updated_at && c->updated_at && strcmp(e->updated_at, c->updated_at) == 0 ? '=' : '~';
}

static void
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
	preview_set_lines(&a->preview, "conversation", sb.buf);
	strbuf_free(&sb);
}

static void
app_preview_dir(struct app *a, const struct file_node *n)
{
	size_t dirs = 0, files = 0;
	int64_t bytes = 0;
	bool unknown = false;
	for (size_t i = 0; i < n->n_children; i++) {
		const struct file_node *c = &a->tree.nodes[n->children[i]];
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
	preview_set_lines(&a->preview, title, sb.buf);
	strbuf_free(&sb);
}

static void app_preview_event(struct app *a, bool whole);

static void
app_preview_follow(struct app *a)
{
	api_op_cancel(a->preview_op);
	a->preview_op = NULL;
	a->panes[PANE_PREVIEW].top = 0;
	a->dirty = true;
	if (a->preview_source == PANE_EVENTS && a->events_open) {
		app_preview_event(a, false);
		return;
	}
	if (a->preview_source == PANE_CONV || !a->files_open) {
		struct api_conversation *c = app_current_conv(a);
		if (c)
			app_preview_conv(a, c);
		else
			preview_set_lines(&a->preview, "", "");
		return;
	}
	struct file_node *n = app_current_node(a, NULL);
	if (!n) {
		preview_set_lines(&a->preview, "", "");
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
		preview_set_lines(&a->preview, n->path, text);
		free(text);
		return;
	}
	bool diff = n->change == API_CHANGE_MODIFIED || n->change == API_CHANGE_RENAMED ||
		    n->change == API_CHANGE_DELETED;
	preview_begin(&a->preview, n->path, n->size, diff);
	if (diff)
		a->preview_op = api_diff(a->client, &a->conv, n->path, app_on_preview, a);
	else
		a->preview_op = api_preview(a->client, &a->conv, n->path, PREVIEW_MAX, app_on_preview, a);
}

/* ---- events ---- */

static struct api_event *
app_current_event(struct app *a)
{
	return event_list_at(&a->events, a->panes[PANE_EVENTS].cursor);
}

/*
 * The selected event in the preview: a header, then its text. Following the
 * cursor shows at most PREVIEW_MAX bytes of it (a huge observation would make
 * every cursor step split megabytes into lines); Enter asks for the whole text.
 */
static void
app_preview_event(struct app *a, bool whole)
{
	struct api_event *e = app_current_event(a);
	if (!e) {
		preview_set_lines(&a->preview, "", "");
		return;
	}
	struct strbuf sb = { 0 };
	/* Two header lines, so a short preview pane still shows the text. */
	strbuf_puts(&sb, api_event_kind_name(e->kind));
	if (e->type)
		strbuf_printf(&sb, " %s", e->type);
	if (e->source)
		strbuf_printf(&sb, ", from %s", e->source);
	if (e->exit_code >= 0)
		strbuf_printf(&sb, ", exit %d", e->exit_code);
	if (e->path)
		strbuf_printf(&sb, ", %s", e->path);
	strbuf_printf(&sb, "\n%s", e->timestamp ? e->timestamp : "no time");
	if (e->origin) {
		/* the file name is what tells events apart; the directory is the conversation's */
		const char *slash = strrchr(e->origin, '/');
		strbuf_printf(&sb, "  %s", slash ? slash + 1 : e->origin);
	} else if (e->id && *e->id) {
		strbuf_printf(&sb, "  id %s", e->id);
	}
	strbuf_puts(&sb, "\n");
	strbuf_puts(&sb, "\n");
	size_t len = strlen(e->text);
	if (!whole && len > PREVIEW_MAX) {
		size_t cut = PREVIEW_MAX;
		while (cut > 0 && e->text[cut] != '\n')
			cut--;
		if (cut == 0)
			cut = PREVIEW_MAX;
		strbuf_append(&sb, e->text, cut);
		strbuf_printf(&sb, "\n... %zu more bytes: Enter shows the whole text\n", len - cut);
	} else {
		strbuf_append(&sb, e->text, len);
	}
	char title[64];
	snprintf(title, sizeof(title), "event %zu", a->events.view[a->panes[PANE_EVENTS].cursor] + 1);
	preview_set_lines(&a->preview, title, sb.buf);
	strbuf_free(&sb);
}

static void app_events_more(struct app *a);

static void
app_on_events(void *ud, struct api_event *rows, size_t n, bool more, const struct api_error *err)
{
	struct app *a = ud;
	struct pane *p = app_pane(a, PANE_EVENTS);
	a->ev_loading = false;
	a->dirty = true;
	if (err && err->kind != API_OK) {
		/* The pager ends here; r (or Enter on the row) resumes it from the failed page. */
		a->events.state = MODEL_FAILED;
		snprintf(a->events.error, sizeof(a->events.error), "%s", err->message);
		if (a->follow)
			a->follow_due = clock_now_ms() + FOLLOW_MS;
		pane_clamp(p);
		return;
	}
	size_t before = a->events.n_view;
	bool at_end = before == 0 || p->cursor + 1 >= before;
	event_list_take(&a->events, rows, n);
	a->events.more = more;
	a->events.state = more ? MODEL_IDLE : MODEL_DONE;
	if (a->follow && !more)
		a->follow_due = clock_now_ms() + FOLLOW_MS;
	if ((a->follow && at_end) || a->ev_to_end) {
		if (a->events.n_view > 0)
			pane_set_cursor(p, a->events.n_view - 1);	/* like tail -f: stay at the end */
		if (!more)
			a->ev_to_end = false;
	}
	pane_clamp(p);
	if (before == 0 && a->events.n_view > 0 && a->preview_source == PANE_EVENTS)
		app_preview_follow(a);
	if ((a->follow || a->ev_to_end) && more)
		app_events_more(a);
	else
		pane_check_near_end(p);	/* a filter may have hidden the whole page */
}

/* Ask the pager for its next page, unless one is in flight or none is left. */
static void
app_events_more(struct app *a)
{
	if (!a->pager || a->ev_loading || !api_events_more(a->pager))
		return;
	if (a->events.state == MODEL_DONE || a->events.state == MODEL_FAILED)
		return;
	a->ev_loading = true;
	a->events.state = MODEL_LOADING;
	a->ev_started_ms = clock_now_ms();
	api_events_next(a->pager, app_on_events, a);
	a->dirty = true;
}

/*
 * Look again (after an error, or for new events in follow mode): the pager resumes
 * where it stopped, so earlier pages are not read again (on Cloud they would eat
 * the 100 requests a minute). A pager that cannot resume is replaced by a new one
 * The pager drops rows it delivered before (by id), so nothing here counts rows.
 */
static void
app_events_restart(struct app *a)
{
	a->follow_due = 0;
	if (a->pager && a->ev_loading)
		return;		/* a page is on its way: it is the look again */
	if (!a->pager)
		a->pager = api_events_new(a->client, &a->ev_conv, false);
	else
		api_events_resume(a->pager);	/* false: it has more to give anyway */
	a->events.state = MODEL_IDLE;
	a->events.error[0] = '\0';
	app_events_more(a);
}

/* Forget the event pane's conversation and rows (no focus change). */
static void
app_events_drop(struct app *a)
{
	if (a->pager)
		api_events_free(a->pager);
	a->pager = NULL;
	a->ev_loading = false;
	a->events_open = false;
	a->follow = false;
	a->ev_to_end = false;
	a->follow_due = 0;
	event_list_clear(&a->events);
	if (a->have_ev_conv)
		api_conversation_free(&a->ev_conv);
	a->have_ev_conv = false;
	if (a->preview_source == PANE_EVENTS)
		a->preview_source = a->files_open ? PANE_FILES : PANE_CONV;
	a->dirty = true;
}

static void
app_events_open(struct app *a, const struct api_conversation *c, enum pane_id from)
{
	app_events_drop(a);
	api_conversation_copy(&a->ev_conv, c);
	a->have_ev_conv = true;
	a->events_open = true;
	a->events_from = from;
	event_list_set_filter(&a->events, EVENT_FILTER_ALL);
	event_list_set_search(&a->events, NULL);
	a->panes[PANE_EVENTS].find[0] = '\0';
	a->panes[PANE_EVENTS].cursor = a->panes[PANE_EVENTS].top = 0;
	app_focus(a, PANE_EVENTS);
	app_events_restart(a);
	app_preview_follow(a);
}

/* Esc, q or h in the event pane: back to the pane v was pressed in. */
static void
app_events_close(struct app *a)
{
	enum pane_id back = a->events_from == PANE_FILES && a->files_open ? PANE_FILES : PANE_CONV;
	app_events_drop(a);
	app_focus(a, back);
	app_preview_follow(a);
}

static void
app_events_toggle_follow(struct app *a)
{
	a->follow = !a->follow;
	a->follow_due = 0;
	if (!a->follow) {
		app_message(a, ROLE_NORMAL, "Not following");
		return;
	}
	app_message(a, ROLE_NORMAL, "Following: new events are looked for every %d s (F stops)",
		    FOLLOW_MS / 1000);
	struct pane *p = app_pane(a, PANE_EVENTS);
	if (a->events.n_view > 0)
		pane_set_cursor(p, a->events.n_view - 1);
	if (a->events.state == MODEL_IDLE)
		app_events_more(a);	/* load the rest, staying at the end */
	else if (!a->ev_loading)
		a->follow_due = clock_now_ms();	/* done or failed: look at once */
}

/* The loop's follow timer: look for events that arrived since the last page. */
static void
app_events_poll(struct app *a, int64_t now)
{
	if (!a->events_open || !a->follow || !a->follow_due || now < a->follow_due || a->ev_loading)
		return;
	app_events_restart(a);
}

/* ---- local or server conversations ---- */

static bool
app_local_dir_exists(struct app *a)
{
	const char *dir = api_client_local_dir(a->client);
	struct stat st;
	return dir && stat(dir, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
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
	file_tree_clear(&a->tree);
	a->files_open = false;
	app_focus(a, PANE_CONV);
	app_list_start(a, NULL);
	if (local)
		app_message(a, ROLE_NORMAL, "Conversations on the server (L: local ones)");
	else
		app_message(a, ROLE_NORMAL, "Local conversations (L: the server's)");
}

/* ---- wake ---- */

static void
app_on_wake_progress(void *ud, long elapsed_ms, const char *status)
{
	struct app *a = ud;
	a->wake_elapsed_ms = elapsed_ms;
	snprintf(a->wake_status, sizeof(a->wake_status), "%s", status ? status : "");
	a->dirty = true;
}

/* What the browser woke: main offers to pause it again on the way out (app_options.woken). */
static void
app_note_woken(struct app *a, const struct api_conversation *conv)
{
	struct app_woken *w = a->opts->woken;
	if (!w || conv->version != API_V1 || a->opts->keep_awake)
		return;
	for (size_t i = 0; i < w->count; i++)
		if (strcmp(w->items[i].id, conv->id) == 0)
			return;
	w->items = xrealloc(w->items, (w->count + 1) * sizeof(*w->items));
	api_conversation_copy(&w->items[w->count++], conv);
}

static void
app_on_wake(void *ud, struct api_conversation *conv, const struct api_error *err)
{
	struct app *a = ud;
	a->wake_op = NULL;
	a->dirty = true;
	char *id = a->wake_id;
	a->wake_id = NULL;
	if (err && err->kind != API_OK) {
		app_message(a, ROLE_ERROR, "Wake failed: %s", err->message);
		free(id);
		return;
	}
	if (conv) {
		char *sel = app_selected_id(a);
		conv_list_update(&a->convs, conv);	/* its new status may sort it elsewhere */
		app_select_id(a, sel);
		free(sel);
		app_message(a, ROLE_NORMAL, "Woke \"%s\"", conv->title ? conv->title : "");
		app_note_woken(a, conv);
		bool files_of_it = a->have_conv && id && a->conv.id && strcmp(a->conv.id, id) == 0;
		if (files_of_it) {
			api_conversation_free(&a->conv);
			api_conversation_copy(&a->conv, conv);
			app_load_files(a);
			app_preview_follow(a);
		} else if (a->preview_source == PANE_CONV) {
			app_preview_follow(a);
		}
		if (a->wake_download_id && id && strcmp(a->wake_download_id, id) == 0 &&
		    !prompt_open(&a->prompt))
			app_download_ask(a, files_of_it ? &a->conv : conv, false);
	}
	free(a->wake_download_id);
	a->wake_download_id = NULL;
	free(id);
}

static void
app_wake(struct app *a, const struct api_conversation *c)
{
	if (!c)
		return;
	if (a->wake_op) {
		app_message(a, ROLE_WARNING, "Already waking a conversation");
		return;
	}
	if (api_conversation_is_running(c)) {
		app_message(a, ROLE_NORMAL, "\"%s\" is already running", c->title ? c->title : "");
		return;
	}
	if (app_conv_deleted(c)) {
		app_message(a, ROLE_WARNING, "The sandbox was deleted: its files are gone; v shows its events");
		return;
	}
	a->wake_id = xstrdup(c->id);
	snprintf(a->wake_title, sizeof(a->wake_title), "%s", c->title && *c->title ? c->title : c->id);
	a->wake_started_ms = clock_now_ms();
	a->wake_elapsed_ms = 0;
	snprintf(a->wake_status, sizeof(a->wake_status), "%s", "requested");
	a->wake_op = api_wake(a->client, c, app_on_wake_progress, app_on_wake, a);
	app_message(a, ROLE_NORMAL, "Waking \"%s\"...", c->title ? c->title : "");
}

/* ---- export ---- */

static void
app_export_free(struct app *a)
{
	if (a->export)
		export_free(a->export);
	a->export = NULL;
	a->pump_more = false;
}

static void
app_download_prompt(struct app *a, bool use_marks)
{
	const struct api_conversation *c = NULL;
	const struct api_conversation *cur = app_current_conv(a);
	if (a->files_open && a->have_conv &&
	    (a->focus != PANE_CONV || (cur && cur->id && a->conv.id && strcmp(cur->id, a->conv.id) == 0))) {
		c = &a->conv;
		if (a->focus == PANE_CONV)
			use_marks = false;
	} else {
		c = cur;
	}
	if (!c)
		return;
	if (!api_conversation_is_running(c) && !c->local && !app_conv_deleted(c) && !a->wake_op) {
		/* Offer what the user is after instead of only explaining (issue 14, item 13). */
		char label[600];
		snprintf(label, sizeof(label), "\"%s\" is %s: wake it and download? y/n",
			 c->title ? c->title : "", app_status_word(c));
		free(a->wake_download_id);
		a->wake_download_id = xstrdup(c->id);
		prompt_confirm(&a->prompt, PURPOSE_WAKE_DOWNLOAD, label, NULL);
		a->dirty = true;
		return;
	}
	app_download_ask(a, c, use_marks);
}

/* The confirmation for downloading c (the marks when use_marks and its files are open). */
static void
app_download_ask(struct app *a, const struct api_conversation *c, bool use_marks)
{
	if (!api_conversation_is_running(c)) {
		app_message(a, ROLE_WARNING, "\"%s\" is %s: press w to wake it first",
			    c->title ? c->title : "", app_status_word(c));
		return;
	}
	if (c != &a->conv) {
		/* Downloading from the list: remember which conversation. */
		if (a->have_conv)
			api_conversation_free(&a->conv);
		api_conversation_copy(&a->conv, c);
		a->have_conv = true;
		if (a->files_open) {
			a->files_open = false;
			app_cancel_files(a);
			file_tree_clear(&a->tree);
		}
		use_marks = false;
	}
	char err[256];
	char *base = names_archive_base(c->title, c->id);
	char *path = names_pick_archive_path(a->opts->download_dir, base, NULL, err, sizeof(err));
	snprintf(a->download_base, sizeof(a->download_base), "%s", base);
	free(base);
	if (!path) {
		app_message(a, ROLE_ERROR, "%s", err);
		return;
	}
	snprintf(a->download_name, sizeof(a->download_name), "%s", path);
	free(path);
	struct file_selection sel = { 0 };
	char what[256], size[48];
	if (use_marks && a->files_open)
		file_tree_selection(&a->tree, &sel);
	if (sel.roots > 0) {
		app_size_words(size, sizeof(size), sel.bytes, sel.size_unknown);
		snprintf(what, sizeof(what), "%zu marked file%s (%s)", sel.files, sel.files == 1 ? "" : "s",
			 size);
	} else if (a->files_open && a->tree.full) {
		size_t files, changed;
		int64_t bytes;
		file_tree_totals(&a->tree, &files, &bytes, &changed);
		text_size(size, sizeof(size), bytes);
		snprintf(what, sizeof(what), "all %zu file%s (%s)", files, files == 1 ? "" : "s", size);
	} else {
		snprintf(what, sizeof(what), "the whole workspace");
	}
	char label[1400];
	snprintf(label, sizeof(label), "%s %s to %s? y/n, e edits the name",
		 app_export_running(a) ? "Queue the download of" : "Download", what, a->download_name);
	prompt_confirm(&a->prompt, PURPOSE_DOWNLOAD, label, "e");
	a->download_marks = sel.roots > 0;
	a->dirty = true;
}

/* The name prompt's target line: what Enter would do with the text typed so far. */
static void
app_download_target(struct app *a)
{
	char err[1024];
	char *path = savepath_resolve(a->prompt.text, a->opts->download_dir, a->download_base, err, sizeof(err));
	a->download_target_bad = path == NULL;
	snprintf(a->download_target, sizeof(a->download_target), "%s%s", path ? "Saves to " : "", path ? path : err);
	if (path)
		err[0] = '\0';
	free(path);
}

static void
app_name_prompt(struct app *a, const char *text)
{
	prompt_input(&a->prompt, PURPOSE_DOWNLOAD_NAME, "Save as (a name, a directory, ~ works):", text, false);
	app_download_target(a);
}

/* Forget what the last job was started with. */
static void
app_export_forget(struct app *a)
{
	for (size_t i = 0; i < a->n_export_paths; i++)
		free(a->export_paths[i]);
	free(a->export_paths);
	a->export_paths = NULL;
	a->n_export_paths = 0;
	if (a->have_export_conv)
		api_conversation_free(&a->export_conv);
	a->have_export_conv = false;
}

/* Start a job on conv for paths (NULL: everything) into output. */
static bool
app_export_begin(struct app *a, const struct api_conversation *conv, const char *const *paths, size_t n,
		 const char *output)
{
	struct export_opts eo;
	/* the same plan as `ohbrowse download` (export_opts_init): the archive first, when there is one */
	export_opts_init(&eo, paths, paths ? n : 0);
	eo.output = output;
	struct api_error err;
	memset(&err, 0, sizeof(err));
	/* Copies first: conv or paths may point into what is freed below. */
	struct api_conversation copy;
	api_conversation_copy(&copy, conv);
	char **keep = n ? xcalloc(n, sizeof(*keep)) : NULL;
	for (size_t i = 0; i < n; i++)
		keep[i] = xstrdup(paths[i]);
	eo.paths = (const char *const *)keep;
	char name[1024];
	snprintf(name, sizeof(name), "%s", output);
	eo.output = name;
	app_export_free(a);
	a->export = export_start(a->client, &copy, &eo, &err);
	if (!a->export) {
		for (size_t i = 0; i < n; i++)
			free(keep[i]);
		free(keep);
		api_conversation_free(&copy);
		app_message(a, ROLE_ERROR, "Download: %s", err.message[0] ? err.message : "cannot start");
		return false;
	}
	app_export_forget(a);
	a->export_conv = copy;
	a->have_export_conv = true;
	a->export_paths = keep;
	a->n_export_paths = n;
	a->export_visible = true;
	a->export_reported = false;
	a->export_last_bytes = -1;
	a->panes[PANE_DOWNLOADS].cursor = a->panes[PANE_DOWNLOADS].top = 0;
	app_message(a, ROLE_NORMAL, "Downloading to %s (browsing continues; X cancels)", name);
	return true;
}

static bool
app_download_start(struct app *a, bool use_marks)
{
	const char **paths = NULL;
	size_t n = 0;
	if (use_marks && a->files_open) {
		paths = file_tree_selected_paths(&a->tree, &n);
		if (n == 0) {
			free(paths);
			paths = NULL;
		}
	}
	if (app_export_running(a)) {
		/* A second d queues instead of refusing; it starts when this one ends. */
		a->queue = xrealloc(a->queue, (a->n_queue + 1) * sizeof(*a->queue));
		struct app_job *j = &a->queue[a->n_queue++];
		memset(j, 0, sizeof(*j));
		api_conversation_copy(&j->conv, &a->conv);
		j->paths = n ? xcalloc(n, sizeof(*j->paths)) : NULL;
		for (size_t i = 0; i < n; i++)
			j->paths[i] = xstrdup(paths[i]);
		j->n_paths = n;
		snprintf(j->output, sizeof(j->output), "%s", a->download_name);
		snprintf(j->base, sizeof(j->base), "%s", a->download_base);
		free(paths);
		app_message(a, ROLE_NORMAL, "Queued %s (%zu waiting; it starts when the running download ends)",
			    j->output, a->n_queue);
		a->dirty = true;
		return true;
	}
	snprintf(a->export_base, sizeof(a->export_base), "%s", a->download_base);
	bool ok = app_export_begin(a, &a->conv, paths, n, a->download_name);
	free(paths);
	return ok;
}

static void
app_job_free(struct app_job *j)
{
	for (size_t i = 0; i < j->n_paths; i++)
		free(j->paths[i]);
	free(j->paths);
	api_conversation_free(&j->conv);
}

/* The running download ended: start the next one in the queue. */
static void
app_queue_next(struct app *a)
{
	while (a->n_queue) {
		struct app_job j = a->queue[0];
		memmove(a->queue, a->queue + 1, (a->n_queue - 1) * sizeof(*a->queue));
		a->n_queue--;
		/* Queued under a name that has been taken since (the same conversation twice)? */
		char out[1024];
		snprintf(out, sizeof(out), "%s", j.output);
		char *part = xasprintf("%s.part", out);
		bool taken = access(out, F_OK) == 0 || access(part, F_OK) == 0;
		free(part);
		if (taken) {
			char err[256];
			char *fresh = names_pick_archive_path(a->opts->download_dir, j.base, NULL, err, sizeof(err));
			if (fresh) {
				snprintf(out, sizeof(out), "%s", fresh);
				free(fresh);
			}
		}
		bool ok = app_export_begin(a, &j.conv, (const char *const *)j.paths, j.n_paths, out);
		if (ok)
			snprintf(a->export_base, sizeof(a->export_base), "%s", j.base);
		app_job_free(&j);
		if (ok)
			return;
	}
}

/*
 * R after the job ended (issue 14, item 2): the failed and cancelled files of a
 * saved archive go into a new one (NAME-retry.zip; the saved archive is never
 * touched), and a job that failed or was cancelled as a whole runs again as it
 * was started, under a new name.
 */
static void
app_retry_finished(struct app *a)
{
	struct export_totals t;
	export_totals(a->export, &t);
	if (!a->have_export_conv) {
		app_message(a, ROLE_WARNING, "Nothing to retry");
		return;
	}
	if (t.phase == EXPORT_DONE && t.files_failed == 0) {
		app_message(a, ROLE_NORMAL, "Nothing failed: %s has every file", t.archive_path ? t.archive_path : "");
		return;
	}
	char err[512];
	bool saved = t.phase == EXPORT_DONE;
	char *path = names_pick_archive_path(a->opts->download_dir, a->export_base, saved ? "-retry" : NULL, err,
					     sizeof(err));
	if (!path) {
		app_message(a, ROLE_ERROR, "%s", err);
		return;
	}
	const char **paths = NULL;
	size_t n = 0;
	if (saved) {
		size_t count = export_file_count(a->export);
		paths = xcalloc(count ? count : 1, sizeof(*paths));
		for (size_t i = 0; i < count; i++) {
			const struct export_file *f = export_file_at(a->export, i);
			if (f->state == EXPORT_FILE_FAILED || f->state == EXPORT_FILE_CANCELLED)
				paths[n++] = f->path;
		}
	} else {
		paths = (const char **)a->export_paths;
		n = a->n_export_paths;
	}
	char base[256];
	snprintf(base, sizeof(base), "%s", a->export_base);
	struct api_conversation conv;
	api_conversation_copy(&conv, &a->export_conv);
	if (app_export_begin(a, &conv, paths, n, path)) {
		snprintf(a->export_base, sizeof(a->export_base), "%s", base);
		if (saved)
			app_message(a, ROLE_NORMAL, "Retrying %zu file%s into %s", n, n == 1 ? "" : "s", path);
		else
			app_message(a, ROLE_NORMAL, "Downloading again to %s", path);
	}
	api_conversation_free(&conv);
	if (saved)
		free(paths);
	free(path);
}


static void
app_export_check(struct app *a)
{
	if (!a->export)
		return;
	struct export_totals t;
	export_totals(a->export, &t);
	if (t.bytes_done != a->export_last_bytes) {
		a->export_last_bytes = t.bytes_done;
		a->dirty = true;
	}
	if (!export_finished(a->export) || a->export_reported)
		return;
	a->export_reported = true;
	a->dirty = true;
	char size[32];
	text_size(size, sizeof(size), t.archive_size);
	if (t.phase == EXPORT_DONE) {
		if (t.files_failed)
			app_message(a, ROLE_WARNING, "Saved %s (%s); %zu file%s failed (listed in the archive)",
				    t.archive_path ? t.archive_path : "", size, t.files_failed,
				    t.files_failed == 1 ? "" : "s");
		else
			app_message(a, ROLE_NORMAL, "Saved %s (%s, %zu files)",
				    t.archive_path ? t.archive_path : "", size, t.files_written);
	} else if (t.phase == EXPORT_CANCELLED) {
		app_message(a, ROLE_WARNING, "Download cancelled%s%s", t.message ? ": " : "",
			    t.message ? t.message : "");
	} else {
		app_message(a, ROLE_ERROR, "Download failed: %s", t.message ? t.message : "no file could be saved");
	}
	/* Say so outside the terminal too (the bell by default; set notify in the config). */
	tui_notify(a->bindings.notify, "ohbrowse", a->message);
	if (a->n_queue) {
		char done[512];
		snprintf(done, sizeof(done), "%s", a->message);
		app_queue_next(a);
		if (app_export_running(a)) {
			struct export_totals n;
			export_totals(a->export, &n);
			app_message(a, a->message_role, "%s; next: %s", done, n.archive_path ? n.archive_path : "");
		}
	}
}

/* ---- pane ops: conversations ---- */

static bool
app_show_loading_row(struct app *a, enum model_state st, int64_t since)
{
	if (st != MODEL_LOADING)
		return false;
	return a->script || clock_now_ms() - since >= LOADING_DELAY_MS;
}

static size_t
conv_count(struct pane *p)
{
	struct app *a = p->ud;
	size_t n = a->convs.n_view;
	if (a->convs.state == MODEL_LOADING || a->convs.state == MODEL_FAILED)
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
	if (a->events_open && a->have_ev_conv && a->ev_conv.id && strcmp(a->ev_conv.id, c->id) == 0)
		return true;
	return a->files_open && !a->events_open && a->have_conv && a->conv.id &&
	       strcmp(a->conv.id, c->id) == 0;
}

/* ---- backup from the browser: the same engine as `ohbrowse backup` */

static bool
app_bk_marked(const struct app *a, const char *id)
{
	for (size_t i = 0; id && i < a->n_bk_marks; i++)
		if (strcmp(a->bk_marks[i], id) == 0)
			return true;
	return false;
}

static void
app_bk_toggle(struct app *a, const char *id)
{
	for (size_t i = 0; i < a->n_bk_marks; i++) {
		if (strcmp(a->bk_marks[i], id) == 0) {
			free(a->bk_marks[i]);
			a->bk_marks[i] = a->bk_marks[--a->n_bk_marks];
			return;
		}
	}
	a->bk_marks = xrealloc(a->bk_marks, (a->n_bk_marks + 1) * sizeof(*a->bk_marks));
	a->bk_marks[a->n_bk_marks++] = xstrdup(id);
}

static void
app_bk_clear(struct app *a)
{
	for (size_t i = 0; i < a->n_bk_marks; i++)
		free(a->bk_marks[i]);
	free(a->bk_marks);
	a->bk_marks = NULL;
	a->n_bk_marks = 0;
}

static void
app_backup_notice(void *ud, const char *text)
{
	app_message(ud, ROLE_WARNING, "%s", text);
}

static void
app_backup_start(struct app *a, const char *const *ids, size_t n)
{
	char *dir = backup_default_dir(a->opts->backup_dir);
	struct backup_opts bo = {.dir = dir, .ids = ids, .n_ids = n, .since_s = -1, .reaping_within_days = -1,
				 .notice = app_backup_notice, .ud = a};
	struct api_error err;

	a->backup = backup_start(a->client, &bo, &err);
	if (!a->backup)
		app_message(a, ROLE_ERROR, "Backup: %s", err.message);
	else
		app_message(a, ROLE_NORMAL, "Backing up %zu conversation%s into %s (browsing continues)", n,
			    n == 1 ? "" : "s", dir);
	free(dir);
	a->backup_reported = 0;
	a->dirty = true;
}

/* B: the marked conversations, or (after asking) every listed one. */
static void
app_backup_prompt(struct app *a)
{
	if (a->backup) {
		app_message(a, ROLE_WARNING, "A backup is running; B again when it is done");
		return;
	}
	if (a->n_bk_marks) {
		app_backup_start(a, (const char *const *)a->bk_marks, a->n_bk_marks);
		return;
	}
	if (a->convs.n_view == 0) {
		app_message(a, ROLE_WARNING, "No conversations to back up");
		return;
	}
	char *dir = backup_default_dir(a->opts->backup_dir);
	char label[1200];
	snprintf(label, sizeof(label), "Back up all %zu listed conversations into %s? y/n (Space marks some)",
		 a->convs.n_view, dir);
	free(dir);
	prompt_confirm(&a->prompt, PURPOSE_BACKUP_ALL, label, NULL);
}

static void
app_backup_all(struct app *a)
{
	size_t n = a->convs.n_view;
	const char **ids = xcalloc(n ? n : 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = conv_list_at(&a->convs, i)->id;
	app_backup_start(a, ids, n);
	free(ids);
}

/* Once a loop turn: say what finished; at the end the summary, and the marks are done. */
static void
app_backup_check(struct app *a)
{
	static const char *const words[] = {"pending", "backed up", "unchanged", "events only", "failed", "planned"};
	struct backup_status st;

	backup_status(a->backup, &st);
	while (a->backup_reported < st.done) {
		const struct backup_item *it = backup_item_at(a->backup, a->backup_reported++);
		app_message(a, it->outcome == BACKUP_FAILED ? ROLE_ERROR : ROLE_NORMAL, "Backup %zu/%zu: \"%s\" %s%s%s",
			    a->backup_reported, st.total, it->title, words[it->outcome], it->reason ? ": " : "",
			    it->reason ? it->reason : "");
	}
	if (!backup_finished(a->backup))
		return;
	int rc = backup_exit_code(a->backup);
	if (rc == 0)
		app_message(a, ROLE_NORMAL, "Backup done: %zu conversation%s, the index is in the backup directory", st.total,
			    st.total == 1 ? "" : "s");
	else if (st.message)
		app_message(a, ROLE_ERROR, "Backup stopped: %s", st.message);
	else
		app_message(a, ROLE_WARNING, "Backup done, but some conversations failed (M shows them)");
	backup_free(a->backup);
	a->backup = NULL;
	app_bk_clear(a);
	api_backup_index_free(&a->bk_index);
	a->bk_index_loaded = false;	/* the rows read it again */
	if (a->preview_source == PANE_CONV)
		app_preview_follow(a);	/* the details say where it went */
	a->dirty = true;
}

/* Quitting with a backup running: stop it; a sandbox it woke is offered to be paused. */
static void
app_backup_stop(struct app *a)
{
	if (!a->backup)
		return;
	const struct api_conversation *w = backup_woken(a->backup);
	if (w)
		app_note_woken(a, w);
	backup_free(a->backup);
	a->backup = NULL;
}

static void
conv_row(struct pane *p, size_t i, struct line *l, int width)
{
	struct app *a = p->ud;
	if (i >= a->convs.n_view) {
		if (a->convs.state == MODEL_FAILED)
			line_addf(l, ROLE_ERROR, "Load failed (Enter reads it all, r retries): %s", a->convs.error);
		else if (a->convs.state == MODEL_LOADING) {
			if (app_show_loading_row(a, a->convs.state, a->list_started_ms))
				line_add(l, ROLE_MUTED, tui_utf8() ? "Loading\xe2\x80\xa6" : "Loading...");
		} else if (a->convs.filter)
			line_addf(l, ROLE_MUTED, "No conversation title contains \"%s\" (Esc clears)",
				  a->convs.filter);
		else
			line_add(l, ROLE_MUTED, "No conversations");
		return;
	}
	struct api_conversation *c = conv_list_at(&a->convs, i);
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
	if (a->convs.filter)
		line_addf(l, ROLE_HEADER, "  /%s", a->convs.filter);
	if (a->convs.sort != CONV_SORT_UPDATED || a->convs.reverse)
		line_addf(l, ROLE_HEADER, "  sort: %s%s", conv_sort_name(a->convs.sort), app_sort_arrow(a));
	if (a->n_bk_marks)
		line_addf(l, ROLE_HEADER, "  %zu marked (B backs them up)", a->n_bk_marks);
	if (a->backup) {
		struct backup_status st;
		backup_status(a->backup, &st);
		line_addf(l, ROLE_HEADER, "  backup %zu/%zu%s%s", st.done, st.total, st.stage && *st.stage ? ": " : "",
			  st.stage ? st.stage : "");
	}
}

static void
conv_on_cursor(struct pane *p)
{
	struct app *a = p->ud;
	if (a->preview_source == PANE_CONV || !a->files_open)
		app_preview_follow(a);
}

static void
conv_on_near_end(struct pane *p)
{
	struct app *a = p->ud;
	if (a->convs.more && a->convs.state == MODEL_IDLE)
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
		else if (a->convs.state == MODEL_FAILED)
			app_show_text(a, "Load failed", ROLE_ERROR, "%s\n\nr retries.", a->convs.error);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_FILTER:
		free(a->filter_before);
		a->filter_before = a->convs.filter ? xstrdup(a->convs.filter) : NULL;
		prompt_input(&a->prompt, PURPOSE_FILTER, "Filter titles:", a->convs.filter, false);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_REFRESH:
		app_list_retry(a);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_SORT: {
		/* The cursor stays on the conversation, not on the row number: d and w
		 * must act on what was selected (issue 14, item 5). */
		char *id = app_selected_id(a);
		conv_list_set_sort(&a->convs, (enum conv_sort)((a->convs.sort + 1) % CONV_SORT_COUNT));
		app_message(a, ROLE_NORMAL, "Sorted by %s%s (s: next order, S: reverse)", conv_sort_name(a->convs.sort),
			    app_sort_arrow(a));
		pane_clamp(p);
		app_select_id(a, id);
		free(id);
		app_preview_follow(a);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	case ACTION_SORT_REVERSE: {
		char *id = app_selected_id(a);
		conv_list_set_reverse(&a->convs, !a->convs.reverse);
		app_message(a, ROLE_NORMAL, "Sorted by %s%s%s", conv_sort_name(a->convs.sort), app_sort_arrow(a),
			    a->convs.reverse ? " (reversed; S again restores)" : "");
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

/* ---- pane ops: files ---- */

/* The wake in flight is for the conversation whose files are open: only then does
 * its banner belong in the files pane (issue 14, item 4). */
static bool
app_waking_files(const struct app *a)
{
	return a->wake_op && a->wake_id && a->have_conv && a->conv.id && strcmp(a->wake_id, a->conv.id) == 0;
}

static size_t
files_status_rows(struct app *a)
{
	if (a->tree.state == MODEL_FAILED || app_waking_files(a))
		return 1;
	if (a->tree.state == MODEL_LOADING && a->tree.n_view == 0)
		return 1;
	return a->tree.n_view == 0 ? 1 : 0;
}

static size_t
files_count(struct pane *p)
{
	struct app *a = p->ud;
	return a->tree.n_view + files_status_rows(a);
}

static void
files_status_row(struct app *a, struct line *l)
{
	if (app_waking_files(a)) {
		long s = (long)((clock_now_ms() - a->wake_started_ms) / 1000);
		long limit = 180;
		line_addf(l, ROLE_WARNING, "Waking... %ld s elapsed (%s), gives up after %ld s", s,
			  a->wake_status, limit);
	} else if (a->tree.state == MODEL_FAILED) {
		bool stopped = a->have_conv && !api_conversation_is_running(&a->conv);
		if (stopped)
			line_add(l, ROLE_WARNING, a->tree.error);
		else
			line_addf(l, ROLE_ERROR, "Failed (Enter reads it all, r retries): %s", a->tree.error);
	} else if (a->tree.state == MODEL_LOADING) {
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
	size_t idx = a->tree.view[i];
	struct file_node *n = &a->tree.nodes[idx];
	bool marked = file_tree_effectively_marked(&a->tree, idx);
	bool utf8 = tui_utf8();
	/* A directory holding marks without being marked itself shows '+' and a count,
	 * so marks inside a collapsed directory never go unseen (issue 14, item 9). */
	size_t held = n->type == API_DIR && idx < a->n_marked_below ? a->marked_below[idx] : 0;
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
	bool shares = a->tree.sort == FILE_SORT_SIZE && a->tree.full && a->tree.nodes[0].total > 0;
	int size_w = shares ? 14 : 9;
	int name_w = width - 3 - indent - 2 - 1 - size_w;
	for (int k = 0; k < indent; k++)
		line_add(l, ROLE_NORMAL, " ");
	char name[1024];
	if (n->type == API_DIR) {
		line_add(l, ROLE_DIRECTORY, n->expanded || a->tree.filter ? (utf8 ? "\xe2\x96\xbe " : "- ")
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
	else if (n->type == API_DIR && a->tree.full && n->listed)
		text_size(size, sizeof(size), n->total);	/* what the directory holds (the walk gave sizes) */
	if (shares && size[0]) {
		char with[64];
		snprintf(with, sizeof(with), "%3d%% %s", (int)(n->total * 100 / a->tree.nodes[0].total), size);
		snprintf(size, sizeof(size), "%s", with);
	}
	line_add(l, ROLE_NORMAL, " ");
	line_add_fit(l, ROLE_MUTED, size, size_w, true);
}

static void
files_title(struct pane *p, struct line *l, int width)
{
	struct app *a = p->ud;
	line_addf(l, ROLE_HEADER, "Files: %s", a->have_conv && a->conv.title ? a->conv.title : "");
	if (a->tree.filter)
		line_addf(l, ROLE_HEADER, "  /%s", a->tree.filter);
	if (a->tree.sort != FILE_SORT_NAME)
		line_addf(l, ROLE_HEADER, "  by %s", file_sort_name(a->tree.sort));
	if (a->tree.n_view) {
		size_t files, changed;
		int64_t bytes;
		char size[32];
		file_tree_totals(&a->tree, &files, &bytes, &changed);
		if (a->tree.full) {
			text_size(size, sizeof(size), bytes);
			line_addf(l, ROLE_HEADER, "  %zu files, %s", files, size);
		}
		if (changed)
			line_addf(l, ROLE_HEADER, "  %zu changed", changed);
		struct file_selection sel;
		file_tree_selection(&a->tree, &sel);
		if (sel.roots && sel.files == 0) {
			line_addf(l, ROLE_HEADER, "  %zu marked", sel.roots);
		} else if (sel.roots) {
			char sz[48];
			app_size_words(sz, sizeof(sz), sel.bytes, sel.size_unknown);
			line_addf(l, ROLE_HEADER, "  %zu marked (%s)", sel.files, sz);
		}
		/* Per directory: how many marked files it holds (files_row shows it). */
		a->marked_below = xrealloc(a->marked_below, (a->tree.count ? a->tree.count : 1) *
								sizeof(*a->marked_below));
		file_tree_marked_counts(&a->tree, a->marked_below);
		a->n_marked_below = a->tree.count;
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
	struct file_node *n = &a->tree.nodes[idx];
	n->expanded = !n->expanded;
	if (n->expanded && !n->listed && !n->loading && !a->tree.full)
		app_load_dir(a, n->path);
	file_tree_rebuild_view(&a->tree);
}

static unsigned
files_on_action(struct pane *p, enum action act)
{
	struct app *a = p->ud;
	size_t status = files_status_rows(a);
	size_t idx = (size_t)-1;
	struct file_node *n = NULL;
	if (p->cursor >= status && p->cursor - status < a->tree.n_view) {
		idx = a->tree.view[p->cursor - status];
		n = &a->tree.nodes[idx];
	}
	switch (act) {
	case ACTION_OPEN:
		if (!n && a->tree.state == MODEL_FAILED)
			app_show_text(a, "Files", a->have_conv && !api_conversation_is_running(&a->conv)
						      ? ROLE_WARNING : ROLE_ERROR, "%s", a->tree.error);
		else if (n && n->type == API_DIR)
			files_toggle_dir(a, idx);
		else if (n)
			app_focus(a, PANE_PREVIEW);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_BACK:
		if (n && n->type == API_DIR && n->expanded) {
			files_toggle_dir(a, idx);
		} else if (n && n->parent != 0) {
			size_t v = file_tree_view_index(&a->tree, n->parent);
			if (v != (size_t)-1)
				pane_set_cursor(p, v + status);
		} else {
			app_focus(a, PANE_CONV);
		}
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_MARK:
		if (n) {
			file_tree_toggle_mark(&a->tree, idx);
			pane_action(p, ACTION_MOVE_DOWN);
		}
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_MARK_ALL:
		file_tree_mark_all(&a->tree);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_MARK_CHANGED: {
		size_t k = file_tree_mark_changed(&a->tree);
		app_message(a, ROLE_NORMAL, "Marked %zu changed file%s", k, k == 1 ? "" : "s");
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	case ACTION_CLEAR_MARKS:
		file_tree_clear_marks(&a->tree);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_FILTER:
		/* A tree filter (issue 14): only the paths containing the text, the way to them open. */
		snprintf(a->find_before, sizeof(a->find_before), "%s", a->tree.filter ? a->tree.filter : "");
		prompt_input(&a->prompt, PURPOSE_TREE_FILTER, "Filter paths:", a->tree.filter, false);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_SORT: {
		/* Name, size (largest first, with shares), changed first; the cursor stays on its file. */
		size_t keep = idx;
		file_tree_set_sort(&a->tree, (enum file_sort)((a->tree.sort + 1) % FILE_SORT_COUNT));
		if (keep != (size_t)-1) {
			size_t v = file_tree_view_index(&a->tree, keep);
			if (v != (size_t)-1)
				pane_set_cursor(p, v + status);
		}
		pane_clamp(p);
		app_message(a, ROLE_NORMAL, "Files sorted by %s (s: next order)%s", file_sort_name(a->tree.sort),
			    a->tree.sort == FILE_SORT_SIZE && !a->tree.full ? "; this server gives no sizes" : "");
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	case ACTION_REFRESH:
		app_load_files(a);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_WAKE:
		if (a->have_conv)
			app_wake(a, &a->conv);
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

/* ---- pane ops: events ---- */

static size_t
events_count(struct pane *p)
{
	struct app *a = p->ud;
	size_t n = a->events.n_view;
	if (a->events.state == MODEL_LOADING || a->events.state == MODEL_FAILED || n == 0)
		n++;	/* "Loading...", the error, or "No events" */
	return n;
}

/* The kind column: the command line's word (api_event_kind_name, what --kind takes:
 * issue 14, item 14) and a colour per kind, so kinds read without colour too. */
static const char *
events_marker(enum api_event_kind k, enum role *role)
{
	static const enum role roles[API_EVENT_KIND_COUNT] = {
		[API_EVENT_USER] = ROLE_MARKED,
		[API_EVENT_AGENT] = ROLE_RUNNING,
		[API_EVENT_ACTION] = ROLE_DIRECTORY,
		[API_EVENT_OBSERVATION] = ROLE_NORMAL,
		[API_EVENT_ERROR] = ROLE_ERROR,
		[API_EVENT_STATE] = ROLE_WARNING,
		[API_EVENT_OTHER] = ROLE_MUTED,
		[API_EVENT_CORRUPT] = ROLE_ERROR,
	};
	if (k >= API_EVENT_KIND_COUNT)
		k = API_EVENT_OTHER;
	*role = roles[k];
	return api_event_kind_name(k);
}

static void
events_row(struct pane *p, size_t i, struct line *l, int width)
{
	struct app *a = p->ud;
	struct event_list *ev = &a->events;
	if (i >= ev->n_view) {
		if (ev->state == MODEL_FAILED)
			line_addf(l, ROLE_ERROR, "Load failed (Enter reads it all, r retries): %s", ev->error);
		else if (ev->state == MODEL_LOADING) {
			if (app_show_loading_row(a, ev->state, a->ev_started_ms))
				line_add(l, ROLE_MUTED, tui_utf8() ? "Loading\xe2\x80\xa6" : "Loading...");
		} else if (ev->filter != EVENT_FILTER_ALL || ev->search)
			line_addf(l, ROLE_MUTED, "No loaded event matches%s (f: kinds, / search)",
				  ev->more ? " yet" : "");
		else
			line_add(l, ROLE_MUTED, "No events");
		return;
	}
	const struct api_event *e = event_list_at(ev, i);
	char clock[16];
	enum role kr;
	const char *word = events_marker(e->kind, &kr);
	api_event_clock(e, clock, sizeof(clock));
	line_add_fit(l, ROLE_MUTED, clock, 8, false);
	line_add(l, ROLE_NORMAL, " ");
	line_add_fit(l, kr, word, 11, false);
	line_add(l, ROLE_NORMAL, " ");
	/* The summary is already one line of at most API_EVENT_SUMMARY_MAX bytes: a huge
	 * observation costs no more than a short one to draw. */
	line_add_fit(l, e->kind == API_EVENT_CORRUPT ? ROLE_ERROR : ROLE_NORMAL, e->summary,
		     width - 21 > 0 ? width - 21 : 0, false);
}

static void
events_title(struct pane *p, struct line *l, int width)
{
	struct app *a = p->ud;
	struct event_list *ev = &a->events;
	const char *t = a->ev_conv.title && *a->ev_conv.title ? a->ev_conv.title : a->ev_conv.id;
	line_add(l, ROLE_HEADER, "Events");
	if (ev->filter != EVENT_FILTER_ALL)
		line_addf(l, ROLE_HEADER, " [%s]", event_filter_name(ev->filter));
	if (ev->search)
		line_addf(l, ROLE_HEADER, " /%s%s", ev->search, event_list_search_pending(ev) ? " (searching)" : "");
	if (ev->n_view != ev->count)
		line_addf(l, ROLE_HEADER, "  %zu of %zu", ev->n_view, ev->count);
	else
		line_addf(l, ROLE_HEADER, "  %zu", ev->count);
	size_t total = api_events_total(a->pager);
	if (ev->more && total > ev->count)
		line_addf(l, ROLE_HEADER, "/%zu", total);
	else if (ev->more)
		line_add(l, ROLE_HEADER, "+");
	if (a->follow)
		line_add(l, ROLE_HEADER, "  following");
	line_addf(l, ROLE_HEADER, ": %s", t ? t : "");
}

static void
events_on_cursor(struct pane *p)
{
	struct app *a = p->ud;
	if (a->preview_source == PANE_EVENTS)
		app_preview_follow(a);
}

static void
events_on_near_end(struct pane *p)
{
	struct app *a = p->ud;
	if (a->events.more && a->events.state == MODEL_IDLE)
		app_events_more(a);
}

static unsigned
events_on_action(struct pane *p, enum action act)
{
	struct app *a = p->ud;
	struct event_list *ev = &a->events;
	switch (act) {
	case ACTION_OPEN:
		if (app_current_event(a)) {
			app_preview_event(a, true);
			app_focus(a, PANE_PREVIEW);
		} else if (ev->state == MODEL_FAILED) {
			app_show_text(a, "Events: load failed", ROLE_ERROR, "%s\n\nr retries from the page that failed.",
				      ev->error);
		}
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_BACK:
	case ACTION_EVENTS:
		app_events_close(a);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_FILTER:
		free(a->search_before);
		a->search_before = ev->search ? xstrdup(ev->search) : NULL;
		prompt_input(&a->prompt, PURPOSE_EVENT_SEARCH, "Search events:", ev->search, false);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_EVENT_KINDS: {
		/* Keep the cursor on (or just before) the event it was on. */
		size_t row = p->cursor < ev->n_view ? ev->view[p->cursor] : 0;
		event_list_set_filter(ev, (enum event_filter)((ev->filter + 1) % EVENT_FILTER_COUNT));
		pane_set_cursor(p, event_list_view_index(ev, row));
		pane_clamp(p);
		app_message(a, ROLE_NORMAL, "Events shown: %s (f: next)", event_filter_name(ev->filter));
		app_preview_follow(a);
		pane_check_near_end(p);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	case ACTION_FOLLOW:
		app_events_toggle_follow(a);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	case ACTION_REFRESH:
		/* Retries a failed page; after the last page, looks for new events. */
		if (!a->ev_loading)
			app_events_restart(a);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	default:
		return PANE_H_NONE;
	}
}

static const struct pane_ops events_ops = {
	.name = "events",
	.ctx = BIND_EVENTS,
	.count = events_count,
	.row = events_row,
	.title = events_title,
	.on_cursor = events_on_cursor,
	.on_near_end = events_on_near_end,
	.on_action = events_on_action,
};

/* ---- pane ops: preview ---- */

/* Columns of the line-number gutter (digits and a space), 0 when off. */
static int
preview_gutter(const struct app *a)
{
	if (!a->pv_numbers)
		return 0;
	int d = 1;
	for (size_t n = a->preview.n_lines; n >= 10; n /= 10)
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
	if (a->wr_n == a->wr_cap) {
		a->wr_cap = a->wr_cap ? a->wr_cap * 2 : 256;
		a->wr_line = xrealloc(a->wr_line, a->wr_cap * sizeof(*a->wr_line));
		a->wr_off = xrealloc(a->wr_off, a->wr_cap * sizeof(*a->wr_off));
		a->wr_len = xrealloc(a->wr_len, a->wr_cap * sizeof(*a->wr_len));
	}
	a->wr_line[a->wr_n] = w->line;
	a->wr_off[a->wr_n] = (size_t)(start - w->base);
	a->wr_len[a->wr_n] = len;
	a->wr_n++;
}

/* The wrapped rows for the preview pane's current width (cached). */
static void
preview_wrap(struct app *a, struct pane *p)
{
	int width = p->r.w - (p->r.x > 0 ? 1 : 0) - preview_gutter(a);
	if (width < 10)
		width = 10;
	if (a->wr_key == (const void *)a->preview.lines && a->wr_gen == a->preview.generation &&
	    a->wr_width == width)
		return;
	a->wr_n = 0;
	for (size_t i = 0; i < a->preview.n_lines; i++) {
		struct preview_wrap_ctx w = { a, i, a->preview.lines[i] };
		text_wrap(a->preview.lines[i], width, preview_wrap_add, &w);
	}
	a->wr_key = a->preview.lines;
	a->wr_gen = a->preview.generation;
	a->wr_width = width;
}

static size_t
preview_count(struct pane *p)
{
	struct app *a = p->ud;
	if (a->preview.state == MODEL_LOADING || a->preview.state == MODEL_FAILED || a->preview.binary)
		return 1;
	size_t n = a->preview.n_lines;
	if (a->pv_wrap) {
		preview_wrap(a, p);
		n = a->wr_n;
	}
	return n + (a->preview.truncated ? 1 : 0);
}

static void
preview_row(struct pane *p, size_t i, struct line *l, int width)
{
	struct app *a = p->ud;
	struct preview *pv = &a->preview;
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
	if (a->pv_wrap) {
		preview_wrap(a, p);
		if (i < a->wr_n) {
			li = a->wr_line[i];
			off = a->wr_off[i];
			len = a->wr_len[i];
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
	if (a->pv_wrap) {
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
	line_add(l, r, a->pv_wrap ? piece : s);
}

static void
preview_title(struct pane *p, struct line *l, int width)
{
	struct app *a = p->ud;
	const char *path = a->preview.path;
	if (path && strcmp(path, "conversation") == 0)
		line_add(l, ROLE_HEADER, "Details");
	else if (path && strncmp(path, "event ", 6) == 0)
		line_addf(l, ROLE_HEADER, "Event %s", path + 6);
	else if (path && *path)
		line_addf(l, ROLE_HEADER, "%s: %s", a->preview.is_diff ? "Diff" : "Preview", path);
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
		if (a->pv_wrap && a->preview.state == MODEL_DONE) {
			preview_wrap(a, p);
			if (p->top < a->wr_n)
				line = a->wr_line[p->top];
		}
		if (act == ACTION_WRAP)
			a->pv_wrap = !a->pv_wrap;
		else
			a->pv_numbers = !a->pv_numbers;
		size_t top = line;
		if (a->pv_wrap) {
			preview_wrap(a, p);
			for (top = 0; top < a->wr_n && a->wr_line[top] < line; top++)
				;
		}
		p->top = top;
		pane_clamp(p);
		if (act == ACTION_WRAP)
			app_message(a, ROLE_NORMAL, "Long lines %s (w)", a->pv_wrap ? "wrap" : "are cut");
		else
			app_message(a, ROLE_NORMAL, "Line numbers %s (L)", a->pv_numbers ? "on" : "off");
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	case ACTION_OPEN:
		if (a->preview.state != MODEL_FAILED)
			return PANE_H_NONE;
		app_show_text(a, a->preview.path ? a->preview.path : "Preview", ROLE_ERROR, "%s",
			      a->preview.error);
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

/* ---- pane ops: downloads ---- */

static size_t
dl_count(struct pane *p)
{
	struct app *a = p->ud;
	return a->export ? export_file_count(a->export) + 1 + a->n_queue : 0;
}

static const char *
dl_state_word(enum export_file_state s)
{
	switch (s) {
	case EXPORT_FILE_QUEUED: return "queued";
	case EXPORT_FILE_ACTIVE: return "active";
	case EXPORT_FILE_SPOOLED: return "spooled";
	case EXPORT_FILE_WRITTEN: return "done";
	case EXPORT_FILE_FAILED: return "FAILED";
	case EXPORT_FILE_CANCELLED: return "cancel";
	case EXPORT_FILE_DELETED: return "deleted";
	case EXPORT_FILE_EXCLUDED: return "left out";
	}
	return "?";
}

static const char *
dl_phase_word(enum export_phase ph)
{
	switch (ph) {
	case EXPORT_LISTING: return "listing";
	case EXPORT_RUNNING: return "running";
	case EXPORT_DONE: return "done";
	case EXPORT_FAILED: return "FAILED";
	case EXPORT_CANCELLED: return "cancelled";
	}
	return "?";
}

static void
dl_row(struct pane *p, size_t i, struct line *l, int width)
{
	struct app *a = p->ud;
	char bar[PROGRESS_BUFSZ(200)];
	int bw = width * 45 / 100;
	if (bw > 60)
		bw = 60;
	if (bw < 12)
		bw = 12;
	int name_w = width - 8 - 1 - 1 - bw;
	if (i == 0) {
		struct export_totals t;
		export_totals(a->export, &t);
		char what[64];
		snprintf(what, sizeof(what), "%zu/%zu files", t.files_written, t.files_total);
		line_add_fit(l, ROLE_HEADER, dl_phase_word(t.phase), 8, false);
		line_add(l, ROLE_NORMAL, " ");
		line_add_fit(l, ROLE_HEADER, what, name_w, false);
		line_add(l, ROLE_NORMAL, " ");
		progress_format(bar, bw, t.bytes_done, t.phase == EXPORT_LISTING ? -1 : t.bytes_total,
				tui_utf8());
		line_add(l, ROLE_PROGRESS_DONE, bar);
		return;
	}
	size_t files = export_file_count(a->export);
	if (i > files) {
		/* The queue, after the running job's files. */
		const struct app_job *j = &a->queue[i - files - 1];
		char what[64];
		snprintf(what, sizeof(what), "%zu path%s", j->n_paths, j->n_paths == 1 ? "" : "s");
		line_add_fit(l, ROLE_MUTED, "queued", 8, false);
		line_add(l, ROLE_NORMAL, " ");
		line_add_fit(l, ROLE_NORMAL, j->output, name_w, false);
		line_add(l, ROLE_NORMAL, " ");
		line_add_fit(l, ROLE_MUTED, j->n_paths ? what : "the whole workspace", bw, false);
		return;
	}
	const struct export_file *f = export_file_at(a->export, i - 1);
	if (!f)
		return;
	enum role r = f->state == EXPORT_FILE_FAILED ? ROLE_ERROR
		      : f->state == EXPORT_FILE_CANCELLED ? ROLE_WARNING
		      : f->state == EXPORT_FILE_WRITTEN ? ROLE_NORMAL : ROLE_NORMAL;
	line_add_fit(l, r, dl_state_word(f->state), 8, false);
	line_add(l, ROLE_NORMAL, " ");
	line_add_fit(l, ROLE_NORMAL, f->path, name_w, false);
	line_add(l, ROLE_NORMAL, " ");
	if ((f->state == EXPORT_FILE_FAILED || f->state == EXPORT_FILE_CANCELLED) && f->error) {
		line_add_fit(l, r, f->error, bw, false);
		return;
	}
	if (f->state == EXPORT_FILE_QUEUED) {
		char size[32] = "";
		if (f->size >= 0)
			text_size(size, sizeof(size), f->size);
		line_add_fit(l, ROLE_MUTED, size, bw, true);
		return;
	}
	int64_t total = f->size;
	if (f->state == EXPORT_FILE_WRITTEN || f->state == EXPORT_FILE_SPOOLED)
		total = f->done;
	progress_format(bar, bw, f->done, total, tui_utf8());
	line_add(l, ROLE_PROGRESS_DONE, bar);
}

static void
dl_title(struct pane *p, struct line *l, int width)
{
	struct app *a = p->ud;
	struct export_totals t;
	export_totals(a->export, &t);
	char rate[32], size[32];
	if (t.phase == EXPORT_DONE) {
		text_size(size, sizeof(size), t.archive_size);
		line_addf(l, ROLE_HEADER, "Downloads: saved %s (%s)", t.archive_path ? t.archive_path : "",
			  size);
		if (t.files_failed)
			line_addf(l, ROLE_ERROR, "  %zu failed", t.files_failed);
		return;
	}
	line_addf(l, ROLE_HEADER, "Downloads: %s", t.archive_path ? t.archive_path : "");
	if (t.packing_s >= 0)
		line_addf(l, ROLE_HEADER, "  the sandbox is packing the workspace: %ld s", t.packing_s);
	if (t.phase == EXPORT_RUNNING && t.rate > 0) {
		text_size(rate, sizeof(rate), (int64_t)t.rate);
		line_addf(l, ROLE_HEADER, "  %s/s", rate);
		if (t.eta_s >= 0)	/* m:ss, as the command line prints it */
			line_addf(l, ROLE_HEADER, "  ETA %ld:%02ld", t.eta_s / 60, t.eta_s % 60);
	}
	if (t.files_failed)
		line_addf(l, ROLE_ERROR, "  %zu failed", t.files_failed);
	if (t.message && (t.phase == EXPORT_FAILED || t.phase == EXPORT_CANCELLED))
		line_addf(l, ROLE_ERROR, "  %s", t.message);
}

static unsigned
dl_on_action(struct pane *p, enum action act)
{
	struct app *a = p->ud;
	if (act == ACTION_OPEN) {
		const struct export_file *f = p->cursor > 0 ? export_file_at(a->export, p->cursor - 1) : NULL;
		struct export_totals t;
		export_totals(a->export, &t);
		if (f && f->error)
			app_show_text(a, f->path, f->state == EXPORT_FILE_FAILED ? ROLE_ERROR : ROLE_WARNING,
				      "%s: %s", dl_state_word(f->state), f->error);
		else if (p->cursor == 0 && t.message)
			app_show_text(a, t.archive_path ? t.archive_path : "Download", ROLE_ERROR, "%s",
				      t.message);
		else
			return PANE_H_NONE;
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	size_t files = export_file_count(a->export);
	if (act == ACTION_CANCEL_FILE && p->cursor > files && p->cursor - files - 1 < a->n_queue) {
		size_t k = p->cursor - files - 1;
		app_message(a, ROLE_NORMAL, "Removed %s from the queue", a->queue[k].output);
		app_job_free(&a->queue[k]);
		memmove(a->queue + k, a->queue + k + 1, (a->n_queue - k - 1) * sizeof(*a->queue));
		a->n_queue--;
		pane_clamp(p);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	if (act == ACTION_CANCEL_FILE) {
		if (!app_export_running(a) || p->cursor == 0) {
			app_message(a, ROLE_WARNING, "Nothing to cancel here");
		} else {
			export_cancel_file(a->export, p->cursor - 1);
			app_message(a, ROLE_NORMAL, "Cancelled %s", export_file_at(a->export, p->cursor - 1)->path);
		}
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	return PANE_H_NONE;
}

static const struct pane_ops dl_ops = {
	.name = "downloads",
	.ctx = BIND_DOWNLOADS,
	.count = dl_count,
	.row = dl_row,
	.title = dl_title,
	.on_action = dl_on_action,
};

/* ---- layout and rendering ---- */

static bool
app_downloads_shown(const struct app *a)
{
	return a->export && a->export_visible;
}

static void
app_layout(struct app *a)
{
	int rows, cols;
	tui_size(&rows, &cols);
	struct layout_req req;
	memset(&req, 0, sizeof(req));
	req.rows = rows;
	req.cols = cols;
	bool wide = cols >= LAYOUT_WIDE_COLS;
	req.show_events = a->events_open && (wide || a->focus != PANE_CONV);
	req.show_files = a->files_open && !req.show_events && (wide || a->focus != PANE_CONV);
	req.show_conv = wide || (!req.show_files && !req.show_events);
	req.show_preview = true;
	req.show_downloads = app_downloads_shown(a);
	req.downloads_rows = a->export ? (int)(export_file_count(a->export) + a->n_queue) + 2 : 0;
	layout_compute(&req, &a->layout);
	if (a->zoom && !a->layout.too_small) {
		/* z: the focused pane gets every row between the title and the hints. */
		struct rect all = { a->layout.title.y + 1, 0, a->layout.status.y - a->layout.title.y - 1, cols };
		struct rect none = { 0, 0, 0, 0 };
		a->layout.conv = a->layout.files = a->layout.events = a->layout.preview = a->layout.downloads = none;
		struct rect *mine[PANE_COUNT] = { &a->layout.conv, &a->layout.files, &a->layout.events,
						  &a->layout.preview, &a->layout.downloads };
		if (a->focus == PANE_DOWNLOADS && !app_downloads_shown(a))
			a->zoom = false;
		*mine[a->focus] = all;
	}
	a->panes[PANE_CONV].r = a->layout.conv;
	a->panes[PANE_FILES].r = a->layout.files;
	a->panes[PANE_EVENTS].r = a->layout.events;
	a->panes[PANE_PREVIEW].r = a->layout.preview;
	a->panes[PANE_DOWNLOADS].r = a->layout.downloads;
	/* Focus never stays on a hidden pane. */
	if (!a->layout.too_small && !pane_visible(&a->panes[a->focus])) {
		if (pane_visible(&a->panes[PANE_EVENTS]))
			a->focus = PANE_EVENTS;
		else
			a->focus = a->files_open && pane_visible(&a->panes[PANE_FILES]) ? PANE_FILES
											 : PANE_CONV;
	}
	for (int i = 0; i < PANE_COUNT; i++)
		a->panes[i].focused = (int)a->focus == i;
}

static void
app_status_hints(struct app *a, struct line *l)
{
	static const struct {
		enum action act;
		const char *label;
	} hints[PANE_COUNT][8] = {
		[PANE_CONV] = { { ACTION_OPEN, "open" }, { ACTION_EVENTS, "events" },
				{ ACTION_FILTER, "filter" }, { ACTION_SORT, "sort" },
				{ ACTION_DOWNLOAD, "download" },
				{ ACTION_HELP, "help" },
				{ ACTION_QUIT, "quit" } },
		[PANE_FILES] = { { ACTION_MARK, "mark" },
				 { ACTION_MARK_CHANGED, "changed" }, { ACTION_DOWNLOAD, "download" },
				 { ACTION_SEARCH, "search" }, { ACTION_CLOSE, "back" },
				 { ACTION_HELP, "help" }, { ACTION_QUIT, "quit" } },
		[PANE_EVENTS] = { { ACTION_OPEN, "full text" }, { ACTION_FILTER, "search" },
				  { ACTION_EVENT_KINDS, "kinds" }, { ACTION_FOLLOW, "follow" },
				  { ACTION_CLOSE, "back" }, { ACTION_HELP, "help" } },
		[PANE_PREVIEW] = { { ACTION_MOVE_DOWN, "scroll" }, { ACTION_BACK, "back" },
				   { ACTION_SEARCH, "search" }, { ACTION_WRAP, "wrap" },
				   { ACTION_PAGER, "pager" }, { ACTION_DOWNLOAD, "download" },
				   { ACTION_HELP, "help" }, { ACTION_QUIT, "quit" } },
		[PANE_DOWNLOADS] = { { ACTION_CANCEL_FILE, "cancel file" },
				     { ACTION_CANCEL_ALL, "cancel all" },
				     { ACTION_RETRY_FAILED, "retry" },
				     { ACTION_TOGGLE_DOWNLOADS, "hide" }, { ACTION_HELP, "help" },
				     { ACTION_QUIT, "quit" } },
	};
	enum bind_context ctx = a->panes[a->focus].ops->ctx;
	for (int i = 0; i < 8; i++) {
		if (hints[a->focus][i].act == ACTION_NONE)
			break;
		char key[32];
		help_first_key(&a->bindings, ctx, hints[a->focus][i].act, key, sizeof(key));
		if (!key[0])
			continue;
		line_add(l, ROLE_STATUS_KEY, key);
		line_addf(l, ROLE_STATUS, " %s  ", hints[a->focus][i].label);
	}
}

/* The sort's arrow: down for newest first (the time orders' natural direction), up for A-Z
 * and running-first; S flips it. */
static const char *
app_sort_arrow(const struct app *a)
{
	bool down = a->convs.sort == CONV_SORT_UPDATED || a->convs.sort == CONV_SORT_CREATED;
	if (a->convs.reverse)
		down = !down;
	if (tui_utf8())
		return down ? "\xe2\x86\x93" : "\xe2\x86\x91";
	return down ? "v" : "^";
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
	switch (a->focus) {
	case PANE_CONV:
		if (a->convs.n_view)
			snprintf(item[ST_POS], sizeof(item[0]), "%zu/%zu%s", p->cursor + 1, a->convs.n_view,
				 a->convs.more ? "+" : "");
		else
			snprintf(item[ST_POS], sizeof(item[0]), "0/0");
		break;
	case PANE_EVENTS:
		if (a->events.n_view)
			snprintf(item[ST_POS], sizeof(item[0]), "%zu/%zu%s", p->cursor + 1, a->events.n_view,
				 a->events.more ? "+" : "");
		break;
	case PANE_FILES:
		if (a->tree.n_view && p->cursor < total)
			snprintf(item[ST_POS], sizeof(item[0]), "%zu/%zu", p->cursor + 1, total);
		break;
	case PANE_PREVIEW:
		if (a->preview.n_lines) {
			size_t line = p->top;
			if (a->pv_wrap && a->preview.state == MODEL_DONE && !a->preview.binary) {
				preview_wrap(a, p);	/* top counts wrapped rows: say the text's line */
				line = p->top < a->wr_n ? a->wr_line[p->top] : a->preview.n_lines - 1;
			}
			snprintf(item[ST_POS], sizeof(item[0]), "line %zu/%zu", line + 1, a->preview.n_lines);
		}
		break;
	default:
		if (total)
			snprintf(item[ST_POS], sizeof(item[0]), "%zu/%zu", p->cursor + 1, total);
		break;
	}
	if (a->files_open) {
		struct file_selection sel;
		file_tree_selection(&a->tree, &sel);
		if (sel.roots) {
			char sz[48];
			app_size_words(sz, sizeof(sz), sel.bytes, sel.size_unknown);
			snprintf(item[ST_MARKS], sizeof(item[0]), "%zu marked, %s", sel.files, sz);
		}
	}
	if (app_export_running(a)) {
		struct export_totals t;
		export_totals(a->export, &t);
		if (t.bytes_total > 0)
			snprintf(item[ST_BG], sizeof(item[0]), "downloading %d%%",
				 (int)(t.bytes_done * 100 / t.bytes_total));
		else
			snprintf(item[ST_BG], sizeof(item[0]), "downloading");
		if (a->n_queue)
			snprintf(item[ST_BG] + strlen(item[ST_BG]), sizeof(item[0]) - strlen(item[ST_BG]),
				 " +%zu queued", a->n_queue);
	} else if (a->wake_op) {
		snprintf(item[ST_BG], sizeof(item[0]), "waking %s", a->wake_title);
	} else if (a->follow) {
		snprintf(item[ST_BG], sizeof(item[0]), "following");
	}
	if (a->focus == PANE_CONV || !a->layout.wide)
		snprintf(item[ST_SORT], sizeof(item[0]), "%s%s", conv_sort_name(a->convs.sort), app_sort_arrow(a));
	if (a->convs.filter)
		snprintf(item[ST_FILTER], sizeof(item[0]), "/%s", a->convs.filter);
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

static void
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

static void
app_render(struct app *a)
{
	int rows, cols;
	tui_size(&rows, &cols);
	app_layout(a);
	tui_frame_begin();
	if (a->layout.too_small) {
		char msg[128];
		snprintf(msg, sizeof(msg), "Too small: %dx%d, need %dx%d", cols, rows,
			 LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
		int w = text_width(msg);
		int y = rows / 2, x = cols > w ? (cols - w) / 2 : 0;
		tui_draw_text(y, x, cols - x, ROLE_WARNING, msg);
		if (rows > 1)
			tui_draw_text(y + 1 < rows ? y + 1 : y, 0, cols, ROLE_NORMAL, "q quits");
		tui_frame_end();
		return;
	}
	struct line l;
	/* Title bar */
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
	/* Panes */
	for (int i = 0; i < PANE_COUNT; i++)
		if (pane_visible(&a->panes[i]))
			pane_draw(&a->panes[i]);
	/* Status: key hints */
	line_reset(&l, tui_utf8());
	if (prompt_open(&a->prompt) && a->prompt.purpose == PURPOSE_DOWNLOAD_NAME)
		line_add(&l, a->download_target_bad ? ROLE_WARNING : ROLE_STATUS, a->download_target);
	else
		app_status_hints(a, &l);
	tui_draw_line(a->layout.status.y, 0, cols, &l, ROLE_STATUS, false, false);
	/* Message row or prompt */
	if (prompt_open(&a->prompt)) {
		prompt_draw(&a->prompt, &a->layout.message);
	} else if (a->wake_op) {
		char msg[512];
		snprintf(msg, sizeof(msg), "Waking \"%s\"... %ld s (%s)", a->wake_title,
			 (long)((clock_now_ms() - a->wake_started_ms) / 1000), a->wake_status);
		tui_draw_text(a->layout.message.y, 0, cols, ROLE_WARNING, msg);
	} else if (a->message[0]) {
		app_draw_message(a, cols);
	}
	if (a->help.open)
		help_draw(&a->help, rows, cols);
	if (a->view.open)
		textview_draw(&a->view, rows, cols);
	tui_frame_end();
	a->last_render_ms = clock_now_ms();
	if (a->key_ms && a->latency_log)
		fprintf(a->latency_log, "%lld\n", (long long)(a->last_render_ms - a->key_ms));
	a->key_ms = 0;
	a->dirty = false;
	a->urgent = false;
}

/* ---- actions and keys ---- */

static void
app_cycle_focus(struct app *a, int dir)
{
	enum pane_id order[PANE_COUNT];
	int n = 0;
	bool wide = a->layout.wide;
	order[n++] = PANE_CONV;
	if (a->events_open)
		order[n++] = PANE_EVENTS;	/* in the files pane's place */
	else if (a->files_open)
		order[n++] = PANE_FILES;
	if (wide || !app_downloads_shown(a))
		order[n++] = PANE_PREVIEW;
	if (app_downloads_shown(a))
		order[n++] = PANE_DOWNLOADS;
	int cur = 0;
	for (int i = 0; i < n; i++)
		if (order[i] == a->focus)
			cur = i;
	cur = (cur + dir + n) % n;
	app_focus(a, order[cur]);
	if (order[cur] == PANE_CONV || order[cur] == PANE_FILES || order[cur] == PANE_EVENTS)
		app_preview_follow(a);
}

/* Find in pane p; the files pane searches the whole tree (collapsed directories too)
 * and expands the way to the match. */
static bool
app_find(struct app *a, struct pane *p, int dir, bool skip, bool *wrapped)
{
	if (p != &a->panes[PANE_FILES])
		return pane_find(p, dir, skip, wrapped);
	size_t status = files_status_rows(a);
	size_t from = p->cursor >= status && p->cursor - status < a->tree.n_view
			      ? a->tree.view[p->cursor - status] : 0;
	size_t hit = file_tree_search(&a->tree, from, dir, skip, p->find, wrapped);
	if (hit == (size_t)-1)
		return false;
	file_tree_reveal(&a->tree, hit);
	size_t v = file_tree_view_index(&a->tree, hit);
	if (v != (size_t)-1)
		pane_set_cursor(p, v + files_status_rows(a));
	/* Expanding the way may leave the cursor's row number unchanged on another node. */
	if (a->preview_source == PANE_FILES && hit != from)
		app_preview_follow(a);
	return true;
}

#define APP_COPY_MAX (100 * 1000)	/* terminals refuse much larger OSC 52 payloads */
#define APP_HAND_MAX (16 * 1024 * 1024)	/* o / e read a file whole up to this size */

/* Give the terminal to the pager or the editor on a copy of text; the loop collects it. */
static void
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

/*
 * o and e (issue 14, reading text): the file, the diff, the event's text or the
 * details in $PAGER or, as a read-only copy, in $EDITOR. A file the preview cut
 * is read whole first (up to 16 MiB). The terminal is handed over and taken back
 * when the program ends; transfers keep running meanwhile.
 */
static void
app_hand(struct app *a, bool editor)
{
	if (a->hand.pid || a->hand_op)
		return;
	a->hand_editor = editor;
	struct api_event *e = NULL;
	if (a->focus == PANE_EVENTS || (a->focus == PANE_PREVIEW && a->preview_source == PANE_EVENTS && a->events_open))
		e = app_current_event(a);
	if (e) {
		struct strbuf sb = { 0 };
		strbuf_printf(&sb, "%s%s%s  %s\n\n", api_event_kind_name(e->kind), e->type ? " " : "",
			      e->type ? e->type : "", e->timestamp ? e->timestamp : "");
		strbuf_puts(&sb, e->text && *e->text ? e->text : e->summary);
		strbuf_puts(&sb, "\n");
		char name[64];
		snprintf(name, sizeof(name), "event-%zu.txt", a->events.view[a->panes[PANE_EVENTS].cursor] + 1);
		app_hand_run(a, name, sb.buf, sb.len);
		strbuf_free(&sb);
		return;
	}
	struct file_node *n = a->focus == PANE_FILES || (a->focus == PANE_PREVIEW && a->preview_source == PANE_FILES)
				      ? app_current_node(a, NULL) : NULL;
	if (n && n->type == API_FILE) {
		struct preview *pv = &a->preview;
		bool have = pv->state == MODEL_DONE && pv->path && strcmp(pv->path, n->path) == 0 && pv->text;
		if (have && pv->binary) {
			app_message(a, ROLE_WARNING, "%s is a binary file: d downloads it", n->path);
			return;
		}
		if (have && (!pv->truncated || pv->is_diff)) {
			char name[600];
			snprintf(name, sizeof(name), "%s%s", n->name, pv->is_diff ? ".diff" : "");
			app_hand_run(a, name, pv->text, pv->len);
			return;
		}
		free(a->hand_name);
		a->hand_name = xstrdup(n->path);
		app_message(a, ROLE_NORMAL, "Reading %s for %s...", n->path, editor ? "the editor" : "the pager");
		a->hand_op = api_preview(a->client, &a->conv, n->path, APP_HAND_MAX, app_on_hand_fetch, a);
		return;
	}
	if (a->focus == PANE_PREVIEW && a->preview.state == MODEL_DONE && a->preview.n_lines) {
		struct strbuf sb = { 0 };
		for (size_t i = 0; i < a->preview.n_lines; i++)
			strbuf_printf(&sb, "%s\n", a->preview.lines[i]);
		app_hand_run(a, "details.txt", sb.buf, sb.len);
		strbuf_free(&sb);
		return;
	}
	app_message(a, ROLE_MUTED, "Nothing to open here (a file, an event or the preview)");
}

/* The loop's part: once the pager or the editor ended, take the terminal back. */
static void
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
	const char *text = NULL, *what = NULL;
	struct api_event *e = NULL;
	switch (a->focus) {
	case PANE_CONV: {
		struct api_conversation *c = app_current_conv(a);
		if (c && c->id) {
			text = c->id;
			what = "the conversation id";
		}
		break;
	}
	case PANE_FILES: {
		struct file_node *n = app_current_node(a, NULL);
		if (n && n->path && *n->path) {
			text = n->path;
			what = "the path";
		}
		break;
	}
	case PANE_EVENTS:
		e = app_current_event(a);
		break;
	case PANE_PREVIEW:
		if (a->preview_source == PANE_EVENTS && a->events_open)
			e = app_current_event(a);
		else if (a->preview.path && a->preview_source == PANE_FILES) {
			text = a->preview.path;
			what = "the path";
		} else if (a->preview.text) {
			text = a->preview.text;
			what = "the text";
		}
		break;
	case PANE_DOWNLOADS: {
		struct pane *p = &a->panes[PANE_DOWNLOADS];
		const struct export_file *f = p->cursor > 0 ? export_file_at(a->export, p->cursor - 1) : NULL;
		struct export_totals t;
		export_totals(a->export, &t);
		if (f && f->error) {
			text = f->error;
			what = "the reason";
		} else if (f) {
			text = f->path;
			what = "the path";
		} else if (t.archive_path) {
			text = t.archive_path;
			what = "the archive's path";
		}
		break;
	}
	default:
		break;
	}
	if (e) {
		text = e->text && *e->text ? e->text : e->summary;
		what = "the event's text";
	}
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
	if (a->focus == PANE_EVENTS && a->events.search)
		snprintf(p->find, sizeof(p->find), "%s", a->events.search);
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
	if (p == &a->panes[PANE_FILES]) {
		app_message(a, ROLE_NORMAL, "\"%s\"%s (n next, N previous)", p->find,
			    wrapped ? (dir > 0 ? ": from the top" : ": from the bottom") : "");
		return;
	}
	size_t at, count = pane_find_count(p, &at);
	app_message(a, ROLE_NORMAL, "Match %zu of %zu for \"%s\"%s", at, count, p->find,
		    wrapped ? (dir > 0 ? " (from the top)" : " (from the bottom)") : "");
	a->dirty = true;
}

static void
app_request_quit(struct app *a)
{
	if (app_export_running(a)) {
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

static void
app_action(struct app *a, enum action act)
{
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
	case ACTION_EVENTS: {
		struct api_conversation *c = a->focus == PANE_CONV ? app_current_conv(a)
					     : a->focus == PANE_FILES && a->have_conv ? &a->conv
										      : NULL;
		if (a->focus == PANE_EVENTS)
			app_events_close(a);
		else if (c)
			app_events_open(a, c, a->focus);
		else
			app_message(a, ROLE_MUTED, "No conversation here");
		a->dirty = true;
		return;
	}
	case ACTION_SOURCE:
		app_toggle_source(a);
		return;
	case ACTION_CLOSE:
		if (a->focus == PANE_EVENTS && a->events.search) {
			/* Esc clears the search first, as in the list (issue 14, item 6): the
			 * pages read, the position and the kinds shown stay. */
			struct pane *p = &a->panes[PANE_EVENTS];
			size_t row = p->cursor < a->events.n_view ? a->events.view[p->cursor] : 0;
			event_list_set_search(&a->events, NULL);
			a->panes[PANE_EVENTS].find[0] = '\0';
			pane_set_cursor(p, event_list_view_index(&a->events, row));
			pane_clamp(p);
			app_message(a, ROLE_NORMAL, "Search cleared (Esc again goes back)");
		} else if (a->focus == PANE_FILES && a->tree.filter) {
			file_tree_set_filter(&a->tree, NULL);
			pane_clamp(&a->panes[PANE_FILES]);
			app_preview_follow(a);
			app_message(a, ROLE_NORMAL, "Filter cleared (Esc again goes back)");
		} else if (a->focus == PANE_EVENTS) {
			app_events_close(a);
		} else if (a->focus == PANE_PREVIEW && a->events_open &&
			   a->preview_source == PANE_EVENTS) {
			app_focus(a, PANE_EVENTS);	/* back from an event's full text */
		} else if (a->focus != PANE_CONV) {
			app_focus(a, PANE_CONV);
			app_preview_follow(a);
		} else if (a->convs.filter) {
			conv_list_set_filter(&a->convs, NULL);
			if (a->server_filter)
				app_list_start(a, NULL);
			pane_clamp(&a->panes[PANE_CONV]);
			app_preview_follow(a);
		}
		a->dirty = true;
		return;
	case ACTION_TOGGLE_DOWNLOADS:
		if (!a->export) {
			app_message(a, ROLE_NORMAL, "No download yet");
			return;
		}
		a->export_visible = !a->export_visible;
		if (a->export_visible)
			app_focus(a, PANE_DOWNLOADS);
		a->dirty = true;
		return;
	case ACTION_CANCEL_ALL:
		if (!app_export_running(a)) {
			app_message(a, ROLE_NORMAL, "No download is running");
			return;
		}
		prompt_confirm(&a->prompt, PURPOSE_CANCEL_ALL, "Cancel the whole download? (y/n)", NULL);
		a->dirty = true;
		return;
	case ACTION_RETRY_FAILED:
		if (!a->export) {
			app_message(a, ROLE_NORMAL, "No download yet");
			return;
		}
		if (!app_export_running(a)) {
			app_retry_finished(a);
			return;
		}
		export_retry_failed(a->export);
		app_message(a, ROLE_NORMAL, "Retrying failed files");
		return;
	default:
		break;
	}
	if (a->focus == PANE_CONV && act >= ACTION_MOVE_DOWN && act <= ACTION_LAST)
		app_keep_forget(a);	/* the user chose another place */
	if (a->focus == PANE_EVENTS && act >= ACTION_MOVE_DOWN && act <= ACTION_LAST)
		a->ev_to_end = false;
	if (a->focus == PANE_EVENTS && act == ACTION_LAST && a->events.more &&
	    a->events.state != MODEL_FAILED) {
		/* G means the conversation's end, not the last page read (issue 14, item 13). */
		a->ev_to_end = true;
		app_message(a, ROLE_NORMAL, "Reading every event to reach the end...");
		if (a->events.state == MODEL_IDLE)
			app_events_more(a);
	}
	unsigned r = pane_action(&a->panes[a->focus], act);
	if (!(r & PANE_H_HANDLED))
		app_message(a, ROLE_MUTED, "%s does nothing in the %s pane", bindings_action_name(act),
			    a->panes[a->focus].ops->name);
	a->dirty = true;
}

static void
app_prompt_result(struct app *a, enum prompt_result r)
{
	int purpose = a->prompt.purpose;
	a->dirty = true;
	switch (purpose) {
	case PURPOSE_FILTER:
		if (r == PROMPT_CHANGED) {
			conv_list_set_filter(&a->convs, a->prompt.text);
			a->panes[PANE_CONV].cursor = a->panes[PANE_CONV].top = 0;
		} else if (r == PROMPT_CANCEL) {
			conv_list_set_filter(&a->convs, a->filter_before);
			prompt_close(&a->prompt);
		} else if (r == PROMPT_ACCEPT) {
			char *f = xstrdup(a->prompt.text);
			prompt_close(&a->prompt);
			conv_list_set_filter(&a->convs, f);
			/* Ask the server too when not everything is loaded (or the server
			 * filter changes), so matches beyond the loaded pages show up. */
			bool same = (!*f && !a->server_filter) ||
				    (a->server_filter && strcmp(a->server_filter, f) == 0);
			if (!same && (a->convs.more || a->server_filter)) {
				app_list_start(a, f);
				conv_list_set_filter(&a->convs, f);
			}
			free(f);
		}
		pane_clamp(&a->panes[PANE_CONV]);
		if (r != PROMPT_CONTINUE)
			app_preview_follow(a);
		return;
	case PURPOSE_EVENT_SEARCH: {
		struct pane *p = &a->panes[PANE_EVENTS];
		if (r == PROMPT_CHANGED) {
			event_list_set_search(&a->events, a->prompt.text);
			p->cursor = p->top = 0;
		} else if (r == PROMPT_CANCEL) {
			event_list_set_search(&a->events, a->search_before);
			prompt_close(&a->prompt);
		} else if (r == PROMPT_ACCEPT) {
			prompt_close(&a->prompt);
		}
		/* The rows shown all match; the highlight says where. */
		snprintf(p->find, sizeof(p->find), "%s", a->events.search ? a->events.search : "");
		pane_clamp(p);
		if (r != PROMPT_CONTINUE) {
			app_preview_follow(a);
			pane_check_near_end(p);
		}
		return;
	}
	case PURPOSE_QUIT:
		if (r == PROMPT_ACCEPT) {
			if (a->export && !export_finished(a->export))
				export_cancel(a->export, "quit");
			a->quit = true;
		}
		if (r == PROMPT_ACCEPT || r == PROMPT_CANCEL) {
			prompt_close(&a->prompt);
			a->sigint_asked = false;
		}
		return;
	case PURPOSE_TREE_FILTER: {
		struct pane *p = &a->panes[PANE_FILES];
		if (r == PROMPT_CHANGED) {
			file_tree_set_filter(&a->tree, a->prompt.text);
			pane_set_cursor(p, 0);
		} else if (r == PROMPT_CANCEL) {
			file_tree_set_filter(&a->tree, a->find_before);
			prompt_close(&a->prompt);
		} else if (r == PROMPT_ACCEPT) {
			prompt_close(&a->prompt);
			if (a->tree.filter && a->tree.n_view == 0)
				app_message(a, ROLE_WARNING, "No listed path contains \"%s\" (Esc clears)", a->tree.filter);
		}
		pane_clamp(p);
		if (r != PROMPT_CONTINUE && a->preview_source == PANE_FILES)
			app_preview_follow(a);
		return;
	}
	case PURPOSE_SEARCH: {
		struct pane *p = &a->panes[a->find_pane];
		if (r == PROMPT_CHANGED) {
			/* Incremental: from where the search began, the first match at or after it. */
			snprintf(p->find, sizeof(p->find), "%s", a->prompt.text);
			pane_set_cursor(p, a->find_origin);
			bool wrapped;
			if (p->find[0] && !app_find(a, p, 1, false, &wrapped))
				pane_set_cursor(p, a->find_origin);
		} else if (r == PROMPT_CANCEL) {
			snprintf(p->find, sizeof(p->find), "%s", a->find_before);
			pane_set_cursor(p, a->find_origin);
			prompt_close(&a->prompt);
		} else if (r == PROMPT_ACCEPT) {
			prompt_close(&a->prompt);
			if (p->find[0] && p == &a->panes[PANE_FILES]) {
				bool wrapped;
				if (app_find(a, p, 1, false, &wrapped))
					app_message(a, ROLE_NORMAL, "\"%s\" (n next, N previous)", p->find);
				else
					app_message(a, ROLE_WARNING, "No match for \"%s\"", p->find);
			} else if (p->find[0]) {
				size_t at, count = pane_find_count(p, &at);
				if (count)
					app_message(a, ROLE_NORMAL, "Match %zu of %zu for \"%s\" (n next, N previous)", at,
						    count, p->find);
				else
					app_message(a, ROLE_WARNING, "No match for \"%s\"", p->find);
			}
		}
		return;
	}
	case PURPOSE_WAKE_DOWNLOAD:
		if (r == PROMPT_ACCEPT || r == PROMPT_CANCEL)
			prompt_close(&a->prompt);
		if (r == PROMPT_ACCEPT) {
			struct api_conversation *c = NULL;
			if (a->have_conv && a->conv.id && a->wake_download_id &&
			    strcmp(a->conv.id, a->wake_download_id) == 0)
				c = &a->conv;
			for (size_t i = 0; !c && a->wake_download_id && i < a->convs.n_view; i++) {
				struct api_conversation *k = conv_list_at(&a->convs, i);
				if (k->id && strcmp(k->id, a->wake_download_id) == 0)
					c = k;
			}
			char *keep = a->wake_download_id;
			a->wake_download_id = NULL;
			app_wake(a, c);
			if (a->wake_op)
				a->wake_download_id = keep;	/* app_on_wake asks for the download */
			else
				free(keep);
		} else if (r == PROMPT_CANCEL) {
			free(a->wake_download_id);
			a->wake_download_id = NULL;
		}
		return;
	case PURPOSE_BACKUP_ALL:
		if (r == PROMPT_ACCEPT || r == PROMPT_CANCEL)
			prompt_close(&a->prompt);
		if (r == PROMPT_ACCEPT)
			app_backup_all(a);
		return;
	case PURPOSE_CANCEL_ALL:
		if (r == PROMPT_ACCEPT && app_export_running(a))
			export_cancel(a->export, "cancelled by the user");
		if (r == PROMPT_ACCEPT || r == PROMPT_CANCEL)
			prompt_close(&a->prompt);
		return;
	case PURPOSE_DOWNLOAD: {
		if (r == PROMPT_ACCEPT) {
			prompt_close(&a->prompt);
			app_download_start(a, a->download_marks);
		} else if (r == PROMPT_CANCEL) {
			prompt_close(&a->prompt);
			app_message(a, ROLE_NORMAL, "Download not started");
		} else if (r == PROMPT_EXTRA) {
			app_name_prompt(a, a->download_name);
		}
		return;
	}
	case PURPOSE_API_KEY:
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
		return;
	case PURPOSE_DOWNLOAD_NAME:
		if (r == PROMPT_CHANGED) {
			app_download_target(a);
		} else if (r == PROMPT_ACCEPT) {
			/* An error keeps the prompt and its text: fix the name, not retype it. */
			char err[1024];
			char *path = savepath_resolve(a->prompt.text, a->opts->download_dir, a->download_base,
						      err, sizeof(err));
			if (!path) {
				app_message(a, ROLE_ERROR, "%s", err);
				app_download_target(a);
				return;
			}
			char typed[sizeof(a->prompt.text)];
			snprintf(typed, sizeof(typed), "%s", a->prompt.text);
			snprintf(a->download_name, sizeof(a->download_name), "%s", path);
			free(path);
			prompt_close(&a->prompt);
			if (!app_download_start(a, a->download_marks))
				app_name_prompt(a, typed);
		} else if (r == PROMPT_CANCEL) {
			prompt_close(&a->prompt);
			app_message(a, ROLE_NORMAL, "Download not started");
		}
		return;
	default:
		prompt_close(&a->prompt);
		return;
	}
}

static void
app_mouse(struct app *a)
{
	int y, x, button;
	if (!tui_mouse(&y, &x, &button))
		return;
	for (int i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &a->panes[i];
		if (!pane_visible(p) || y < p->r.y || y >= p->r.y + p->r.h || x < p->r.x ||
		    x >= p->r.x + p->r.w)
			continue;
		if (button == 4 || button == 5) {
			for (int k = 0; k < 3; k++)
				pane_action(p, button == 4 ? ACTION_MOVE_UP : ACTION_MOVE_DOWN);
		} else {
			app_focus(a, (enum pane_id)i);
			size_t row = pane_row_at(p, y);
			if (row != (size_t)-1)
				pane_set_cursor(p, row);
		}
		a->dirty = true;
		return;
	}
}

static void
app_key(struct app *a, int key)
{
	a->urgent = true;
	if (!a->key_ms)	/* from the wake-up: the transfers run before keys are read */
		a->key_ms = a->turn_ms ? a->turn_ms : clock_now_ms();
	if (key == keys_resize) {
		a->dirty = true;
		return;
	}
	if (key == keys_mouse) {
		app_mouse(a);
		return;
	}
	if (prompt_open(&a->prompt)) {
		app_prompt_result(a, prompt_key(&a->prompt, key));
		return;
	}
	if (a->layout.too_small && key == 'q') {
		app_request_quit(a);
		return;
	}
	if (a->view.open) {
		enum action act = bindings_lookup(&a->bindings, BIND_HELP, key);
		if (act == ACTION_CLOSE || act == ACTION_BACK || act == ACTION_OPEN || act == ACTION_MESSAGES)
			textview_close(&a->view);
		else if (act == ACTION_QUIT) {
			textview_close(&a->view);
			app_request_quit(a);
		} else
			pane_action(&a->view.pane, act);
		a->dirty = true;
		return;
	}
	if (a->help.open) {
		enum action act = bindings_lookup(&a->bindings, BIND_HELP, key);
		if (act == ACTION_CLOSE || act == ACTION_HELP || act == ACTION_BACK) {
			a->help.open = false;
		} else if (act == ACTION_QUIT) {
			a->help.open = false;
			app_request_quit(a);
		} else {
			pane_action(&a->help.pane, act);
		}
		a->dirty = true;
		return;
	}
	enum bind_context ctx = a->panes[a->focus].ops->ctx;
	enum action act = bindings_lookup(&a->bindings, ctx, key);
	if (act == ACTION_NONE) {
		char name[32], help_key[32];
		keys_name(key, name, sizeof(name));
		help_first_key(&a->bindings, ctx, ACTION_HELP, help_key, sizeof(help_key));
		app_message(a, ROLE_MUTED, "Unknown key %s, press %s for help", name,
			    help_key[0] ? help_key : "?");
		return;
	}
	app_action(a, act);
}

/* ---- signals ---- */

static void
app_signals(struct app *a)
{
	unsigned set = signals_take();
	if (!set)
		return;
	if (set & (1u << SIGWINCH)) {
		int rows, cols;
		a->urgent = true;
		if (tui_query_size(&rows, &cols))
			tui_resize(rows, cols);
		a->dirty = true;
	}
	if (set & ((1u << SIGTERM) | (1u << SIGHUP))) {
		/* Orderly quit: the export removes its .part when cancelled. */
		if (a->export && !export_finished(a->export))
			export_cancel(a->export, "terminated by a signal");
		a->quit = true;
		a->exit_code = 128 + ((set & (1u << SIGTERM)) ? SIGTERM : SIGHUP);
		return;
	}
	if ((set & (1u << SIGINT)) && a->hand.pid) {
		/* Ctrl-C in the pager is the pager's (it reached us as the same process group). */
	} else if (set & (1u << SIGINT)) {
		if (!app_export_running(a) || a->sigint_asked) {
			if (a->export && !export_finished(a->export))
				export_cancel(a->export, "interrupted");
			a->quit = true;
			if (a->sigint_asked)
				a->exit_code = 130;
			return;
		}
		a->sigint_asked = true;
		prompt_confirm(&a->prompt, PURPOSE_QUIT,
			       "A download is running: quit and cancel it? (y/n; Ctrl-C again quits)", NULL);
		a->dirty = true;
	}
}

/* ---- the script driver (headless tests) ---- */

static bool
app_idle(struct app *a)
{
	if (a->list_op || a->walk_op || a->changes_op || a->preview_op || a->wake_op || a->n_dir_loads ||
	    a->ev_loading || a->hand.pid || a->hand_op)
		return false;
	if (app_export_running(a) || a->pump_more || a->backup || event_list_search_pending(&a->events))
		return false;
	return http_pending(a->http) == 0;
}

static void
app_dump(struct app *a, const char *name)
{
	char *path = xasprintf("%s/%s.screen", a->dump_dir, name);
	if (tui_dump(path) != 0) {
		fprintf(stderr, "ohbrowse: script: cannot write %s: %s\n", path, strerror(errno));
		a->exit_code = 1;
	}
	free(path);
}

/* Run script items until one has to wait. Returns true when more is ready now. */
static bool
app_script_step(struct app *a)
{
	for (;;) {
		const struct script_item *it = script_peek(a->script);
		int64_t now = clock_now_ms();
		switch (it->kind) {
		case SCRIPT_KEY:
			script_next(a->script);
			app_key(a, it->key);
			a->script_blocked_since = 0;
			return true; /* one key per turn: completions and renders run in between */
		case SCRIPT_WAIT:
		case SCRIPT_WAIT_BYTES: {
			bool ready;
			if (it->kind == SCRIPT_WAIT) {
				ready = app_idle(a);
			} else {
				struct export_totals t = { 0 };
				if (a->export)
					export_totals(a->export, &t);
				ready = !a->export || export_finished(a->export) || t.bytes_done >= it->bytes;
				/* Settled too: a file that has all its bytes must have left ACTIVE,
				 * or the dump would race with its completion. */
				for (size_t i = 0; ready && a->export && i < export_file_count(a->export); i++) {
					const struct export_file *f = export_file_at(a->export, i);
					if (f->state == EXPORT_FILE_ACTIVE && f->size >= 0 && f->done >= f->size)
						ready = false;
				}
			}
			if (ready && it->kind == SCRIPT_WAIT_BYTES && (a->pump_more || !a->script_settled)) {
				/* Let the pump write what is spooled, and see the state hold for
				 * one more turn, so the dump does not race with the ZIP writer. */
				a->script_settled = !a->pump_more;
				return true;
			}
			a->script_settled = false;
			if (ready) {
				script_next(a->script);
				a->script_blocked_since = 0;
				continue;
			}
			if (!a->script_blocked_since)
				a->script_blocked_since = now;
			if (now - a->script_blocked_since > SCRIPT_TIMEOUT_MS) {
				fprintf(stderr, "ohbrowse: script line %d: timed out waiting\n", it->line);
				a->exit_code = 1;
				a->quit = true;
			}
			return false;
		}
		case SCRIPT_DUMP:
			/* Draw first so the dump shows this state, whatever the frame cap. */
			app_render(a);
			app_dump(a, it->name);
			script_next(a->script);
			continue;
		case SCRIPT_RESIZE:
			tui_resize(it->rows, it->cols);
			script_next(a->script);
			a->dirty = true;
			return true;
		case SCRIPT_QUIT:
		case SCRIPT_EOF:
			if (a->export && !export_finished(a->export))
				export_cancel(a->export, "quit");
			a->quit = true;
			return false;
		}
	}
}

/* ---- the loop ---- */

static void
app_read_keys(struct app *a, bool stdin_woke)
{
	int key, got = 0;
	while ((key = tui_read_key()) != KEYS_NONE) {
		got++;
		app_key(a, key);
		if (a->quit || a->hand.pid)
			return;	/* a pager now owns the terminal: reading would take it back */
	}
	if (a->script || a->stdin_eof || !stdin_woke || got)
		return;
	/* poll said readable but curses had nothing: stdin may be closed (curl
	 * does not report POLLHUP back). Check it ourselves so we never spin. */
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))) {
		a->stdin_eof = true;
	} else if (++a->stdin_spurious > 200) {
		a->stdin_eof = true;
	}
	if (a->stdin_eof) {
		if (a->export && !export_finished(a->export))
			export_cancel(a->export, "the terminal went away");
		a->quit = true;
	}
}

static long
app_timeout(struct app *a, bool script_ready)
{
	if (script_ready || a->pump_more || event_list_search_pending(&a->events))
		return 0;
	int64_t now = clock_now_ms();
	long t = http_next_timeout_ms(a->http);
	if (t < 0 || t > 60000)
		t = 60000;
	if (a->script && t > 50)
		t = 50; /* re-check :wait barriers often (they also watch a timeout) */
	if (a->message[0] && a->message_until > now && a->message_until - now < t)
		t = (long)(a->message_until - now);
	if (a->convs.state == MODEL_LOADING) {
		int64_t due = a->list_started_ms + LOADING_DELAY_MS - now;
		if (due > 0 && due < t)
			t = (long)due;
	}
	if (a->events.state == MODEL_LOADING) {
		int64_t due = a->ev_started_ms + LOADING_DELAY_MS - now;
		if (due > 0 && due < t)
			t = (long)due;
	}
	if (a->follow && a->follow_due && !a->ev_loading) {
		int64_t due = a->follow_due - now;
		if (due < 0)
			due = 0;
		if (due < t)
			t = (long)due;
	}
	if (a->wake_op && t > 1000)
		t = 1000;
	if (a->dirty) {
		int64_t due = a->last_render_ms + FRAME_MS - now;
		if (due < 0)
			due = 0;
		if (due < t)
			t = (long)due;
	}
	return t;
}

static void
app_loop(struct app *a)
{
	struct http_waitfd fds[2];
	bool stdin_woke = false;
	int64_t last_loading_render = 0;
	while (!a->quit) {
		a->turn_ms = clock_now_ms();
		http_perform(a->http);
		app_signals(a);
		if (a->quit)
			break;
		bool script_ready = false;
		app_hand_poll(a);
		bool lent = a->hand.pid != 0;	/* the terminal belongs to the pager or the editor */
		if (lent) {
			/* no keys, no frames: the transfers and the export go on below */
		} else if (a->script) {
			/* Only <Resize> arrives through curses in script mode. */
			int key;
			while ((key = tui_read_key()) != KEYS_NONE)
				app_key(a, key);
			script_ready = app_script_step(a);
		} else {
			app_read_keys(a, stdin_woke);
		}
		if (a->export) {
			a->pump_more = export_pump(a->export, PUMP_BUDGET);
			app_export_check(a);
		} else {
			a->pump_more = false;
		}
		if (a->backup) {
			a->pump_more = backup_pump(a->backup, PUMP_BUDGET) || a->pump_more;
			app_backup_check(a);
			a->dirty = true;	/* its stage in the title; frames stay capped by FRAME_MS */
		}
		if (a->quit)
			break;
		/* An event search tests its rows a slice per turn (src/model_events.c). */
		if (event_list_search_pending(&a->events) && event_list_search_step(&a->events, EVENT_SEARCH_SLICE_MS))
			a->dirty = true;
		int64_t now = clock_now_ms();
		if (a->message[0] && now >= a->message_until && !a->script) {
			a->message[0] = '\0';
			a->dirty = true;
		}
		app_events_poll(a, now);
		if (a->wake_op || ((a->convs.state == MODEL_LOADING || a->events.state == MODEL_LOADING) &&
				   now - last_loading_render >= LOADING_DELAY_MS)) {
			a->dirty = true;
			last_loading_render = now;
		}
		/* Progress alone redraws at most every FRAME_MS (10 frames/s while a
		 * download runs); a key or a resize redraws at once. */
		lent = a->hand.pid != 0;	/* a key may just have handed the terminal over */
		if (!lent && a->dirty && (a->script || a->urgent || now - a->last_render_ms >= FRAME_MS ||
					  !app_export_running(a)))
			app_render(a);
		unsigned n = 0;
		if (!a->script && !a->stdin_eof && !lent) {
			fds[n].fd = STDIN_FILENO;
			fds[n].events = POLLIN;
			fds[n].revents = 0;
			n++;
		}
		fds[n].fd = signals_fd();
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		n++;
		long timeout = app_timeout(a, script_ready);
		if (lent && timeout > 100)
			timeout = 100;	/* how soon the end of the pager is noticed */
		http_wait(a->http, fds, n, timeout);
		stdin_woke = !a->script && !a->stdin_eof && !lent && fds[0].revents != 0;
		if (!stdin_woke)
			a->stdin_spurious = 0;
	}
}

/* ---- setup and teardown ---- */

static bool app_atexit_done;

static void
app_restore_terminal(void)
{
	tui_end();
}

static char *
app_config_path(const struct app_options *o)
{
	if (o->config)
		return xstrdup(o->config);
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && *xdg)
		return xasprintf("%s/ohbrowse/config", xdg);
	const char *home = getenv("HOME");
	if (home && *home)
		return xasprintf("%s/.config/ohbrowse/config", home);
	return NULL;
}

void
app_dump_actions(FILE *f)
{
	help_dump_actions(f);
}

int
app_run(struct api_client *client, const struct app_options *opts)
{
	struct app *a = xcalloc(1, sizeof(*a));
	char err[512];
	int rc = 0;
	a->client = client;
	a->http = api_client_http(client);
	a->opts = opts;
	setlocale(LC_ALL, "");

	const char *script = opts->script ? opts->script : getenv("OHBROWSE_SCRIPT");
	if (script && *script) {
		a->script = script_open(script, err, sizeof(err));
		if (!a->script) {
			fprintf(stderr, "ohbrowse: script: %s\n", err);
			free(a);
			return 2;
		}
		a->dump_dir = getenv("OHBROWSE_DUMP_DIR");
		if (!a->dump_dir || !*a->dump_dir)
			a->dump_dir = ".";
	} else if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "ohbrowse: the browser needs a terminal on stdin and stdout; "
				"for scripts use 'ohbrowse list', 'ohbrowse files' or 'ohbrowse download'\n");
		free(a);
		return 2;
	}

	bindings_init(&a->bindings);
	char *cfg = app_config_path(opts);
	char cfg_err[600] = "";
	if (cfg)
		bindings_config_file(&a->bindings, cfg, cfg_err, sizeof(cfg_err));
	free(cfg);

	struct tui_opts to = {
		.headless = a->script != NULL,
		.use_color = colors_wanted((enum colors_mode)opts->color, getenv("NO_COLOR")),
		.mouse = opts->mouse || a->bindings.mouse,
	};
	if (!tui_init(&to, err, sizeof(err))) {
		fprintf(stderr, "ohbrowse: %s\n", err);
		bindings_free(&a->bindings);
		script_free(a->script);
		free(a);
		return 2;
	}
	if (!app_atexit_done) {
		atexit(app_restore_terminal);
		app_atexit_done = true;
	}
	die_set_hook(app_restore_terminal);
	if (!signals_init(app_restore_terminal)) {
		tui_end();
		fprintf(stderr, "ohbrowse: cannot set up signal handling: %s\n", strerror(errno));
		bindings_free(&a->bindings);
		script_free(a->script);
		free(a);
		return 2;
	}

	const char *lat = getenv("OHBROWSE_LATENCY_LOG");
	if (lat && *lat)
		a->latency_log = fopen(lat, "w");	/* a measurement aid: a failure only loses figures */
	conv_list_init(&a->convs);
	file_tree_init(&a->tree);
	event_list_init(&a->events);
	preview_init(&a->preview);
	pane_init(&a->panes[PANE_CONV], &conv_ops, a);
	pane_init(&a->panes[PANE_FILES], &files_ops, a);
	pane_init(&a->panes[PANE_EVENTS], &events_ops, a);
	pane_init(&a->panes[PANE_PREVIEW], &preview_ops, a);
	pane_init(&a->panes[PANE_DOWNLOADS], &dl_ops, a);
	a->panes[PANE_PREVIEW].scroll_only = true;
	help_build(&a->help, &a->bindings);
	a->focus = PANE_CONV;
	a->preview_source = PANE_CONV;
	a->dirty = true;
	if (cfg_err[0])
		app_message(a, ROLE_ERROR, "%s", cfg_err);
	/* No key but conversations on this machine: start with those rather than a
	 * key prompt; L switches to the server, which then asks for the key. */
	if (opts->ask_key && !app_source_local(a) && app_local_dir_exists(a)) {
		api_client_set_source(a->client, API_SOURCE_LOCAL);
		if (!cfg_err[0])
			app_message(a, ROLE_NORMAL, "No API key: local conversations (L: the server's)");
	}

	app_list_start(a, NULL);
	app_loop(a);
	rc = a->exit_code;

	/* Teardown: cancel everything first, so no completion sees freed state. */
	api_op_cancel(a->list_op);
	api_op_cancel(a->wake_op);
	api_op_cancel(a->hand_op);
	free(a->hand_name);
	if (a->hand.pid) {
		/* Quitting (a signal) while the pager runs: it must not outlive us on the terminal. */
		kill(a->hand.pid, SIGTERM);
		handover_poll(&a->hand);
	}
	app_events_drop(a);
	app_cancel_files(a);
	api_backup_index_free(&a->bk_index);
	app_backup_stop(a);
	app_bk_clear(a);
	app_export_free(a);
	app_export_forget(a);
	for (size_t i = 0; i < a->n_queue; i++)
		app_job_free(&a->queue[i]);
	free(a->queue);
	if (a->lister)
		api_lister_free(a->lister);
	if (a->own_client)
		api_client_free(a->own_client);
	app_key_forget(a);
	tui_end();
	signals_end();
	die_set_hook(NULL);

	free(a->dir_loads);
	free(a->marked_below);
	free(a->wr_line);
	free(a->wr_off);
	free(a->wr_len);
	free(a->server_filter);
	app_keep_forget(a);
	free(a->filter_before);
	free(a->search_before);
	free(a->wake_id);
	free(a->wake_download_id);
	if (a->have_conv)
		api_conversation_free(&a->conv);
	conv_list_free(&a->convs);
	file_tree_free(&a->tree);
	event_list_free(&a->events);
	preview_free(&a->preview);
	help_free(&a->help);
	textview_free(&a->view);
	for (size_t i = 0; i < a->n_log; i++)
		free(a->log[i]);
	bindings_free(&a->bindings);
	script_free(a->script);
	if (a->latency_log)
		fclose(a->latency_log);
	free(a);
	return rc;
}
