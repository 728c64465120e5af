/*
 * api/pager.c: the lazy pager over one conversation's events (api_events_*, see client.h).
 *
 * Owns: where a conversation's events come from (local files, the app server's V1 search
 * in either route generation, the agent-server's search, a V0 runtime's events or its whole
 * trajectory), the paging cursor of each, de-duplication by id, and follow mode
 * (api_events_resume). Decoding an event is api/events.c's.
 */
#include "api/op.h"

#include <stdlib.h>
#include <string.h>

#include "api/local.h"
#include "src/base/util.h"

#define EVENTS_LOCAL_PAGE 1000	/* files per page: small reads, a page is a few ms */

struct api_events {
	struct api_client *c;
	struct api_conversation conv;
	bool keep_raw;
	bool done;			/* every page delivered */
	struct api_op *op;		/* the next() in flight (held: NULL when none) */
	/* local */
	struct local_events *le;
	bool le_opened;
	size_t next_local;
	/* V1: app server search, or the agent-server's when the app lacks the route */
	char *page_id;
	bool agent;
	/* V0: the runtime's events from start_id, or its whole trajectory */
	long long next_start;
	bool trajectory;
	struct rt rt;
	bool rt_ok;
	struct api_error rt_err;
	/* api_events_resume: where to look again for events that arrived since */
	bool failed;			/* the last page failed: resuming retries it */
	char *last_page_id;		/* paged sources: the last page's id (NULL: the first) */
	struct id_set seen;		/* ids delivered: a page read again gives only new rows */
	size_t delivered;		/* rows delivered in all */
};

struct ev_batch {
	struct api_events *p;
	api_events_fn done;
	void *ud;
};

struct api_events *
api_events_new(struct api_client *c, const struct api_conversation *conv, bool keep_raw)
{
	struct api_events *p = xcalloc(1, sizeof(*p));

	p->c = c;
	p->keep_raw = keep_raw;
	api_conversation_copy(&p->conv, conv);
	if (!conv->local && conv->url && *conv->url)
		p->rt_ok = rt_init(c, &p->rt, conv, &p->rt_err);
	return p;
}

bool
api_events_more(const struct api_events *p)
{
	return p && !p->done;
}

size_t
api_events_total(const struct api_events *p)
{
	return p ? local_events_count(p->le) : 0;
}

void
api_events_free(struct api_events *p)
{
	if (!p)
		return;
	api_op_cancel(&p->op);
	local_events_free(p->le);
	free(p->page_id);
	free(p->last_page_id);
	id_set_free(&p->seen);
	if (p->rt_ok)
		rt_clear(&p->rt);
	api_conversation_free(&p->conv);
	free(p);
}

static void
ev_deliver(struct api_op *op, struct api_event_list *l, const struct api_error *err)
{
	struct ev_batch *b = op->state;
	struct api_events *p = b->p;

	p->op = NULL;
	p->failed = err != NULL;
	if (err)
		p->done = true;	/* an error ends the pager: api_events_resume() retries the page */
	if (l && !p->conv.local) {
		/* The one place events are de-duplicated, by id: a page read again on resume, a
		 * whole trajectory sent again, or a server that repeats a row across pages. Page
		 * ids are opaque, so counting rows would guess; ids do not. Rows without an id
		 * (corrupt ones) always pass. */
		size_t keep = 0;
		for (size_t i = 0; i < l->count; i++) {
			if (l->items[i].id && *l->items[i].id && !id_set_add(&p->seen, l->items[i].id)) {
				api_event_free(&l->items[i]);
				continue;
			}
			l->items[keep++] = l->items[i];
		}
		l->count = keep;
	}
	if (l)
		p->delivered += l->count;
	op_finish(op);
	b->done(b->ud, l ? l->items : NULL, l ? l->count : 0, !p->done, err);
	if (l)
		api_event_list_free(l);
}

static void
ev_fail(struct api_op *op, const struct api_error *e)
{
	ev_deliver(op, NULL, e);
}

static void ev_fetch(struct api_op *op);

static void
ev_v1_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ev_batch *b = op->state;
	struct api_events *p = b->p;
	struct api_event_page pg;
	struct api_error e;
	const char *url = p->agent ? p->rt.base : p->c->server;

	if (!classify(res, url, !p->agent, "the conversation's events", &e) ||
	    api_events_decode_page(res->body, res->body_len, p->keep_raw, &pg, &e) != 0) {
		/* Cloud 2026 has /api/v1/conversation/{id}/events/search, older app servers
		 * /api/v1/events/search, and without either the agent-server answers while it
		 * runs (openhands-api-2026.md §1.9). An absent route answers HTML, 404 or 405. */
		bool missing = e.kind == API_ERR_UNSUPPORTED || res->status == 405 ||
			       (e.kind == API_ERR_NOT_FOUND && route_missing(res));
		if (!p->agent && missing && !p->page_id && p->c->events_route < 1) {
			p->c->events_route = 1;	/* the server's generation: remembered */
			ev_fetch(op);
			return;
		}
		if (!p->agent && missing && p->rt_ok && !p->page_id) {
			p->agent = true;
			ev_fetch(op);
			return;
		}
		if (!p->agent && missing)
			api_error_set(&e, API_ERR_UNSUPPORTED, res->status,
				      "this server has no events search for V1 conversations, and the "
				      "conversation's sandbox is not running to ask it; wake it (w, or --wake)");
		ev_deliver(op, NULL, &e);
		return;
	}
	if (pg.next_page_id && p->page_id && strcmp(pg.next_page_id, p->page_id) == 0) {
		/* a cursor that does not move would be asked for forever */
		api_error_set(&e, API_ERR_SERVER, res->status,
			      "the server sent the same next-page id twice for the conversation's events; stopping "
			      "rather than asking forever");
		free(pg.next_page_id);
		api_event_list_free(&pg.events);
		ev_deliver(op, NULL, &e);
		return;
	}
	free(p->last_page_id);
	p->last_page_id = p->page_id;	/* the page just read: where a resume starts */
	p->page_id = pg.next_page_id;
	pg.next_page_id = NULL;
	p->done = !p->page_id;
	ev_deliver(op, &pg.events, NULL);
}

static void
ev_v0_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ev_batch *b = op->state;
	struct api_events *p = b->p;
	struct api_event_page pg;
	struct api_error e;

	if (!p->trajectory && route_missing(res)) {
		p->trajectory = true;	/* an older runtime: the whole trajectory in one answer */
		ev_fetch(op);
		return;
	}
	if (!op_ok(op, res, "the conversation's events", &e) ||
	    !op_decoded(op, api_events_decode_page(res->body, res->body_len, p->keep_raw, &pg, &e), &e))
		return;
	if (p->trajectory) {
		p->done = true;	/* the whole trajectory comes every time: ev_deliver drops the known */
	} else if (!pg.has_more || pg.events.count == 0) {
		p->done = true;
		if (pg.events.count) {	/* a resume asks from after the last one */
			char *end;
			const char *last = pg.events.items[pg.events.count - 1].id;
			long long id = strtoll(last, &end, 10);
			p->next_start = *last && !*end && id >= p->next_start ? id + 1
									      : p->next_start + (long long)pg.events.count;
		}
	} else {
		/* ids are integers; the next page starts after the last one seen */
		char *end;
		const char *last = pg.events.items[pg.events.count - 1].id;
		long long id = strtoll(last, &end, 10);
		p->next_start = *last && !*end && id >= p->next_start ? id + 1
								      : p->next_start + (long long)pg.events.count;
	}
	ev_deliver(op, &pg.events, NULL);
	free(pg.next_page_id);
}

static void
ev_fetch(struct api_op *op)
{
	struct ev_batch *b = op->state;
	struct api_events *p = b->p;
	struct api_client *c = p->c;
	struct http_opts o;
	struct api_error e = {0};
	char *url;

	if (p->conv.local) {
		if (!p->le_opened) {
			p->le_opened = true;
			p->le = local_events_open(&p->conv, &e);
			if (!p->le && e.kind != API_ERR_NOT_FOUND) {
				ev_deliver(op, NULL, &e);
				return;
			}
		}
		struct api_event_list l = {0};
		local_events_read(p->le, p->next_local, EVENTS_LOCAL_PAGE, p->keep_raw, &l);
		p->next_local += EVENTS_LOCAL_PAGE;
		if (p->next_local > local_events_count(p->le))
			p->next_local = local_events_count(p->le);
		p->done = p->next_local >= local_events_count(p->le);
		ev_deliver(op, &l, NULL);
		return;
	}
	if (p->conv.version == API_V1 && !p->agent) {
		struct strbuf sb = {0};
		char *id = http_escape(p->conv.id);
		/* limit 100 is the documented maximum; the order is said, not assumed */
		if (c->events_route == 0)
			strbuf_printf(&sb, "%s/api/v1/conversation/%s/events/search?limit=100&sort_order=TIMESTAMP",
				      c->server, id);
		else
			strbuf_printf(&sb, "%s/api/v1/events/search?conversation_id__eq=%s&limit=100&sort_order=TIMESTAMP",
				      c->server, id);
		free(id);
		if (p->page_id) {
			char *t = http_escape(p->page_id);
			strbuf_printf(&sb, "&page_id=%s", t);
			free(t);
		}
		url = strbuf_detach(&sb);
		app_opts(c, &o, url);
		op_submit(op, &o, ev_v1_done, NULL, NULL);
		free(url);
		return;
	}
	if (!p->rt_ok) {
		if (p->rt_err.kind != API_OK)
			e = p->rt_err;
		else
			api_error_set(&e, API_ERR_UNSUPPORTED, 0,
				      "the events of the V0 conversation \"%s\" come from its runtime, which "
				      "is not running (status %s): wake it first (w in the browser, or --wake)",
				      p->conv.title ? p->conv.title : p->conv.id,
				      p->conv.status ? p->conv.status : "unknown");
		ev_deliver(op, NULL, &e);
		return;
	}
	if (p->conv.version == API_V1) {
		struct strbuf sb = {0};
		char *id = http_escape(p->conv.id);
		strbuf_printf(&sb, "%s/api/conversations/%s/events/search?limit=100&sort_order=TIMESTAMP",
			      p->rt.base, id);
		free(id);
		if (p->page_id) {
			char *t = http_escape(p->page_id);
			strbuf_printf(&sb, "&page_id=%s", t);
			free(t);
		}
		url = strbuf_detach(&sb);
		rt_opts(&p->rt, &o, url);
		op->rt = &p->rt;	/* a refused key is re-read (the pager keeps the new one) */
		op_submit(op, &o, ev_v1_done, NULL, NULL);
	} else {
		if (p->trajectory)
			url = xasprintf("%s/trajectory", p->rt.base);
		else
			url = xasprintf("%s/events?start_id=%lld&limit=100", p->rt.base, p->next_start);
		rt_opts(&p->rt, &o, url);
		op->rt = &p->rt;	/* its answers are the runtime's (op_ok) */
		op_submit(op, &o, ev_v0_done, NULL, NULL);
	}
	free(url);
}

bool
api_events_resume(struct api_events *p)
{
	if (!p || p->op || !p->done)
		return false;
	p->done = false;
	if (p->failed) {
		p->failed = false;	/* the failed page again, from where it was (skip unchanged) */
		return true;
	}
	if (p->conv.local) {
		/* list the directory again: new event files sort after the ones read */
		local_events_free(p->le);
		p->le = NULL;
		p->le_opened = false;
	} else if (p->conv.version == API_V1 || p->agent) {
		/* the last page again: its known rows are dropped by id in ev_deliver */
		free(p->page_id);
		p->page_id = p->last_page_id ? xstrdup(p->last_page_id) : NULL;
	}
	/* V0 events go on from next_start; a trajectory comes whole (known ids dropped) */
	return true;
}

struct api_op *
api_events_next(struct api_events *p, api_events_fn done, void *ud)
{
	struct ev_batch *b = xcalloc(1, sizeof(*b));
	struct api_op *op;

	if (p->op)
		die("internal error: api_events_next while a page is in flight");
	b->p = p;
	b->done = done;
	b->ud = ud;
	op = op_new(p->c, b, free, ev_fail);
	op_home(&p->op, op);	/* NULL again once delivered or cancelled */
	op_later(op, 0, ev_fetch);
	return op;
}
