/*
 * src/view_events.c: the events view -- one conversation's event pager, the
 * kinds filter, the search, follow mode (F) and G to the end, and its pane ops.
 */
#include "src/view.h"

#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"
#include "tui/tui.h"

static void app_events_more(struct app *a);

#define FOLLOW_MS 3000		/* follow mode: how often to look for new events */

/* ---- events ---- */

struct api_event *
app_current_event(struct app *a)
{
	return event_list_at(&a->ev.events, a->panes[PANE_EVENTS].cursor);
}

/*
 * The selected event in the preview: a header, then its text. Following the
 * cursor shows at most PREVIEW_MAX bytes of it (a huge observation would make
 * every cursor step split megabytes into lines); Enter asks for the whole text.
 */
void
app_preview_event(struct app *a, bool whole)
{
	struct api_event *e = app_current_event(a);
	if (!e) {
		preview_set_lines(&a->pv.preview, "", "");
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
	snprintf(title, sizeof(title), "event %zu", a->ev.events.view[a->panes[PANE_EVENTS].cursor] + 1);
	preview_set_lines(&a->pv.preview, title, sb.buf);
	strbuf_free(&sb);
}

static void
app_on_events(void *ud, struct api_event *rows, size_t n, bool more, const struct api_error *err)
{
	struct app *a = ud;
	struct pane *p = app_pane(a, PANE_EVENTS);
	a->ev.ev_loading = false;
	a->dirty = true;
	if (err && err->kind != API_OK) {
		/* The pager ends here; r (or Enter on the row) resumes it from the failed page. */
		a->ev.events.state = MODEL_FAILED;
		snprintf(a->ev.events.error, sizeof(a->ev.events.error), "%s", err->message);
		if (a->ev.follow)
			a->ev.follow_due = clock_now_ms() + FOLLOW_MS;
		pane_clamp(p);
		return;
	}
	size_t before = a->ev.events.n_view;
	bool at_end = before == 0 || p->cursor + 1 >= before;
	event_list_take(&a->ev.events, rows, n);
	a->ev.events.more = more;
	a->ev.events.state = more ? MODEL_IDLE : MODEL_DONE;
	if (a->ev.follow && !more)
		a->ev.follow_due = clock_now_ms() + FOLLOW_MS;
	if ((a->ev.follow && at_end) || a->ev.ev_to_end) {
		if (a->ev.events.n_view > 0)
			pane_set_cursor(p, a->ev.events.n_view - 1);	/* like tail -f: stay at the end */
		if (!more)
			a->ev.ev_to_end = false;
	}
	pane_clamp(p);
	if (before == 0 && a->ev.events.n_view > 0 && a->preview_source == PANE_EVENTS)
		app_preview_follow(a);
	if ((a->ev.follow || a->ev.ev_to_end) && more)
		app_events_more(a);
	else
		pane_check_near_end(p);	/* a filter may have hidden the whole page */
}

/* Ask the pager for its next page, unless one is in flight or none is left. */
static void
app_events_more(struct app *a)
{
	if (!a->ev.pager || a->ev.ev_loading || !api_events_more(a->ev.pager))
		return;
	if (a->ev.events.state == MODEL_DONE || a->ev.events.state == MODEL_FAILED)
		return;
	a->ev.ev_loading = true;
	a->ev.events.state = MODEL_LOADING;
	a->ev.ev_started_ms = clock_now_ms();
	api_events_next(a->ev.pager, app_on_events, a);
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
	a->ev.follow_due = 0;
	if (a->ev.pager && a->ev.ev_loading)
		return;		/* a page is on its way: it is the look again */
	if (!a->ev.pager)
		a->ev.pager = api_events_new(a->client, &a->ev.ev_conv, false);
	else
		api_events_resume(a->ev.pager);	/* false: it has more to give anyway */
	a->ev.events.state = MODEL_IDLE;
	a->ev.events.error[0] = '\0';
	app_events_more(a);
}

/* Forget the event pane's conversation and rows (no focus change). */
void
app_events_drop(struct app *a)
{
	if (a->ev.pager)
		api_events_free(a->ev.pager);
	a->ev.pager = NULL;
	a->ev.ev_loading = false;
	a->ev.events_open = false;
	a->ev.follow = false;
	a->ev.ev_to_end = false;
	a->ev.follow_due = 0;
	event_list_clear(&a->ev.events);
	if (a->ev.have_ev_conv)
		api_conversation_free(&a->ev.ev_conv);
	a->ev.have_ev_conv = false;
	if (a->preview_source == PANE_EVENTS)
		a->preview_source = a->fl.files_open ? PANE_FILES : PANE_CONV;
	a->dirty = true;
}

static void
app_events_open(struct app *a, const struct api_conversation *c, enum pane_id from)
{
	app_events_drop(a);
	api_conversation_copy(&a->ev.ev_conv, c);
	a->ev.have_ev_conv = true;
	a->ev.events_open = true;
	a->ev.events_from = from;
	event_list_set_filter(&a->ev.events, EVENT_FILTER_ALL);
	event_list_set_search(&a->ev.events, NULL);
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
	enum pane_id back = a->ev.events_from == PANE_FILES && a->fl.files_open ? PANE_FILES : PANE_CONV;
	app_events_drop(a);
	app_focus(a, back);
	app_preview_follow(a);
}

static void
app_events_toggle_follow(struct app *a)
{
	a->ev.follow = !a->ev.follow;
	a->ev.follow_due = 0;
	if (!a->ev.follow) {
		app_message(a, ROLE_NORMAL, "Not following");
		return;
	}
	app_message(a, ROLE_NORMAL, "Following: new events are looked for every %d s (F stops)",
		    FOLLOW_MS / 1000);
	struct pane *p = app_pane(a, PANE_EVENTS);
	if (a->ev.events.n_view > 0)
		pane_set_cursor(p, a->ev.events.n_view - 1);
	if (a->ev.events.state == MODEL_IDLE)
		app_events_more(a);	/* load the rest, staying at the end */
	else if (!a->ev.ev_loading)
		a->ev.follow_due = clock_now_ms();	/* done or failed: look at once */
}

/* The loop's follow timer: look for events that arrived since the last page. */
static void
app_events_poll(struct app *a, int64_t now)
{
	if (!a->ev.events_open || !a->ev.follow || !a->ev.follow_due || now < a->ev.follow_due || a->ev.ev_loading)
		return;
	app_events_restart(a);
}

/* ---- pane ops: events ---- */

static size_t
events_count(struct pane *p)
{
	struct app *a = p->ud;
	size_t n = a->ev.events.n_view;
	if (a->ev.events.state == MODEL_LOADING || a->ev.events.state == MODEL_FAILED || n == 0)
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
	struct event_list *ev = &a->ev.events;
	if (i >= ev->n_view) {
		if (ev->state == MODEL_FAILED)
			line_addf(l, ROLE_ERROR, "Load failed (Enter reads it all, r retries): %s", ev->error);
		else if (ev->state == MODEL_LOADING) {
			if (app_show_loading_row(a, ev->state, a->ev.ev_started_ms))
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
	struct event_list *ev = &a->ev.events;
	const char *t = a->ev.ev_conv.title && *a->ev.ev_conv.title ? a->ev.ev_conv.title : a->ev.ev_conv.id;
	line_add(l, ROLE_HEADER, "Events");
	if (ev->filter != EVENT_FILTER_ALL)
		line_addf(l, ROLE_HEADER, " [%s]", event_filter_name(ev->filter));
	if (ev->search)
		line_addf(l, ROLE_HEADER, " /%s%s", ev->search, event_list_search_pending(ev) ? " (searching)" : "");
	if (ev->n_view != ev->count)
		line_addf(l, ROLE_HEADER, "  %zu of %zu", ev->n_view, ev->count);
	else
		line_addf(l, ROLE_HEADER, "  %zu", ev->count);
	size_t total = api_events_total(a->ev.pager);
	if (ev->more && total > ev->count)
		line_addf(l, ROLE_HEADER, "/%zu", total);
	else if (ev->more)
		line_add(l, ROLE_HEADER, "+");
	if (a->ev.follow)
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
	if (a->ev.events.more && a->ev.events.state == MODEL_IDLE)
		app_events_more(a);
}

static unsigned
events_on_action(struct pane *p, enum action act)
{
	struct app *a = p->ud;
	struct event_list *ev = &a->ev.events;
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
		free(a->ev.search_before);
		a->ev.search_before = ev->search ? xstrdup(ev->search) : NULL;
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
		if (!a->ev.ev_loading)
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

/* ---- prompts ---- */

static void
prompt_event_search(struct app *a, enum prompt_result r)
{
	struct pane *p = &a->panes[PANE_EVENTS];
	if (r == PROMPT_CHANGED) {
		event_list_set_search(&a->ev.events, a->prompt.text);
		p->cursor = p->top = 0;
	} else if (r == PROMPT_CANCEL) {
		event_list_set_search(&a->ev.events, a->ev.search_before);
		prompt_close(&a->prompt);
	} else if (r == PROMPT_ACCEPT) {
		prompt_close(&a->prompt);
	}
	/* The rows shown all match; the highlight says where. */
	snprintf(p->find, sizeof(p->find), "%s", a->ev.events.search ? a->ev.events.search : "");
	pane_clamp(p);
	if (r != PROMPT_CONTINUE) {
		app_preview_follow(a);
		pane_check_near_end(p);
	}
}

/* ---- the view ---- */

static void
events_init(struct app *a)
{
	event_list_init(&a->ev.events);
}

static void
events_stop(struct app *a)
{
	app_events_drop(a);
}

static void
events_free(struct app *a)
{
	free(a->ev.search_before);
	event_list_free(&a->ev.events);
}

/* It takes the files pane's place while shown; narrow screens show it when it has the focus. */
static void
events_place(const struct app *a, bool wide, struct layout_slot *s)
{
	s->shown = a->ev.events_open && (wide || a->focus != PANE_CONV);
	s->share = 40;
}

static bool
events_focusable(const struct app *a)
{
	return a->ev.events_open;
}

static bool
events_busy(const struct app *a)
{
	return a->ev.ev_loading;
}

/* An event search tests its rows a slice per turn (src/model_events.c); while it has rows
 * left the loop does not sleep (pump_more) and the script's :wait waits for it. */
static bool
events_pump(struct app *a)
{
	if (!event_list_search_pending(&a->ev.events))
		return false;
	if (event_list_search_step(&a->ev.events, EVENT_SEARCH_SLICE_MS))
		a->dirty = true;
	return event_list_search_pending(&a->ev.events);
}

static enum view_anim
events_animating(const struct app *a)
{
	return a->ev.events.state == MODEL_LOADING ? VIEW_LOADING : VIEW_STILL;
}

static void
events_tick(struct app *a, int64_t now)
{
	app_events_poll(a, now);
}

static long
events_timeout(const struct app *a, int64_t now, long t)
{
	if (a->ev.events.state == MODEL_LOADING) {
		int64_t due = a->ev.ev_started_ms + LOADING_DELAY_MS - now;
		if (due > 0 && due < t)
			t = (long)due;
	}
	if (a->ev.follow && a->ev.follow_due && !a->ev.ev_loading) {
		int64_t due = a->ev.follow_due - now;
		if (due < 0)
			due = 0;
		if (due < t)
			t = (long)due;
	}
	return t;
}

/* v: the events of the selected conversation (or of the open files'), or back. */
static bool
events_global_action(struct app *a, enum action act)
{
	if (act != ACTION_EVENTS)
		return false;
	struct api_conversation *c = a->focus == PANE_CONV ? app_current_conv(a)
				     : a->focus == PANE_FILES && a->fl.have_conv ? &a->fl.conv
									      : NULL;
	if (a->focus == PANE_EVENTS)
		app_events_close(a);
	else if (c)
		app_events_open(a, c, a->focus);
	else
		app_message(a, ROLE_MUTED, "No conversation here");
	a->dirty = true;
	return true;
}

static void
events_pre_action(struct app *a, enum action act)
{
	if (act >= ACTION_MOVE_DOWN && act <= ACTION_LAST)
		a->ev.ev_to_end = false;
	if (act == ACTION_LAST && a->ev.events.more && a->ev.events.state != MODEL_FAILED) {
		/* G means the conversation's end, not the last page read (issue 14, item 13). */
		a->ev.ev_to_end = true;
		app_message(a, ROLE_NORMAL, "Reading every event to reach the end...");
		if (a->ev.events.state == MODEL_IDLE)
			app_events_more(a);
	}
	/* n / N look for the search's text (the rows shown all match it). */
	if ((act == ACTION_SEARCH_NEXT || act == ACTION_SEARCH_PREV) && a->ev.events.search)
		snprintf(a->panes[PANE_EVENTS].find, sizeof(a->panes[PANE_EVENTS].find), "%s", a->ev.events.search);
}

/* Esc clears the search first, as in the list (issue 14, item 6): the pages
 * read, the position and the kinds shown stay. Then it goes back. */
static bool
events_close(struct app *a)
{
	if (!a->ev.events.search) {
		app_events_close(a);
		return true;
	}
	struct pane *p = &a->panes[PANE_EVENTS];
	size_t row = p->cursor < a->ev.events.n_view ? a->ev.events.view[p->cursor] : 0;
	event_list_set_search(&a->ev.events, NULL);
	p->find[0] = '\0';
	pane_set_cursor(p, event_list_view_index(&a->ev.events, row));
	pane_clamp(p);
	app_message(a, ROLE_NORMAL, "Search cleared (Esc again goes back)");
	return true;
}

const char *
app_event_copy(struct app *a, const char **what)
{
	struct api_event *e = app_current_event(a);
	*what = "the event's text";
	return e ? (e->text && *e->text ? e->text : e->summary) : NULL;
}

/* o / e: the event's kind, time and whole text. */
bool
app_event_hand(struct app *a)
{
	struct api_event *e = app_current_event(a);
	if (!e)
		return false;
	struct strbuf sb = { 0 };
	strbuf_printf(&sb, "%s%s%s  %s\n\n", api_event_kind_name(e->kind), e->type ? " " : "",
		      e->type ? e->type : "", e->timestamp ? e->timestamp : "");
	strbuf_puts(&sb, e->text && *e->text ? e->text : e->summary);
	strbuf_puts(&sb, "\n");
	char name[64];
	snprintf(name, sizeof(name), "event-%zu.txt", a->ev.events.view[a->panes[PANE_EVENTS].cursor] + 1);
	app_hand_run(a, name, sb.buf, sb.len);
	strbuf_free(&sb);
	return true;
}

static void
events_position(struct app *a, char *buf, size_t n)
{
	struct pane *p = &a->panes[PANE_EVENTS];
	if (a->ev.events.n_view)
		snprintf(buf, n, "%zu/%zu%s", p->cursor + 1, a->ev.events.n_view, a->ev.events.more ? "+" : "");
}

static const struct view_hint events_hints[] = {
	{ ACTION_OPEN, "full text" }, { ACTION_FILTER, "search" }, { ACTION_EVENT_KINDS, "kinds" },
	{ ACTION_FOLLOW, "follow" }, { ACTION_CLOSE, "back" }, { ACTION_HELP, "help" },
	{ ACTION_NONE, NULL },
};

static const struct view_prompt events_prompts[] = {
	{ PURPOSE_EVENT_SEARCH, prompt_event_search, NULL },
	{ 0, NULL, NULL },
};

const struct view_ops view_events = {
	.pane = &events_ops,
	.role = LAYOUT_LIST,
	.previewed = true,
	.hints = events_hints,
	.prompts = events_prompts,
	.init = events_init,
	.stop = events_stop,
	.free = events_free,
	.place = events_place,
	.focusable = events_focusable,
	.busy = events_busy,
	.pump = events_pump,
	.animating = events_animating,
	.tick = events_tick,
	.timeout = events_timeout,
	.global_action = events_global_action,
	.pre_action = events_pre_action,
	.close = events_close,
	.copy = app_event_copy,
	.hand = app_event_hand,
	.position = events_position,
};
