/*
 * tests/fuzz/fuzz_json.c: libFuzzer target for api/json.c.
 *
 * Every decoder and the select-file code stream get the same input. Beyond
 * "no crash, no leak, no UB" it checks the promises of api/json.h that a
 * caller relies on: failures leave outputs empty, titles are never NULL,
 * command output has no NUL, error texts are short single lines, and the
 * code stream gives the same result however the body is cut into pieces.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/events.h"
#include "api/json.h"
#include "api/types.h"
#include "src/base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* abort() rather than assert(): the check must stay in optimised builds. */
#define REQUIRE(c)                    \
	do {                          \
		if (!(c))             \
			abort();      \
	} while (0)

static int devnull = -1;

static void
check_conversation(const struct api_conversation *c)
{
	REQUIRE(c->id && *c->id);
	REQUIRE(c->title);
}

static void
fuzz_decoders(const char *body, size_t len)
{
	struct api_error err;
	struct json_conv_page p;
	struct api_conversation c;
	struct json_bash_page bp;
	struct api_file_list fl = {0};
	char **arr, *a, *b, *d;
	size_t n;
	bool found, ok;

	if (json_decode_conv_page_v0(body, len, &p, &err) == 0) {
		for (size_t i = 0; i < p.count; i++)
			check_conversation(&p.items[i]);
		REQUIRE(!p.next_page_id || *p.next_page_id);
	} else {
		REQUIRE(!p.items && p.count == 0 && !p.next_page_id);
		REQUIRE(err.kind == API_ERR_SERVER || err.kind == API_ERR_UNSUPPORTED);
	}
	json_conv_page_free(&p);

	if (json_decode_conv_page_v1(body, len, &p, &err) == 0) {
		for (size_t i = 0; i < p.count; i++) {
			check_conversation(&p.items[i]);
			REQUIRE(p.items[i].version == API_V1);
		}
	} else {
		REQUIRE(!p.items && p.count == 0);
	}
	json_conv_page_free(&p);

	/* the events decoder (api/events.c): every row readable, never a raw control character
	 * in a summary (it goes straight to the terminal) */
	for (int raw = 0; raw < 2; raw++) {
		struct api_event_page ep;
		if (api_events_decode_page(body, len, raw, &ep, &err) == 0) {
			for (size_t i = 0; i < ep.events.count; i++) {
				const struct api_event *e = &ep.events.items[i];
				REQUIRE(e->summary && e->text && e->id);
				REQUIRE((unsigned)e->kind < API_EVENT_KIND_COUNT);
				for (const unsigned char *q = (const unsigned char *)e->summary; *q; q++)
					REQUIRE(*q >= 0x20 && *q != 0x7f);
				REQUIRE(!raw || e->raw);
			}
			api_event_list_free(&ep.events);
			free(ep.next_page_id);
		}
	}

	if (json_decode_conversation(body, len, &c, &found, &err) == 0 && found)
		check_conversation(&c);
	else
		REQUIRE(!c.id && !c.title);
	api_conversation_free(&c);

	if (json_decode_v1_conversation_list(body, len, &c, &found, &err) == 0 && found)
		check_conversation(&c);
	else
		REQUIRE(!c.id);
	api_conversation_free(&c);

	if (json_decode_sandbox(body, len, &a, &b, &d, &found, &err) != 0)
		REQUIRE(!a && !b && !d);
	free(a);
	free(b);
	free(d);
	(void)json_decode_sandbox(body, len, NULL, NULL, NULL, NULL, &err);

	if (json_decode_string_array(body, len, &arr, &n, &err) == 0) {
		for (size_t i = 0; i < n; i++)
			REQUIRE(arr[i]);
	} else {
		REQUIRE(!arr && n == 0);
	}
	json_string_array_free(arr, n);

	if (json_decode_changes(body, len, &fl, &err) == 0) {
		for (size_t i = 0; i < fl.count; i++) {
			size_t pl = strlen(fl.items[i].path);
			REQUIRE(pl > 0 && fl.items[i].path[pl - 1] != '/');
			REQUIRE(fl.items[i].size == -1);
		}
	} else {
		REQUIRE(fl.count == 0);
	}
	api_file_list_free(&fl);

	if (json_decode_diff(body, len, &a, &b, &err) != 0)
		REQUIRE(!a && !b);
	free(a);
	free(b);

	if (json_decode_bash_command_id(body, len, &a, &err) == 0)
		REQUIRE(a && *a);
	else
		REQUIRE(!a);
	free(a);

	if (json_decode_bash_page(body, len, &bp, &err) == 0) {
		for (size_t i = 0; i < bp.count; i++) {
			REQUIRE(bp.items[i].out);
			REQUIRE(strlen(bp.items[i].out) == bp.items[i].out_len);
		}
	} else {
		REQUIRE(!bp.items && bp.count == 0);
	}
	json_bash_page_free(&bp);

	if (json_decode_start(body, len, &ok, &a, &err) != 0)
		REQUIRE(!a && !ok);
	free(a);

	char *t = json_error_text(body, len);
	if (t) {
		size_t tl = strlen(t);
		REQUIRE(tl > 0 && tl <= 200);
		for (size_t i = 0; i < tl; i++)
			REQUIRE((unsigned char)t[i] >= 0x20 && t[i] != 0x7f);
		REQUIRE(t[0] != ' ' && t[tl - 1] != ' ');
		if (utf8_valid(body, len))
			REQUIRE(utf8_valid(t, tl));
	}
	free(t);

	(void)json_looks_like_html(body, len);
}

static void
fuzz_encode(const char *body, size_t len)
{
	char *cmd = xstrndup(body, len);	/* stops at the first NUL, like a C caller */
	char *enc = json_encode_bash_command(cmd, (int)len);
	struct api_error err;
	char *o, *m;

	if (enc) {
		/* Whatever we send must itself be a valid JSON object. */
		REQUIRE(json_decode_diff(enc, strlen(enc), &o, &m, &err) == 0);
		free(o);
		free(m);
	} else {
		REQUIRE(!utf8_valid(cmd, strlen(cmd)));
	}
	free(enc);
	free(cmd);
}

/* Feed in pieces whose sizes cycle through 1..step; returns finish()'s result. */
static int
stream_pieces(const char *body, size_t len, size_t step, int64_t *bytes)
{
	struct json_code_stream *s = json_code_stream_new(devnull);
	size_t pos = 0, k = 1;
	int rc = 0;

	while (pos < len && rc == 0) {
		size_t n = k < len - pos ? k : len - pos;
		rc = json_code_stream_feed(s, body + pos, n);
		pos += n;
		k = k % step + 1;
	}
	if (rc == 0)
		rc = json_code_stream_finish(s);
	else
		REQUIRE(json_code_stream_finish(s) == -1);	/* errors are sticky */
	if (rc != 0)
		REQUIRE(*json_code_stream_error(s));
	*bytes = json_code_stream_bytes(s);
	json_code_stream_free(s);
	return rc;
}

static void
fuzz_stream(const char *body, size_t len)
{
	int64_t whole_bytes, piece_bytes, byte_bytes;
	int whole = stream_pieces(body, len, len ? len : 1, &whole_bytes);
	int pieces = stream_pieces(body, len, 7, &piece_bytes);
	int bytes = stream_pieces(body, len, 1, &byte_bytes);

	/* Where the body is cut must not change the outcome. */
	REQUIRE(whole == pieces && whole == bytes);
	if (whole == 0)
		REQUIRE(whole_bytes == piece_bytes && whole_bytes == byte_bytes);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;

	if (devnull < 0) {
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
		REQUIRE(devnull >= 0);
	}
	fuzz_decoders(body, size);
	fuzz_encode(body, size);
	fuzz_stream(body, size);
	return 0;
}
