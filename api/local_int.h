/*
 * api/local_int.h: what the api/local*.c files share (internal to them).
 *
 * Owns nothing itself: it declares the file helpers of api/local.c (whole small files,
 * paths that stay inside a root), the workspace job of api/local_job.c that every stepped
 * local op is, and the per-kind starters of api/local_walk.c and api/local_git.c.
 */
#ifndef OHBROWSE_API_LOCAL_INT_H
#define OHBROWSE_API_LOCAL_INT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/http.h"
#include "api/local.h"
#include "src/base/util.h"

/* How long one step of one job may take. Keys and frames come between steps, so this plus
 * a frame is the latency a local op adds (bench/local_latency.sh: key-to-frame <= 50 ms). */
#define LOCAL_STEP_US 2000
/* And by work, so that a fast machine still takes steps (and the tests can count them):
 * bytes a copy moves, entries a walk reads in one step. */
#define LOCAL_STEP_BYTES (8u << 20)
#define LOCAL_STEP_ENTRIES 4096

/* ---- api/local.c: file helpers */

/* Read a whole regular file (at most max bytes). NULL with errno set on failure; a FIFO or
 * a device is refused (EINVAL) without waiting on it. */
char *local_slurp(const char *path, size_t max, size_t *len);
bool local_is_dir(const char *path);
const char *local_base_name(const char *p);
/* A relative path that stays inside the root: no "..", not absolute. */
bool local_rel_ok(const char *rel);
int local_file_cmp(const void *a, const void *b);	/* struct api_file by path */
int64_t local_now_us(void);

/* ---- api/local_job.c: one stepped workspace op */

struct local_job {
	struct http *h;
	struct http_work work;		/* registered while the job runs */
	const char *root;		/* the workspace (owned: root_own) */
	char *root_own;
	local_done_fn done;
	local_progress_fn progress;
	void *ud;
	bool finished;			/* done has run, or is about to */
	/* results */
	struct api_error err;
	bool failed;
	struct api_file_list files;	/* walk, changes */
	struct strbuf text;		/* head, diff */
	bool truncated;
	int64_t bytes;			/* copy */
	/* the kind's own state, freed by free_impl; step does one slice of it */
	void (*step)(struct local_job *j);
	void (*free_impl)(struct local_job *j);
	void *impl;
};

/* A job on root, not yet registered. */
struct local_job *local_job_new(struct http *h, const char *root, local_done_fn done, void *ud);
/* Register it with the engine: step runs from http_perform() while busy or fd is readable. */
void local_job_run(struct local_job *j, int fd, bool busy);
/* Fail the job with err (already set in j->err) or succeed: done runs from the next step. */
void local_job_fail(struct local_job *j);
void local_job_succeed(struct local_job *j);
/* Open rel below root read-only without ever waiting (O_NONBLOCK: a FIFO named like a file
 * is refused, never opened for a read that could hang). -1 with err set. */
int local_open_rel(const char *root, const char *rel, struct api_error *err);

/* ---- api/local_walk.c, api/local_git.c: the kinds' starters (j is new, not registered) */

void local_walk_begin(struct local_job *j, const char *dir, bool children_only, int max_depth,
		      size_t max_files);
void local_changes_begin(struct local_job *j);
void local_diff_begin(struct local_job *j, const char *rel);

#endif
