/*
 * api/local_walk.c: the listing of a local workspace, in steps (local_walk_start(), local.h).
 *
 * The tree is walked depth first with an explicit stack of open directories instead of
 * recursion, so a step can stop after any entry and the next one carries on: a step reads
 * entries for LOCAL_STEP_US. The listing is then sorted by path in bounded steps too (a
 * qsort of 200,000 paths is tens of milliseconds in one go): blocks of WALK_BLOCK entries
 * are sorted one at a time, then merged bottom-up, a few thousand entries per check of the
 * clock. .gitignore handling is rough on purpose (see local.h).
 */
#include "api/local_int.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define WALK_BLOCK 2048		/* entries per qsort'ed block: well under a millisecond */
#define WALK_CLOCK_EVERY 16	/* entries (or merged rows / 16) between looks at the clock */

struct ign_rule {
	char *base;		/* directory of the .gitignore, relative ("" = root) */
	char *pat;
	bool neg, dir_only, anchored;
};

/* One open directory on the walk's stack. */
struct walk_frame {
	DIR *d;
	char *rel;		/* relative to the root, "" = the root */
	int depth;
	bool recurse;
};

/* The bottom-up merge sort's place: runs of width are merged pairwise from a into b. */
struct walk_sort {
	struct api_file *a, *b;
	size_t n, width;
	size_t blocks_done;	/* first phase: blocks sorted so far */
	size_t lo, i, j, k, mid, hi;
	bool merging;		/* i, j, k, mid, hi describe the pair being merged */
};

struct walk_impl {
	const char *root;
	struct ign_rule *rules;
	size_t n_rules, cap_rules;
	struct api_file_list *out;
	size_t max_files;
	int max_depth;
	bool overflow;
	struct walk_frame *stack;
	size_t depth, cap;
	bool sorting;
	struct walk_sort sort;
};

static void
ign_load(struct walk_impl *w, const char *rel_dir)
{
	char *p = *rel_dir ? xasprintf("%s/%s/.gitignore", w->root, rel_dir)
			   : xasprintf("%s/.gitignore", w->root);
	size_t len;
	char *text = local_slurp(p, 1u << 20, &len);

	free(p);
	if (!text)
		return;
	for (char *line = text, *next; line && *line; line = next) {
		next = strchr(line, '\n');
		if (next)
			*next++ = '\0';
		size_t n = strlen(line);
		while (n && (line[n - 1] == '\r' || line[n - 1] == ' '))
			line[--n] = '\0';
		if (!n || line[0] == '#')
			continue;
		struct ign_rule r = {0};
		if (line[0] == '!') {
			r.neg = true;
			line++, n--;
		}
		if (n && line[n - 1] == '/') {
			r.dir_only = true;
			line[--n] = '\0';
		}
		if (line[0] == '/') {
			r.anchored = true;
			line++;
		}
		if (strchr(line, '/'))
			r.anchored = true;
		if (!*line)
			continue;
		r.base = xstrdup(rel_dir);
		r.pat = xstrdup(line);
		if (w->n_rules == w->cap_rules) {
			w->cap_rules = w->cap_rules ? w->cap_rules * 2 : 32;
			w->rules = xrealloc(w->rules, w->cap_rules * sizeof(*w->rules));
		}
		w->rules[w->n_rules++] = r;
	}
	free(text);
}

static bool
ignored(const struct walk_impl *w, const char *rel, bool dir)
{
	bool result = false;

	for (size_t i = 0; i < w->n_rules; i++) {
		const struct ign_rule *r = &w->rules[i];
		size_t bl = strlen(r->base);
		const char *sub = rel;
		if (bl) {
			if (strncmp(rel, r->base, bl) != 0 || rel[bl] != '/')
				continue;
			sub = rel + bl + 1;
		}
		if (r->dir_only && !dir)
			continue;
		bool m = r->anchored ? fnmatch(r->pat, sub, FNM_PATHNAME) == 0
				     : fnmatch(r->pat, local_base_name(sub), 0) == 0;
		if (m)
			result = !r->neg;
	}
	return result;
}

/* Open rel and push it; its .gitignore applies from now on. */
static void
walk_push(struct walk_impl *w, const char *rel, int depth, bool recurse)
{
	char *abs = *rel ? xasprintf("%s/%s", w->root, rel) : xstrdup(w->root);
	DIR *d = opendir(abs);

	free(abs);
	if (!d)
		return;
	ign_load(w, rel);
	if (w->depth == w->cap) {
		w->cap = w->cap ? w->cap * 2 : 16;
		w->stack = xrealloc(w->stack, w->cap * sizeof(*w->stack));
	}
	w->stack[w->depth++] = (struct walk_frame){d, xstrdup(rel), depth, recurse};
}

static void
walk_pop(struct walk_impl *w)
{
	struct walk_frame *f = &w->stack[--w->depth];

	closedir(f->d);
	free(f->rel);
}

/* One entry of the directory on top of the stack: listed unless ignored, and entered when
 * it is a directory the walk recurses into. */
static void
walk_entry(struct walk_impl *w, struct walk_frame *f, const char *nm)
{
	int dfd = dirfd(f->d);
	struct stat st;

	if (!strcmp(nm, ".") || !strcmp(nm, "..") || !strcmp(nm, ".git"))
		return;
	if (fstatat(dfd, nm, &st, AT_SYMLINK_NOFOLLOW) != 0)
		return;
	/* a link is listed as a link with its target, never followed (it may point anywhere,
	 * or loop): the export writes it as a link entry */
	char target[4096];
	ssize_t tl = -1;
	if (S_ISLNK(st.st_mode)) {
		tl = readlinkat(dfd, nm, target, sizeof(target) - 1);
		if (tl < 0)
			return;
		target[tl] = '\0';
	} else if (!S_ISREG(st.st_mode) && !S_ISDIR(st.st_mode)) {
		return;
	}
	char *r = *f->rel ? xasprintf("%s/%s", f->rel, nm) : xstrdup(nm);
	bool dir = S_ISDIR(st.st_mode);
	if (!ignored(w, r, dir)) {
		if (w->out->count >= w->max_files) {
			w->overflow = true;
		} else {
			api_file_list_add(w->out, r, dir ? API_DIR : API_FILE, dir ? -1 : (int64_t)st.st_size,
					  (int64_t)st.st_mtime, API_CHANGE_NONE);
			w->out->items[w->out->count - 1].mode = (unsigned)(st.st_mode & 07777);
			if (tl >= 0)
				w->out->items[w->out->count - 1].link = xstrdup(target);
			/* f may move when the stack grows: depth and recurse are read first */
			int depth = f->depth;
			if (dir && f->recurse && depth < w->max_depth)
				walk_push(w, r, depth + 1, true);
		}
	}
	free(r);
}

/* Read entries until the stack is empty (true) or the step's time is up (false). */
static bool
walk_read(struct walk_impl *w, int64_t until)
{
	unsigned n = 0;

	while (w->depth && !w->overflow) {
		struct walk_frame *f = &w->stack[w->depth - 1];
		struct dirent *de = readdir(f->d);
		if (!de) {
			walk_pop(w);
			continue;
		}
		walk_entry(w, f, de->d_name);
		if (++n == LOCAL_STEP_ENTRIES || (n % WALK_CLOCK_EVERY == 0 && local_now_us() >= until))
			return false;
	}
	return true;
}

/* Sort for one step's time; true when the listing is sorted (in w->out). */
static bool
walk_sort_step(struct walk_impl *w, int64_t until)
{
	struct walk_sort *s = &w->sort;

	while (s->blocks_done * WALK_BLOCK < s->n) {
		size_t lo = s->blocks_done++ * WALK_BLOCK;
		size_t len = s->n - lo < WALK_BLOCK ? s->n - lo : WALK_BLOCK;
		qsort(s->a + lo, len, sizeof(*s->a), local_file_cmp);
		if (local_now_us() >= until)
			return false;
	}
	while (s->width < s->n) {
		if (!s->merging) {
			if (s->lo >= s->n) {
				/* a pass is done: the runs are twice as long, in the other buffer */
				struct api_file *t = s->a;
				s->a = s->b;
				s->b = t;
				s->width *= 2;
				s->lo = 0;
				continue;
			}
			s->mid = s->lo + s->width < s->n ? s->lo + s->width : s->n;
			s->hi = s->lo + 2 * s->width < s->n ? s->lo + 2 * s->width : s->n;
			s->i = s->k = s->lo;
			s->j = s->mid;
			s->merging = true;
		}
		for (unsigned m = 0; s->k < s->hi; m++) {
			if (s->j >= s->hi || (s->i < s->mid && local_file_cmp(&s->a[s->i], &s->a[s->j]) <= 0))
				s->b[s->k++] = s->a[s->i++];
			else
				s->b[s->k++] = s->a[s->j++];
			if (m % (16 * WALK_CLOCK_EVERY) == 0 && local_now_us() >= until)
				return false;
		}
		s->merging = false;
		s->lo = s->hi;
	}
	/* the sorted rows are in s->a: make that the list's array */
	if (s->a != w->out->items) {
		free(w->out->items);
		w->out->items = s->a;
		w->out->cap = s->n;
	} else {
		free(s->b);
	}
	s->a = s->b = NULL;
	return true;
}

static void
walk_step(struct local_job *j)
{
	struct walk_impl *w = j->impl;
	int64_t until = local_now_us() + LOCAL_STEP_US;

	if (!w->sorting) {
		if (!walk_read(w, until))
			return;
		if (w->overflow) {
			api_error_set(&j->err, API_ERR_SERVER, 0,
				      "the workspace has more than %zu files; only that many were listed", w->max_files);
			api_file_list_free(w->out);
			local_job_fail(j);
			return;
		}
		w->sorting = true;
		w->sort = (struct walk_sort){.a = w->out->items, .n = w->out->count, .width = WALK_BLOCK};
		if (w->sort.n > WALK_BLOCK)
			w->sort.b = xmalloc(w->sort.n * sizeof(*w->sort.b));
		if (local_now_us() >= until)
			return;
	}
	if (walk_sort_step(w, until))
		local_job_succeed(j);
}

static void
walk_free(struct local_job *j)
{
	struct walk_impl *w = j->impl;

	while (w->depth)
		walk_pop(w);
	free(w->stack);
	for (size_t i = 0; i < w->n_rules; i++) {
		free(w->rules[i].base);
		free(w->rules[i].pat);
	}
	free(w->rules);
	/* a sort stopped halfway: every row is, once, in the buffer the pass reads (sort.a);
	 * the list frees its rows from there */
	if (w->sorting && w->sort.b) {
		if (w->sort.a != w->out->items) {
			free(w->out->items);
			w->out->items = w->sort.a;
		} else {
			free(w->sort.b);
		}
	}
	free(w);
}

/* The rules of every directory above rel apply too: load them before the walk starts. */
static void
walk_load_above(struct walk_impl *w, const char *rel)
{
	char *acc = xstrdup("");

	ign_load(w, "");
	for (const char *p = rel; *p;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		char *next = *acc ? xasprintf("%s/%.*s", acc, (int)n, p) : xstrndup(p, n);
		free(acc);
		acc = next;
		p += n;
		while (*p == '/')
			p++;
		if (*p)
			ign_load(w, acc);
	}
	free(acc);
}

void
local_walk_begin(struct local_job *j, const char *dir, bool children_only, int max_depth, size_t max_files)
{
	struct walk_impl *w = xcalloc(1, sizeof(*w));
	const char *rel = dir ? dir : "";

	*w = (struct walk_impl){.root = j->root, .out = &j->files, .max_files = max_files, .max_depth = max_depth};
	j->impl = w;
	j->free_impl = walk_free;
	j->step = walk_step;
	while (*rel == '/')
		rel++;
	if (!local_is_dir(j->root)) {
		api_error_set(&j->err, API_ERR_NOT_FOUND, 0, "the workspace %s does not exist on this machine",
			      j->root);
		local_job_fail(j);
		return;
	}
	if (!local_rel_ok(rel)) {
		api_error_set(&j->err, API_ERR_USAGE, 0, "%s is outside the workspace", rel);
		local_job_fail(j);
		return;
	}
	if (*rel)
		walk_load_above(w, rel);
	walk_push(w, rel, 0, !children_only);
}

struct local_job *
local_walk_start(struct http *h, const char *root, const char *dir, bool children_only, int max_depth,
		 size_t max_files, local_done_fn done, void *ud)
{
	struct local_job *j = local_job_new(h, root, done, ud);

	local_walk_begin(j, dir, children_only, max_depth, max_files);
	local_job_run(j, -1, true);
	return j;
}
