/*
 * src/model_events.c: the event list of src/model.h (one conversation's
 * trajectory): rows, the kind filter, and the text search.
 *
 * Owns the search's engine. A search keeps match[], the rows whose summary,
 * text or type contain the text whatever their kind, and the view is match[]
 * filtered by kind, so f never searches again. Rows are tested in slices of
 * EVENT_SEARCH_SLICE_MS (the loop calls event_list_search_step() while one is
 * pending), always in row order, so the view only grows at its end, as it
 * does when a page arrives. Each new text starts from the cheapest known
 * superset of its result: the rows of a recent text it contains (typing one
 * more key tests only the previous matches), a recent result of the same text
 * (Backspace), or else every row. Measured in bench/search.c and explained in
 * docs/performance.md ("Search at scale").
 */
#include "src/model.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/base/util.h"
#include "src/search.h"

#define EVENT_SEARCH_MEMOS 16	/* recent texts kept: enough to Backspace over a typed word */

/* A finished (or finished up to scanned) result of an earlier text. */
struct event_search_memo {
	char *needle;
	size_t *match;
	size_t n_match;
	size_t scanned;		/* every row below this was tested */
};

struct event_search {
	struct search_pattern pat;
	size_t *match;		/* rows that contain the text, ascending */
	size_t n_match, match_cap;
	size_t *cand;		/* rows below scan_row still to test, ascending */
	size_t n_cand, cand_pos;
	size_t scan_row;	/* rows from here to the end are still to test */
	struct event_search_memo memo[EVENT_SEARCH_MEMOS];
	size_t n_memo;
};

void
event_list_init(struct event_list *l)
{
	memset(l, 0, sizeof(*l));
}

static void
event_search_free(struct event_search *en)
{
	if (!en)
		return;
	search_pattern_free(&en->pat);
	free(en->match);
	free(en->cand);
	for (size_t i = 0; i < en->n_memo; i++) {
		free(en->memo[i].needle);
		free(en->memo[i].match);
	}
	free(en);
}

static void
event_list_drop_rows(struct event_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		api_event_free(&l->rows[i]);
	free(l->rows);
	free(l->view);
	l->rows = NULL;
	l->view = NULL;
	l->count = l->cap = l->n_view = l->view_cap = 0;
	/* The results name rows of this list: they go with it. */
	event_search_free(l->engine);
	l->engine = NULL;
}

void
event_list_free(struct event_list *l)
{
	event_list_drop_rows(l);
	free(l->search);
	l->search = NULL;
}

void
event_list_clear(struct event_list *l)
{
	event_list_drop_rows(l);
	l->state = MODEL_IDLE;
	l->more = false;
	l->error[0] = '\0';
	l->generation++;
	/* A search kept across conversations starts over on the new rows. */
	if (l->search) {
		char *s = l->search;
		l->search = NULL;
		event_list_set_search(l, s);
		free(s);
	}
}

const char *
event_filter_name(enum event_filter f)
{
	static const char *const names[EVENT_FILTER_COUNT] = { "all", "messages", "actions", "errors" };
	return f < EVENT_FILTER_COUNT ? names[f] : "?";
}

static bool
event_list_kind_passes(const struct event_list *l, const struct api_event *e)
{
	switch (l->filter) {
	case EVENT_FILTER_MESSAGES:
		return e->kind == API_EVENT_USER || e->kind == API_EVENT_AGENT;
	case EVENT_FILTER_ACTIONS:
		return e->kind == API_EVENT_ACTION || e->kind == API_EVENT_OBSERVATION;
	case EVENT_FILTER_ERRORS:
		return e->kind == API_EVENT_ERROR || e->kind == API_EVENT_CORRUPT;
	default:
		return true;
	}
}

/* The summary first: it is short and usually where the word is. */
static bool
event_text_matches(const struct search_pattern *p, const struct api_event *e)
{
	return search_match(p, e->summary, (size_t)-1) || search_match(p, e->text, (size_t)-1) ||
	       (e->type && search_match(p, e->type, (size_t)-1));
}

static void
event_list_view_push(struct event_list *l, size_t row)
{
	if (l->n_view == l->view_cap) {
		l->view_cap = l->view_cap ? l->view_cap * 2 : 256;
		l->view = xrealloc(l->view, l->view_cap * sizeof(*l->view));
	}
	l->view[l->n_view++] = row;
}

static void
event_search_match_push(struct event_search *en, size_t row)
{
	if (en->n_match == en->match_cap) {
		en->match_cap = en->match_cap ? en->match_cap * 2 : 256;
		en->match = xrealloc(en->match, en->match_cap * sizeof(*en->match));
	}
	en->match[en->n_match++] = row;
}

static void
event_list_rebuild_view(struct event_list *l)
{
	l->n_view = 0;
	if (!l->search) {
		for (size_t i = 0; i < l->count; i++)
			if (event_list_kind_passes(l, &l->rows[i]))
				event_list_view_push(l, i);
		return;
	}
	struct event_search *en = l->engine;
	for (size_t i = 0; i < en->n_match; i++)
		if (event_list_kind_passes(l, &l->rows[en->match[i]]))
			event_list_view_push(l, en->match[i]);
}

bool
event_list_search_pending(const struct event_list *l)
{
	const struct event_search *en = l->engine;
	return l->search && en && (en->cand_pos < en->n_cand || en->scan_row < l->count);
}

bool
event_list_search_step(struct event_list *l, int budget_ms)
{
	struct event_search *en = l->engine;
	bool grew = false;
	if (!l->search || !en)
		return false;
	int64_t deadline = budget_ms > 0 ? clock_now_ms() + budget_ms : 0;
	for (unsigned tested = 1;; tested++) {
		size_t r;
		if (en->cand_pos < en->n_cand)
			r = en->cand[en->cand_pos++];
		else if (en->scan_row < l->count)
			r = en->scan_row++;
		else
			break;
		const struct api_event *e = &l->rows[r];
		if (event_text_matches(&en->pat, e)) {
			event_search_match_push(en, r);
			if (event_list_kind_passes(l, e)) {
				event_list_view_push(l, r);
				grew = true;
			}
		}
		/* The clock every 32 rows: cheap next to the rows, fine enough for a slice. */
		if (deadline && tested % 32 == 0 && clock_now_ms() >= deadline)
			break;
		if (budget_ms > 0 && l->slice_rows && tested >= l->slice_rows)
			break;
	}
	if (en->cand_pos == en->n_cand && en->n_cand) {
		free(en->cand);
		en->cand = NULL;
		en->n_cand = en->cand_pos = 0;
	}
	return grew;
}

/* Keep the current result (when its candidates are done) for a later Backspace. */
static void
event_search_memo_save(struct event_search *en, const char *needle)
{
	if (!needle || en->cand_pos < en->n_cand)
		return;
	size_t at = en->n_memo;
	for (size_t i = 0; i < en->n_memo; i++)
		if (strcasecmp(en->memo[i].needle, needle) == 0)
			at = i;
	if (at == EVENT_SEARCH_MEMOS) {	/* full: forget the oldest */
		free(en->memo[0].needle);
		free(en->memo[0].match);
		memmove(&en->memo[0], &en->memo[1], (EVENT_SEARCH_MEMOS - 1) * sizeof(en->memo[0]));
		at = EVENT_SEARCH_MEMOS - 1;
	} else if (at < en->n_memo) {
		free(en->memo[at].needle);
		free(en->memo[at].match);
	} else {
		en->n_memo++;
	}
	struct event_search_memo *m = &en->memo[at];
	m->needle = xstrdup(needle);
	m->match = en->match;	/* moved, not copied */
	m->n_match = en->n_match;
	m->scanned = en->scan_row;
	en->match = NULL;
	en->n_match = en->match_cap = 0;
}

static size_t *
event_search_copy(const size_t *a, size_t n, const size_t *b, size_t nb)
{
	size_t *out = xmalloc((n + nb ? n + nb : 1) * sizeof(*out));
	if (n)
		memcpy(out, a, n * sizeof(*out));
	if (nb)
		memcpy(out + n, b, nb * sizeof(*out));
	return out;
}

/* Where a search for text starts: *exact when the rows given are its result already
 * (tested below *scan), else they are the candidates to test before *scan. */
static size_t *
event_search_start(const struct event_list *l, const char *text, size_t *n, size_t *scan, bool *exact)
{
	const struct event_search *en = l->engine;
	*n = 0;
	*scan = 0;
	*exact = false;
	for (size_t i = 0; i < en->n_memo; i++) {
		if (strcasecmp(en->memo[i].needle, text) == 0) {
			*exact = true;
			*n = en->memo[i].n_match;
			*scan = en->memo[i].scanned;
			return event_search_copy(en->memo[i].match, *n, NULL, 0);
		}
	}
	/* Otherwise the smallest superset: what a contained text matched plus what it had left. */
	size_t best = l->count;
	int from = -2;	/* -2 every row, -1 the current search, else a memo */
	if (l->search && search_narrows(l->search, text)) {
		size_t cost = en->n_match + (en->n_cand - en->cand_pos) + (l->count - en->scan_row);
		if (cost < best) {
			best = cost;
			from = -1;
		}
	}
	for (size_t i = 0; i < en->n_memo; i++) {
		const struct event_search_memo *m = &en->memo[i];
		size_t cost = m->n_match + (l->count - m->scanned);
		if (cost < best && search_narrows(m->needle, text)) {
			best = cost;
			from = (int)i;
		}
	}
	if (from == -1) {
		*n = en->n_match + (en->n_cand - en->cand_pos);
		*scan = en->scan_row;
		return event_search_copy(en->match, en->n_match, en->cand + en->cand_pos, en->n_cand - en->cand_pos);
	}
	if (from >= 0) {
		*n = en->memo[from].n_match;
		*scan = en->memo[from].scanned;
		return event_search_copy(en->memo[from].match, *n, NULL, 0);
	}
	return NULL;
}

void
event_list_set_search(struct event_list *l, const char *text)
{
	const char *next = text && *text ? text : NULL;
	if (next && l->search && strcmp(next, l->search) == 0)
		return;	/* the same text: the view is its result already */
	if (!l->engine)
		l->engine = xcalloc(1, sizeof(*l->engine));
	struct event_search *en = l->engine;
	size_t n = 0, scan = 0;
	bool exact = false;
	size_t *rows = next ? event_search_start(l, next, &n, &scan, &exact) : NULL;
	event_search_memo_save(en, l->search);
	free(en->match);
	free(en->cand);
	en->match = en->cand = NULL;
	en->n_match = en->match_cap = en->n_cand = en->cand_pos = 0;
	if (exact) {
		en->match = rows;
		en->n_match = en->match_cap = n;
	} else {
		en->cand = rows;
		en->n_cand = n;
	}
	en->scan_row = scan;
	search_pattern_free(&en->pat);
	search_pattern_init(&en->pat, next);
	free(l->search);
	l->search = next ? xstrdup(next) : NULL;
	event_list_rebuild_view(l);
	if (l->search)
		event_list_search_step(l, EVENT_SEARCH_SLICE_MS);
}

void
event_list_take(struct event_list *l, struct api_event *rows, size_t n)
{
	/* rows come de-duplicated from the pager (api_events: by event id) */
	bool pending = event_list_search_pending(l);
	if (l->count + n > l->cap) {
		while (l->count + n > l->cap)
			l->cap = l->cap ? l->cap * 2 : 256;
		l->rows = xrealloc(l->rows, l->cap * sizeof(*l->rows));
	}
	for (size_t i = 0; i < n; i++) {
		l->rows[l->count] = rows[i];
		memset(&rows[i], 0, sizeof(rows[i]));
		if (!l->search && event_list_kind_passes(l, &l->rows[l->count]))
			event_list_view_push(l, l->count);
		l->count++;
	}
	/* A finished search tests the new page now (it costs only its own rows); a
	 * running one reaches them in its slices. */
	if (l->search && !pending)
		event_list_search_step(l, 0);
}

void
event_list_set_filter(struct event_list *l, enum event_filter f)
{
	l->filter = f < EVENT_FILTER_COUNT ? f : EVENT_FILTER_ALL;
	event_list_rebuild_view(l);
}

struct api_event *
event_list_at(struct event_list *l, size_t i)
{
	return i < l->n_view ? &l->rows[l->view[i]] : NULL;
}

size_t
event_list_view_index(const struct event_list *l, size_t row)
{
	/* The view is sorted by row index: binary search for the last entry <= row. */
	size_t lo = 0, hi = l->n_view;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (l->view[mid] <= row)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo > 0 ? lo - 1 : 0;
}
