/*
 * api/conversation.c: one conversation on the app server -- find it, pause it, export its
 * trajectory -- and what the account key says about itself (waking it: api/wake.c).
 *
 * Owns: the lookup order (V1 batch get first, the sandbox record where the conversation
 * record lacks the agent URL, V0 GET /api/conversations/{id} only where the server still
 * has V0), the re-pause, the server's own export ZIP, and GET /api/keys/current.
 *
 * Nothing here is cached across calls except what the server is (no V0, no V1): URLs and
 * session keys are read fresh on every lookup, because Cloud rotates the key on every
 * resume (openhands-api-2026.md §1.5).
 */
#include "api/conversation.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/json.h"
#include "api/local.h"
#include "src/base/util.h"


static void
conv_state_free(void *p)
{
	struct conv_state *s = p;

	free(s->id);
	free(s->sandbox_id);
	api_conversation_free(&s->cv);
	free(s);
}

struct api_op *
conv_op(struct api_client *c, const char *id)
{
	struct conv_state *s = xcalloc(1, sizeof(*s));

	s->id = xstrdup(id ? id : "");
	s->fd = -1;
	return op_new(c, s, conv_state_free, conv_deliver_error);
}

/* Errors found before any request still arrive from the loop, like every result. */
void
conv_deliver_error(struct api_op *op, const struct api_error *e)
{
	struct conv_state *s = op->state;

	op_finish(op);
	if (s->done)
		s->done(s->ud, NULL, e);
	else if (s->status_done)
		s->status_done(s->ud, e);
	else if (s->key_done)
		s->key_done(s->ud, NULL, e);
	else if (s->xfer_done)
		s->xfer_done(s->ud, NULL, e);
}

void
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

/* POST {} to the app server, once (resume, start and pause are not to be sent twice). */
void
conv_post(struct api_op *op, const char *url, op_call_fn done)
{
	struct http_opts o;

	app_opts(op->c, &o, url);
	o.method = "POST";
	o.body = "{}";
	o.body_len = 2;
	o.idempotent = false;
	op_submit(op, &o, done, NULL, NULL);
}

/* A removed or never-mounted route: the SPA page (HTML 200), 404 or 405 (§1.12). */
static bool
route_absent(const struct http_result *res, const struct api_error *e)
{
	return e->kind == API_ERR_UNSUPPORTED || res->status == 404 || res->status == 405;
}

/* ---- lookup: V1 first */

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

void
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
void
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
void
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

void
get_conv_found(struct api_op *op, struct api_conversation *cv)
{
	struct conv_state *s = op->state;

	op_finish(op);
	s->done(s->ud, cv, NULL);
}

/* A local source: search the persistence directory (then the server, for both sources). */
static void
get_conv_local(struct api_op *op)
{
	struct conv_state *s = op->state;
	struct api_conversation cv;
	struct api_error e = {0};

	if (local_find(op->c->local_dir, s->id, &cv, &e) == 0) {
		op_finish(op);
		s->done(s->ud, &cv, NULL);
		api_conversation_free(&cv);
	} else if (op->c->source == API_SOURCE_BOTH && id_is_safe(s->id) && e.kind == API_ERR_NOT_FOUND) {
		lookup_start(op);
	} else {
		conv_deliver_error(op, &e);
	}
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

/* ---- pause */

static void
pause_done(struct api_op *op, const struct http_result *res, void *arg)
{
	struct conv_state *s = op->state;
	struct api_error e;

	if (!op_ok(op, res, "the sandbox pause", &e))
		return;
	op_finish(op);
	s->status_done(s->ud, NULL);
}

static void
pause_start(struct api_op *op)
{
	struct conv_state *s = op->state;
	char *sid = http_escape(s->sandbox_id);
	char *url = xasprintf("%s/api/v1/sandboxes/%s/pause", op->c->server, sid);

	conv_post(op, url, pause_done);
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
		conv_deliver_error(op, &e);
	} else if (json_decode_key_info(res->body, res->body_len, &k, &e) != 0) {
		if (e.kind == API_ERR_UNSUPPORTED)
			api_error_set(&e, API_ERR_UNSUPPORTED, 0,
				      "%s has no /api/keys/current (an older or self-hosted server): the key "
				      "works if 'ohbrowse list' does",
				      op->c->server);
		conv_deliver_error(op, &e);
	} else {
		op_finish(op);
		s->key_done(s->ud, &k, NULL);
		api_key_info_free(&k);
	}
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
		conv_deliver_error(op, &e);
		return;
	}
	unsigned char magic[4] = {0};
	if (pread(s->fd, magic, sizeof(magic), 0) < 4 || magic[0] != 'P' || magic[1] != 'K') {
		api_error_set(&e, API_ERR_UNSUPPORTED, res->status,
			      "%s answered the export with something that is not a ZIP (type %s): this server "
			      "has no conversation export; use 'ohbrowse export ID --format json'",
			      op->c->server, res->content_type[0] ? res->content_type : "unknown");
		conv_deliver_error(op, &e);
		return;
	}
	r.bytes = res->bytes;
	r.content_type = "application/zip";
	op_finish(op);
	s->xfer_done(s->ud, &r, NULL);
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
