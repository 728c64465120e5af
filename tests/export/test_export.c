/*
 * tests/export/test_export.c: the export job against the in-process fake OpenHands server.
 *
 * Every test starts fakehands on 127.0.0.1 with one scenario (conversations differ only in
 * version, workspace and the faults aimed at them), runs a job with the same small loop the
 * program uses, then reads the ZIP back with libarchive and checks each entry byte for byte
 * against the fake workspace (the fake's own node_read(), so generated files need no copy),
 * its SHA-256 against conversation_metadata.json, and the metadata's files / skipped /
 * deleted lists against what the test expects. A failure or cancel must leave no .part.
 *
 * EXPORT_MEASURE_MB=<n> runs one V1 export of an n MB generated file instead and prints
 * the peak RSS (a measurement, not an assertion).
 */
#include <archive.h>
#include <archive_entry.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <locale.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "api/client.h"
#include "api/http.h"
#include "src/export.h"
#include "api/events.h"
#include "src/base/sha256.h"
#include "src/transcript.h"
#include "src/base/util.h"
#include "tests/fakehands/fakehands.h"
#include "tests/fakehands/fh.h"

#define KEY "export-test-key-0123456789abcdef"
#define BIG_SIZE (30u * 1024 * 1024)

/* Conversation ids: one per (version, workspace, fault) combination. */
#define V0_FULL "00000000000000000000000000000a00"
#define V1_FULL "00000000000000000000000000000a01"
#define V0_SMALL "00000000000000000000000000000b00"
#define V1_SMALL "00000000000000000000000000000b01"
#define V1_NOARC "00000000000000000000000000000b02"
#define V0_HOSTILE "00000000000000000000000000000c00"
#define V1_HOSTILE "00000000000000000000000000000c01"
#define V0_F429 "00000000000000000000000000000d00"
#define V1_FRESET "00000000000000000000000000000d01"
#define V0_F500 "00000000000000000000000000000d02"
#define V1_F500 "00000000000000000000000000000d03"
#define V0_FTRUNC "00000000000000000000000000000d04"
#define V0_FLIST "00000000000000000000000000000d05"
#define V1_FNONE "00000000000000000000000000000d06"
#define V1_SLOW "00000000000000000000000000000d07"
#define V0_FMALF "00000000000000000000000000000d08"
#define V1_FARC "00000000000000000000000000000d09"
#define V1_HUGE "00000000000000000000000000000d0a"
#define V1_MANY "00000000000000000000000000000d0b"
#define V0_HUGE "00000000000000000000000000000d0c"
#define V0_DESC "00000000000000000000000000000d0d"
#define V0_HOLD "00000000000000000000000000000d0e"
#define V1_HOLD "00000000000000000000000000000d0f"
#define V1_2026 "00000000000000000000000000000d10"
#define V1_ARCRESET "00000000000000000000000000000d11"
#define V1_EVENTS "00000000000000000000000000000e01"
#define V0_EVENTS "00000000000000000000000000000e00"
#define V0_EVFAIL "00000000000000000000000000000e02"
#define N_V1_EVENTS 230	/* three pages of the V1 events search */

static const char small_files[] =
	"{\"path\":\"README.md\",\"text\":\"hello export\\n\",\"mtime\":\"2024-01-02T03:04:05Z\"},"
	"{\"path\":\"src/main.c\",\"text\":\"int main(void) { return 0; }\\n\"},"
	"{\"path\":\"img/logo.bin\",\"base64\":\"iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==\"},"
	"{\"path\":\"bin/blob.bin\",\"size\":300000,\"seed\":3},"
	"{\"path\":\"Δοκιμή/ünïcode.txt\",\"text\":\"κείμενο\\n\"},"
	"{\"path\":\"conversation_metadata.json\",\"text\":\"{\\\"mine\\\": true}\\n\"},"
	"{\"path\":\"docs/a.md\",\"text\":\"# A\\n\"},"
	"{\"path\":\"docs/b.md\",\"text\":\"# B\\n\"},"
	"{\"path\":\"empty.txt\",\"text\":\"\"}";

static const char changes[] =
	"\"git\":true,\"changes\":[{\"status\":\"M\",\"path\":\"README.md\"},"
	"{\"status\":\"A\",\"path\":\"docs/a.md\"},{\"status\":\"D\",\"path\":\"old.txt\"}]";

struct env {
	struct fakehands *fh;
	struct http *h;
	struct api_client *c;
	char dir[64];
	char *scenario;
};

/* ------------------------------------------------------------ setup */

/* n events: a user message, then agent messages; backticks exercise the transcript's fences. */
static void
v1_events_json(struct strbuf *sb, int n)
{
	strbuf_puts(sb, "[");
	for (int i = 0; i < n; i++)
		strbuf_printf(sb, "%s{\"id\":\"ev-%04d\",\"timestamp\":\"2026-11-24T10:00:%02d.5\",\"source\":\"%s\","
			      "\"kind\":\"MessageEvent\",\"llm_message\":{\"role\":\"%s\",\"content\":[{\"type\":\"text\","
			      "\"text\":\"message %d ```\"}]}}",
			      i ? "," : "", i, i % 60, i ? "agent" : "user", i ? "assistant" : "user", i);
	strbuf_puts(sb, "]");
}

static void
v0_events_json(struct strbuf *sb, int n)
{
	strbuf_puts(sb, "[");
	for (int i = 0; i < n; i++)
		strbuf_printf(sb, "%s{\"id\":%d,\"timestamp\":\"2026-11-24T09:00:%02d\",\"source\":\"%s\","
			      "\"message\":\"m%d\",\"action\":\"message\",\"args\":{\"content\":\"step %d\"}}",
			      i ? "," : "", i, i % 60, i ? "agent" : "user", i, i);
	strbuf_puts(sb, "]");
}

static char *
scenario_text(void)
{
	struct strbuf sb = { 0 };

	strbuf_printf(&sb, "{\"app\":{\"api_key\":\"%s\"},\"runtime_rate_limit\":false,\"workspaces\":{", KEY);
	strbuf_printf(&sb, "\"small\":{%s,\"files\":[%s]},", changes, small_files);
	strbuf_printf(&sb, "\"full\":{%s,\"files\":[%s,{\"path\":\"data/big.txt\",\"size\":%u,\"seed\":7,\"text\":true}]},",
		      changes, small_files, BIG_SIZE);
	strbuf_printf(&sb, "\"hostile\":{\"files\":[{\"path\":\"../evil.txt\",\"text\":\"evil\\n\"},"
		      "{\"path\":\"/abs.txt\",\"text\":\"abs\\n\"},{\"path\":\"a\\\\b.txt\",\"text\":\"bs\\n\"},"
		      "{\"path\":\"ok.txt\",\"text\":\"ok\\n\"}]}");
	const char *big_mb = getenv("EXPORT_MEASURE_MB");
	strbuf_printf(&sb, ",\"huge\":{\"files\":[{\"path\":\"huge.bin\",\"size\":%llu,\"seed\":9}]}",
		      (unsigned long long)(big_mb ? strtoull(big_mb, NULL, 10) : 4) * 1024 * 1024);
	/* five incompressible 60 kB files: each spool fits under the disk-full limit, the ZIP not */
	strbuf_puts(&sb, ",\"many\":{\"files\":[");
	for (int i = 0; i < 5; i++)
		strbuf_printf(&sb, "%s{\"path\":\"r%d.bin\",\"size\":60000,\"seed\":%d}", i ? "," : "", i, 100 + i);
	strbuf_puts(&sb, "]}");
	strbuf_puts(&sb, "},\"conversations\":[");
	static const struct { const char *id, *ver, *ws, *extra; } convs[] = {
		{ V0_FULL, "V0", "full", ",\"title\":\"Export test V0\",\"repository\":\"acme/widgets\",\"branch\":\"main\"" },
		{ V1_FULL, "V1", "full", ",\"title\":\"Export test V1\"" },
		{ V0_SMALL, "V0", "small", "" },
		{ V1_SMALL, "V1", "small", "" },
		{ V1_NOARC, "V1", "small", ",\"agent\":{\"archive\":false}" },
		{ V0_HOSTILE, "V0", "hostile", "" },
		{ V1_HOSTILE, "V1", "hostile", "" },
		{ V0_F429, "V0", "small", "" },
		{ V1_FRESET, "V1", "small", "" },
		{ V0_F500, "V0", "small", "" },
		{ V1_F500, "V1", "small", "" },
		{ V0_FTRUNC, "V0", "small", "" },
		{ V0_FLIST, "V0", "small", "" },
		{ V1_FNONE, "V1", "small", "" },
		{ V1_SLOW, "V1", "huge", "" },
		{ V0_FMALF, "V0", "small", "" },
		{ V1_FARC, "V1", "small", "" },
		{ V1_HUGE, "V1", "huge", "" },
		{ V1_MANY, "V1", "many", "" },
		{ V0_HUGE, "V0", "huge", "" },
		{ V0_DESC, "V0", "small", ",\"zip_style\":\"descriptor\"" },
		{ V0_HOLD, "V0", "small", "" },
		{ V1_HOLD, "V1", "small", ",\"agent\":{\"generation\":2026}" },
		{ V1_2026, "V1", "small", ",\"agent\":{\"generation\":2026}" },
		{ V1_ARCRESET, "V1", "small", ",\"agent\":{\"generation\":2026}" },
	};
	for (size_t i = 0; i < ARRAY_SIZE(convs); i++)
		strbuf_printf(&sb, "%s{\"id\":\"%s\",\"version\":\"%s\",\"status\":\"RUNNING\",\"workspace\":\"%s\"%s}",
			      i ? "," : "", convs[i].id, convs[i].ver, convs[i].ws, convs[i].extra);
	/* conversations with events (include_events) */
	strbuf_printf(&sb, ",{\"id\":\"%s\",\"title\":\"Events V1\",\"version\":\"V1\",\"status\":\"RUNNING\","
		      "\"workspace\":\"small\",\"events\":", V1_EVENTS);
	v1_events_json(&sb, N_V1_EVENTS);
	strbuf_printf(&sb, "},{\"id\":\"%s\",\"title\":\"Events V0\",\"version\":\"V0\",\"status\":\"RUNNING\","
		      "\"workspace\":\"small\",\"events\":", V0_EVENTS);
	v0_events_json(&sb, 7);
	strbuf_printf(&sb, "},{\"id\":\"%s\",\"version\":\"V0\",\"status\":\"RUNNING\",\"workspace\":\"small\","
		      "\"events\":", V0_EVFAIL);
	v0_events_json(&sb, 3);
	strbuf_puts(&sb, "}");
	strbuf_puts(&sb, "],\"faults\":[");
	strbuf_puts(&sb,
		    "{\"server\":\"runtime\",\"route\":\"select-file\",\"conversation\":\"" V0_F429 "\","
		    "\"status\":429,\"retry_after\":1,\"nth\":2,\"count\":1},"
		    "{\"server\":\"agent\",\"route\":\"file-download\",\"conversation\":\"" V1_FRESET "\","
		    "\"reset_after\":0,\"nth\":1,\"count\":2},"
		    "{\"server\":\"runtime\",\"route\":\"select-file\",\"conversation\":\"" V0_F500 "\","
		    "\"status\":500,\"nth\":2,\"count\":1},"
		    "{\"server\":\"agent\",\"route\":\"file-download\",\"conversation\":\"" V1_F500 "\","
		    "\"status\":500,\"nth\":2,\"count\":1},"
		    "{\"server\":\"runtime\",\"route\":\"select-file\",\"conversation\":\"" V0_FTRUNC "\","
		    "\"truncate_json\":true,\"nth\":1,\"count\":1},"
		    "{\"server\":\"runtime\",\"route\":\"list-files\",\"conversation\":\"" V0_FLIST "\","
		    "\"status\":500,\"nth\":0},"
		    "{\"server\":\"agent\",\"route\":\"file-download\",\"conversation\":\"" V1_FNONE "\","
		    "\"status\":404,\"nth\":0},"
		    "{\"server\":\"agent\",\"route\":\"file-download\",\"conversation\":\"" V1_SLOW "\","
		    "\"bandwidth\":2000000,\"nth\":0},"
		    "{\"server\":\"runtime\",\"route\":\"select-file\",\"conversation\":\"" V0_FMALF "\","
		    "\"malformed\":true,\"nth\":3,\"count\":1},"
		    "{\"server\":\"agent\",\"route\":\"file-archive\",\"conversation\":\"" V1_FARC "\","
		    "\"status\":500,\"nth\":0},"
		    "{\"server\":\"runtime\",\"route\":\"zip-directory\",\"conversation\":\"" V0_HOLD "\","
		    "\"hold_after\":1000,\"hold_ms\":1500,\"nth\":0},"
		    "{\"server\":\"agent\",\"route\":\"file-archive\",\"conversation\":\"" V1_HOLD "\","
		    "\"hold_after\":150000,\"hold_ms\":1500,\"nth\":0},"
		    "{\"server\":\"agent\",\"route\":\"file-archive\",\"conversation\":\"" V1_ARCRESET "\","
		    "\"reset_after\":150000,\"nth\":0},"
		    "{\"server\":\"runtime\",\"route\":\"events\",\"conversation\":\"" V0_EVFAIL "\","
		    "\"status\":500,\"nth\":0},"
		    "{\"server\":\"runtime\",\"route\":\"trajectory\",\"conversation\":\"" V0_EVFAIL "\","
		    "\"status\":500,\"nth\":0}");
	strbuf_puts(&sb, "]}");
	return strbuf_detach(&sb);
}

/* A fake server with the given scenario (taken over) and a client for it. */
static int
setup_scenario(void **state, char *scenario)
{
	struct env *e = xcalloc(1, sizeof(*e));
	struct fakehands_options fo = { 0 };
	char err[512], url[64];
	struct api_error ae;

	e->scenario = scenario;
	e->fh = fakehands_start(e->scenario, strlen(e->scenario), &fo, err, sizeof(err));
	if (!e->fh) {
		fprintf(stderr, "fakehands: %s\n", err);
		return -1;
	}
	struct http_config hc = { .max_attempts = 4, .connect_timeout_ms = 5000, .json_timeout_ms = 20000,
				  .stall_seconds = 20, .backoff_base_ms = 20, .backoff_max_ms = 300, .log_fd = -1 };
	e->h = http_new(&hc);
	snprintf(url, sizeof(url), "http://127.0.0.1:%u", fakehands_app_port(e->fh));
	struct api_client_config cc = { .server = url, .api_key = KEY, .auth = API_AUTH_BEARER };
	e->c = api_client_new(e->h, &cc, &ae);
	if (!e->c) {
		fprintf(stderr, "client: %s\n", ae.message);
		return -1;
	}
	*state = e;
	return 0;
}

static int
setup(void **state)
{
	return setup_scenario(state, scenario_text());
}

/* Each test gets its own empty directory for archives. */
static int
test_setup(void **state)
{
	struct env *e = *state;

	strcpy(e->dir, "/tmp/ohb-export-XXXXXX");
	return mkdtemp(e->dir) ? 0 : -1;
}

static void
rm_dir(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;

	while (d && (de = readdir(d))) {
		if (de->d_name[0] == '.' && (!de->d_name[1] || (de->d_name[1] == '.' && !de->d_name[2])))
			continue;
		char *p = xasprintf("%s/%s", dir, de->d_name);
		unlink(p);
		free(p);
	}
	if (d)
		closedir(d);
	rmdir(dir);
}

static int
teardown(void **state)
{
	struct env *e = *state;

	api_client_free(e->c);
	http_free(e->h);
	fakehands_stop(e->fh);
	free(e->scenario);
	free(e);
	return 0;
}

static int
test_teardown(void **state)
{
	struct env *e = *state;

	rm_dir(e->dir);
	return 0;
}

/* ------------------------------------------------------------ loop helpers */

static void
wait_once(struct env *e)
{
	long t = http_next_timeout_ms(e->h);

	if (t < 0 || t > 200)
		t = 200;
	http_wait(e->h, NULL, 0, t);
}

struct conv_wait {
	bool done;
	struct api_conversation conv;
};

static void
conv_done(void *ud, struct api_conversation *conv, const struct api_error *err)
{
	struct conv_wait *w = ud;

	w->done = true;
	if (err)
		fail_msg("get conversation: %s", err->message);
	api_conversation_copy(&w->conv, conv);
}

static void
get_conv(struct env *e, const char *id, struct api_conversation *out)
{
	struct conv_wait w = { 0 };

	api_get_conversation(e->c, id, conv_done, &w);
	while (!w.done) {
		http_perform(e->h);
		if (!w.done)
			wait_once(e);
	}
	*out = w.conv;
}

/* The program's loop, with a deadline so a hang fails instead of timing out. */
static void
run(struct env *e, struct export_job *j)
{
	int64_t deadline = clock_now_ms() + 90000;

	while (!export_finished(j)) {
		http_perform(e->h);
		bool more = export_pump(j, 256 << 10);
		if (!more && !export_finished(j))
			wait_once(e);
		if (clock_now_ms() > deadline)
			fail_msg("export did not finish in time");
	}
}

static struct export_job *
start(struct env *e, const char *id, const struct export_opts *o, struct api_conversation *conv)
{
	struct api_error err;
	struct export_opts opts = *o;

	get_conv(e, id, conv);
	if (!opts.output && !opts.dir)
		opts.dir = e->dir;
	struct export_job *j = export_start(e->c, conv, &opts, &err);
	if (!j)
		fail_msg("export_start: %s", err.message);
	assert_non_null(export_part_path(j));
	return j;
}

static size_t
count_dir(const char *dir, const char *suffix)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	size_t n = 0, sl = strlen(suffix);

	while (d && (de = readdir(d))) {
		size_t l = strlen(de->d_name);
		if (l >= sl && !strcmp(de->d_name + l - sl, suffix))
			n++;
	}
	if (d)
		closedir(d);
	return n;
}

/* ------------------------------------------------------------ archive checks */

static const struct fh_workspace *
ws_of(struct env *e, const char *id)
{
	for (size_t i = 0; i < e->fh->n_convs; i++)
		if (!strcmp(e->fh->convs[i].id, id))
			return e->fh->convs[i].ws;
	return NULL;
}

static const struct fh_node *
node_of(const struct fh_workspace *ws, const char *path)
{
	const struct fh_node *n = ws_find(ws, path, strlen(path));

	if (!n) {
		/* a leading '/' is stripped on the way: the fake keeps the raw name */
		char *p = xasprintf("/%s", path);
		n = ws_find(ws, p, strlen(p));
		free(p);
	}
	if (!n) {
		/* libarchive reads a ZIP's backslashes as separators */
		char *p = xstrdup(path);
		for (char *q = p; *q; q++)
			if (*q == '/')
				*q = '\\';
		n = ws_find(ws, p, strlen(p));
		free(p);
	}
	return n;
}

static struct archive *
zip_open(const char *path)
{
	struct archive *a = archive_read_new();

	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_filename(a, path, 1 << 16), ARCHIVE_OK);
	return a;
}

static const char *
entry_name(struct archive_entry *ae)
{
	const char *n = archive_entry_pathname_utf8(ae);

	return n ? n : archive_entry_pathname(ae);
}

/* ARCHIVE_WARN is fine: it only says a name needed a charset conversion. */
static bool
next_header(struct archive *a, struct archive_entry **ae)
{
	int r = archive_read_next_header(a, ae);

	return r == ARCHIVE_OK || r == ARCHIVE_WARN;
}

static json_t *
read_metadata(const char *zip, size_t *n_entries)
{
	struct archive *a = zip_open(zip);
	struct archive_entry *ae;
	json_t *meta = NULL;
	const char *last = NULL;
	char *last_name = NULL;

	*n_entries = 0;
	while (next_header(a, &ae)) {
		last = entry_name(ae);
		free(last_name);
		last_name = xstrdup(last);
		if (last[0] && last[strlen(last) - 1] == '/')
			continue;	/* an empty directory's entry: checked by verify_zip */
		(*n_entries)++;
		if (strcmp(last, "conversation_metadata.json"))
			continue;
		struct strbuf sb = { 0 };
		char buf[4096];
		la_ssize_t n;
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
			strbuf_append(&sb, buf, (size_t)n);
		json_error_t je;
		meta = json_loadb(sb.buf, sb.len, 0, &je);
		if (!meta)
			fail_msg("metadata: %s", je.text);
		strbuf_free(&sb);
	}
	assert_string_equal(last_name, "conversation_metadata.json");	/* the last entry */
	free(last_name);
	archive_read_free(a);
	assert_non_null(meta);
	return meta;
}

static json_t *
meta_file_by_entry(json_t *meta, const char *entry)
{
	json_t *f;
	size_t i;

	json_array_foreach(json_object_get(meta, "files"), i, f)
		if (!strcmp(json_string_value(json_object_get(f, "entry")), entry))
			return f;
	return NULL;
}

/*
 * Every entry equals its workspace file byte for byte and matches its metadata row; the
 * metadata has every seed key. Returns the metadata (caller decrefs).
 */
static json_t *
verify_zip(struct env *e, const char *zip, const char *conv_id)
{
	const struct fh_workspace *ws = ws_of(e, conv_id);
	size_t n_entries;
	json_t *meta = read_metadata(zip, &n_entries);
	static const char *const keys[] = { "conversation_id", "title", "created_at", "last_updated_at", "status",
					    "num_files", "version", "repository", "branch", "mode", "exported_at",
					    "generator", "files", "skipped", "deleted" };

	for (size_t i = 0; i < ARRAY_SIZE(keys); i++)
		if (!json_object_get(meta, keys[i]))
			fail_msg("metadata lacks %s", keys[i]);
	assert_string_equal(json_string_value(json_object_get(meta, "conversation_id")), conv_id);
	assert_int_equal(json_integer_value(json_object_get(meta, "num_files")),
			 json_array_size(json_object_get(meta, "files")));
	/* events.json and conversation.md come with a complete "events" record (checked by the
	 * events tests), never as workspace files */
	json_t *ev = json_object_get(meta, "events");
	size_t n_ev = ev && !json_object_get(ev, "error") ? 2 : 0;
	assert_int_equal(n_entries, json_array_size(json_object_get(meta, "files")) + 1 + n_ev);

	struct archive *a = zip_open(zip);
	struct archive_entry *ae;
	unsigned char *buf = xmalloc(1 << 16), *want = xmalloc(1 << 16);

	while (next_header(a, &ae)) {
		const char *name = entry_name(ae);

		assert_non_null(name);
		/* sanitised: relative, no "..", no backslash */
		assert_true(name[0] != '/');
		assert_null(strchr(name, '\\'));
		assert_null(strstr(name, "../"));
		assert_true(strncmp(name, "..", 2) != 0);
		if (!strcmp(name, "conversation_metadata.json"))
			continue;
		if (name[0] && name[strlen(name) - 1] == '/') {
			/* a directory entry: an empty directory of the workspace */
			char *dname = xstrndup(name, strlen(name) - 1);
			const struct fh_node *dn = node_of(ws, dname);
			if (!dn || !dn->is_dir)
				fail_msg("directory entry %s is not a workspace directory", name);
			free(dname);
			continue;
		}
		if (n_ev && (!strcmp(name, "events.json") || !strcmp(name, "conversation.md")))
			continue;
		json_t *row = meta_file_by_entry(meta, name);
		if (!row)
			fail_msg("entry %s is not in the metadata", name);
		const char *path = json_string_value(json_object_get(row, "path"));
		const struct fh_node *nd = node_of(ws, path);
		if (!nd)
			fail_msg("entry %s (path %s) is not in the workspace", name, path);
		struct sha256 s;
		uint64_t off = 0;
		la_ssize_t n;
		sha256_init(&s);
		while ((n = archive_read_data(a, buf, 1 << 16)) > 0) {
			size_t k = node_read(nd, off, want, (size_t)n);
			if (k != (size_t)n || memcmp(buf, want, k))
				fail_msg("%s differs from the workspace near byte %llu", name, (unsigned long long)off);
			sha256_update(&s, buf, (size_t)n);
			off += (uint64_t)n;
		}
		assert_true(n == 0);
		assert_int_equal(off, node_size(nd));
		assert_int_equal(json_integer_value(json_object_get(row, "size")), off);
		uint8_t d[SHA256_DIGEST_LEN];
		char hex[SHA256_HEX_LEN + 1];
		sha256_final(&s, d);
		sha256_hex(d, hex);
		assert_string_equal(hex, json_string_value(json_object_get(row, "sha256")));
	}
	free(buf);
	free(want);
	archive_read_free(a);
	return meta;
}

/* The sorted "path" values of a metadata array ("deleted" holds plain strings), joined by '|'. */
static char *
paths_of(json_t *meta, const char *key)
{
	json_t *arr = json_object_get(meta, key), *v;
	size_t i, n = json_array_size(arr);
	const char **p = xcalloc(n + 1, sizeof(*p));
	struct strbuf sb = { 0 };

	json_array_foreach(arr, i, v)
		p[i] = json_string_value(json_is_string(v) ? v : json_object_get(v, "path"));
	for (size_t a = 0; a < n; a++)
		for (size_t b = a + 1; b < n; b++)
			if (strcmp(p[a], p[b]) > 0) {
				const char *t = p[a];
				p[a] = p[b];
				p[b] = t;
			}
	for (i = 0; i < n; i++)
		strbuf_printf(&sb, "%s%s", i ? "|" : "", p[i]);
	free(p);
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

static void
assert_paths(json_t *meta, const char *key, const char *want)
{
	char *got = paths_of(meta, key);

	if (strcmp(got, want))
		fail_msg("%s: got [%s], want [%s]", key, got, want);
	free(got);
}

/* Every workspace file the job should have taken is either written or skipped with a reason. */
static void
assert_written_or_skipped(json_t *meta, const char *all)
{
	char *w = paths_of(meta, "files"), *s = paths_of(meta, "skipped");
	char *copy = xstrdup(all), *save = NULL;

	for (char *p = strtok_r(copy, "|", &save); p; p = strtok_r(NULL, "|", &save)) {
		char *pat = xasprintf("|%s|", p), *ww = xasprintf("|%s|", w), *ss = xasprintf("|%s|", s);
		if (!strstr(ww, pat) && !strstr(ss, pat))
			fail_msg("%s is neither written nor skipped", p);
		free(pat);
		free(ww);
		free(ss);
	}
	json_t *v;
	size_t i;
	json_array_foreach(json_object_get(meta, "skipped"), i, v) {
		const char *r = json_string_value(json_object_get(v, "reason"));
		assert_true(r && r[0]);
	}
	free(copy);
	free(w);
	free(s);
}

#define UNI "Δοκιμή/ünïcode.txt"
#define SMALL_ALL "README.md|bin/blob.bin|conversation_metadata.json|docs/a.md|docs/b.md|empty.txt|" \
	"img/logo.bin|src/main.c|" UNI

/* Run a job to the end and return the archive's final path (caller frees). */
static char *
run_done(struct env *e, struct export_job *j)
{
	struct export_totals t;

	run(e, j);
	export_totals(j, &t);
	if (t.phase != EXPORT_DONE)
		fail_msg("export ended in phase %d: %s", t.phase, t.message ? t.message : "");
	assert_null(export_part_path(j));
	char *part = xasprintf("%s.part", t.archive_path);
	assert_int_equal(access(part, F_OK), -1);
	free(part);
	assert_int_equal(t.bytes_total >= 0 ? t.bytes_done : 0, t.bytes_total >= 0 ? t.bytes_total : 0);
	return xstrdup(t.archive_path);
}

/* ------------------------------------------------------------ tests */

static void
check_all(struct env *e, const char *id, bool v1)
{
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL };
	struct export_job *j = start(e, id, &o, &conv);
	char *zip = run_done(e, j);
	json_t *meta = verify_zip(e, zip, id);

	assert_paths(meta, "files", "README.md|bin/blob.bin|conversation_metadata.json|data/big.txt|docs/a.md|"
		     "docs/b.md|empty.txt|img/logo.bin|src/main.c|" UNI);
	assert_paths(meta, "skipped", "");
	assert_false(export_partial(j));
	assert_string_equal(json_string_value(json_object_get(meta, "mode")), "all");
	assert_string_equal(json_string_value(json_object_get(meta, "version")), v1 ? "V1" : "V0");
	assert_true(!strncmp(json_string_value(json_object_get(meta, "generator")), "ohbrowse ", 9));
	/* the workspace's own conversation_metadata.json got another name */
	json_t *f;
	size_t i;
	json_array_foreach(json_object_get(meta, "files"), i, f) {
		const char *p = json_string_value(json_object_get(f, "path"));
		const char *en = json_string_value(json_object_get(f, "entry"));
		if (!strcmp(p, "conversation_metadata.json"))
			assert_string_not_equal(en, "conversation_metadata.json");
		else
			assert_string_equal(p, en);
	}
	/* the seed's name rule, and per-file states */
	const char *base = strrchr(zip, '/') + 1;
	assert_string_equal(base, v1 ? "export-test-v1.zip" : "export-test-v0.zip");
	for (i = 0; i < export_file_count(j); i++) {
		const struct export_file *ef = export_file_at(j, i);
		assert_int_equal(ef->state, EXPORT_FILE_WRITTEN);
		assert_int_equal(strlen(ef->sha256), 64);
		assert_true(ef->finished_ms >= ef->started_ms);
	}
	if (!v1)
		assert_string_equal(json_string_value(json_object_get(meta, "repository")), "acme/widgets");
	json_decref(meta);
	/* real mtimes where the listing has them (V1's find does) */
	if (v1) {
		struct archive *a = zip_open(zip);
		struct archive_entry *ae;
		bool seen = false;
		while (next_header(a, &ae))
			if (!strcmp(archive_entry_pathname(ae), "README.md")) {
				assert_int_equal(archive_entry_mtime(ae), 1704164645);
				seen = true;
			}
		archive_read_free(a);
		assert_true(seen);
	}
	free(zip);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_v0_all_files(void **state)
{
	check_all(*state, V0_FULL, false);
}

static void
test_v1_all_files(void **state)
{
	check_all(*state, V1_FULL, true);
}

static void
check_archive_route(struct env *e, const char *id, const char *want)
{
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL, .prefer_server_archive = true };
	struct export_job *j = start(e, id, &o, &conv);
	char *zip = run_done(e, j);
	json_t *meta = verify_zip(e, zip, id);

	assert_paths(meta, "files", want);
	assert_paths(meta, "skipped", "");
	json_decref(meta);
	free(zip);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_v1_archive(void **state)
{
	/* tar.gz: "<root>/" stripped, archive_manifest.json dropped */
	check_archive_route(*state, V1_SMALL, SMALL_ALL);
}

static void
test_v0_archive(void **state)
{
	check_archive_route(*state, V0_SMALL, SMALL_ALL);
}

/* A ZIP whose sizes come after each entry (data descriptors): no streaming, the seekable
 * reader takes it once it is complete. */
static void
test_v0_archive_descriptor(void **state)
{
	check_archive_route(*state, V0_DESC, SMALL_ALL);
}

/* A Python-style ZIP (sizes in the local headers) is re-packed while it downloads: with the
 * download held after 1000 bytes, the entries before that point are already in our ZIP. */
static void
check_archive_streams(struct env *e, const char *id)
{
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL, .prefer_server_archive = true };
	struct export_job *j = start(e, id, &o, &conv);
	int64_t deadline = clock_now_ms() + 30000;
	bool overlapped = false;

	while (!export_finished(j) && clock_now_ms() < deadline) {
		struct export_totals t;

		http_perform(e->h);
		bool more = export_pump(j, 256 << 10);
		export_totals(j, &t);
		if (t.files_written >= 1 && t.bytes_total > 0 && t.bytes_done < t.bytes_total)
			overlapped = true;
		if (!more && !export_finished(j))
			wait_once(e);
	}
	assert_true(overlapped);
	char *zip = run_done(e, j);
	json_t *meta = verify_zip(e, zip, id);

	assert_paths(meta, "files", SMALL_ALL);
	assert_paths(meta, "skipped", "");
	json_decref(meta);
	free(zip);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_v0_archive_streams(void **state)
{
	check_archive_streams(*state, V0_HOLD);
}

/* The agent-server's tar.gz is re-packed while it downloads too (the worker thread): held
 * after 150 kB, the entries before that point are already in our ZIP. */
static void
test_v1_archive_streams(void **state)
{
	check_archive_streams(*state, V1_HOLD);
}

/* The connection drops part way through the tar.gz (asked for once only, R10): what the
 * stream took stays, the walk fetches the rest. */
static void
test_v1_archive_reset_streaming(void **state)
{
	check_archive_route(*state, V1_ARCRESET, SMALL_ALL);
}

/* Cancelled while the worker reads the arriving tar.gz: it is stopped and joined, nothing of
 * the archive is left, and no callback touches the job afterwards. */
static void
test_v1_archive_cancel_streaming(void **state)
{
	struct env *e = *state;
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL, .prefer_server_archive = true };
	struct export_job *j = start(e, V1_HOLD, &o, &conv);
	char *part = xstrdup(export_part_path(j));
	struct export_totals t;
	int64_t until = clock_now_ms() + 10000;

	do {
		http_perform(e->h);
		if (!export_pump(j, 256 << 10))
			wait_once(e);
		export_totals(j, &t);
	} while (t.files_written < 1 && clock_now_ms() < until);
	assert_true(t.files_written >= 1);
	assert_true(t.bytes_done < t.bytes_total);	/* still held: the worker waits for bytes */
	export_cancel(j, "user pressed q");
	export_totals(j, &t);
	assert_int_equal(t.phase, EXPORT_CANCELLED);
	assert_int_equal(access(part, F_OK), -1);
	for (int i = 0; i < 5; i++) {
		http_perform(e->h);
		wait_once(e);
	}
	assert_int_equal(count_dir(e->dir, ".part") + count_dir(e->dir, ".zip"), 0);
	free(part);
	export_free(j);
	api_conversation_free(&conv);
}

/* The directory the agent-server packed is known only from the header at the end; a guess
 * that turns out wrong (OHBROWSE_REPACK_GUESS, as if the workspace changed after the
 * listing) starts the re-pack over, and the ZIP is the same as with the right one. */
static void
test_v1_archive_wrong_guess(void **state)
{
	check_archive_route(*state, V1_2026, SMALL_ALL);
	setenv("OHBROWSE_REPACK_GUESS", "docs", 1);
	check_archive_route(*state, V1_2026, SMALL_ALL);
	unsetenv("OHBROWSE_REPACK_GUESS");
}

static void
test_v1_archive_unsupported(void **state)
{
	/* an agent-server without /api/file/archive: walk and file by file */
	check_archive_route(*state, V1_NOARC, SMALL_ALL);
}

static void
test_v1_archive_fails(void **state)
{
	check_archive_route(*state, V1_FARC, SMALL_ALL);
}

static void
check_hostile(struct env *e, const char *id)
{
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL, .prefer_server_archive = true };
	struct export_job *j = start(e, id, &o, &conv);
	char *zip = run_done(e, j);
	json_t *meta = verify_zip(e, zip, id);	/* asserts no "..", no '/' first, no '\' */
	json_t *f;
	size_t i;
	bool evil = false;

	json_array_foreach(json_object_get(meta, "files"), i, f) {
		const char *en = json_string_value(json_object_get(f, "entry"));
		evil |= !strcmp(en, "evil.txt");
	}
	assert_true(evil);
	assert_true(json_array_size(json_object_get(meta, "files")) >= 3);
	json_decref(meta);
	free(zip);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_hostile_names_v0(void **state)
{
	check_hostile(*state, V0_HOSTILE);
}

static void
test_hostile_names_v1(void **state)
{
	check_hostile(*state, V1_HOSTILE);
}

static void
check_changed(struct env *e, const char *id)
{
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_CHANGED };
	struct export_job *j = start(e, id, &o, &conv);
	char *zip = run_done(e, j);
	json_t *meta = verify_zip(e, zip, id);

	assert_paths(meta, "files", "README.md|docs/a.md");
	assert_paths(meta, "deleted", "old.txt");
	assert_paths(meta, "skipped", "");
	assert_string_equal(json_string_value(json_object_get(meta, "mode")), "changed");
	size_t l = strlen(zip);
	assert_true(l > 12 && !strcmp(zip + l - 12, "-changes.zip"));
	json_decref(meta);
	free(zip);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_v0_changed(void **state)
{
	check_changed(*state, V0_SMALL);
}

static void
test_v1_changed(void **state)
{
	check_changed(*state, V1_SMALL);
}

static void
check_selected(struct env *e, const char *id)
{
	struct api_conversation conv;
	const char *paths[] = { "docs/", "/workspace/project/src/main.c", "img/logo.bin", "docs/a.md" };
	struct export_opts o = { .mode = EXPORT_SELECTED, .paths = paths, .n_paths = ARRAY_SIZE(paths) };
	struct export_job *j = start(e, id, &o, &conv);
	char *zip = run_done(e, j);
	json_t *meta = verify_zip(e, zip, id);

	assert_paths(meta, "files", "docs/a.md|docs/b.md|img/logo.bin|src/main.c");
	assert_string_equal(json_string_value(json_object_get(meta, "mode")), "selected");
	json_decref(meta);
	free(zip);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_v0_selected(void **state)
{
	check_selected(*state, V0_SMALL);
}

static void
test_v1_selected(void **state)
{
	check_selected(*state, V1_SMALL);
}

/* Faults the API layer retries through: a complete archive, nothing skipped. */
static void
check_recovers(struct env *e, const char *id)
{
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL };
	struct export_job *j = start(e, id, &o, &conv);
	char *zip = run_done(e, j);
	json_t *meta = verify_zip(e, zip, id);

	assert_paths(meta, "files", SMALL_ALL);
	assert_paths(meta, "skipped", "");
	json_decref(meta);
	free(zip);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_fault_429(void **state)
{
	check_recovers(*state, V0_F429);
}

static void
test_fault_reset(void **state)
{
	check_recovers(*state, V1_FRESET);
}

static void
test_fault_500_v1_retried(void **state)
{
	check_recovers(*state, V1_F500);
}

/* A fault that sticks to one file: that file is skipped with its reason, the rest is complete. */
static void
check_one_skip(struct env *e, const char *id, const char *skipped)
{
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL, .max_parallel = 1 };
	struct export_job *j = start(e, id, &o, &conv);
	char *zip = run_done(e, j);
	json_t *meta = verify_zip(e, zip, id);

	assert_written_or_skipped(meta, SMALL_ALL);
	if (skipped) {
		assert_paths(meta, "skipped", skipped);
		assert_true(export_partial(j));
		struct export_totals t;
		export_totals(j, &t);
		assert_int_equal(t.files_failed, 1);
	}
	json_decref(meta);
	free(zip);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_fault_500_v0_skip(void **state)
{
	/* V0 select-file's 500 means "missing" and is not retried: the 2nd file in path order */
	check_one_skip(*state, V0_F500, "bin/blob.bin");
}

static void
test_fault_truncated_json(void **state)
{
	check_one_skip(*state, V0_FTRUNC, NULL);
}

static void
test_fault_malformed_json(void **state)
{
	check_one_skip(*state, V0_FMALF, NULL);
}

static void
check_failed(struct env *e, const char *id, const char *msg_part)
{
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL };
	struct export_job *j = start(e, id, &o, &conv);
	char *part = xstrdup(export_part_path(j));
	struct export_totals t;

	assert_int_equal(access(part, F_OK), 0);
	run(e, j);
	export_totals(j, &t);
	assert_int_equal(t.phase, EXPORT_FAILED);
	assert_non_null(t.message);
	if (!strstr(t.message, msg_part))
		fail_msg("message [%s] lacks [%s]", t.message, msg_part);
	assert_int_equal(access(part, F_OK), -1);
	assert_int_equal(count_dir(e->dir, ".zip"), 0);
	assert_int_equal(count_dir(e->dir, ".part"), 0);
	free(part);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_listing_fails(void **state)
{
	check_failed(*state, V0_FLIST, "list");
}

static void
test_nothing_downloaded(void **state)
{
	check_failed(*state, V1_FNONE, "nothing could be downloaded");
}

static void
test_cancel(void **state)
{
	struct env *e = *state;
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL };
	struct export_job *j = start(e, V1_SLOW, &o, &conv);
	char *part = xstrdup(export_part_path(j));
	struct export_totals t;
	int64_t until = clock_now_ms() + 5000;

	/* run until bytes flow, then cancel from the loop */
	do {
		http_perform(e->h);
		export_pump(j, 256 << 10);
		wait_once(e);
		export_totals(j, &t);
	} while (t.bytes_done < 800000 && clock_now_ms() < until);
	assert_true(t.bytes_done > 0);
	assert_int_equal(t.phase, EXPORT_RUNNING);
	assert_true(t.rate > 0);
	export_cancel(j, "user pressed q");
	assert_true(export_finished(j));
	export_totals(j, &t);
	assert_int_equal(t.phase, EXPORT_CANCELLED);
	assert_string_equal(t.message, "user pressed q");
	assert_int_equal(access(part, F_OK), -1);
	assert_int_equal(export_file_at(j, 0)->state, EXPORT_FILE_CANCELLED);
	assert_false(export_pump(j, 1 << 20));
	/* the loop goes on: no callback may touch the job any more */
	for (int i = 0; i < 5; i++) {
		http_perform(e->h);
		wait_once(e);
	}
	assert_int_equal(count_dir(e->dir, ".part") + count_dir(e->dir, ".zip"), 0);
	free(part);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_free_unfinished(void **state)
{
	struct env *e = *state;
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL };
	struct export_job *j = start(e, V1_SLOW, &o, &conv);
	char *part = xstrdup(export_part_path(j));

	for (int i = 0; i < 10; i++) {
		http_perform(e->h);
		export_pump(j, 256 << 10);
		wait_once(e);
	}
	assert_false(export_finished(j));
	export_free(j);
	assert_int_equal(access(part, F_OK), -1);
	for (int i = 0; i < 5; i++) {
		http_perform(e->h);
		wait_once(e);
	}
	assert_int_equal(count_dir(e->dir, ".part") + count_dir(e->dir, ".zip"), 0);
	free(part);
	api_conversation_free(&conv);
}

static void
test_output_exists(void **state)
{
	struct env *e = *state;
	struct api_conversation conv;
	char *out = xasprintf("%s/mine.zip", e->dir);
	FILE *fp = fopen(out, "w");
	struct api_error err;

	fputs("keep me", fp);
	fclose(fp);
	get_conv(e, V1_SMALL, &conv);
	struct export_opts o = { .mode = EXPORT_ALL, .output = out };
	assert_null(export_start(e->c, &conv, &o, &err));
	assert_int_equal(err.kind, API_ERR_USAGE);
	assert_non_null(strstr(err.message, "exists"));
	char buf[32] = "";
	fp = fopen(out, "r");
	assert_non_null(fgets(buf, sizeof(buf), fp));
	fclose(fp);
	assert_string_equal(buf, "keep me");
	assert_int_equal(count_dir(e->dir, ".part"), 0);

	/* a fresh -o name is used exactly */
	char *out2 = xasprintf("%s/exact.zip", e->dir);
	o.output = out2;
	struct export_job *j = export_start(e->c, &conv, &o, &err);
	assert_non_null(j);
	char *zip = run_done(e, j);
	assert_string_equal(zip, out2);
	free(zip);
	export_free(j);
	/* the default name never clobbers: a second export gets "-2" */
	struct export_opts d = { .mode = EXPORT_ALL, .dir = e->dir };
	j = export_start(e->c, &conv, &d, &err);
	char *z1 = run_done(e, j);
	export_free(j);
	j = export_start(e->c, &conv, &d, &err);
	char *z2 = run_done(e, j);
	export_free(j);
	assert_string_not_equal(z1, z2);
	assert_non_null(strstr(z2, "-2.zip"));
	free(z1);
	free(z2);
	free(out2);
	free(out);
	api_conversation_free(&conv);
}

static void
test_retry_failed(void **state)
{
	struct env *e = *state;
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL };
	struct export_job *j = start(e, V1_SMALL, &o, &conv);
	struct export_totals t;

	/* wait for the listing, cancel one file, retry it while the archive is open */
	while (export_file_count(j) == 0) {
		http_perform(e->h);
		wait_once(e);
	}
	size_t last = export_file_count(j) - 1;
	export_cancel_file(j, last);
	assert_int_equal(export_file_at(j, last)->state, EXPORT_FILE_CANCELLED);
	assert_true(export_partial(j));
	export_retry_failed(j);
	assert_int_not_equal(export_file_at(j, last)->state, EXPORT_FILE_CANCELLED);
	assert_false(export_partial(j));
	char *zip = run_done(e, j);
	json_t *meta = verify_zip(e, zip, V1_SMALL);
	assert_paths(meta, "files", SMALL_ALL);
	assert_paths(meta, "skipped", "");
	export_totals(j, &t);
	assert_int_equal(t.files_written, t.files_total);
	assert_true(t.archive_size > 0);
	/* after the end it does nothing */
	export_retry_failed(j);
	assert_true(export_finished(j));
	json_decref(meta);
	free(zip);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_selected_missing(void **state)
{
	struct env *e = *state;
	struct api_conversation conv;
	const char *paths[] = { "docs/a.md", "nope/missing.txt" };
	struct export_opts o = { .mode = EXPORT_SELECTED, .paths = paths, .n_paths = ARRAY_SIZE(paths) };
	struct export_job *j = start(e, V1_SMALL, &o, &conv);
	char *zip = run_done(e, j);
	json_t *meta = verify_zip(e, zip, V1_SMALL);

	assert_paths(meta, "files", "docs/a.md");
	assert_paths(meta, "skipped", "nope/missing.txt");
	assert_true(export_partial(j));
	json_decref(meta);
	free(zip);
	export_free(j);
	api_conversation_free(&conv);
}

/* A full disk (simulated with RLIMIT_FSIZE): FAILED with the writer's message, no .part. */
static void
test_disk_full(void **state)
{
	struct env *e = *state;
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL };
	struct rlimit old, lim;
	struct export_totals t;

	getrlimit(RLIMIT_FSIZE, &old);
	lim = old;
	lim.rlim_cur = 150000;
	signal(SIGXFSZ, SIG_IGN);
	struct export_job *j = start(e, V1_MANY, &o, &conv);
	char *part = xstrdup(export_part_path(j));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
	run(e, j);
	setrlimit(RLIMIT_FSIZE, &old);
	export_totals(j, &t);
	assert_int_equal(t.phase, EXPORT_FAILED);
	assert_non_null(t.message);
	print_message("# disk full: %s\n", t.message);
	assert_null(strstr(t.message, "nothing could"));	/* the writer failed, not the downloads */
	assert_int_equal(access(part, F_OK), -1);
	assert_int_equal(count_dir(e->dir, ".part") + count_dir(e->dir, ".zip"), 0);
	free(part);
	export_free(j);
	api_conversation_free(&conv);
}

/* ------------------------------------------------------------ events */

/* The bytes of one entry (caller frees), or NULL when the ZIP lacks it. */
static char *
zip_entry(const char *zip, const char *name, size_t *len)
{
	struct archive *a = zip_open(zip);
	struct archive_entry *ae;
	char *out = NULL;

	while (!out && next_header(a, &ae)) {
		if (strcmp(entry_name(ae), name))
			continue;
		struct strbuf sb = { 0 };
		char buf[4096];
		la_ssize_t n;
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0)
			strbuf_append(&sb, buf, (size_t)n);
		*len = sb.len;
		out = sb.buf ? strbuf_detach(&sb) : xstrdup("");
	}
	archive_read_free(a);
	return out;
}

/* The scenario's events of conversation id (a new reference). */
static json_t *
scenario_events(struct env *e, const char *id)
{
	json_t *root = json_loads(e->scenario, 0, NULL), *c, *out = NULL;
	size_t i;

	assert_non_null(root);
	json_array_foreach(json_object_get(root, "conversations"), i, c)
		if (!strcmp(json_string_value(json_object_get(c, "id")), id))
			out = json_incref(json_object_get(c, "events"));
	json_decref(root);
	assert_non_null(out);
	return out;
}

/*
 * A complete archive with events: the workspace as always, events.json equal to the
 * server's events, conversation.md equal to the transcript of those events (rendered here
 * in one piece, so the job's page-by-page spooling must splice it exactly), and the
 * metadata's events record.
 */
static void
check_events(struct env *e, const char *id, bool archive)
{
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL, .include_events = true, .prefer_server_archive = archive };
	struct export_job *j = start(e, id, &o, &conv);
	char *zip = run_done(e, j);
	json_t *want = scenario_events(e, id), *v;
	size_t n, i;

	assert_false(export_partial(j));
	assert_null(export_events_error(j));
	json_t *meta = verify_zip(e, zip, id);
	assert_paths(meta, "files", SMALL_ALL);
	assert_paths(meta, "skipped", "");
	json_t *ev = json_object_get(meta, "events");
	assert_int_equal(json_integer_value(json_object_get(ev, "count")), json_array_size(want));
	assert_int_equal(json_integer_value(json_object_get(ev, "corrupt")), 0);
	assert_string_equal(json_string_value(json_object_get(ev, "source")), "server");

	char *js = zip_entry(zip, "events.json", &n);
	assert_non_null(js);
	json_t *got = json_loadb(js, n, 0, NULL);
	assert_non_null(got);
	assert_true(json_equal(got, want));

	struct strbuf md = { 0 };
	transcript_md_header(&md, &conv, json_array_size(want));
	json_array_foreach(want, i, v) {
		char *raw = json_dumps(v, JSON_COMPACT | JSON_PRESERVE_ORDER);
		struct api_event row;
		api_event_decode(raw, strlen(raw), false, &row);
		transcript_md_event(&md, &row);
		api_event_free(&row);
		free(raw);
	}
	char *text = zip_entry(zip, "conversation.md", &n);
	assert_non_null(text);
	assert_int_equal(n, md.len);
	assert_memory_equal(text, md.buf, n);

	strbuf_free(&md);
	free(text);
	free(js);
	json_decref(got);
	json_decref(want);
	json_decref(meta);
	free(zip);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_events_v1(void **state)
{
	check_events(*state, V1_EVENTS, false);	/* three pages of the app server's events search */
}

static void
test_events_v0_archive(void **state)
{
	check_events(*state, V0_EVENTS, true);	/* beside the re-packed zip-directory */
}

/* The events cannot be read: the archive is complete but partial, both entries skipped. */
static void
check_events_fail(struct env *e, const char *id, const char *dir)
{
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL, .include_events = true, .dir = dir };
	struct export_job *j = start(e, id, &o, &conv);
	char *zip = run_done(e, j);
	size_t n;

	assert_true(export_partial(j));
	assert_non_null(export_events_error(j));
	print_message("# events failed: %s\n", export_events_error(j));
	json_t *meta = verify_zip(e, zip, id);	/* no events entries: the count is exact */
	assert_paths(meta, "files", SMALL_ALL);
	assert_paths(meta, "skipped", "conversation.md|events.json");
	json_t *ev = json_object_get(meta, "events");
	assert_int_equal(json_integer_value(json_object_get(ev, "count")), 0);
	assert_non_null(strstr(json_string_value(json_object_get(ev, "error")), "events"));
	assert_null(zip_entry(zip, "events.json", &n));
	assert_null(zip_entry(zip, "conversation.md", &n));
	json_decref(meta);
	free(zip);
	export_free(j);
	api_conversation_free(&conv);
}

static void
test_events_fault_v0(void **state)
{
	check_events_fail(*state, V0_EVFAIL, NULL);
}

/* A 500 on the V1 events search. The fake cannot aim a fault at one conversation there
 * (the id is in the query), so this test brings its own server. */
static void
test_events_fault_v1(void **state)
{
	struct env *outer = *state;
	struct strbuf sb = { 0 };
	void *st = NULL;

	strbuf_printf(&sb, "{\"app\":{\"api_key\":\"%s\"},\"runtime_rate_limit\":false,"
		      "\"workspaces\":{\"small\":{\"files\":[%s]}},\"conversations\":[{\"id\":\"%s\","
		      "\"version\":\"V1\",\"status\":\"RUNNING\",\"workspace\":\"small\",\"events\":",
		      KEY, small_files, V1_EVENTS);
	v1_events_json(&sb, 5);
	strbuf_puts(&sb, "}],\"faults\":[{\"server\":\"app\",\"route\":\"v1-events\",\"status\":500}]}");
	assert_int_equal(setup_scenario(&st, strbuf_detach(&sb)), 0);
	check_events_fail(st, V1_EVENTS, outer->dir);
	teardown(&st);
}

/* ------------------------------------------------------------ measurement */

static int
measure(const char *mb)
{
	void *st = NULL;
	struct env *e;

	if (setup(&st) || test_setup(&st))
		return 1;
	e = st;
	struct api_conversation conv;
	struct export_opts o = { .mode = EXPORT_ALL, .dir = e->dir };
	struct rusage ru0, ru;
	getrusage(RUSAGE_SELF, &ru0);
	int64_t t0 = clock_now_ms();
	/* EXPORT_MEASURE_ROUTE: v1 (download, default), v0 (a binary: select-file refuses it, so
	 * it is staged from zip-directory), archive (the V1 tar.gz re-packed) */
	const char *route = getenv("EXPORT_MEASURE_ROUTE") ? getenv("EXPORT_MEASURE_ROUTE") : "v1";
	o.prefer_server_archive = !strcmp(route, "archive");
	get_conv(e, !strcmp(route, "v0") ? V0_HUGE : V1_HUGE, &conv);
	struct api_error err;
	struct export_job *j = export_start(e->c, &conv, &o, &err);
	if (!j)
		return 1;
	(void)t0;
	run(e, j);
	getrusage(RUSAGE_SELF, &ru);
	struct export_totals t;
	export_totals(j, &t);
	printf("# measure: route %s, %s MB, phase %d, %.1f s, peak RSS %ld KiB (fake server in-process included)\n", route, mb,
	       t.phase, (double)(clock_now_ms() - t0) / 1000.0, ru.ru_maxrss);
	export_free(j);
	api_conversation_free(&conv);
	test_teardown(&st);
	teardown(&st);
	return 0;
}

int
main(void)
{
	/* for reading names back with libarchive; the job itself does not depend on it */
	setlocale(LC_CTYPE, "C.UTF-8");
	if (getenv("EXPORT_MEASURE_MB"))
		return measure(getenv("EXPORT_MEASURE_MB"));
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_v0_all_files, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v1_all_files, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v1_archive, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v0_archive, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v0_archive_descriptor, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v0_archive_streams, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v1_archive_streams, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v1_archive_wrong_guess, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v1_archive_reset_streaming, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v1_archive_cancel_streaming, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v1_archive_unsupported, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v1_archive_fails, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names_v0, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_hostile_names_v1, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v0_changed, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v1_changed, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v0_selected, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_v1_selected, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_fault_429, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_fault_reset, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_fault_500_v1_retried, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_fault_500_v0_skip, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_fault_truncated_json, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_fault_malformed_json, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_listing_fails, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_nothing_downloaded, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_cancel, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_free_unfinished, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_output_exists, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_retry_failed, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_selected_missing, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_disk_full, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_events_v1, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_events_v0_archive, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_events_fault_v0, test_setup, test_teardown),
		cmocka_unit_test_setup_teardown(test_events_fault_v1, test_setup, test_teardown),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
