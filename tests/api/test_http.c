/*
 * tests/api/test_http.c: the async engine and the op contract against the in-process fake
 * OpenHands server: the per-host rate limit keeps the real limiter from ever answering 429,
 * Retry-After is honoured (checked from the server's own request log, as a lower bound on
 * the gap, never as an upper bound on speed), cancelled requests complete exactly once,
 * a cancelled api_op never calls back, handles held with api_op_hold never dangle, and
 * freeing the client runs no completion at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "api/client.h"
#include "api/http.h"
#include "src/base/util.h"
#include "tests/fakehands/fakehands.h"

#define KEY "Tk9tZXN0S2V5Rm9yT2hCcm93c2VUZXN0"

struct env {
	struct fakehands *fh;
	char log[256];
	char app[64];
	struct http *h;
};

static int
env_start(struct env *e, const char *scenario)
{
	struct fakehands_options fo = {0};
	char err[256];

	snprintf(e->log, sizeof(e->log), "%s/ohb-http-XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	int fd = mkstemp(e->log);
	if (fd < 0)
		return -1;
	close(fd);
	fo.log_path = e->log;
	e->fh = fakehands_start(scenario, strlen(scenario), &fo, err, sizeof(err));
	if (!e->fh) {
		fprintf(stderr, "fakehands: %s\n", err);
		return -1;
	}
	snprintf(e->app, sizeof(e->app), "http://127.0.0.1:%u", fakehands_app_port(e->fh));
	struct http_config hc = {.log_fd = -1, .backoff_base_ms = 100};
	e->h = http_new(&hc);
	return 0;
}

static void
env_stop(struct env *e)
{
	http_free(e->h);
	fakehands_stop(e->fh);
	unlink(e->log);
}

/* Server-side receive times (ms) and statuses of requests to a path, from the log. */
static size_t
log_times(const char *log, const char *path, int64_t *t, long *status, size_t max)
{
	FILE *f = fopen(log, "r");
	char line[8192];
	size_t n = 0;

	if (!f)
		return 0;
	while (n < max && fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);
		if (!j)
			continue;
		if (strcmp(json_string_value(json_object_get(j, "path")), path) == 0) {
			t[n] = json_integer_value(json_object_get(j, "t_ms"));
			status[n] = (long)json_integer_value(json_object_get(j, "status"));
			n++;
		}
		json_decref(j);
	}
	fclose(f);
	return n;
}

struct count {
	int done;
	int ok;
	int cancelled;
	long last_status;
	int attempts;
};

static void
count_done(struct http_req *r, const struct http_result *res, void *ud)
{
	struct count *c = ud;

	c->done++;
	c->ok += res->status == 200 && res->curl_code == 0;
	c->cancelled += res->cancelled;
	c->last_status = res->status;
	c->attempts = res->attempts;
}

static void
run_until(struct http *h, const int *counter, int target)
{
	int64_t deadline = clock_now_ms() + 30000;

	while (*counter < target && clock_now_ms() < deadline) {
		http_perform(h);
		if (*counter >= target)
			break;
		http_wait(h, NULL, 0, 100);
	}
}

/* 40 requests through a 10 requests/s limit: the real limiter (delay over 10/s, 429 over
 * 20/s) never fires, and no second of server time saw more than 10 of them. */
static void
test_rate_limit_respected(void **state)
{
	struct env e;
	const char *scen = "{\"app\": {\"auth\": \"bearer\", \"api_key\": \"" KEY "\", \"rate_limit\": true},"
			   " \"conversations\": []}";
	const char *hdr[] = {"Authorization: Bearer " KEY, NULL};
	struct count c = {0};
	char url[128];

	assert_int_equal(env_start(&e, scen), 0);
	snprintf(url, sizeof(url), "%s/api/options/models", e.app);
	for (int i = 0; i < 40; i++) {
		struct http_opts o = {.url = url, .headers = hdr, .idempotent = true,
				      .limit = {10, 6}, .done = count_done, .ud = &c};
		http_submit(e.h, &o);
	}
	run_until(e.h, &c.done, 40);
	assert_int_equal(c.ok, 40);

	int64_t t[64];
	long st[64];
	size_t n = log_times(e.log, "/api/options/models", t, st, 64);
	assert_int_equal(n, 40);
	for (size_t i = 0; i < n; i++) {
		assert_int_not_equal(st[i], 429);
		int in_window = 0;
		for (size_t k = 0; k < n; k++)
			in_window += t[k] >= t[i] && t[k] < t[i] + 1000;
		assert_true(in_window <= 10);
	}
	env_stop(&e);
}

/*
 * The minute budget (Cloud: 100 a minute besides 10 a second) holds requests past it, and an
 * agent-server registered under the app's own origin (path mode, openhands-api-2026.md §1.4)
 * gets a limit of its own instead of replacing the app's. Only a lower bound on waiting is
 * asserted: after 1.5 s the held requests have not been sent.
 */
static void
test_minute_budget_and_prefixes(void **state)
{
	struct env e;
	const char *scen = "{\"app\": {\"auth\": \"none\"}, \"conversations\": []}";
	struct count app = {0}, agent = {0};
	char url[160], agent_base[160], agent_url[200];
	struct http_req *held[5];

	assert_int_equal(env_start(&e, scen), 0);
	http_set_host_limit(e.h, e.app, (struct http_limit){0, 6, 3});
	snprintf(agent_base, sizeof(agent_base), "%s/rt-abc", e.app);
	http_set_host_limit(e.h, agent_base, (struct http_limit){0, 16, 0});
	snprintf(url, sizeof(url), "%s/api/options/models", e.app);
	snprintf(agent_url, sizeof(agent_url), "%s/alive", agent_base);
	for (int i = 0; i < 5; i++) {
		struct http_opts o = {.url = url, .idempotent = true, .limit = {0, 6, 0}, .done = count_done, .ud = &app};
		held[i] = http_submit(e.h, &o);
		struct http_opts a = {.url = agent_url, .idempotent = true, .limit = {0, 16, 0},
				      .limit_prefix = agent_base, .done = count_done, .ud = &agent};
		http_submit(e.h, &a);
	}
	int64_t until = clock_now_ms() + 1500;
	while (clock_now_ms() < until) {
		http_perform(e.h);
		http_wait(e.h, NULL, 0, 50);
	}
	assert_int_equal(agent.done, 5);	/* the agent's own limit: no minute budget */
	assert_int_equal(app.done, 3);		/* the app's budget was not replaced */
	int64_t t[8];
	long st[8];
	assert_int_equal(log_times(e.log, "/api/options/models", t, st, 8), 3);
	/* the queue is first come, first served: the last two are the held ones (the others are
	 * completed and freed) */
	http_cancel(held[3]);
	http_cancel(held[4]);
	run_until(e.h, &app.done, 5);
	assert_int_equal(app.cancelled, 2);
	env_stop(&e);
}

/* A 429 with Retry-After: 1 is retried no sooner than a second later, and succeeds. */
static void
test_retry_after_honoured(void **state)
{
	struct env e;
	const char *scen = "{\"app\": {\"auth\": \"bearer\", \"api_key\": \"" KEY "\"}, \"conversations\": [],"
			   " \"faults\": [{\"server\": \"app\", \"route\": \"conversations\", \"nth\": 1,"
			   " \"count\": 1, \"status\": 429, \"retry_after\": 1}]}";
	const char *hdr[] = {"Authorization: Bearer " KEY, NULL};
	struct count c = {0};
	char url[128];

	assert_int_equal(env_start(&e, scen), 0);
	snprintf(url, sizeof(url), "%s/api/conversations?limit=5", e.app);
	struct http_opts o = {.url = url, .headers = hdr, .idempotent = true, .limit = {10, 6},
			      .done = count_done, .ud = &c};
	http_submit(e.h, &o);
	run_until(e.h, &c.done, 1);
	assert_int_equal(c.ok, 1);
	assert_int_equal(c.attempts, 2);

	int64_t t[4];
	long st[4];
	assert_int_equal(log_times(e.log, "/api/conversations", t, st, 4), 2);
	assert_int_equal(st[0], 429);
	assert_int_equal(st[1], 200);
	assert_true(t[1] - t[0] >= 950);	/* a second, less the log's rounding */
	env_stop(&e);
}

/* A request not marked idempotent is not retried on a 503; a cancelled one completes once. */
static void
test_no_retry_and_cancel(void **state)
{
	struct env e;
	const char *scen = "{\"app\": {\"auth\": \"none\"}, \"conversations\": [],"
			   " \"faults\": [{\"server\": \"app\", \"route\": \"conversations\", \"status\": 503}]}";
	struct count c = {0}, k = {0};
	char url[128];

	assert_int_equal(env_start(&e, scen), 0);
	snprintf(url, sizeof(url), "%s/api/conversations", e.app);
	struct http_opts o = {.url = url, .idempotent = false, .limit = {10, 6},
			      .done = count_done, .ud = &c};
	http_submit(e.h, &o);
	run_until(e.h, &c.done, 1);
	assert_int_equal(c.done, 1);
	assert_int_equal(c.last_status, 503);
	assert_int_equal(c.attempts, 1);

	struct http_opts g = {.url = url, .idempotent = true, .limit = {10, 6}, .done = count_done, .ud = &k};
	struct http_req *r = http_submit(e.h, &g);
	http_cancel(r);
	run_until(e.h, &k.done, 1);
	http_perform(e.h);
	assert_int_equal(k.done, 1);
	assert_int_equal(k.cancelled, 1);
	assert_int_equal(http_pending(e.h), 0);
	env_stop(&e);
}

struct conv_got {
	int done;
	struct api_conversation *out;
};

static void
local_conv_got(void *ud, struct api_conversation *conv, const struct api_error *err)
{
	struct conv_got *g = ud;

	if (conv)
		api_conversation_copy(g->out, conv);
	g->done = 1;
}

static void
never_called(void *ud, struct api_conversation *rows, size_t n, bool more, const struct api_error *err)
{
	fail_msg("a cancelled op called back");
}

static void
page_done(void *ud, struct api_conversation *rows, size_t n, bool more, const struct api_error *err)
{
	*(int *)ud += 1;
}

/* api_op_cancel: the completion never runs, even when the answer is already on its way. */
static void
test_op_cancel_never_calls_back(void **state)
{
	struct env e;
	/* The answers take 300 ms, so the requests are surely in flight when the op is cancelled. */
	const char *scen = "{\"app\": {\"auth\": \"none\"}, \"conversations\": [],"
			   " \"generate\": {\"count\": 30, \"version\": \"V0\"},"
			   " \"faults\": [{\"server\": \"app\", \"route\": \"*\", \"nth\": 1, \"count\": 2,"
			   " \"latency_ms\": 300}]}";
	struct api_error err = {0};
	int pages = 0;

	assert_int_equal(env_start(&e, scen), 0);
	struct api_client_config cfg = {.server = e.app, .auth = API_AUTH_NONE};
	struct api_client *c = api_client_new(e.h, &cfg, &err);
	assert_non_null(c);
	struct api_lister *l = api_lister_new(c, NULL);
	struct api_op *op = api_lister_next(l, never_called, NULL);
	http_perform(e.h);	/* the op's timer fires and its requests start */
	assert_true(http_pending(e.h) > 0);
	api_op_cancel(&op);
	int64_t until = clock_now_ms() + 600;
	while (clock_now_ms() < until) {
		http_perform(e.h);
		http_wait(e.h, NULL, 0, 20);
	}
	api_lister_free(l);

	/* and a fresh lister still works afterwards */
	l = api_lister_new(c, NULL);
	api_lister_next(l, page_done, &pages);
	run_until(e.h, &pages, 1);
	assert_int_equal(pages, 1);
	api_lister_free(l);
	api_client_free(c);
	env_stop(&e);
}

/* Handles that cannot dangle: a held handle is NULL when the completion runs (so the
 * completion may free what holds it, or hold a new op in it), cancelling clears the
 * caller's pointer, and cancelling an op from inside its own completion is harmless (ASan
 * checks the last two: the holder below is freed by the completion). */
struct holder {
	struct api_lister *l;
	struct api_op *op;	/* held */
	struct api_op *raw;	/* the same op, not held: cancelled from inside its completion */
	int *pages;
	int *held_during;	/* the handle was still set inside the completion */
	bool again, free_me;
};

static void
holder_page(void *ud, struct api_conversation *rows, size_t n, bool more, const struct api_error *err)
{
	struct holder *x = ud;

	*x->pages += 1;
	*x->held_during += x->op != NULL;
	api_op_cancel(&x->raw);	/* the op that is calling us: over already, nothing happens */
	if (x->again) {
		x->again = false;
		api_op_hold(&x->op, api_lister_next(x->l, holder_page, x));
	}
	if (x->free_me)
		free(x);	/* the op must not touch the handle after this */
}

static void
test_op_handles(void **state)
{
	struct env e;
	const char *scen = "{\"app\": {\"auth\": \"none\"}, \"conversations\": [],"
			   " \"generate\": {\"count\": 30, \"version\": \"V0\"}}";
	struct api_error err = {0};
	int pages = 0, held_during = 0;

	assert_int_equal(env_start(&e, scen), 0);
	struct api_client_config cfg = {.server = e.app, .auth = API_AUTH_NONE};
	struct api_client *c = api_client_new(e.h, &cfg, &err);
	assert_non_null(c);
	struct api_lister_opts lo = {.limit = 10};
	struct api_lister *l = api_lister_new(c, &lo);

	/* the completion frees the struct that holds the handle */
	struct holder *hp = xcalloc(1, sizeof(*hp));
	*hp = (struct holder){.l = l, .pages = &pages, .held_during = &held_during, .free_me = true};
	hp->raw = api_op_hold(&hp->op, api_lister_next(l, holder_page, hp));
	assert_non_null(hp->raw);
	run_until(e.h, &pages, 1);
	assert_int_equal(pages, 1);
	assert_int_equal(held_during, 0);

	/* the completion holds the next page in the same handle; both end with it NULL */
	struct holder x = {.l = l, .pages = &pages, .held_during = &held_during, .again = true};
	x.raw = api_op_hold(&x.op, api_lister_next(l, holder_page, &x));
	assert_ptr_equal(x.op, x.raw);
	run_until(e.h, &pages, 3);
	assert_int_equal(pages, 3);
	assert_int_equal(held_during, 0);
	assert_null(x.op);	/* delivered: the handle names no freed op */
	api_op_cancel(&x.op);	/* a NULL handle: nothing happens */

	/* cancelled: the caller's pointer is cleared and the lister may page again */
	struct api_op *op = api_lister_next(l, never_called, NULL);
	struct api_op *copy = op;
	api_op_cancel(&op);
	assert_null(op);
	assert_non_null(copy);
	http_perform(e.h);
	api_op_hold(&x.op, api_lister_next(l, holder_page, &x));
	run_until(e.h, &pages, 4);
	assert_int_equal(pages, 4);
	assert_null(x.op);
	api_lister_free(l);
	api_client_free(c);
	env_stop(&e);
}

/* Freeing the client with ops in flight runs no completion -- neither its own ops' nor
 * another subsystem's request that is due on the same engine -- and the engine later
 * finishes the abandoned requests by itself, calling nothing. */
static void
test_client_free_runs_nothing(void **state)
{
	struct env e;
	/* every answer takes 300 ms: the ops' requests are in flight when the client goes */
	const char *scen = "{\"app\": {\"auth\": \"none\"}, \"conversations\": [],"
			   " \"generate\": {\"count\": 30, \"version\": \"V0\"},"
			   " \"faults\": [{\"server\": \"app\", \"route\": \"*\", \"nth\": 1, \"count\": 10,"
			   " \"latency_ms\": 300}]}";
	struct api_error err = {0};
	struct count other = {0};
	char url[128];

	assert_int_equal(env_start(&e, scen), 0);
	struct api_client_config cfg = {.server = e.app, .auth = API_AUTH_NONE};
	struct api_client *c = api_client_new(e.h, &cfg, &err);
	assert_non_null(c);
	struct api_lister *l = api_lister_new(c, NULL);
	struct api_op *op = NULL;
	api_op_hold(&op, api_lister_next(l, never_called, NULL));
	http_perform(e.h);	/* the op's timer fires and its requests start */
	size_t ours = http_pending(e.h);
	assert_true(ours > 0);
	api_lister_free(l);	/* cancels the page: its requests still run in the engine */
	assert_null(op);
	l = api_lister_new(c, NULL);
	api_op_hold(&op, api_lister_next(l, never_called, NULL));
	http_perform(e.h);
	/* another subsystem's request, cancelled: its completion is due on the next perform */
	snprintf(url, sizeof(url), "%s/api/options/models", e.app);
	struct http_opts g = {.url = url, .idempotent = true, .limit = {10, 6}, .done = count_done, .ud = &other};
	http_cancel(http_submit(e.h, &g));
	api_client_free(c);
	assert_int_equal(other.done, 0);	/* not from inside api_client_free */
	assert_null(op);			/* the op is gone, and so is its handle */
	http_perform(e.h);
	assert_int_equal(other.done, 1);
	int64_t until = clock_now_ms() + 2000;
	while (http_pending(e.h) > 0 && clock_now_ms() < until) {
		http_perform(e.h);
		http_wait(e.h, NULL, 0, 20);
	}
	assert_int_equal(http_pending(e.h), 0);	/* the abandoned requests are freed, silently */
	api_lister_free(l);	/* its page went with the client: nothing left to cancel */
	env_stop(&e);
}

/* Keys never travel over plain http to a host that is not loopback. */
static void
test_no_key_over_plain_http(void **state)
{
	struct http *h = http_new(NULL);
	struct api_error err = {0};
	struct api_client_config cfg = {.server = "http://openhands.example.invalid", .api_key = KEY};

	assert_null(api_client_new(h, &cfg, &err));
	assert_int_equal(err.kind, API_ERR_USAGE);
	assert_null(strstr(err.message, KEY));
	cfg.allow_http = true;
	struct api_client *c = api_client_new(h, &cfg, &err);
	assert_non_null(c);
	api_client_free(c);
	cfg.server = "http://127.0.0.1:9";
	cfg.allow_http = false;
	c = api_client_new(h, &cfg, &err);
	assert_non_null(c);
	api_client_free(c);
	http_free(h);
}

struct ev_count {
	int pages;
	size_t rows;
	bool more;
	bool failed;
	char first_id[64];
};

static void
ev_counted(void *ud, struct api_event *rows, size_t n, bool more, const struct api_error *err)
{
	struct ev_count *c = ud;

	c->pages++;
	c->rows += n;
	c->more = more;
	c->failed = err != NULL;
	if (n && rows[0].id)
		snprintf(c->first_id, sizeof(c->first_id), "%s", rows[0].id);
}

/* Read every page, then count what one resume delivers. */
static void
drain(struct env *e, struct api_events *p, struct ev_count *c)
{
	do {
		int before = c->pages;
		api_events_next(p, ev_counted, c);
		run_until(e->h, &c->pages, before + 1);
	} while (c->more && !c->failed);
}

static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

/* Follow mode: a resumed pager delivers only what arrived since, without the earlier pages
 * (local: a new event file appears; V1: nothing new, and no row comes twice). */
static void
test_events_resume(void **state)
{
	struct env e;
	char dir[] = "/tmp/ohb-resume-XXXXXX";
	const char *hex = "1234567812345678123456781234567a";
	const char *scen = "{\"app\": {\"auth\": \"none\"}, \"conversations\": [{\"id\": "
			   "\"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb0e\", \"version\": \"V1\", \"status\": \"STOPPED\","
			   " \"events\": [";
	struct strbuf sc = {0};
	struct api_error err = {0};

	strbuf_puts(&sc, scen);
	for (int i = 0; i < 150; i++)
		strbuf_printf(&sc, "%s{\"id\": \"ev-%03d\", \"kind\": \"MessageEvent\", \"source\": \"agent\","
			      " \"timestamp\": \"2026-11-24T10:%02d:%02d\", \"llm_message\": {\"role\": \"assistant\","
			      " \"content\": [{\"type\": \"text\", \"text\": \"m%d\"}]}}",
			      i ? "," : "", i, i / 60, i % 60, i);
	strbuf_puts(&sc, "]}]}");
	assert_int_equal(env_start(&e, sc.buf), 0);
	strbuf_free(&sc);

	/* V1 from the app server: 2 pages, then a resume reads the last page again only */
	struct api_client_config cfg = {.server = e.app, .auth = API_AUTH_NONE};
	struct api_client *c = api_client_new(e.h, &cfg, &err);
	assert_non_null(c);
	struct api_conversation conv = {.id = (char *)"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb0e", .title = (char *)"",
					.status = (char *)"STOPPED", .version = API_V1};
	struct api_events *p = api_events_new(c, &conv, false);
	struct ev_count n = {0};
	drain(&e, p, &n);
	assert_int_equal(n.rows, 150);
	uint64_t sent = http_requests_sent(e.h);
	assert_true(api_events_resume(p));
	struct ev_count r = {0};
	drain(&e, p, &r);
	assert_int_equal(r.rows, 0);	/* nothing new, nothing twice */
	assert_int_equal(http_requests_sent(e.h) - sent, 1);	/* only the last page again */
	api_events_free(p);
	api_client_free(c);

	/* local: a new event file after the end is the only row a resume delivers */
	assert_non_null(mkdtemp(dir));
	char *cdir = xasprintf("%s/%s", dir, hex), *edir = xasprintf("%s/events", cdir);
	assert_int_equal(mkdir(cdir, 0700), 0);
	assert_int_equal(mkdir(edir, 0700), 0);
	char *bs = xasprintf("%s/base_state.json", cdir);
	write_file(bs, "{\"id\": \"12345678-1234-5678-1234-56781234567a\", \"execution_status\": \"running\","
		       " \"workspace\": {\"working_dir\": \"/nonexistent\", \"kind\": \"LocalWorkspace\"}}");
	for (int i = 0; i < 3; i++) {
		char *f = xasprintf("%s/event-%05d-0000000%d-0000-0000-0000-000000000000.json", edir, i, i);
		char *t = xasprintf("{\"id\": \"0000000%d-0000-0000-0000-000000000000\", \"kind\": \"MessageEvent\","
				    " \"source\": \"user\", \"timestamp\": \"2026-01-01T00:00:0%d\", \"llm_message\":"
				    " {\"role\": \"user\", \"content\": [{\"type\": \"text\", \"text\": \"hi %d\"}]}}", i, i, i);
		write_file(f, t);
		free(f);
		free(t);
	}
	struct api_client_config lcfg = {.server = e.app, .auth = API_AUTH_NONE, .local_dir = dir};
	c = api_client_new(e.h, &lcfg, &err);
	assert_non_null(c);
	api_client_set_source(c, API_SOURCE_LOCAL);
	struct api_conversation lconv = {0};
	struct conv_got got = {0, &lconv};
	api_get_conversation(c, hex, local_conv_got, &got);
	run_until(e.h, &got.done, 1);
	assert_true(lconv.local);
	p = api_events_new(c, &lconv, false);
	struct ev_count l1 = {0};
	drain(&e, p, &l1);
	assert_int_equal(l1.rows, 3);
	char *f3 = xasprintf("%s/event-00003-00000003-0000-0000-0000-000000000000.json", edir);
	write_file(f3, "{\"id\": \"00000003-0000-0000-0000-000000000000\", \"kind\": \"MessageEvent\","
		       " \"source\": \"agent\", \"timestamp\": \"2026-01-01T00:00:03\", \"llm_message\":"
		       " {\"role\": \"assistant\", \"content\": [{\"type\": \"text\", \"text\": \"new\"}]}}");
	assert_true(api_events_resume(p));
	struct ev_count l2 = {0};
	drain(&e, p, &l2);
	assert_int_equal(l2.rows, 1);
	assert_string_equal(l2.first_id, "00000003-0000-0000-0000-000000000000");
	api_events_free(p);
	api_conversation_free(&lconv);
	api_client_free(c);
	char *rm = xasprintf("rm -rf '%s'", dir);
	assert_int_equal(system(rm), 0);
	free(rm);
	free(f3);
	free(bs);
	free(edir);
	free(cdir);
	env_stop(&e);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rate_limit_respected),
		cmocka_unit_test(test_minute_budget_and_prefixes),
		cmocka_unit_test(test_retry_after_honoured),
		cmocka_unit_test(test_no_retry_and_cancel),
		cmocka_unit_test(test_op_cancel_never_calls_back),
		cmocka_unit_test(test_op_handles),
		cmocka_unit_test(test_client_free_runs_nothing),
		cmocka_unit_test(test_no_key_over_plain_http),
		cmocka_unit_test(test_events_resume),
	};

	http_global_init();
	int rc = cmocka_run_group_tests(tests, NULL, NULL);
	http_global_cleanup();
	return rc;
}
