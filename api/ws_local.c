/*
 * api/ws_local.c: the workspace of a local conversation, on this machine's disk.
 *
 * Owns: the dispatch of each workspace kind to a stepped job of api/local.h (walk, changes,
 * diff, the head of a file, a file copy: the engine steps it each turn, so nothing runs
 * whole inside the loop), and what a local workspace has not (a server archive). No
 * request is made; results still arrive from the op's own timer, like every result.
 */
#include "api/workspace.h"

#include <stdlib.h>
#include <string.h>

#include "api/local.h"
#include "src/base/util.h"

/* The job is done (from a step of the engine): deliver from the op's own timer, like
 * every other result, so the op's lifetime rules hold whatever the callback does. */
static void local_ws_deliver(struct api_op *op);

static void
local_ws_done(void *ud, struct local_job *job)
{
	(void)job;
	op_later(ud, 0, local_ws_deliver);
}

static void
local_ws_progress(void *ud, int64_t done, int64_t total)
{
	struct api_op *op = ud;
	struct ws_state *s = op->state;

	if (s->progress && !op->cancelled)
		s->progress(s->ud, done, total);
}

static void
local_ws_deliver(struct api_op *op)
{
	struct ws_state *s = op->state;
	const struct api_error *e = local_job_error(s->local);
	size_t len = 0;
	bool cut = false;

	if (e) {
		ws_fail(op, e);
		return;
	}
	switch (s->kind) {
	case WS_WALK:
	case WS_LIST_DIR:
	case WS_CHANGES: {
		/* sorted by path already (the walk sorts in steps; a second sort of 200,000 rows
		 * would be one long stall) */
		struct api_file_list *l = local_job_files(s->local);
		s->list = *l;
		*l = (struct api_file_list){0};
		op_finish(op);
		s->files_done(s->ud, &s->list, NULL);
		break;
	}
	case WS_DIFF: {
		const char *text = local_job_text(s->local, &len, NULL);
		ws_deliver_text(op, text, strlen(text), false, false);
		break;
	}
	case WS_PREVIEW: {
		const char *text = local_job_text(s->local, &len, &cut);
		ws_deliver_text(op, text, len, looks_binary(text, len, cut), cut);
		break;
	}
	case WS_WALK_GIT:
	case WS_ARCHIVE:
	case WS_FETCH:
	case WS_KIND_COUNT: {
		struct api_xfer_result r = {.bytes = local_job_bytes(s->local),
					    .content_type = "application/octet-stream"};
		if (s->progress)
			s->progress(s->ud, r.bytes, r.bytes);
		ws_deliver_xfer(op, &r);
		break;
	}
	}
}

void
local_ws_run(struct api_op *op)
{
	struct ws_state *s = op->state;
	const char *root = s->rt.conv.local_workspace;
	struct http *h = op->c->h;
	struct api_error e = {0};

	if (!root) {
		api_error_set(&e, API_ERR_UNSUPPORTED, 0,
			      "the local conversation \"%s\" has no workspace on this machine (its "
			      "working_dir does not exist here)", s->rt.conv.title ? s->rt.conv.title : s->rt.conv.id);
		ws_fail(op, &e);
		return;
	}
	switch (s->kind) {
	case WS_WALK_GIT:	/* a local .git is in the walk already: nothing to add */
		ws_deliver_files(op);
		break;
	case WS_WALK:
	case WS_LIST_DIR:
		s->local = local_walk_start(h, root, s->kind == WS_LIST_DIR ? s->dir : "", s->kind == WS_LIST_DIR,
					    op->c->walk_max_depth, op->c->walk_max_files, local_ws_done, op);
		break;
	case WS_CHANGES:
		s->local = local_changes_start(h, root, local_ws_done, op);
		break;
	case WS_ARCHIVE:
		/* the export then reads the files one by one, which is just as fast on disk */
		api_error_set(&e, API_ERR_UNSUPPORTED, 0, "a local workspace has no server archive");
		ws_fail(op, &e);
		break;
	case WS_DIFF:
		s->local = local_diff_start(h, root, s->path, local_ws_done, op);
		break;
	case WS_PREVIEW:
		s->local = local_head_start(h, root, s->path, s->max_bytes, local_ws_done, op);
		break;
	case WS_FETCH:
	case WS_KIND_COUNT:
		s->local = local_copy_start(h, root, s->path, s->fd, local_ws_progress, local_ws_done, op);
		break;
	}
}
