/*
 * src/model.h: what the browser shows, as plain data (no curses, no curl).
 *
 * Owns: the conversation list (rows copied from the API, lazily paged, with a
 * client-side filter and sort producing a view of row indices), one
 * conversation's file tree (lazily expanded directories, sizes, change markers
 * and marks on files or whole directories, flattened into the visible rows),
 * the event list of one conversation (rows moved in from the events pager,
 * with a kind filter and a text search producing a view of row indices,
 * maintained incrementally so a page costs only its own rows; implemented in
 * src/model_events.c, the search in slices), and the
 * preview text. Each list has a generation counter: clearing or
 * switching bumps it, and a completion carrying an older generation must be
 * dropped without touching the model.
 */
#ifndef OHBROWSE_SRC_MODEL_H
#define OHBROWSE_SRC_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/types.h"

enum model_state {
	MODEL_IDLE = 0,
	MODEL_LOADING,
	MODEL_DONE,
	MODEL_FAILED,
};

/* The natural direction of each order is the one shown first; reverse flips it. */
enum conv_sort {
	CONV_SORT_UPDATED = 0,	/* newest activity first (server order as tie-break) */
	CONV_SORT_CREATED,
	CONV_SORT_TITLE,
	CONV_SORT_STATUS,	/* running first */
	CONV_SORT_COUNT,
};

struct conv_list {
	struct api_conversation *rows;
	size_t count, cap;
	size_t *view;		/* indices into rows after filter and sort */
	size_t n_view;
	enum model_state state;
	bool more;		/* the server has more pages */
	char error[512];
	unsigned generation;
	char *filter;		/* case-insensitive substring of the title, or NULL */
	enum conv_sort sort;
	bool reverse;		/* S: the sort order upside down */
	size_t *id_hash;	/* id -> row index + 1 (open addressing), to drop repeated rows */
	size_t id_hash_cap;
};

void conv_list_init(struct conv_list *l);
void conv_list_free(struct conv_list *l);
/* Drop every row (a refresh or a new server filter); bumps the generation. */
void conv_list_clear(struct conv_list *l);
/* Copy n rows in, skipping ids already present; rebuilds the view. */
void conv_list_append(struct conv_list *l, const struct api_conversation *rows, size_t n);
void conv_list_set_filter(struct conv_list *l, const char *filter);
void conv_list_set_sort(struct conv_list *l, enum conv_sort s);
void conv_list_set_reverse(struct conv_list *l, bool reverse);
const char *conv_sort_name(enum conv_sort s);
/* The row shown at view index i, or NULL. */
struct api_conversation *conv_list_at(struct conv_list *l, size_t i);
/* Replace the stored row with the same id (after a wake); false when absent. */
bool conv_list_update(struct conv_list *l, const struct api_conversation *c);

struct file_node {
	char *path;		/* workspace-relative, "" for the root */
	const char *name;	/* last component (points into path) */
	enum api_file_type type;
	int64_t size;		/* -1 unknown */
	enum api_change change;
	char *link;		/* a symbolic link's target (never followed), else NULL */
	size_t parent;		/* index; the root is its own parent */
	size_t *children;
	size_t n_children, cap_children;
	int depth;		/* 0 for the root's children */
	bool expanded;
	bool listed;		/* directory: children known */
	bool loading;		/* directory: a listing is in flight */
	bool marked;
	bool has_changes;	/* directory: a descendant changed */
	bool children_sorted;
	int64_t total;		/* size, or for a directory the sum of the known sizes below it */
	bool total_partial;	/* a size below is unknown */
};

/* The tree's orders (s in the files pane), like ncdu's. */
enum file_sort {
	FILE_SORT_NAME = 0,	/* directories first, then by name */
	FILE_SORT_SIZE,		/* largest first, directories by what they hold */
	FILE_SORT_CHANGED,	/* changed first, then by name */
	FILE_SORT_COUNT,
};

struct file_tree {
	struct file_node *nodes;	/* nodes[0] is the root */
	size_t count, cap;
	size_t *view;			/* visible node indices, depth-first */
	size_t n_view;
	enum model_state state;
	char error[512];
	unsigned generation;
	/* path -> node index (open addressing) */
	size_t *hash;
	size_t hash_cap;
	bool full;			/* loaded by a whole-tree walk: every directory is listed */
	enum file_sort sort;
	char *filter;			/* only paths containing it (case-insensitive), or NULL */
	bool *keep;			/* filtering: the node or something below it matches */
	/* The last filter's hits: the nodes below hits_scanned whose path contains
	 * hits_for, ascending. Paths never change, so a longer filter that contains
	 * hits_for tests only these and the nodes added since (issue 16). */
	size_t *hits;
	size_t n_hits, hits_scanned;
	char *hits_for;
	/* file_tree_search's order (every node depth-first, as if all were expanded) and
	 * each node's place in it, kept until a node is added or the tree sorted again. */
	size_t *order, *order_pos;
	size_t n_order;
	bool order_valid;
	bool moved;			/* sizes or changes set since the last sort (size and changed orders sort again) */
};

void file_tree_init(struct file_tree *t);
void file_tree_free(struct file_tree *t);
/* Empty the tree (a new conversation); bumps the generation. */
void file_tree_clear(struct file_tree *t);
/* Add or update one entry; missing parent directories are created. Returns its index. */
size_t file_tree_add(struct file_tree *t, const struct api_file *f);
/* Add a whole list (a walk or one directory level) and mark dir (path, "" = root) listed. */
void file_tree_add_list(struct file_tree *t, const char *dir, const struct api_file_list *l,
			bool full);
/* Apply change markers (deleted files are added when missing). */
void file_tree_apply_changes(struct file_tree *t, const struct api_file_list *changes);
/* Show only the files whose path contains text (and the directories on the way,
 * expanded); NULL or "" shows everything again. Only what was listed is filtered. */
void file_tree_set_filter(struct file_tree *t, const char *text);
/* Change the order of every directory's children; recomputes totals and the view. */
void file_tree_set_sort(struct file_tree *t, enum file_sort s);
const char *file_sort_name(enum file_sort s);
/* Recompute the visible rows (and the directory totals). Call after adding, expanding or collapsing. */
void file_tree_rebuild_view(struct file_tree *t);
/* Node index for a path, or (size_t)-1. */
size_t file_tree_find(const struct file_tree *t, const char *path);
struct file_node *file_tree_view_node(struct file_tree *t, size_t view_index);
/* View index of a node (or (size_t)-1 when not visible). */
size_t file_tree_view_index(const struct file_tree *t, size_t node);

/*
 * The next (dir 1) or previous node after from (or at it when !skip) whose name
 * contains needle, case-insensitively, in view order as if every directory were
 * expanded, wrapping around; (size_t)-1 when none. So the tree's search finds
 * files in collapsed directories too (file_tree_reveal then shows them). Only
 * what was listed is searched: a V0 directory not expanded yet has no children.
 */
size_t file_tree_search(struct file_tree *t, size_t from, int dir, bool skip, const char *needle,
			bool *wrapped);
/* Expand every ancestor of node, so it is in the view. */
void file_tree_reveal(struct file_tree *t, size_t node);

/* True when the node or an ancestor directory is marked. */
bool file_tree_effectively_marked(const struct file_tree *t, size_t node);
void file_tree_toggle_mark(struct file_tree *t, size_t node);
void file_tree_mark_all(struct file_tree *t);
/* Mark files with a change other than deleted; returns how many. */
size_t file_tree_mark_changed(struct file_tree *t);
void file_tree_clear_marks(struct file_tree *t);

struct file_selection {
	size_t files;		/* files known to be included */
	int64_t bytes;		/* their known sizes */
	bool size_unknown;	/* some size unknown or a marked directory not listed */
	size_t roots;		/* marked nodes not under another marked node */
};
void file_tree_selection(const struct file_tree *t, struct file_selection *out);
/* The marked roots as paths (caller frees the array, not the strings, which the tree owns). */
const char **file_tree_selected_paths(const struct file_tree *t, size_t *n);
/* For every node, how many files at or below it are (effectively) marked:
 * below must hold t->count entries. A collapsed directory can then say that it
 * holds marks (issue 14, item 9). */
void file_tree_marked_counts(const struct file_tree *t, size_t *below);
/* Files in the tree and their known total size. */
void file_tree_totals(const struct file_tree *t, size_t *files, int64_t *bytes, size_t *changed);

/* ---- events (one conversation's trajectory) ---- */

/* What the event pane shows: f cycles through these. */
enum event_filter {
	EVENT_FILTER_ALL = 0,
	EVENT_FILTER_MESSAGES,	/* user and agent messages */
	EVENT_FILTER_ACTIONS,	/* actions and their observations */
	EVENT_FILTER_ERRORS,	/* errors and corrupt events */
	EVENT_FILTER_COUNT,
};

struct event_list {
	struct api_event *rows;	/* oldest first, as the pager delivered them */
	size_t count, cap;
	size_t *view;		/* indices into rows that pass the filter and the search */
	size_t n_view, view_cap;
	enum model_state state;
	bool more;		/* the pager has more pages */
	char error[512];
	unsigned generation;
	enum event_filter filter;
	char *search;		/* case-insensitive substring of the summary or text, or NULL */
	/* The search's state (src/model_events.c): which rows match the text, which are
	 * still to test, and the results of recent searches to narrow or go back to. */
	struct event_search *engine;
	size_t slice_rows;	/* rows a slice tests at most (0: the time decides); tests stop searches half-way */
};

void event_list_init(struct event_list *l);
void event_list_free(struct event_list *l);
/* Drop every row (another conversation); bumps the generation. */
void event_list_clear(struct event_list *l);
/* Move n rows in (their members are taken and the structs zeroed); the view grows by
 * the new rows that match. The pager has dropped rows it delivered before. */
void event_list_take(struct event_list *l, struct api_event *rows, size_t n);
void event_list_set_filter(struct event_list *l, enum event_filter f);
/* A search runs in slices (issue 16): this one tests rows for at most
 * EVENT_SEARCH_SLICE_MS, then the view holds the matches found so far (in row
 * order) and event_list_search_step() goes on. A text that contains the previous
 * one (a key typed) tests only the previous matches; going back to a recent text
 * (Backspace) restores its result. */
void event_list_set_search(struct event_list *l, const char *text);
#define EVENT_SEARCH_SLICE_MS 15
/* Rows are still to be tested against the search. */
bool event_list_search_pending(const struct event_list *l);
/* Test rows for up to budget_ms (0: until done); true when the view grew. */
bool event_list_search_step(struct event_list *l, int budget_ms);
const char *event_filter_name(enum event_filter f);
/* The row shown at view index i, or NULL. */
struct api_event *event_list_at(struct event_list *l, size_t i);
/* The view index of row index row, or the nearest view index before it (0 when none). */
size_t event_list_view_index(const struct event_list *l, size_t row);

struct preview {
	enum model_state state;
	char *path;		/* what is shown (workspace path), or NULL */
	char *text;		/* NUL-terminated */
	size_t len;
	char **lines;		/* split text (tabs expanded), owned */
	size_t n_lines;
	bool binary;
	bool truncated;
	bool is_diff;
	int64_t size;
	char error[512];
	unsigned generation;
};

void preview_init(struct preview *p);
void preview_free(struct preview *p);
/* Start showing path (state LOADING); bumps the generation. */
void preview_begin(struct preview *p, const char *path, int64_t size, bool is_diff);
void preview_set_text(struct preview *p, const char *text, size_t len, bool binary, bool truncated);
void preview_set_error(struct preview *p, const char *msg);
/* Replace the content with prepared lines (conversation details, directory summaries). */
void preview_set_lines(struct preview *p, const char *title, const char *text);

#endif
