/*
 * tests/fuzz/fuzz_changes.c: libFuzzer target for api/changes.c, the parsers of what ohbrowse's
 * bash commands print on an agent-server (the base64 listing, the changes command) and the
 * repair of git/changes answers. Beyond "no crash, no leak, no UB" it checks what callers
 * rely on: every listed path is non-empty and has no NUL, a failed parse adds nothing, and a
 * resolved change is a listed file or a deletion.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "api/changes.h"
#include "src/base/util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)                    \
	do {                          \
		if (!(c))             \
			abort();      \
	} while (0)

static char *
b64(const uint8_t *in, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct strbuf sb = {0};

	strbuf_append(&sb, "", 0);
	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)in[i] << 16 | (i + 1 < n ? (unsigned)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? in[i + 2] : 0);
		strbuf_putc(&sb, t[v >> 18 & 63]);
		strbuf_putc(&sb, t[v >> 12 & 63]);
		strbuf_putc(&sb, i + 1 < n ? t[v >> 6 & 63] : '=');
		strbuf_putc(&sb, i + 2 < n ? t[v & 63] : '=');
	}
	return strbuf_detach(&sb);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* the raw bytes as the command's output (mostly "damaged"), and base64 of them (the
	 * records themselves) */
	char *text = b64(data, size);
	struct api_file_list l = {0}, ch = {0}, out = {0};
	struct changes_repos r = {0};

	REQUIRE(changes_parse_listing((const char *)data, size, &l, &r) <= (long)size);
	api_file_list_free(&l);
	changes_repos_free(&r);
	long bad = changes_parse_listing(text, strlen(text), &l, &r);
	REQUIRE(bad >= 0);
	for (size_t i = 0; i < l.count; i++) {
		REQUIRE(l.items[i].path && *l.items[i].path);
		REQUIRE(!l.items[i].link || l.items[i].type == API_FILE);
	}
	for (size_t i = 0; i + 1 < r.count; i++)
		REQUIRE(strcmp(r.dirs[i], r.dirs[i + 1]) < 0);

	if (changes_parse_fallback(text, strlen(text), "p", &ch) != 0)
		REQUIRE(ch.count == 0);
	for (size_t i = 0; i < ch.count; i++)
		REQUIRE(!strncmp(ch.items[i].path, "p/", 2) && ch.items[i].path[2]);

	/* the fallback's rows, as if the server had sent them (and mangled), resolved against
	 * the listing */
	for (size_t i = 0; i < ch.count; i++) {
		char *m = changes_mangle(ch.items[i].path + 2);
		free(ch.items[i].path);
		ch.items[i].path = m;
	}
	if (l.count > 1) {
		for (size_t i = 1; i < l.count; i++)	/* the listing is searched: sort it */
			for (size_t k = i; k > 0 && strcmp(l.items[k - 1].path, l.items[k].path) > 0; k--) {
				struct api_file t = l.items[k];
				l.items[k] = l.items[k - 1];
				l.items[k - 1] = t;
			}
	}
	char why[256];
	changes_repos_add(&r, "p");
	if (changes_resolve(&ch, "p", &r, &l, &out, why, sizeof(why))) {
		for (size_t i = 0; i < out.count; i++)
			REQUIRE(out.items[i].change == API_CHANGE_DELETED || !strncmp(out.items[i].path, "p/", 2));
	} else {
		REQUIRE(out.count == 0);
	}
	free(text);
	api_file_list_free(&l);
	api_file_list_free(&ch);
	api_file_list_free(&out);
	changes_repos_free(&r);
	return 0;
}
