/*
 * api/op.h: the op machinery and request helpers api/'s endpoint files share (internal to api/).
 *
 * Owns nothing itself: it declares struct api_client and the helpers of api/client.c (error
 * classification, the common request options, keys and URLs, the id set), and the op of
 * api/op.c -- which owns in-flight requests, one timer, the runtime it talks to and the
 * handle its owner holds -- so that each endpoint group lives in a file of its own.
 */
#ifndef OHBROWSE_API_OP_H
#define OHBROWSE_API_OP_H

#include "api/client.h"

struct api_client {
	struct http *h;
	char *server;		/* no trailing slash */
	char *server_origin;
	char *api_key;
	enum api_auth_mode auth;
	bool allow_http;
	char *root;		/* workspace root, no trailing slash */
	bool root_explicit;	/* --workspace-root was given: it wins over workspace.working_dir */
	struct http_limit app_limit, runtime_limit, agent_limit;
	int walk_max_depth;
	size_t walk_max_files;
	long wake_timeout_ms;
	long archive_first_byte_ms;
	char *app_headers[4];	/* NULL-terminated: key, Accept, X-Org-Id */
	bool v0_absent;		/* the server answered a V0 route with HTML/404/405: it has no V0 */
	bool v1_absent;		/* ... a V1 route: it is older than V1 */
	int retention_days;
	int events_route;	/* V1 events: 0 /api/v1/conversation/{id}/events/search (2026),
				 * 1 /api/v1/events/search (2025 app servers) */
	struct api_op *ops;	/* every live op, for api_client_free */
	char *local_dir;	/* local conversations (api/local.h) */
	enum api_source source;
};

struct op_call;
typedef void (*op_call_fn)(struct api_op *op, const struct http_result *res, void *arg);
/* Deliver an error to the op's caller through its completion, and finish the op. */
typedef void (*op_fail_fn)(struct api_op *op, const struct api_error *e);

/* Everything a runtime request needs, kept alive for the op's lifetime (api/op.c). */
struct rt {
	struct api_conversation conv;
	char *base;		/* V0: {url}; V1: agent-server base */
	char *hdr[3];		/* NULL-terminated */
	struct http_limit limit;
};

struct api_op {
	struct api_client *c;
	bool cancelled;
	bool finished;
	struct op_call *calls;	/* in flight */
	unsigned timer;
	void (*timer_fn)(struct api_op *op);
	int64_t started_ms;
	void *state;
	void (*free_state)(void *state);
	op_fail_fn fail;	/* NULL: the op handles every error itself (op_ok is not used) */
	struct api_op **handle;	/* the owner's pointer to this op (api_op_hold), cleared at the end */
	struct api_op **home;	/* the same, of the api/ object that made it (a lister's page) */
	int running;		/* handlers of this op on the stack: never freed under them */
	struct api_op *prev, *next;
	/* A V1 runtime op re-reads the conversation when the agent-server refuses its session
	 * key (401) or its URL is gone (the ingress's 404 page): Cloud mints a new key on every
	 * resume (openhands-api-2026.md §1.5, §3.6). rt is the op's runtime (api/op.c);
	 * while the lookup runs, the refused request waits in refresh_k. */
	struct rt *rt;
	struct api_op *refresh;
	struct op_call *refresh_k;
};

struct op_call {
	struct api_op *op;
	op_call_fn fn;
	void *arg;
	void *inner;		/* ud for the progress and sink callbacks */
	http_progress_fn progress;
	http_write_fn sink_write;
	http_reset_fn sink_reset;
	void (*free_arg)(void *arg);
	struct http_req *req;
	struct op_call *next;
	/* runtime requests keep what they sent, to send it again after a key refresh */
	bool rt_req, refreshed;
	struct http_opts again;
	char *again_url, *again_body;
	struct http_result refused;	/* the answer that started the refresh (owned copies) */
};


/* fail: how errors reach the caller (for op_ok and op_fail); NULL when the op does it itself. */
struct api_op *op_new(struct api_client *c, void *state, void (*free_state)(void *), op_fail_fn fail);
/*
 * The op is about to deliver its result: stop what is still running and clear the owner's
 * handle; freed once idle. Called before the completion runs, so the completion may free
 * whatever holds the handle, or start a new op into it.
 */
void op_finish(struct api_op *op);
/* api_client_free: end every op without a completion, leaving its requests to the engine. */
void op_abandon_all(struct api_client *c);
/* Like api_op_hold, for the api/ object that runs the op (a lister, a pager): its own
 * pointer, cleared at the same moments, next to the caller's. */
void op_home(struct api_op **home, struct api_op *op);
/* Deliver e through op->fail (which finishes the op). */
void op_fail(struct api_op *op, const struct api_error *e);
/*
 * The prologue of a completion: classify res (against the op's runtime when it has one,
 * else the app server, as what) and, when it is no usable answer, deliver the error through
 * op->fail. True for a usable answer. decode_rc is the caller's decoder result (0 = it
 * decoded), checked the same way: op_ok(op, res, what, &e) && op_decoded(op, rc, &e).
 */
bool op_ok(struct api_op *op, const struct http_result *res, const char *what, struct api_error *e);
bool op_decoded(struct api_op *op, int decode_rc, const struct api_error *e);
/* Submit one request of an op; progress and sink callbacks (if set in o) receive inner. */
void op_submit_ud(struct api_op *op, struct http_opts *o, op_call_fn fn, void *inner);
void op_submit(struct api_op *op, struct http_opts *o, op_call_fn fn, void *arg, void (*free_arg)(void *));
/* Run fn(op) after delay_ms from the loop (also used to deliver results asynchronously). */
void op_later(struct api_op *op, long delay_ms, void (*fn)(struct api_op *op));

/* The runtime of conv (it must be running): its base URL, key header and limit. */
bool rt_init(struct api_client *c, struct rt *rt, const struct api_conversation *conv, struct api_error *err);
void rt_clear(struct rt *rt);
/* A request to the runtime, under the runtime's own limit (even below the app's origin). */
void rt_opts(struct rt *rt, struct http_opts *o, const char *url);

char *strip_slash(const char *s);
/* Free a string that held a key: wiped first. */
void wipe_free(char *s);
bool key_allowed(const struct api_client *c, const char *url);
const char *what_host(const char *url, char *buf, size_t n);
/* An HTTP result as an api_error; true for a usable 2xx answer. app: the account key's server. */
bool classify(const struct http_result *res, const char *url, bool app, const char *what,
	      struct api_error *err);
void base_opts(struct http_opts *o, const char *url, char *const *headers, struct http_limit limit);
void app_opts(struct api_client *c, struct http_opts *o, const char *url);
/* The base of a V0 conversation's runtime routes: {url} (made absolute). */
char *v0_base(struct api_client *c, const struct api_conversation *conv);
/* The agent-server base of a V1 conversation: conversation_url minus /api/conversations/<id>. */
char *v1_base(const struct api_conversation *conv);
bool id_is_safe(const char *id);
/* The key header for a request to conv's runtime at base (hdr: 3 slots, NULL-terminated), or
 * false with err when no key may go there. */
bool runtime_headers(struct api_client *c, const struct api_conversation *conv, const char *base, char **hdr,
		     struct api_error *err);

/* FastAPI answers an unknown route with 404 {"detail":"Not Found"} (or 405). */
bool route_missing(const struct http_result *res);

/* A set of strings (ids seen), open addressing. */
struct id_set {
	char **keys;
	size_t cap, count;
};
bool id_set_add(struct id_set *s, const char *key);	/* false: already there */
void id_set_free(struct id_set *s);

#endif
