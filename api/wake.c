/*
 * api/wake.c: waking a conversation up (api_wake, see client.h).
 *
 * Owns: the wake-up of a V1 sandbox -- read its status first (a deleted one is said so, a
 * running one is not resumed), POST resume, poll with backoff until RUNNING with an agent
 * URL, then until the agent-server answers /ready -- and of a V0 runtime (POST start, then
 * poll). Lookups are api/conversation.c's.
 */
#include "api/conversation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/json.h"
#include "src/base/util.h"

static void wake_poll(struct api_op *op);

static void
wake_fail(struct api_op *op, enum api_error_kind kind, const char *fmt, const char *arg)
{
	struct api_error e;

	api_error_set(&e, kind, 0, fmt, arg);
	conv_deliver_error(op, &e);
}

/* MISSING: reaped about 14 days after it paused, files and all (§1.3, §3.2). */
static void
wake_deleted(struct api_op *op, long status)
{
	struct conv_state *s = op->state;
	struct api_error e;

	api_error_set(&e, API_ERR_NOT_FOUND, status,
		      "the sandbox was deleted: its files are gone; its events remain (ohbrowse events %s)", s->id);
	conv_deliver_error(op, &e);
}

static void
wake_again(struct api_op *op)
{
	struct conv_state *s = op->state;
	long elapsed = (long)(clock_now_ms() - op->started_ms);

	if (elapsed > op->c->wake_timeout_ms) {
		struct api_error e;
		api_error_set(&e, API_ERR_NETWORK, 0,
			      "the conversation did not start within %ld s (last status %s); check it in "
			      "the OpenHands web app, then retry",
			      op->c->wake_timeout_ms / 1000, s->last_status);
		conv_deliver_error(op, &e);
		return;
	}
	/* 1 s, 1.5 s, 2.25 s ... up to 5 s: the docs poll every 2-5 s (§3.5) */
	op_later(op, s->delay_ms, wake_poll);
	s->delay_ms = s->delay_ms * 3 / 2 > 5000 ? 5000 : s->delay_ms * 3 / 2;
}

static void
wake_note(struct api_op *op, const char *status)
{
	struct conv_state *s = op->state;

	snprintf(s->last_status, sizeof(s->last_status), "%s", status);
	if (s->progress)
		s->progress(s->ud, (long)(clock_now_ms() - op->started_ms), s->last_status);
}

static void
wake_ready_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct conv_state *s = op->state;

	if (res->status == 200) {
		struct api_conversation cv = s->cv;
		memset(&s->cv, 0, sizeof(s->cv));
		s->skip_workdir = false;
		s->found = get_conv_found;	/* with its working_dir, then done */
		lookup_have(op, &cv);
		api_conversation_free(&cv);
		return;
	}
	/* 503 "initializing", or the ingress not routing yet: keep waiting */
	wake_note(op, "INITIALIZING");
	wake_again(op);
}

static void
wake_found(struct api_op *op, struct api_conversation *cv)
{
	struct conv_state *s = op->state;
	const char *st = cv->status ? cv->status : "?";

	wake_note(op, st);
	if (api_conversation_is_running(cv)) {
		if (cv->version == API_V0) {
			get_conv_found(op, cv);
			return;
		}
		/* RUNNING with an agent URL: the agent-server still has to say it is ready (§2.1) */
		struct http_opts o;
		char *base = v1_base(cv);
		char *url = xasprintf("%s/ready", base);
		api_conversation_free(&s->cv);
		api_conversation_copy(&s->cv, cv);
		s->ready_wait = true;
		base_opts(&o, url, NULL, op->c->agent_limit);
		o.max_attempts = 1;	/* the poll itself is the retry */
		op_submit(op, &o, wake_ready_done, NULL, NULL);
		free(url);
		free(base);
		return;
	}
	if (!strcmp(st, "MISSING") || !strcmp(st, "ARCHIVED")) {
		wake_deleted(op, 0);
		return;
	}
	if (!strcmp(st, "ERROR")) {
		wake_fail(op, API_ERR_SERVER,
			  "the conversation's sandbox went to %s instead of starting; open it in the OpenHands "
			  "web app to see why", st);
		return;
	}
	wake_again(op);
}

static void
wake_poll(struct api_op *op)
{
	struct conv_state *s = op->state;

	s->found = wake_found;
	s->skip_workdir = true;
	if (s->version == API_V1)
		lookup_start(op);
	else
		lookup_v0(op);
}

static void
wake_started(struct api_op *op, const struct http_result *res, void *arg)
{
	struct conv_state *s = op->state;
	struct api_error e;

	if (!classify(res, op->c->server, true, s->version == API_V1 ? "the sandbox resume" : "the wake-up", &e)) {
		if (s->version == API_V1 && res->status == 404) {
			/* resume answers 404 for a sandbox the runtime no longer has (§1.5) */
			wake_deleted(op, 404);
			return;
		}
		conv_deliver_error(op, &e);
		return;
	}
	if (s->version == API_V0) {
		bool ok = true;
		char *msg = NULL;
		if (json_decode_start(res->body, res->body_len, &ok, &msg, &e) != 0 || !ok) {
			if (ok)
				;	/* e is set by the decoder */
			else
				api_error_set(&e, API_ERR_SERVER, res->status,
					      "the server could not start the conversation%s%s", msg ? ": " : "",
					      msg ? msg : "");
			free(msg);
			conv_deliver_error(op, &e);
			return;
		}
		free(msg);
	}
	/* resume returns before the sandbox is up (§1.5): poll */
	s->delay_ms = 1000;
	op_later(op, 500, wake_poll);
}

static void
wake_post(struct api_op *op, const char *url)
{
	conv_post(op, url, wake_started);
}

/* The conversation as it is now: resume its sandbox, unless it is up already or gone. */
static void
wake_current(struct api_op *op, struct api_conversation *cv)
{
	struct conv_state *s = op->state;
	const char *st = cv->status ? cv->status : "";

	if (cv->version != API_V1 || !cv->sandbox_id || !id_is_safe(cv->sandbox_id)) {
		wake_fail(op, API_ERR_NOT_FOUND, "the server does not know the sandbox of conversation %s", s->id);
		return;
	}
	if (!strcmp(st, "MISSING") || !strcmp(st, "ARCHIVED")) {
		wake_deleted(op, 0);
		return;
	}
	free(s->sandbox_id);
	s->sandbox_id = xstrdup(cv->sandbox_id);
	if (!strcmp(st, "RUNNING") || !strcmp(st, "STARTING")) {
		s->delay_ms = 1000;
		wake_found(op, cv);
		return;
	}
	char *sid = http_escape(s->sandbox_id);
	char *url = xasprintf("%s/api/v1/sandboxes/%s/resume", op->c->server, sid);
	wake_post(op, url);
	free(url);
	free(sid);
}

static void
wake_begin(struct api_op *op)
{
	struct conv_state *s = op->state;

	if (s->version == API_V1) {
		/* read the status first: a deleted sandbox is said so, a running one is not resumed */
		s->found = wake_current;
		lookup_start(op);
	} else {
		char *url = xasprintf("%s/api/conversations/%s/start", op->c->server, s->id);
		wake_post(op, url);
		free(url);
	}
}

/* A local conversation has nothing to wake: its files are here or nowhere. */
static void
wake_local(struct api_op *op)
{
	struct conv_state *s = op->state;

	wake_fail(op, API_ERR_UNSUPPORTED,
		  "the local conversation %s has no workspace on this machine (its working_dir is missing), "
		  "so there are no files to read", s->id);
}

struct api_op *
api_wake(struct api_client *c, const struct api_conversation *conv, api_wake_progress_fn progress,
	 api_conv_fn done, void *ud)
{
	struct api_op *op = conv_op(c, conv->id);
	struct conv_state *s = op->state;

	s->version = conv->version;
	s->done = done;
	s->progress = progress;
	s->ud = ud;
	if (conv->local)
		op_later(op, 0, wake_local);
	else
		op_later(op, 0, id_is_safe(conv->id) ? wake_begin : conv_bad_id);
	return op;
}

