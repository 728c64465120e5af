/*
 * src/export_list.c: the export job's file list (see export_int.h): what the listing, the
 * selection, the changes or a server archive say is there, named for the ZIP, and the
 * directories seen, whose empty ones get entries of their own before the metadata.
 *
 * Owns: adding files (the one door every source goes through, so the git-credentials rule
 * cannot be missed), sorting and naming a batch, the walks (the listing, the files inside
 * .git) and the choice between the agent-server's archive and the walk, for the whole
 * workspace and for a selected directory (ex_sel_prelist_done(), ex_dir_packs_itself()).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "archive/names.h"
#include "archive/zipout.h"
#include "src/base/util.h"
#include "src/export_int.h"

static void ex_walk_done(void *ud, struct api_file_list *files, const struct api_error *err);
static void ex_git_walk_done(void *ud, struct api_file_list *files, const struct api_error *err);

struct ex_file *
ex_add_file(struct export_job *j, const char *path, int64_t size, int64_t mtime)
{
	struct ex_file *f = xcalloc(1, sizeof(*f));

	f->pub.path = xstrdup(path);
	f->pub.size = size;
	f->pub.state = EXPORT_FILE_QUEUED;
	f->job = j;
	f->fd = -1;
	f->mtime = mtime;
	if (j->n_files == j->cap_files) {
		j->cap_files = j->cap_files ? j->cap_files * 2 : 64;
		j->files = xrealloc(j->files, j->cap_files * sizeof(*j->files));
	}
	j->files[j->n_files++] = f;
	/* Every source (walk, selection, changes, V0 zip-directory, V1 tar.gz) adds its files
	 * here, so this one check keeps a clone's token out of every ZIP. */
	if (names_is_git_credential(f->pub.path, strlen(f->pub.path))) {
		f->pub.state = EXPORT_FILE_EXCLUDED;
		f->pub.size = 0;
		f->pub.error = xstrdup("git credentials");
	}
	return f;
}

/*
 * A file the listing knows: its mode, and a symbolic link stays a link. Downloading through
 * a link would follow it anywhere (even outside the workspace, R9) -- an interpreter binary
 * for .venv/bin/python, a 400 for a link to a directory, a 404 for a dangling one -- so a
 * link is never fetched: it is ready at once and written as a ZIP symlink entry.
 */
struct ex_file *
ex_add_listed(struct export_job *j, const struct api_file *af)
{
	struct ex_file *f = ex_add_file(j, af->path, af->size, af->mtime);

	if (f->pub.state == EXPORT_FILE_QUEUED && path_has_dotdot(af->path, strlen(af->path))) {
		/* a listed name is fetched by sending it back, and the agent-server serves any
		 * absolute path: one with ".." is never fetched, and is listed as skipped (an
		 * archive's entry of that name is data already here: it is kept, renamed safely) */
		f->pub.state = EXPORT_FILE_EXCLUDED;
		f->pub.size = 0;
		f->pub.error = xstrdup("the server named a path outside the workspace (a '..' component)");
		return f;
	}
	f->mode = af->mode;
	if (af->link && f->pub.state == EXPORT_FILE_QUEUED) {
		f->link = xstrdup(af->link);
		f->pub.size = (int64_t)strlen(af->link);
		f->pub.state = EXPORT_FILE_SPOOLED;
	}
	return f;
}

void
ex_add_dir(struct export_job *j, const char *path, unsigned mode)
{
	if (!*path || names_is_git_credential(path, strlen(path)))
		return;
	j->dirs = xrealloc(j->dirs, (j->n_dirs + 1) * sizeof(*j->dirs));
	j->dir_modes = xrealloc(j->dir_modes, (j->n_dirs + 1) * sizeof(*j->dir_modes));
	j->dirs[j->n_dirs] = xstrdup(path);
	j->dir_modes[j->n_dirs++] = mode;
}

/* Give f its ZIP entry name: sanitised, unique, never the metadata's name. */
void
ex_name(struct export_job *j, struct ex_file *f)
{
	char *s = names_sanitize(f->pub.path, strlen(f->pub.path));

	f->pub.entry = xstrdup(names_set_unique(j->names, s ? s : "unnamed"));
	free(s);
}

/* Free a file that never made it into the list (a duplicate, the server's manifest). */
void
ex_free_file(struct ex_file *f)
{
	free(f->pub.path);
	free(f->pub.entry);
	free(f->pub.error);
	free(f->link);
	free(f);
}

static int
ex_cmp_file(const void *a, const void *b)
{
	const struct ex_file *x = *(struct ex_file *const *)a, *y = *(struct ex_file *const *)b;

	return strcmp(x->pub.path, y->pub.path);
}

static int
ex_cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*
 * Sort files[from..] by path, drop duplicates and paths already present before from
 * (a fallback after a partial archive), then name them in that order.
 */
static void
ex_finish_batch(struct export_job *j, size_t from)
{
	size_t n_old = from, k = from;
	char **old = NULL;

	if (j->n_files - from > 1)
		qsort(j->files + from, j->n_files - from, sizeof(*j->files), ex_cmp_file);
	if (n_old) {
		old = xmalloc(n_old * sizeof(*old));
		for (size_t i = 0; i < n_old; i++)
			old[i] = j->files[i]->pub.path;
		qsort(old, n_old, sizeof(*old), ex_cmp_str);
	}
	for (size_t i = from; i < j->n_files; i++) {
		struct ex_file *f = j->files[i];
		bool dup = k > from && !strcmp(j->files[k - 1]->pub.path, f->pub.path);

		if (!dup && old && bsearch(&f->pub.path, old, n_old, sizeof(*old), ex_cmp_str))
			dup = true;
		if (dup) {
			free(f->pub.path);
			free(f->pub.error);
			free(f->link);
			free(f);
			continue;
		}
		j->files[k++] = f;
	}
	j->n_files = k;
	free(old);
	for (size_t i = from; i < j->n_files; i++)
		if (j->files[i]->pub.state != EXPORT_FILE_DELETED &&
		    j->files[i]->pub.state != EXPORT_FILE_EXCLUDED)
			ex_name(j, j->files[i]);
}

static void
ex_list_failed(struct export_job *j, const struct api_error *err)
{
	char *m = xasprintf("cannot list the workspace: %s", err->message);

	j->fail_kind = err->kind;
	ex_abort(j, EXPORT_FAILED, m);
	free(m);
}

/* EXPORT_SELECTED: each selected path is a file, or a directory whose files are taken. */
static void
ex_select(struct export_job *j, const struct api_file_list *l)
{
	for (size_t s = 0; s < j->n_sel; s++) {
		const char *p = j->sel[s];
		size_t pl = strlen(p);
		bool found = false;

		for (size_t i = 0; i < l->count; i++) {
			const struct api_file *af = &l->items[i];

			if (af->type != API_FILE)
				continue;
			if (pl == 0 || !strcmp(af->path, p) ||
			    (!strncmp(af->path, p, pl) && af->path[pl] == '/')) {
				ex_add_listed(j, af);
				found = true;
			}
		}
		/* A path below a symbolic link is not in the workspace: downloading it would go
		 * through the link to wherever it points. */
		const char *through = NULL;
		for (size_t i = 0; !found && i < l->count; i++) {
			size_t ll = strlen(l->items[i].path);
			if (l->items[i].link && ll < pl && !strncmp(p, l->items[i].path, ll) && p[ll] == '/')
				through = l->items[i].path;
		}
		if (through) {
			struct ex_file *f = ex_add_file(j, p, 0, -1);
			if (f->pub.state == EXPORT_FILE_QUEUED) {
				char *why = xasprintf("below the symbolic link %s, which is not followed", through);
				f->pub.state = EXPORT_FILE_EXCLUDED;
				f->pub.error = why;
			}
			continue;
		}
		/* A path the walk did not show (pruned .git, a bound) is still tried: the
		 * download says whether it exists. A directory that showed up empty adds nothing. */
		bool is_dir = false;
		for (size_t i = 0; !found && i < l->count; i++)
			if (l->items[i].type == API_DIR && !strcmp(l->items[i].path, p))
				is_dir = true;
		if (!found && !is_dir && pl)
			ex_add_file(j, p, -1, -1);
	}
}

static void
ex_walk_done(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct export_job *j = ud;
	size_t from = j->n_files;

	j->list_op = NULL;
	if (err) {
		ex_list_failed(j, err);
		return;
	}
	if (j->mode == EXPORT_SELECTED) {
		ex_select(j, files);
	} else {
		for (size_t i = 0; i < files->count; i++) {
			const struct api_file *af = &files->items[i];

			if (af->type == API_DIR && j->mode == EXPORT_ALL)
				ex_add_dir(j, af->path, af->mode);
			if (af->type != API_FILE)
				continue;
			struct ex_file *f = ex_add_listed(j, af);
			if (j->mode == EXPORT_CHANGED && af->change == API_CHANGE_DELETED &&
			    f->pub.state != EXPORT_FILE_EXCLUDED) {
				f->pub.state = EXPORT_FILE_DELETED;
				f->pub.size = 0;
			}
		}
	}
	ex_finish_batch(j, from);
	if (j->git_op)
		return;	/* the files inside .git are still being listed: start with both */
	j->listed = true;
	j->phase = EXPORT_RUNNING;
	ex_kick(j);
}

static void
ex_git_walk_done(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct export_job *j = ud;
	size_t from = j->n_files;

	j->git_op = NULL;
	if (err) {
		ex_list_failed(j, err);
		return;
	}
	for (size_t i = 0; i < files->count; i++)
		if (files->items[i].type == API_FILE)
			ex_add_listed(j, &files->items[i]);
	ex_finish_batch(j, from);
	if (j->list_op)
		return;	/* the listing itself is still coming */
	j->listed = true;
	j->phase = EXPORT_RUNNING;
	ex_kick(j);
}

void
ex_start_walk(struct export_job *j)
{
	if (j->mode == EXPORT_EVENTS_ONLY) {
		/* nothing to list: the archive holds the events and the metadata */
		struct api_file_list none = {0};
		ex_walk_done(j, &none, NULL);
		return;
	}
	if (j->mode == EXPORT_ALL && !j->arc.walked && !j->git_walked && j->conv.version == API_V1 &&
	    !j->conv.local) {
		/* the listing prunes .git; the archive keeps it: so that both give the same ZIP,
		 * the walk lists the repositories' files too, beside the listing (credentials are
		 * left out by ex_add_file, as from every source) */
		j->git_walked = true;
		api_op_hold(&j->git_op, api_walk_git(j->c, &j->conv, ex_git_walk_done, j));
	}
	if (j->have_prelist) {
		/* the listing taken before the archive: no second one */
		struct api_file_list l = j->prelist;
		memset(&j->prelist, 0, sizeof(j->prelist));
		j->have_prelist = false;
		ex_walk_done(j, &l, NULL);
		api_file_list_free(&l);
		return;
	}
	if (j->mode == EXPORT_CHANGED)
		api_op_hold(&j->list_op, api_changes(j->c, &j->conv, ex_walk_done, j));
	else
		api_op_hold(&j->list_op, api_walk(j->c, &j->conv, ex_walk_done, j));
}

/*
 * Above EX_WALK_ABOVE_BYTES the walk is preferred to an agent-server archive. Measured (bench/agent_archive.sh,
 * the fake packing at the real server's 23 MB/s, R10): 200 MB took 10.3 s through the archive
 * and 1.3 s by the walk on loopback; the archive only pays where the bandwidth is below about
 * half its packing rate. Past 1 GiB its silence before the first byte (47 s at 23 MB/s) also
 * nears the 60 s idle timeout of common ingress proxies, which would cut it and waste the
 * build; smaller workspaces keep the archive, which also brings .git along.
 */
void
ex_prelist_done(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct export_job *j = ud;
	int64_t total = 0;

	j->list_op = NULL;
	if (err) {
		ex_list_failed(j, err);
		return;
	}
	for (size_t i = 0; i < files->count; i++)
		if (files->items[i].type == API_FILE && !files->items[i].link && files->items[i].size > 0)
			total += files->items[i].size;
	j->prelist = *files;
	memset(files, 0, sizeof(*files));
	j->have_prelist = true;
	j->listed_bytes = total;
	if (total > j->walk_above) {
		http_note(api_client_http(j->c), "the workspace holds %lld bytes, more than %lld: the agent-server "
			  "would pack them for about %lld s before sending a byte, so the files are fetched one "
			  "by one instead of as its archive", (long long)total, (long long)j->walk_above,
			  (long long)(total / 23000000));
		ex_start_walk(j);
		return;
	}
	http_note(api_client_http(j->c), "the workspace holds %lld bytes: taking the agent-server's archive "
		  "(about %lld s of packing first)", (long long)total, (long long)(total / 23000000));
	if (!ex_start_archive(j))
		ex_start_walk(j);
}

/*
 * EXPORT_SELECTED on a V1 agent-server, the listing in: a selected directory the server
 * packs as itself (ex_dir_packs_itself) comes as one tar.gz of it, re-packed like the
 * workspace's (export_repack.c; its members "<basename>/..." go back under it), and the walk
 * over this same listing then fetches the rest of the selection one by one: loose files,
 * other directories, what the archive left out. 500 files of one directory at 20 ms are one
 * request instead of 500 (bench/parallel.sh). Only the first such directory: the re-pack
 * holds one archive.
 */
void
ex_sel_prelist_done(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct export_job *j = ud;
	const char *dir = NULL;
	int64_t total = 0;

	j->list_op = NULL;
	if (err) {
		ex_list_failed(j, err);
		return;
	}
	for (size_t s = 0; s < j->n_sel && !dir; s++)
		if (*j->sel[s] && ex_dir_packs_itself(files, j->sel[s]))
			dir = j->sel[s];
	for (size_t i = 0; dir && i < files->count; i++) {
		const struct api_file *af = &files->items[i];
		size_t dl = strlen(dir);
		if (af->type == API_FILE && !af->link && af->size > 0 && !strncmp(af->path, dir, dl) && af->path[dl] == '/')
			total += af->size;
	}
	j->prelist = *files;
	memset(files, 0, sizeof(*files));
	j->have_prelist = true;
	j->listed_bytes = total;	/* the bomb limits: what the archive may hold */
	if (!dir || total > j->walk_above) {
		ex_start_walk(j);
		return;
	}
	http_note(api_client_http(j->c), "%s holds %lld bytes and is no repository: taking it as one agent-server "
		  "archive", dir, (long long)total);
	j->arc.dir = xstrdup(dir);
	j->arc.walked = false;
	if (!ex_start_archive(j)) {
		free(j->arc.dir);
		j->arc.dir = NULL;
		ex_start_walk(j);
	}
}

struct ex_dir {
	char *path;	/* first: ex_cmp_str compares it */
	unsigned mode;
};

/*
 * Directory entries for the empty directories (a tar member or a listed directory with no
 * entry below it), so they survive the round trip; non-empty ones are implied by their
 * files. Returns true when the archive failed.
 */
bool
ex_write_empty_dirs(struct export_job *j)
{
	char err[512] = "";

	if (!j->n_dirs)
		return false;
	char **all = xmalloc((j->n_files + j->n_dirs) * sizeof(*all));
	size_t n = 0;
	/* every file counts, written or not: a directory whose only file failed, or holds only
	 * credentials, is not empty in the workspace */
	for (size_t i = 0; i < j->n_files; i++)
		all[n++] = j->files[i]->pub.path;
	for (size_t i = 0; i < j->n_dirs; i++)
		all[n++] = j->dirs[i];
	qsort(all, n, sizeof(*all), ex_cmp_str);
	bool failed = false;
	const char *last = NULL;
	/* in path order, so a directory both listed and packed is seen twice in a row */
	struct ex_dir *order = xmalloc(j->n_dirs * sizeof(*order));
	for (size_t i = 0; i < j->n_dirs; i++)
		order[i] = (struct ex_dir){j->dirs[i], j->dir_modes[i]};
	qsort(order, j->n_dirs, sizeof(*order), ex_cmp_str);	/* path is the first member */
	for (size_t oi = 0; oi < j->n_dirs && !failed; oi++) {
		const char *d = order[oi].path;
		unsigned mode = order[oi].mode;
		size_t dl = strlen(d);
		if (last && !strcmp(last, d))
			continue;	/* listed and packed both */
		/* the entry after d in path order is below d exactly when d is not empty ('/' sorts
		 * before every other byte a name may hold after it, except the few below it: check
		 * all candidates that share the prefix) */
		char **pos = bsearch(&d, all, n, sizeof(*all), ex_cmp_str);
		bool empty = true;
		for (char **q = pos ? pos : all; q < all + n && !strncmp(*q, d, dl); q++)
			if ((*q)[dl] == '/')
				empty = false;
		last = d;
		if (!empty)
			continue;
		char *san = names_sanitize(d, dl);
		if (!san)
			continue;
		char *name = xasprintf("%s/", names_set_unique(j->names, san));
		free(san);
		if (zipout_add_dir(j->z, name, j->export_time, mode, err, sizeof(err))) {
			ex_zip_failed(j, err);
			failed = true;
		}
		free(name);
	}
	free(order);
	free(all);
	return failed;
}

/* ------------------------------------------------------------ the archive's root */

static bool
ex_has_repo(char *const *gits, size_t n, const char *dir, size_t dl)
{
	for (size_t i = 0; i < n; i++)
		if (strlen(gits[i]) == dl && !strncmp(gits[i], dir, dl))
			return true;
	return false;
}

/* A directory the server's search may enter: no hidden or vendored component, depth <= 3. */
static bool
ex_repo_searchable(const char *path)
{
	static const char *const skip[] = {"node_modules", "venv", "site-packages", "vendor"};
	int depth = 0;

	for (const char *c = path; *c;) {
		size_t n = strcspn(c, "/");

		if (c[0] == '.')
			return false;
		for (size_t k = 0; k < ARRAY_SIZE(skip); k++)
			if (n == strlen(skip[k]) && !strncmp(c, skip[k], n))
				return false;
		depth++;
		c += n + (c[n] == '/');
	}
	return depth <= 3;
}

/* The listing prints every .git (and prunes it): where the repositories are, as the
 * directories holding them ("" the root), malloc'd; a V1 walk's list carries them in repos
 * (the .git entries themselves are taken out of it). */
static char **
ex_list_gits(const struct api_file_list *l, size_t *n)
{
	char **gits = NULL;

	*n = 0;
	for (size_t i = 0; i < l->n_repos; i++) {
		gits = xrealloc(gits, (*n + 1) * sizeof(*gits));
		gits[(*n)++] = xstrdup(l->repos[i]);
	}
	for (size_t i = 0; i < l->count; i++) {
		size_t pl = strlen(l->items[i].path);
		if (!l->items[i].link && pl >= 4 && !strcmp(l->items[i].path + pl - 4, ".git") &&
		    (pl == 4 || l->items[i].path[pl - 5] == '/')) {
			gits = xrealloc(gits, (*n + 1) * sizeof(*gits));
			gits[(*n)++] = xstrndup(l->items[i].path, pl > 4 ? pl - 5 : 0);
		}
	}
	return gits;
}

/* The search of _resolve_git_repo_root below dir (dl 0: the whole workspace), over our
 * listing: how many repositories it finds (counting stops at 2, all the rule needs), the
 * first of them in *first (malloc'd; NULL when none). Hidden and vendored directories, links
 * and what lies inside a repository already found are not entered; depth 3 at most. */
static int
ex_repos_below(const struct api_file_list *l, char *const *gits, size_t n_gits, const char *dir, size_t dl,
	       char **first)
{
	char *found = NULL;
	int count = 0;

	for (size_t i = 0; count < 2 && i < l->count; i++) {
		const struct api_file *d = &l->items[i];
		size_t fl = found ? strlen(found) : 0;

		if (d->type != API_DIR || d->link)
			continue;
		if (dl && (strncmp(d->path, dir, dl) || d->path[dl] != '/'))
			continue;
		if (!ex_repo_searchable(d->path + (dl ? dl + 1 : 0)) ||
		    !ex_has_repo(gits, n_gits, d->path, strlen(d->path)))
			continue;
		if (found && !strncmp(d->path, found, fl) && d->path[fl] == '/')
			continue;	/* inside a repository already found */
		if (!found)
			found = xstrdup(d->path);
		count++;
	}
	*first = found;
	return count;
}

/*
 * Whether the agent-server, asked for the directory dir (workspace-relative, not the root),
 * would pack dir itself by its _resolve_git_repo_root (openhands-api-2026.md 2.2): dir holds
 * no .git of its own (the brief keeps a repository per file: its archive would bring .git,
 * which the selection's listing never shows), and the search below it, to depth 3 with
 * hidden and vendored directories and links skipped and found repositories not entered,
 * finds zero or several repositories, not exactly one (that one would be packed instead).
 */
bool
ex_dir_packs_itself(const struct api_file_list *l, const char *dir)
{
	size_t n_gits, dl = strlen(dir);
	char **gits = ex_list_gits(l, &n_gits), *found = NULL;
	int count = 0;
	bool is_dir = false;

	for (size_t i = 0; i < l->count; i++)
		if (l->items[i].type == API_DIR && !l->items[i].link && !strcmp(l->items[i].path, dir))
			is_dir = true;
	bool own = ex_has_repo(gits, n_gits, dir, dl);
	if (is_dir && !own)
		count = ex_repos_below(l, gits, n_gits, dir, dl, &found);
	for (size_t i = 0; i < n_gits; i++)
		free(gits[i]);
	free(gits);
	free(found);
	return is_dir && !own && count != 1;
}

/*
 * The server's _resolve_git_repo_root over our listing (openhands-api-2026.md 2.2): the path
 * itself when it holds .git, else the one repository found up to depth 3 (hidden and vendored
 * directories and links skipped, found repositories not entered), else the path. The tar's
 * first component (the packed directory's name) must agree, which also tells a 2025 server
 * (no search: always the path) from a 2026 one; when both readings fit, NULL.
 */
char *
ex_guess_repo_root(const struct export_job *j, const char *top, size_t top_len)
{
	const char *hook = getenv("OHBROWSE_REPACK_GUESS");	/* test hook: a wrong guess */
	const struct api_file_list *l = &j->prelist;
	const char *root = api_workspace_root(j->c, &j->conv), *slash;
	char **gits = NULL, *found = NULL;
	size_t n_gits = 0;
	int count = 0;

	if (hook)
		return xstrdup(hook);
	if (j->arc.dir) {
		/* one selected directory, chosen because the server packs it itself (ex_dir_packs_
		 * itself()): its members are "<basename>/" */
		const char *ds = strrchr(j->arc.dir, '/');
		const char *db = ds ? ds + 1 : j->arc.dir;
		return strlen(db) == top_len && !strncmp(db, top, top_len) ? xstrdup(j->arc.dir) : NULL;
	}
	if (!j->have_prelist)
		return NULL;
	gits = ex_list_gits(l, &n_gits);
	if (!ex_has_repo(gits, n_gits, "", 0))
		count = ex_repos_below(l, gits, n_gits, "", 0, &found);
	for (size_t i = 0; i < n_gits; i++)
		free(gits[i]);
	free(gits);
	if (count != 1) {
		free(found);
		found = NULL;
	}
	slash = root ? strrchr(root, '/') : NULL;
	const char *base0 = slash ? slash + 1 : root ? root : "";
	const char *fs = found ? strrchr(found, '/') : NULL;
	const char *base1 = fs ? fs + 1 : found;
	bool is0 = strlen(base0) == top_len && !strncmp(base0, top, top_len);
	bool is1 = base1 && strlen(base1) == top_len && !strncmp(base1, top, top_len);
	char *out = is0 && !is1 ? xstrdup("") : is1 && !is0 ? xstrdup(found) : NULL;
	free(found);
	return out;
}

bool
ex_list_restart(struct export_job *j)
{
	char msg[512];

	for (size_t i = 0; i < j->n_files; i++) {
		ex_file_stop(j, j->files[i]);
		ex_free_file(j->files[i]);
	}
	j->n_files = 0;
	j->head = 0;
	j->wf = NULL;
	for (size_t i = 0; i < j->n_dirs; i++)
		free(j->dirs[i]);
	j->n_dirs = 0;
	names_set_free(j->names);
	j->names = names_set_new();
	names_set_reserve(j->names, EX_META_NAME);
	if (j->ev_state != EV_NONE) {
		names_set_reserve(j->names, EX_EVENTS_JSON);
		names_set_reserve(j->names, EX_EVENTS_MD);
	}
	j->staged_bytes = 0;
	j->staged_check = 0;
	zipout_abort(j->z);	/* removes the .part; the same name is free again */
	struct zipout_opts zo = { .level = -1, .zip64_compat = j->zip_compat, .default_mtime = j->export_time };
	j->z = zipout_open(j->planned_path, &zo, msg, sizeof(msg));
	if (!j->z) {
		ex_abort(j, EXPORT_FAILED, msg);
		return false;
	}
	return true;
}
