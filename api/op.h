/*
 * api/op.h: the op machinery and request helpers api/'s endpoint files share (internal to api/).
 *
 * Owns nothing itself: it declares what api/client.c defines -- struct api_client, the op
 * that owns in-flight requests and one timer, error classification and the common request
 * options -- so that endpoint groups can live in files of their own (api/conversation.c).
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
struct rt;
typedef void (*op_call_fn)(struct api_op *op, const struct http_result *res, void *arg);

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
	struct api_op *prev, *next;
	/* A V1 runtime op re-reads the conversation when the agent-server refuses its session
	 * key (401) or its URL is gone (the ingress's 404 page): Cloud mints a new key on every
	 * resume (openhands-api-2026.md §1.5, §3.6). rt is the op's runtime (api/client.c);
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


struct api_op *op_new(struct api_client *c, void *state, void (*free_state)(void *));
/* The op delivered its result: stop what is still running; freed once idle. */
void op_finish(struct api_op *op);
/* Submit one request of an op; progress and sink callbacks (if set in o) receive inner. */
void op_submit_ud(struct api_op *op, struct http_opts *o, op_call_fn fn, void *inner);
void op_submit(struct api_op *op, struct http_opts *o, op_call_fn fn, void *arg, void (*free_arg)(void *));
/* Run fn(op) after delay_ms from the loop (also used to deliver results asynchronously). */
void op_later(struct api_op *op, long delay_ms, void (*fn)(struct api_op *op));

char *strip_slash(const char *s);
bool key_allowed(const struct api_client *c, const char *url);
const char *what_host(const char *url, char *buf, size_t n);
/* An HTTP result as an api_error; true for a usable 2xx answer. app: the account key's server. */
bool classify(const struct http_result *res, const char *url, bool app, const char *what,
	      struct api_error *err);
void base_opts(struct http_opts *o, const char *url, char *const *headers, struct http_limit limit);
void app_opts(struct api_client *c, struct http_opts *o, const char *url);
/* The agent-server base of a V1 conversation: conversation_url minus /api/conversations/<id>. */
char *v1_base(const struct api_conversation *conv);
bool id_is_safe(const char *id);
/* The key header for a request to conv's runtime at base (hdr: 3 slots, NULL-terminated), or
 * false with err when no key may go there. */
bool runtime_headers(struct api_client *c, const struct api_conversation *conv, const char *base, char **hdr,
		     struct api_error *err);

#endif
