/*
 * api/client.h: the OpenHands endpoints, over the async engine in api/http.h.
 *
 * Owns: which URL and which key each request uses, V0/V1 routing, paging
 * tokens, wake-up polling, tree walks and transfers. Every operation is
 * asynchronous: it returns a struct api_op and later calls its completion
 * exactly once from http_perform() -- unless api_op_cancel() was called
 * first, after which it never calls back (the caller moved on; results are
 * dropped here, so callers need no stale-result checks for cancelled ops).
 * Freeing the client ends every op without calling back, and never runs the
 * engine (so no other subsystem's completion runs from inside it).
 *
 * Keys (security contract, asserted by tests against the fake server's log):
 *  - the account key goes only to the app server (--server), as
 *    "Authorization: Bearer" (or X-Session-API-Key in --auth=session mode);
 *  - a conversation's session_api_key goes only to that conversation's own
 *    runtime (V0 url) or agent-server (V1), as X-Session-API-Key;
 *  - no key is sent over plain http to a non-loopback host unless allow_http.
 */
#ifndef OHBROWSE_API_CLIENT_H
#define OHBROWSE_API_CLIENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/events.h"
#include "api/http.h"
#include "api/types.h"

/* Where conversations come from: the server, the local persistence directory, or both
 * (rows carry api_conversation.local). */
enum api_source {
	API_SOURCE_DEFAULT = 0,	/* in a lister's options: the client's source */
	API_SOURCE_CLOUD,
	API_SOURCE_LOCAL,
	API_SOURCE_BOTH,
};

enum api_auth_mode {
	API_AUTH_BEARER = 0,	/* Cloud: Authorization: Bearer <key> */
	API_AUTH_SESSION,	/* self-hosted with SESSION_API_KEY: X-Session-API-Key: <key> */
	API_AUTH_NONE,		/* self-hosted without auth */
};

struct api_client_config {
	const char *server;		/* app server base, e.g. https://app.all-hands.dev */
	const char *api_key;		/* may be NULL */
	enum api_auth_mode auth;
	bool allow_http;		/* permit keys over http:// to non-loopback hosts */
	const char *workspace_root;	/* default /workspace/project */
	struct http_limit app_limit;	/* default 10 rps, 6 connections */
	struct http_limit runtime_limit;/* V0 runtimes: default 10 rps, 6 connections */
	struct http_limit agent_limit;	/* V1 agent-servers: default no rate limit, 16 connections */
	int walk_max_depth;		/* default 64 */
	size_t walk_max_files;		/* default 200000 */
	long wake_timeout_ms;		/* default 180000 */
	/* V1 archive: how long the first byte may take (the agent-server builds the whole
	 * tar.gz first, R10: 92 s for 2 GB); default 900000. It is never asked for twice. */
	long archive_first_byte_ms;
	const char *local_dir;		/* local conversations (api/local.h); NULL = the default dir */
	enum api_source source;		/* default API_SOURCE_CLOUD */
	const char *org_id;		/* sent as X-Org-Id to the app server only; NULL = none */
	int retention_days;		/* paused sandboxes deleted this long after updated_at; 14 */
};

struct api_client;
struct api_op;

/* Fails (NULL + err) on a bad URL or a key that would go over plain http. */
struct api_client *api_client_new(struct http *h, const struct api_client_config *cfg,
				  struct api_error *err);
void api_client_free(struct api_client *c);	/* cancels every op still running */
struct http *api_client_http(struct api_client *c);
const char *api_client_workspace_root(const struct api_client *c);
/* The workspace root of a conversation: --workspace-root when given, else the agent-server's
 * workspace.working_dir (read at lookup), else /workspace/project. */
const char *api_workspace_root(const struct api_client *c, const struct api_conversation *conv);
int api_client_retention_days(const struct api_client *c);

/* The source listers and api_get_conversation use; the TUI switches it with one key. */
void api_client_set_source(struct api_client *c, enum api_source source);
enum api_source api_client_source(const struct api_client *c);
const char *api_client_local_dir(const struct api_client *c);

/*
 * Handles that cannot dangle. An op is freed once it delivered its result, so a pointer to
 * it kept by the caller must not outlive that:
 *  - api_op_hold(&owner->op, api_walk(...)) stores the op in the owner's handle, and the op
 *    clears that handle itself just before its completion runs (and when cancelled), so the
 *    handle is NULL exactly when no op of it is live;
 *  - api_op_cancel(&owner->op) cancels the op the handle names (none: nothing happens) and
 *    clears the handle: no completion will run. Cancelling an op from inside its own
 *    completion is harmless.
 * A handle holds one op: holding a new op in it lets the previous one go on unheld.
 */
struct api_op *api_op_hold(struct api_op **handle, struct api_op *op);	/* returns op */
void api_op_cancel(struct api_op **opp);

/* ---- conversations ---- */

/*
 * A lister merges V0 GET /api/conversations with V1 /api/v1/app-conversations/search
 * (when the server has it), de-duplicated by id (first seen wins). Each call to
 * api_lister_next() fetches the next page of every source that has more and delivers the
 * new rows (newest first within the batch). At most one next() may be in flight.
 */
struct api_lister_opts {
	int limit;			/* page size; default 100 */
	const char *title_contains;	/* server-side V1 filter, and applied client-side to V0 rows */
	enum api_source source;		/* default: the client's */
};
struct api_lister;
typedef void (*api_page_fn)(void *ud, struct api_conversation *rows, size_t n, bool more,
			    const struct api_error *err);	/* rows: callee-owned, copy what you keep */
struct api_lister *api_lister_new(struct api_client *c, const struct api_lister_opts *opts);
struct api_op *api_lister_next(struct api_lister *l, api_page_fn done, void *ud);
bool api_lister_more(const struct api_lister *l);
size_t api_lister_requests(const struct api_lister *l);	/* pages fetched so far */
void api_lister_free(struct api_lister *l);

/*
 * One conversation by id (api/conversation.c), V1 first: GET /api/v1/app-conversations?ids=
 * (plus the sandbox record GET /api/v1/sandboxes?id= when a RUNNING record lacks its URL),
 * then GET /api/conversations/{id} only where the server still has V0. HTML, 404 or 405
 * from a route means "this server has no such generation", never an error of its own;
 * NOT_FOUND when neither has the id. URL and session key are read fresh every time.
 * With a local source the local directory is searched (first, for API_SOURCE_BOTH).
 */
typedef void (*api_conv_fn)(void *ud, struct api_conversation *conv, const struct api_error *err);
struct api_op *api_get_conversation(struct api_client *c, const char *id, api_conv_fn done,
				    void *ud);

/*
 * Wake a conversation: V1 POST /api/v1/sandboxes/{sid}/resume (not sent when it runs
 * already), polled with backoff until RUNNING with an agent URL and the agent-server
 * answers /ready (the key rotates on resume: done gets the conversation as it is after);
 * V0 POST .../start. A deleted (MISSING) sandbox is NOT_FOUND with a message pointing at
 * its events. progress(ud, elapsed_ms, status) follows each poll. Times out after
 * wake_timeout_ms. Resuming can pause the user's oldest running sandboxes (Cloud keeps
 * 10 running): callers say so before they wake.
 */
typedef void (*api_wake_progress_fn)(void *ud, long elapsed_ms, const char *status);
struct api_op *api_wake(struct api_client *c, const struct api_conversation *conv,
			api_wake_progress_fn progress, api_conv_fn done, void *ud);

/* POST /api/v1/sandboxes/{sid}/pause: put back to sleep what ohbrowse woke (V1 only). */
typedef void (*api_status_fn)(void *ud, const struct api_error *err);	/* err NULL = ok */
struct api_op *api_pause(struct api_client *c, const struct api_conversation *conv,
			 api_status_fn done, void *ud);

/* GET /api/keys/current: the account key as the server sees it (Cloud only). */
typedef void (*api_key_info_fn)(void *ud, const struct api_key_info *k, const struct api_error *err);
struct api_op *api_whoami(struct api_client *c, api_key_info_fn done, void *ud);

/* ---- workspace ---- */

typedef void (*api_files_fn)(void *ud, struct api_file_list *files, const struct api_error *err);
/* files: callee-owned, may be moved from (take items and zero the list). */

/* One directory level (dir "" = the workspace root); V0 list-files, V1 via the full listing. */
struct api_op *api_list_dir(struct api_client *c, const struct api_conversation *conv,
			    const char *dir, api_files_fn done, void *ud);
/* The whole tree, files and directories, paths relative to the root, sorted by path.
 * V0: list-files walked concurrently (bounded by max depth / count: partial trees are an
 * error with kind API_ERR_SERVER and the message says the bound); V1: one find via bash. */
struct api_op *api_walk(struct api_client *c, const struct api_conversation *conv,
			api_files_fn done, void *ud);
/* V1: the files inside every .git below the root (the listing prunes them), so that a walked
 * export holds what the archive holds; credentials are the caller's to leave out. V0 and
 * local conversations deliver an empty list. */
struct api_op *api_walk_git(struct api_client *c, const struct api_conversation *conv,
			    api_files_fn done, void *ud);
/* Git changes (V0 letters / V1 words unified); paths relative to the workspace root. */
struct api_op *api_changes(struct api_client *c, const struct api_conversation *conv,
			   api_files_fn done, void *ud);

typedef void (*api_text_fn)(void *ud, const char *text, size_t len, bool binary, bool truncated,
			    const struct api_error *err);
/* The first max_bytes of a file as text; binary=true (text NULL) for binary content. */
struct api_op *api_preview(struct api_client *c, const struct api_conversation *conv,
			   const char *path, size_t max_bytes, api_text_fn done, void *ud);
/* Unified diff text for one changed file (made locally from original/modified). */
struct api_op *api_diff(struct api_client *c, const struct api_conversation *conv,
			const char *path, api_text_fn done, void *ud);

/*
 * Transfers to a caller-owned fd (a spool file: it is truncated before each retry).
 * api_fetch_file: V1 raw bytes (download?path=, falling back to the old /download/<path>);
 * V0 select-file decoded as it streams (text only: a binary file ends with kind
 * API_ERR_UNSUPPORTED and binary=true so the caller can take it from zip-directory).
 */
typedef void (*api_xfer_progress_fn)(void *ud, int64_t done, int64_t total);	/* total -1 = unknown */
struct api_xfer_result {
	int64_t bytes;
	bool binary;		/* V0 select-file refused a binary file (415) */
	const char *content_type;
	/* V1 archive: the directory the agent-server really packed (X-Archive-Repo-Root,
	 * percent-decoded; openhands-api-2026.md 2.2), absolute; NULL when it did not say */
	const char *repo_root;
};
typedef void (*api_xfer_fn)(void *ud, const struct api_xfer_result *r, const struct api_error *err);
struct api_op *api_fetch_file(struct api_client *c, const struct api_conversation *conv,
			      const char *path, int fd, api_xfer_progress_fn progress,
			      api_xfer_fn done, void *ud);
/*
 * The whole workspace as one server archive: V0 zip-directory (checked for the PK
 * signature: a body that is not a ZIP is an error saying so) or V1 /api/file/archive
 * tar.gz (API_ERR_UNSUPPORTED when the agent-server is too old to have it). The V1 archive
 * is requested once only: every request makes the sandbox build it again (R10); a timeout
 * or failure is for the caller to answer with the walk. progress(done 0, total -1) ticks
 * while the server is still packing.
 * r->content_type tells which ("application/zip" or "application/gzip").
 */
struct api_op *api_fetch_archive(struct api_client *c, const struct api_conversation *conv,
				 int fd, api_xfer_progress_fn progress, api_xfer_fn done, void *ud);
/* One directory (workspace-relative; NULL: the workspace, api_fetch_archive) as V1's tar.gz; the
 * agent-server packs the repository it resolves the path to (2.2). V0 and local answer
 * API_ERR_UNSUPPORTED: they have no archive of a directory. */
struct api_op *api_fetch_archive_dir(struct api_client *c, const struct api_conversation *conv,
				     const char *dir, int fd, api_xfer_progress_fn progress,
				     api_xfer_fn done, void *ud);

/*
 * The server's own export of a V1 conversation, GET /api/v1/app-conversations/{id}/download
 * (a ZIP of meta.json and one file per event, streamed without Content-Length), written to
 * fd as it arrives. Works while the sandbox sleeps or after it was deleted. 409/503 (an
 * export already running), 413 (too many events) and a server without the route get
 * messages that say what to do instead.
 */
struct api_op *api_fetch_trajectory(struct api_client *c, const struct api_conversation *conv,
				    int fd, api_xfer_progress_fn progress, api_xfer_fn done, void *ud);

/* ---- events (the trajectory) ---- */

/*
 * A lazy pager over one conversation's events, oldest first:
 *  - local: the event files, read a page at a time (works for any conversation state);
 *  - V1: the app server's GET /api/v1/events/search?conversation_id__eq= (works while the
 *    sandbox is paused), falling back to the agent-server's events search when running;
 *  - V0: the runtime's {url}/events?start_id=&limit= (the conversation must be running),
 *    falling back to {url}/trajectory for runtimes without it.
 * Each next() delivers one page (rows are callee-owned and may be moved from: take the
 * members and zero the struct). keep_raw keeps every event's JSON in row.raw for exports.
 * At most one next() may be in flight; api_events_free cancels it.
 */
struct api_events;
typedef void (*api_events_fn)(void *ud, struct api_event *rows, size_t n, bool more,
			      const struct api_error *err);
struct api_events *api_events_new(struct api_client *c, const struct api_conversation *conv,
				  bool keep_raw);
struct api_op *api_events_next(struct api_events *p, api_events_fn done, void *ud);
bool api_events_more(const struct api_events *p);
size_t api_events_total(const struct api_events *p);	/* local: the number of event files; else 0 */
/*
 * Follow mode: re-arm a pager that delivered everything (or whose last page failed), so the
 * next api_events_next() returns only events that arrived since -- without reading the
 * earlier pages again (V1: the last page is read again and its known rows dropped; V0:
 * from the next event id; local: the directory is listed again). False when a page is in
 * flight or the pager has more to give anyway.
 */
bool api_events_resume(struct api_events *p);
void api_events_free(struct api_events *p);

/* Build the V1 listing shell command for a directory (exposed for tests). Caller frees. */
char *api_listing_command(const char *abs_dir);
/* Parse the listing output ("<f|d> <size> <mtime> <relpath>\n"...) into out. Returns the
 * number of malformed lines skipped. */
size_t api_parse_listing(const char *text, size_t len, struct api_file_list *out);

#endif
