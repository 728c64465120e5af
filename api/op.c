/*
 * api/op.c: the op machinery every endpoint file runs on (see api/op.h).
 *
 * Owns: struct api_op -- zero or more in-flight HTTP requests (struct op_call), at most
 * one timer, the runtime a runtime op talks to (struct rt) and the re-read of its key when
 * the agent-server refuses it, and the handle its owner holds. The op stays alive until its
 * last request has completed and no handler of it is running, so api_op_cancel() only has
 * to cancel the requests and mark the op: the completions that still arrive are swallowed.
 * The one classify-or-fail prologue of completions (op_ok, op_decoded) lives here too.
 */
#include "api/op.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"

/* ---------------------------------------------------------------- ops */

struct api_op *
op_new(struct api_client *c, void *state, void (*free_state)(void *), op_fail_fn fail)
{
	struct api_op *op = xcalloc(1, sizeof(*op));

	op->c = c;
	op->state = state;
	op->free_state = free_state;
	op->fail = fail;
	op->started_ms = clock_now_ms();
	op->next = c->ops;
	if (c->ops)
		c->ops->prev = op;
	c->ops = op;
	return op;
}

/* The owner's handle names this op no more (it may hold a newer one by now). */
static void
op_release_handle(struct api_op *op)
{
	if (op->handle && *op->handle == op)
		*op->handle = NULL;
	if (op->home && *op->home == op)
		*op->home = NULL;
	op->handle = op->home = NULL;
}

static void
op_free(struct api_op *op)
{
	struct api_client *c = op->c;

	op_release_handle(op);
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
	if ((op->finished || op->cancelled) && !op->calls && !op->timer && !op->running)
		op_free(op);
}

static void op_call_discard(struct op_call *k);

static void
op_cancel_calls(struct api_op *op)
{
	if (op->refresh) {
		api_op_cancel(&op->refresh);
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

/* The op is about to deliver its result: stop what is still running and free when idle. */
void
op_finish(struct api_op *op)
{
	op->finished = true;
	op_release_handle(op);
	op_cancel_calls(op);
	/* Not freed here: the caller is inside one of this op's handlers (op->running); the
	 * op is freed once the handler returns (op_call_done / op_timer_fire). */
}

void
op_fail(struct api_op *op, const struct api_error *e)
{
	op->fail(op, e);
}

bool
op_ok(struct api_op *op, const struct http_result *res, const char *what, struct api_error *e)
{
	const char *url = op->rt ? op->rt->base : op->c->server;

	if (classify(res, url, !op->rt, what, e))
		return true;
	op_fail(op, e);
	return false;
}

bool
op_decoded(struct api_op *op, int decode_rc, const struct api_error *e)
{
	if (decode_rc == 0)
		return true;
	op_fail(op, e);
	return false;
}

struct api_op *
api_op_hold(struct api_op **handle, struct api_op *op)
{
	*handle = op;
	if (op && !op->finished && !op->cancelled)
		op->handle = handle;
	else
		*handle = NULL;	/* over already: nothing to hold */
	return op;
}

void
op_home(struct api_op **home, struct api_op *op)
{
	*home = op;
	op->home = home;
}

void
api_op_cancel(struct api_op **opp)
{
	struct api_op *op = opp ? *opp : NULL;

	if (opp)
		*opp = NULL;
	if (!op)
		return;
	op_release_handle(op);
	if (op->cancelled || op->finished)
		return;	/* e.g. from its own completion: it is over already */
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

/*
 * The client goes away: every op ends here without a completion. Their requests become the
 * engine's (http_abandon): it finishes and frees them on its own, calling nothing, so
 * freeing the client never runs the engine, nor any other subsystem's completion.
 */
void
op_abandon_all(struct api_client *c)
{
	while (c->ops) {
		struct api_op *op = c->ops;

		op->cancelled = true;
		for (struct op_call *k = op->calls, *n; k; k = n) {
			n = k->next;
			http_abandon(k->req);
			op_call_discard(k);
		}
		op->calls = NULL;
		op->refresh = NULL;	/* an op of its own in c->ops: ended by this loop too */
		op_call_discard(op->refresh_k);
		op->refresh_k = NULL;
		op_free(op);
	}
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
	if (!op->cancelled && !op->finished && !res->cancelled) {
		op->running++;
		k->fn(op, res, k->arg);
		op->running--;
	}
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
	if (!op->cancelled && !op->finished && op->timer_fn) {
		op->running++;
		op->timer_fn(op);
		op->running--;
	}
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

void
rt_clear(struct rt *rt)
{
	api_conversation_free(&rt->conv);
	free(rt->base);
	for (size_t i = 0; i < ARRAY_SIZE(rt->hdr); i++)
		wipe_free(rt->hdr[i]);
	memset(rt, 0, sizeof(*rt));
}

bool
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

void
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
	op->running++;
	k->fn(op, &k->refused, k->arg);
	op->running--;
	op_call_discard(k);
	op_maybe_free(op);
}

