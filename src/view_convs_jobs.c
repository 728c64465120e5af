/*
 * src/view_convs_jobs.c: the conversations view's two jobs -- w wakes a
 * paused conversation (and d on one offers to wake it first), B backs up the
 * marked conversations (or all listed) with the engine of `ohbrowse backup`;
 * and what the backup directory's index says about a row.
 */
#include "src/view.h"

#include <stdlib.h>
#include <string.h>

#include "src/backup.h"
#include "src/base/util.h"

/* ---- w: wake ---- */

static void
app_on_wake_progress(void *ud, long elapsed_ms, const char *status)
{
	struct app *a = ud;
	a->cv.wake_elapsed_ms = elapsed_ms;
	snprintf(a->cv.wake_status, sizeof(a->cv.wake_status), "%s", status ? status : "");
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
	a->cv.wake_op = NULL;
	a->dirty = true;
	char *id = a->cv.wake_id;
	a->cv.wake_id = NULL;
	if (err && err->kind != API_OK) {
		app_message(a, ROLE_ERROR, "Wake failed: %s", err->message);
		free(id);
		return;
	}
	if (conv) {
		char *sel = app_selected_id(a);
		conv_list_update(&a->cv.convs, conv);	/* its new status may sort it elsewhere */
		app_select_id(a, sel);
		free(sel);
		app_message(a, ROLE_NORMAL, "Woke \"%s\"", conv->title ? conv->title : "");
		app_note_woken(a, conv);
		bool files_of_it = a->fl.have_conv && id && a->fl.conv.id && strcmp(a->fl.conv.id, id) == 0;
		if (files_of_it) {
			api_conversation_free(&a->fl.conv);
			api_conversation_copy(&a->fl.conv, conv);
			app_load_files(a);
			app_preview_follow(a);
		} else if (a->preview_source == PANE_CONV) {
			app_preview_follow(a);
		}
		if (a->cv.wake_download_id && id && strcmp(a->cv.wake_download_id, id) == 0 &&
		    !prompt_open(&a->prompt))
			app_download_ask(a, files_of_it ? &a->fl.conv : conv, false);
	}
	free(a->cv.wake_download_id);
	a->cv.wake_download_id = NULL;
	free(id);
}

void
app_wake(struct app *a, const struct api_conversation *c)
{
	if (!c)
		return;
	if (a->cv.wake_op) {
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
	a->cv.wake_id = xstrdup(c->id);
	snprintf(a->cv.wake_title, sizeof(a->cv.wake_title), "%s", c->title && *c->title ? c->title : c->id);
	a->cv.wake_started_ms = clock_now_ms();
	a->cv.wake_elapsed_ms = 0;
	snprintf(a->cv.wake_status, sizeof(a->cv.wake_status), "%s", "requested");
	api_op_hold(&a->cv.wake_op, api_wake(a->client, c, app_on_wake_progress, app_on_wake, a));
	app_message(a, ROLE_NORMAL, "Waking \"%s\"...", c->title ? c->title : "");
}

void
convs_prompt_wake_download(struct app *a, enum prompt_result r)
{
	if (r == PROMPT_ACCEPT || r == PROMPT_CANCEL)
		prompt_close(&a->prompt);
	if (r == PROMPT_ACCEPT) {
		struct api_conversation *c = NULL;
		if (a->fl.have_conv && a->fl.conv.id && a->cv.wake_download_id &&
		    strcmp(a->fl.conv.id, a->cv.wake_download_id) == 0)
			c = &a->fl.conv;
		for (size_t i = 0; !c && a->cv.wake_download_id && i < a->cv.convs.n_view; i++) {
			struct api_conversation *k = conv_list_at(&a->cv.convs, i);
			if (k->id && strcmp(k->id, a->cv.wake_download_id) == 0)
				c = k;
		}
		char *keep = a->cv.wake_download_id;
		a->cv.wake_download_id = NULL;
		app_wake(a, c);
		if (a->cv.wake_op)
			a->cv.wake_download_id = keep;	/* app_on_wake asks for the download */
		else
			free(keep);
	} else if (r == PROMPT_CANCEL) {
		free(a->cv.wake_download_id);
		a->cv.wake_download_id = NULL;
	}
}

/* ---- B: backup, with the engine of `ohbrowse backup` ---- */

/* The backup directory's index, read once (and again after each backup): a missing or
 * unreadable one is an empty index here; `ohbrowse backup` reports what is wrong with it. */
const struct api_backup_entry *
app_bk_entry(struct app *a, const char *id)
{
	if (!a->cv.bk_index_loaded) {
		char *dir = backup_default_dir(a->opts->backup_dir);
		struct api_error err;
		if (api_backup_index_load(dir, &a->cv.bk_index, &err) != 0)
			memset(&a->cv.bk_index, 0, sizeof(a->cv.bk_index));
		free(dir);
		a->cv.bk_index_loaded = true;
	}
	const struct api_backup_entry *e = id ? api_backup_index_find(&a->cv.bk_index, id) : NULL;
	return e && e->archive ? e : NULL;
}

/* Backed up, and has it changed since? ('=' unchanged, '~' changed, 0 never) */
char
app_bk_state(struct app *a, const struct api_conversation *c)
{
	const struct api_backup_entry *e = app_bk_entry(a, c->id);
	if (!e)
		return 0;
	return e->updated_at && c->updated_at && strcmp(e->updated_at, c->updated_at) == 0 ? '=' : '~';
}

bool
app_bk_marked(const struct app *a, const char *id)
{
	for (size_t i = 0; id && i < a->cv.n_bk_marks; i++)
		if (strcmp(a->cv.bk_marks[i], id) == 0)
			return true;
	return false;
}

void
app_bk_toggle(struct app *a, const char *id)
{
	for (size_t i = 0; i < a->cv.n_bk_marks; i++) {
		if (strcmp(a->cv.bk_marks[i], id) == 0) {
			free(a->cv.bk_marks[i]);
			a->cv.bk_marks[i] = a->cv.bk_marks[--a->cv.n_bk_marks];
			return;
		}
	}
	a->cv.bk_marks = xrealloc(a->cv.bk_marks, (a->cv.n_bk_marks + 1) * sizeof(*a->cv.bk_marks));
	a->cv.bk_marks[a->cv.n_bk_marks++] = xstrdup(id);
}

void
app_bk_clear(struct app *a)
{
	for (size_t i = 0; i < a->cv.n_bk_marks; i++)
		free(a->cv.bk_marks[i]);
	free(a->cv.bk_marks);
	a->cv.bk_marks = NULL;
	a->cv.n_bk_marks = 0;
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

	a->cv.backup = backup_start(a->client, &bo, &err);
	if (!a->cv.backup)
		app_message(a, ROLE_ERROR, "Backup: %s", err.message);
	else
		app_message(a, ROLE_NORMAL, "Backing up %zu conversation%s into %s (browsing continues)", n,
			    n == 1 ? "" : "s", dir);
	free(dir);
	a->cv.backup_reported = 0;
	a->dirty = true;
}

/* B: the marked conversations, or (after asking) every listed one. */
void
app_backup_prompt(struct app *a)
{
	if (a->cv.backup) {
		app_message(a, ROLE_WARNING, "A backup is running; B again when it is done");
		return;
	}
	if (a->cv.n_bk_marks) {
		app_backup_start(a, (const char *const *)a->cv.bk_marks, a->cv.n_bk_marks);
		return;
	}
	if (a->cv.convs.n_view == 0) {
		app_message(a, ROLE_WARNING, "No conversations to back up");
		return;
	}
	char *dir = backup_default_dir(a->opts->backup_dir);
	char label[1200];
	snprintf(label, sizeof(label), "Back up all %zu listed conversations into %s? y/n (Space marks some)",
		 a->cv.convs.n_view, dir);
	free(dir);
	prompt_confirm(&a->prompt, PURPOSE_BACKUP_ALL, label, NULL);
}

static void
app_backup_all(struct app *a)
{
	size_t n = a->cv.convs.n_view;
	const char **ids = xcalloc(n ? n : 1, sizeof(*ids));
	for (size_t i = 0; i < n; i++)
		ids[i] = conv_list_at(&a->cv.convs, i)->id;
	app_backup_start(a, ids, n);
	free(ids);
}

/* Once a loop turn: say what finished; at the end the summary, and the marks are done. */
static void
app_backup_check(struct app *a)
{
	static const char *const words[] = {"pending", "backed up", "unchanged", "events only", "failed", "planned"};
	struct backup_status st;

	backup_status(a->cv.backup, &st);
	while (a->cv.backup_reported < st.done) {
		const struct backup_item *it = backup_item_at(a->cv.backup, a->cv.backup_reported++);
		app_message(a, it->outcome == BACKUP_FAILED ? ROLE_ERROR : ROLE_NORMAL, "Backup %zu/%zu: \"%s\" %s%s%s",
			    a->cv.backup_reported, st.total, it->title, words[it->outcome], it->reason ? ": " : "",
			    it->reason ? it->reason : "");
	}
	if (!backup_finished(a->cv.backup))
		return;
	int rc = backup_exit_code(a->cv.backup);
	if (rc == 0)
		app_message(a, ROLE_NORMAL, "Backup done: %zu conversation%s, the index is in the backup directory", st.total,
			    st.total == 1 ? "" : "s");
	else if (st.message)
		app_message(a, ROLE_ERROR, "Backup stopped: %s", st.message);
	else
		app_message(a, ROLE_WARNING, "Backup done, but some conversations failed (M shows them)");
	backup_free(a->cv.backup);
	a->cv.backup = NULL;
	app_bk_clear(a);
	api_backup_index_free(&a->cv.bk_index);
	a->cv.bk_index_loaded = false;	/* the rows read it again */
	if (a->preview_source == PANE_CONV)
		app_preview_follow(a);	/* the details say where it went */
	a->dirty = true;
}

/* Quitting with a backup running: stop it; a sandbox it woke is offered to be paused. */
void
app_backup_stop(struct app *a)
{
	if (!a->cv.backup)
		return;
	const struct api_conversation *w = backup_woken(a->cv.backup);
	if (w)
		app_note_woken(a, w);
	backup_free(a->cv.backup);
	a->cv.backup = NULL;
}

void
convs_prompt_backup_all(struct app *a, enum prompt_result r)
{
	if (r == PROMPT_ACCEPT || r == PROMPT_CANCEL)
		prompt_close(&a->prompt);
	if (r == PROMPT_ACCEPT)
		app_backup_all(a);
}

bool
convs_pump(struct app *a)
{
	if (!a->cv.backup)
		return false;
	bool more = backup_pump(a->cv.backup, VIEW_PUMP_BUDGET);
	app_backup_check(a);
	a->dirty = true;	/* its stage in the title; frames stay capped by FRAME_MS */
	return more;
}
