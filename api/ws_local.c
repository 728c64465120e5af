/*
 * api/ws_local.c: the workspace of a local conversation, on this machine's disk.
 *
 * Owns: the dispatch of each workspace kind to api/local.h (walk, changes, diff, the head
 * of a file, a file copy), and what a local workspace has not (a server archive). No
 * request is made; results still arrive from the loop, like every result (op_later).
 */
#include "api/workspace.h"

#include <stdlib.h>
#include <string.h>

#include "api/local.h"
#include "src/base/util.h"

void
local_ws_run(struct api_op *op)
{
	struct ws_state *s = op->state;
	const char *root = s->rt.conv.local_workspace;
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
		if (local_walk(root, s->kind == WS_LIST_DIR ? s->dir : "", s->kind == WS_LIST_DIR,
			       op->c->walk_max_depth, op->c->walk_max_files, &s->list, &e) != 0) {
			ws_fail(op, &e);
			return;
		}
		ws_deliver_files(op);
		break;
	case WS_CHANGES:
		if (local_changes(root, &s->list, &e) != 0) {
			ws_fail(op, &e);
			return;
		}
		ws_deliver_files(op);
		break;
	case WS_ARCHIVE:
		/* the export then reads the files one by one, which is just as fast on disk */
		api_error_set(&e, API_ERR_UNSUPPORTED, 0, "a local workspace has no server archive");
		ws_fail(op, &e);
		break;
	case WS_DIFF: {
		char *text = NULL;
		if (local_diff(root, s->path, &text, &e) != 0) {
			ws_fail(op, &e);
			return;
		}
		ws_deliver_text(op, text, strlen(text), false, false);
		free(text);
		break;
	}
	case WS_PREVIEW: {
		char *text = NULL;
		size_t len = 0;
		bool cut = false;
		if (local_read_head(root, s->path, s->max_bytes, &text, &len, &cut, &e) != 0) {
			ws_fail(op, &e);
			return;
		}
		ws_deliver_text(op, text, len, looks_binary(text, len, cut), cut);
		free(text);
		break;
	}
	case WS_FETCH:
	case WS_KIND_COUNT: {
		struct api_xfer_result r = {0};
		if (local_copy_file(root, s->path, s->fd, &r.bytes, &e) != 0) {
			ws_fail(op, &e);
			return;
		}
		if (s->progress)
			s->progress(s->ud, r.bytes, r.bytes);
		r.content_type = "application/octet-stream";
		ws_deliver_xfer(op, &r);
		break;
	}
	}
}
