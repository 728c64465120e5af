/*
 * tests/fakehands/test_fakehands.c: cmocka TAP tests of the fake server.
 *
 * Owns: starting fakehands in-process from small scenarios and checking each
 * documented behaviour over real HTTP with libcurl: paging tokens, auth bodies,
 * SPA HTML, list-files/select-file rules, zip and tar.gz bodies (read back with
 * libarchive), V1 routes, the bash listing split into 1 MiB chunks, the runtime
 * rate limiter, every fault knob, the request log and the demo scenario.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <archive.h>
#include <archive_entry.h>
#include <curl/curl.h>
#include <jansson.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tests/fakehands/fakehands.h"
#include "tests/fakehands/fh.h"

#define K1 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"
#define K2 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa2"
#define K3 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa3"
#define SESSION "11111111-2222-4333-8444-555555555555"

/* ---------- helpers ---------- */

struct resp {
	long status;
	CURLcode rc;
	struct strbuf body;
	struct strbuf hdrs;
	curl_off_t cl;
	double secs;
};

static size_t
on_body(char *p, size_t sz, size_t n, void *ud)
{
	strbuf_append(ud, p, sz * n);
	return sz * n;
}

static void
resp_free(struct resp *r)
{
	strbuf_free(&r->body);
	strbuf_free(&r->hdrs);
}

static struct resp
http(const char *method, const char *url, const char *hdr1, const char *hdr2, const char *body, long timeout_ms)
{
	struct resp r = { 0 };
	struct curl_slist *h = NULL;
	CURL *c = curl_easy_init();
	int64_t t0 = clock_now_ms();

	if (hdr1)
		h = curl_slist_append(h, hdr1);
	if (hdr2)
		h = curl_slist_append(h, hdr2);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.hdrs);
	curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms ? timeout_ms : 15000L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
	} else if (!strcmp(method, "POST")) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{}");
	}
	r.rc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_easy_getinfo(c, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &r.cl);
	r.secs = (double)(clock_now_ms() - t0) / 1000.0;
	curl_easy_cleanup(c);
	curl_slist_free_all(h);
	strbuf_putc(&r.body, '\0');	/* keep buf non-NULL and terminated */
	r.body.len--;
	strbuf_putc(&r.hdrs, '\0');
	r.hdrs.len--;
	return r;
}

static struct resp
get(const char *url, const char *hdr)
{
	return http("GET", url, hdr, NULL, NULL, 0);
}

static char *
url_of(uint16_t port, const char *path)
{
	return xasprintf("http://127.0.0.1:%u%s", port, path);
}

static struct fakehands *
start_fh(const char *scenario, const char *log)
{
	char err[256];
	struct fakehands_options o = { .log_path = log };
	struct fakehands *fh = fakehands_start(scenario, strlen(scenario), &o, err, sizeof(err));

	if (!fh)
		fail_msg("fakehands_start: %s", err);
	return fh;
}

static json_t *
jparse(const struct resp *r)
{
	json_t *j = json_loadb(r->body.buf, r->body.len, JSON_DECODE_ANY, NULL);

	assert_non_null(j);
	return j;
}

/* The common scenario: a V0 runtime with a workspace, a stopped V0, and a V1 agent. */
static const char base_scenario[] =
	"{\"app\":{\"auth\":\"bearer\",\"api_key\":\"KEY\",\"now\":\"2026-11-25T12:00:00Z\"},"
	"\"runtime_rate_limit\":false,"
	"\"workspaces\":{\"w\":{\"git\":true,\"files\":["
	"{\"path\":\"README.md\",\"text\":\"# hi\\n\"},{\"path\":\"src/main.c\",\"text\":\"int main(void){return 0;}\\n\"},"
	"{\"path\":\"Src2/a.py\",\"text\":\"x = 1\\n\"},{\"path\":\"apple.txt\",\"text\":\"a\"},"
	"{\"path\":\".git/config\",\"text\":\"[core]\\n\"},{\"path\":\".git/HEAD\",\"text\":\"ref\"},"
	"{\"path\":\"node_modules/x/y.js\",\"text\":\"y\"},{\"path\":\"sub/.git/HEAD\",\"text\":\"ref\"},"
	"{\"path\":\"build/out.o\",\"text\":\"o\"},{\"path\":\".gitignore\",\"text\":\"build/\\n*.log\\n\"},"
	"{\"path\":\"x.log\",\"text\":\"l\"},{\"path\":\"bad.txt\",\"base64\":\"aGn/\"},"
	"{\"path\":\"logo.png\",\"base64\":\"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\"},"
	"{\"path\":\"big.txt\",\"size\":3000000,\"text\":true,\"seed\":3},"
	"{\"path\":\"blob.bin\",\"size\":200000,\"seed\":9},{\"path\":\"empty/\"}],"
	"\"changes\":[{\"status\":\"M\",\"path\":\"README.md\",\"original\":\"# old\\n\"},{\"status\":\"A\",\"path\":\"src/main.c\"},"
	"{\"status\":\"D\",\"path\":\"gone.txt\",\"original\":\"bye\"}]},"
	"\"plain\":{\"files\":[{\"path\":\"a\",\"text\":\"a\"}]}},"
	"\"conversations\":["
	"{\"id\":\"" K1 "\",\"title\":\"one\",\"status\":\"RUNNING\",\"created_at\":\"2026-11-25T11:00:00.123456Z\","
	"\"workspace\":\"w\",\"session_api_key\":\"" SESSION "\",\"events\":[{\"id\":0,\"source\":\"user\"},{\"id\":1,\"source\":\"agent\"}]},"
	"{\"id\":\"" K2 "\",\"title\":\"two\",\"status\":\"STOPPED\",\"created_at\":\"2026-11-25T10:00:00Z\",\"wake_delay_ms\":300,\"workspace\":\"plain\"},"
	"{\"id\":\"" K3 "\",\"title\":\"three\",\"status\":\"RUNNING\",\"version\":\"V1\",\"created_at\":\"2026-11-25T10:30:00Z\","
	"\"workspace\":\"w\",\"session_api_key\":\"" SESSION "\",\"sandbox_id\":\"sb3\",\"agent\":{\"download_api\":\"query\"},"
	"\"events\":[{\"id\":\"e1\",\"kind\":\"MessageEvent\"}]},"
	"{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4\",\"title\":\"old\",\"created_at\":\"2026-11-01T00:00:00Z\"}"
	"]}";

#define AUTH "Authorization: Bearer KEY"
#define SKEY "X-Session-API-Key: " SESSION

static struct fakehands *g_fh;

static int
setup_base(void **state)
{
	g_fh = start_fh(base_scenario, NULL);
	return g_fh ? 0 : -1;
}

static int
teardown_base(void **state)
{
	fakehands_stop(g_fh);
	g_fh = NULL;
	return 0;
}

static struct resp
app_get(const char *path, const char *hdr)
{
	char *u = url_of(fakehands_app_port(g_fh), path);
	struct resp r = get(u, hdr);

	free(u);
	return r;
}

static struct resp
rt_get(const char *conv, const char *sub, const char *hdr)
{
	char *path = xasprintf("/api/conversations/%s/%s", conv, sub);
	char *u = url_of(fakehands_conv_port(g_fh, conv), path);
	struct resp r = get(u, hdr);

	free(u);
	free(path);
	return r;
}

static struct resp
ag_req(const char *method, const char *path, const char *body)
{
	char *u = url_of(fakehands_conv_port(g_fh, K3), path);
	struct resp r = http(method, u, SKEY, "Content-Type: application/json", body, 0);

	free(u);
	return r;
}

/* ---------- app server ---------- */

static void
test_paging_tokens(void **state)
{
	char scen[512];
	struct fakehands *fh;
	struct resp r;
	char *u;
	json_t *j;

	/* 7 V0 conversations, V1 off: the recorded limit=2 and limit=5 tokens */
	snprintf(scen, sizeof(scen), "{\"app\":{\"v1\":false},\"generate\":{\"count\":7,\"version\":\"V0\",\"newest\":\"-1h\"}}");
	fh = start_fh(scen, NULL);
	u = url_of(fakehands_app_port(fh), "/api/conversations?limit=2");
	r = get(u, NULL);
	free(u);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.hdrs.buf, "Cache-Control: no-cache, no-store, must-revalidate, max-age=0"));
	assert_non_null(strstr(r.hdrs.buf, "Server: uvicorn"));
	j = jparse(&r);
	assert_int_equal(json_array_size(json_object_get(j, "results")), 2);
	assert_string_equal(json_string_value(json_object_get(j, "next_page_id")), "eyJ2MCI6ICJNZz09IiwgInYxIjogbnVsbH0=");
	json_decref(j);
	resp_free(&r);
	u = url_of(fakehands_app_port(fh), "/api/conversations?limit=5");
	r = get(u, NULL);
	free(u);
	j = jparse(&r);
	assert_string_equal(json_string_value(json_object_get(j, "next_page_id")), "eyJ2MCI6ICJOUT09IiwgInYxIjogbnVsbH0=");
	json_decref(j);
	resp_free(&r);
	/* second page from the token: 2 left, then null */
	u = url_of(fakehands_app_port(fh), "/api/conversations?limit=5&page_id=eyJ2MCI6ICJOUT09IiwgInYxIjogbnVsbH0%3D");
	r = get(u, NULL);
	free(u);
	j = jparse(&r);
	assert_int_equal(json_array_size(json_object_get(j, "results")), 2);
	assert_true(json_is_null(json_object_get(j, "next_page_id")));
	json_decref(j);
	resp_free(&r);
	/* a legacy bare V0 id and garbage both give 500 */
	u = url_of(fakehands_app_port(fh), "/api/conversations?page_id=MjA%3D");
	r = get(u, NULL);
	free(u);
	assert_int_equal(r.status, 500);
	resp_free(&r);
	u = url_of(fakehands_app_port(fh), "/api/conversations?page_id=%21%21%21x");
	r = get(u, NULL);
	free(u);
	assert_int_equal(r.status, 500);
	resp_free(&r);
	fakehands_stop(fh);

	/* mixed V0+V1, 25 each: {"v0": "MjA=", "v1": "20"} */
	snprintf(scen, sizeof(scen), "{\"generate\":{\"count\":50,\"version\":\"mixed\",\"newest\":\"-1h\"}}");
	fh = start_fh(scen, NULL);
	u = url_of(fakehands_app_port(fh), "/api/conversations?limit=20");
	r = get(u, NULL);
	free(u);
	j = jparse(&r);
	assert_int_equal(json_array_size(json_object_get(j, "results")), 20);
	assert_string_equal(json_string_value(json_object_get(j, "next_page_id")), "eyJ2MCI6ICJNakE9IiwgInYxIjogIjIwIn0=");
	/* sorted created_at desc across both sources */
	const char *prev = NULL;
	size_t i;
	json_t *it;
	json_array_foreach(json_object_get(j, "results"), i, it) {
		const char *c = json_string_value(json_object_get(it, "created_at"));

		if (prev)
			assert_true(strcmp(prev, c) >= 0);
		prev = c;
	}
	json_decref(j);
	resp_free(&r);
	fakehands_stop(fh);
}

static void
test_list_fields_and_age(void **state)
{
	struct resp r = app_get("/api/conversations?limit=100", AUTH);
	json_t *j = jparse(&r), *res = json_object_get(j, "results"), *a, *b;
	char url[128];

	/* the 25-day-old conversation is hidden; V1 is merged in; sorted desc */
	assert_int_equal(json_array_size(res), 3);
	a = json_array_get(res, 0);
	assert_string_equal(json_string_value(json_object_get(a, "conversation_id")), K1);
	assert_string_equal(json_string_value(json_object_get(a, "created_at")), "2026-11-25T11:00:00.123456Z");
	assert_string_equal(json_string_value(json_object_get(a, "runtime_status")), "STATUS$READY");
	assert_string_equal(json_string_value(json_object_get(a, "session_api_key")), SESSION);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/api/conversations/" K1, fakehands_conv_port(g_fh, K1));
	assert_string_equal(json_string_value(json_object_get(a, "url")), url);
	assert_true(json_is_null(json_object_get(a, "selected_repository")));
	assert_int_equal(json_object_size(a), 16);
	b = json_array_get(res, 1);
	assert_string_equal(json_string_value(json_object_get(b, "conversation_version")), "V1");
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/api/conversations/" K3, fakehands_conv_port(g_fh, K3));
	assert_string_equal(json_string_value(json_object_get(b, "url")), url);
	b = json_array_get(res, 2);
	assert_string_equal(json_string_value(json_object_get(b, "status")), "STOPPED");
	assert_true(json_is_null(json_object_get(b, "url")));
	assert_true(json_is_null(json_object_get(b, "session_api_key")));
	assert_true(json_is_null(json_object_get(b, "runtime_status")));
	json_decref(j);
	resp_free(&r);
}

static void
test_auth(void **state)
{
	struct resp r = app_get("/api/conversations", NULL);

	assert_int_equal(r.status, 401);
	assert_string_equal(r.body.buf, "{\"error\":\"NoCredentialsError\"}");
	resp_free(&r);
	r = app_get("/api/conversations", "Authorization: Bearer nope");
	assert_int_equal(r.status, 401);
	resp_free(&r);
	r = app_get("/api/conversations", "X-Session-API-Key: KEY");
	assert_int_equal(r.status, 200);
	resp_free(&r);

	struct fakehands *fh = start_fh("{\"app\":{\"auth\":\"session\",\"api_key\":\"S\"}}", NULL);
	char *u = url_of(fakehands_app_port(fh), "/api/conversations");
	r = get(u, "Authorization: Bearer S");
	assert_int_equal(r.status, 401);
	assert_string_equal(r.body.buf, "{\"detail\":\"Unauthorized\"}");
	resp_free(&r);
	r = get(u, "X-Session-API-Key: S");
	assert_int_equal(r.status, 200);
	resp_free(&r);
	free(u);
	fakehands_stop(fh);
}

static void
test_html_null_400(void **state)
{
	struct resp r = app_get("/api/no/such/route", AUTH);

	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.hdrs.buf, "Content-Type: text/html"));
	assert_non_null(strstr(r.body.buf, "<!DOCTYPE html>"));
	resp_free(&r);
	r = app_get("/api/conversations/ffffffffffffffffffffffffffffffff", AUTH);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.buf, "null");
	resp_free(&r);
	r = app_get("/api/conversations/bad%5Cid", AUTH);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	r = app_get("/api/conversations/" K1, AUTH);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body.buf, "\"title\":\"one\""));
	resp_free(&r);
}

static void
test_start_wake(void **state)
{
	char *u = url_of(fakehands_app_port(g_fh), "/api/conversations/" K2 "/start");
	struct resp r = http("POST", u, AUTH, NULL, "{\"providers_set\":[\"github\"]}", 0);
	json_t *j;

	free(u);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.buf, "{\"status\":\"ok\",\"conversation_id\":\"" K2
			    "\",\"message\":null,\"conversation_status\":\"STARTING\"}");
	resp_free(&r);
	r = rt_get(K2, "list-files", NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body.buf, "{\"error\":\"Runtime not yet initialized\"}");
	resp_free(&r);
	usleep(400 * 1000);
	r = app_get("/api/conversations/" K2, AUTH);
	j = jparse(&r);
	assert_string_equal(json_string_value(json_object_get(j, "status")), "RUNNING");
	assert_true(json_is_string(json_object_get(j, "url")));
	char *key = xasprintf("X-Session-API-Key: %s", json_string_value(json_object_get(j, "session_api_key")));
	json_decref(j);
	resp_free(&r);
	r = rt_get(K2, "list-files", key);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.buf, "[\"a\"]");
	resp_free(&r);
	free(key);
	u = url_of(fakehands_app_port(g_fh), "/api/conversations/ffffffffffffffffffffffffffffffff/start");
	r = http("POST", u, AUTH, NULL, NULL, 0);
	free(u);
	assert_int_equal(r.status, 404);
	resp_free(&r);
}

/* ---------- V0 runtime ---------- */

static void
test_list_files(void **state)
{
	struct resp r = rt_get(K1, "list-files", NULL);

	assert_int_equal(r.status, 401);
	assert_string_equal(r.body.buf, "{\"detail\":\"Unauthorized\"}");
	resp_free(&r);
	r = rt_get(K1, "list-files", SKEY);
	assert_int_equal(r.status, 200);
	/* dirs first, case-insensitive; .git/ node_modules/ dropped (no path); build/ and *.log by .gitignore */
	assert_string_equal(r.body.buf, "[\"empty/\",\"src/\",\"Src2/\",\"sub/\",\".gitignore\",\"apple.txt\",\"bad.txt\","
					"\"big.txt\",\"blob.bin\",\"logo.png\",\"README.md\"]");
	resp_free(&r);
	r = rt_get(K1, "list-files?path=/workspace/project", SKEY);
	assert_non_null(strstr(r.body.buf, "[\"/workspace/project/.git/\",\"/workspace/project/empty/\",\"/workspace/project/node_modules/\""));
	resp_free(&r);
	r = rt_get(K1, "list-files?path=src/", SKEY);
	assert_string_equal(r.body.buf, "[\"src/main.c\"]");
	resp_free(&r);
	r = rt_get(K1, "list-files?path=src", SKEY);
	assert_string_equal(r.body.buf, "[\"src/main.c\"]");
	resp_free(&r);
	r = rt_get(K1, "list-files?path=nope", SKEY);
	assert_string_equal(r.body.buf, "[]");
	resp_free(&r);
	r = rt_get(K1, "list-files?path=README.md", SKEY);
	assert_string_equal(r.body.buf, "[]");
	resp_free(&r);
}

static void
test_select_file(void **state)
{
	struct resp r = rt_get(K1, "select-file?file=logo.png", SKEY);
	json_t *j;

	assert_int_equal(r.status, 415);
	assert_string_equal(r.body.buf, "{\"error\":\"Unable to open binary file: /workspace/project/logo.png\"}");
	resp_free(&r);
	r = rt_get(K1, "select-file?file=blob.bin", SKEY);
	assert_int_equal(r.status, 415);
	resp_free(&r);
	r = rt_get(K1, "select-file?file=bad.txt", SKEY);	/* invalid UTF-8 counts as binary */
	assert_int_equal(r.status, 415);
	resp_free(&r);
	r = rt_get(K1, "select-file?file=README.md", SKEY);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.buf, "{\"code\":\"# hi\\n\"}");
	resp_free(&r);
	r = rt_get(K1, "select-file?file=/workspace/project/src/main.c", SKEY);
	assert_int_equal(r.status, 200);
	resp_free(&r);
	r = rt_get(K1, "select-file?file=missing.md", SKEY);
	assert_int_equal(r.status, 500);
	assert_string_equal(r.body.buf, "{\"error\":\"Error opening file: **ErrorObservation**\\nFile not found: "
					"/workspace/project/missing.md. Your current working directory is /workspace/project.\"}");
	resp_free(&r);
	r = rt_get(K1, "select-file?file=src", SKEY);
	assert_int_equal(r.status, 500);
	assert_non_null(strstr(r.body.buf, "Path is a directory"));
	resp_free(&r);
	/* a generated text file is streamed as JSON with an exact Content-Length */
	r = rt_get(K1, "select-file?file=big.txt", SKEY);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.cl, (curl_off_t)r.body.len);
	j = jparse(&r);
	assert_int_equal(json_string_length(json_object_get(j, "code")), 3000000);
	assert_int_equal(json_string_value(json_object_get(j, "code"))[63], '\n');
	json_decref(j);
	resp_free(&r);
}

static void
test_zip_directory(void **state)
{
	struct resp r = rt_get(K1, "zip-directory", SKEY);
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	int files = 0;
	bool saw_git = false, saw_big = false;

	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.hdrs.buf, "Content-Type: application/zip"));
	assert_non_null(strstr(r.hdrs.buf, "Content-Disposition: attachment; filename=\"workspace.zip\""));
	assert_int_equal(r.cl, (curl_off_t)r.body.len);
	assert_memory_equal(r.body.buf, "PK\x03\x04", 4);
	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_memory(a, r.body.buf, r.body.len), ARCHIVE_OK);
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(e);
		char buf[65536];
		la_ssize_t k;
		size_t total = 0;

		files++;
		assert_true(n[0] != '/');
		if (!strcmp(n, ".git/config"))
			saw_git = true;
		while ((k = archive_read_data(a, buf, sizeof(buf))) > 0)
			total += (size_t)k;
		assert_true(k == 0);
		if (!strcmp(n, "big.txt")) {
			saw_big = true;
			assert_int_equal(total, 3000000);
		}
	}
	assert_int_equal(files, 15);	/* file entries only */
	assert_true(saw_git && saw_big);
	archive_read_free(a);
	resp_free(&r);
}

/* ---------- the Python-style zip-directory, byte by byte ---------- */

static unsigned
rd16(const unsigned char *p)
{
	return (unsigned)p[0] | (unsigned)p[1] << 8;
}

static uint32_t
rd32(const unsigned char *p)
{
	return (uint32_t)rd16(p) | (uint32_t)rd16(p + 2) << 16;
}

static uint64_t
rd64(const unsigned char *p)
{
	return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32;
}

static const struct fh_workspace *
ws_named(struct fakehands *fh, const char *name)
{
	for (size_t i = 0; i < fh->n_wss; i++)
		if (!strcmp(fh->wss[i].name, name))
			return &fh->wss[i];
	fail_msg("no workspace %s", name);
	return NULL;
}

static size_t
ws_file_count(const struct fh_workspace *ws)
{
	size_t n = 0;

	for (size_t i = 0; i < ws->n_nodes; i++)
		n += !ws->nodes[i].is_dir;
	return n;
}

/* data must be the whole content of the workspace file */
static void
assert_node_bytes(const struct fh_node *nd, const unsigned char *data, uint64_t len)
{
	unsigned char buf[65536];

	assert_true(len == node_size(nd));
	for (uint64_t off = 0; off < len;) {
		size_t k = node_read(nd, off, buf, sizeof(buf));

		assert_true(k > 0);
		assert_memory_equal(data + off, buf, k);
		off += k;
	}
}

struct zip_seen {
	size_t l64, c64;	/* local / central records with a Zip64 extra */
	bool end64;
};

/* Walk a Python-style zip: every local header (bit 3 clear, stored, CRC and sizes up
 * front, Zip64 extra when used) followed by exactly the workspace file's bytes, then
 * the central directory pointing back at those headers, then the end records. */
static void
check_py_zip(const struct strbuf *body, const struct fh_workspace *ws, struct zip_seen *seen)
{
	const unsigned char *b = (const unsigned char *)body->buf;
	size_t len = body->len, off = 0, n = 0, files = ws_file_count(ws), cd_start, end64 = 0;
	uint64_t *offs = xcalloc(files + 1, sizeof(*offs));
	uint32_t *crcs = xcalloc(files + 1, sizeof(*crcs));

	memset(seen, 0, sizeof(*seen));
	while (off + 4 <= len && rd32(b + off) == 0x04034b50) {
		const unsigned char *h = b + off, *x;
		unsigned ver = rd16(h + 4), flags = rd16(h + 6), nl = rd16(h + 26), xl = rd16(h + 28);
		uint32_t crc = rd32(h + 14);
		uint64_t csize = rd32(h + 18), usize = rd32(h + 22);
		const struct fh_node *nd;
		bool ascii = true, l64 = false;

		assert_true(off + 30 + nl + xl <= len);
		assert_int_equal(flags & 0x8, 0);	/* no data descriptor */
		assert_int_equal(rd16(h + 8), 0);	/* stored */
		for (x = h + 30 + nl; x + 4 <= h + 30 + nl + xl; x += 4 + rd16(x + 2)) {
			if (rd16(x) != 1)
				continue;
			assert_int_equal(rd16(x + 2), 16);
			assert_true(csize == 0xffffffffu && usize == 0xffffffffu);
			usize = rd64(x + 4);
			csize = rd64(x + 12);
			l64 = true;
		}
		assert_int_equal(ver, l64 ? 45 : 20);
		seen->l64 += l64;
		assert_true(csize == usize);
		nd = ws_find(ws, (const char *)h + 30, nl);
		assert_non_null(nd);
		assert_false(nd->is_dir);
		for (unsigned i = 0; i < nl; i++)
			ascii = ascii && !(h[30 + i] & 0x80);
		assert_int_equal(flags & 0x800, !ascii && utf8_valid((const char *)h + 30, nl) ? 0x800 : 0);
		assert_true(off + 30 + nl + xl + usize <= len);
		assert_node_bytes(nd, h + 30 + nl + xl, usize);
		assert_int_equal(crc, fh_crc32(0, h + 30 + nl + xl, (size_t)usize));
		assert_true(n < files);
		offs[n] = off;
		crcs[n++] = crc;
		off += 30 + nl + xl + usize;
	}
	assert_int_equal(n, files);	/* every file, nothing else */
	cd_start = off;
	for (size_t k = 0; off + 46 <= len && rd32(b + off) == 0x02014b50; k++) {
		const unsigned char *h = b + off, *x;
		unsigned nl = rd16(h + 28), xl = rd16(h + 30), cl = rd16(h + 32);
		uint64_t hoff = rd32(h + 42), usize = rd32(h + 24);
		bool c64 = false;

		assert_true(k < files);
		assert_int_equal(rd16(h + 8) & 0x8, 0);
		assert_int_equal(rd32(h + 16), crcs[k]);
		for (x = h + 46 + nl; x + 4 <= h + 46 + nl + xl; x += 4 + rd16(x + 2)) {
			const unsigned char *v = x + 4;

			if (rd16(x) != 1)
				continue;
			c64 = true;
			if (usize == 0xffffffffu) {
				usize = rd64(v);
				v += 16;
			}
			if (hoff == 0xffffffffu)
				hoff = rd64(v);
		}
		seen->c64 += c64;
		assert_true(hoff == offs[k]);
		/* the same name and size as the local header */
		assert_memory_equal(h + 46, b + offs[k] + 30, nl);
		off += 46 + nl + xl + cl;
		n = k + 1;
	}
	assert_int_equal(n, files);
	if (off + 4 <= len && rd32(b + off) == 0x06064b50) {
		seen->end64 = true;
		end64 = off;
		assert_true(rd64(b + off + 32) == files);
		assert_true(rd64(b + off + 40) == off - cd_start);
		assert_true(rd64(b + off + 48) == cd_start);
		off += 56;
		assert_int_equal(rd32(b + off), 0x07064b50);
		assert_true(rd64(b + off + 8) == end64);
		off += 20;
	}
	assert_true(off + 22 == len);
	assert_int_equal(rd32(b + off), 0x06054b50);
	assert_int_equal(rd16(b + off + 10), files < 0xffff ? files : 0xffff);
	if (!seen->end64)
		assert_int_equal(rd32(b + off + 16), cd_start);
	free(offs);
	free(crcs);
}

/* Read the zip back with libarchive (seekable or streaming reader): every entry
 * byte-identical to the workspace file of that name. */
static void
read_back(const struct strbuf *body, const struct fh_workspace *ws, bool streamable)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	size_t files = 0;
	int rc;

	if (streamable)
		archive_read_support_format_zip_streamable(a);
	else
		archive_read_support_format_zip_seekable(a);
	assert_int_equal(archive_read_open_memory(a, body->buf, body->len), ARCHIVE_OK);
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK || rc == ARCHIVE_WARN) {
		const char *name = archive_entry_pathname(e);
		const struct fh_node *nd;
		unsigned char buf[65536], want[65536];
		la_ssize_t k;
		uint64_t off = 0;

		if (!name)
			name = archive_entry_pathname_utf8(e);
		if (!name)
			fail_msg("no name after %zu entries", files);
		nd = ws_find(ws, name, strlen(name));
		if (!nd) {
			/* libarchive's reader turns '\\' into '/' (check_py_zip saw the raw name) */
			char *alt = xstrdup(name);

			for (char *c = alt; *c; c++)
				*c = *c == '/' ? '\\' : *c;
			nd = ws_find(ws, alt, strlen(alt));
			free(alt);
		}
		if (!nd)
			fail_msg("%s reader: unexpected entry %s", streamable ? "streaming" : "seekable", name);
		while ((k = archive_read_data(a, buf, sizeof(buf))) > 0) {
			assert_int_equal(node_read(nd, off, want, (size_t)k), (size_t)k);
			assert_memory_equal(buf, want, (size_t)k);
			off += (uint64_t)k;
		}
		assert_int_equal(k, 0);
		assert_true(off == node_size(nd));
		files++;
	}
	assert_int_equal(rc, ARCHIVE_EOF);
	assert_int_equal(files, ws_file_count(ws));
	archive_read_free(a);
}

/* unzip -t and Python's zipfile (which also checks local headers against the central
 * directory), when they are installed. */
static void
external_checks(const struct strbuf *body)
{
	char path[] = "/tmp/fakehands-zip-XXXXXX";
	int fd = mkstemp(path);
	char *cmd;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, body->buf, body->len), (ssize_t)body->len);
	close(fd);
	if (system("command -v unzip >/dev/null 2>&1") == 0) {
		cmd = xasprintf("unzip -tqq %s >/dev/null 2>&1", path);
		assert_int_equal(system(cmd), 0);
		free(cmd);
	} else {
		fprintf(stderr, "# unzip not installed: unzip -t skipped\n");
	}
	if (system("command -v python3 >/dev/null 2>&1") == 0) {
		cmd = xasprintf("python3 -c 'import sys,zipfile; z=zipfile.ZipFile(sys.argv[1]); "
				"sys.exit(z.testzip() is not None)' %s", path);
		assert_int_equal(system(cmd), 0);
		free(cmd);
	}
	unlink(path);
}

static void
test_zip_python_base(void **state)
{
	const struct fh_workspace *ws = ws_named(g_fh, "w");
	struct resp r = rt_get(K1, "zip-directory", SKEY);
	struct zip_seen seen;

	assert_int_equal(r.status, 200);
	assert_int_equal(r.cl, (curl_off_t)r.body.len);
	check_py_zip(&r.body, ws, &seen);
	assert_true(seen.l64 == 0 && seen.c64 == 0 && !seen.end64);
	read_back(&r.body, ws, false);
	read_back(&r.body, ws, true);
	external_checks(&r.body);
	resp_free(&r);
}

static const char zip_scenario[] =
	"{\"runtime_rate_limit\":false,\"workspaces\":{\"z\":{\"files\":["
	"{\"path\":\"a.txt\",\"text\":\"hello\\n\",\"mtime\":\"2025-06-07T08:09:10Z\"},"
	"{\"path\":\"caf\\u00e9/na\\u00efve \\u65e5\\u672c.txt\",\"text\":\"utf-8 name\"},"
	"{\"path_b64\":\"YmFk/25hbWU=\",\"text\":\"raw name\"},"
	"{\"path\":\"../up.txt\",\"text\":\"dots\"},{\"path\":\"a\\\\b\",\"text\":\"backslash\"},"
	"{\"path\":\"empty.bin\",\"text\":\"\"},{\"path\":\"old.txt\",\"text\":\"1970\",\"mtime\":\"1970-01-02T00:00:00Z\"},"
	"{\"path\":\"gen/text.txt\",\"size\":300000,\"text\":true,\"seed\":5},"
	"{\"path\":\"gen/blob.bin\",\"size\":1500000,\"seed\":6},{\"path\":\"gen/dir/\"},"
	"{\"path\":\"z.bin\",\"base64\":\"AAECAwQFBgcICQ==\"}]},"
	"\"d\":{\"zip_style\":\"descriptor\",\"files\":[{\"path\":\"x.txt\",\"text\":\"x\"},"
	"{\"path\":\"g.bin\",\"size\":100000,\"seed\":1}]},"
	"\"e\":{\"files\":[{\"path\":\"e.txt\",\"text\":\"e\"},{\"path\":\"sub/g.bin\",\"size\":70000,\"seed\":2}]}},"
	"\"conversations\":["
	"{\"id\":\"" K1 "\",\"status\":\"RUNNING\",\"workspace\":\"z\",\"session_api_key\":\"" SESSION "\"},"
	"{\"id\":\"" K2 "\",\"status\":\"RUNNING\",\"workspace\":\"e\",\"zip_style\":\"descriptor\",\"session_api_key\":\"" SESSION "\"},"
	"{\"id\":\"" K3 "\",\"status\":\"RUNNING\",\"workspace\":\"d\",\"session_api_key\":\"" SESSION "\"},"
	"{\"id\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4\",\"status\":\"RUNNING\",\"workspace\":\"d\",\"zip_style\":\"python\","
	"\"session_api_key\":\"" SESSION "\"}],"
	"\"faults\":["
	"{\"server\":\"runtime\",\"route\":\"zip-directory\",\"conversation\":\"" K1 "\",\"nth\":3,\"chunked\":true},"
	"{\"server\":\"runtime\",\"route\":\"zip-directory\",\"conversation\":\"" K1 "\",\"nth\":4,\"reset_after\":5000},"
	"{\"server\":\"runtime\",\"route\":\"zip-directory\",\"conversation\":\"" K1 "\",\"nth\":5,\"bandwidth\":4000000,"
	"\"hold_after\":100000,\"hold_ms\":200,\"latency_ms\":50}"
	"]}";

static struct resp
zip_get(struct fakehands *fh, const char *conv)
{
	char *path = xasprintf("/api/conversations/%s/zip-directory", conv);
	char *u = url_of(fakehands_conv_port(fh, conv), path);
	struct resp r = get(u, SKEY);

	free(u);
	free(path);
	return r;
}

static void
test_crc32(void **state)
{
	static const char v[] = "123456789";
	unsigned char big[1000];

	assert_int_equal(fh_crc32(0, v, 9), 0xCBF43926u);
	assert_int_equal(fh_crc32(0, "", 0), 0);
	/* running form: any split gives the same CRC (the slice-by-8 and byte paths agree) */
	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)mix64(i);
	for (size_t cut = 0; cut < 20; cut++)
		assert_int_equal(fh_crc32(fh_crc32(0, big, cut), big + cut, sizeof(big) - cut),
				 fh_crc32(0, big, sizeof(big)));
}

static void
test_zip_python_names_faults(void **state)
{
	struct fakehands *fh = start_fh(zip_scenario, NULL);
	const struct fh_workspace *ws = ws_named(fh, "z");
	struct zip_seen seen;
	struct resp r = zip_get(fh, K1), r2;
	const unsigned char *b;
	size_t utf8 = 0, off = 0;

	assert_int_equal(r.status, 200);
	assert_int_equal(r.cl, (curl_off_t)r.body.len);
	check_py_zip(&r.body, ws, &seen);
	assert_true(seen.l64 == 0 && seen.c64 == 0 && !seen.end64);
	read_back(&r.body, ws, false);
	read_back(&r.body, ws, true);
	external_checks(&r.body);
	/* the UTF-8 flag on the non-ASCII valid name only; DOS time of a.txt is 2025-06-07 08:09:10 (TZ=UTC) */
	b = (const unsigned char *)r.body.buf;
	while (rd32(b + off) == 0x04034b50) {
		unsigned nl = rd16(b + off + 26);

		utf8 += (rd16(b + off + 6) & 0x800) != 0;
		if (nl == 5 && !memcmp(b + off + 30, "a.txt", 5) && getenv("TZ") && !strcmp(getenv("TZ"), "UTC")) {
			assert_int_equal(rd16(b + off + 12), (2025 - 1980) << 9 | 6 << 5 | 7);
			assert_int_equal(rd16(b + off + 10), 8 << 11 | 9 << 5 | 5);
		}
		if (nl == 7 && !memcmp(b + off + 30, "old.txt", 7))	/* before 1980: clamped */
			assert_int_equal(rd16(b + off + 12), 0 << 9 | 1 << 5 | 1);
		off += 30 + nl + rd16(b + off + 28) + rd32(b + off + 18);
	}
	assert_int_equal(utf8, 1);
	/* a second request (cached CRCs) is byte-identical */
	r2 = zip_get(fh, K1);
	assert_int_equal(r2.body.len, r.body.len);
	assert_memory_equal(r2.body.buf, r.body.buf, r.body.len);
	resp_free(&r2);
	/* chunked: no Content-Length, same bytes */
	r2 = zip_get(fh, K1);
	assert_int_equal(r2.rc, CURLE_OK);
	assert_int_equal(r2.cl, -1);
	assert_non_null(strstr(r2.hdrs.buf, "Transfer-Encoding: chunked"));
	assert_int_equal(r2.body.len, r.body.len);
	assert_memory_equal(r2.body.buf, r.body.buf, r.body.len);
	resp_free(&r2);
	/* reset_after: the full Content-Length, then 5000 bytes and a drop */
	r2 = zip_get(fh, K1);
	assert_int_equal(r2.rc, CURLE_PARTIAL_FILE);
	assert_int_equal(r2.cl, (curl_off_t)r.body.len);
	assert_int_equal(r2.body.len, 5000);
	assert_memory_equal(r2.body.buf, r.body.buf, 5000);
	resp_free(&r2);
	/* latency + hold + bandwidth: slower, same bytes */
	r2 = zip_get(fh, K1);
	assert_int_equal(r2.rc, CURLE_OK);
	assert_true(r2.secs >= 0.25);
	assert_int_equal(r2.cl, (curl_off_t)r.body.len);
	assert_int_equal(r2.body.len, r.body.len);
	assert_memory_equal(r2.body.buf, r.body.buf, r.body.len);
	resp_free(&r2);
	resp_free(&r);
	fakehands_stop(fh);
}

/* The libarchive style: bit 3 set, sizes after the data; still byte-identical. */
static void
test_zip_descriptor(void **state)
{
	struct fakehands *fh = start_fh(zip_scenario, NULL);
	const char *convs[] = { K2, K3 };
	const char *wss[] = { "e", "d" };
	struct resp r;

	for (int i = 0; i < 2; i++) {
		const struct fh_workspace *ws = ws_named(fh, wss[i]);

		r = zip_get(fh, convs[i]);	/* conversation option; workspace option */
		assert_int_equal(r.status, 200);
		assert_int_equal(r.cl, (curl_off_t)r.body.len);
		assert_int_equal(rd32((const unsigned char *)r.body.buf), 0x04034b50);
		assert_int_equal(rd16((const unsigned char *)r.body.buf + 6) & 0x8, 0x8);
		read_back(&r.body, ws, false);
		read_back(&r.body, ws, true);
		resp_free(&r);
	}
	/* a conversation's "python" overrides its workspace's "descriptor" */
	r = zip_get(fh, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa4");
	{
		struct zip_seen seen;

		check_py_zip(&r.body, ws_named(fh, "d"), &seen);
	}
	resp_free(&r);
	fakehands_stop(fh);
}

/* Zip64 with the threshold hook lowered to 1000 bytes (a real > 4 GiB entry is too slow for
 * the suite): Zip64 local extras (size * 1.05 > limit), central extras for sizes and
 * offsets, the Zip64 end record and locator; every reader still agrees. */
static void
test_zip64_lowered(void **state)
{
	struct fakehands *fh = start_fh(zip_scenario, NULL);
	const struct fh_workspace *ws = ws_named(fh, "z");
	struct zip_seen seen;
	struct resp r;

	fh_zip64_limit = 1000;
	r = zip_get(fh, K1);
	fh_zip64_limit = 0x7fffffffu;
	assert_int_equal(r.status, 200);
	assert_int_equal(r.cl, (curl_off_t)r.body.len);
	check_py_zip(&r.body, ws, &seen);
	assert_int_equal(seen.l64, 2);		/* the two generated files */
	assert_true(seen.c64 >= 3);		/* + the entries after them (offsets) */
	assert_true(seen.end64);
	read_back(&r.body, ws, false);
	read_back(&r.body, ws, true);
	external_checks(&r.body);
	resp_free(&r);
	fakehands_stop(fh);
}

/* The real limit, layout only (no bytes generated): a 5 GiB entry gets Zip64 records and
 * the Content-Length is exact up front. */
static void
test_zip64_size(void **state)
{
	struct fh_node nodes[2] = {
		{ .path = (char *)"a", .path_len = 1, .data = (unsigned char *)"x", .len = 1 },
		{ .path = (char *)"huge.bin", .path_len = 8, .generated = true, .size = 5ULL << 30, .seed = 1 },
	};
	struct fh_workspace ws = { .name = (char *)"t", .root = (char *)"/w", .nodes = nodes, .n_nodes = 2 };
	uint64_t size;
	struct arch_stream *a = arch_zip(&ws, false, &size);
	uint64_t local = (30 + 1 + 1) + (30 + 8 + 20 + (5ULL << 30));
	uint64_t central = (46 + 1) + (46 + 8 + 4 + 16);

	assert_true(size == local + central + 56 + 20 + 22);
	arch_free(a);
	/* the descriptor style past 256 MiB still goes chunked */
	a = arch_zip(&ws, true, &size);
	assert_true(size == UINT64_MAX);
	arch_free(a);
}

static void
test_git_trajectory_events(void **state)
{
	struct resp r = rt_get(K1, "git/changes", SKEY);

	assert_string_equal(r.body.buf, "[{\"status\":\"M\",\"path\":\"README.md\"},{\"status\":\"D\",\"path\":\"gone.txt\"},"
					"{\"status\":\"A\",\"path\":\"src/main.c\"}]");
	resp_free(&r);
	r = rt_get(K1, "git/diff?path=README.md", SKEY);
	assert_string_equal(r.body.buf, "{\"modified\":\"# hi\\n\",\"original\":\"# old\\n\"}");
	resp_free(&r);
	r = rt_get(K1, "trajectory", SKEY);
	assert_string_equal(r.body.buf, "{\"trajectory\":[{\"id\":0,\"source\":\"user\"},{\"id\":1,\"source\":\"agent\"}]}");
	resp_free(&r);
	r = rt_get(K1, "events?start_id=1&limit=5", SKEY);
	assert_string_equal(r.body.buf, "{\"events\":[{\"id\":1,\"source\":\"agent\"}],\"has_more\":false}");
	resp_free(&r);
	r = rt_get(K1, "events?limit=1", SKEY);
	assert_non_null(strstr(r.body.buf, "\"has_more\":true"));
	resp_free(&r);
	r = rt_get(K1, "events?limit=101", SKEY);
	assert_int_equal(r.status, 400);
	resp_free(&r);
}

/* ---------- V1 ---------- */

static void
test_v1_app(void **state)
{
	struct resp r = app_get("/api/v1/app-conversations/search?limit=101", AUTH);
	json_t *j;

	assert_int_equal(r.status, 422);
	resp_free(&r);
	r = app_get("/api/v1/app-conversations/search?title__contains=THR", AUTH);
	j = jparse(&r);
	assert_int_equal(json_array_size(json_object_get(j, "items")), 1);
	assert_string_equal(json_string_value(json_object_get(json_array_get(json_object_get(j, "items"), 0), "sandbox_status")), "RUNNING");
	json_decref(j);
	resp_free(&r);
	r = app_get("/api/v1/app-conversations?ids=" K3 "&ids=ffffffffffffffffffffffffffffffff", AUTH);
	j = jparse(&r);
	assert_int_equal(json_array_size(j), 2);
	assert_true(json_is_null(json_array_get(j, 1)));
	json_decref(j);
	resp_free(&r);
	r = app_get("/api/v1/sandboxes?id=sb3", AUTH);
	j = jparse(&r);
	json_t *u = json_array_get(json_object_get(json_array_get(j, 0), "exposed_urls"), 0);
	char want[64];
	snprintf(want, sizeof(want), "http://127.0.0.1:%u", fakehands_conv_port(g_fh, K3));
	assert_string_equal(json_string_value(json_object_get(u, "name")), "AGENT_SERVER");
	assert_string_equal(json_string_value(json_object_get(u, "url")), want);
	json_decref(j);
	resp_free(&r);
	r = app_get("/api/v1/events/search?conversation_id__eq=" K3, AUTH);
	assert_string_equal(r.body.buf, "{\"items\":[{\"id\":\"e1\",\"kind\":\"MessageEvent\"}],\"next_page_id\":null}");
	resp_free(&r);
}

static void
test_v1_resume(void **state)
{
	struct fakehands *fh = start_fh("{\"conversations\":[{\"id\":\"" K3 "\",\"version\":\"V1\",\"status\":\"STOPPED\","
					"\"sandbox_id\":\"sb3\",\"wake_delay_ms\":200}]}", NULL);
	char *u = url_of(fakehands_app_port(fh), "/api/v1/sandboxes?id=sb3");
	char *res = url_of(fakehands_app_port(fh), "/api/v1/sandboxes/sb3/resume");
	struct resp r = get(u, NULL);

	assert_non_null(strstr(r.body.buf, "\"status\":\"PAUSED\",\"session_api_key\":null,\"exposed_urls\":null"));
	resp_free(&r);
	r = http("POST", res, NULL, NULL, NULL, 0);
	assert_string_equal(r.body.buf, "{\"success\":true}");
	resp_free(&r);
	r = get(u, NULL);
	assert_non_null(strstr(r.body.buf, "\"status\":\"STARTING\""));
	resp_free(&r);
	usleep(300 * 1000);
	r = get(u, NULL);
	assert_non_null(strstr(r.body.buf, "\"status\":\"RUNNING\""));
	resp_free(&r);
	free(u);
	free(res);
	fakehands_stop(fh);
}

static void
test_agent_files(void **state)
{
	struct resp r = ag_req("GET", "/api/file/download?path=/workspace/project/README.md", NULL);

	assert_int_equal(r.status, 200);
	assert_string_equal(r.body.buf, "# hi\n");
	assert_non_null(strstr(r.hdrs.buf, "Content-Type: application/octet-stream"));
	assert_non_null(strstr(r.hdrs.buf, "Content-Disposition: attachment; filename=\"README.md\""));
	resp_free(&r);
	r = ag_req("GET", "/api/file/download?path=/workspace/project/blob.bin", NULL);
	assert_int_equal(r.body.len, 200000);
	resp_free(&r);
	r = ag_req("GET", "/api/file/download//workspace/project/README.md", NULL);	/* old form disabled here */
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body.buf, "{\"detail\":\"Not Found\"}");
	resp_free(&r);
	r = ag_req("GET", "/api/file/download?path=README.md", NULL);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.body.buf, "{\"detail\":\"Path must be absolute\"}");
	resp_free(&r);
	r = ag_req("GET", "/api/file/download?path=/workspace/project/nope", NULL);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.body.buf, "{\"detail\":\"File not found\"}");
	resp_free(&r);
	r = ag_req("GET", "/api/file/download?path=/workspace/project/src", NULL);
	assert_int_equal(r.status, 400);
	assert_string_equal(r.body.buf, "{\"detail\":\"Path is not a file\"}");
	resp_free(&r);
	char *u = url_of(fakehands_conv_port(g_fh, K3), "/api/file/download?path=/workspace/project/README.md");
	r = get(u, NULL);
	free(u);
	assert_int_equal(r.status, 401);
	assert_string_equal(r.body.buf, "{\"detail\":\"Unauthorized\"}");
	resp_free(&r);
	r = ag_req("GET", "/api/git/changes?path=/workspace/project", NULL);
	assert_string_equal(r.body.buf, "[{\"status\":\"UPDATED\",\"path\":\"README.md\"},{\"status\":\"DELETED\",\"path\":\"gone.txt\"},"
					"{\"status\":\"ADDED\",\"path\":\"src/main.c\"}]");
	resp_free(&r);
	r = ag_req("GET", "/api/conversations/" K3 "/events/search", NULL);
	assert_non_null(strstr(r.body.buf, "\"items\":[{\"id\":\"e1\""));
	resp_free(&r);
}

static void
read_targz(const struct resp *r, int *n, bool *manifest, bool *node_modules)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;

	archive_read_support_format_tar(a);
	archive_read_support_filter_gzip(a);
	assert_int_equal(archive_read_open_memory(a, r->body.buf, r->body.len), ARCHIVE_OK);
	*n = 0;
	*manifest = *node_modules = false;
	while (archive_read_next_header(a, &e) == ARCHIVE_OK) {
		const char *p = archive_entry_pathname(e);

		assert_int_equal(strncmp(p, "project/", 8), 0);
		(*n)++;
		if (!strcmp(p, "project/archive_manifest.json"))
			*manifest = true;
		if (strstr(p, "node_modules"))
			*node_modules = true;
		assert_false(!strcmp(p, "project/.git/config"));	/* credentials never leave */
		archive_read_data_skip(a);
	}
	archive_read_free(a);
}

static void
test_agent_archive(void **state)
{
	struct resp r = ag_req("GET", "/api/file/archive?path=/workspace/project&format=tar.gz", NULL);
	int n;
	bool manifest, nm;

	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.hdrs.buf, "Content-Type: application/gzip"));
	read_targz(&r, &n, &manifest, &nm);
	assert_true(manifest);
	assert_false(nm);
	resp_free(&r);
	r = ag_req("GET", "/api/file/archive?path=/workspace/project&format=tar.gz&use_default_excludes=false", NULL);
	read_targz(&r, &n, &manifest, &nm);
	assert_true(manifest && nm);
	resp_free(&r);
	r = ag_req("GET", "/api/file/archive?path=/workspace/project/nope&format=tar.gz", NULL);
	assert_int_equal(r.status, 404);
	resp_free(&r);
}

static void
test_bash_listing(void **state)
{
	/* 20000 files with 40-character names: the listing is > 1 MiB and splits in chunks */
	struct strbuf sc = { 0 };
	struct fakehands *fh;
	char *cmd_body, *u;
	struct resp r;
	json_t *j, *items;

	strbuf_puts(&sc, "{\"workspaces\":{\"w\":{\"root\":\"/workspace/it's\",\"files\":[{\"path\":\".git/HEAD\",\"text\":\"x\"}");
	for (int i = 0; i < 20000; i++)
		strbuf_printf(&sc, ",{\"path\":\"d%02d/file-%05d-xxxxxxxxxxxxxxxxxxxxxxxxxx.txt\",\"text\":\"%d\"}", i % 50, i, i);
	strbuf_puts(&sc, "]}},\"conversations\":[{\"id\":\"" K3 "\",\"version\":\"V1\",\"status\":\"RUNNING\","
			 "\"workspace\":\"w\",\"session_api_key\":\"" SESSION "\"}]}");
	fh = start_fh(sc.buf, NULL);
	strbuf_free(&sc);
	cmd_body = xstrdup("{\"command\":\"cd -- '/workspace/it'\\\\''s' && find . -mindepth 1 -name .git -prune -o -printf "
			   "'%y %s %T@ %P\\\\n'\",\"cwd\":null,\"timeout\":300}");
	u = url_of(fakehands_conv_port(fh, K3), "/api/bash/start_bash_command");
	r = http("POST", u, SKEY, NULL, cmd_body, 0);
	free(u);
	assert_int_equal(r.status, 200);
	j = jparse(&r);
	assert_string_equal(json_string_value(json_object_get(j, "kind")), "BashCommand");
	char *q = xasprintf("/api/bash/bash_events/search?command_id__eq=%s&kind__eq=BashOutput&sort_order=TIMESTAMP&limit=100",
			    json_string_value(json_object_get(j, "id")));
	json_decref(j);
	resp_free(&r);
	u = url_of(fakehands_conv_port(fh, K3), q);
	free(q);
	r = get(u, SKEY);
	free(u);
	j = jparse(&r);
	items = json_object_get(j, "items");
	assert_true(json_array_size(items) >= 2);
	struct strbuf all = { 0 };
	for (size_t i = 0; i < json_array_size(items); i++) {
		json_t *it = json_array_get(items, i);
		bool last = i + 1 == json_array_size(items);

		assert_int_equal(json_integer_value(json_object_get(it, "order")), (json_int_t)i);
		assert_true(last ? json_integer_value(json_object_get(it, "exit_code")) == 0
				 : json_is_null(json_object_get(it, "exit_code")));
		if (!last)
			assert_int_equal(json_string_length(json_object_get(it, "stdout")), 1048576);
		strbuf_puts(&all, json_string_value(json_object_get(it, "stdout")));
	}
	/* 50 dirs + 20000 files, sorted, .git pruned */
	size_t lines = 0;
	for (size_t i = 0; i < all.len; i++)
		lines += all.buf[i] == '\n';
	assert_int_equal(lines, 20050);
	assert_int_equal(strncmp(all.buf, "d 4096 1732406400.0000000000 d00\nf 1 1732406400.0000000000 d00/file-00000-", 70), 0);
	assert_null(strstr(all.buf, ".git"));
	strbuf_free(&all);
	json_decref(j);
	resp_free(&r);

	/* execute_bash_command gives the last chunk only */
	u = url_of(fakehands_conv_port(fh, K3), "/api/bash/execute_bash_command");
	r = http("POST", u, SKEY, NULL, cmd_body, 0);
	j = jparse(&r);
	assert_true(json_integer_value(json_object_get(j, "order")) >= 1);
	assert_int_equal(json_integer_value(json_object_get(j, "exit_code")), 0);
	json_decref(j);
	resp_free(&r);
	r = http("POST", u, SKEY, NULL, "{\"command\":\"cd -- '/nope' && find . -mindepth 1 -name .git -prune -o -printf '%y %s %T@ %P\\\\n'\"}", 0);
	j = jparse(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "exit_code")), 1);
	assert_int_equal(strncmp(json_string_value(json_object_get(j, "stderr")), "find: ", 6), 0);
	json_decref(j);
	resp_free(&r);
	r = http("POST", u, SKEY, NULL, "{\"command\":\"ls -la\"}", 0);
	j = jparse(&r);
	assert_int_equal(json_integer_value(json_object_get(j, "exit_code")), 127);
	json_decref(j);
	resp_free(&r);
	free(u);
	free(cmd_body);
	fakehands_stop(fh);
}

/* ---------- rate limiter ---------- */

static void
test_rate_limit(void **state)
{
	struct fakehands *fh = start_fh("{\"conversations\":[{\"id\":\"" K1 "\",\"status\":\"RUNNING\",\"session_api_key\":\"" SESSION "\"}]}", NULL);
	char *u = url_of(fakehands_conv_port(fh, K1), "/api/conversations/" K1 "/list-files");
	CURLM *m = curl_multi_init();
	CURL *easy[25];
	struct strbuf hdr[25];
	struct curl_slist *h = curl_slist_append(NULL, SKEY);
	int running = 1, n429 = 0, n200 = 0;

	memset(hdr, 0, sizeof(hdr));
	curl_multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, 30L);
	for (int i = 0; i < 25; i++) {
		easy[i] = curl_easy_init();
		curl_easy_setopt(easy[i], CURLOPT_URL, u);
		curl_easy_setopt(easy[i], CURLOPT_NOPROXY, "*");
		curl_easy_setopt(easy[i], CURLOPT_HTTPHEADER, h);
		curl_easy_setopt(easy[i], CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(easy[i], CURLOPT_WRITEDATA, &hdr[i]);
		curl_easy_setopt(easy[i], CURLOPT_HEADERFUNCTION, on_body);
		curl_easy_setopt(easy[i], CURLOPT_HEADERDATA, &hdr[i]);
		curl_easy_setopt(easy[i], CURLOPT_TIMEOUT, 10L);
		curl_multi_add_handle(m, easy[i]);
	}
	while (running) {
		curl_multi_perform(m, &running);
		if (running)
			curl_multi_poll(m, NULL, 0, 100, NULL);
	}
	for (int i = 0; i < 25; i++) {
		long st = 0;

		curl_easy_getinfo(easy[i], CURLINFO_RESPONSE_CODE, &st);
		if (st == 429) {
			n429++;
			strbuf_putc(&hdr[i], '\0');
			assert_non_null(strstr(hdr[i].buf, "Retry-After: 1"));
			assert_non_null(strstr(hdr[i].buf, "{\"message\":\"Too many requests\"}"));
		} else if (st == 200) {
			n200++;
		}
		curl_multi_remove_handle(m, easy[i]);
		curl_easy_cleanup(easy[i]);
		strbuf_free(&hdr[i]);
	}
	curl_multi_cleanup(m);
	curl_slist_free_all(h);
	assert_int_equal(n429, 5);
	assert_int_equal(n200, 20);
	free(u);
	fakehands_stop(fh);
}

/* ---------- faults ---------- */

static void
test_faults(void **state)
{
	static const char scen[] =
		"{\"runtime_rate_limit\":false,\"workspaces\":{\"w\":{\"files\":[{\"path\":\"big.txt\",\"size\":200000,\"text\":true}]}},"
		"\"conversations\":[{\"id\":\"" K1 "\",\"status\":\"RUNNING\",\"workspace\":\"w\",\"session_api_key\":\"" SESSION "\"}],"
		"\"faults\":["
		"{\"server\":\"app\",\"route\":\"conversations\",\"nth\":2,\"count\":2,\"status\":503},"
		"{\"server\":\"app\",\"route\":\"conversation\",\"status\":429,\"retry_after\":7},"
		"{\"server\":\"app\",\"route\":\"v1-search\",\"malformed\":true},"
		"{\"server\":\"app\",\"route\":\"v1-batch\",\"truncate_json\":true},"
		"{\"server\":\"app\",\"route\":\"sandboxes\",\"html\":true,\"latency_ms\":150},"
		"{\"server\":\"runtime\",\"route\":\"select-file\",\"nth\":1,\"reset_after\":1000},"
		"{\"server\":\"runtime\",\"route\":\"select-file\",\"nth\":2,\"chunked\":true},"
		"{\"server\":\"runtime\",\"route\":\"select-file\",\"nth\":3,\"hold_after\":100,\"hold_ms\":400},"
		"{\"server\":\"runtime\",\"route\":\"select-file\",\"nth\":4,\"hold_after\":100},"
		"{\"server\":\"runtime\",\"route\":\"list-files\",\"bandwidth\":20000,\"body\":\"" "[\\\"" "%s\\\"]\"}"
		"]}";
	char *pad = xmalloc(10001), *sc;
	struct fakehands *fh;
	struct resp r;
	char *u;

	memset(pad, 'p', 10000);
	pad[10000] = '\0';
	sc = xasprintf(scen, pad);
	free(pad);
	fh = start_fh(sc, NULL);
	free(sc);
	u = url_of(fakehands_app_port(fh), "/api/conversations");
	for (int i = 1; i <= 4; i++) {
		r = get(u, NULL);
		assert_int_equal(r.status, (i == 2 || i == 3) ? 503 : 200);
		resp_free(&r);
	}
	free(u);
	u = url_of(fakehands_app_port(fh), "/api/conversations/" K1);
	r = get(u, NULL);
	assert_int_equal(r.status, 429);
	assert_non_null(strstr(r.hdrs.buf, "Retry-After: 7"));
	resp_free(&r);
	free(u);
	u = url_of(fakehands_app_port(fh), "/api/v1/app-conversations/search");
	r = get(u, NULL);
	assert_int_equal(r.status, 200);
	assert_null(json_loadb(r.body.buf, r.body.len, 0, NULL));
	resp_free(&r);
	free(u);
	u = url_of(fakehands_app_port(fh), "/api/v1/app-conversations?ids=" K1);
	r = get(u, NULL);
	assert_null(json_loadb(r.body.buf, r.body.len, 0, NULL));
	resp_free(&r);
	free(u);
	u = url_of(fakehands_app_port(fh), "/api/v1/sandboxes?id=x");
	r = get(u, NULL);
	assert_non_null(strstr(r.hdrs.buf, "text/html"));
	assert_true(r.secs >= 0.14);
	resp_free(&r);
	free(u);

	u = url_of(fakehands_conv_port(fh, K1), "/api/conversations/" K1 "/select-file?file=big.txt");
	r = get(u, SKEY);	/* reset_after: Content-Length in full, then the connection drops */
	assert_int_equal(r.rc, CURLE_PARTIAL_FILE);
	assert_true(r.cl > 200000);
	assert_int_equal(r.body.len, 1000);
	resp_free(&r);
	r = get(u, SKEY);	/* chunked: no Content-Length */
	assert_int_equal(r.rc, CURLE_OK);
	assert_int_equal(r.cl, -1);
	assert_non_null(strstr(r.hdrs.buf, "Transfer-Encoding: chunked"));
	assert_true(r.body.len > 200000);
	resp_free(&r);
	r = get(u, SKEY);	/* hold_after 100 for 400 ms, then the rest */
	assert_int_equal(r.rc, CURLE_OK);
	assert_true(r.secs >= 0.35);
	assert_true(r.body.len > 200000);
	resp_free(&r);
	r = http("GET", u, SKEY, NULL, NULL, 500);	/* hold forever: the client gives up with 100 bytes */
	assert_int_equal(r.rc, CURLE_OPERATION_TIMEDOUT);
	assert_int_equal(r.body.len, 100);
	resp_free(&r);
	r = get(u, SKEY);	/* nth/count: the fifth request is normal */
	assert_int_equal(r.rc, CURLE_OK);
	assert_true(r.cl > 200000);
	resp_free(&r);
	free(u);
	u = url_of(fakehands_conv_port(fh, K1), "/api/conversations/" K1 "/list-files");
	r = get(u, SKEY);	/* 10 KB at 20 KB/s */
	assert_int_equal(r.body.len, 10004);
	assert_true(r.secs >= 0.4);
	resp_free(&r);
	free(u);
	fakehands_stop(fh);
}

/* ---------- request log ---------- */

static void
test_log(void **state)
{
	char path[] = "/tmp/fakehands-log-XXXXXX";
	int fd = mkstemp(path);
	struct fakehands *fh;
	FILE *f;
	char line[8192];
	int n = 0, rt = 0;

	assert_true(fd >= 0);
	close(fd);
	fh = start_fh("{\"app\":{\"api_key\":\"ACCOUNT\"},\"runtime_rate_limit\":false,\"conversations\":[{\"id\":\"" K1
		      "\",\"status\":\"RUNNING\",\"session_api_key\":\"" SESSION "\"}]}", path);
	char *u = url_of(fakehands_app_port(fh), "/api/conversations?limit=3&x=%2F");
	struct resp r = get(u, "Authorization: Bearer ACCOUNT");
	resp_free(&r);
	free(u);
	u = url_of(fakehands_conv_port(fh, K1), "/api/conversations/" K1 "/list-files?path=a");
	r = get(u, SKEY);
	resp_free(&r);
	free(u);
	fakehands_stop(fh);
	f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL), *h;

		assert_non_null(j);
		h = json_object_get(j, "headers");
		assert_true(json_is_integer(json_object_get(j, "t_ms")));
		assert_true(json_is_integer(json_object_get(j, "bytes")));
		assert_string_equal(json_string_value(json_object_get(j, "method")), "GET");
		assert_int_equal(json_integer_value(json_object_get(j, "status")), 200);
		if (!strcmp(json_string_value(json_object_get(j, "server")), "app")) {
			assert_string_equal(json_string_value(json_object_get(j, "path")), "/api/conversations");
			assert_string_equal(json_string_value(json_object_get(j, "query")), "limit=3&x=%2F");
			assert_string_equal(json_string_value(json_object_get(h, "authorization")), "Bearer ACCOUNT");
		} else {
			rt++;
			assert_string_equal(json_string_value(json_object_get(j, "server")), "runtime:" K1);
			assert_null(json_object_get(h, "authorization"));
			assert_string_equal(json_string_value(json_object_get(h, "x-session-api-key")), SESSION);
		}
		json_decref(j);
		n++;
	}
	fclose(f);
	unlink(path);
	assert_int_equal(n, 2);
	assert_int_equal(rt, 1);
}

/* ---------- demo ---------- */

static void
test_demo(void **state)
{
	char err[256];
	struct fakehands *fh = fakehands_start(fakehands_demo_scenario, fakehands_demo_scenario_len, NULL, err, sizeof(err));
	json_t *j;

	if (!fh)
		fail_msg("demo: %s", err);
	char *u = url_of(fakehands_app_port(fh), "/api/conversations?limit=100");
	struct resp r = get(u, NULL);
	free(u);
	assert_int_equal(r.status, 200);
	j = jparse(&r);
	assert_true(json_array_size(json_object_get(j, "results")) >= 30);
	json_decref(j);
	resp_free(&r);
	u = url_of(fakehands_app_port(fh), "/api/v1/app-conversations/search");
	r = get(u, NULL);
	free(u);
	j = jparse(&r);
	assert_true(json_array_size(json_object_get(j, "items")) >= 5);
	json_decref(j);
	resp_free(&r);
	fakehands_stop(fh);
}

/* ---------- the 2026 agent-server generation (openhands-api-2026.md section 7) ---------- */

#define G26 "cccccccccccccccccccccccccccccc61"
static const char scen_2026[] =
	"{\"app\":{\"auth\":\"none\"},\"conversations\":[{\"id\":\"" G26 "\",\"version\":\"V1\","
	"\"status\":\"RUNNING\",\"workspace\":\"w\",\"session_api_key\":\"" SESSION "\","
	"\"agent\":{\"generation\":2026}}],"
	"\"workspaces\":{\"w\":{\"repos\":[\"\",\"proj\",\"libs/deep\"],\"files\":["
	"{\"path\":\"proj/i18n/\\u00fc.txt\",\"text\":\"x\"},{\"path\":\"proj/with space.md\",\"text\":\"y\"},"
	"{\"path\":\"proj/run.sh\",\"text\":\"#!/bin/sh\\n\",\"mode\":\"0755\"},"
	"{\"path\":\"libs/deep/x.c\",\"text\":\"x\"},{\"path\":\"a\\u00e9.txt\",\"text\":\"e\"},"
	"{\"path\":\"ln\",\"link\":\"proj\"},{\"path\":\"py\",\"link\":\"/usr/bin/python3\"}],"
	"\"changes\":[{\"status\":\"M\",\"path\":\"proj/i18n/\\u00fc.txt\"},{\"status\":\"U\",\"path\":\"a\\u00e9.txt\"},"
	"{\"status\":\"M\",\"path\":\"libs/deep/x.c\"}]}}}";

static struct resp
g26(struct fakehands *fh, const char *method, const char *path, const char *body)
{
	char *u = url_of(fakehands_conv_port(fh, G26), path);
	struct resp r = http(method, u, SKEY, "Content-Type: application/json", body, 0);

	free(u);
	return r;
}

/* Run a bash command to completion; its stdout (concatenated) and exit code. */
static char *
g26_bash(struct fakehands *fh, const char *cmd, int *code, char **err)
{
	json_t *b = json_pack("{s:s}", "command", cmd);
	char *body = json_dumps(b, 0);
	struct resp r = g26(fh, "POST", "/api/bash/start_bash_command", body);
	json_t *j = jparse(&r);
	char *q = xasprintf("/api/bash/bash_events/search?command_id__eq=%s&kind__eq=BashOutput&sort_order=TIMESTAMP",
			    json_string_value(json_object_get(j, "id")));
	struct resp e = g26(fh, "GET", q, NULL);
	json_t *ej = jparse(&e), *it;
	struct strbuf out = { 0 };
	size_t i;

	*code = -1;
	*err = NULL;
	json_array_foreach(json_object_get(ej, "items"), i, it) {
		strbuf_puts(&out, json_string_value(json_object_get(it, "stdout")));
		if (json_is_integer(json_object_get(it, "exit_code")))
			*code = (int)json_integer_value(json_object_get(it, "exit_code"));
		if (json_is_string(json_object_get(it, "stderr")))
			*err = xstrdup(json_string_value(json_object_get(it, "stderr")));
	}
	strbuf_putc(&out, '\0');
	json_decref(b);
	json_decref(j);
	json_decref(ej);
	free(body);
	free(q);
	resp_free(&r);
	resp_free(&e);
	return strbuf_detach(&out);
}

static void
test_agent_2026(void **state)
{
	/* enough non-ASCII names for a listing of many 8 KiB reads */
	struct strbuf sc = { 0 };
	const char *cut = strstr(scen_2026, "{\"path\":\"ln\"");
	strbuf_append(&sc, scen_2026, (size_t)(cut - scen_2026));
	for (int i = 0; i < 300; i++)
		strbuf_printf(&sc, "{\"path\":\"n/\\u00fc%03d-\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9\\u00e9.txt\",\"text\":\"n\"},", i);
	strbuf_puts(&sc, cut);
	struct fakehands *fh = start_fh(sc.buf, NULL);
	strbuf_free(&sc);
	struct resp r;

	/* R2 + R3: the base's own change mangled, the nested repo one level down prefixed, the
	 * repo two levels down one ADDED directory */
	r = g26(fh, "GET", "/api/git/changes?path=%2Fworkspace%2Fproject", NULL);
	assert_int_equal(r.status, 200);
	/* (a nested repository's rows are its quoted paths with the prefix put in front) */
	assert_string_equal(r.body.buf, "[{\"status\":\"ADDED\",\"path\":\"\\\"a/303/251.txt\\\"\"},"
			    "{\"status\":\"ADDED\",\"path\":\"libs/deep/\"},"
			    "{\"status\":\"UPDATED\",\"path\":\"proj/\\\"i18n//303/274.txt\\\"\"}]");
	resp_free(&r);
	/* R2: a directory that is not a repository gives [] */
	r = g26(fh, "GET", "/api/git/changes?path=%2Fworkspace%2Fproject%2Flibs", NULL);
	assert_string_equal(r.body.buf, "[]");
	resp_free(&r);

	/* R7: the bash service decodes 8 KiB reads alone: the old plain listing of a long
	 * non-ASCII tree gets U+FFFD somewhere, the base64 one never can */
	int code;
	char *err, *out = g26_bash(fh, "cd -- '/workspace/project' && find . -mindepth 1 -name .git -prune -o -printf "
				   "'%y %s %T@ %P\\n'", &code, &err);
	assert_int_equal(code, 0);
	assert_true(strlen(out) > 8192);
	assert_non_null(strstr(out, "\xef\xbf\xbd"));	/* a name cut by a read boundary */
	free(out);
	free(err);
	out = g26_bash(fh, "cd -- '/workspace/nowhere' && find . -mindepth 1 -name .git -printf "
				   "'%y %s %T@ %m %P\\0%l\\0' -prune -o -printf '%y %s %T@ %m %P\\0%l\\0' | base64 -w0",
				   &code, &err);
	/* R8: dash's cd */
	assert_int_equal(code, 2);
	assert_non_null(strstr(err, "can't cd to /workspace/nowhere"));
	free(out);
	free(err);

	/* 2.2: the base is a repository, so the archive is the base's, with modes, .git kept
	 * but its HEAD only, links never, the real manifest last, and the headers */
	r = g26(fh, "GET", "/api/file/archive?path=%2Fworkspace%2Fproject&format=tar.gz&use_default_excludes=false",
		NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.hdrs.buf, "X-Archive-Repo-Root: %2Fworkspace%2Fproject\r\n"));
	assert_true(r.cl == (curl_off_t)r.body.len);	/* a real Content-Length */
	struct archive *a = archive_read_new();
	struct archive_entry *ae;
	const char *last = NULL;
	bool run_755 = false, link_seen = false;
	archive_read_support_format_all(a);
	archive_read_support_filter_all(a);
	assert_int_equal(archive_read_open_memory(a, r.body.buf, r.body.len), ARCHIVE_OK);
	char *manifest = NULL;
	while (archive_read_next_header(a, &ae) == ARCHIVE_OK) {
		const char *n = archive_entry_pathname(ae);
		if (!strcmp(n, "project/proj/run.sh"))
			run_755 = (archive_entry_perm(ae) & 0777) == 0755;
		if (!strcmp(n, "project/ln") || !strcmp(n, "project/py"))
			link_seen = true;
		if (!strcmp(n, "project/archive_manifest.json")) {
			char buf[1024];
			la_ssize_t k = archive_read_data(a, buf, sizeof(buf) - 1);
			buf[k > 0 ? k : 0] = '\0';
			manifest = xstrdup(buf);
		}
		free((void *)last);
		last = xstrdup(n);
	}
	archive_read_free(a);
	assert_true(run_755);
	assert_false(link_seen);
	assert_string_equal(last, "project/archive_manifest.json");
	assert_non_null(manifest);
	assert_non_null(strstr(manifest, "\"format\": \"tar.gz\""));
	assert_non_null(strstr(manifest, "\"source\": \"project\""));
	assert_non_null(strstr(manifest, "\"total_bytes\""));
	free(manifest);
	free((void *)last);
	resp_free(&r);

	/* R9: download follows a link: to a directory 400, outside the workspace a big binary */
	r = g26(fh, "GET", "/api/file/download?path=%2Fworkspace%2Fproject%2Fln", NULL);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	r = g26(fh, "GET", "/api/file/download?path=%2Fworkspace%2Fproject%2Fpy", NULL);
	assert_int_equal(r.status, 200);
	assert_true(r.body.len > 1000000);
	resp_free(&r);
	/* R6: the diff of a missing file is 400 */
	r = g26(fh, "GET", "/api/git/diff?path=%2Fworkspace%2Fproject%2Fproj%2Fgone.txt", NULL);
	assert_int_equal(r.status, 400);
	resp_free(&r);
	fakehands_stop(fh);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_agent_2026),
		cmocka_unit_test(test_paging_tokens),
		cmocka_unit_test(test_list_fields_and_age),
		cmocka_unit_test(test_auth),
		cmocka_unit_test(test_html_null_400),
		cmocka_unit_test(test_start_wake),
		cmocka_unit_test(test_list_files),
		cmocka_unit_test(test_select_file),
		cmocka_unit_test(test_zip_directory),
		cmocka_unit_test(test_zip_python_base),
		cmocka_unit_test(test_crc32),
		cmocka_unit_test(test_zip_python_names_faults),
		cmocka_unit_test(test_zip_descriptor),
		cmocka_unit_test(test_zip64_lowered),
		cmocka_unit_test(test_zip64_size),
		cmocka_unit_test(test_git_trajectory_events),
		cmocka_unit_test(test_v1_app),
		cmocka_unit_test(test_v1_resume),
		cmocka_unit_test(test_agent_files),
		cmocka_unit_test(test_agent_archive),
		cmocka_unit_test(test_bash_listing),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_faults),
		cmocka_unit_test(test_log),
		cmocka_unit_test(test_demo),
	};
	int rc;

	/* UTF-8 entry names come back from libarchive's readers in a UTF-8 locale */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "C.utf8");
	curl_global_init(CURL_GLOBAL_ALL);
	rc = cmocka_run_group_tests(tests, setup_base, teardown_base);
	curl_global_cleanup();
	return rc;
}
