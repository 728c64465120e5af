/*
 * tests/api/test_json.c: unit tests for api/json.c (cmocka, TAP output).
 *
 * Bodies are the shapes recorded from real servers (docs: openhands-api.md
 * sections 3-6 and 8, seed-downloader.md 7.2) plus the broken variants a
 * client meets in practice: null items, missing fields, HTML at status 200,
 * truncated transfers.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "api/json.h"
#include "api/types.h"
#include "api/udiff.h"
#include "src/base/util.h"

#define S(lit) (lit), (sizeof(lit) - 1)

static bool
contains(const char *hay, const char *needle)
{
	return hay && strstr(hay, needle) != NULL;
}

/* ---- conversation pages ---------------------------------------------------------------- */

/* seed-downloader.md 7.2 with realistic timestamps in place of "<ts>". */
static const char cloud_page[] =
	"{\n"
	"  \"results\": [\n"
	"    {\n"
	"      \"conversation_id\": \"d2bfa2e22a0e4fef98882ab95258d4af\",\n"
	"      \"title\": \"Test Release Process Before Merging to Main\",\n"
	"      \"last_updated_at\": \"2025-11-24T23:40:12.489661Z\",\n"
	"      \"status\": \"RUNNING\",\n"
	"      \"runtime_status\": \"STATUS$READY\",\n"
	"      \"selected_repository\": \"jpshackelford/oh-utils\",\n"
	"      \"selected_branch\": \"jps/ci\",\n"
	"      \"git_provider\": \"github\",\n"
	"      \"trigger\": \"resolver\",\n"
	"      \"num_connections\": 0,\n"
	"      \"url\": \"https://abcdefghijklmnop.prod-runtime.all-hands.dev/api/conversations/"
	"d2bfa2e22a0e4fef98882ab95258d4af\",\n"
	"      \"session_api_key\": \"6510f16e-d319-4c78-9257-e3cd9da8e12c\",\n"
	"      \"created_at\": \"2025-11-24T23:39:58.842270Z\",\n"
	"      \"pr_number\": [],\n"
	"      \"conversation_version\": \"V0\"\n"
	"    },\n"
	"    {\n"
	"      \"conversation_id\": \"70d785223b8041898292dade15f10544\",\n"
	"      \"title\": \"Fix release workflow dependency and permissions\",\n"
	"      \"last_updated_at\": \"2025-11-24T20:00:00Z\",\n"
	"      \"status\": \"STOPPED\",\n"
	"      \"runtime_status\": null,\n"
	"      \"selected_repository\": \"jpshackelford/oh-utils\",\n"
	"      \"selected_branch\": \"jps/ci\",\n"
	"      \"git_provider\": \"github\",\n"
	"      \"trigger\": \"resolver\",\n"
	"      \"num_connections\": 0,\n"
	"      \"url\": null,\n"
	"      \"session_api_key\": null,\n"
	"      \"created_at\": \"2025-11-24T19:00:00.5Z\",\n"
	"      \"pr_number\": [],\n"
	"      \"conversation_version\": \"V0\"\n"
	"    },\n"
	"    {\n"
	"      \"conversation_id\": \"5b57849d769f40fb8989d9d43a356ac1\",\n"
	"      \"title\": \"Conversation 5b578\",\n"
	"      \"status\": \"STOPPED\",\n"
	"      \"runtime_status\": null,\n"
	"      \"selected_repository\": null,\n"
	"      \"selected_branch\": null,\n"
	"      \"git_provider\": null,\n"
	"      \"trigger\": \"gui\",\n"
	"      \"url\": null,\n"
	"      \"session_api_key\": null,\n"
	"      \"pr_number\": [],\n"
	"      \"conversation_version\": \"V0\"\n"
	"    }\n"
	"  ],\n"
	"  \"next_page_id\": \"eyJ2MCI6ICJOUT09IiwgInYxIjogbnVsbH0=\"\n"
	"}\n";

static void
test_cloud_page(void **state)
{
	struct json_conv_page p;
	struct api_error err = {0};

	assert_int_equal(json_decode_conv_page_v0(S(cloud_page), &p, &err), 0);
	assert_int_equal(p.count, 3);
	assert_string_equal(p.next_page_id, "eyJ2MCI6ICJOUT09IiwgInYxIjogbnVsbH0=");

	const struct api_conversation *r = &p.items[0];
	assert_string_equal(r->id, "d2bfa2e22a0e4fef98882ab95258d4af");
	assert_string_equal(r->title, "Test Release Process Before Merging to Main");
	assert_string_equal(r->status, "RUNNING");
	assert_string_equal(r->runtime_status, "STATUS$READY");
	assert_string_equal(r->repository, "jpshackelford/oh-utils");
	assert_string_equal(r->branch, "jps/ci");
	assert_string_equal(r->git_provider, "github");
	assert_string_equal(r->trigger, "resolver");
	assert_true(contains(r->url, "prod-runtime.all-hands.dev/api/conversations/d2bf"));
	assert_string_equal(r->session_api_key, "6510f16e-d319-4c78-9257-e3cd9da8e12c");
	assert_string_equal(r->created_at, "2025-11-24T23:39:58.842270Z");
	assert_string_equal(r->updated_at, "2025-11-24T23:40:12.489661Z");
	assert_int_equal(r->created_s, 1764027598);
	assert_int_equal(r->updated_s, 1764027612);
	assert_int_equal(r->version, API_V0);
	assert_null(r->sandbox_id);
	assert_null(r->execution_status);
	assert_true(api_conversation_is_running(r));

	const struct api_conversation *s = &p.items[1];
	assert_string_equal(s->status, "STOPPED");
	assert_null(s->runtime_status);
	assert_null(s->url);
	assert_null(s->session_api_key);
	assert_int_equal(s->updated_s, 1764014400);
	assert_false(api_conversation_is_running(s));

	const struct api_conversation *t = &p.items[2];
	assert_string_equal(t->title, "Conversation 5b578");
	assert_null(t->repository);
	assert_null(t->created_at);
	assert_int_equal(t->created_s, -1);
	assert_int_equal(t->updated_s, -1);
	json_conv_page_free(&p);
	assert_null(p.items);
	(void)state;
}

static void
test_v0_page_tolerance(void **state)
{
	/* null items (the server's failed lookups), no id, a numeric id, wrong field types,
	 * an item with nothing but an id, fields from the future. */
	static const char body[] =
		"{\"results\":[null,{},{\"conversation_id\":5},{\"conversation_id\":\"\"},"
		"{\"conversation_id\":\"aa\",\"title\":null,\"status\":7,\"sub_conversation_ids\":[],"
		"\"created_at\":\"garbage\",\"brand_new\":{\"x\":[1,2]}},"
		"{\"conversation_id\":\"bb\",\"conversation_version\":\"V1\"}],"
		"\"next_page_id\":null}";
	struct json_conv_page p;
	struct api_error err = {0};

	assert_int_equal(json_decode_conv_page_v0(S(body), &p, &err), 0);
	assert_int_equal(p.count, 2);
	assert_null(p.next_page_id);
	assert_string_equal(p.items[0].id, "aa");
	assert_string_equal(p.items[0].title, "");
	assert_null(p.items[0].status);
	assert_string_equal(p.items[0].created_at, "garbage");
	assert_int_equal(p.items[0].created_s, -1);
	assert_int_equal(p.items[0].version, API_V0);
	assert_string_equal(p.items[1].title, "");
	assert_int_equal(p.items[1].version, API_V1);
	json_conv_page_free(&p);

	/* results:null is an empty page; a numeric next_page_id is kept as text. */
	assert_int_equal(json_decode_conv_page_v0(S("{\"results\":null,\"next_page_id\":20}"), &p,
						  &err), 0);
	assert_int_equal(p.count, 0);
	assert_string_equal(p.next_page_id, "20");
	json_conv_page_free(&p);

	/* An empty next_page_id would make a client loop: treat it as "no more". */
	assert_int_equal(json_decode_conv_page_v0(S("{\"results\":[],\"next_page_id\":\"\"}"), &p,
						  &err), 0);
	assert_null(p.next_page_id);
	json_conv_page_free(&p);
	(void)state;
}

static void
test_v0_page_wrong_shapes(void **state)
{
	struct json_conv_page p;
	struct api_error err = {0};

	assert_int_equal(json_decode_conv_page_v0(S("[]"), &p, &err), -1);
	assert_int_equal(err.kind, API_ERR_SERVER);
	assert_true(contains(err.message, "a list"));
	assert_true(contains(err.message, "\"results\""));
	assert_null(p.items);
	assert_int_equal(p.count, 0);

	assert_int_equal(json_decode_conv_page_v0(S("null"), &p, &err), -1);
	assert_true(contains(err.message, "null"));

	assert_int_equal(json_decode_conv_page_v0(S("{\"items\":[]}"), &p, &err), -1);
	assert_true(contains(err.message, "no \"results\""));
	assert_null(p.next_page_id);

	/* The V1 page is keyed "items". */
	assert_int_equal(json_decode_conv_page_v1(S("{\"results\":[]}"), &p, &err), -1);
	assert_true(contains(err.message, "\"items\""));
	(void)state;
}

static void
test_v1_page_status_mapping(void **state)
{
	static const char body[] =
		"{\"items\":["
		"{\"id\":\"13ac04c455964f4c98dcb04544e05a9a\",\"created_by_user_id\":\"u\","
		"\"sandbox_id\":\"sb1\",\"selected_repository\":\"owner/repo\","
		"\"selected_branch\":\"main\",\"git_provider\":\"github\",\"title\":\"Hello\","
		"\"trigger\":\"gui\",\"pr_number\":[],\"llm_model\":\"m\",\"metrics\":{\"a\":1},"
		"\"parent_conversation_id\":null,\"sub_conversation_ids\":[],"
		"\"created_at\":\"2025-11-20T10:00:00.123456Z\","
		"\"updated_at\":\"2025-11-20T11:00:00+00:00\",\"sandbox_status\":\"RUNNING\","
		"\"execution_status\":\"idle\","
		"\"conversation_url\":\"https://agent.example/api/conversations/13ac04c4\","
		"\"session_api_key\":\"k1\",\"agent_kind\":\"openhands\",\"tags\":{}},"
		"{\"id\":\"02\",\"sandbox_status\":\"STARTING\"},"
		"null,"
		"{\"id\":\"03\",\"sandbox_status\":\"PAUSED\",\"execution_status\":null,"
		"\"conversation_url\":null,\"session_api_key\":null},"
		"{\"id\":\"04\",\"sandbox_status\":\"ERROR\"},"
		"{\"id\":\"05\",\"sandbox_status\":\"MISSING\"},"
		"{\"id\":\"06\",\"sandbox_status\":\"HIBERNATING\"},"
		"{\"id\":\"07\"},"
		"{\"title\":\"no id\"}"
		"],\"next_page_id\":\"100\"}";
	struct json_conv_page p;
	struct api_error err = {0};

	assert_int_equal(json_decode_conv_page_v1(S(body), &p, &err), 0);
	assert_int_equal(p.count, 7);
	assert_string_equal(p.next_page_id, "100");

	const struct api_conversation *c = &p.items[0];
	assert_string_equal(c->id, "13ac04c455964f4c98dcb04544e05a9a");
	assert_string_equal(c->title, "Hello");
	assert_string_equal(c->sandbox_id, "sb1");
	assert_string_equal(c->repository, "owner/repo");
	assert_string_equal(c->branch, "main");
	assert_string_equal(c->git_provider, "github");
	assert_string_equal(c->trigger, "gui");
	assert_string_equal(c->status, "RUNNING");
	assert_string_equal(c->execution_status, "idle");
	assert_string_equal(c->url, "https://agent.example/api/conversations/13ac04c4");
	assert_string_equal(c->session_api_key, "k1");
	assert_int_equal(c->version, API_V1);
	assert_int_equal(c->created_s, 1763632800);
	assert_int_equal(c->updated_s, 1763636400);
	assert_true(api_conversation_is_running(c));

	assert_string_equal(p.items[1].status, "STARTING");
	assert_string_equal(p.items[1].title, "");
	/* the sandbox's own words, not V0's STOPPED/ARCHIVED (openhands-api-2026.md §1.3) */
	assert_string_equal(p.items[2].status, "PAUSED");
	assert_null(p.items[2].url);
	assert_null(p.items[2].execution_status);
	assert_string_equal(p.items[3].status, "ERROR");
	assert_string_equal(p.items[4].status, "MISSING");
	assert_string_equal(api_conversation_status_word(&p.items[4]), "deleted");
	assert_string_equal(p.items[5].status, "HIBERNATING");
	/* sandbox_status defaults to MISSING in the schema */
	assert_string_equal(p.items[6].status, "MISSING");
	/* a reap date only for PAUSED with a known updated_at */
	assert_int_equal(api_conversation_reap_s(&p.items[0], 14), -1);
	assert_int_equal(api_conversation_reap_s(&p.items[2], 14), -1);
	struct api_conversation paused = p.items[2];
	paused.updated_s = 1000;
	assert_int_equal(api_conversation_reap_s(&paused, 14), 1000 + 14 * 86400);
	assert_int_equal(api_conversation_reap_s(&paused, 3), 1000 + 3 * 86400);
	assert_int_equal(p.items[6].created_s, -1);
	for (size_t i = 0; i < p.count; i++)
		assert_int_equal(p.items[i].version, API_V1);
	json_conv_page_free(&p);
	(void)state;
}

static void
test_single_conversation(void **state)
{
	struct api_conversation c;
	struct api_error err = {0};
	bool found = true;

	/* "Not found" on the app server is 200 with a literal null. */
	assert_int_equal(json_decode_conversation(S("null"), &c, &found, &err), 0);
	assert_false(found);
	assert_null(c.id);
	assert_int_equal(json_decode_conversation(S(" null\n"), &c, &found, &err), 0);
	assert_false(found);

	assert_int_equal(json_decode_conversation(
				 S("{\"conversation_id\":\"abc\",\"title\":\"T\",\"status\":\"RUNNING\","
				   "\"url\":\"/api/conversations/abc\",\"session_api_key\":null}"),
				 &c, &found, &err), 0);
	assert_true(found);
	assert_string_equal(c.id, "abc");
	assert_string_equal(c.url, "/api/conversations/abc");
	api_conversation_free(&c);

	assert_int_equal(json_decode_conversation(S("[1]"), &c, &found, &err), -1);
	assert_int_equal(err.kind, API_ERR_SERVER);
	assert_true(contains(err.message, "a list"));
	assert_false(found);

	assert_int_equal(json_decode_conversation(S("{\"title\":\"x\"}"), &c, &found, &err), -1);
	assert_true(contains(err.message, "conversation_id"));
	assert_null(c.title);
	(void)state;
}

static void
test_v1_conversation_list(void **state)
{
	struct api_conversation c;
	struct api_error err = {0};
	bool found = true;

	assert_int_equal(json_decode_v1_conversation_list(S("[null]"), &c, &found, &err), 0);
	assert_false(found);
	assert_int_equal(json_decode_v1_conversation_list(S("[]"), &c, &found, &err), 0);
	assert_false(found);
	assert_int_equal(json_decode_v1_conversation_list(S("null"), &c, &found, &err), 0);
	assert_false(found);

	assert_int_equal(json_decode_v1_conversation_list(
				 S("[null,{\"id\":\"x1\",\"sandbox_status\":\"MISSING\"},{\"id\":\"x2\"}]"),
				 &c, &found, &err), 0);
	assert_true(found);
	assert_string_equal(c.id, "x1");
	assert_string_equal(c.status, "MISSING");
	assert_int_equal(c.version, API_V1);
	api_conversation_free(&c);

	assert_int_equal(json_decode_v1_conversation_list(S("{\"items\":[]}"), &c, &found, &err),
			 -1);
	assert_true(contains(err.message, "an object"));
	(void)state;
}

static void
test_sandbox(void **state)
{
	static const char body[] =
		"[null,{\"id\":\"sb\",\"created_by_user_id\":\"u\",\"sandbox_spec_id\":\"s\","
		"\"status\":\"RUNNING\",\"session_api_key\":\"sk\",\"exposed_urls\":["
		"{\"name\":\"VSCODE\",\"url\":\"https://vs/?tkn=1\",\"port\":1},"
		"{\"name\":\"AGENT_SERVER\",\"url\":\"https://agent:60000\",\"port\":60000},"
		"{\"name\":\"WORKER_1\",\"url\":\"w\",\"port\":2}],\"created_at\":\"x\"}]";
	char *url, *key, *status;
	bool found = false;
	struct api_error err = {0};

	assert_int_equal(json_decode_sandbox(S(body), &url, &key, &status, &found, &err), 0);
	assert_true(found);
	assert_string_equal(url, "https://agent:60000");
	assert_string_equal(key, "sk");
	assert_string_equal(status, "RUNNING");
	free(url);
	free(key);
	free(status);

	/* Every out may be NULL. */
	assert_int_equal(json_decode_sandbox(S(body), NULL, NULL, NULL, NULL, &err), 0);

	/* PAUSED: no urls, key null. */
	assert_int_equal(json_decode_sandbox(S("[{\"status\":\"PAUSED\",\"session_api_key\":null,"
					       "\"exposed_urls\":null}]"),
					     &url, &key, &status, &found, &err), 0);
	assert_true(found);
	assert_null(url);
	assert_null(key);
	assert_string_equal(status, "PAUSED");
	free(status);

	assert_int_equal(json_decode_sandbox(S("[]"), &url, &key, &status, &found, &err), 0);
	assert_false(found);
	assert_int_equal(json_decode_sandbox(S("{}"), &url, &key, &status, &found, &err), -1);
	assert_null(url);
	assert_null(status);
	(void)state;
}

/* ---- failures common to every decoder ---------------------------------------------------- */

static const char html_body[] =
	"\n  <!DOCTYPE html><html lang=\"en\"><head><title>OpenHands</title></head>"
	"<body><div id=\"root\"></div></body></html>";

/* Run every decoder on body and check each fails with kind and a message containing needle. */
static void
check_all_fail(const char *body, size_t len, enum api_error_kind kind, const char *needle)
{
	struct api_error err;
	struct json_conv_page p;
	struct api_conversation c;
	struct json_bash_page bp;
	struct api_file_list fl = {0};
	char **arr;
	size_t n;
	char *a, *b, *d;
	bool found, ok;

#define CHECK(call)                                                                  \
	do {                                                                         \
		memset(&err, 0, sizeof(err));                                        \
		assert_int_equal((call), -1);                                        \
		assert_int_equal(err.kind, kind);                                    \
		if (!contains(err.message, needle))                                  \
			fail_msg("%s: message \"%s\" lacks \"%s\"", #call, err.message, \
				 needle);                                            \
	} while (0)

	CHECK(json_decode_conv_page_v0(body, len, &p, &err));
	assert_null(p.items);
	CHECK(json_decode_conv_page_v1(body, len, &p, &err));
	CHECK(json_decode_conversation(body, len, &c, &found, &err));
	assert_null(c.id);
	CHECK(json_decode_v1_conversation_list(body, len, &c, &found, &err));
	CHECK(json_decode_sandbox(body, len, &a, &b, &d, &found, &err));
	assert_null(a);
	CHECK(json_decode_string_array(body, len, &arr, &n, &err));
	assert_null(arr);
	assert_int_equal(n, 0);
	CHECK(json_decode_changes(body, len, &fl, &err));
	assert_int_equal(fl.count, 0);
	CHECK(json_decode_diff(body, len, &a, &b, &err));
	assert_null(a);
	assert_null(b);
	CHECK(json_decode_bash_command_id(body, len, &a, &err));
	assert_null(a);
	CHECK(json_decode_bash_page(body, len, &bp, &err));
	assert_null(bp.items);
	CHECK(json_decode_start(body, len, &ok, &a, &err));
	assert_null(a);
#undef CHECK
}

static void
test_html_everywhere(void **state)
{
	check_all_fail(S(html_body), API_ERR_UNSUPPORTED, "web page instead of JSON");
	check_all_fail(S(html_body), API_ERR_UNSUPPORTED, "check --server");
	assert_null(json_error_text(S(html_body)));
	(void)state;
}

static void
test_malformed_everywhere(void **state)
{
	/* A stray comma on line 2. */
	check_all_fail(S("{\"a\": 1,\n  ,\"b\": 2}"), API_ERR_SERVER,
		       "the server sent malformed JSON (line 2, column 3)");
	/* A body cut off mid-transfer still names a position. */
	check_all_fail(S("{\"results\": [{\"conversation_id\": \"d2bf"), API_ERR_SERVER,
		       "malformed JSON (line 1, column");
	check_all_fail(S("[\"a\", \"b\""), API_ERR_SERVER, "malformed JSON (line 1");
	check_all_fail(S("{\"x\": tru}"), API_ERR_SERVER, "malformed JSON");
	/* NUL inside strings is refused (only command output tolerates it). */
	struct api_error err = {0};
	struct json_conv_page p;
	assert_int_equal(json_decode_conv_page_v0(S("{\"results\":[{\"conversation_id\":\"a\\u0000b\"}]}"),
						  &p, &err), -1);
	assert_int_equal(err.kind, API_ERR_SERVER);
	assert_true(contains(err.message, "malformed JSON"));
	check_all_fail(S(""), API_ERR_SERVER, "empty answer");
	check_all_fail(S(" \r\n\t"), API_ERR_SERVER, "empty answer");
	check_all_fail(NULL, 0, API_ERR_SERVER, "empty answer");
	(void)state;
}

static void
test_bom_is_skipped(void **state)
{
	char **a;
	size_t n;
	struct api_error err = {0};

	assert_int_equal(json_decode_string_array(S("\xef\xbb\xbf[\"x\"]"), &a, &n, &err), 0);
	assert_int_equal(n, 1);
	json_string_array_free(a, n);
	(void)state;
}

/* ---- files, git, bash, start ------------------------------------------------------------- */

static void
test_string_array(void **state)
{
	char **a;
	size_t n;
	struct api_error err = {0};

	assert_int_equal(json_decode_string_array(
				 S("[\"oh-utils/\", \".github/\", \"README.md\", null, 3, "
				   "\"caf\\u00e9 \\\"x\\\".txt\", \"   \"]"),
				 &a, &n, &err), 0);
	assert_int_equal(n, 5);
	assert_string_equal(a[0], "oh-utils/");
	assert_string_equal(a[1], ".github/");
	assert_string_equal(a[2], "README.md");
	assert_string_equal(a[3], "caf\xc3\xa9 \"x\".txt");
	assert_string_equal(a[4], "   ");
	json_string_array_free(a, n);

	assert_int_equal(json_decode_string_array(S("[]"), &a, &n, &err), 0);
	assert_int_equal(n, 0);
	json_string_array_free(a, n);

	assert_int_equal(json_decode_string_array(S("{\"error\":\"Runtime not yet initialized\"}"),
						  &a, &n, &err), -1);
	assert_int_equal(err.kind, API_ERR_SERVER);
	assert_true(contains(err.message, "an object where a list of file names was expected"));
	json_string_array_free(NULL, 0);
	(void)state;
}

static void
test_changes(void **state)
{
	struct api_file_list l = {0};
	struct api_error err = {0};

	api_file_list_add(&l, "already/there", API_FILE, 5, 7, API_CHANGE_NONE);
	assert_int_equal(json_decode_changes(
				 S("[{\"status\":\"M\",\"path\":\"oh-utils/src/x.py\"},"
				   "{\"status\":\"A\",\"path\":\"new.txt\"},"
				   "{\"status\":\"D\",\"path\":\"gone.txt\"},"
				   "{\"status\":\"U\",\"path\":\"untracked/\"},"
				   "{\"status\":\"R\",\"path\":\"moved\"},"
				   "null,{\"status\":\"M\"},{\"status\":\"M\",\"path\":\"/\"},"
				   "{\"path\":\"nostatus\"}]"),
				 &l, &err), 0);
	assert_int_equal(l.count, 7);
	assert_string_equal(l.items[0].path, "already/there");
	assert_string_equal(l.items[1].path, "oh-utils/src/x.py");
	assert_int_equal(l.items[1].change, API_CHANGE_MODIFIED);
	assert_int_equal(l.items[1].type, API_FILE);
	assert_int_equal(l.items[1].size, -1);
	assert_int_equal(l.items[1].mtime, -1);
	assert_int_equal(l.items[2].change, API_CHANGE_ADDED);
	assert_int_equal(l.items[3].change, API_CHANGE_DELETED);
	assert_string_equal(l.items[4].path, "untracked");
	assert_int_equal(l.items[4].change, API_CHANGE_UNTRACKED);
	assert_int_equal(l.items[5].change, API_CHANGE_RENAMED);
	assert_string_equal(l.items[6].path, "nostatus");
	assert_int_equal(l.items[6].change, API_CHANGE_NONE);
	api_file_list_free(&l);

	/* V1 words */
	assert_int_equal(json_decode_changes(S("[{\"status\":\"ADDED\",\"path\":\"a\"},"
					       "{\"status\":\"DELETED\",\"path\":\"d\"},"
					       "{\"status\":\"UPDATED\",\"path\":\"u\"},"
					       "{\"status\":\"MOVED\",\"path\":\"m\"},"
					       "{\"status\":\"WEIRD\",\"path\":\"w\"}]"),
					     &l, &err), 0);
	assert_int_equal(l.count, 5);
	assert_int_equal(l.items[0].change, API_CHANGE_ADDED);
	assert_int_equal(l.items[1].change, API_CHANGE_DELETED);
	assert_int_equal(l.items[2].change, API_CHANGE_MODIFIED);
	assert_int_equal(l.items[3].change, API_CHANGE_RENAMED);
	assert_int_equal(l.items[4].change, API_CHANGE_NONE);
	api_file_list_free(&l);

	assert_int_equal(json_decode_changes(S("[]"), &l, &err), 0);
	assert_int_equal(l.count, 0);
	assert_int_equal(json_decode_changes(S("{\"error\":\"Not a git repository\"}"), &l, &err),
			 -1);
	assert_int_equal(l.count, 0);
	(void)state;
}

static void
test_diff(void **state)
{
	char *o, *m;
	struct api_error err = {0};

	assert_int_equal(json_decode_diff(S("{\"modified\":\"a\\nb\\n\",\"original\":\"a\\n\"}"), &o,
					  &m, &err), 0);
	assert_string_equal(o, "a\n");
	assert_string_equal(m, "a\nb\n");
	free(o);
	free(m);

	assert_int_equal(json_decode_diff(S("{\"modified\":null,\"original\":\"gone\"}"), &o, &m,
					  &err), 0);
	assert_string_equal(o, "gone");
	assert_null(m);
	free(o);

	assert_int_equal(json_decode_diff(S("{\"modified\":\"\",\"original\":null}"), &o, &m, &err),
			 0);
	assert_null(o);
	assert_string_equal(m, "");
	free(m);

	assert_int_equal(json_decode_diff(S("{}"), &o, &m, &err), 0);
	assert_null(o);
	assert_null(m);

	assert_int_equal(json_decode_diff(S("\"text\""), &o, &m, &err), -1);
	assert_true(contains(err.message, "a string where an object"));
	(void)state;
}

static void
test_bash_command_id(void **state)
{
	char *id;
	struct api_error err = {0};

	assert_int_equal(json_decode_bash_command_id(
				 S("{\"kind\":\"BashCommand\",\"id\":\"f00d\",\"timestamp\":\"t\","
				   "\"command\":\"ls\",\"cwd\":null,\"timeout\":300}"),
				 &id, &err), 0);
	assert_string_equal(id, "f00d");
	free(id);

	assert_int_equal(json_decode_bash_command_id(S("{\"id\":null}"), &id, &err), -1);
	assert_null(id);
	assert_int_equal(err.kind, API_ERR_SERVER);
	assert_true(contains(err.message, "\"id\""));
	assert_int_equal(json_decode_bash_command_id(S("{\"id\":\"\"}"), &id, &err), -1);
	assert_int_equal(json_decode_bash_command_id(S("[]"), &id, &err), -1);
	(void)state;
}

static void
test_bash_page(void **state)
{
	static const char body[] =
		"{\"items\":["
		"{\"kind\":\"BashCommand\",\"id\":\"c\",\"command\":\"find\"},"
		"{\"kind\":\"BashOutput\",\"id\":\"1\",\"timestamp\":\"t\",\"command_id\":\"c\","
		"\"order\":0,\"exit_code\":null,\"stdout\":\"f 12 a.txt\\nd 0 src\\n\",\"stderr\":null},"
		"null,"
		"{\"kind\":\"BashOutput\",\"order\":1,\"exit_code\":null,"
		"\"stdout\":\"bin\\u0000ary\",\"stderr\":\"warn\"},"
		"{\"order\":2,\"exit_code\":0,\"stdout\":null},"
		"{\"kind\":\"BashOutput\",\"order\":3,\"exit_code\":2,\"stdout\":\"\","
		"\"stderr\":\"find: x: Permission denied\\n\"},"
		"{\"kind\":\"BashOutput\",\"order\":\"4\",\"exit_code\":99999999999}"
		"],\"next_page_id\":\"p2\"}";
	struct json_bash_page p;
	struct api_error err = {0};

	assert_int_equal(json_decode_bash_page(S(body), &p, &err), 0);
	assert_int_equal(p.count, 5);
	assert_string_equal(p.next_page_id, "p2");

	assert_int_equal(p.items[0].order, 0);
	assert_int_equal(p.items[0].exit_code, -1);
	assert_string_equal(p.items[0].out, "f 12 a.txt\nd 0 src\n");
	assert_int_equal(p.items[0].out_len, 19);
	assert_null(p.items[0].err);

	/* A NUL in output becomes U+FFFD so out stays a C string. */
	assert_int_equal(p.items[1].order, 1);
	assert_string_equal(p.items[1].out, "bin\xef\xbf\xbd" "ary");
	assert_int_equal(p.items[1].out_len, 9);
	assert_string_equal(p.items[1].err, "warn");

	assert_int_equal(p.items[2].order, 2);
	assert_int_equal(p.items[2].exit_code, 0);
	assert_string_equal(p.items[2].out, "");
	assert_int_equal(p.items[2].out_len, 0);

	assert_int_equal(p.items[3].exit_code, 2);
	assert_string_equal(p.items[3].err, "find: x: Permission denied\n");

	assert_int_equal(p.items[4].order, 0);		/* not an integer: ignored */
	assert_int_equal(p.items[4].exit_code, -1);	/* out of int range: ignored */
	json_bash_page_free(&p);

	assert_int_equal(json_decode_bash_page(S("{\"items\":[],\"next_page_id\":null}"), &p, &err),
			 0);
	assert_int_equal(p.count, 0);
	assert_null(p.next_page_id);
	json_bash_page_free(&p);

	assert_int_equal(json_decode_bash_page(S("{\"detail\":\"Not Found\"}"), &p, &err), -1);
	assert_true(contains(err.message, "\"items\""));
	(void)state;
}

static void
test_start(void **state)
{
	bool ok = false;
	char *msg;
	struct api_error err = {0};

	assert_int_equal(json_decode_start(S("{\"status\":\"ok\",\"conversation_id\":\"d2bf\","
					     "\"message\":null,\"conversation_status\":\"RUNNING\"}"),
					   &ok, &msg, &err), 0);
	assert_true(ok);
	assert_null(msg);

	assert_int_equal(json_decode_start(S("{\"status\":\"error\",\"conversation_id\":\"d2bf\","
					     "\"message\":\"Failed to start conversation: boom\"}"),
					   &ok, &msg, &err), 0);
	assert_false(ok);
	assert_string_equal(msg, "Failed to start conversation: boom");
	free(msg);

	assert_int_equal(json_decode_start(S("{\"status\":\"error\",\"conversation_id\":\"x\"}"), &ok,
					   &msg, &err), 0);
	assert_false(ok);
	assert_null(msg);

	assert_int_equal(json_decode_start(S("{}"), &ok, &msg, &err), 0);
	assert_false(ok);
	assert_int_equal(json_decode_start(S("true"), &ok, &msg, &err), -1);
	assert_true(contains(err.message, "a boolean"));
	(void)state;
}

/* ---- error text ---------------------------------------------------------------------------- */

static void
expect_text(const char *body, const char *want)
{
	char *t = json_error_text(body, strlen(body));

	if (!want) {
		if (t)
			fail_msg("body %s gave \"%s\", want NULL", body, t);
		return;
	}
	if (!t || strcmp(t, want) != 0)
		fail_msg("body %s gave \"%s\", want \"%s\"", body, t ? t : "(null)", want);
	free(t);
}

static void
test_error_text_catalogue(void **state)
{
	/* openhands-api.md section 8, row by row. */
	expect_text("{\"error\":\"NoCredentialsError\"}", "NoCredentialsError");
	expect_text("{\"error\":\"Rate limit exceeded: 10 per 1 second\"}",
		    "Rate limit exceeded: 10 per 1 second");
	expect_text("{\"detail\":\"Unauthorized\"}", "Unauthorized");
	expect_text("{\"message\":\"Too many requests\"}", "Too many requests");
	expect_text("{\"detail\":\"Conversation ID contains invalid path characters\"}",
		    "Conversation ID contains invalid path characters");
	expect_text("null", NULL);
	expect_text("{\"detail\":\"Conversation d2bfa2e22a0e4fef98882ab95258d4af not found\"}",
		    "Conversation d2bfa2e22a0e4fef98882ab95258d4af not found");
	expect_text("{\"error\":\"Runtime not yet initialized\"}", "Runtime not yet initialized");
	expect_text("{\"error\":\"Error opening file: **ErrorObservation**\\nFile not found: "
		    "/workspace/project/README.md. Your current working directory is "
		    "/workspace/project/oh-utils.\"}",
		    "Error opening file: **ErrorObservation** File not found: "
		    "/workspace/project/README.md. Your current working directory is "
		    "/workspace/project/oh-utils.");
	expect_text("{\"error\":\"Unable to open binary file: /workspace/project/x.png\"}",
		    "Unable to open binary file: /workspace/project/x.png");
	expect_text("{\"detail\":\"Failed to zip workspace\"}", "Failed to zip workspace");
	expect_text("{\"error\":\"Error zipping workspace: timeout\"}",
		    "Error zipping workspace: timeout");
	expect_text("{\"error\":\"Not a git repository\"}", "Not a git repository");
	expect_text("{\"detail\":[{\"type\":\"less_than_equal\",\"loc\":[\"query\",\"limit\"],"
		    "\"msg\":\"Input should be less than or equal to 100\",\"input\":\"500\"},"
		    "{\"type\":\"missing\",\"loc\":[\"body\",0],\"msg\":\"Field required\"},"
		    "{\"type\":\"x\",\"msg\":\"No location\"},{\"nomsg\":1},null]}",
		    "query.limit: Input should be less than or equal to 100; body.0: Field "
		    "required; No location");
	expect_text("{\"detail\":\"File not found\"}", "File not found");
	expect_text("{\"detail\":\"Path must be absolute\"}", "Path must be absolute");
	expect_text("{\"detail\":\"Path is not a file\"}", "Path is not a file");
	expect_text("{\"detail\":\"Not Found\"}", "Not Found");
	expect_text("{\"detail\":\"Internal Server Error\",\"exception\":\"KeyError: 'x'\","
		    "\"error_id\":\"e1\"}",
		    "Internal Server Error: KeyError: 'x'");
	expect_text("{\"detail\":\"Internal Server Error\",\"exception\":\"\"}",
		    "Internal Server Error");
	expect_text("{\"detail\":\"Invalid API Key\"}", "Invalid API Key");
	/* Section 3.5 bodies. */
	expect_text("{\"status\":\"error\",\"message\":\"Permission denied: not yours\","
		    "\"msg_id\":\"AUTHORIZATION$PERMISSION_DENIED\"}",
		    "Permission denied: not yours");
	expect_text("{\"status\":\"error\",\"conversation_id\":\"x\"}", NULL);
	expect_text("{\"trajectory\":null,\"error\":\"boom\"}", "boom");
	expect_text("{\"detail\":\"Invalid request parameters\",\"errors\":\"e\"}",
		    "Invalid request parameters");
	(void)state;
}

static void
test_error_text_edges(void **state)
{
	expect_text("", NULL);
	expect_text("{}", NULL);
	expect_text("[1,2]", NULL);
	expect_text("{\"error\":\"   \"}", NULL);
	expect_text("{\"error\":5,\"message\":\"fallback\"}", "fallback");
	expect_text("\"a bare string\"", "a bare string");
	expect_text("Internal Server Error", "Internal Server Error");
	expect_text("  Bad Gateway\r\n", "Bad Gateway");
	expect_text("\x7f{ x \x7f", "{ x");
	expect_text("{\"error\":\"\\u007f\\u0001 lead and trail \\t\"}", "lead and trail");
	expect_text("{\"error\": broken", NULL);
	expect_text("{\"error\":\"tab\\there\\u0000nul\\u001b[31m\"}", "tab here nul [31m");
	expect_text("<html><body>502</body></html>", NULL);
	assert_null(json_error_text(NULL, 0));
	assert_null(json_error_text(S("\xff\xfe binary")));

	/* Cut to 200 bytes without splitting a UTF-8 character. */
	struct strbuf sb = {0};
	strbuf_puts(&sb, "{\"error\":\"");
	for (int i = 0; i < 150; i++)
		strbuf_puts(&sb, "\xc3\xa9");	/* 2 bytes each: 300 bytes */
	strbuf_puts(&sb, "\"}");
	char *t = json_error_text(sb.buf, sb.len);
	assert_non_null(t);
	assert_int_equal(strlen(t), 200);
	assert_true(utf8_valid(t, strlen(t)));
	free(t);
	strbuf_reset(&sb);
	strbuf_puts(&sb, "{\"error\":\"x");
	for (int i = 0; i < 150; i++)
		strbuf_puts(&sb, "\xc3\xa9");
	strbuf_puts(&sb, "\"}");
	t = json_error_text(sb.buf, sb.len);
	assert_int_equal(strlen(t), 199);
	assert_true(utf8_valid(t, strlen(t)));
	free(t);
	strbuf_free(&sb);
	(void)state;
}

static void
test_looks_like_html(void **state)
{
	assert_true(json_looks_like_html(S("<!DOCTYPE html>")));
	assert_true(json_looks_like_html(S("\r\n <html>")));
	assert_true(json_looks_like_html(S("<HTML>")));
	assert_true(json_looks_like_html(S("\xef\xbb\xbf<!doctype html>")));
	assert_true(json_looks_like_html(S("<?xml version=\"1.0\"?>")));
	assert_false(json_looks_like_html(S("{\"a\":\"<html>\"}")));
	assert_false(json_looks_like_html(S("<")));
	assert_false(json_looks_like_html(S("< 3")));
	assert_false(json_looks_like_html(S("")));
	assert_false(json_looks_like_html(NULL, 0));
	(void)state;
}

static void
test_encode_bash_command(void **state)
{
	char *s = json_encode_bash_command("cd /workspace/project && find . -printf '%y %s %P\\n'",
					   300);
	assert_string_equal(s, "{\"command\":\"cd /workspace/project && find . -printf '%y %s "
			       "%P\\\\n'\",\"cwd\":null,\"timeout\":300}");
	free(s);
	s = json_encode_bash_command("echo \"\xc3\xa9\"\n", 5);
	assert_string_equal(s, "{\"command\":\"echo \\\"\xc3\xa9\\\"\\n\",\"cwd\":null,\"timeout\":5}");
	free(s);
	assert_null(json_encode_bash_command("bad \xff utf8", 1));
	assert_null(json_encode_bash_command(NULL, 1));
	(void)state;
}

/* ---- code stream ----------------------------------------------------------------------------- */

/* Read the whole of fd from offset 0. */
static char *
slurp(int fd, size_t *len)
{
	struct strbuf sb = {0};
	char buf[4096];
	ssize_t r;

	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	strbuf_append(&sb, "", 0);
	while ((r = read(fd, buf, sizeof(buf))) > 0)
		strbuf_append(&sb, buf, (size_t)r);
	*len = sb.len;
	return strbuf_detach(&sb);
}

static int
temp_fd(void)
{
	char path[] = "/tmp/ohb-test-json-XXXXXX";
	int fd = mkstemp(path);

	assert_true(fd >= 0);
	unlink(path);
	return fd;
}

/*
 * Stream body in pieces split at the given offsets; returns the finish() result and the
 * decoded text in *out.
 */
static int
stream_split(const char *body, size_t len, const size_t *cuts, size_t ncuts, char **out,
	     size_t *out_len, char *errbuf, size_t errlen)
{
	int fd = temp_fd();
	struct json_code_stream *s = json_code_stream_new(fd);
	size_t pos = 0;
	int rc = 0;

	for (size_t i = 0; i <= ncuts && rc == 0; i++) {
		size_t end = i < ncuts ? cuts[i] : len;
		rc = json_code_stream_feed(s, body + pos, end - pos);
		pos = end;
	}
	if (rc == 0)
		rc = json_code_stream_finish(s);
	if (errbuf)
		snprintf(errbuf, errlen, "%s", json_code_stream_error(s));
	*out = slurp(fd, out_len);
	if (rc == 0)
		assert_int_equal(json_code_stream_bytes(s), (int64_t)*out_len);
	json_code_stream_free(s);
	close(fd);
	return rc;
}

static int
stream_whole(const char *body, size_t len, char **out, size_t *out_len, char *errbuf,
	     size_t errlen)
{
	return stream_split(body, len, NULL, 0, out, out_len, errbuf, errlen);
}

static void
test_stream_escapes_every_split(void **state)
{
	/* Escapes, a surrogate pair (U+1F600), raw UTF-8, a lone high surrogate before a
	 * normal escape, a lone low one, \u0000, skipped keys around "code". */
	static const char body[] =
		" {\"before\": {\"code\": \"not this\", \"n\": [1, -2.5e+3, true, null]},\n"
		"  \"code\": \"a\\\"b\\\\c\\/d\\b\\f\\n\\r\\t\\u00e9\\u20ac\\ud83d\\ude00 "
		"\xe6\x97\xa5\\ud800\\n\\udc00x\\u0000\\ud83d\",\n"
		"  \"after\": \"\\\"}\", \"code\": \"second copy ignored\"}\n ";
	static const char want[] =
		"a\"b\\c/d\b\f\n\r\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80 \xe6\x97\xa5"
		"\xef\xbf\xbd\n\xef\xbf\xbdx\0\xef\xbf\xbd";
	size_t len = sizeof(body) - 1;
	char *out;
	size_t out_len;
	char errbuf[256];

	assert_int_equal(stream_whole(body, len, &out, &out_len, errbuf, sizeof(errbuf)), 0);
	assert_int_equal(out_len, sizeof(want) - 1);
	assert_memory_equal(out, want, out_len);
	free(out);

	/* One cut at every byte boundary. */
	for (size_t cut = 0; cut <= len; cut++) {
		assert_int_equal(stream_split(body, len, &cut, 1, &out, &out_len, NULL, 0), 0);
		assert_int_equal(out_len, sizeof(want) - 1);
		assert_memory_equal(out, want, out_len);
		free(out);
	}
	/* And byte by byte. */
	size_t *cuts = xmalloc(len * sizeof(*cuts));
	for (size_t i = 0; i < len; i++)
		cuts[i] = i;
	assert_int_equal(stream_split(body, len, cuts, len, &out, &out_len, NULL, 0), 0);
	assert_int_equal(out_len, sizeof(want) - 1);
	assert_memory_equal(out, want, out_len);
	free(out);
	free(cuts);
	(void)state;
}

static void
test_stream_keys_with_escapes(void **state)
{
	char *out;
	size_t n;

	/* "\u0063ode" is "code"; "codex" and "cod" are not. */
	assert_int_equal(stream_whole(S("{\"cod\":\"1\",\"codex\":\"2\",\"\\u0063ode\":\"3\"}"), &out,
				      &n, NULL, 0), 0);
	assert_int_equal(n, 1);
	assert_memory_equal(out, "3", 1);
	free(out);

	/* Empty text. */
	assert_int_equal(stream_whole(S("{\"code\":\"\"}"), &out, &n, NULL, 0), 0);
	assert_int_equal(n, 0);
	free(out);

	/* "code" inside an array at depth 2 is not the file. */
	char err[256];
	assert_int_equal(stream_whole(S("{\"x\":[{\"code\":\"no\"}]}"), &out, &n, err, sizeof(err)),
			 -1);
	assert_true(contains(err, "no \"code\""));
	free(out);
	(void)state;
}

static void
expect_stream_fail(const char *body, size_t len, const char *needle)
{
	char *out;
	size_t n;
	char err[256];

	assert_int_equal(stream_whole(body, len, &out, &n, err, sizeof(err)), -1);
	if (!contains(err, needle))
		fail_msg("body %.*s: error \"%s\" lacks \"%s\"", (int)len, body, err, needle);
	free(out);
}

static void
test_stream_malformed(void **state)
{
	expect_stream_fail(S(""), "empty answer");
	expect_stream_fail(S("  \n"), "empty answer");
	expect_stream_fail(S("{\"code\":\"abc"), "cut off after 12 bytes");
	expect_stream_fail(S("{\"code\":\"abc\\"), "cut off");
	expect_stream_fail(S("{\"code\":\"abc\\ud83d"), "cut off");
	expect_stream_fail(S("{\"code\":\"abc\"}x"), "after the end");
	expect_stream_fail(S("{\"code\":\"abc\"} {}"), "after the end");
	expect_stream_fail(S("{\"code\":\"abc\""), "cut off");
	expect_stream_fail(S("{\"other\":1}"), "no \"code\"");
	expect_stream_fail(S("{}"), "no \"code\"");
	expect_stream_fail(S("{\"code\":null}"), "not a string");
	expect_stream_fail(S("{\"code\":\n\n  [\"x\"]}"), "(line 3, column 3, byte 12)");
	expect_stream_fail(S("[\"code\"]"), "expected a JSON object");
	expect_stream_fail(S("<!DOCTYPE html>"), "web page");
	expect_stream_fail(S("\n <html>"), "answered with a web page instead of JSON; this endpoint");
	expect_stream_fail(S("{\"code\":\"a\nb\"}"), "control character");
	expect_stream_fail(S("{\"code\":\"\\x\"}"), "invalid escape");
	expect_stream_fail(S("{\"code\":\"\\u12g4\"}"), "4 hex digits");
	expect_stream_fail(S("{\"a\":01,\"code\":\"\"}"), "leading zeros");
	expect_stream_fail(S("{\"a\":-,\"code\":\"\"}"), "digit must follow '-'");
	expect_stream_fail(S("{\"a\":1.,\"code\":\"\"}"), "digit must follow '.'");
	expect_stream_fail(S("{\"a\":1e,\"code\":\"\"}"), "exponent");
	expect_stream_fail(S("{\"a\":tru,\"code\":\"\"}"), "true, false or null");
	expect_stream_fail(S("{\"a\":[1,],\"code\":\"\"}"), "expected a value");
	expect_stream_fail(S("{\"a\":[1},\"code\":\"\"}"), "closing bracket");
	expect_stream_fail(S("{\"a\" 1}"), "expected ':'");
	expect_stream_fail(S("{\"a\":1,}"), "quoted key");
	expect_stream_fail(S("{,}"), "quoted key");

	/* Too deep nesting is refused, not a stack overflow. */
	struct strbuf sb = {0};
	strbuf_puts(&sb, "{\"a\":");
	for (int i = 0; i < 1000; i++)
		strbuf_putc(&sb, '[');
	expect_stream_fail(sb.buf, sb.len, "nested too deeply");
	strbuf_free(&sb);

	/* Valid numbers and literals in skipped values. */
	char *out;
	size_t n;
	assert_int_equal(stream_whole(S("{\"a\":[0,-0,1.5,-0.25e-3,2E+10,1e5,true,false,null,{},[],"
					"{\"k\":{\"z\":[]}}],\"code\":\"ok\",\"b\":0}"),
				      &out, &n, NULL, 0), 0);
	assert_int_equal(n, 2);
	free(out);

	/* After an error, feeding more is refused and the first message stays. */
	struct json_code_stream *s = json_code_stream_new(-1);
	assert_int_equal(json_code_stream_feed(s, S("{x")), -1);
	const char *e1 = json_code_stream_error(s);
	assert_true(contains(e1, "quoted key"));
	assert_int_equal(json_code_stream_feed(s, S("\"code\":\"\"}")), -1);
	assert_int_equal(json_code_stream_finish(s), -1);
	assert_true(contains(json_code_stream_error(s), "quoted key"));
	json_code_stream_free(s);
	json_code_stream_free(NULL);
	(void)state;
}

static void
test_stream_disk_full(void **state)
{
	int fd = open("/dev/full", O_WRONLY);
	if (fd < 0)
		skip();
	struct json_code_stream *s = json_code_stream_new(fd);
	char chunk[8192];
	int rc = 0;

	memset(chunk, 'x', sizeof(chunk));
	assert_int_equal(json_code_stream_feed(s, S("{\"code\":\"")), 0);
	/* 64 KiB are buffered; the flush after that must fail. */
	for (int i = 0; i < 20 && rc == 0; i++)
		rc = json_code_stream_feed(s, chunk, sizeof(chunk));
	assert_int_equal(rc, -1);
	assert_true(contains(json_code_stream_error(s), "disk full while writing"));
	assert_int_equal(json_code_stream_finish(s), -1);
	json_code_stream_free(s);
	close(fd);

	/* A small file fails at finish(), when the buffer is flushed. */
	fd = open("/dev/full", O_WRONLY);
	s = json_code_stream_new(fd);
	assert_int_equal(json_code_stream_feed(s, S("{\"code\":\"hi\"}")), 0);
	assert_int_equal(json_code_stream_finish(s), -1);
	assert_true(contains(json_code_stream_error(s), "disk full"));
	json_code_stream_free(s);
	close(fd);

	/* A closed descriptor: a different message. */
	s = json_code_stream_new(-1);
	assert_int_equal(json_code_stream_feed(s, S("{\"code\":\"hi\"}")), 0);
	assert_int_equal(json_code_stream_finish(s), -1);
	assert_true(contains(json_code_stream_error(s), "could not write"));
	json_code_stream_free(s);
	(void)state;
}

static long
max_rss_kb(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

static void
test_stream_50mb_constant_memory(void **state)
{
	/* One unit has plain text, escapes and a surrogate pair; it repeats to 50 MB of body. */
	static const char unit_json[] =
		"line with \\\"quotes\\\" and tab\\t, caf\\u00e9, emoji \\ud83d\\ude00\\n";
	static const char unit_text[] =
		"line with \"quotes\" and tab\t, caf\xc3\xa9, emoji \xf0\x9f\x98\x80\n";
	const size_t ulen = sizeof(unit_json) - 1, tlen = sizeof(unit_text) - 1;
	const size_t units = (50u * 1000 * 1000) / ulen + 1;
	const size_t chunk_units = 997;	/* odd-sized pieces, so escapes straddle feeds */
	int fd = temp_fd();
	struct json_code_stream *s = json_code_stream_new(fd);
	char *chunk = xmalloc(chunk_units * ulen);
	long rss_before = max_rss_kb();

	for (size_t i = 0; i < chunk_units; i++)
		memcpy(chunk + i * ulen, unit_json, ulen);
	assert_int_equal(json_code_stream_feed(s, S("{\"code\": \"")), 0);
	size_t fed = 0;
	while (fed < units) {
		size_t k = units - fed < chunk_units ? units - fed : chunk_units;
		/* Split each piece at an awkward offset too. */
		size_t half = (k * ulen) / 2 + 3;
		if (half > k * ulen)
			half = k * ulen;
		assert_int_equal(json_code_stream_feed(s, chunk, half), 0);
		assert_int_equal(json_code_stream_feed(s, chunk + half, k * ulen - half), 0);
		fed += k;
	}
	assert_int_equal(json_code_stream_feed(s, S("\", \"extra\": [1,2,3]}")), 0);
	assert_int_equal(json_code_stream_finish(s), 0);
	assert_int_equal(json_code_stream_bytes(s), (int64_t)(units * tlen));
	long rss_after = max_rss_kb();
	/* Constant memory: the 50 MB body must not show up in the peak RSS. */
	if (rss_after - rss_before > 8 * 1024)
		fail_msg("peak RSS grew by %ld KiB while streaming", rss_after - rss_before);
	json_code_stream_free(s);
	free(chunk);

	/* Verify the file content unit by unit, reading it back in blocks. */
	assert_int_equal(lseek(fd, 0, SEEK_END), (off_t)(units * tlen));
	assert_int_equal(lseek(fd, 0, SEEK_SET), 0);
	char *block = xmalloc(tlen * 1000);
	size_t left = units;
	while (left > 0) {
		size_t k = left < 1000 ? left : 1000;
		size_t want = k * tlen, got = 0;
		while (got < want) {
			ssize_t r = read(fd, block + got, want - got);
			assert_true(r > 0);
			got += (size_t)r;
		}
		for (size_t i = 0; i < k; i++)
			if (memcmp(block + i * tlen, unit_text, tlen) != 0)
				fail_msg("unit %zu differs", units - left + i);
		left -= k;
	}
	free(block);
	close(fd);
	(void)state;
}

static void
test_stream_truncated_big(void **state)
{
	int fd = open("/dev/null", O_WRONLY);
	struct json_code_stream *s = json_code_stream_new(fd);
	char chunk[65536];

	memset(chunk, 'y', sizeof(chunk));
	assert_int_equal(json_code_stream_feed(s, S("{\"code\":\"")), 0);
	for (int i = 0; i < 10; i++)
		assert_int_equal(json_code_stream_feed(s, chunk, sizeof(chunk)), 0);
	assert_int_equal(json_code_stream_finish(s), -1);
	assert_true(contains(json_code_stream_error(s), "cut off"));
	json_code_stream_free(s);
	close(fd);
	(void)state;
}

/* Issue 14, item 8: a replaced line reads as git shows it, the deletion first. */
static void
test_udiff_deletions_first(void **state)
{
	(void)state;
	char *d = udiff_make("a\nold\nc\n", "a\nnew\nc\n", "f.txt");
	assert_non_null(strstr(d, "-old\n+new\n"));
	assert_null(strstr(d, "+new\n-old\n"));
	free(d);
	/* A block of two replaced by three: both deletions, then the three additions. */
	d = udiff_make("x\n1\n2\ny\n", "x\nA\nB\nC\ny\n", "g.txt");
	assert_non_null(strstr(d, " x\n-1\n-2\n+A\n+B\n+C\n y\n"));
	free(d);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cloud_page),
		cmocka_unit_test(test_v0_page_tolerance),
		cmocka_unit_test(test_v0_page_wrong_shapes),
		cmocka_unit_test(test_v1_page_status_mapping),
		cmocka_unit_test(test_single_conversation),
		cmocka_unit_test(test_v1_conversation_list),
		cmocka_unit_test(test_sandbox),
		cmocka_unit_test(test_html_everywhere),
		cmocka_unit_test(test_malformed_everywhere),
		cmocka_unit_test(test_bom_is_skipped),
		cmocka_unit_test(test_string_array),
		cmocka_unit_test(test_changes),
		cmocka_unit_test(test_diff),
		cmocka_unit_test(test_bash_command_id),
		cmocka_unit_test(test_bash_page),
		cmocka_unit_test(test_start),
		cmocka_unit_test(test_error_text_catalogue),
		cmocka_unit_test(test_error_text_edges),
		cmocka_unit_test(test_looks_like_html),
		cmocka_unit_test(test_encode_bash_command),
		cmocka_unit_test(test_stream_escapes_every_split),
		cmocka_unit_test(test_stream_keys_with_escapes),
		cmocka_unit_test(test_stream_malformed),
		cmocka_unit_test(test_stream_disk_full),
		cmocka_unit_test(test_stream_50mb_constant_memory),
		cmocka_unit_test(test_stream_truncated_big),
		cmocka_unit_test(test_udiff_deletions_first),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
