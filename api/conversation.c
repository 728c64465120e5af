/*
 * api/conversation.c: one conversation on the app server -- find it, wake it, pause it,
 * export its trajectory -- and what the account key says about itself.
 *
 * Owns: the lookup order (V1 batch get first, the sandbox record where the conversation
 * record lacks the agent URL, V0 GET /api/conversations/{id} only where the server still
 * has V0), the wake-up of a V1 sandbox (resume, poll until RUNNING with an agent URL, then
 * until the agent-server is /ready) and of a V0 runtime (start), the re-pause, the
 * server's own export ZIP, and GET /api/keys/current.
 *
 * Nothing here is cached across calls except what the server is (no V0, no V1): URLs and
 * session keys are read fresh on every lookup, because Cloud rotates the key on every
 * resume (openhands-api-2026.md §1.5).
 */
#include "api/op.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/json.h"
#include "api/local.h"
#include "src/base/util.h"

struct conv_state {
	char *id;
	char *sandbox_id;
	enum api_version version;
	api_conv_fn done;
	api_wake_progress_fn progress;
	void (*found)(struct api_op *op, struct api_conversation *cv);	/* lookup result */
	void *ud;
	struct api_conversation cv;	/* wake: the conversation found by the last poll */
	char last_status[32];
	long delay_ms;			/* wake: the next poll's delay (backoff) */
	bool ready_wait;		/* wake: polling the agent-server's /ready */
	bool skip_workdir;		/* wake polls: ask the working_dir only once it is ready */
	/* pause and whoami */
	api_status_fn status_done;
	api_key_info_fn key_done;
	/* trajectory */
	int fd;
	api_xfer_progress_fn xfer_progress;
	api_xfer_fn xfer_done;
};

static void
conv_state_free(void *p)
{
	struct conv_state *s = p;

	free(s->id);
	free(s->sandbox_id);
	api_conversation_free(&s->cv);
	free(s);
}

static struct api_op *
conv_op(struct api_client *c, const char *id)
{
	struct conv_state *s = xcalloc(1, sizeof(*s));

	s->id = xstrdup(id ? id : "");
	s->fd = -1;
	return op_new(c, s, conv_state_free);
}

/* Errors found before any request still arrive from the loop, like every result. */
static void
conv_deliver_error(struct api_op *op, const struct api_error *e)
{
	struct conv_state *s = op->state;

	if (s->done)
		s->done(s->ud, NULL, e);
	else if (s->status_done)
		s->status_done(s->ud, e);
	else if (s->key_done)
		s->key_done(s->ud, NULL, e);
	else if (s->xfer_done)
		s->xfer_done(s->ud, NULL, e);
	op_finish(op);
}

static void
conv_bad_id(struct api_op *op)
{
	struct conv_state *s = op->state;
	struct api_error e;

	api_error_set(&e, API_ERR_USAGE, 0, "\"%s\" is not a conversation id (expected 32 hex digits)",
		      s->id);
	conv_deliver_error(op, &e);
}

static void
conv_not_found(struct api_op *op)
{
	struct conv_state *s = op->state;
	struct api_error e;

	api_error_set(&e, API_ERR_NOT_FOUND, 0,
		      "no conversation with id %s on this server; check the id (ohbrowse list)", s->id);
	conv_deliver_error(op, &e);
}

/* A removed or never-mounted route: the SPA page (HTML 200), 404 or 405 (§1.12). */
static bool
route_absent(const struct http_result *res, const struct api_error *e)
{
	return e->kind == API_ERR_UNSUPPORTED || res->status == 404 || res->status == 405;
}

/* ---- lookup: V1 first */

static void lookup_v0(struct api_op *op);

static void
lookup_v0_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct conv_state *s = op->state;
	struct api_error e;
	struct api_conversation cv = {0};
	bool found = false;
	bool ok = classify(res, op->c->server, true, "the conversation", &e) &&
		  json_decode_conversation(res->body, res->body_len, &cv, &found, &e) == 0;

	if (!ok && route_absent(res, &e)) {
		op->c->v0_absent = true;	/* this server has no V0: not an error, just not here */
		conv_not_found(op);
	} else if (!ok) {
		conv_deliver_error(op, &e);
	} else if (!found) {
		conv_not_found(op);
	} else {
		s->found(op, &cv);
	}
	api_conversation_free(&cv);
}

static void
lookup_v0(struct api_op *op)
{
	struct conv_state *s = op->state;
	struct http_opts o;

	if (op->c->v0_absent) {
		conv_not_found(op);
		return;
	}
	char *url = xasprintf("%s/api/conversations/%s", op->c->server, s->id);
	app_opts(op->c, &o, url);
	op_submit(op, &o, lookup_v0_done, NULL, NULL);
	free(url);
}

/* The agent-server's word on where the files are: GET {agent}/api/conversations/{id} ->
 * workspace.working_dir (§2.6). Only when --workspace-root did not say; a failure leaves
 * the default (the listing then says when the root is not there). */
static void
workdir_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct conv_state *s = op->state;
	struct api_error e;
	char *wd = NULL;

	if (classify(res, s->cv.url, false, "the conversation's workspace", &e) &&
	    json_decode_agent_conversation(res->body, res->body_len, &wd, &e) == 0 && wd && wd[0] == '/') {
		free(s->cv.workspace_root);
		s->cv.workspace_root = strip_slash(wd);
	}
	free(wd);
	struct api_conversation cv = s->cv;
	memset(&s->cv, 0, sizeof(s->cv));
	s->found(op, &cv);
	api_conversation_free(&cv);
}

/* A conversation found: with its agent-server's working_dir when it runs, then s->found. */
static void
lookup_have(struct api_op *op, struct api_conversation *cv)
{
	struct conv_state *s = op->state;
	char *hdr[3] = {NULL, NULL, NULL};
	struct api_error e;
	char *base = cv->version == API_V1 && api_conversation_is_running(cv) && !op->c->root_explicit &&
			     !s->skip_workdir ? v1_base(cv) : NULL;

	if (!base || !runtime_headers(op->c, cv, base, hdr, &e)) {
		free(base);
		s->found(op, cv);
		return;
	}
	struct http_opts o;
	char *id = http_escape(cv->id);
	char *url = xasprintf("%s/api/conversations/%s", base, id);
	if (cv != &s->cv) {
		api_conversation_free(&s->cv);
		api_conversation_copy(&s->cv, cv);
	}
	base_opts(&o, url, hdr, op->c->agent_limit);
	o.limit_prefix = base;
	o.max_attempts = 2;
	op_submit(op, &o, workdir_done, NULL, NULL);
	free(url);
	free(id);
	free(base);
	for (size_t i = 0; i < 3; i++)
		if (hdr[i]) {
			explicit_bzero(hdr[i], strlen(hdr[i]));
			free(hdr[i]);
		}
}

/* RUNNING but the record carries no URL: the sandbox record has the exposed URLs (§1.4). */
static void
lookup_sandbox_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct conv_state *s = op->state;
	struct api_error e;
	char *agent = NULL, *key = NULL;
	bool found = false;

	if (classify(res, op->c->server, true, "the conversation's sandbox", &e) &&
	    json_decode_sandbox(res->body, res->body_len, &agent, &key, NULL, &found, &e) == 0 &&
	    found && agent && *agent) {
		char *base = strip_slash(agent);
		free(s->cv.url);
		s->cv.url = xasprintf("%s/api/conversations/%s", base, s->cv.id);
		free(base);
		if (key) {
			free(s->cv.session_api_key);
			s->cv.session_api_key = key;
			key = NULL;
		}
	}
	/* without the sandbox record the conversation is still found, just not reachable */
	free(agent);
	free(key);
	struct api_conversation cv = s->cv;
	memset(&s->cv, 0, sizeof(s->cv));
	lookup_have(op, &cv);
	api_conversation_free(&cv);
}

static void
lookup_v1_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct conv_state *s = op->state;
	struct api_error e;
	struct api_conversation cv = {0};
	bool found = false;
	bool ok = classify(res, op->c->server, true, "the conversation", &e) &&
		  json_decode_v1_conversation_list(res->body, res->body_len, &cv, &found, &e) == 0;

	if (!ok && (route_absent(res, &e) || res->status == 400 || res->status == 422)) {
		/* no V1 here (an older server), or an id V1 cannot parse (400 Invalid UUID) */
		if (route_absent(res, &e))
			op->c->v1_absent = true;
		lookup_v0(op);
	} else if (!ok) {
		conv_deliver_error(op, &e);
	} else if (!found) {
		lookup_v0(op);	/* not a V1 conversation: a V0 one, where the server has V0 */
	} else if (cv.status && !strcmp(cv.status, "RUNNING") && (!cv.url || !*cv.url) && cv.sandbox_id &&
		   id_is_safe(cv.sandbox_id)) {
		struct http_opts o;
		char *sid = http_escape(cv.sandbox_id);
		char *url = xasprintf("%s/api/v1/sandboxes?id=%s", op->c->server, sid);

		s->cv = cv;
		memset(&cv, 0, sizeof(cv));
		app_opts(op->c, &o, url);
		op_submit(op, &o, lookup_sandbox_done, NULL, NULL);
		free(url);
		free(sid);
	} else {
		lookup_have(op, &cv);
	}
	api_conversation_free(&cv);
}

/* Look s->id up on the server; s->found gets the conversation, errors go to the op's callback. */
static void
lookup_start(struct api_op *op)
{
	struct conv_state *s = op->state;
	struct http_opts o;

	if (op->c->v1_absent) {
		lookup_v0(op);
		return;
	}
	char *id = http_escape(s->id);
	char *url = xasprintf("%s/api/v1/app-conversations?ids=%s", op->c->server, id);
	app_opts(op->c, &o, url);
	op_submit(op, &o, lookup_v1_done, NULL, NULL);
	free(url);
	free(id);
}

static void
get_conv_found(struct api_op *op, struct api_conversation *cv)
{
	struct conv_state *s = op->state;

	s->done(s->ud, cv, NULL);
	op_finish(op);
}

/* A local source: search the persistence directory (then the server, for both sources). */
static void
get_conv_local(struct api_op *op)
{
	struct conv_state *s = op->state;
	struct api_conversation cv;
	struct api_error e = {0};

	if (local_find(op->c->local_dir, s->id, &cv, &e) == 0) {
		s->done(s->ud, &cv, NULL);
		api_conversation_free(&cv);
	} else if (op->c->source == API_SOURCE_BOTH && id_is_safe(s->id) && e.kind == API_ERR_NOT_FOUND) {
		lookup_start(op);
		return;
	} else {
		s->done(s->ud, NULL, &e);
	}
	op_finish(op);
}

struct api_op *
api_get_conversation(struct api_client *c, const char *id, api_conv_fn done, void *ud)
{
	struct api_op *op = conv_op(c, id);
	struct conv_state *s = op->state;

	s->done = done;
	s->found = get_conv_found;
	s->ud = ud;
	if (c->source == API_SOURCE_LOCAL || c->source == API_SOURCE_BOTH)
		op_later(op, 0, id && *id ? get_conv_local : conv_bad_id);
	else
		op_later(op, 0, id_is_safe(id) ? lookup_start : conv_bad_id);
	return op;
}

/* ---- wake */

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
			s->done(s->ud, cv, NULL);
			op_finish(op);
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
	struct http_opts o;

	app_opts(op->c, &o, url);
	o.method = "POST";
	o.body = "{}";
	o.body_len = 2;
	o.idempotent = false;
	op_submit(op, &o, wake_started, NULL, NULL);
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

/* ---- pause */

static void
pause_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct conv_state *s = op->state;
	struct api_error e;

	if (classify(res, op->c->server, true, "the sandbox pause", &e))
		s->status_done(s->ud, NULL);
	else
		s->status_done(s->ud, &e);
	op_finish(op);
}

static void
pause_start(struct api_op *op)
{
	struct conv_state *s = op->state;
	struct http_opts o;
	char *sid = http_escape(s->sandbox_id);
	char *url = xasprintf("%s/api/v1/sandboxes/%s/pause", op->c->server, sid);

	app_opts(op->c, &o, url);
	o.method = "POST";
	o.body = "{}";
	o.body_len = 2;
	o.idempotent = false;
	op_submit(op, &o, pause_done, NULL, NULL);
	free(url);
	free(sid);
}

static void
pause_unsupported(struct api_op *op)
{
	struct api_error e;

	api_error_set(&e, API_ERR_UNSUPPORTED, 0,
		      "only V1 sandboxes can be paused from ohbrowse; this conversation has none");
	conv_deliver_error(op, &e);
}

struct api_op *
api_pause(struct api_client *c, const struct api_conversation *conv, api_status_fn done, void *ud)
{
	struct api_op *op = conv_op(c, conv->id);
	struct conv_state *s = op->state;
	bool ok = !conv->local && conv->version == API_V1 && conv->sandbox_id && id_is_safe(conv->sandbox_id);

	s->status_done = done;
	s->ud = ud;
	s->sandbox_id = ok ? xstrdup(conv->sandbox_id) : NULL;
	op_later(op, 0, ok ? pause_start : pause_unsupported);
	return op;
}

/* ---- the key */

static void
whoami_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct conv_state *s = op->state;
	struct api_error e;
	struct api_key_info k;

	if (!classify(res, op->c->server, true, "the API key's details", &e)) {
		if (res->status == 400)
			api_error_set(&e, API_ERR_USAGE, 400,
				      "%s says this request was not authenticated by an API key (HTTP 400), so it "
				      "cannot describe one; pass an API key (OPENHANDS_API_KEY or ohbrowse login)",
				      op->c->server);
		s->key_done(s->ud, NULL, &e);
	} else if (json_decode_key_info(res->body, res->body_len, &k, &e) != 0) {
		if (e.kind == API_ERR_UNSUPPORTED)
			api_error_set(&e, API_ERR_UNSUPPORTED, 0,
				      "%s has no /api/keys/current (an older or self-hosted server): the key "
				      "works if 'ohbrowse list' does",
				      op->c->server);
		s->key_done(s->ud, NULL, &e);
	} else {
		s->key_done(s->ud, &k, NULL);
		api_key_info_free(&k);
	}
	op_finish(op);
}

static void
whoami_start(struct api_op *op)
{
	struct http_opts o;
	char *url = xasprintf("%s/api/keys/current", op->c->server);

	app_opts(op->c, &o, url);
	op_submit(op, &o, whoami_done, NULL, NULL);
	free(url);
}

struct api_op *
api_whoami(struct api_client *c, api_key_info_fn done, void *ud)
{
	struct api_op *op = conv_op(c, NULL);
	struct conv_state *s = op->state;

	s->key_done = done;
	s->ud = ud;
	op_later(op, 0, whoami_start);
	return op;
}

/* ---- the server's export of the trajectory (§1.7) */

static void
trajectory_progress(void *ud, int64_t done, int64_t total)
{
	struct conv_state *s = ud;

	if (s->xfer_progress)
		s->xfer_progress(s->ud, done, total);
}

static void
trajectory_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct conv_state *s = op->state;
	struct api_error e;
	struct api_xfer_result r = {0};

	if (!classify(res, op->c->server, true, "the conversation's export", &e)) {
		if (res->status == 409 || res->status == 503)
			api_error_set(&e, API_ERR_SERVER, res->status,
				      "the server is already exporting this conversation (HTTP %ld); wait for that "
				      "export to finish, then retry", res->status);
		else if (res->status == 413)
			api_error_set(&e, API_ERR_UNSUPPORTED, 413,
				      "the conversation has too many events for the server's export (HTTP 413); "
				      "use 'ohbrowse export ID --format json', which pages through them");
		else if (route_absent(res, &e))
			api_error_set(&e, API_ERR_UNSUPPORTED, res->status,
				      "this server has no conversation export (an older server); use "
				      "'ohbrowse export ID --format json' instead");
		s->xfer_done(s->ud, NULL, &e);
		op_finish(op);
		return;
	}
	unsigned char magic[4] = {0};
	if (pread(s->fd, magic, sizeof(magic), 0) < 4 || magic[0] != 'P' || magic[1] != 'K') {
		api_error_set(&e, API_ERR_UNSUPPORTED, res->status,
			      "%s answered the export with something that is not a ZIP (type %s): this server "
			      "has no conversation export; use 'ohbrowse export ID --format json'",
			      op->c->server, res->content_type[0] ? res->content_type : "unknown");
		s->xfer_done(s->ud, NULL, &e);
		op_finish(op);
		return;
	}
	r.bytes = res->bytes;
	r.content_type = "application/zip";
	s->xfer_done(s->ud, &r, NULL);
	op_finish(op);
}

static void
trajectory_start(struct api_op *op)
{
	struct conv_state *s = op->state;
	struct http_opts o;
	char *url = xasprintf("%s/api/v1/app-conversations/%s/download", op->c->server, s->id);

	app_opts(op->c, &o, url);
	o.download = true;
	o.sink_fd = s->fd;
	o.progress = trajectory_progress;
	op_submit_ud(op, &o, trajectory_done, s);
	free(url);
}

static void
trajectory_not_v1(struct api_op *op)
{
	struct api_error e;

	api_error_set(&e, API_ERR_UNSUPPORTED, 0,
		      "only V1 conversations on an app server have the server's export; use "
		      "'ohbrowse export ID --format json' for this one");
	conv_deliver_error(op, &e);
}

struct api_op *
api_fetch_trajectory(struct api_client *c, const struct api_conversation *conv, int fd,
		     api_xfer_progress_fn progress, api_xfer_fn done, void *ud)
{
	struct api_op *op = conv_op(c, conv->id);
	struct conv_state *s = op->state;

	s->fd = fd;
	s->xfer_progress = progress;
	s->xfer_done = done;
	s->ud = ud;
	if (conv->local || conv->version != API_V1)
		op_later(op, 0, trajectory_not_v1);
	else
		op_later(op, 0, id_is_safe(conv->id) ? trajectory_start : conv_bad_id);
	return op;
}
