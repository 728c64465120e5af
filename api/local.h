/*
 * api/local.h: conversations saved on this machine (openhands-api.md section 9).
 * (api/local.c: conversations and events; api/local_job.c, local_walk.c, local_git.c: workspace.)
 *
 * Owns: finding and reading the OpenHands persistence directories --
 *  - SDK / CLI V1: <dir>/<hex id>/base_state.json (+ meta.json from the
 *    agent-server) and events/event-NNNNN-<event id>.json (5+ digits);
 *    older files say agent_status instead of execution_status;
 *  - V0 file store: sessions/<sid>/metadata.json and events/<N>.json;
 * and the conversation's workspace when it exists locally (listing with a rough
 * .gitignore, git changes via `git status`, previews, diffs, copies).
 *
 * Conversations and events are read synchronously, kept incremental where a
 * directory can be huge: listing conversations reads only base_state.json and
 * the first and last event files of each; event files are read page by page.
 * Workspace ops, which can meet a 5 GB file or 200,000 files, run in steps (below).
 * Nothing under the persistence directory is ever written (files are opened
 * read-only; git runs with GIT_OPTIONAL_LOCKS=0 so `git status` leaves the index
 * alone).
 */
#ifndef OHBROWSE_API_LOCAL_H
#define OHBROWSE_API_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/events.h"
#include "api/types.h"

/*
 * The default conversations directory: $OPENHANDS_CONVERSATIONS_DIR, else
 * $OPENHANDS_PERSISTENCE_DIR/conversations, else ~/.openhands/conversations. Caller frees.
 */
char *local_default_dir(void);

/*
 * A scan of a conversations directory: the candidate conversation directories, newest
 * first by modification time, found without reading any file. Looks at DIR itself (when it
 * is one conversation), DIR/<each>, DIR/sessions/<each>, and -- when DIR is named
 * "conversations" -- the sibling ../sessions/<each> of the V0 file store.
 */
struct local_scan;
struct local_scan *local_scan_open(const char *dir, struct api_error *err);
size_t local_scan_count(const struct local_scan *s);
/* Load the next up to max conversations into rows (appended; *n updated, *cap grown).
 * Directories that turn out not to be conversations are skipped. Returns how many were
 * loaded; 0 when the scan is exhausted. */
size_t local_scan_next(struct local_scan *s, size_t max, struct api_conversation **rows, size_t *n,
		       size_t *cap);
bool local_scan_more(const struct local_scan *s);
void local_scan_free(struct local_scan *s);

/* Load one conversation directory. Returns -1 when it holds no conversation. */
int local_conversation_load(const char *conv_dir, struct api_conversation *out);
/* Find a conversation by id (32 hex, dashed UUID, V0 sid, or a unique prefix of 6+). */
int local_find(const char *dir, const char *id, struct api_conversation *out, struct api_error *err);

/* ---- events */

struct local_events;
/* Lists the event files (no file is read yet). Fails when the conversation has no events dir. */
struct local_events *local_events_open(const struct api_conversation *conv, struct api_error *err);
size_t local_events_count(const struct local_events *le);
/* Decode events [from, from + n) into out (appended). Unreadable or corrupt files become
 * API_EVENT_CORRUPT rows naming the file. */
void local_events_read(struct local_events *le, size_t from, size_t n, bool keep_raw,
		       struct api_event_list *out);
void local_events_free(struct local_events *le);

/* ---- workspace (conv->local_workspace): ops in steps, never a blocking call
 *
 * Each op is a job the engine steps from http_perform() (struct http_work, api/http.h): a
 * file is read or copied a slice at a time, a walk reads a bounded number of entries per
 * step and sorts in bounded merges, git runs with its output on a non-blocking pipe whose
 * fd joins http_wait(). One step takes about LOCAL_STEP_US (2 ms), so keys and frames keep
 * coming while a 5 GB file is copied or 200,000 files are listed. done runs exactly once,
 * always from a step (never from the start call), unless the job is freed first; the job
 * stays valid inside done and the caller frees it (also from inside done).
 * Implemented in api/local_job.c (files), api/local_walk.c, api/local_git.c.
 */
struct http;
struct local_job;
typedef void (*local_done_fn)(void *ud, struct local_job *job);
typedef void (*local_progress_fn)(void *ud, int64_t done, int64_t total);

/* The whole tree below root, files and directories, relative paths, sorted; .git is skipped
 * and .gitignore patterns are honoured roughly (no ** and no character classes beyond
 * fnmatch's). Bounded like the cloud walk: more than max_files entries is an error. */
struct local_job *local_walk_start(struct http *h, const char *root, const char *dir, bool children_only,
				   int max_depth, size_t max_files, local_done_fn done, void *ud);
/* Git changes of the working tree (git status), relative to root; API_ERR_NOT_FOUND when
 * root is not in a git repository or git is not installed. */
struct local_job *local_changes_start(struct http *h, const char *root, local_done_fn done, void *ud);
/* The first max bytes of a file. */
struct local_job *local_head_start(struct http *h, const char *root, const char *rel, size_t max,
				   local_done_fn done, void *ud);
/* Copy a file to fd (from its current position); progress after every slice. */
struct local_job *local_copy_start(struct http *h, const char *root, const char *rel, int fd,
				   local_progress_fn progress, local_done_fn done, void *ud);
/* Unified diff of a changed file against HEAD. */
struct local_job *local_diff_start(struct http *h, const char *root, const char *rel, local_done_fn done,
				   void *ud);

/* Results, valid inside done. NULL when the op succeeded. */
const struct api_error *local_job_error(const struct local_job *j);
/* walk, changes: the list (the caller may take its items and leave it empty). */
struct api_file_list *local_job_files(struct local_job *j);
/* head, diff: the text (NUL-terminated); *truncated: head stopped at max. */
const char *local_job_text(const struct local_job *j, size_t *len, bool *truncated);
/* copy: the bytes copied. */
int64_t local_job_bytes(const struct local_job *j);
/* Stop (a running git is killed and reaped without waiting) and free; done never runs. */
void local_job_free(struct local_job *j);

#endif
