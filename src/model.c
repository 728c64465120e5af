/* src/model.c: conversation list, file tree and preview data (see model.h; the event list is
 * in model_events.c). */
#include "src/model.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/base/util.h"
#include "src/search.h"

/* FNV-1a: the ids' and paths' hash for the open-addressing tables below. */
static uint64_t
path_hash(const char *s)
{
	uint64_t h = 1469598103934665603ULL;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

/* ---- conversation list ---- */

void
conv_list_init(struct conv_list *l)
{
	memset(l, 0, sizeof(*l));
}

static void
conv_list_drop_rows(struct conv_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		api_conversation_free(&l->rows[i]);
	l->count = 0;
	l->n_view = 0;
	if (l->id_hash)
		memset(l->id_hash, 0, l->id_hash_cap * sizeof(*l->id_hash));
}

void
conv_list_free(struct conv_list *l)
{
	conv_list_drop_rows(l);
	free(l->rows);
	free(l->view);
	free(l->filter);
	free(l->id_hash);
	memset(l, 0, sizeof(*l));
}

void
conv_list_clear(struct conv_list *l)
{
	conv_list_drop_rows(l);
	l->state = MODEL_IDLE;
	l->more = false;
	l->error[0] = '\0';
	l->generation++;
}

/* Sorting needs the list; qsort has no context argument, so keep it here (single-threaded). */
static const struct conv_list *sort_list;

static int
conv_cmp_time(int64_t a, int64_t b)
{
	return a > b ? -1 : a < b ? 1 : 0;
}

static int
conv_status_rank(const struct api_conversation *c)
{
	if (api_conversation_is_running(c))
		return 0;
	if (c->status && strcmp(c->status, "STARTING") == 0)
		return 1;
	if (c->status && strcmp(c->status, "STOPPED") == 0)
		return 2;
	return 3;
}

static int
conv_view_cmp(const void *pa, const void *pb)
{
	size_t ia = *(const size_t *)pa, ib = *(const size_t *)pb;
	const struct api_conversation *a = &sort_list->rows[ia], *b = &sort_list->rows[ib];
	int r = 0;
	switch (sort_list->sort) {
	case CONV_SORT_UPDATED:
		r = conv_cmp_time(a->updated_s, b->updated_s);
		break;
	case CONV_SORT_CREATED:
		r = conv_cmp_time(a->created_s, b->created_s);
		break;
	case CONV_SORT_TITLE:
		r = strcasecmp(a->title ? a->title : "", b->title ? b->title : "");
		break;
	case CONV_SORT_STATUS:
		r = conv_status_rank(a) - conv_status_rank(b);
		if (!r)
			r = conv_cmp_time(a->updated_s, b->updated_s);
		break;
	default:
		break;
	}
	if (r)
		return sort_list->reverse ? -r : r;
	/* Ties keep the server's order either way, so reversing twice is the identity. */
	return ia < ib ? -1 : ia > ib ? 1 : 0;
}

static void
conv_list_rebuild(struct conv_list *l)
{
	l->view = xrealloc(l->view, (l->count ? l->count : 1) * sizeof(*l->view));
	l->n_view = 0;
	struct search_pattern pat;
	search_pattern_init(&pat, l->filter);
	for (size_t i = 0; i < l->count; i++) {
		if (l->filter && !search_match(&pat, l->rows[i].title ? l->rows[i].title : "", (size_t)-1))
			continue;
		l->view[l->n_view++] = i;
	}
	search_pattern_free(&pat);
	sort_list = l;
	if (l->n_view > 1)	/* qsort(NULL, 0) is undefined behaviour */
		qsort(l->view, l->n_view, sizeof(*l->view), conv_view_cmp);
	sort_list = NULL;
}

/* The id table: row index + 1 per slot (0 free), rows without an id left out. Before it,
 * each page compared every new id with every stored one: 10,000 rows cost 50 million
 * strcmp() calls over a listing (issue 16, item 4). */
static size_t
conv_list_slot(const struct conv_list *l, const char *id)
{
	size_t mask = l->id_hash_cap - 1, h = (size_t)path_hash(id) & mask;
	while (l->id_hash[h] && strcmp(l->rows[l->id_hash[h] - 1].id, id) != 0)
		h = (h + 1) & mask;
	return h;
}

static void
conv_list_hash_grow(struct conv_list *l)
{
	if (l->count * 2 < l->id_hash_cap)
		return;
	free(l->id_hash);
	l->id_hash_cap = l->id_hash_cap ? l->id_hash_cap * 2 : 256;
	l->id_hash = xcalloc(l->id_hash_cap, sizeof(*l->id_hash));
	for (size_t i = 0; i < l->count; i++)
		if (l->rows[i].id)
			l->id_hash[conv_list_slot(l, l->rows[i].id)] = i + 1;
}

/* The row index of id, or (size_t)-1. */
static size_t
conv_list_find(const struct conv_list *l, const char *id)
{
	if (!id || !l->id_hash_cap)
		return (size_t)-1;
	size_t h = conv_list_slot(l, id);
	return l->id_hash[h] ? l->id_hash[h] - 1 : (size_t)-1;
}

void
conv_list_append(struct conv_list *l, const struct api_conversation *rows, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (conv_list_find(l, rows[i].id) != (size_t)-1)
			continue;
		if (l->count == l->cap) {
			l->cap = l->cap ? l->cap * 2 : 64;
			l->rows = xrealloc(l->rows, l->cap * sizeof(*l->rows));
		}
		conv_list_hash_grow(l);
		api_conversation_copy(&l->rows[l->count], &rows[i]);
		if (rows[i].id)
			l->id_hash[conv_list_slot(l, rows[i].id)] = l->count + 1;
		l->count++;
	}
	conv_list_rebuild(l);
}

void
conv_list_set_filter(struct conv_list *l, const char *filter)
{
	free(l->filter);
	l->filter = filter && *filter ? xstrdup(filter) : NULL;
	conv_list_rebuild(l);
}

void
conv_list_set_sort(struct conv_list *l, enum conv_sort s)
{
	l->sort = s < CONV_SORT_COUNT ? s : CONV_SORT_UPDATED;
	conv_list_rebuild(l);
}

void
conv_list_set_reverse(struct conv_list *l, bool reverse)
{
	l->reverse = reverse;
	conv_list_rebuild(l);
}

const char *
conv_sort_name(enum conv_sort s)
{
	static const char *const names[] = { "updated", "created", "title", "status" };
	return s < CONV_SORT_COUNT ? names[s] : "?";
}

struct api_conversation *
conv_list_at(struct conv_list *l, size_t i)
{
	return i < l->n_view ? &l->rows[l->view[i]] : NULL;
}

bool
conv_list_update(struct conv_list *l, const struct api_conversation *c)
{
	size_t i = conv_list_find(l, c->id);
	if (i == (size_t)-1)
		return false;
	/* the same id, so the table stays right */
	struct api_conversation copy;
	api_conversation_copy(&copy, c);
	api_conversation_free(&l->rows[i]);
	l->rows[i] = copy;
	conv_list_rebuild(l);
	return true;
}

/* ---- file tree ---- */

static void
file_tree_hash_insert(struct file_tree *t, size_t idx)
{
	size_t mask = t->hash_cap - 1;
	size_t h = (size_t)path_hash(t->nodes[idx].path) & mask;
	while (t->hash[h])
		h = (h + 1) & mask;
	t->hash[h] = idx + 1;
}

static void
file_tree_hash_grow(struct file_tree *t)
{
	if (t->count * 2 < t->hash_cap)
		return;
	free(t->hash);
	t->hash_cap = t->hash_cap ? t->hash_cap * 2 : 256;
	t->hash = xcalloc(t->hash_cap, sizeof(*t->hash));
	for (size_t i = 0; i < t->count; i++)
		file_tree_hash_insert(t, i);
}

size_t
file_tree_find(const struct file_tree *t, const char *path)
{
	if (!t->hash_cap)
		return (size_t)-1;
	size_t mask = t->hash_cap - 1;
	size_t h = (size_t)path_hash(path) & mask;
	while (t->hash[h]) {
		size_t idx = t->hash[h] - 1;
		if (strcmp(t->nodes[idx].path, path) == 0)
			return idx;
		h = (h + 1) & mask;
	}
	return (size_t)-1;
}

static size_t
file_tree_new_node(struct file_tree *t, const char *path, enum api_file_type type, size_t parent)
{
	if (t->count == t->cap) {
		t->cap = t->cap ? t->cap * 2 : 256;
		t->nodes = xrealloc(t->nodes, t->cap * sizeof(*t->nodes));
	}
	size_t idx = t->count++;
	struct file_node *n = &t->nodes[idx];
	memset(n, 0, sizeof(*n));
	n->path = xstrdup(path);
	const char *slash = strrchr(n->path, '/');
	n->name = slash ? slash + 1 : n->path;
	n->type = type;
	n->size = -1;
	n->parent = parent;
	n->depth = idx == 0 ? -1 : t->nodes[parent].depth + 1;
	if (idx != parent) {
		struct file_node *p = &t->nodes[parent];
		if (p->n_children == p->cap_children) {
			p->cap_children = p->cap_children ? p->cap_children * 2 : 8;
			p->children = xrealloc(p->children, p->cap_children * sizeof(*p->children));
		}
		p->children[p->n_children++] = idx;
		p->children_sorted = false;
		t->order_valid = false;
		t->moved = true;
	}
	file_tree_hash_grow(t);
	if (t->hash_cap && file_tree_find(t, path) == (size_t)-1)
		file_tree_hash_insert(t, idx);
	return idx;
}

void
file_tree_init(struct file_tree *t)
{
	memset(t, 0, sizeof(*t));
	file_tree_new_node(t, "", API_DIR, 0);
	t->nodes[0].expanded = true;
}

void
file_tree_free(struct file_tree *t)
{
	for (size_t i = 0; i < t->count; i++) {
		free(t->nodes[i].path);
		free(t->nodes[i].link);
		free(t->nodes[i].children);
	}
	free(t->nodes);
	free(t->view);
	free(t->hash);
	free(t->filter);
	free(t->keep);
	free(t->hits);
	free(t->hits_for);
	free(t->order);
	free(t->order_pos);
	memset(t, 0, sizeof(*t));
}

void
file_tree_clear(struct file_tree *t)
{
	unsigned gen = t->generation;
	enum file_sort sort = t->sort;	/* the user's order outlives the conversation */
	file_tree_free(t);	/* a filter does not: it was about that tree */
	file_tree_init(t);
	t->generation = gen + 1;
	t->sort = sort;
}

/* The directory node for path, created (as an unlisted directory) when missing. */
static size_t
file_tree_ensure_dir(struct file_tree *t, const char *path)
{
	if (!*path)
		return 0;
	size_t idx = file_tree_find(t, path);
	if (idx != (size_t)-1)
		return idx;
	const char *slash = strrchr(path, '/');
	size_t parent = 0;
	if (slash) {
		char *pp = xstrndup(path, (size_t)(slash - path));
		parent = file_tree_ensure_dir(t, pp);
		free(pp);
	}
	return file_tree_new_node(t, path, API_DIR, parent);
}

size_t
file_tree_add(struct file_tree *t, const struct api_file *f)
{
	const char *path = f->path;
	while (*path == '/')
		path++;
	if (!*path)
		return 0;
	size_t idx = file_tree_find(t, path);
	if (idx == (size_t)-1) {
		const char *slash = strrchr(path, '/');
		size_t parent = 0;
		if (slash) {
			char *pp = xstrndup(path, (size_t)(slash - path));
			parent = file_tree_ensure_dir(t, pp);
			free(pp);
		}
		idx = file_tree_new_node(t, path, f->type, parent);
	}
	struct file_node *n = &t->nodes[idx];
	t->moved = true;	/* a size, a change or the type may differ now */
	n->type = f->type;
	if (f->size >= 0 || n->size < 0)
		n->size = f->type == API_DIR ? -1 : f->size;
	if (f->change != API_CHANGE_NONE)
		n->change = f->change;
	if (f->link && !n->link)
		n->link = xstrdup(f->link);
	return idx;
}

static void file_tree_order_build(struct file_tree *t);

void
file_tree_add_list(struct file_tree *t, const char *dir, const struct api_file_list *l, bool full)
{
	for (size_t i = 0; i < l->count; i++)
		file_tree_add(t, &l->items[i]);
	if (full) {
		t->full = true;
		for (size_t i = 0; i < t->count; i++)
			if (t->nodes[i].type == API_DIR)
				t->nodes[i].listed = true;
	} else {
		size_t d = file_tree_find(t, dir ? dir : "");
		if (d != (size_t)-1) {
			t->nodes[d].listed = true;
			t->nodes[d].loading = false;
		}
	}
	t->state = MODEL_DONE;
	file_tree_rebuild_view(t);
	/* A whole tree is there to be filtered and searched: sort every directory now, with
	 * the listing, rather than in the first key of a filter (40 ms at 200,000 files). */
	if (full)
		file_tree_order_build(t);
}

void
file_tree_apply_changes(struct file_tree *t, const struct api_file_list *changes)
{
	for (size_t i = 0; i < changes->count; i++) {
		const struct api_file *c = &changes->items[i];
		size_t idx = file_tree_find(t, c->path);
		if (idx == (size_t)-1) {
			/* Only add what the tree does not list: deleted files, or files in a
			 * directory that is not listed yet (V0 lazy listing). */
			struct api_file f = *c;
			f.type = API_FILE;
			idx = file_tree_add(t, &f);
		}
		t->nodes[idx].change = c->change == API_CHANGE_NONE ? API_CHANGE_MODIFIED : c->change;
		t->moved = true;
		for (size_t p = t->nodes[idx].parent; p != 0; p = t->nodes[p].parent)
			t->nodes[p].has_changes = true;
	}
	file_tree_rebuild_view(t);
}

static const struct file_tree *sort_tree;

static int
file_child_cmp(const void *pa, const void *pb)
{
	const struct file_node *a = &sort_tree->nodes[*(const size_t *)pa];
	const struct file_node *b = &sort_tree->nodes[*(const size_t *)pb];
	if (sort_tree->sort == FILE_SORT_SIZE && a->total != b->total)
		return a->total > b->total ? -1 : 1;
	if (sort_tree->sort == FILE_SORT_CHANGED) {
		bool ca = a->type == API_DIR ? a->has_changes : a->change != API_CHANGE_NONE;
		bool cb = b->type == API_DIR ? b->has_changes : b->change != API_CHANGE_NONE;
		if (ca != cb)
			return ca ? -1 : 1;
	}
	if (a->type != b->type && sort_tree->sort != FILE_SORT_SIZE)
		return a->type == API_DIR ? -1 : 1;
	return strcmp(a->name, b->name);
}

/* Directory totals: every known file size added to its ancestors. */
static void
file_tree_totals_compute(struct file_tree *t)
{
	for (size_t i = 0; i < t->count; i++) {
		struct file_node *n = &t->nodes[i];
		bool file = n->type == API_FILE && n->change != API_CHANGE_DELETED;
		n->total = file && n->size > 0 ? n->size : 0;
		n->total_partial = file && n->size < 0;
	}
	/* A parent is always made before its children (file_tree_ensure_dir), so its index is
	 * smaller: from the last node back, each node's total is whole when it is added to its
	 * parent's. One pass, where adding each file to every ancestor cost a walk up per file
	 * on every rebuild (each key of a filter, issue 16). */
	for (size_t i = t->count; i-- > 1;) {
		struct file_node *p = &t->nodes[t->nodes[i].parent];
		p->total += t->nodes[i].total;
		p->total_partial = p->total_partial || t->nodes[i].total_partial;
	}
}

void
file_tree_set_sort(struct file_tree *t, enum file_sort s)
{
	t->sort = s < FILE_SORT_COUNT ? s : FILE_SORT_NAME;
	for (size_t i = 0; i < t->count; i++)
		t->nodes[i].children_sorted = false;
	t->order_valid = false;
	file_tree_rebuild_view(t);
}

const char *
file_sort_name(enum file_sort s)
{
	static const char *const names[] = { "name", "size", "changed first" };
	return s < FILE_SORT_COUNT ? names[s] : "?";
}

static void
file_tree_visit(struct file_tree *t, size_t idx)
{
	struct file_node *n = &t->nodes[idx];
	if (!n->children_sorted) {
		sort_tree = t;
		if (n->n_children > 1)
			qsort(n->children, n->n_children, sizeof(*n->children), file_child_cmp);
		sort_tree = NULL;
		n->children_sorted = true;
	}
	for (size_t i = 0; i < n->n_children; i++) {
		size_t c = t->nodes[idx].children[i];
		if (t->filter && !t->keep[c])
			continue;
		t->view[t->n_view++] = c;
		/* While filtering, the way to every match is open. */
		if (t->nodes[c].type == API_DIR && (t->nodes[c].expanded || t->filter))
			file_tree_visit(t, c);
	}
}

void
file_tree_set_filter(struct file_tree *t, const char *text)
{
	free(t->filter);
	t->filter = text && *text ? xstrdup(text) : NULL;
	file_tree_rebuild_view(t);
}

/* t->hits for t->filter: from the last filter's hits when the new one contains it. */
static void
file_tree_filter_hits(struct file_tree *t)
{
	if (t->hits_for && strcmp(t->hits_for, t->filter) == 0 && t->hits_scanned == t->count)
		return;
	const size_t *cand = NULL;
	size_t n_cand = 0, from = 1;
	if (t->hits_for && search_narrows(t->hits_for, t->filter)) {
		cand = t->hits;
		n_cand = t->n_hits;
		from = t->hits_scanned;
	}
	size_t *hits = xmalloc((n_cand + (t->count - from) + 1) * sizeof(*hits));
	size_t n = 0;
	struct search_pattern pat;
	search_pattern_init(&pat, t->filter);
	for (size_t i = 0; i < n_cand; i++)
		if (search_match(&pat, t->nodes[cand[i]].path, (size_t)-1))
			hits[n++] = cand[i];
	for (size_t i = from; i < t->count; i++)
		if (search_match(&pat, t->nodes[i].path, (size_t)-1))
			hits[n++] = i;
	search_pattern_free(&pat);
	free(t->hits);
	free(t->hits_for);
	t->hits = hits;
	t->n_hits = n;
	t->hits_scanned = t->count;
	t->hits_for = xstrdup(t->filter);
}

/* keep[]: the files whose path matches the filter, and every directory above one. */
static void
file_tree_filter_marks(struct file_tree *t)
{
	t->keep = xrealloc(t->keep, (t->count ? t->count : 1) * sizeof(*t->keep));
	memset(t->keep, 0, t->count * sizeof(*t->keep));
	file_tree_filter_hits(t);
	for (size_t h = 0; h < t->n_hits; h++) {
		size_t i = t->hits[h];
		if (t->nodes[i].type == API_DIR)
			continue;
		for (size_t p = i; p != 0 && !t->keep[p]; p = t->nodes[p].parent)
			t->keep[p] = true;
	}
}

void
file_tree_rebuild_view(struct file_tree *t)
{
	file_tree_totals_compute(t);
	/* Sizes and changes may have moved since the last sort: sort again in an order that
	 * uses them. Only then: re-sorting 200,000 nodes on each key of a filter, an
	 * expansion or a reveal cost more than the filter itself (issue 16). */
	if (t->sort != FILE_SORT_NAME && t->moved) {
		for (size_t i = 0; i < t->count; i++)
			t->nodes[i].children_sorted = false;
		t->order_valid = false;
	}
	t->moved = false;
	t->view = xrealloc(t->view, t->count * sizeof(*t->view));
	t->n_view = 0;
	if (t->filter)
		file_tree_filter_marks(t);
	file_tree_visit(t, 0);
}

/* Every node depth-first in view order, as if every directory were expanded. */
static void
file_tree_visit_all(struct file_tree *t, size_t idx, size_t *out, size_t *n)
{
	struct file_node *nd = &t->nodes[idx];
	if (!nd->children_sorted) {
		sort_tree = t;
		if (nd->n_children > 1)
			qsort(nd->children, nd->n_children, sizeof(*nd->children), file_child_cmp);
		sort_tree = NULL;
		nd->children_sorted = true;
	}
	for (size_t i = 0; i < t->nodes[idx].n_children; i++) {
		size_t c = t->nodes[idx].children[i];
		out[(*n)++] = c;
		file_tree_visit_all(t, c, out, n);
	}
}

/* The order is kept between keys: walking 200,000 nodes for each key cost more than the
 * search (issue 16); adding nodes or sorting again drops it. */
static void
file_tree_order_build(struct file_tree *t)
{
	if (t->order_valid)
		return;
	t->order = xrealloc(t->order, t->count * sizeof(*t->order));
	t->order_pos = xrealloc(t->order_pos, t->count * sizeof(*t->order_pos));
	t->n_order = 0;
	memset(t->order_pos, 0, t->count * sizeof(*t->order_pos));	/* the root: search from the top */
	file_tree_visit_all(t, 0, t->order, &t->n_order);
	for (size_t i = 0; i < t->n_order; i++)
		t->order_pos[t->order[i]] = i;
	t->order_valid = true;
}

size_t
file_tree_search(struct file_tree *t, size_t from, int dir, bool skip, const char *needle, bool *wrapped)
{
	*wrapped = false;
	size_t nl = needle ? strlen(needle) : 0;
	if (nl == 0 || t->count < 2)
		return (size_t)-1;
	file_tree_order_build(t);
	const size_t *order = t->order;
	size_t n = t->n_order;
	size_t cur = from < t->count ? t->order_pos[from] : 0;
	size_t hit = (size_t)-1;
	struct search_pattern pat;
	search_pattern_init(&pat, needle);
	for (size_t k = skip ? 1 : 0; k <= n && hit == (size_t)-1; k++) {
		size_t i = dir >= 0 ? (cur + k) % n : (cur + n - k % n) % n;
		if ((dir >= 0 && cur + k >= n) || (dir < 0 && k > cur))
			*wrapped = true;
		if (search_match(&pat, t->nodes[order[i]].name, (size_t)-1))
			hit = order[i];
	}
	search_pattern_free(&pat);
	return hit;
}

void
file_tree_reveal(struct file_tree *t, size_t node)
{
	for (size_t p = t->nodes[node].parent; p != 0; p = t->nodes[p].parent)
		t->nodes[p].expanded = true;
	file_tree_rebuild_view(t);
}

struct file_node *
file_tree_view_node(struct file_tree *t, size_t i)
{
	return i < t->n_view ? &t->nodes[t->view[i]] : NULL;
}

size_t
file_tree_view_index(const struct file_tree *t, size_t node)
{
	for (size_t i = 0; i < t->n_view; i++)
		if (t->view[i] == node)
			return i;
	return (size_t)-1;
}

bool
file_tree_effectively_marked(const struct file_tree *t, size_t node)
{
	for (size_t i = node; i != 0; i = t->nodes[i].parent)
		if (t->nodes[i].marked)
			return true;
	return false;
}

static void
file_tree_unmark_below(struct file_tree *t, size_t node)
{
	struct file_node *n = &t->nodes[node];
	for (size_t i = 0; i < n->n_children; i++) {
		t->nodes[n->children[i]].marked = false;
		file_tree_unmark_below(t, n->children[i]);
	}
}

void
file_tree_toggle_mark(struct file_tree *t, size_t node)
{
	if (node == 0 || node >= t->count)
		return;
	struct file_node *n = &t->nodes[node];
	if (n->marked) {
		n->marked = false;
		return;
	}
	/* Inside a marked directory: unmark that directory and mark everything on
	 * the way down except this node, so only it leaves the selection. */
	size_t anc = (size_t)-1;
	for (size_t i = n->parent; i != 0; i = t->nodes[i].parent)
		if (t->nodes[i].marked)
			anc = i;
	if (anc != (size_t)-1) {
		t->nodes[anc].marked = false;
		size_t cur = node;
		while (cur != anc) {
			size_t p = t->nodes[cur].parent;
			for (size_t i = 0; i < t->nodes[p].n_children; i++) {
				size_t c = t->nodes[p].children[i];
				if (c != cur)
					t->nodes[c].marked = true;
			}
			cur = p;
		}
		return;
	}
	if (n->change == API_CHANGE_DELETED)
		return;
	n->marked = true;
	if (n->type == API_DIR)
		file_tree_unmark_below(t, node);
}

void
file_tree_mark_all(struct file_tree *t)
{
	file_tree_clear_marks(t);
	for (size_t i = 0; i < t->nodes[0].n_children; i++) {
		size_t c = t->nodes[0].children[i];
		if (t->nodes[c].change != API_CHANGE_DELETED)
			t->nodes[c].marked = true;
	}
}

size_t
file_tree_mark_changed(struct file_tree *t)
{
	size_t n = 0;
	for (size_t i = 1; i < t->count; i++) {
		struct file_node *f = &t->nodes[i];
		if (f->type == API_FILE && f->change != API_CHANGE_NONE &&
		    f->change != API_CHANGE_DELETED && !file_tree_effectively_marked(t, i)) {
			f->marked = true;
			n++;
		}
	}
	return n;
}

void
file_tree_marked_counts(const struct file_tree *t, size_t *below)
{
	memset(below, 0, t->count * sizeof(*below));
	for (size_t i = 1; i < t->count; i++) {
		if (t->nodes[i].type != API_FILE || t->nodes[i].change == API_CHANGE_DELETED ||
		    !file_tree_effectively_marked(t, i))
			continue;
		for (size_t p = i;; p = t->nodes[p].parent) {
			below[p]++;
			if (p == 0)
				break;
		}
	}
}

void
file_tree_clear_marks(struct file_tree *t)
{
	for (size_t i = 0; i < t->count; i++)
		t->nodes[i].marked = false;
}

void
file_tree_selection(const struct file_tree *t, struct file_selection *out)
{
	memset(out, 0, sizeof(*out));
	for (size_t i = 1; i < t->count; i++) {
		const struct file_node *n = &t->nodes[i];
		bool eff = file_tree_effectively_marked(t, i);
		if (!eff)
			continue;
		if (n->marked && !file_tree_effectively_marked(t, n->parent))
			out->roots++;
		if (n->type == API_DIR) {
			if (!n->listed)
				out->size_unknown = true;
			continue;
		}
		if (n->change == API_CHANGE_DELETED)
			continue;
		out->files++;
		if (n->size >= 0)
			out->bytes += n->size;
		else
			out->size_unknown = true;
	}
}

const char **
file_tree_selected_paths(const struct file_tree *t, size_t *np)
{
	const char **paths = xcalloc(t->count + 1, sizeof(*paths));
	size_t n = 0;
	for (size_t i = 1; i < t->count; i++)
		if (t->nodes[i].marked && !file_tree_effectively_marked(t, t->nodes[i].parent))
			paths[n++] = t->nodes[i].path;
	*np = n;
	return paths;
}

void
file_tree_totals(const struct file_tree *t, size_t *files, int64_t *bytes, size_t *changed)
{
	*files = 0;
	*bytes = 0;
	*changed = 0;
	for (size_t i = 1; i < t->count; i++) {
		const struct file_node *n = &t->nodes[i];
		if (n->type != API_FILE)
			continue;
		if (n->change != API_CHANGE_NONE)
			(*changed)++;
		if (n->change == API_CHANGE_DELETED)
			continue;
		(*files)++;
		if (n->size > 0)
			*bytes += n->size;
	}
}

/* ---- preview ---- */

void
preview_init(struct preview *p)
{
	memset(p, 0, sizeof(*p));
}

static void
preview_drop(struct preview *p)
{
	for (size_t i = 0; i < p->n_lines; i++)
		free(p->lines[i]);
	free(p->lines);
	free(p->text);
	free(p->path);
	p->lines = NULL;
	p->n_lines = 0;
	p->text = NULL;
	p->path = NULL;
	p->len = 0;
	p->binary = p->truncated = p->is_diff = false;
	p->error[0] = '\0';
}

void
preview_free(struct preview *p)
{
	preview_drop(p);
	memset(p, 0, sizeof(*p));
}

void
preview_begin(struct preview *p, const char *path, int64_t size, bool is_diff)
{
	preview_drop(p);
	p->path = xstrdup(path);
	p->size = size;
	p->is_diff = is_diff;
	p->state = MODEL_LOADING;
	p->generation++;
}

static void
preview_split(struct preview *p)
{
	const char *s = p->text;
	size_t cap = 0;
	while (s && *s) {
		const char *nl = strchr(s, '\n');
		size_t len = nl ? (size_t)(nl - s) : strlen(s);
		struct strbuf sb = { 0 };
		int col = 0;
		for (size_t i = 0; i < len; i++) {
			if (s[i] == '\t') {
				do {
					strbuf_putc(&sb, ' ');
					col++;
				} while (col % 4);
			} else if (s[i] == '\r' && i + 1 == len) {
				/* CRLF: drop the CR */
			} else {
				strbuf_putc(&sb, s[i]);
				col++;
			}
		}
		if (p->n_lines == cap) {
			cap = cap ? cap * 2 : 64;
			p->lines = xrealloc(p->lines, cap * sizeof(*p->lines));
		}
		p->lines[p->n_lines++] = sb.buf ? strbuf_detach(&sb) : xstrdup("");
		s += len;
		if (*s == '\n')
			s++;
	}
}

void
preview_set_text(struct preview *p, const char *text, size_t len, bool binary, bool truncated)
{
	for (size_t i = 0; i < p->n_lines; i++)
		free(p->lines[i]);
	free(p->lines);
	p->lines = NULL;
	p->n_lines = 0;
	free(p->text);
	p->text = NULL;
	p->binary = binary;
	p->truncated = truncated;
	p->state = MODEL_DONE;
	if (binary || !text)
		return;
	p->text = xstrndup(text, len);
	p->len = strlen(p->text);
	preview_split(p);
}

void
preview_set_error(struct preview *p, const char *msg)
{
	p->state = MODEL_FAILED;
	snprintf(p->error, sizeof(p->error), "%s", msg ? msg : "failed");
}

void
preview_set_lines(struct preview *p, const char *title, const char *text)
{
	preview_drop(p);
	p->generation++;
	p->path = xstrdup(title);
	p->size = -1;
	preview_set_text(p, text, strlen(text), false, false);
}
