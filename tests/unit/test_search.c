/*
 * tests/unit/test_search.c: the browser's searches (src/search.c, the event search of
 * src/model_events.c, the tree filter of src/model.c) give exactly what the old full
 * scan gave (strncasecmp at every byte of every row, on every change), whatever the
 * order of keys, Backspaces, kind filters, arriving pages and half-done slices; and the
 * conversation list's id table drops exactly the repeated rows the old pairwise scan did.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <cmocka.h>

#include "src/base/util.h"
#include "src/model.h"
#include "src/search.h"

static uint32_t rng_state = 12345;

static uint32_t
rnd(void)
{
	rng_state = rng_state * 1103515245u + 12345u;
	return rng_state >> 8;
}

/* The reference: the model's scan before issue 16. */
static bool
ref_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

/* Small alphabets make matches frequent and partial matches more so; a UTF-8 byte pair
 * and punctuation keep the anchor choice honest. */
static char *
rnd_text(size_t max, const char *alphabet)
{
	size_t n = rnd() % (max + 1), na = strlen(alphabet);
	char *s = xmalloc(n + 1);
	for (size_t i = 0; i < n; i++)
		s[i] = alphabet[rnd() % na];
	s[n] = '\0';
	return s;
}

static void
test_matcher(void **state)
{
	(void)state;
	static const char *const alpha[] = { "abAB", "abc ABC_.-z", "aA\xc3\xa4\xc3\x84xX1" };
	for (int round = 0; round < 20000; round++) {
		const char *al = alpha[round % 3];
		char *hay = rnd_text(40, al), *needle = rnd_text(4, al);
		struct search_pattern p;
		search_pattern_init(&p, needle);
		bool want = ref_contains(hay, needle);
		assert_int_equal(search_match(&p, hay, (size_t)-1), want);
		assert_int_equal(search_match(&p, hay, strlen(hay)), want);
		assert_int_equal(search_contains(hay, needle), want);
		search_pattern_free(&p);
		free(hay);
		free(needle);
	}
	assert_true(search_contains("Hello World", "o w"));
	assert_true(search_contains("anything", ""));
	assert_true(search_contains("anything", NULL));
	assert_false(search_contains(NULL, "x"));
	assert_true(search_narrows("ab", "xABy"));
	assert_false(search_narrows("abc", "ab"));
}

static const char ev_alpha[] = "abcAB ";

static void
make_events(struct api_event *rows, size_t n, size_t first)
{
	for (size_t i = 0; i < n; i++) {
		struct api_event *e = &rows[i];
		memset(e, 0, sizeof(*e));
		e->kind = (enum api_event_kind)(rnd() % API_EVENT_KIND_COUNT);
		e->id = xasprintf("%zu", first + i);
		e->summary = rnd_text(6, ev_alpha);
		e->text = rnd_text(30, ev_alpha);
		e->type = rnd() % 4 ? xstrdup(rnd() % 2 ? "Cab" : "bash") : NULL;
	}
}

static bool
ref_kind(enum event_filter f, enum api_event_kind k)
{
	switch (f) {
	case EVENT_FILTER_MESSAGES:
		return k == API_EVENT_USER || k == API_EVENT_AGENT;
	case EVENT_FILTER_ACTIONS:
		return k == API_EVENT_ACTION || k == API_EVENT_OBSERVATION;
	case EVENT_FILTER_ERRORS:
		return k == API_EVENT_ERROR || k == API_EVENT_CORRUPT;
	default:
		return true;
	}
}

static bool
ref_event(const struct event_list *l, const struct api_event *e)
{
	if (!ref_kind(l->filter, e->kind))
		return false;
	const char *s = l->search;
	return !s || ref_contains(e->summary, s) || ref_contains(e->text, s) || (e->type && ref_contains(e->type, s));
}

/* The view: every row of it passes; when the search is done, it is exactly the reference,
 * else a prefix of it (a running search has tested the rows before some point). */
static void
check_view(const struct event_list *l)
{
	size_t n = 0;
	for (size_t i = 0; i < l->count; i++) {
		if (!ref_event(l, &l->rows[i]))
			continue;
		if (n < l->n_view)
			assert_int_equal(l->view[n], i);
		n++;
	}
	if (!event_list_search_pending(l))
		assert_int_equal(l->n_view, n);
	else
		assert_true(l->n_view <= n);
}

static void
test_event_search(void **state)
{
	(void)state;
	struct event_list l;
	event_list_init(&l);
	for (int run = 0; run < 4; run++) {
		event_list_clear(&l);
		l.slice_rows = run % 2 ? 7 : 0;	/* half the runs stop slices early */
		char text[16] = "";
		for (int step = 0; step < 3000; step++) {
			unsigned what = rnd() % 100;
			if (what < 35 && strlen(text) < 6) {	/* a key */
				size_t n = strlen(text);
				text[n] = ev_alpha[rnd() % (sizeof(ev_alpha) - 1)];
				text[n + 1] = '\0';
				event_list_set_search(&l, text);
			} else if (what < 55 && text[0]) {	/* Backspace */
				text[strlen(text) - 1] = '\0';
				event_list_set_search(&l, text);
			} else if (what < 60) {	/* a new text (a prompt cancelled, Esc) */
				text[0] = '\0';
				if (rnd() % 2)
					snprintf(text, sizeof(text), "%c", ev_alpha[rnd() % 5]);
				event_list_set_search(&l, text[0] ? text : NULL);
			} else if (what < 68) {
				event_list_set_filter(&l, (enum event_filter)(rnd() % EVENT_FILTER_COUNT));
			} else if (what < 78 && l.count < 1500) {	/* a page arrives */
				size_t n = 1 + rnd() % 40;
				struct api_event rows[40];
				make_events(rows, n, l.count);
				event_list_take(&l, rows, n);
			} else {	/* the loop's slices */
				event_list_search_step(&l, EVENT_SEARCH_SLICE_MS);
			}
			check_view(&l);
		}
		while (event_list_search_pending(&l))
			event_list_search_step(&l, EVENT_SEARCH_SLICE_MS);
		check_view(&l);
		assert_int_equal(event_list_search_step(&l, 0), false);
	}
	event_list_free(&l);
}

static void
test_event_search_clear(void **state)
{
	(void)state;
	struct event_list l;
	event_list_init(&l);
	struct api_event rows[30];
	make_events(rows, 30, 0);
	event_list_take(&l, rows, 30);
	event_list_set_search(&l, "ab");
	check_view(&l);
	/* Another conversation: the text stays, the old rows' results do not. */
	event_list_clear(&l);
	assert_string_equal(l.search, "ab");
	assert_int_equal(l.n_view, 0);
	make_events(rows, 30, 0);
	event_list_take(&l, rows, 30);
	check_view(&l);
	event_list_set_search(&l, "a");
	check_view(&l);
	event_list_set_search(&l, "ab");
	check_view(&l);
	event_list_free(&l);
}

/* The tree filter: keep[] (what the view shows) against the full scan of every path. */
static void
check_tree(const struct file_tree *t)
{
	bool *keep = xcalloc(t->count + 1, sizeof(*keep));
	for (size_t i = 1; i < t->count; i++) {
		if (t->nodes[i].type == API_DIR || !ref_contains(t->nodes[i].path, t->filter))
			continue;
		for (size_t p = i; p != 0; p = t->nodes[p].parent)
			keep[p] = true;
	}
	size_t n = 0;
	for (size_t i = 1; i < t->count; i++) {
		assert_int_equal(t->keep[i], keep[i]);
		n += keep[i];
	}
	assert_int_equal(t->n_view, n);
	free(keep);
}

static void
test_tree_filter(void **state)
{
	(void)state;
	struct file_tree t;
	file_tree_init(&t);
	char text[8] = "";
	for (int step = 0; step < 1500; step++) {
		unsigned what = rnd() % 100;
		if (what < 15) {	/* more entries (a directory listed) */
			struct api_file_list fl = { 0 };
			for (int i = 0; i < 10; i++) {
				char path[64];
				char *a = rnd_text(3, "abAB"), *b = rnd_text(4, "abcB");
				snprintf(path, sizeof(path), "%s/%s/f%s", a[0] ? a : "x", b[0] ? b : "y", b);
				api_file_list_add(&fl, path, API_FILE, 10, -1, API_CHANGE_NONE);
				free(a);
				free(b);
			}
			file_tree_add_list(&t, "", &fl, true);
			api_file_list_free(&fl);
		} else if (what < 60 && strlen(text) < 5) {
			size_t n = strlen(text);
			text[n] = "abcB/"[rnd() % 5];
			text[n + 1] = '\0';
			file_tree_set_filter(&t, text);
		} else if (text[0]) {
			text[strlen(text) - 1] = '\0';
			file_tree_set_filter(&t, text);
		}
		if (t.filter)
			check_tree(&t);
	}
	file_tree_free(&t);
}

/* file_tree_search against the old way: the order walked afresh for every key. */
static void
ref_order(const struct file_tree *t, size_t idx, size_t *out, size_t *n)
{
	for (size_t i = 0; i < t->nodes[idx].n_children; i++) {
		out[(*n)++] = t->nodes[idx].children[i];
		ref_order(t, t->nodes[idx].children[i], out, n);
	}
}

static size_t
ref_search(const struct file_tree *t, size_t from, int dir, bool skip, const char *needle, bool *wrapped)
{
	*wrapped = false;
	size_t *order = xmalloc(t->count * sizeof(*order)), n = 0, cur = 0, hit = (size_t)-1;
	ref_order(t, 0, order, &n);
	for (size_t i = 0; i < n; i++)
		if (order[i] == from)
			cur = i;
	for (size_t k = skip ? 1 : 0; k <= n && hit == (size_t)-1; k++) {
		size_t i = dir >= 0 ? (cur + k) % n : (cur + n - k % n) % n;
		if ((dir >= 0 && cur + k >= n) || (dir < 0 && k > cur))
			*wrapped = true;
		if (ref_contains(t->nodes[order[i]].name, needle))
			hit = order[i];
	}
	free(order);
	return hit;
}

/* The view of t against a tree built afresh from the same entries, with the same order and
 * the same directories open: sorting only when sizes or changes moved loses nothing. */
static void
check_fresh(struct file_tree *t, const struct api_file_list *all)
{
	struct file_tree f;
	file_tree_init(&f);
	f.sort = t->sort;
	file_tree_add_list(&f, "", all, true);
	for (size_t i = 1; i < t->count; i++) {
		size_t j = file_tree_find(&f, t->nodes[i].path);
		assert_true(j != (size_t)-1);
		f.nodes[j].expanded = t->nodes[i].expanded;
	}
	file_tree_rebuild_view(&f);
	/* The totals: every known size of a file that is not deleted, added to each ancestor. */
	int64_t *total = xcalloc(t->count, sizeof(*total));
	bool *partial = xcalloc(t->count, sizeof(*partial));
	for (size_t i = 1; i < t->count; i++) {
		const struct file_node *n = &t->nodes[i];
		if (n->type != API_FILE || n->change == API_CHANGE_DELETED)
			continue;
		for (size_t p = i;; p = t->nodes[p].parent) {
			total[p] += n->size > 0 ? n->size : 0;
			partial[p] = partial[p] || n->size < 0;
			if (p == 0)
				break;
		}
	}
	for (size_t i = 0; i < t->count; i++) {
		assert_int_equal(t->nodes[i].total, total[i]);
		assert_int_equal(t->nodes[i].total_partial, partial[i]);
	}
	free(total);
	free(partial);
	assert_int_equal(f.n_view, t->n_view);
	for (size_t i = 0; i < t->n_view; i++)
		assert_string_equal(f.nodes[f.view[i]].path, t->nodes[t->view[i]].path);
	file_tree_free(&f);
}

static void
test_tree_search(void **state)
{
	(void)state;
	struct file_tree t;
	file_tree_init(&t);
	struct api_file_list all = { 0 };
	for (int step = 0; step < 600; step++) {
		unsigned what = rnd() % 100;
		if (what < 10 || t.count < 2) {
			struct api_file_list fl = { 0 };
			for (int i = 0; i < 8; i++) {
				char path[64];
				char *a = rnd_text(2, "abAB"), *b = rnd_text(3, "abcB");
				snprintf(path, sizeof(path), "%s/%s", a[0] ? a : "x", b[0] ? b : "y");
				int64_t size = rnd() % 9 ? (int64_t)(rnd() % 100) : -1;
				enum api_change ch = rnd() % 3 ? API_CHANGE_NONE
							   : rnd() % 2 ? API_CHANGE_MODIFIED : API_CHANGE_DELETED;
				api_file_list_add(&fl, path, API_FILE, size, -1, ch);
				api_file_list_add(&all, path, API_FILE, size, -1, ch);
				free(a);
				free(b);
			}
			file_tree_add_list(&t, "", &fl, true);
			api_file_list_free(&fl);
		} else if (what < 15) {
			file_tree_set_sort(&t, (enum file_sort)(rnd() % FILE_SORT_COUNT));
		} else if (what < 20) {	/* a directory opened or closed */
			size_t v = rnd() % t.count;
			if (t.nodes[v].type == API_DIR) {
				t.nodes[v].expanded = !t.nodes[v].expanded;
				file_tree_rebuild_view(&t);
			}
		}
		char *needle = rnd_text(2, "abB");
		if (!needle[0]) {
			free(needle);
			needle = xstrdup("a");
		}
		size_t from = rnd() % t.count;
		int dir = rnd() % 2 ? 1 : -1;
		bool skip = rnd() % 2, w1, w2;
		size_t got = file_tree_search(&t, from, dir, skip, needle, &w1);
		assert_int_equal(got, ref_search(&t, from, dir, skip, needle, &w2));
		assert_int_equal(w1, w2);
		if (got != (size_t)-1 && rnd() % 2)
			file_tree_reveal(&t, got);
		free(needle);
		if (step % 10 == 0)
			check_fresh(&t, &all);
	}
	api_file_list_free(&all);
	file_tree_free(&t);
}

static void
test_conv_list_ids(void **state)
{
	(void)state;
	struct conv_list l;
	conv_list_init(&l);
	char seen[2000] = { 0 };
	size_t want = 0;
	for (int page = 0; page < 60; page++) {
		struct api_conversation rows[50];
		char ids[50][40];
		memset(rows, 0, sizeof(rows));
		for (int i = 0; i < 50; i++) {
			unsigned k = rnd() % 2000;	/* repeats across and within pages */
			snprintf(ids[i], sizeof(ids[i]), "%032x", k);
			rows[i].id = i % 17 == 16 ? NULL : ids[i];	/* rows without an id are never dropped */
			rows[i].title = ids[i];
			if (!rows[i].id)
				want++;
			else if (!seen[k]) {
				seen[k] = 1;
				want++;
			}
		}
		conv_list_append(&l, rows, 50);
		assert_int_equal(l.count, want);
	}
	struct api_conversation c = { 0 };
	c.id = l.rows[5].id;
	c.title = "renamed";
	assert_true(conv_list_update(&l, &c));
	assert_string_equal(l.rows[5].title, "renamed");
	c.id = "not there";
	assert_false(conv_list_update(&l, &c));
	conv_list_clear(&l);
	assert_int_equal(l.count, 0);
	struct api_conversation one = { .id = "0123", .title = "t" };
	conv_list_append(&l, &one, 1);
	conv_list_append(&l, &one, 1);
	assert_int_equal(l.count, 1);
	conv_list_free(&l);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matcher),
		cmocka_unit_test(test_event_search),
		cmocka_unit_test(test_event_search_clear),
		cmocka_unit_test(test_tree_filter),
		cmocka_unit_test(test_tree_search),
		cmocka_unit_test(test_conv_list_ids),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
