/*
 * api/workspace.h: the workspace op api/workspace.c, ws_v0.c, ws_v1.c and ws_local.c share
 * (internal to api/).
 *
 * Owns nothing itself: it declares the state of a workspace op (one struct for every kind,
 * told apart by enum ws_kind), the helpers api/workspace.c defines for all of them, and the
 * first step of each kind on each kind of workspace -- the entries of the one dispatch
 * table in api/workspace.c.
 */
#ifndef OHBROWSE_API_WORKSPACE_H
#define OHBROWSE_API_WORKSPACE_H

#include <stdio.h>

#include "api/changes.h"
#include "api/op.h"

struct chunk {
	bool have;
	int exit_code;
	char *out;
	size_t out_len;
	char *err;
};

/* What a workspace op is: the one key of the dispatch table (api/workspace.c). */
enum ws_kind {
	WS_LIST_DIR,	/* api_list_dir */
	WS_WALK,	/* api_walk */
	WS_WALK_GIT,	/* api_walk_git */
	WS_CHANGES,	/* api_changes */
	WS_PREVIEW,	/* api_preview */
	WS_DIFF,	/* api_diff */
	WS_FETCH,	/* api_fetch_file */
	WS_ARCHIVE,	/* api_fetch_archive */
	WS_KIND_COUNT
};

struct ws_state {
	enum ws_kind kind;
	struct rt rt;
	api_files_fn files_done;
	api_text_fn text_done;
	api_xfer_fn xfer_done;
	api_xfer_progress_fn progress;
	void *ud;
	struct api_error err;		/* set before a deferred error delivery */
	struct api_file_list list;
	char *path;			/* preview, diff, fetch: workspace-relative */
	char *dir;			/* list_dir: workspace-relative, "" = root */
	size_t max_bytes;
	int fd;
	struct local_job *local;	/* a local conversation: its job, stepped by the engine */
	/* V0 walk */
	int dirs_pending;
	/* V1 commands through bash (the listing, a repository's changes) */
	char *cmd_id;
	struct chunk *chunks;
	size_t n_chunks;
	int64_t poll_started_ms;
	void (*bash_done)(struct api_op *op);	/* every chunk is in */
	int relists;			/* listings that came back damaged (R7) */
	/* V1 changes: the listing, its repositories, which of them the bash API recomputes */
	struct api_file_list tree;
	struct changes_repos repos;
	bool *repo_fallback;
	size_t repos_pending;
	size_t fallback_at;		/* next repository to recompute */
	char *fallback_why;		/* why the first one was recomputed (for the error) */
	bool no_repos;			/* the listing found no .git: only the root is asked */
	/* V0 select-file streaming */
	struct json_code_stream *cs;
	FILE *tmp;
	bool cut;			/* preview: stopped on purpose */
	bool old_route;			/* V1: the server only has the old /path routes */
};

/* ---- api/workspace.c: shared by every kind */
const char *ws_root(const struct api_op *op);		/* the conversation's workspace root */
char *abs_path(const char *root, const char *rel);	/* "" = the root */
char *rel_path(const char *root, const char *p);	/* root prefix and slashes stripped */
char *url_with_query(const char *base, const char *route, const char *key, const char *value);
char *escape_path(const char *p);			/* per segment, slashes kept */
int cmp_file_path(const void *a, const void *b);	/* struct api_file by path */
bool looks_binary(const char *t, size_t n, bool truncated);
void ws_fail(struct api_op *op, const struct api_error *e);	/* the op's fail */
void ws_deliver_files(struct api_op *op);	/* s->list, sorted, to files_done */
void ws_deliver_text(struct api_op *op, const char *text, size_t len, bool binary, bool cut);
void ws_deliver_xfer(struct api_op *op, const struct api_xfer_result *r);
/* Progress of a transfer, in the file's bytes where the body is the file itself. */
void ws_file_progress(void *ud, int64_t done, int64_t total);
/* Completions both generations share: the archive and the diff answer. */
void ws_archive_done(struct api_op *op, const struct http_result *res, void *arg);
void ws_diff_done(struct api_op *op, const struct http_result *res, void *arg);

/* ---- the first step of each kind: V0 (api/ws_v0.c) */
void v0_walk_start(struct api_op *op);		/* WS_WALK, WS_LIST_DIR */
void v0_changes_start(struct api_op *op);
void v0_preview_start(struct api_op *op);
void v0_fetch_start(struct api_op *op);
void v0_diff_start(struct api_op *op);
void v0_archive_start(struct api_op *op);

/* ---- V1 (api/ws_v1.c) */
void v1_walk_start(struct api_op *op);		/* WS_WALK, WS_LIST_DIR, WS_WALK_GIT */
void v1_changes_start(struct api_op *op);
void v1_fetch_start(struct api_op *op);		/* WS_PREVIEW, WS_FETCH */
void v1_diff_start(struct api_op *op);
void v1_archive_start(struct api_op *op);

/* ---- local conversations (api/ws_local.c): every kind but WS_WALK_GIT, on disk */
void local_ws_run(struct api_op *op);

#endif
