/*
 * tests/api/test_workspace.c: agent-server workspace ops against the in-process fake
 * playing the 2026 agent-server (openhands-api-2026.md section 7): diffs of deleted and
 * large files (R6).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/client.h"
#include "api/http.h"
#include "src/base/util.h"
#include "tests/fakehands/fakehands.h"

static const char scenario[] =
	"{\"app\": {\"auth\": \"none\"}, \"conversations\": [{\"id\": \"cccccccccccccccccccccccccccccc31\","
	" \"version\": \"V1\", \"status\": \"RUNNING\", \"workspace\": \"w\","
	" \"agent\": {\"generation\": 2026}}],"
	" \"workspaces\": {\"w\": {\"repos\": [\"proj\"], \"files\": ["
	"  {\"path\": \"proj/kept.txt\", \"text\": \"new line\\n\"},"
	"  {\"path\": \"proj/big.txt\", \"size\": 2000000, \"text\": true, \"seed\": 1}],"
	" \"changes\": [{\"status\": \"D\", \"path\": \"proj/gone.txt\", \"original\": \"first\\nsecond\\n\"},"
	"  {\"status\": \"M\", \"path\": \"proj/kept.txt\", \"original\": \"old line\\n\"},"
	"  {\"status\": \"M\", \"path\": \"proj/big.txt\", \"original\": \"\"}]}}}";

struct got {
	int done;
	struct api_conversation conv;
	char *text;
	struct api_error err;
	bool failed;
};

static void
conv_got(void *ud, struct api_conversation *conv, const struct api_error *err)
{
	struct got *g = ud;

	if (conv)
		api_conversation_copy(&g->conv, conv);
	g->done = 1;
}

static void
text_got(void *ud, const char *text, size_t len, bool binary, bool truncated, const struct api_error *err)
{
	struct got *g = ud;

	free(g->text);
	g->text = text ? xstrndup(text, len) : NULL;
	g->failed = err != NULL;
	if (err)
		g->err = *err;
	g->done++;
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

static void
test_diffs(void **state)
{
	struct fakehands_options fo = {0};
	char errbuf[256], app[64];
	struct api_error err = {0};
	struct fakehands *fh = fakehands_start(scenario, strlen(scenario), &fo, errbuf, sizeof(errbuf));

	(void)state;
	assert_non_null(fh);
	snprintf(app, sizeof(app), "http://127.0.0.1:%u", fakehands_app_port(fh));
	struct http_config hc = {.log_fd = -1, .backoff_base_ms = 100};
	struct http *h = http_new(&hc);
	struct api_client_config cfg = {.server = app, .auth = API_AUTH_NONE};
	struct api_client *c = api_client_new(h, &cfg, &err);
	assert_non_null(c);
	struct got g = {0};
	api_get_conversation(c, "cccccccccccccccccccccccccccccc31", conv_got, &g);
	run_until(h, &g.done, 1);
	assert_non_null(g.conv.url);

	/* a deleted file: git/diff says 400 "File does not exist"; its removal is shown */
	g.done = 0;
	api_diff(c, &g.conv, "proj/gone.txt", text_got, &g);
	run_until(h, &g.done, 1);
	if (g.failed)
		fail_msg("%s", g.err.message);
	assert_non_null(strstr(g.text, "-first\n-second\n"));

	/* an ordinary change is the server's own diff */
	g.done = 0;
	api_diff(c, &g.conv, "proj/kept.txt", text_got, &g);
	run_until(h, &g.done, 1);
	assert_false(g.failed);
	assert_non_null(strstr(g.text, "-old line"));
	assert_non_null(strstr(g.text, "+new line"));

	/* over 1 MiB: said so, and not "try again later" */
	g.done = 0;
	api_diff(c, &g.conv, "proj/big.txt", text_got, &g);
	run_until(h, &g.done, 1);
	assert_true(g.failed);
	assert_int_equal(g.err.kind, API_ERR_UNSUPPORTED);
	assert_non_null(strstr(g.err.message, "over 1 MiB"));
	assert_null(strstr(g.err.message, "try again"));

	free(g.text);
	api_conversation_free(&g.conv);
	api_client_free(c);
	http_free(h);
	fakehands_stop(fh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_diffs),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
