/*
 * api/lister.c: the conversation list (api_lister_*, see client.h).
 *
 * Owns: the merge of V0 GET /api/conversations with the V1 search, both paged, the paging
 * tokens (V0-only tokens while the V1 search serves the V1 rows), de-duplication by id,
 * the title filter, and the local conversations that follow the server's rows.
 */
#include "api/op.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/json.h"
#include "api/local.h"
#include "src/base/util.h"

enum src_state { SRC_UNKNOWN, SRC_MORE, SRC_DONE, SRC_ABSENT };

struct api_lister {
	struct api_client *c;
	int limit;
	char *title;
	enum src_state v0, v1;
	char *v0_token, *v1_token;
	struct id_set seen;
	size_t requests;
	struct api_op *op;	/* the next() in flight (held: NULL when none) */
	/* V0-only tokens (json_page_token_v0_only) while the V1 search serves the V1 rows;
	 * switched off for servers that have no V1 search or reject such a token. */
	bool v0_only;
	bool v0_only_sent;	/* the V0 request in flight used one */
	/* local conversations, loaded a page at a time after the server's rows */
	bool cloud, local;
	struct local_scan *scan;
	bool scan_opened;
};

struct lister_batch {
	struct api_lister *l;	/* outlives every handler: api_lister_free cancels the op */
	api_page_fn done;
	void *ud;
	int waiting;
	struct json_conv_page v0, v1;
	bool got_v0, got_v1;
	struct api_error err;	/* first error */
	int empty_rounds;
};

struct api_lister *
api_lister_new(struct api_client *c, const struct api_lister_opts *opts)
{
	struct api_lister *l = xcalloc(1, sizeof(*l));

	l->c = c;
	l->v0_only = true;
	l->limit = opts && opts->limit > 0 ? opts->limit : 100;
	l->title = opts && opts->title_contains && *opts->title_contains ? xstrdup(opts->title_contains) : NULL;
	enum api_source src = opts && opts->source != API_SOURCE_DEFAULT ? opts->source : c->source;
	l->cloud = src != API_SOURCE_LOCAL;
	l->local = src == API_SOURCE_LOCAL || src == API_SOURCE_BOTH;
	if (c->v0_absent) {
		/* known to have no V0 (Cloud since 2026-04): never ask /api/conversations again */
		l->v0 = SRC_ABSENT;
		l->v0_only = false;
	}
	return l;
}

bool
api_lister_more(const struct api_lister *l)
{
	if (l->local && (!l->scan_opened || local_scan_more(l->scan)))
		return true;
	if (!l->cloud)
		return false;
	return l->v0 == SRC_UNKNOWN || l->v0 == SRC_MORE || l->v1 == SRC_UNKNOWN || l->v1 == SRC_MORE;
}

/* The cloud part alone (the local part never needs a request). */
static bool
lister_cloud_more(const struct api_lister *l)
{
	return l->cloud && (l->v0 == SRC_UNKNOWN || l->v0 == SRC_MORE || l->v1 == SRC_UNKNOWN ||
			    l->v1 == SRC_MORE);
}

size_t
api_lister_requests(const struct api_lister *l)
{
	return l->requests;
}

void
api_lister_free(struct api_lister *l)
{
	if (!l)
		return;
	/* the op may outlive us until its requests complete, but no handler of it runs again */
	api_op_cancel(&l->op);
	free(l->title);
	free(l->v0_token);
	free(l->v1_token);
	id_set_free(&l->seen);
	local_scan_free(l->scan);
	free(l);
}

static bool
title_matches(const char *title, const char *needle)
{
	if (!needle)
		return true;
	if (!title)
		return false;
	size_t n = strlen(needle);
	for (const char *p = title; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

static void
batch_free(void *p)
{
	struct lister_batch *b = p;

	json_conv_page_free(&b->v0);
	json_conv_page_free(&b->v1);
	free(b);
}

static int
conv_newest_first(const void *a, const void *b)
{
	const struct api_conversation *x = a, *y = b;

	if (x->created_s != y->created_s)
		return x->created_s < y->created_s ? 1 : -1;
	return strcmp(x->id, y->id);
}

static void lister_fetch(struct api_op *op, struct lister_batch *b);

static void
lister_batch_ready(struct api_op *op, struct lister_batch *b)
{
	struct api_lister *l = b->l;
	struct api_conversation *rows = NULL;
	size_t n = 0, cap = 0;

	if (b->err.kind != API_OK && l->local && l->cloud) {
		/* both sources: a server that fails (no key, offline) still leaves the local rows */
		l->cloud = false;
		memset(&b->err, 0, sizeof(b->err));
	}
	if (b->err.kind != API_OK) {
		l->op = NULL;
		op_finish(op);
		b->done(b->ud, NULL, 0, api_lister_more(l), &b->err);
		return;
	}
	/* V1 search first: its rows carry sandbox ids the combined V0 list lacks. */
	struct json_conv_page *pages[2] = {&b->v1, &b->v0};
	for (int p = 0; p < 2; p++) {
		for (size_t i = 0; i < pages[p]->count; i++) {
			struct api_conversation *cv = &pages[p]->items[i];

			if (!cv->id || !title_matches(cv->title, l->title))
				continue;
			if (!id_set_add(&l->seen, cv->id))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				rows = xrealloc(rows, cap * sizeof(*rows));
			}
			rows[n++] = *cv;
			memset(cv, 0, sizeof(*cv));	/* moved */
		}
	}
	json_conv_page_free(&b->v0);
	json_conv_page_free(&b->v1);
	if (l->local && !lister_cloud_more(l)) {
		/* local rows after the server's: a page at a time, each costs a few file reads */
		if (!l->scan_opened) {
			struct api_error e;
			l->scan_opened = true;
			l->scan = local_scan_open(l->c->local_dir, &e);
			if (!l->scan && !l->cloud) {
				l->op = NULL;
				free(rows);
				op_finish(op);
				b->done(b->ud, NULL, 0, false, &e);
				return;
			}
		}
		size_t first = n;
		local_scan_next(l->scan, (size_t)l->limit, &rows, &n, &cap);
		for (size_t i = first; i < n;) {
			if (!title_matches(rows[i].title, l->title) || !id_set_add(&l->seen, rows[i].id)) {
				api_conversation_free(&rows[i]);
				rows[i] = rows[--n];
			} else {
				i++;
			}
		}
	}
	if (n == 0 && api_lister_more(l) && ++b->empty_rounds < 64) {
		/* Real servers send short or empty pages with a next token: keep going. */
		free(rows);
		lister_fetch(op, b);
		return;
	}
	if (n > 1)
		qsort(rows, n, sizeof(*rows), conv_newest_first);
	l->op = NULL;
	op_finish(op);
	if (n == 0 && !api_lister_more(l) && l->cloud && l->v0 == SRC_ABSENT && l->v1 == SRC_ABSENT) {
		struct api_error e;
		api_error_set(&e, API_ERR_UNSUPPORTED, 0,
			      "%s does not look like an OpenHands server: it answered with a web page "
			      "where the conversation list should be; check --server", l->c->server);
		b->done(b->ud, NULL, 0, false, &e);
	} else {
		b->done(b->ud, rows, n, api_lister_more(l), NULL);
	}
	for (size_t i = 0; i < n; i++)
		api_conversation_free(&rows[i]);
	free(rows);
}

/* No V1 search here: the combined list is the only source of V1 rows, so read it the plain
 * way from the start (rows already seen are dropped by id). */
static void
lister_v0_plain(struct api_lister *l)
{
	l->v0_only = false;
	l->v0 = SRC_UNKNOWN;
	free(l->v0_token);
	l->v0_token = NULL;
}

static void
lister_source_done(struct api_op *op, const struct http_result *res, void *arg, bool v1)
{
	struct lister_batch *b = op->state;
	struct api_lister *l = b->l;
	struct api_error e;
	const char *url = l->c->server;

	b->waiting--;
	if (!v1 && l->v0_only_sent && (res->status == 500 || res->status == 400 || res->status == 422)) {
		/* an older server that cannot read a combined token: start over the plain way */
		l->v0_only = false;
		l->v0 = SRC_UNKNOWN;
		free(l->v0_token);
		l->v0_token = NULL;
		if (b->waiting == 0)
			lister_batch_ready(op, b);
		return;
	}
	if (classify(res, url, true, "the conversation list", &e)) {
		struct json_conv_page *pg = v1 ? &b->v1 : &b->v0;
		int rc = v1 ? json_decode_conv_page_v1(res->body, res->body_len, pg, &e)
			    : json_decode_conv_page_v0(res->body, res->body_len, pg, &e);
		if (rc == 0 && !v1 && l->v0_only_sent && !l->v0_only) {
			/* the V1 search turned out missing meanwhile: keep these rows, but the
			 * V0 list restarts the plain way (its cursor was reset) */
		} else if (rc == 0 && pg->next_page_id && (v1 ? l->v1_token : l->v0_token) &&
			   strcmp(pg->next_page_id, v1 ? l->v1_token : l->v0_token) == 0) {
			/* a cursor that does not move would be asked for forever */
			api_error_set(&e, API_ERR_SERVER, res->status,
				      "%s sent the same next-page id twice for the conversation list; stopping "
				      "rather than asking forever (the list so far is shown)", l->c->server);
			if (b->err.kind == API_OK)
				b->err = e;
			*(v1 ? &l->v1 : &l->v0) = SRC_DONE;
		} else if (rc == 0) {
			char **tok = v1 ? &l->v1_token : &l->v0_token;
			free(*tok);
			*tok = pg->next_page_id ? xstrdup(pg->next_page_id) : NULL;
			*(v1 ? &l->v1 : &l->v0) = *tok ? SRC_MORE : SRC_DONE;
		} else if (e.kind == API_ERR_UNSUPPORTED) {
			*(v1 ? &l->v1 : &l->v0) = SRC_ABSENT;
			if (!v1)
				l->c->v0_absent = true;
			if (v1 && l->v0_only)
				lister_v0_plain(l);
		} else if (b->err.kind == API_OK) {
			b->err = e;
		}
	} else if ((e.kind == API_ERR_NOT_FOUND || (v1 && e.status == 422)) &&
		   (v1 ? l->v1 : l->v0) == SRC_UNKNOWN) {
		/* an older server without this route */
		*(v1 ? &l->v1 : &l->v0) = SRC_ABSENT;
		if (v1 && l->v0_only)
			lister_v0_plain(l);
	} else if (b->err.kind == API_OK) {
		b->err = e;
	}
	if (b->waiting == 0)
		lister_batch_ready(op, b);
}

static void
lister_v0_done(struct api_op *op, const struct http_result *res, void *arg)
{
	lister_source_done(op, res, arg, false);
}

static void
lister_v1_done(struct api_op *op, const struct http_result *res, void *arg)
{
	lister_source_done(op, res, arg, true);
}

static void
lister_fetch(struct api_op *op, struct lister_batch *b)
{
	struct api_lister *l = b->l;
	struct api_client *c = l->c;
	struct http_opts o;
	char *url;

	b->waiting = 0;
	if (!lister_cloud_more(l)) {
		lister_batch_ready(op, b);
		return;
	}
	if (l->v1 == SRC_UNKNOWN || l->v1 == SRC_MORE) {
		struct strbuf sb = {0};
		strbuf_printf(&sb, "%s/api/v1/app-conversations/search?limit=%d", c->server,
			      l->limit > 100 ? 100 : l->limit);
		if (l->v1_token) {
			char *e = http_escape(l->v1_token);
			strbuf_printf(&sb, "&page_id=%s", e);
			free(e);
		}
		if (l->title) {
			char *e = http_escape(l->title);
			strbuf_printf(&sb, "&title__contains=%s", e);
			free(e);
		}
		url = strbuf_detach(&sb);
		app_opts(c, &o, url);
		b->waiting++;
		l->requests++;
		op_submit(op, &o, lister_v1_done, NULL, NULL);
		free(url);
	}
	char *tok = NULL;
	bool v0_done = false;
	if ((l->v0 == SRC_UNKNOWN || l->v0 == SRC_MORE) && l->v0_only) {
		tok = json_page_token_v0_only(l->v0_token, &v0_done);
		if (v0_done)
			l->v0 = SRC_DONE;
	} else if (l->v0_token) {
		tok = xstrdup(l->v0_token);
	}
	l->v0_only_sent = l->v0_only && tok;
	if (l->v0 == SRC_UNKNOWN || l->v0 == SRC_MORE) {
		struct strbuf sb = {0};
		strbuf_printf(&sb, "%s/api/conversations?limit=%d", c->server, l->limit);
		if (tok) {
			char *e = http_escape(tok);
			strbuf_printf(&sb, "&page_id=%s", e);
			free(e);
		}
		url = strbuf_detach(&sb);
		app_opts(c, &o, url);
		b->waiting++;
		l->requests++;
		op_submit(op, &o, lister_v0_done, NULL, NULL);
		free(url);
	}
	free(tok);
	if (b->waiting == 0)
		lister_batch_ready(op, b);
}

static void
lister_start(struct api_op *op)
{
	lister_fetch(op, op->state);
}

struct api_op *
api_lister_next(struct api_lister *l, api_page_fn done, void *ud)
{
	struct lister_batch *b = xcalloc(1, sizeof(*b));
	struct api_op *op;

	/* l->op is the op's home: NULL once the page was delivered or cancelled (by anyone) */
	if (l->op)
		die("internal error: api_lister_next while a page is in flight");
	b->l = l;
	b->done = done;
	b->ud = ud;
	op = op_new(l->c, b, batch_free, NULL);
	op_home(&l->op, op);
	op_later(op, 0, lister_start);	/* results always arrive from the loop, never inside next() */
	return op;
}
