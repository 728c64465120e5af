/*
 * src/view_downloads.c: the downloads view -- the export job, the queue of
 * downloads waiting, the download and name prompts, R (retry), and its pane ops.
 */
#include "src/view.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/names.h"
#include "src/export.h"
#include "src/savepath.h"
#include "src/base/util.h"
#include "tui/progress.h"
#include "tui/text.h"
#include "tui/tui.h"

/* A download waiting for the one running to end (issue 14: several downloads). */
struct app_job {
	struct api_conversation conv;
	char **paths;		/* NULL: the whole workspace */
	size_t n_paths;
	char output[1024];
	char base[256];
};

bool
app_export_running(const struct app *a)
{
	return a->dl.export && !export_finished(a->dl.export);
}

/* ---- export ---- */

static void
app_export_free(struct app *a)
{
	if (a->dl.export)
		export_free(a->dl.export);
	a->dl.export = NULL;
	a->pump_more = false;
}

void
app_download_prompt(struct app *a, bool use_marks)
{
	const struct api_conversation *c = NULL;
	const struct api_conversation *cur = app_current_conv(a);
	if (a->fl.files_open && a->fl.have_conv &&
	    (a->focus != PANE_CONV || (cur && cur->id && a->fl.conv.id && strcmp(cur->id, a->fl.conv.id) == 0))) {
		c = &a->fl.conv;
		if (a->focus == PANE_CONV)
			use_marks = false;
	} else {
		c = cur;
	}
	if (!c)
		return;
	if (!api_conversation_is_running(c) && !c->local && !app_conv_deleted(c) && !a->cv.wake_op) {
		/* Offer what the user is after instead of only explaining (issue 14, item 13). */
		char label[600];
		snprintf(label, sizeof(label), "\"%s\" is %s: wake it and download? y/n",
			 c->title ? c->title : "", app_status_word(c));
		free(a->cv.wake_download_id);
		a->cv.wake_download_id = xstrdup(c->id);
		prompt_confirm(&a->prompt, PURPOSE_WAKE_DOWNLOAD, label, NULL);
		a->dirty = true;
		return;
	}
	app_download_ask(a, c, use_marks);
}

/* The confirmation for downloading c (the marks when use_marks and its files are open). */
void
app_download_ask(struct app *a, const struct api_conversation *c, bool use_marks)
{
	if (!api_conversation_is_running(c)) {
		app_message(a, ROLE_WARNING, "\"%s\" is %s: press w to wake it first",
			    c->title ? c->title : "", app_status_word(c));
		return;
	}
	if (c != &a->fl.conv) {
		/* Downloading from the list: remember which conversation. */
		if (a->fl.have_conv)
			api_conversation_free(&a->fl.conv);
		api_conversation_copy(&a->fl.conv, c);
		a->fl.have_conv = true;
		if (a->fl.files_open) {
			a->fl.files_open = false;
			app_cancel_files(a);
			file_tree_clear(&a->fl.tree);
		}
		use_marks = false;
	}
	char err[256];
	char *base = names_archive_base(c->title, c->id);
	char *path = names_pick_archive_path(a->opts->download_dir, base, NULL, err, sizeof(err));
	snprintf(a->dl.download_base, sizeof(a->dl.download_base), "%s", base);
	free(base);
	if (!path) {
		app_message(a, ROLE_ERROR, "%s", err);
		return;
	}
	snprintf(a->dl.download_name, sizeof(a->dl.download_name), "%s", path);
	free(path);
	struct file_selection sel = { 0 };
	char what[256], size[48];
	if (use_marks && a->fl.files_open)
		file_tree_selection(&a->fl.tree, &sel);
	if (sel.roots > 0) {
		app_size_words(size, sizeof(size), sel.bytes, sel.size_unknown);
		snprintf(what, sizeof(what), "%zu marked file%s (%s)", sel.files, sel.files == 1 ? "" : "s",
			 size);
	} else if (a->fl.files_open && a->fl.tree.full) {
		size_t files, changed;
		int64_t bytes;
		file_tree_totals(&a->fl.tree, &files, &bytes, &changed);
		text_size(size, sizeof(size), bytes);
		snprintf(what, sizeof(what), "all %zu file%s (%s)", files, files == 1 ? "" : "s", size);
	} else {
		snprintf(what, sizeof(what), "the whole workspace");
	}
	char label[1400];
	snprintf(label, sizeof(label), "%s %s to %s? y/n, e edits the name",
		 app_export_running(a) ? "Queue the download of" : "Download", what, a->dl.download_name);
	prompt_confirm(&a->prompt, PURPOSE_DOWNLOAD, label, "e");
	a->dl.download_marks = sel.roots > 0;
	a->dirty = true;
}

/* The name prompt's target line: what Enter would do with the text typed so far. */
static void
app_download_target(struct app *a)
{
	char err[1024];
	char *path = savepath_resolve(a->prompt.text, a->opts->download_dir, a->dl.download_base, err, sizeof(err));
	a->dl.download_target_bad = path == NULL;
	snprintf(a->dl.download_target, sizeof(a->dl.download_target), "%s%s", path ? "Saves to " : "", path ? path : err);
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
	for (size_t i = 0; i < a->dl.n_export_paths; i++)
		free(a->dl.export_paths[i]);
	free(a->dl.export_paths);
	a->dl.export_paths = NULL;
	a->dl.n_export_paths = 0;
	if (a->dl.have_export_conv)
		api_conversation_free(&a->dl.export_conv);
	a->dl.have_export_conv = false;
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
	a->dl.export = export_start(a->client, &copy, &eo, &err);
	if (!a->dl.export) {
		for (size_t i = 0; i < n; i++)
			free(keep[i]);
		free(keep);
		api_conversation_free(&copy);
		app_message(a, ROLE_ERROR, "Download: %s", err.message[0] ? err.message : "cannot start");
		return false;
	}
	app_export_forget(a);
	a->dl.export_conv = copy;
	a->dl.have_export_conv = true;
	a->dl.export_paths = keep;
	a->dl.n_export_paths = n;
	a->dl.export_visible = true;
	a->dl.export_reported = false;
	a->dl.export_last_bytes = -1;
	a->panes[PANE_DOWNLOADS].cursor = a->panes[PANE_DOWNLOADS].top = 0;
	app_message(a, ROLE_NORMAL, "Downloading to %s (browsing continues; X cancels)", name);
	return true;
}

static bool
app_download_start(struct app *a, bool use_marks)
{
	const char **paths = NULL;
	size_t n = 0;
	if (use_marks && a->fl.files_open) {
		paths = file_tree_selected_paths(&a->fl.tree, &n);
		if (n == 0) {
			free(paths);
			paths = NULL;
		}
	}
	if (app_export_running(a)) {
		/* A second d queues instead of refusing; it starts when this one ends. */
		a->dl.queue = xrealloc(a->dl.queue, (a->dl.n_queue + 1) * sizeof(*a->dl.queue));
		struct app_job *j = &a->dl.queue[a->dl.n_queue++];
		memset(j, 0, sizeof(*j));
		api_conversation_copy(&j->conv, &a->fl.conv);
		j->paths = n ? xcalloc(n, sizeof(*j->paths)) : NULL;
		for (size_t i = 0; i < n; i++)
			j->paths[i] = xstrdup(paths[i]);
		j->n_paths = n;
		snprintf(j->output, sizeof(j->output), "%s", a->dl.download_name);
		snprintf(j->base, sizeof(j->base), "%s", a->dl.download_base);
		free(paths);
		app_message(a, ROLE_NORMAL, "Queued %s (%zu waiting; it starts when the running download ends)",
			    j->output, a->dl.n_queue);
		a->dirty = true;
		return true;
	}
	snprintf(a->dl.export_base, sizeof(a->dl.export_base), "%s", a->dl.download_base);
	bool ok = app_export_begin(a, &a->fl.conv, paths, n, a->dl.download_name);
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
	while (a->dl.n_queue) {
		struct app_job j = a->dl.queue[0];
		memmove(a->dl.queue, a->dl.queue + 1, (a->dl.n_queue - 1) * sizeof(*a->dl.queue));
		a->dl.n_queue--;
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
			snprintf(a->dl.export_base, sizeof(a->dl.export_base), "%s", j.base);
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
	export_totals(a->dl.export, &t);
	if (!a->dl.have_export_conv) {
		app_message(a, ROLE_WARNING, "Nothing to retry");
		return;
	}
	if (t.phase == EXPORT_DONE && t.files_failed == 0) {
		app_message(a, ROLE_NORMAL, "Nothing failed: %s has every file", t.archive_path ? t.archive_path : "");
		return;
	}
	char err[512];
	bool saved = t.phase == EXPORT_DONE;
	char *path = names_pick_archive_path(a->opts->download_dir, a->dl.export_base, saved ? "-retry" : NULL, err,
					     sizeof(err));
	if (!path) {
		app_message(a, ROLE_ERROR, "%s", err);
		return;
	}
	const char **paths = NULL;
	size_t n = 0;
	if (saved) {
		size_t count = export_file_count(a->dl.export);
		paths = xcalloc(count ? count : 1, sizeof(*paths));
		for (size_t i = 0; i < count; i++) {
			const struct export_file *f = export_file_at(a->dl.export, i);
			if (f->state == EXPORT_FILE_FAILED || f->state == EXPORT_FILE_CANCELLED)
				paths[n++] = f->path;
		}
	} else {
		paths = (const char **)a->dl.export_paths;
		n = a->dl.n_export_paths;
	}
	char base[256];
	snprintf(base, sizeof(base), "%s", a->dl.export_base);
	struct api_conversation conv;
	api_conversation_copy(&conv, &a->dl.export_conv);
	if (app_export_begin(a, &conv, paths, n, path)) {
		snprintf(a->dl.export_base, sizeof(a->dl.export_base), "%s", base);
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
	if (!a->dl.export)
		return;
	struct export_totals t;
	export_totals(a->dl.export, &t);
	if (t.bytes_done != a->dl.export_last_bytes) {
		a->dl.export_last_bytes = t.bytes_done;
		a->dirty = true;
	}
	if (!export_finished(a->dl.export) || a->dl.export_reported)
		return;
	a->dl.export_reported = true;
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
	if (a->dl.n_queue) {
		char done[512];
		snprintf(done, sizeof(done), "%s", a->message);
		app_queue_next(a);
		if (app_export_running(a)) {
			struct export_totals n;
			export_totals(a->dl.export, &n);
			app_message(a, a->message_role, "%s; next: %s", done, n.archive_path ? n.archive_path : "");
		}
	}
}

/* ---- pane ops: downloads ---- */

static size_t
dl_count(struct pane *p)
{
	struct app *a = p->ud;
	return a->dl.export ? export_file_count(a->dl.export) + 1 + a->dl.n_queue : 0;
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
		export_totals(a->dl.export, &t);
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
	size_t files = export_file_count(a->dl.export);
	if (i > files) {
		/* The queue, after the running job's files. */
		const struct app_job *j = &a->dl.queue[i - files - 1];
		char what[64];
		snprintf(what, sizeof(what), "%zu path%s", j->n_paths, j->n_paths == 1 ? "" : "s");
		line_add_fit(l, ROLE_MUTED, "queued", 8, false);
		line_add(l, ROLE_NORMAL, " ");
		line_add_fit(l, ROLE_NORMAL, j->output, name_w, false);
		line_add(l, ROLE_NORMAL, " ");
		line_add_fit(l, ROLE_MUTED, j->n_paths ? what : "the whole workspace", bw, false);
		return;
	}
	const struct export_file *f = export_file_at(a->dl.export, i - 1);
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
	export_totals(a->dl.export, &t);
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
		const struct export_file *f = p->cursor > 0 ? export_file_at(a->dl.export, p->cursor - 1) : NULL;
		struct export_totals t;
		export_totals(a->dl.export, &t);
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
	size_t files = export_file_count(a->dl.export);
	if (act == ACTION_CANCEL_FILE && p->cursor > files && p->cursor - files - 1 < a->dl.n_queue) {
		size_t k = p->cursor - files - 1;
		app_message(a, ROLE_NORMAL, "Removed %s from the queue", a->dl.queue[k].output);
		app_job_free(&a->dl.queue[k]);
		memmove(a->dl.queue + k, a->dl.queue + k + 1, (a->dl.n_queue - k - 1) * sizeof(*a->dl.queue));
		a->dl.n_queue--;
		pane_clamp(p);
		return PANE_H_HANDLED | PANE_H_REDRAW;
	}
	if (act == ACTION_CANCEL_FILE) {
		if (!app_export_running(a) || p->cursor == 0) {
			app_message(a, ROLE_WARNING, "Nothing to cancel here");
		} else {
			export_cancel_file(a->dl.export, p->cursor - 1);
			app_message(a, ROLE_NORMAL, "Cancelled %s", export_file_at(a->dl.export, p->cursor - 1)->path);
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

bool
app_downloads_shown(const struct app *a)
{
	return a->dl.export && a->dl.export_visible;
}

/* ---- prompts ---- */

static void
prompt_cancel_all(struct app *a, enum prompt_result r)
{
	if (r == PROMPT_ACCEPT && app_export_running(a))
		export_cancel(a->dl.export, "cancelled by the user");
	if (r == PROMPT_ACCEPT || r == PROMPT_CANCEL)
		prompt_close(&a->prompt);
}

static void
prompt_download(struct app *a, enum prompt_result r)
{
	if (r == PROMPT_ACCEPT) {
		prompt_close(&a->prompt);
		app_download_start(a, a->dl.download_marks);
	} else if (r == PROMPT_CANCEL) {
		prompt_close(&a->prompt);
		app_message(a, ROLE_NORMAL, "Download not started");
	} else if (r == PROMPT_EXTRA) {
		app_name_prompt(a, a->dl.download_name);
	}
}

static void
prompt_download_name(struct app *a, enum prompt_result r)
{
	if (r == PROMPT_CHANGED) {
		app_download_target(a);
	} else if (r == PROMPT_ACCEPT) {
		/* An error keeps the prompt and its text: fix the name, not retype it. */
		char err[1024];
		char *path = savepath_resolve(a->prompt.text, a->opts->download_dir, a->dl.download_base,
					      err, sizeof(err));
		if (!path) {
			app_message(a, ROLE_ERROR, "%s", err);
			app_download_target(a);
			return;
		}
		char typed[sizeof(a->prompt.text)];
		snprintf(typed, sizeof(typed), "%s", a->prompt.text);
		snprintf(a->dl.download_name, sizeof(a->dl.download_name), "%s", path);
		free(path);
		prompt_close(&a->prompt);
		if (!app_download_start(a, a->dl.download_marks))
			app_name_prompt(a, typed);
	} else if (r == PROMPT_CANCEL) {
		prompt_close(&a->prompt);
		app_message(a, ROLE_NORMAL, "Download not started");
	}
}

/* The name prompt's hint row says where Enter would save, or why it cannot. */
static void
prompt_download_name_hint(struct app *a, struct line *l)
{
	line_add(l, a->dl.download_target_bad ? ROLE_WARNING : ROLE_STATUS, a->dl.download_target);
}

/* ---- the view ---- */

/* The script's :wait-bytes: the job has written that much, or ended, and settled. */
bool
app_download_reached(struct app *a, int64_t bytes)
{
	struct export_totals t = { 0 };
	if (a->dl.export)
		export_totals(a->dl.export, &t);
	bool ready = !a->dl.export || export_finished(a->dl.export) || t.bytes_done >= bytes;
	/* Settled too: a file that has all its bytes must have left ACTIVE,
	 * or the dump would race with its completion. */
	for (size_t i = 0; ready && a->dl.export && i < export_file_count(a->dl.export); i++) {
		const struct export_file *f = export_file_at(a->dl.export, i);
		if (f->state == EXPORT_FILE_ACTIVE && f->size >= 0 && f->done >= f->size)
			ready = false;
	}
	return ready;
}

/* Quitting: the export removes its .part when cancelled. */
static void
downloads_quit(struct app *a, const char *why)
{
	if (a->dl.export && !export_finished(a->dl.export))
		export_cancel(a->dl.export, why);
}

static void
downloads_stop(struct app *a)
{
	app_export_free(a);
	app_export_forget(a);
	for (size_t i = 0; i < a->dl.n_queue; i++)
		app_job_free(&a->dl.queue[i]);
	free(a->dl.queue);
	a->dl.queue = NULL;
	a->dl.n_queue = 0;
}

static void
downloads_place(const struct app *a, bool wide, struct layout_slot *s)
{
	s->shown = app_downloads_shown(a);
	s->rows = a->dl.export ? (int)(export_file_count(a->dl.export) + a->dl.n_queue) + 2 : 0;
}

static bool
downloads_focusable(const struct app *a)
{
	return app_downloads_shown(a);
}

static bool
downloads_running(const struct app *a)
{
	return app_export_running(a);
}

static bool
downloads_pump(struct app *a)
{
	if (!a->dl.export)
		return false;
	bool more = export_pump(a->dl.export, VIEW_PUMP_BUDGET);
	app_export_check(a);
	return more;
}

/* D (show or hide), X (cancel all) and R (retry) work from every pane. */
static bool
downloads_global_action(struct app *a, enum action act)
{
	switch (act) {
	case ACTION_TOGGLE_DOWNLOADS:
		if (!a->dl.export) {
			app_message(a, ROLE_NORMAL, "No download yet");
			return true;
		}
		a->dl.export_visible = !a->dl.export_visible;
		if (a->dl.export_visible)
			app_focus(a, PANE_DOWNLOADS);
		a->dirty = true;
		return true;
	case ACTION_CANCEL_ALL:
		if (!app_export_running(a)) {
			app_message(a, ROLE_NORMAL, "No download is running");
			return true;
		}
		prompt_confirm(&a->prompt, PURPOSE_CANCEL_ALL, "Cancel the whole download? (y/n)", NULL);
		a->dirty = true;
		return true;
	case ACTION_RETRY_FAILED:
		if (!a->dl.export) {
			app_message(a, ROLE_NORMAL, "No download yet");
			return true;
		}
		if (!app_export_running(a)) {
			app_retry_finished(a);
			return true;
		}
		export_retry_failed(a->dl.export);
		app_message(a, ROLE_NORMAL, "Retrying failed files");
		return true;
	default:
		return false;
	}
}

/* The failed file's reason, the file's path, or the archive's path. */
static const char *
downloads_copy(struct app *a, const char **what)
{
	struct pane *p = &a->panes[PANE_DOWNLOADS];
	const struct export_file *f = p->cursor > 0 ? export_file_at(a->dl.export, p->cursor - 1) : NULL;
	struct export_totals t;
	export_totals(a->dl.export, &t);
	if (f && f->error) {
		*what = "the reason";
		return f->error;
	}
	if (f) {
		*what = "the path";
		return f->path;
	}
	*what = "the archive's path";
	return t.archive_path;
}

static const struct view_hint downloads_hints[] = {
	{ ACTION_CANCEL_FILE, "cancel file" }, { ACTION_CANCEL_ALL, "cancel all" },
	{ ACTION_RETRY_FAILED, "retry" }, { ACTION_TOGGLE_DOWNLOADS, "hide" }, { ACTION_HELP, "help" },
	{ ACTION_QUIT, "quit" }, { ACTION_NONE, NULL },
};

static const struct view_prompt downloads_prompts[] = {
	{ PURPOSE_DOWNLOAD, prompt_download, NULL },
	{ PURPOSE_DOWNLOAD_NAME, prompt_download_name, prompt_download_name_hint },
	{ PURPOSE_CANCEL_ALL, prompt_cancel_all, NULL },
	{ 0, NULL, NULL },
};

const struct view_ops view_downloads = {
	.pane = &dl_ops,
	.role = LAYOUT_BOTTOM,
	.hints = downloads_hints,
	.prompts = downloads_prompts,
	.quit = downloads_quit,
	.stop = downloads_stop,
	.place = downloads_place,
	.focusable = downloads_focusable,
	.running = downloads_running,
	.busy = downloads_running,
	.pump = downloads_pump,
	.global_action = downloads_global_action,
	.copy = downloads_copy,
};
