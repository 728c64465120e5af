/*
 * api/client.c: OpenHands endpoints over the async engine (see client.h).
 *
 * Every operation is a struct api_op that owns zero or more in-flight HTTP
 * requests (struct op_call) and at most one timer. The op stays alive until
 * its last request has completed, so api_op_cancel() only has to cancel the
 * requests and mark the op: the completions that still arrive are swallowed.
 */
#include "api/client.h"
#include "api/changes.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "api/json.h"
#include "api/local.h"
#include "api/udiff.h"
#include "src/base/util.h"

#include "api/op.h"

/* ---------------------------------------------------------------- ops */

struct api_op *
op_new(struct api_client *c, void *state, void (*free_state)(void *))
{
	struct api_op *op = xcalloc(1, sizeof(*op));

	op->c = c;
	op->state = state;
	op->free_state = free_state;
	op->started_ms = clock_now_ms();
	op->next = c->ops;
	if (c->ops)
		c->ops->prev = op;
	c->ops = op;
	return op;
}

static void
op_free(struct api_op *op)
{
	struct api_client *c = op->c;

	if (op->prev)
		op->prev->next = op->next;
	else
		c->ops = op->next;
	if (op->next)
		op->next->prev = op->prev;
	if (op->timer)
		http_timer_cancel(c->h, op->timer);
	if (op->free_state)
		op->free_state(op->state);
	free(op);
}

static void
op_maybe_free(struct api_op *op)
{
	if ((op->finished || op->cancelled) && !op->calls && !op->timer)
		op_free(op);
}

static void op_call_discard(struct op_call *k);

static void
op_cancel_calls(struct api_op *op)
{
	if (op->refresh) {
		api_op_cancel(op->refresh);
		op->refresh = NULL;
		op_call_discard(op->refresh_k);
		op->refresh_k = NULL;
	}
	for (struct op_call *k = op->calls; k; k = k->next)
		http_cancel(k->req);
	if (op->timer) {
		http_timer_cancel(op->c->h, op->timer);
		op->timer = 0;
	}
}

/* The op delivered its result: stop what is still running and free when idle. */
void
op_finish(struct api_op *op)
{
	op->finished = true;
	op_cancel_calls(op);
	/* Not freed here: the caller may still be inside one of this op's handlers; the
	 * engine frees it once the handler returns (op_call_done / op_timer_fire). */
}

void
api_op_cancel(struct api_op *op)
{
	if (!op || op->cancelled)
		return;
	op->cancelled = true;
	op_cancel_calls(op);
	op_maybe_free(op);
}

static void
op_call_discard(struct op_call *k)
{
	if (!k)
		return;
	if (k->free_arg)
		k->free_arg(k->arg);
	free(k->again_url);
	free(k->again_body);
	free(k->refused.body);
	free(k->refused.error_body);
	free(k->refused.location);
	free(k);
}

static bool op_refresh_start(struct api_op *op, struct op_call *k, const struct http_result *res);

static void
op_call_done(struct http_req *req, const struct http_result *res, void *ud)
{
	struct op_call *k = ud;
	struct api_op *op = k->op;

	for (struct op_call **pp = &op->calls; *pp; pp = &(*pp)->next) {
		if (*pp == k) {
			*pp = k->next;
			break;
		}
	}
	if (!op->cancelled && !op->finished && !res->cancelled && op_refresh_start(op, k, res))
		return;	/* k waits for the conversation's new key */
	if (!op->cancelled && !op->finished && !res->cancelled)
		k->fn(op, res, k->arg);
	op_call_discard(k);
	op_maybe_free(op);
}

static void
tramp_progress(void *ud, int64_t done, int64_t total)
{
	struct op_call *k = ud;

	if (!k->op->cancelled)
		k->progress(k->inner, done, total);
}

static int
tramp_write(void *ud, const char *data, size_t len)
{
	struct op_call *k = ud;

	return k->op->cancelled ? ECANCELED : k->sink_write(k->inner, data, len);
}

static void
tramp_reset(void *ud)
{
	struct op_call *k = ud;

	k->sink_reset(k->inner);
}

static const char *op_rt_base(const struct api_op *op);

/* Submit one request of an op; progress and sink callbacks (if set in o) receive inner. */
void
op_submit_ud(struct api_op *op, struct http_opts *o, op_call_fn fn, void *inner)
{
	struct op_call *k = xcalloc(1, sizeof(*k));

	k->op = op;
	k->fn = fn;
	k->inner = inner;
	k->progress = o->progress;
	k->sink_write = o->sink_write;
	k->sink_reset = o->sink_reset;
	o->progress = k->progress ? tramp_progress : NULL;
	o->sink_write = k->sink_write ? tramp_write : NULL;
	o->sink_reset = k->sink_reset ? tramp_reset : NULL;
	o->done = op_call_done;
	o->ud = k;
	if (op->rt && o->limit_prefix && o->limit_prefix == op_rt_base(op)) {
		/* a request to the op's runtime: kept, to be sent again with a refreshed key */
		k->rt_req = true;
		k->again = *o;
		k->again_url = xstrdup(o->url);
		k->again.url = k->again_url;
		if (o->body) {
			k->again_body = xmalloc(o->body_len + 1);
			memcpy(k->again_body, o->body, o->body_len);
			k->again_body[o->body_len] = '\0';
			k->again.body = k->again_body;
		}
	}
	k->next = op->calls;
	op->calls = k;
	k->req = http_submit(op->c->h, o);
}

void
op_submit(struct api_op *op, struct http_opts *o, op_call_fn fn, void *arg, void (*free_arg)(void *))
{
	op_submit_ud(op, o, fn, NULL);
	op->calls->arg = arg;
	op->calls->free_arg = free_arg;
}

static void
op_timer_fire(void *ud)
{
	struct api_op *op = ud;

	op->timer = 0;
	if (!op->cancelled && !op->finished && op->timer_fn)
		op->timer_fn(op);
	op_maybe_free(op);
}

/* Run fn(op) after delay_ms from the loop (also used to deliver results asynchronously). */
void
op_later(struct api_op *op, long delay_ms, void (*fn)(struct api_op *op))
{
	if (op->timer)
		http_timer_cancel(op->c->h, op->timer);
	op->timer_fn = fn;
	op->timer = http_timer_add(op->c->h, delay_ms, op_timer_fire, op);
}

/* ------------------------------------------------------------ client */

char *
strip_slash(const char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == '/')
		n--;
	return xstrndup(s, n);
}

static bool
url_is_http(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0;
}

/* May a key travel to this URL? */
bool
key_allowed(const struct api_client *c, const char *url)
{
	return c->allow_http || !url_is_http(url) || http_host_is_loopback(url);
}

/* Free a string that held a key: wiped first, so a freed key does not linger in memory. */
static void
wipe_free(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

/* A value that may go into a header line: printable ASCII without spaces (0x21-0x7e). A key
 * from a file, the environment or a server's JSON with CR/LF in it would otherwise add
 * headers of the sender's choosing. */
static bool
header_safe(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return false;
	return true;
}

/* app.all-hands.dev and its sibling hosts (…all-hands.dev): OpenHands Cloud. */
static bool
origin_is_cloud(const char *origin)
{
	const char *p = strstr(origin, "://");
	const char *host = p ? p + 3 : origin;
	size_t n = strcspn(host, ":/");
	static const char dom[] = "all-hands.dev";
	size_t d = sizeof(dom) - 1;

	return n >= d && strncasecmp(host + n - d, dom, d) == 0 && (n == d || host[n - d - 1] == '.');
}

struct api_client *
api_client_new(struct http *h, const struct api_client_config *cfg, struct api_error *err)
{
	struct api_client *c;
	char *origin;

	if (!cfg->server || !*cfg->server) {
		api_error_set(err, API_ERR_USAGE, 0, "no server URL given; pass --server URL");
		return NULL;
	}
	if (strncasecmp(cfg->server, "http://", 7) != 0 && strncasecmp(cfg->server, "https://", 8) != 0) {
		api_error_set(err, API_ERR_USAGE, 0,
			      "the server URL must start with https:// (or http:// for a local server)");
		return NULL;
	}
	origin = http_origin(cfg->server);
	if (!origin) {
		api_error_set(err, API_ERR_USAGE, 0, "cannot parse the server URL; expected e.g. https://app.all-hands.dev");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->h = h;
	c->server = strip_slash(cfg->server);
	c->server_origin = origin;
	c->api_key = cfg->api_key && *cfg->api_key ? xstrdup(cfg->api_key) : NULL;
	c->auth = cfg->auth;
	c->allow_http = cfg->allow_http;
	c->root = strip_slash(cfg->workspace_root && *cfg->workspace_root ? cfg->workspace_root
									   : "/workspace/project");
	c->root_explicit = cfg->workspace_root && *cfg->workspace_root;
	/* Cloud counts 10 a second and 100 a minute per user (openhands-api-2026.md §1.1, §3.7) */
	c->app_limit = cfg->app_limit.max_conns ? cfg->app_limit : (struct http_limit){10, 6, 100};
	c->runtime_limit = cfg->runtime_limit.max_conns ? cfg->runtime_limit : (struct http_limit){10, 6, 0};
	c->agent_limit = cfg->agent_limit.max_conns ? cfg->agent_limit : (struct http_limit){0, 16, 0};
	c->walk_max_depth = cfg->walk_max_depth > 0 ? cfg->walk_max_depth : 64;
	c->walk_max_files = cfg->walk_max_files > 0 ? cfg->walk_max_files : 200000;
	c->wake_timeout_ms = cfg->wake_timeout_ms > 0 ? cfg->wake_timeout_ms : 180000;
	c->retention_days = cfg->retention_days > 0 ? cfg->retention_days : 14;
	c->archive_first_byte_ms = cfg->archive_first_byte_ms > 0 ? cfg->archive_first_byte_ms : 900000;
	c->local_dir = cfg->local_dir && *cfg->local_dir ? xstrdup(cfg->local_dir) : local_default_dir();
	c->source = cfg->source != API_SOURCE_DEFAULT ? cfg->source : API_SOURCE_CLOUD;
	/* OpenHands Cloud removed V0 on 2026-04-16 (openhands-api-2026.md §1.1, §5.1: never call
	 * /api/conversations there); other servers are asked once and remembered (v0_absent) */
	c->v0_absent = origin_is_cloud(c->server_origin);
	if (c->api_key && c->auth != API_AUTH_NONE && !key_allowed(c, c->server)) {
		api_error_set(err, API_ERR_USAGE, 0,
			      "refusing to send the API key over plain http to %s; use https, or pass "
			      "--allow-http if you really trust this network", c->server_origin);
		api_client_free(c);
		return NULL;
	}
	if ((c->api_key && !header_safe(c->api_key)) || (cfg->org_id && *cfg->org_id && !header_safe(cfg->org_id))) {
		api_error_set(err, API_ERR_USAGE, 0,
			      "the %s contains a character that cannot go into an HTTP header (a space, a line break "
			      "or a control character); check %s", c->api_key && !header_safe(c->api_key) ? "API key" : "--org value",
			      c->api_key && !header_safe(c->api_key) ? "the key file or OPENHANDS_API_KEY" : "--org or OPENHANDS_ORG_ID");
		api_client_free(c);
		return NULL;
	}
	int n = 0;
	if (c->api_key && c->auth == API_AUTH_BEARER)
		c->app_headers[n++] = xasprintf("Authorization: Bearer %s", c->api_key);
	else if (c->api_key && c->auth == API_AUTH_SESSION)
		c->app_headers[n++] = xasprintf("X-Session-API-Key: %s", c->api_key);
	c->app_headers[n++] = xstrdup("Accept: application/json");
	if (cfg->org_id && *cfg->org_id)
		/* the app server only: agent-servers have no orgs (§1.11) */
		c->app_headers[n++] = xasprintf("X-Org-Id: %s", cfg->org_id);
	http_set_host_limit(h, c->server, c->app_limit);
	return c;
}

void
api_client_free(struct api_client *c)
{
	if (!c)
		return;
	/* Requests of cancelled ops are still owned by the engine; detach them so their
	 * completions (if the engine runs again) cannot reach freed memory. */
	while (c->ops) {
		struct api_op *op = c->ops;

		for (struct op_call *k = op->calls, *n; k; k = n) {
			n = k->next;
			http_cancel(k->req);
			/* the engine will call op_call_done with this k later: keep k but orphan it */
		}
		op->cancelled = true;
		if (op->calls) {
			/* run the engine so the cancelled requests complete and free themselves */
			http_perform(c->h);
			if (c->ops == op && op->calls)
				die("internal error: cancelled requests did not complete");
		} else {
			op_free(op);
		}
	}
	for (size_t i = 0; i < ARRAY_SIZE(c->app_headers); i++)
		wipe_free(c->app_headers[i]);
	free(c->server);
	free(c->server_origin);
	if (c->api_key)
		explicit_bzero(c->api_key, strlen(c->api_key));
	free(c->api_key);
	free(c->root);
	free(c->local_dir);
	free(c);
}

void
api_client_set_source(struct api_client *c, enum api_source source)
{
	c->source = source != API_SOURCE_DEFAULT ? source : API_SOURCE_CLOUD;
}

enum api_source
api_client_source(const struct api_client *c)
{
	return c->source;
}

const char *
api_client_local_dir(const struct api_client *c)
{
	return c->local_dir;
}

struct http *
api_client_http(struct api_client *c)
{
	return c->h;
}

int
api_client_retention_days(const struct api_client *c)
{
	return c->retention_days;
}

const char *
api_client_workspace_root(const struct api_client *c)
{
	return c->root;
}

/* ------------------------------------------------------ errors */

const char *
what_host(const char *url, char *buf, size_t n)
{
	char *o = http_origin(url);

	snprintf(buf, n, "%s", o ? o : "the server");
	free(o);
	return buf;
}

/*
 * Turn an HTTP result into an api_error. Returns true when res is a usable 2xx answer.
 * role: "app" for the app server (key problems mean the account key), else "runtime".
 * what: a short noun phrase for the message ("the conversation list").
 */
bool
classify(const struct http_result *res, const char *url, bool app, const char *what,
	 struct api_error *err)
{
	char host[160];
	const char *body = res->error_body ? res->error_body : res->body;
	size_t blen = res->error_body ? res->error_body_len : res->body_len;
	char *text = NULL;

	memset(err, 0, sizeof(*err));
	what_host(url, host, sizeof(host));
	if (res->cancelled) {
		api_error_set(err, API_ERR_CANCELLED, 0, "cancelled");
		return false;
	}
	if (res->sink_errno) {
		api_error_set(err, API_ERR_LOCAL, 0, "cannot save %s: %s%s", what, strerror(res->sink_errno),
			      res->sink_errno == ENOSPC ? "; free some disk space and retry" : "");
		return false;
	}
	if (res->curl_code) {
		err->curl_code = res->curl_code;
		api_error_set(err, API_ERR_NETWORK, 0,
			      "could not get %s from %s: %s (after %d attempt%s); check the connection and retry",
			      what, host, res->error[0] ? res->error : "network error", res->attempts,
			      res->attempts == 1 ? "" : "s");
		return false;
	}
	if (res->status >= 200 && res->status < 300 && res->truncated) {
		/* the memory sink's cap: a cut answer is not an answer (it would read as bad JSON) */
		api_error_set(err, API_ERR_SERVER, res->status,
			      "%s sent an answer for %s larger than ohbrowse reads into memory (%lld bytes so far); "
			      "it cannot be used", host, what, (long long)res->bytes);
		return false;
	}
	if (res->status >= 200 && res->status < 300)
		return true;
	if (body && blen)
		text = json_error_text(body, blen);
	if (app && (res->status == 403 || res->status == 400) && text && strcasestr(text, "org")) {
		/* X-Org-Id refused: not a member, not a UUID, or a key bound to another org (§1.11) */
		api_error_set(err, API_ERR_AUTH, res->status,
			      "%s refused the organization (HTTP %ld: %s); check --org or OPENHANDS_ORG_ID "
			      "('ohbrowse whoami' without --org shows the key's own)", host, res->status, text);
	} else if (res->status == 401 || res->status == 403) {
		if (app)
			api_error_set(err, API_ERR_AUTH, res->status,
				      "%s rejected the API key (HTTP %ld%s%s); set OPENHANDS_API_KEY or run "
				      "'ohbrowse login' with a valid key", host, res->status, text ? ": " : "",
				      text ? text : "");
		else
			api_error_set(err, API_ERR_AUTH, res->status,
				      "the conversation's sandbox at %s rejected its session key (HTTP %ld); "
				      "it may have restarted: refresh the list and retry", host, res->status);
	} else if (res->status == 404) {
		api_error_set(err, API_ERR_NOT_FOUND, 404, "%s: not found on %s%s%s", what, host,
			      text ? " (" : "", text ? text : "");
		if (text)
			strncat(err->message, ")", sizeof(err->message) - strlen(err->message) - 1);
	} else if (res->status == 429) {
		api_error_set(err, API_ERR_SERVER, 429,
			      "%s kept answering 'too many requests' for %s after %d attempts; wait a minute "
			      "and retry, or lower --rate", host, what, res->attempts);
	} else if (res->status >= 300 && res->status < 400) {
		/* never followed: the key headers would travel to wherever it points */
		api_error_set(err, API_ERR_SERVER, res->status,
			      "%s answered %s with a redirect (HTTP %ld) to %s; ohbrowse does not follow redirects, "
			      "so keys never go to another host: if you trust that address, use it as --server",
			      host, what, res->status, res->location ? res->location : "an address it did not give");
	} else if (res->status >= 400 && res->status < 500) {
		/* the request itself was refused: asking again would get the same answer */
		api_error_set(err, API_ERR_SERVER, res->status,
			      "%s refused the request for %s (HTTP %ld%s%s); this looks like a server this version of "
			      "ohbrowse does not know: run with --verbose and report it", host, what, res->status,
			      text ? ": " : "", text ? text : "");
	} else {
		api_error_set(err, API_ERR_SERVER, res->status,
			      "%s failed to send %s (HTTP %ld%s%s) after %d attempt%s; try again later", host,
			      what, res->status, text ? ": " : "", text ? text : "", res->attempts,
			      res->attempts == 1 ? "" : "s");
	}
	free(text);
	return false;
}

/* ------------------------------------------------------ URLs and headers */

/* Options shared by every request: a GET, retried when idempotent, under a host's limits. */
void
base_opts(struct http_opts *o, const char *url, char *const *headers, struct http_limit limit)
{
	memset(o, 0, sizeof(*o));
	o->url = url;
	o->headers = (const char *const *)headers;
	o->limit = limit;
	o->idempotent = true;
}

void
app_opts(struct api_client *c, struct http_opts *o, const char *url)
{
	base_opts(o, url, c->app_headers, c->app_limit);
}

/* The base of a V0 conversation's runtime routes: {url} (made absolute). */
static char *
v0_base(struct api_client *c, const struct api_conversation *conv)
{
	if (!conv->url || !*conv->url)
		return NULL;
	if (conv->url[0] == '/')
		return xasprintf("%s%s", c->server, conv->url);
	return strip_slash(conv->url);
}

/* The agent-server base of a V1 conversation: conversation_url minus /api/conversations/<id>. */
char *
v1_base(const struct api_conversation *conv)
{
	if (!conv->url || !*conv->url)
		return NULL;
	char *u = strip_slash(conv->url);
	char *p = strstr(u, "/api/conversations/");
	if (p)
		*p = '\0';
	return u;
}

/* Headers for a runtime/agent URL, or an error when no key may go there. */
bool
runtime_headers(struct api_client *c, const struct api_conversation *conv, const char *base,
		char **hdr, struct api_error *err)
{
	char *origin = http_origin(base);
	bool same_as_app = origin && strcmp(origin, c->server_origin) == 0;

	free(origin);
	hdr[0] = hdr[1] = NULL;
	if (conv->session_api_key && *conv->session_api_key && !header_safe(conv->session_api_key)) {
		api_error_set(err, API_ERR_SERVER, 0,
			      "the server sent a session key for this conversation that cannot go into an HTTP header "
			      "(it holds a line break or a control character); refusing to use it");
		return false;
	}
	if (conv->session_api_key && *conv->session_api_key) {
		if (!key_allowed(c, base)) {
			char host[160];
			api_error_set(err, API_ERR_USAGE, 0,
				      "refusing to send the conversation's session key over plain http to %s; "
				      "pass --allow-http if you trust this network",
				      what_host(base, host, sizeof(host)));
			return false;
		}
		hdr[0] = xasprintf("X-Session-API-Key: %s", conv->session_api_key);
	} else if (same_as_app && c->api_key && c->auth == API_AUTH_SESSION) {
		/* OSS standalone: the runtime routes live on the app server itself. */
		hdr[0] = xasprintf("X-Session-API-Key: %s", c->api_key);
	} else if (same_as_app && c->api_key && c->auth == API_AUTH_BEARER) {
		hdr[0] = xasprintf("Authorization: Bearer %s", c->api_key);
	}
	return true;
}

static bool
need_running(const struct api_conversation *conv, struct api_error *err)
{
	if (conv->url && *conv->url)
		return true;
	api_error_set(err, API_ERR_UNSUPPORTED, 0,
		      "the conversation \"%s\" is not running (status %s): wake it first (w in the "
		      "browser, or --wake on the command line)",
		      conv->title ? conv->title : conv->id, conv->status ? conv->status : "unknown");
	return false;
}

/* Everything a runtime request needs, kept alive for the op's lifetime. */
struct rt {
	struct api_conversation conv;
	char *base;		/* V0: {url}; V1: agent-server base */
	char *hdr[3];		/* NULL-terminated */
	struct http_limit limit;
};

static void
rt_clear(struct rt *rt)
{
	api_conversation_free(&rt->conv);
	free(rt->base);
	for (size_t i = 0; i < ARRAY_SIZE(rt->hdr); i++)
		wipe_free(rt->hdr[i]);
	memset(rt, 0, sizeof(*rt));
}

static bool
rt_init(struct api_client *c, struct rt *rt, const struct api_conversation *conv,
	struct api_error *err)
{
	memset(rt, 0, sizeof(*rt));
	if (!need_running(conv, err))
		return false;
	rt->base = conv->version == API_V1 ? v1_base(conv) : v0_base(c, conv);
	if (!rt->base) {
		api_error_set(err, API_ERR_SERVER, 0, "the conversation has no usable runtime URL");
		return false;
	}
	if (!runtime_headers(c, conv, rt->base, rt->hdr, err)) {
		free(rt->base);
		rt->base = NULL;
		return false;
	}
	api_conversation_copy(&rt->conv, conv);
	rt->limit = conv->version == API_V1 ? c->agent_limit : c->runtime_limit;
	http_set_host_limit(c->h, rt->base, rt->limit);
	return true;
}

static void
rt_opts(struct rt *rt, struct http_opts *o, const char *url)
{
	base_opts(o, url, rt->hdr, rt->limit);
	o->limit_prefix = rt->base;	/* its own limit, even under the app's origin */
}

static const char *
op_rt_base(const struct api_op *op)
{
	return op->rt ? op->rt->base : NULL;
}

/* The agent-server refused the key (401), or its URL is gone (the ingress's HTML 404 after
 * a pause): the conversation may have been paused and resumed meanwhile. */
static bool
key_refused(const struct http_result *res)
{
	return res->status == 401 || (res->status == 404 && !strstr(res->content_type, "json"));
}

static char *
dup_n(const char *s, size_t n)
{
	if (!s)
		return NULL;
	char *d = xmalloc(n + 1);
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

static void op_refresh_done(void *ud, struct api_conversation *conv, const struct api_error *err);

/* Start re-reading the conversation for k's refused request; false when that does not apply. */
static bool
op_refresh_start(struct api_op *op, struct op_call *k, const struct http_result *res)
{
	if (!k->rt_req || k->refreshed || op->refresh || !op->rt || op->rt->conv.version != API_V1 ||
	    op->rt->conv.local || !key_refused(res))
		return false;
	k->refreshed = true;
	k->refused = *res;
	k->refused.body = dup_n(res->body, res->body_len);
	k->refused.error_body = dup_n(res->error_body, res->error_body_len);
	k->refused.location = res->location ? xstrdup(res->location) : NULL;
	op->refresh_k = k;
	op->refresh = api_get_conversation(op->c, op->rt->conv.id, op_refresh_done, op);
	return true;
}

/* The conversation as it is now: send the request again with its new key and URL, or give
 * the caller the refusal it had (the key did not change: it is really refused). */
static void
op_refresh_done(void *ud, struct api_conversation *conv, const struct api_error *err)
{
	struct api_op *op = ud;
	struct op_call *k = op->refresh_k;
	struct rt *rt = op->rt;
	bool again = false;

	op->refresh = NULL;
	op->refresh_k = NULL;
	if (!err && conv && api_conversation_is_running(conv) && conv->session_api_key) {
		char *base = v1_base(conv);
		char *hdr[3] = {NULL, NULL, NULL};
		struct api_error e;
		bool changed = base && (!rt->conv.session_api_key || strcmp(conv->session_api_key, rt->conv.session_api_key) ||
					strcmp(base, rt->base));
		if (changed && runtime_headers(op->c, conv, base, hdr, &e)) {
			size_t old = strlen(rt->base);
			char *url = strncmp(k->again_url, rt->base, old) == 0 ? xasprintf("%s%s", base, k->again_url + old)
									      : xstrdup(k->again_url);
			for (size_t i = 0; i < ARRAY_SIZE(rt->hdr); i++) {
				wipe_free(rt->hdr[i]);	/* the refused key */
				rt->hdr[i] = hdr[i];
			}
			free(rt->base);
			rt->base = base;
			base = NULL;
			api_conversation_free(&rt->conv);
			api_conversation_copy(&rt->conv, conv);
			http_set_host_limit(op->c->h, rt->base, rt->limit);
			free(k->again_url);
			k->again_url = url;
			k->again.url = url;
			k->again.headers = (const char *const *)rt->hdr;
			k->again.limit_prefix = rt->base;
			again = true;
		}
		free(base);
	}
	if (again) {
		k->next = op->calls;
		op->calls = k;
		k->req = http_submit(op->c->h, &k->again);
		return;
	}
	k->fn(op, &k->refused, k->arg);
	op_call_discard(k);
	op_maybe_free(op);
}

const char *
api_workspace_root(const struct api_client *c, const struct api_conversation *conv)
{
	/* --workspace-root wins; else what the agent-server says (workspace.working_dir: a
	 * grouped sandbox puts each conversation in a directory of its own, §2.6); else the
	 * default */
	if (!c->root_explicit && conv && conv->workspace_root && conv->workspace_root[0] == '/')
		return conv->workspace_root;
	return c->root;
}

/* The root of a workspace op's conversation. */
static const char *
ws_root(const struct api_op *op);

/* Absolute workspace path of a relative one ("" = the root). */
static char *
abs_path(const char *root, const char *rel)
{
	while (rel && *rel == '/')
		rel++;
	if (!rel || !*rel)
		return xstrdup(root);
	return xasprintf("%s/%s", root, rel);
}

/* Relative path of a server path: strip the root prefix (and a leading "/"). */
static char *
rel_path(const char *root, const char *p)
{
	size_t rl = strlen(root);

	if (strncmp(p, root, rl) == 0 && (p[rl] == '/' || p[rl] == '\0'))
		p += rl;
	while (*p == '/')
		p++;
	size_t n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	return xstrndup(p, n);
}

/* Query value escaping that keeps '/' readable in logs: curl escapes it, which servers accept. */
static char *
url_with_query(const char *base, const char *route, const char *key, const char *value)
{
	char *e = http_escape(value);
	char *u = xasprintf("%s%s?%s=%s", base, route, key, e);

	free(e);
	return u;
}

/* Path escaping per segment, keeping the slashes (old /download/<path> routes). */
static char *
escape_path(const char *p)
{
	struct strbuf sb = {0};
	const char *s = p;

	while (*s) {
		const char *slash = strchr(s, '/');
		size_t n = slash ? (size_t)(slash - s) : strlen(s);
		char *seg = xstrndup(s, n);
		char *e = http_escape(seg);

		strbuf_puts(&sb, e);
		free(e);
		free(seg);
		s += n;
		if (*s == '/') {
			strbuf_putc(&sb, '/');
			s++;
		}
	}
	return strbuf_detach(&sb);
}

/* ------------------------------------------------------ conversations: lister */

struct id_set {
	char **keys;
	size_t cap, count;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static bool
id_set_add(struct id_set *s, const char *key)
{
	if ((s->count + 1) * 2 > s->cap) {
		struct id_set n = {xcalloc(s->cap ? s->cap * 2 : 64, sizeof(char *)),
				   s->cap ? s->cap * 2 : 64, 0};
		for (size_t i = 0; i < s->cap; i++)
			if (s->keys[i])
				id_set_add(&n, s->keys[i]), free(s->keys[i]);
		free(s->keys);
		*s = n;
	}
	size_t i = hash_str(key) & (s->cap - 1);
	while (s->keys[i]) {
		if (strcmp(s->keys[i], key) == 0)
			return false;
		i = (i + 1) & (s->cap - 1);
	}
	s->keys[i] = xstrdup(key);
	s->count++;
	return true;
}

static void
id_set_free(struct id_set *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->keys[i]);
	free(s->keys);
	memset(s, 0, sizeof(*s));
}

enum src_state { SRC_UNKNOWN, SRC_MORE, SRC_DONE, SRC_ABSENT };

struct api_lister {
	struct api_client *c;
	int limit;
	char *title;
	enum src_state v0, v1;
	char *v0_token, *v1_token;
	struct id_set seen;
	size_t requests;
	struct api_op *op;	/* the next() in flight */
	/* V0-only tokens (json_page_token_v0_only) while the V1 search serves the V1 rows;
	 * switched off for servers that have no V1 search or reject such a token. */
	bool v0_only;
	bool v0_only_sent;	/* the V0 request in flight used one */
	/* local conversations, loaded a page at a time after the server's rows */
	bool cloud, local;
	struct local_scan *scan;
	bool scan_opened;
};

struct lister_batch {
	struct api_lister *l;	/* NULL once the lister was freed under a cancelled op */
	struct api_op *op;
	api_page_fn done;
	void *ud;
	int waiting;
	struct json_conv_page v0, v1;
	bool got_v0, got_v1;
	struct api_error err;	/* first error */
	int empty_rounds;
};

struct api_lister *
api_lister_new(struct api_client *c, const struct api_lister_opts *opts)
{
	struct api_lister *l = xcalloc(1, sizeof(*l));

	l->c = c;
	l->v0_only = true;
	l->limit = opts && opts->limit > 0 ? opts->limit : 100;
	l->title = opts && opts->title_contains && *opts->title_contains ? xstrdup(opts->title_contains) : NULL;
	enum api_source src = opts && opts->source != API_SOURCE_DEFAULT ? opts->source : c->source;
	l->cloud = src != API_SOURCE_LOCAL;
	l->local = src == API_SOURCE_LOCAL || src == API_SOURCE_BOTH;
	if (c->v0_absent) {
		/* known to have no V0 (Cloud since 2026-04): never ask /api/conversations again */
		l->v0 = SRC_ABSENT;
		l->v0_only = false;
	}
	return l;
}

bool
api_lister_more(const struct api_lister *l)
{
	if (l->local && (!l->scan_opened || local_scan_more(l->scan)))
		return true;
	if (!l->cloud)
		return false;
	return l->v0 == SRC_UNKNOWN || l->v0 == SRC_MORE || l->v1 == SRC_UNKNOWN || l->v1 == SRC_MORE;
}

/* The cloud part alone (the local part never needs a request). */
static bool
lister_cloud_more(const struct api_lister *l)
{
	return l->cloud && (l->v0 == SRC_UNKNOWN || l->v0 == SRC_MORE || l->v1 == SRC_UNKNOWN ||
			    l->v1 == SRC_MORE);
}

size_t
api_lister_requests(const struct api_lister *l)
{
	return l->requests;
}

void
api_lister_free(struct api_lister *l)
{
	if (!l)
		return;
	if (l->op) {
		/* the op may outlive us until its requests complete: detach it first */
		struct lister_batch *b = l->op->state;
		b->l = NULL;
		api_op_cancel(l->op);
	}
	free(l->title);
	free(l->v0_token);
	free(l->v1_token);
	id_set_free(&l->seen);
	local_scan_free(l->scan);
	free(l);
}

static bool
title_matches(const char *title, const char *needle)
{
	if (!needle)
		return true;
	if (!title)
		return false;
	size_t n = strlen(needle);
	for (const char *p = title; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return false;
}

static void
batch_free(void *p)
{
	struct lister_batch *b = p;

	if (b->l && b->l->op == b->op)
		b->l->op = NULL;
	json_conv_page_free(&b->v0);
	json_conv_page_free(&b->v1);
	free(b);
}

static int
conv_newest_first(const void *a, const void *b)
{
	const struct api_conversation *x = a, *y = b;

	if (x->created_s != y->created_s)
		return x->created_s < y->created_s ? 1 : -1;
	return strcmp(x->id, y->id);
}

static void lister_fetch(struct api_op *op, struct lister_batch *b);

static void
lister_batch_ready(struct api_op *op, struct lister_batch *b)
{
	struct api_lister *l = b->l;
	struct api_conversation *rows = NULL;
	size_t n = 0, cap = 0;

	if (b->err.kind != API_OK && l->local && l->cloud) {
		/* both sources: a server that fails (no key, offline) still leaves the local rows */
		l->cloud = false;
		memset(&b->err, 0, sizeof(b->err));
	}
	if (b->err.kind != API_OK) {
		l->op = NULL;
		b->done(b->ud, NULL, 0, api_lister_more(l), &b->err);
		op_finish(op);
		return;
	}
	/* V1 search first: its rows carry sandbox ids the combined V0 list lacks. */
	struct json_conv_page *pages[2] = {&b->v1, &b->v0};
	for (int p = 0; p < 2; p++) {
		for (size_t i = 0; i < pages[p]->count; i++) {
			struct api_conversation *cv = &pages[p]->items[i];

			if (!cv->id || !title_matches(cv->title, l->title))
				continue;
			if (!id_set_add(&l->seen, cv->id))
				continue;
			if (n == cap) {
				cap = cap ? cap * 2 : 64;
				rows = xrealloc(rows, cap * sizeof(*rows));
			}
			rows[n++] = *cv;
			memset(cv, 0, sizeof(*cv));	/* moved */
		}
	}
	json_conv_page_free(&b->v0);
	json_conv_page_free(&b->v1);
	if (l->local && !lister_cloud_more(l)) {
		/* local rows after the server's: a page at a time, each costs a few file reads */
		if (!l->scan_opened) {
			struct api_error e;
			l->scan_opened = true;
			l->scan = local_scan_open(l->c->local_dir, &e);
			if (!l->scan && !l->cloud) {
				l->op = NULL;
				free(rows);
				b->done(b->ud, NULL, 0, false, &e);
				op_finish(op);
				return;
			}
		}
		size_t first = n;
		local_scan_next(l->scan, (size_t)l->limit, &rows, &n, &cap);
		for (size_t i = first; i < n;) {
			if (!title_matches(rows[i].title, l->title) || !id_set_add(&l->seen, rows[i].id)) {
				api_conversation_free(&rows[i]);
				rows[i] = rows[--n];
			} else {
				i++;
			}
		}
	}
	if (n == 0 && api_lister_more(l) && ++b->empty_rounds < 64) {
		/* Real servers send short or empty pages with a next token: keep going. */
		free(rows);
		lister_fetch(op, b);
		return;
	}
	if (n > 1)
		qsort(rows, n, sizeof(*rows), conv_newest_first);
	l->op = NULL;
	if (n == 0 && !api_lister_more(l) && l->cloud && l->v0 == SRC_ABSENT && l->v1 == SRC_ABSENT) {
		struct api_error e;
		api_error_set(&e, API_ERR_UNSUPPORTED, 0,
			      "%s does not look like an OpenHands server: it answered with a web page "
			      "where the conversation list should be; check --server", l->c->server);
		b->done(b->ud, NULL, 0, false, &e);
	} else {
		b->done(b->ud, rows, n, api_lister_more(l), NULL);
	}
	for (size_t i = 0; i < n; i++)
		api_conversation_free(&rows[i]);
	free(rows);
	op_finish(op);
}

/* No V1 search here: the combined list is the only source of V1 rows, so read it the plain
 * way from the start (rows already seen are dropped by id). */
static void
lister_v0_plain(struct api_lister *l)
{
	l->v0_only = false;
	l->v0 = SRC_UNKNOWN;
	free(l->v0_token);
	l->v0_token = NULL;
}

static void
lister_source_done(struct api_op *op, const struct http_result *res, void *arg, bool v1)
{
	struct lister_batch *b = op->state;
	struct api_lister *l = b->l;
	struct api_error e;
	const char *url = l->c->server;

	b->waiting--;
	if (!v1 && l->v0_only_sent && (res->status == 500 || res->status == 400 || res->status == 422)) {
		/* an older server that cannot read a combined token: start over the plain way */
		l->v0_only = false;
		l->v0 = SRC_UNKNOWN;
		free(l->v0_token);
		l->v0_token = NULL;
		if (b->waiting == 0)
			lister_batch_ready(op, b);
		return;
	}
	if (classify(res, url, true, "the conversation list", &e)) {
		struct json_conv_page *pg = v1 ? &b->v1 : &b->v0;
		int rc = v1 ? json_decode_conv_page_v1(res->body, res->body_len, pg, &e)
			    : json_decode_conv_page_v0(res->body, res->body_len, pg, &e);
		if (rc == 0 && !v1 && l->v0_only_sent && !l->v0_only) {
			/* the V1 search turned out missing meanwhile: keep these rows, but the
			 * V0 list restarts the plain way (its cursor was reset) */
		} else if (rc == 0 && pg->next_page_id && (v1 ? l->v1_token : l->v0_token) &&
			   strcmp(pg->next_page_id, v1 ? l->v1_token : l->v0_token) == 0) {
			/* a cursor that does not move would be asked for forever */
			api_error_set(&e, API_ERR_SERVER, res->status,
				      "%s sent the same next-page id twice for the conversation list; stopping "
				      "rather than asking forever (the list so far is shown)", l->c->server);
			if (b->err.kind == API_OK)
				b->err = e;
			*(v1 ? &l->v1 : &l->v0) = SRC_DONE;
		} else if (rc == 0) {
			char **tok = v1 ? &l->v1_token : &l->v0_token;
			free(*tok);
			*tok = pg->next_page_id ? xstrdup(pg->next_page_id) : NULL;
			*(v1 ? &l->v1 : &l->v0) = *tok ? SRC_MORE : SRC_DONE;
		} else if (e.kind == API_ERR_UNSUPPORTED) {
			*(v1 ? &l->v1 : &l->v0) = SRC_ABSENT;
			if (!v1)
				l->c->v0_absent = true;
			if (v1 && l->v0_only)
				lister_v0_plain(l);
		} else if (b->err.kind == API_OK) {
			b->err = e;
		}
	} else if ((e.kind == API_ERR_NOT_FOUND || (v1 && e.status == 422)) &&
		   (v1 ? l->v1 : l->v0) == SRC_UNKNOWN) {
		/* an older server without this route */
		*(v1 ? &l->v1 : &l->v0) = SRC_ABSENT;
		if (v1 && l->v0_only)
			lister_v0_plain(l);
	} else if (b->err.kind == API_OK) {
		b->err = e;
	}
	if (b->waiting == 0)
		lister_batch_ready(op, b);
}

static void
lister_v0_done(struct api_op *op, const struct http_result *res, void *arg)
{
	lister_source_done(op, res, arg, false);
}

static void
lister_v1_done(struct api_op *op, const struct http_result *res, void *arg)
{
	lister_source_done(op, res, arg, true);
}

static void
lister_fetch(struct api_op *op, struct lister_batch *b)
{
	struct api_lister *l = b->l;
	struct api_client *c = l->c;
	struct http_opts o;
	char *url;

	b->waiting = 0;
	if (!lister_cloud_more(l)) {
		lister_batch_ready(op, b);
		return;
	}
	if (l->v1 == SRC_UNKNOWN || l->v1 == SRC_MORE) {
		struct strbuf sb = {0};
		strbuf_printf(&sb, "%s/api/v1/app-conversations/search?limit=%d", c->server,
			      l->limit > 100 ? 100 : l->limit);
		if (l->v1_token) {
			char *e = http_escape(l->v1_token);
			strbuf_printf(&sb, "&page_id=%s", e);
			free(e);
		}
		if (l->title) {
			char *e = http_escape(l->title);
			strbuf_printf(&sb, "&title__contains=%s", e);
			free(e);
		}
		url = strbuf_detach(&sb);
		app_opts(c, &o, url);
		b->waiting++;
		l->requests++;
		op_submit(op, &o, lister_v1_done, NULL, NULL);
		free(url);
	}
	char *tok = NULL;
	bool v0_done = false;
	if ((l->v0 == SRC_UNKNOWN || l->v0 == SRC_MORE) && l->v0_only) {
		tok = json_page_token_v0_only(l->v0_token, &v0_done);
		if (v0_done)
			l->v0 = SRC_DONE;
	} else if (l->v0_token) {
		tok = xstrdup(l->v0_token);
	}
	l->v0_only_sent = l->v0_only && tok;
	if (l->v0 == SRC_UNKNOWN || l->v0 == SRC_MORE) {
		struct strbuf sb = {0};
		strbuf_printf(&sb, "%s/api/conversations?limit=%d", c->server, l->limit);
		if (tok) {
			char *e = http_escape(tok);
			strbuf_printf(&sb, "&page_id=%s", e);
			free(e);
		}
		url = strbuf_detach(&sb);
		app_opts(c, &o, url);
		b->waiting++;
		l->requests++;
		op_submit(op, &o, lister_v0_done, NULL, NULL);
		free(url);
	}
	free(tok);
	if (b->waiting == 0)
		lister_batch_ready(op, b);
}

static void
lister_start(struct api_op *op)
{
	lister_fetch(op, op->state);
}

struct api_op *
api_lister_next(struct api_lister *l, api_page_fn done, void *ud)
{
	struct lister_batch *b = xcalloc(1, sizeof(*b));
	struct api_op *op;

	if (l->op && !l->op->cancelled)
		die("internal error: api_lister_next while a page is in flight");
	if (l->op)
		((struct lister_batch *)l->op->state)->l = NULL;	/* a cancelled page: forget it */
	b->l = l;
	b->done = done;
	b->ud = ud;
	op = op_new(l->c, b, batch_free);
	b->op = op;
	l->op = op;
	op_later(op, 0, lister_start);	/* results always arrive from the loop, never inside next() */
	return op;
}

/* Ids go into URL paths: letters, digits, - and _ only. */
bool
id_is_safe(const char *id)
{
	if (!id || !*id || strlen(id) > 100)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      *p == '-' || *p == '_'))
			return false;
	return true;
}

/* ------------------------------------------------------ workspace */

struct chunk {
	bool have;
	int exit_code;
	char *out;
	size_t out_len;
	char *err;
};

struct ws_state {
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
	bool children_only;		/* list_dir on V1: filter the full listing */
	size_t max_bytes;
	int fd;
	void (*local_start)(struct api_op *op);	/* a local conversation: which op this is */
	struct local_job *local;	/* ... and its job, stepped by the engine */
	/* V0 walk */
	int dirs_pending;
	bool walk_failed;
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
	bool archive;			/* api_fetch_archive: the body is the archive itself */
};

static const char *
ws_root(const struct api_op *op)
{
	const struct ws_state *s = op->state;

	return api_workspace_root(op->c, &s->rt.conv);
}

static void
ws_state_free(void *p)
{
	struct ws_state *s = p;

	local_job_free(s->local);	/* stops it: a running git is killed */
	rt_clear(&s->rt);
	api_file_list_free(&s->list);
	free(s->path);
	free(s->dir);
	free(s->cmd_id);
	for (size_t i = 0; i < s->n_chunks; i++) {
		free(s->chunks[i].out);
		free(s->chunks[i].err);
	}
	free(s->chunks);
	api_file_list_free(&s->tree);
	changes_repos_free(&s->repos);
	free(s->repo_fallback);
	free(s->fallback_why);
	json_code_stream_free(s->cs);
	if (s->tmp)
		fclose(s->tmp);
	free(s);
}

static void
ws_deliver_error(struct api_op *op)
{
	struct ws_state *s = op->state;

	if (s->files_done)
		s->files_done(s->ud, NULL, &s->err);
	else if (s->text_done)
		s->text_done(s->ud, NULL, 0, false, false, &s->err);
	else if (s->xfer_done)
		s->xfer_done(s->ud, NULL, &s->err);
	op_finish(op);
}

static void
ws_fail(struct api_op *op, const struct api_error *e)
{
	struct ws_state *s = op->state;

	if (e != &s->err)
		s->err = *e;
	ws_deliver_error(op);
}

static void local_ws_run(struct api_op *op);
static void local_ws_deliver(struct api_op *op);

/*
 * V1 agent-servers moved routes from /api/X/<abs path> to /api/X?path=<abs path> (v1.20
 * removed the old form). The URL of route for abs in whichever form this server speaks.
 */
static char *
v1_route_url(const struct ws_state *s, const char *route, const char *abs)
{
	if (!s->old_route)
		return url_with_query(s->rt.base, route, "path", abs);
	char *p = escape_path(abs);
	char *url = xasprintf("%s%s/%s", s->rt.base, route, p);	/* "//workspace/...": stays absolute */
	free(p);
	return url;
}

static bool route_missing(const struct http_result *res);

/* A V1 answer saying the route does not exist: switch to the old form and resubmit. */
static bool
v1_retry_old_route(struct api_op *op, const struct http_result *res, void (*resubmit)(struct api_op *))
{
	struct ws_state *s = op->state;

	if (s->rt.conv.version != API_V1 || s->old_route || !route_missing(res))
		return false;
	s->old_route = true;
	resubmit(op);
	return true;
}

/* Create the op; on a conversation that cannot be reached, deliver the error from the loop. */
static struct api_op *
ws_op(struct api_client *c, const struct api_conversation *conv, struct ws_state *s,
      void (*start)(struct api_op *op))
{
	struct api_op *op = op_new(c, s, ws_state_free);

	s->fd = -1;
	if (s->path && path_has_dotdot(s->path, strlen(s->path))) {
		/* a name from a listing or git changes with "..": the agent-server would serve what
		 * it points at, anywhere on the sandbox */
		api_error_set(&s->err, API_ERR_SERVER, 0,
			      "the server named a path outside the workspace (%.200s): not fetched", s->path);
		op_later(op, 0, ws_deliver_error);
	} else if (conv->local) {
		/* local disk: no runtime, no request; run from the loop like every result */
		api_conversation_copy(&s->rt.conv, conv);
		s->local_start = start;
		op_later(op, 0, local_ws_run);
	} else if (rt_init(c, &s->rt, conv, &s->err)) {
		op->rt = &s->rt;
		op_later(op, 0, start);
	}
	else
		op_later(op, 0, ws_deliver_error);
	return op;
}

/* FastAPI answers an unknown route with 404 {"detail":"Not Found"}: an older agent-server. */
static bool
route_missing(const struct http_result *res)
{
	const char *body = res->error_body ? res->error_body : res->body;
	size_t len = res->error_body ? res->error_body_len : res->body_len;
	char *t;
	bool missing;

	if (res->status != 404 && res->status != 405)
		return false;
	if (res->status == 405)
		return true;
	t = body && len ? json_error_text(body, len) : NULL;
	missing = t && strcmp(t, "Not Found") == 0;
	free(t);
	return missing;
}

static int
cmp_file_path(const void *a, const void *b)
{
	const struct api_file *x = a, *y = b;

	return strcmp(x->path, y->path);
}

static void
ws_deliver_files(struct api_op *op)
{
	struct ws_state *s = op->state;

	if (s->list.count > 1)
		qsort(s->list.items, s->list.count, sizeof(*s->list.items), cmp_file_path);
	s->files_done(s->ud, &s->list, NULL);
	op_finish(op);
}

/* ---- V0: list-files, one level per request */

static void v0_list_submit(struct api_op *op, const char *rel, int depth);

struct list_arg {
	char *rel;
	int depth;
};

static void
list_arg_free(void *p)
{
	struct list_arg *a = p;

	free(a->rel);
	free(a);
}

static void
v0_list_done(struct api_op *op, const struct http_result *res, void *argp)
{
	struct ws_state *s = op->state;
	struct list_arg *arg = argp;
	struct api_error e;
	char **names = NULL;
	size_t n = 0;

	s->dirs_pending--;
	if (!classify(res, s->rt.base, false, "the file list", &e) ||
	    json_decode_string_array(res->body, res->body_len, &names, &n, &e) != 0) {
		ws_fail(op, &e);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		size_t len = strlen(names[i]);
		bool is_dir = len && names[i][len - 1] == '/';
		char *rel = rel_path(ws_root(op), names[i]);
		const char *base = strrchr(rel, '/') ? strrchr(rel, '/') + 1 : rel;

		if (!*rel) {
			free(rel);
			continue;
		}
		if (s->children_only) {
			api_file_list_add(&s->list, rel, is_dir ? API_DIR : API_FILE, -1, -1, API_CHANGE_NONE);
		} else if (is_dir) {
			/* .git holds thousands of objects the user never asked for (V1 prunes it too) */
			if (strcmp(base, ".git") != 0) {
				api_file_list_add(&s->list, rel, API_DIR, -1, -1, API_CHANGE_NONE);
				if (arg->depth + 1 >= op->c->walk_max_depth) {
					api_error_set(&e, API_ERR_SERVER, 0,
						      "the workspace is deeper than %d levels (at %s); the walk "
						      "stopped there", op->c->walk_max_depth, rel);
					free(rel);
					json_string_array_free(names, n);
					ws_fail(op, &e);
					return;
				}
				v0_list_submit(op, rel, arg->depth + 1);
			}
		} else {
			api_file_list_add(&s->list, rel, API_FILE, -1, -1, API_CHANGE_NONE);
		}
		free(rel);
		if (s->list.count > op->c->walk_max_files) {
			api_error_set(&e, API_ERR_SERVER, 0,
				      "the workspace has more than %zu entries; the walk stopped there "
				      "(download the whole workspace archive instead)", op->c->walk_max_files);
			json_string_array_free(names, n);
			ws_fail(op, &e);
			return;
		}
	}
	json_string_array_free(names, n);
	if (s->dirs_pending == 0)
		ws_deliver_files(op);
}

static void
v0_list_submit(struct api_op *op, const char *rel, int depth)
{
	struct ws_state *s = op->state;
	struct list_arg *a = xcalloc(1, sizeof(*a));
	char *abs = abs_path(ws_root(op), rel);
	char *url = url_with_query(s->rt.base, "/list-files", "path", abs);
	struct http_opts o;

	a->rel = xstrdup(rel);
	a->depth = depth;
	rt_opts(&s->rt, &o, url);
	s->dirs_pending++;
	op_submit(op, &o, v0_list_done, a, list_arg_free);
	free(url);
	free(abs);
}

/* ---- V1: commands through the agent-server's bash API */

char *
api_listing_command(const char *abs_dir)
{
	return changes_listing_command(abs_dir);
}

/* The first listing format ("<f|d|l> <size> <mtime> <relpath>\n"), kept for its tests. */
size_t
api_parse_listing(const char *text, size_t len, struct api_file_list *out)
{
	size_t bad = 0;
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		char type = *p;
		char *line = xstrndup(p, (size_t)(le - p));
		char *sp1 = strchr(line, ' ');
		char *sp2 = sp1 ? strchr(sp1 + 1, ' ') : NULL;
		char *sp3 = sp2 ? strchr(sp2 + 1, ' ') : NULL;

		p = nl ? nl + 1 : end;
		if (!sp3 || sp1 != line + 1 || !sp3[1] || (type != 'f' && type != 'd' && type != 'l')) {
			if (*line)
				bad++;
			free(line);
			continue;
		}
		char *e1, *e2;
		long long size = strtoll(sp1 + 1, &e1, 10);
		double mtime = strtod(sp2 + 1, &e2);
		if (e1 != sp2 || e2 != sp3) {
			bad++;
			free(line);
			continue;
		}
		api_file_list_add(out, sp3 + 1, type == 'd' ? API_DIR : API_FILE, type == 'd' ? -1 : size,
				  mtime >= 0 && mtime < 9.2e18 ? (int64_t)mtime : -1, API_CHANGE_NONE);
		free(line);
	}
	return bad;
}

static void v1_poll(struct api_op *op);

/* Drop what the last command left, before the next one starts. */
static void
v1_bash_reset(struct ws_state *s)
{
	free(s->cmd_id);
	s->cmd_id = NULL;
	for (size_t i = 0; i < s->n_chunks; i++) {
		free(s->chunks[i].out);
		free(s->chunks[i].err);
	}
	free(s->chunks);
	s->chunks = NULL;
	s->n_chunks = 0;
}

/* The command's whole stdout and stderr, in order, and its exit code. */
static int
v1_bash_collect(const struct ws_state *s, struct strbuf *out, struct strbuf *err)
{
	int code = 0;

	for (size_t i = 0; i < s->n_chunks; i++) {
		strbuf_append(out, s->chunks[i].out ? s->chunks[i].out : "", s->chunks[i].out_len);
		if (s->chunks[i].err)
			strbuf_puts(err, s->chunks[i].err);
		if (s->chunks[i].exit_code >= 0)
			code = s->chunks[i].exit_code;
	}
	return code;
}

static bool
v1_chunks_complete(const struct ws_state *s)
{
	bool last = false;

	for (size_t i = 0; i < s->n_chunks; i++) {
		if (!s->chunks[i].have)
			return false;
		if (s->chunks[i].exit_code >= 0)
			last = true;
	}
	return last;
}

/* The highest order such that every chunk up to it is in; -1 when none. */
static long
v1_have_through(const struct ws_state *s)
{
	long k = -1;

	while ((size_t)(k + 1) < s->n_chunks && s->chunks[k + 1].have)
		k++;
	return k;
}

static void v1_poll_page(struct api_op *op, const char *page_id);

static void
v1_poll_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;
	struct json_bash_page pg = {0};

	if (!classify(res, s->rt.base, false, "the workspace listing", &e) ||
	    json_decode_bash_page(res->body, res->body_len, &pg, &e) != 0) {
		ws_fail(op, &e);
		return;
	}
	for (size_t i = 0; i < pg.count; i++) {
		struct json_bash_chunk *ch = &pg.items[i];
		if (ch->order < 0 || ch->order > 1000000)
			continue;
		size_t o = (size_t)ch->order;
		if (o >= s->n_chunks) {
			s->chunks = xrealloc(s->chunks, (o + 1) * sizeof(*s->chunks));
			memset(s->chunks + s->n_chunks, 0, (o + 1 - s->n_chunks) * sizeof(*s->chunks));
			s->n_chunks = o + 1;
		}
		if (s->chunks[o].have)
			continue;
		s->chunks[o].have = true;
		s->chunks[o].exit_code = ch->exit_code;
		s->chunks[o].out = ch->out;
		s->chunks[o].out_len = ch->out_len;
		s->chunks[o].err = ch->err;
		ch->out = ch->err = NULL;
	}
	if (v1_chunks_complete(s)) {
		json_bash_page_free(&pg);
		s->bash_done(op);
		return;
	}
	/* order__gt is applied after the page slice, so a short or empty page can still have
	 * a next page (openhands-api-2026.md 2.3): follow it before waiting */
	if (pg.next_page_id) {
		char *next = xstrdup(pg.next_page_id);
		json_bash_page_free(&pg);
		v1_poll_page(op, next);
		free(next);
		return;
	}
	json_bash_page_free(&pg);
	if (clock_now_ms() - s->poll_started_ms > 300000) {
		api_error_set(&e, API_ERR_NETWORK, 0, "a command on the agent-server took more than 5 minutes; "
			      "try again");
		ws_fail(op, &e);
		return;
	}
	/* the command runs asynchronously (R8): back off gently while it does */
	long waited = (long)(clock_now_ms() - s->poll_started_ms);
	op_later(op, waited < 1000 ? 100 : waited < 10000 ? 250 : 1000, v1_poll);
}

static void
v1_poll_page(struct api_op *op, const char *page_id)
{
	struct ws_state *s = op->state;
	struct strbuf sb = {0};
	struct http_opts o;
	char *id = http_escape(s->cmd_id);

	/* order__gt (v1.11.0+): only the chunks not yet received; older servers ignore it and
	 * the chunks already held are dropped by order */
	strbuf_printf(&sb, "%s/api/bash/bash_events/search?command_id__eq=%s&kind__eq=BashOutput"
		      "&sort_order=TIMESTAMP&limit=100&order__gt=%ld", s->rt.base, id, v1_have_through(s));
	free(id);
	if (page_id) {
		char *e = http_escape(page_id);
		strbuf_printf(&sb, "&page_id=%s", e);
		free(e);
	}
	char *url = strbuf_detach(&sb);
	rt_opts(&s->rt, &o, url);
	op_submit(op, &o, v1_poll_done, NULL, NULL);
	free(url);
}

static void
v1_poll(struct api_op *op)
{
	v1_poll_page(op, NULL);
}

static void
v1_started(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;

	if (!classify(res, s->rt.base, false, "a command on the agent-server", &e) ||
	    json_decode_bash_command_id(res->body, res->body_len, &s->cmd_id, &e) != 0) {
		ws_fail(op, &e);
		return;
	}
	s->poll_started_ms = clock_now_ms();
	op_later(op, 50, v1_poll);
}

/* Run cmd through start_bash_command; done(op) runs when every output chunk is in. */
static void
v1_bash_start(struct api_op *op, const char *cmd, void (*done)(struct api_op *op))
{
	struct ws_state *s = op->state;
	char *body = json_encode_bash_command(cmd, 300);
	char *url = xasprintf("%s/api/bash/start_bash_command", s->rt.base);
	const char *hdr[4] = {s->rt.hdr[0], "Content-Type: application/json", NULL, NULL};
	struct http_opts o;

	v1_bash_reset(s);
	s->bash_done = done;
	if (!hdr[0]) {
		hdr[0] = "Content-Type: application/json";
		hdr[1] = NULL;
	}
	rt_opts(&s->rt, &o, url);
	o.headers = hdr;
	o.method = "POST";
	o.body = body;
	o.body_len = strlen(body);
	o.idempotent = false;	/* starting a command twice is harmless but wasteful: only 429 retries */
	op_submit(op, &o, v1_started, NULL, NULL);
	free(url);
	free(body);
}

/*
 * The listing is in: decode it into s->tree and s->repos. False (and the op is finished or
 * restarted) when it failed. A damaged listing (not base64: R7 or a proxy) is asked for
 * again, twice at most, rather than a wrong name being downloaded.
 */
static bool
v1_listing_parse(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct strbuf all = {0}, errs = {0};
	int code = v1_bash_collect(s, &all, &errs);
	struct api_error e;

	if (code != 0) {
		char *firstline = errs.buf ? xstrndup(errs.buf, strcspn(errs.buf, "\n")) : xstrdup("");
		/* R8: /bin/sh is dash, whose cd exits 2 with "can't cd to DIR" */
		bool missing = (code == 2 && strstr(firstline, "can't cd")) || code == 1;
		if (missing)
			api_error_set(&e, API_ERR_NOT_FOUND, 0,
				      "the workspace root %s was not found on the agent-server (%.200s); "
				      "give the right one with --workspace-root", ws_root(op), firstline);
		else
			api_error_set(&e, API_ERR_SERVER, 0,
				      "listing the workspace failed (exit %d%s%.200s); is %s the workspace root? "
				      "(see --workspace-root)", code, *firstline ? ": " : "", firstline, ws_root(op));
		free(firstline);
		strbuf_free(&all);
		strbuf_free(&errs);
		ws_fail(op, &e);
		return false;
	}
	api_file_list_free(&s->tree);
	changes_repos_free(&s->repos);
	long bad = changes_parse_listing(all.buf ? all.buf : "", all.len, &s->tree, &s->repos);
	strbuf_free(&all);
	strbuf_free(&errs);
	if (bad < 0) {
		api_file_list_free(&s->tree);
		changes_repos_free(&s->repos);
		if (++s->relists <= 2) {
			char *cmd = api_listing_command(ws_root(op));
			v1_bash_start(op, cmd, s->bash_done);	/* the same listing, the same next step */
			free(cmd);
			return false;
		}
		api_error_set(&e, API_ERR_SERVER, 0, "the agent-server damaged the workspace listing %d times; "
			      "try again", s->relists);
		ws_fail(op, &e);
		return false;
	}
	if (s->tree.count > 1)
		qsort(s->tree.items, s->tree.count, sizeof(*s->tree.items), cmp_file_path);
	return true;
}

/* Copies one parsed listing entry into the op's result, mode and link target included. */
static void
ws_list_add_listed(struct ws_state *s, const struct api_file *f)
{
	api_file_list_add(&s->list, f->path, f->type, f->size, f->mtime, API_CHANGE_NONE);
	s->list.items[s->list.count - 1].mode = f->mode;
	s->list.items[s->list.count - 1].link = f->link ? xstrdup(f->link) : NULL;
}

static void
v1_listing_complete(struct api_op *op)
{
	struct ws_state *s = op->state;

	if (!v1_listing_parse(op))
		return;
	for (size_t i = 0; i < s->tree.count; i++) {
		struct api_file *f = &s->tree.items[i];
		if (s->children_only) {
			const char *slash = strrchr(f->path, '/');
			size_t plen = slash ? (size_t)(slash - f->path) : 0;
			if (plen != strlen(s->dir) || strncmp(f->path, s->dir, plen) != 0)
				continue;
		}
		ws_list_add_listed(s, f);
	}
	ws_deliver_files(op);
}

static void
v1_list_start(struct api_op *op)
{
	char *cmd = api_listing_command(ws_root(op));

	v1_bash_start(op, cmd, v1_listing_complete);
	free(cmd);
}

static void
walk_start(struct api_op *op)
{
	struct ws_state *s = op->state;

	if (s->rt.conv.version == API_V1)
		v1_list_start(op);
	else
		v0_list_submit(op, s->children_only ? s->dir : "", 0);
}

struct api_op *
api_walk(struct api_client *c, const struct api_conversation *conv, api_files_fn done, void *ud)
{
	struct ws_state *s = xcalloc(1, sizeof(*s));

	s->files_done = done;
	s->ud = ud;
	return ws_op(c, conv, s, walk_start);
}

static void
walk_git_listed(struct api_op *op)
{
	struct ws_state *s = op->state;

	if (!v1_listing_parse(op))
		return;
	/* every entry lies inside a .git: files and links only (their directories come with
	 * them; an empty one inside .git is of no use to a repository) */
	for (size_t i = 0; i < s->tree.count; i++) {
		struct api_file *f = &s->tree.items[i];
		if (f->type != API_FILE)
			continue;
		ws_list_add_listed(s, f);
	}
	ws_deliver_files(op);
}

static void
walk_git_start(struct api_op *op)
{
	struct ws_state *s = op->state;

	if (s->rt.conv.version != API_V1) {
		ws_deliver_files(op);
		return;
	}
	char *cmd = changes_git_listing_command(ws_root(op));
	v1_bash_start(op, cmd, walk_git_listed);
	free(cmd);
}

struct api_op *
api_walk_git(struct api_client *c, const struct api_conversation *conv, api_files_fn done, void *ud)
{
	struct ws_state *s = xcalloc(1, sizeof(*s));

	s->files_done = done;
	s->ud = ud;
	if (conv->local) {
		/* no request for a local workspace: an empty list, from the loop */
		struct api_op *op = op_new(c, s, ws_state_free);
		op_later(op, 0, ws_deliver_files);
		return op;
	}
	return ws_op(c, conv, s, walk_git_start);
}

struct api_op *
api_list_dir(struct api_client *c, const struct api_conversation *conv, const char *dir,
	     api_files_fn done, void *ud)
{
	struct ws_state *s = xcalloc(1, sizeof(*s));

	s->files_done = done;
	s->ud = ud;
	s->children_only = true;
	s->dir = rel_path(api_workspace_root(c, conv), dir ? dir : "");
	return ws_op(c, conv, s, walk_start);
}

/* ---- git changes */

static void changes_submit(struct api_op *op);

/* V0: the runtime's git/changes, relative to its mount. */
static void
changes_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;

	if (!classify(res, s->rt.base, false, "the git changes", &e)) {
		if (e.kind == API_ERR_NOT_FOUND)
			api_error_set(&e, API_ERR_NOT_FOUND, 404,
				      "the workspace is not a git repository, so there are no changes to list");
		ws_fail(op, &e);
		return;
	}
	if (json_decode_changes(res->body, res->body_len, &s->list, &e) != 0) {
		ws_fail(op, &e);
		return;
	}
	for (size_t i = 0; i < s->list.count; i++) {
		char *r = rel_path(ws_root(op), s->list.items[i].path);
		free(s->list.items[i].path);
		s->list.items[i].path = r;
	}
	ws_deliver_files(op);
}

/*
 * V1 (openhands-api-2026.md 2.4, R2-R5): the agent-server's git/changes is right only for
 * the repository passed to it, and not always then. So: list the workspace (which finds
 * every .git), ask git/changes for each repository, resolve the answer against the
 * listing (R3 quoting, directories, names the listing lacks), and recompute every
 * repository whose answer failed (400/500: R4) or cannot be trusted through the bash API
 * with NUL-separated git output. A nested repository's changes appear under its prefix.
 */
static void changes_v1_fallback_next(struct api_op *op);
static void changes_v1_repo_submit(struct api_op *op, size_t i);
static void changes_v1_deliver(struct api_op *op);

static void
changes_v1_mark_fallback(struct ws_state *s, size_t i, const char *why)
{
	s->repo_fallback[i] = true;
	if (!s->fallback_why)
		s->fallback_why = xasprintf("%s: %s", *s->repos.dirs[i] ? s->repos.dirs[i] : "the workspace root", why);
}

static void
changes_v1_repo_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	size_t i = (size_t)(uintptr_t)arg;
	struct api_error e;
	struct api_file_list answer = {0};
	char why[400];

	if (s->rt.conv.version == API_V1 && !s->old_route && route_missing(res)) {
		s->old_route = true;	/* an agent-server before v1.12: the path form */
		changes_v1_repo_submit(op, i);
		return;
	}
	s->repos_pending--;
	if (s->no_repos) {
		/* no .git below the root: only a server that knows of a repository above it can
		 * answer; an empty or failed answer means the changes cannot be told (never an
		 * empty "no changes") */
		size_t had = s->list.count;
		bool ok = classify(res, s->rt.base, false, "the git changes", &e) &&
			  json_decode_changes(res->body, res->body_len, &answer, &e) == 0 &&
			  changes_resolve(&answer, "", &s->repos, &s->tree, &s->list, why, sizeof(why));
		api_file_list_free(&answer);
		if (!ok || s->list.count == had) {
			api_error_set(&e, API_ERR_NOT_FOUND, 0,
				      "the workspace %s holds no git repository (no .git in it), so there are no "
				      "changes to list", ws_root(op));
			ws_fail(op, &e);
			return;
		}
		changes_v1_deliver(op);
		return;
	}
	if (!classify(res, s->rt.base, false, "the git changes", &e)) {
		changes_v1_mark_fallback(s, i, e.message);
	} else if (json_decode_changes(res->body, res->body_len, &answer, &e) != 0) {
		changes_v1_mark_fallback(s, i, e.message);
	} else if (!changes_resolve(&answer, s->repos.dirs[i], &s->repos, &s->tree, &s->list, why, sizeof(why))) {
		changes_v1_mark_fallback(s, i, why);
	}
	api_file_list_free(&answer);
	if (s->repos_pending == 0)
		changes_v1_fallback_next(op);
}

static void
changes_v1_repo_submit(struct api_op *op, size_t i)
{
	struct ws_state *s = op->state;
	char *abs = abs_path(ws_root(op), s->repos.dirs[i]);
	char *url = v1_route_url(s, "/api/git/changes", abs);
	struct http_opts o;

	rt_opts(&s->rt, &o, url);
	op_submit(op, &o, changes_v1_repo_done, (void *)(uintptr_t)i, NULL);
	free(url);
	free(abs);
}

static void
changes_v1_deliver(struct api_op *op)
{
	struct ws_state *s = op->state;
	size_t w = 0;

	if (s->list.count > 1)
		qsort(s->list.items, s->list.count, sizeof(*s->list.items), cmp_file_path);
	/* one row per path, whatever two answers said about it */
	for (size_t r = 0; r < s->list.count; r++) {
		if (w && !strcmp(s->list.items[w - 1].path, s->list.items[r].path)) {
			free(s->list.items[r].path);
			free(s->list.items[r].link);
			continue;
		}
		s->list.items[w++] = s->list.items[r];
	}
	s->list.count = w;
	/* sizes and times from the listing, for the rows the bash API computed */
	for (size_t r = 0; r < s->list.count; r++) {
		struct api_file *f = &s->list.items[r], key = {.path = f->path};
		const struct api_file *t = s->tree.count && f->change != API_CHANGE_DELETED
			? bsearch(&key, s->tree.items, s->tree.count, sizeof(key), cmp_file_path) : NULL;
		if (t) {
			f->size = t->size;
			f->mtime = t->mtime;
			f->mode = t->mode;
			f->link = t->link ? xstrdup(t->link) : NULL;	/* R9: an untracked link is ADDED */
		}
	}
	ws_deliver_files(op);
}

static void
changes_v1_fallback_done(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct strbuf out = {0}, err = {0};
	size_t i = s->fallback_at++;
	int code = v1_bash_collect(s, &out, &err);
	struct api_error e;

	if (code != 0 || changes_parse_fallback(out.buf ? out.buf : "", out.len, s->repos.dirs[i], &s->list) != 0) {
		char *first = err.buf ? xstrndup(err.buf, strcspn(err.buf, "\n")) : xstrdup("its output was damaged");
		api_error_set(&e, API_ERR_SERVER, 0,
			      "cannot tell the changed files of %s: the agent-server's git/changes failed (%.150s) "
			      "and running git there failed too (%.150s)",
			      *s->repos.dirs[i] ? s->repos.dirs[i] : "the workspace root",
			      s->fallback_why ? s->fallback_why : "", first);
		free(first);
		strbuf_free(&out);
		strbuf_free(&err);
		ws_fail(op, &e);
		return;
	}
	strbuf_free(&out);
	strbuf_free(&err);
	changes_v1_fallback_next(op);
}

static void
changes_v1_fallback_next(struct api_op *op)
{
	struct ws_state *s = op->state;

	while (s->fallback_at < s->repos.count && !s->repo_fallback[s->fallback_at])
		s->fallback_at++;
	if (s->fallback_at == s->repos.count) {
		changes_v1_deliver(op);
		return;
	}
	char *abs = abs_path(ws_root(op), s->repos.dirs[s->fallback_at]);
	char *cmd = changes_fallback_command(abs);
	v1_bash_start(op, cmd, changes_v1_fallback_done);
	free(cmd);
	free(abs);
}

static void
changes_v1_listed(struct api_op *op)
{
	struct ws_state *s = op->state;

	if (!v1_listing_parse(op))
		return;
	/* No .git anywhere below the root: the root may still be inside a repository above it
	 * (git rev-parse searches upward), so the server is asked about the root alone. */
	s->no_repos = s->repos.count == 0;
	if (s->no_repos)
		changes_repos_add(&s->repos, "");
	s->repo_fallback = xcalloc(s->repos.count, sizeof(*s->repo_fallback));
	s->repos_pending = s->repos.count;
	s->fallback_at = 0;
	for (size_t i = 0; i < s->repos.count; i++)
		changes_v1_repo_submit(op, i);
}

static void
changes_submit(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct http_opts o;
	char *url;

	if (s->rt.conv.version == API_V1) {
		char *cmd = api_listing_command(ws_root(op));
		v1_bash_start(op, cmd, changes_v1_listed);
		free(cmd);
		return;
	}
	url = xasprintf("%s/git/changes", s->rt.base);
	rt_opts(&s->rt, &o, url);
	op_submit(op, &o, changes_done, NULL, NULL);
	free(url);
}

struct api_op *
api_changes(struct api_client *c, const struct api_conversation *conv, api_files_fn done, void *ud)
{
	struct ws_state *s = xcalloc(1, sizeof(*s));

	s->files_done = done;
	s->ud = ud;
	return ws_op(c, conv, s, changes_submit);
}

/* ---- single files: preview, diff, fetch; the whole-workspace archive */

static bool
looks_binary(const char *t, size_t n, bool truncated)
{
	size_t check = n < 8192 ? n : 8192;

	if (memchr(t, '\0', check))
		return true;
	/* a cut may split the last UTF-8 sequence: ignore up to 3 trailing bytes */
	if (truncated || check < n) {
		size_t k = check;
		for (int i = 0; i < 3 && k > 0 && ((unsigned char)t[k - 1] & 0xc0) == 0x80; i++)
			k--;
		if (k > 0 && ((unsigned char)t[k - 1] & 0xc0) == 0xc0)
			k--;
		check = k;
	}
	return !utf8_valid(t, check);
}

static int
code_sink_write(void *ud, const char *data, size_t len)
{
	struct ws_state *s = ud;

	if (json_code_stream_feed(s->cs, data, len) != 0)
		return errno ? errno : EIO;
	if (s->max_bytes && (size_t)json_code_stream_bytes(s->cs) >= s->max_bytes) {
		s->cut = true;
		return ECANCELED;
	}
	return 0;
}

static void
code_sink_reset(void *ud)
{
	struct ws_state *s = ud;

	json_code_stream_free(s->cs);
	if (ftruncate(s->fd, 0) != 0 || lseek(s->fd, 0, SEEK_SET) < 0) {
		/* the retry will fail its writes and report it */
	}
	s->cs = json_code_stream_new(s->fd);
	s->cut = false;
}

static void
file_progress(void *ud, int64_t done, int64_t total)
{
	struct ws_state *s = ud;

	/* A V0 select-file body is JSON, so its length is not the file's; archives and V1
	 * downloads are the bytes themselves. */
	if (s->progress)
		s->progress(s->ud, done, s->rt.conv.version == API_V1 || s->archive ? total : -1);
}

static void fetch_submit(struct api_op *op);

/* V0 select-file answered: finish the stream and report. */
static bool
v0_code_result(struct api_op *op, const struct http_result *res, struct api_error *e, bool *binary)
{
	struct ws_state *s = op->state;
	struct http_result r = *res;

	*binary = false;
	if (s->cut)
		r.sink_errno = 0;	/* preview: we stopped on purpose */
	if (r.status == 415) {
		*binary = true;
		api_error_set(e, API_ERR_UNSUPPORTED, 415,
			      "%s is a binary file, which this server's select-file cannot send", s->path);
		return false;
	}
	if (r.sink_errno == ECANCELED && s->cut)
		r.sink_errno = 0;
	if (!classify(&r, s->rt.base, false, s->path, e)) {
		if (r.status == 500) {
			char *t = r.error_body ? json_error_text(r.error_body, r.error_body_len) : NULL;
			bool missing = t && (strstr(t, "File not found") || strstr(t, "No such file"));
			/* a file that is not UTF-8 text: select-file cannot send it, zip-directory can */
			bool not_utf8 = t && strstr(t, "could not be decoded as utf-8");
			if (missing)
				api_error_set(e, API_ERR_NOT_FOUND, 500, "%s: no such file in the workspace", s->path);
			if (not_utf8) {
				*binary = true;
				api_error_set(e, API_ERR_UNSUPPORTED, 500,
					      "%s is not UTF-8 text, which this server's select-file cannot send", s->path);
			}
			free(t);
		}
		return false;
	}
	if (!s->cut && json_code_stream_finish(s->cs) != 0) {
		api_error_set(e, API_ERR_SERVER, r.status, "the server sent a broken file body for %s: %s",
			      s->path, json_code_stream_error(s->cs));
		return false;
	}
	return true;
}

static void
preview_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;
	bool binary = false;

	if (v1_retry_old_route(op, res, fetch_submit))
		return;
	if (s->rt.conv.version == API_V1) {
		if (!classify(res, s->rt.base, false, s->path, &e)) {
			ws_fail(op, &e);
			return;
		}
		bool bin = looks_binary(res->body, res->body_len, res->truncated);
		s->text_done(s->ud, bin ? NULL : res->body, bin ? 0 : res->body_len, bin, res->truncated, NULL);
		op_finish(op);
		return;
	}
	if (!v0_code_result(op, res, &e, &binary)) {
		if (binary) {
			s->text_done(s->ud, NULL, 0, true, false, NULL);
			op_finish(op);
		} else {
			ws_fail(op, &e);
		}
		return;
	}
	/* read back what the stream decoded (at most max_bytes plus one buffer) */
	size_t want = s->max_bytes;
	char *buf = xmalloc(want + 1);
	ssize_t n = pread(s->fd, buf, want, 0);
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	bool bin = looks_binary(buf, (size_t)n, s->cut);
	s->text_done(s->ud, bin ? NULL : buf, bin ? 0 : (size_t)n, bin, s->cut, NULL);
	free(buf);
	op_finish(op);
}

static void
fetch_done(struct api_op *op, const struct http_result *res, void *arg);

static void
fetch_submit(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct http_opts o;
	char *abs = abs_path(ws_root(op), s->path);
	char *url;

	if (s->rt.conv.version == API_V1) {
		url = v1_route_url(s, "/api/file/download", abs);
	} else {
		url = url_with_query(s->rt.base, "/select-file", "file", abs);
	}
	rt_opts(&s->rt, &o, url);
	o.download = s->text_done == NULL;
	o.progress = file_progress;
	if (s->rt.conv.version == API_V1) {
		if (s->text_done) {
			o.max_mem = s->max_bytes ? s->max_bytes : 1;
		} else {
			o.sink_fd = s->fd;
		}
	} else {
		o.no_retry_500 = true;
		if (!s->cs)
			s->cs = json_code_stream_new(s->fd);
		o.sink_write = code_sink_write;
		o.sink_reset = code_sink_reset;
	}
	/* The sink and progress callbacks get the op state; the completion gets the call. */
	op_submit_ud(op, &o, s->text_done ? preview_done : fetch_done, s);
	free(url);
	free(abs);
}

static void
fetch_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;
	struct api_xfer_result r = {0};
	bool binary = false;

	/* a 404 body never reaches the fd (only 2xx bodies do): nothing to truncate */
	if (v1_retry_old_route(op, res, fetch_submit))
		return;
	if (s->rt.conv.version == API_V1) {
		if (!classify(res, s->rt.base, false, s->path, &e)) {
			ws_fail(op, &e);
			return;
		}
		r.bytes = res->bytes;
		r.content_type = res->content_type;
		s->xfer_done(s->ud, &r, NULL);
		op_finish(op);
		return;
	}
	if (!v0_code_result(op, res, &e, &binary)) {
		r.binary = binary;
		s->xfer_done(s->ud, binary ? &r : NULL, &e);
		op_finish(op);
		return;
	}
	r.bytes = json_code_stream_bytes(s->cs);
	r.content_type = "text/plain";
	s->xfer_done(s->ud, &r, NULL);
	op_finish(op);
}

struct api_op *
api_preview(struct api_client *c, const struct api_conversation *conv, const char *path,
	    size_t max_bytes, api_text_fn done, void *ud)
{
	struct ws_state *s = xcalloc(1, sizeof(*s));
	struct api_op *op;

	s->text_done = done;
	s->ud = ud;
	s->path = rel_path(api_workspace_root(c, conv), path);
	s->max_bytes = max_bytes ? max_bytes : 64 * 1024;
	op = ws_op(c, conv, s, fetch_submit);
	if (conv->version != API_V1 && !op->finished) {
		/* V0 decodes into a scratch file so memory stays bounded whatever the file */
		s->tmp = tmpfile();
		if (!s->tmp) {
			api_error_set(&s->err, API_ERR_LOCAL, 0, "cannot create a temporary file: %s",
				      strerror(errno));
			op_later(op, 0, ws_deliver_error);
		} else {
			s->fd = fileno(s->tmp);
		}
	}
	return op;
}

struct api_op *
api_fetch_file(struct api_client *c, const struct api_conversation *conv, const char *path, int fd,
	       api_xfer_progress_fn progress, api_xfer_fn done, void *ud)
{
	struct ws_state *s = xcalloc(1, sizeof(*s));
	struct api_op *op;

	s->xfer_done = done;
	s->progress = progress;
	s->ud = ud;
	s->path = rel_path(api_workspace_root(c, conv), path);
	op = ws_op(c, conv, s, fetch_submit);
	s->fd = fd;
	return op;
}

/* ---- diff */

static void diff_submit(struct api_op *op);

/* R6: the deleted file's text came from git through bash: show its removal. */
static void
diff_deleted_done(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct strbuf out = {0}, err = {0};
	struct api_error e;
	size_t n = 0;

	v1_bash_collect(s, &out, &err);
	char *orig = changes_b64_decode(out.buf ? out.buf : "", out.len, &n);
	if (!orig || (n == 0 && err.len)) {
		char *first = err.buf ? xstrndup(err.buf, strcspn(err.buf, "\n")) : xstrdup("");
		api_error_set(&e, API_ERR_NOT_FOUND, 400, "%s is not in the workspace, and git does not know it "
			      "either (%.200s)", s->path, first);
		free(first);
		free(orig);
		strbuf_free(&out);
		strbuf_free(&err);
		ws_fail(op, &e);
		return;
	}
	char *text = udiff_make(orig, "", s->path);
	s->text_done(s->ud, text, strlen(text), false, false, NULL);
	free(text);
	free(orig);
	strbuf_free(&out);
	strbuf_free(&err);
	op_finish(op);
}

static void
diff_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;
	char *orig = NULL, *mod = NULL;

	if (v1_retry_old_route(op, res, diff_submit))
		return;
	if (s->rt.conv.version == API_V1 && res->status == 400) {
		/* R6 / 2.4: git/diff answers 400 for a deleted file and for one over 1 MiB; neither
		 * is worth retrying, so neither says "try again later" */
		const char *body = res->error_body ? res->error_body : res->body;
		size_t blen = res->error_body ? res->error_body_len : res->body_len;
		char *t = body && blen ? json_error_text(body, blen) : NULL;
		if (t && strstr(t, "does not exist")) {
			free(t);
			char *abs = abs_path(ws_root(op), s->path);
			char *cmd = changes_show_command(abs);
			v1_bash_start(op, cmd, diff_deleted_done);
			free(cmd);
			free(abs);
			return;
		}
		api_error_set(&e, API_ERR_UNSUPPORTED, 400,
			      "the agent-server shows no diff of %s (%.200s): it refuses files over 1 MiB; "
			      "download the file to compare it", s->path, t ? t : "HTTP 400");
		free(t);
		ws_fail(op, &e);
		return;
	}
	if (!classify(res, s->rt.base, false, "the diff", &e) ||
	    json_decode_diff(res->body, res->body_len, &orig, &mod, &e) != 0) {
		ws_fail(op, &e);
		return;
	}
	char *text = udiff_make(orig ? orig : "", mod ? mod : "", s->path);
	s->text_done(s->ud, text, strlen(text), false, false, NULL);
	free(text);
	free(orig);
	free(mod);
	op_finish(op);
}

static void
diff_submit(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct http_opts o;
	char *url;

	if (s->rt.conv.version == API_V1) {
		char *abs = abs_path(ws_root(op), s->path);
		url = v1_route_url(s, "/api/git/diff", abs);
		free(abs);
	} else {
		url = url_with_query(s->rt.base, "/git/diff", "path", s->path);
	}
	rt_opts(&s->rt, &o, url);
	op_submit(op, &o, diff_done, NULL, NULL);
	free(url);
}

struct api_op *
api_diff(struct api_client *c, const struct api_conversation *conv, const char *path,
	 api_text_fn done, void *ud)
{
	struct ws_state *s = xcalloc(1, sizeof(*s));

	s->text_done = done;
	s->ud = ud;
	s->path = rel_path(api_workspace_root(c, conv), path);
	return ws_op(c, conv, s, diff_submit);
}

/* ---- whole-workspace archive */

static void
archive_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ws_state *s = op->state;
	struct api_error e;
	struct api_xfer_result r = {0};
	unsigned char magic[4] = {0};
	bool v1 = s->rt.conv.version == API_V1;

	if (v1 && route_missing(res)) {
		api_error_set(&e, API_ERR_UNSUPPORTED, 404,
			      "this agent-server is too old to send a workspace archive");
		ws_fail(op, &e);
		return;
	}
	if (!classify(res, s->rt.base, false, "the workspace archive", &e)) {
		ws_fail(op, &e);
		return;
	}
	ssize_t n = pread(s->fd, magic, sizeof(magic), 0);
	bool ok = v1 ? (n >= 2 && magic[0] == 0x1f && magic[1] == 0x8b)
		     : (n >= 4 && magic[0] == 'P' && magic[1] == 'K' &&
			((magic[2] == 3 && magic[3] == 4) || (magic[2] == 5 && magic[3] == 6)));
	if (!ok) {
		api_error_set(&e, API_ERR_SERVER, res->status,
			      "the server sent something that is not a %s archive (%lld bytes, type %s); "
			      "it may have failed to pack the workspace: retry, or download file by file",
			      v1 ? "tar.gz" : "ZIP", (long long)res->bytes,
			      res->content_type[0] ? res->content_type : "unknown");
		ws_fail(op, &e);
		return;
	}
	r.bytes = res->bytes;
	r.content_type = v1 ? "application/gzip" : "application/zip";
	char *root = v1 && res->captured ? http_unescape(res->captured) : NULL;
	r.repo_root = root;
	s->xfer_done(s->ud, &r, NULL);
	free(root);
	op_finish(op);
}

static void
archive_submit(struct api_op *op)
{
	struct ws_state *s = op->state;
	struct http_opts o;
	char *url;

	if (s->rt.conv.version == API_V1) {
		char *e = http_escape(ws_root(op));
		url = xasprintf("%s/api/file/archive?path=%s&format=tar.gz&use_default_excludes=false",
				s->rt.base, e);
		free(e);
	} else {
		url = xasprintf("%s/zip-directory", s->rt.base);
	}
	rt_opts(&s->rt, &o, url);
	o.download = true;
	o.sink_fd = s->fd;
	o.progress = file_progress;
	if (s->rt.conv.version == API_V1) {
		/* R10: nothing arrives until the whole tar.gz is built, and every request builds
		 * it again: wait long for the first byte, and never ask twice */
		o.first_byte_timeout_ms = op->c->archive_first_byte_ms;
		o.max_attempts = 1;
		o.capture_header = "X-Archive-Repo-Root";
	}
	op_submit_ud(op, &o, archive_done, s);
	free(url);
}

struct api_op *
api_fetch_archive(struct api_client *c, const struct api_conversation *conv, int fd,
		  api_xfer_progress_fn progress, api_xfer_fn done, void *ud)
{
	struct ws_state *s = xcalloc(1, sizeof(*s));
	struct api_op *op;

	s->xfer_done = done;
	s->progress = progress;
	s->ud = ud;
	s->archive = true;
	op = ws_op(c, conv, s, archive_submit);
	s->fd = fd;
	return op;
}

/* ---- local conversations: the workspace ops on disk, in steps (api/local.h) */

/* The job is done (from a step of the engine): deliver from the op's own timer, like
 * every other result, so the op's lifetime rules hold whatever the callback does. */
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
	} else if (s->local_start == walk_start || s->local_start == changes_submit) {
		/* sorted by path already (the walk sorts in steps; a second sort of 200,000 rows
		 * would be one long stall) */
		struct api_file_list *l = local_job_files(s->local);
		s->list = *l;
		*l = (struct api_file_list){0};
		s->files_done(s->ud, &s->list, NULL);
		op_finish(op);
	} else if (s->local_start == diff_submit) {
		const char *text = local_job_text(s->local, &len, NULL);
		s->text_done(s->ud, text, strlen(text), false, false, NULL);
		op_finish(op);
	} else if (s->text_done) {
		const char *text = local_job_text(s->local, &len, &cut);
		bool bin = looks_binary(text, len, cut);
		s->text_done(s->ud, bin ? NULL : text, bin ? 0 : len, bin, cut, NULL);
		op_finish(op);
	} else {
		struct api_xfer_result r = {.bytes = local_job_bytes(s->local),
					    .content_type = "application/octet-stream"};
		if (s->progress)
			s->progress(s->ud, r.bytes, r.bytes);
		s->xfer_done(s->ud, &r, NULL);
		op_finish(op);
	}
}

static void
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
	} else if (s->local_start == archive_submit) {
		/* the export then reads the files one by one, which is just as fast on disk */
		api_error_set(&e, API_ERR_UNSUPPORTED, 0, "a local workspace has no server archive");
		ws_fail(op, &e);
	} else if (s->local_start == walk_start) {
		s->local = local_walk_start(h, root, s->children_only ? s->dir : "", s->children_only,
					    op->c->walk_max_depth, op->c->walk_max_files, local_ws_done, op);
	} else if (s->local_start == changes_submit) {
		s->local = local_changes_start(h, root, local_ws_done, op);
	} else if (s->local_start == diff_submit) {
		s->local = local_diff_start(h, root, s->path, local_ws_done, op);
	} else if (s->text_done) {
		s->local = local_head_start(h, root, s->path, s->max_bytes, local_ws_done, op);
	} else {
		s->local = local_copy_start(h, root, s->path, s->fd, local_ws_progress, local_ws_done, op);
	}
}

/* ------------------------------------------------------ events */

#define EVENTS_LOCAL_PAGE 1000	/* files per page: small reads, a page is a few ms */

struct api_events {
	struct api_client *c;
	struct api_conversation conv;
	bool keep_raw;
	bool done;			/* every page delivered */
	struct api_op *op;		/* the next() in flight */
	/* local */
	struct local_events *le;
	bool le_opened;
	size_t next_local;
	/* V1: app server search, or the agent-server's when the app lacks the route */
	char *page_id;
	bool agent;
	/* V0: the runtime's events from start_id, or its whole trajectory */
	long long next_start;
	bool trajectory;
	struct rt rt;
	bool rt_ok;
	struct api_error rt_err;
	/* api_events_resume: where to look again for events that arrived since */
	bool failed;			/* the last page failed: resuming retries it */
	char *last_page_id;		/* paged sources: the last page's id (NULL: the first) */
	struct id_set seen;		/* ids delivered: a page read again gives only new rows */
	size_t delivered;		/* rows delivered in all */
};

struct ev_batch {
	struct api_events *p;
	api_events_fn done;
	void *ud;
};

struct api_events *
api_events_new(struct api_client *c, const struct api_conversation *conv, bool keep_raw)
{
	struct api_events *p = xcalloc(1, sizeof(*p));

	p->c = c;
	p->keep_raw = keep_raw;
	api_conversation_copy(&p->conv, conv);
	if (!conv->local && conv->url && *conv->url)
		p->rt_ok = rt_init(c, &p->rt, conv, &p->rt_err);
	return p;
}

bool
api_events_more(const struct api_events *p)
{
	return p && !p->done;
}

size_t
api_events_total(const struct api_events *p)
{
	return p ? local_events_count(p->le) : 0;
}

void
api_events_free(struct api_events *p)
{
	if (!p)
		return;
	api_op_cancel(p->op);
	local_events_free(p->le);
	free(p->page_id);
	free(p->last_page_id);
	id_set_free(&p->seen);
	if (p->rt_ok)
		rt_clear(&p->rt);
	api_conversation_free(&p->conv);
	free(p);
}

static void
ev_deliver(struct api_op *op, struct api_event_list *l, const struct api_error *err)
{
	struct ev_batch *b = op->state;
	struct api_events *p = b->p;

	p->op = NULL;
	p->failed = err != NULL;
	if (err)
		p->done = true;	/* an error ends the pager: api_events_resume() retries the page */
	if (l && !p->conv.local) {
		/* The one place events are de-duplicated, by id: a page read again on resume, a
		 * whole trajectory sent again, or a server that repeats a row across pages. Page
		 * ids are opaque, so counting rows would guess; ids do not. Rows without an id
		 * (corrupt ones) always pass. */
		size_t keep = 0;
		for (size_t i = 0; i < l->count; i++) {
			if (l->items[i].id && *l->items[i].id && !id_set_add(&p->seen, l->items[i].id)) {
				api_event_free(&l->items[i]);
				continue;
			}
			l->items[keep++] = l->items[i];
		}
		l->count = keep;
	}
	if (l)
		p->delivered += l->count;
	b->done(b->ud, l ? l->items : NULL, l ? l->count : 0, !p->done, err);
	if (l)
		api_event_list_free(l);
	op_finish(op);
}

static void ev_fetch(struct api_op *op);

static void
ev_v1_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ev_batch *b = op->state;
	struct api_events *p = b->p;
	struct api_event_page pg;
	struct api_error e;
	const char *url = p->agent ? p->rt.base : p->c->server;

	if (!classify(res, url, !p->agent, "the conversation's events", &e) ||
	    api_events_decode_page(res->body, res->body_len, p->keep_raw, &pg, &e) != 0) {
		/* Cloud 2026 has /api/v1/conversation/{id}/events/search, older app servers
		 * /api/v1/events/search, and without either the agent-server answers while it
		 * runs (openhands-api-2026.md §1.9). An absent route answers HTML, 404 or 405. */
		bool missing = e.kind == API_ERR_UNSUPPORTED || res->status == 405 ||
			       (e.kind == API_ERR_NOT_FOUND && route_missing(res));
		if (!p->agent && missing && !p->page_id && p->c->events_route < 1) {
			p->c->events_route = 1;	/* the server's generation: remembered */
			ev_fetch(op);
			return;
		}
		if (!p->agent && missing && p->rt_ok && !p->page_id) {
			p->agent = true;
			ev_fetch(op);
			return;
		}
		if (!p->agent && missing)
			api_error_set(&e, API_ERR_UNSUPPORTED, res->status,
				      "this server has no events search for V1 conversations, and the "
				      "conversation's sandbox is not running to ask it; wake it (w, or --wake)");
		ev_deliver(op, NULL, &e);
		return;
	}
	if (pg.next_page_id && p->page_id && strcmp(pg.next_page_id, p->page_id) == 0) {
		/* a cursor that does not move would be asked for forever */
		api_error_set(&e, API_ERR_SERVER, res->status,
			      "the server sent the same next-page id twice for the conversation's events; stopping "
			      "rather than asking forever");
		free(pg.next_page_id);
		api_event_list_free(&pg.events);
		ev_deliver(op, NULL, &e);
		return;
	}
	free(p->last_page_id);
	p->last_page_id = p->page_id;	/* the page just read: where a resume starts */
	p->page_id = pg.next_page_id;
	pg.next_page_id = NULL;
	p->done = !p->page_id;
	ev_deliver(op, &pg.events, NULL);
}

static void
ev_v0_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct ev_batch *b = op->state;
	struct api_events *p = b->p;
	struct api_event_page pg;
	struct api_error e;

	if (!p->trajectory && route_missing(res)) {
		p->trajectory = true;	/* an older runtime: the whole trajectory in one answer */
		ev_fetch(op);
		return;
	}
	if (!classify(res, p->rt.base, false, "the conversation's events", &e) ||
	    api_events_decode_page(res->body, res->body_len, p->keep_raw, &pg, &e) != 0) {
		ev_deliver(op, NULL, &e);
		return;
	}
	if (p->trajectory) {
		p->done = true;	/* the whole trajectory comes every time: ev_deliver drops the known */
	} else if (!pg.has_more || pg.events.count == 0) {
		p->done = true;
		if (pg.events.count) {	/* a resume asks from after the last one */
			char *end;
			const char *last = pg.events.items[pg.events.count - 1].id;
			long long id = strtoll(last, &end, 10);
			p->next_start = *last && !*end && id >= p->next_start ? id + 1
									      : p->next_start + (long long)pg.events.count;
		}
	} else {
		/* ids are integers; the next page starts after the last one seen */
		char *end;
		const char *last = pg.events.items[pg.events.count - 1].id;
		long long id = strtoll(last, &end, 10);
		p->next_start = *last && !*end && id >= p->next_start ? id + 1
								      : p->next_start + (long long)pg.events.count;
	}
	ev_deliver(op, &pg.events, NULL);
	free(pg.next_page_id);
}

static void
ev_fetch(struct api_op *op)
{
	struct ev_batch *b = op->state;
	struct api_events *p = b->p;
	struct api_client *c = p->c;
	struct http_opts o;
	struct api_error e = {0};
	char *url;

	if (p->conv.local) {
		if (!p->le_opened) {
			p->le_opened = true;
			p->le = local_events_open(&p->conv, &e);
			if (!p->le && e.kind != API_ERR_NOT_FOUND) {
				ev_deliver(op, NULL, &e);
				return;
			}
		}
		struct api_event_list l = {0};
		local_events_read(p->le, p->next_local, EVENTS_LOCAL_PAGE, p->keep_raw, &l);
		p->next_local += EVENTS_LOCAL_PAGE;
		if (p->next_local > local_events_count(p->le))
			p->next_local = local_events_count(p->le);
		p->done = p->next_local >= local_events_count(p->le);
		ev_deliver(op, &l, NULL);
		return;
	}
	if (p->conv.version == API_V1 && !p->agent) {
		struct strbuf sb = {0};
		char *id = http_escape(p->conv.id);
		/* limit 100 is the documented maximum; the order is said, not assumed */
		if (c->events_route == 0)
			strbuf_printf(&sb, "%s/api/v1/conversation/%s/events/search?limit=100&sort_order=TIMESTAMP",
				      c->server, id);
		else
			strbuf_printf(&sb, "%s/api/v1/events/search?conversation_id__eq=%s&limit=100&sort_order=TIMESTAMP",
				      c->server, id);
		free(id);
		if (p->page_id) {
			char *t = http_escape(p->page_id);
			strbuf_printf(&sb, "&page_id=%s", t);
			free(t);
		}
		url = strbuf_detach(&sb);
		app_opts(c, &o, url);
		op_submit(op, &o, ev_v1_done, NULL, NULL);
		free(url);
		return;
	}
	if (!p->rt_ok) {
		if (p->rt_err.kind != API_OK)
			e = p->rt_err;
		else
			api_error_set(&e, API_ERR_UNSUPPORTED, 0,
				      "the events of the V0 conversation \"%s\" come from its runtime, which "
				      "is not running (status %s): wake it first (w in the browser, or --wake)",
				      p->conv.title ? p->conv.title : p->conv.id,
				      p->conv.status ? p->conv.status : "unknown");
		ev_deliver(op, NULL, &e);
		return;
	}
	if (p->conv.version == API_V1) {
		struct strbuf sb = {0};
		char *id = http_escape(p->conv.id);
		strbuf_printf(&sb, "%s/api/conversations/%s/events/search?limit=100&sort_order=TIMESTAMP",
			      p->rt.base, id);
		free(id);
		if (p->page_id) {
			char *t = http_escape(p->page_id);
			strbuf_printf(&sb, "&page_id=%s", t);
			free(t);
		}
		url = strbuf_detach(&sb);
		rt_opts(&p->rt, &o, url);
		op->rt = &p->rt;	/* a refused key is re-read (the pager keeps the new one) */
		op_submit(op, &o, ev_v1_done, NULL, NULL);
	} else {
		if (p->trajectory)
			url = xasprintf("%s/trajectory", p->rt.base);
		else
			url = xasprintf("%s/events?start_id=%lld&limit=100", p->rt.base, p->next_start);
		rt_opts(&p->rt, &o, url);
		op_submit(op, &o, ev_v0_done, NULL, NULL);
	}
	free(url);
}

bool
api_events_resume(struct api_events *p)
{
	if (!p || p->op || !p->done)
		return false;
	p->done = false;
	if (p->failed) {
		p->failed = false;	/* the failed page again, from where it was (skip unchanged) */
		return true;
	}
	if (p->conv.local) {
		/* list the directory again: new event files sort after the ones read */
		local_events_free(p->le);
		p->le = NULL;
		p->le_opened = false;
	} else if (p->conv.version == API_V1 || p->agent) {
		/* the last page again: its known rows are dropped by id in ev_deliver */
		free(p->page_id);
		p->page_id = p->last_page_id ? xstrdup(p->last_page_id) : NULL;
	}
	/* V0 events go on from next_start; a trajectory comes whole (known ids dropped) */
	return true;
}

struct api_op *
api_events_next(struct api_events *p, api_events_fn done, void *ud)
{
	struct ev_batch *b = xcalloc(1, sizeof(*b));
	struct api_op *op;

	if (p->op)
		die("internal error: api_events_next while a page is in flight");
	b->p = p;
	b->done = done;
	b->ud = ud;
	op = op_new(p->c, b, free);
	p->op = op;
	op_later(op, 0, ev_fetch);
	return op;
}
