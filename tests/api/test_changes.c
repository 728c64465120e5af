/*
 * tests/api/test_changes.c: the pure parts of reading an agent-server workspace
 * (api/changes.c): R3 mangling, the base64 listing and its damage check, the fallback's
 * NUL-separated git output, and resolving a git/changes answer against the listing.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "api/changes.h"
#include "src/base/util.h"

static char *
b64(const char *in, size_t n)
{
	static const char t[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	struct strbuf sb = {0};

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16 | (i + 1 < n ? (unsigned char)in[i + 1] << 8 : 0) |
			     (i + 2 < n ? (unsigned char)in[i + 2] : 0);
		strbuf_putc(&sb, t[v >> 18 & 63]);
		strbuf_putc(&sb, t[v >> 12 & 63]);
		strbuf_putc(&sb, i + 1 < n ? t[v >> 6 & 63] : '=');
		strbuf_putc(&sb, i + 2 < n ? t[v & 63] : '=');
	}
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

/* R3: the examples of openhands-api-2026.md section 7. */
static void
test_mangle(void **state)
{
	char *m;

	(void)state;
	m = changes_mangle("i18n/\xc3\xbc.txt");
	assert_string_equal(m, "\"i18n//303/274.txt\"");
	free(m);
	m = changes_mangle("plain/name with space.txt");
	assert_string_equal(m, "plain/name with space.txt");
	free(m);
	m = changes_mangle("tab\there\"q\\b");
	assert_string_equal(m, "\"tab/there/\"q//b\"");
	free(m);
}

static void
test_listing(void **state)
{
	static const char raw[] =
		"d 4096 1732406400.0000000000 755 proj\0\0"
		"d 4096 1732406400.0000000000 755 proj/.git\0\0"
		"f 10 1732406400.5000000000 755 proj/run me.sh\0\0"
		"f 3 1732406400.0000000000 644 weird\nname\0\0"
		"l 9 1732406400.0000000000 777 .venv/bin/python\0/usr/bin/python3\0"
		"p 0 1732406400.0000000000 644 fifo\0\0"
		"f 12 1732406400.0000000000 644 sub/.git\0\0"
		"garbage\0\0";
	char *text = b64(raw, sizeof(raw) - 1);
	struct api_file_list l = {0};
	struct changes_repos r = {0};

	(void)state;
	assert_int_equal(changes_parse_listing(text, strlen(text), &l, &r), 1);
	assert_int_equal(l.count, 5);	/* proj, run me.sh, weird\nname, the link, sub/.git (a gitfile);
					 * no fifo, no .git directory */
	assert_string_equal(l.items[4].path, "sub/.git");
	assert_string_equal(l.items[1].path, "proj/run me.sh");
	assert_int_equal(l.items[1].mode, 0755);
	assert_int_equal(l.items[1].size, 10);
	assert_string_equal(l.items[2].path, "weird\nname");
	assert_string_equal(l.items[3].path, ".venv/bin/python");
	assert_string_equal(l.items[3].link, "/usr/bin/python3");
	assert_null(l.items[1].link);
	assert_int_equal(r.count, 2);
	assert_string_equal(r.dirs[0], "proj");
	assert_string_equal(r.dirs[1], "sub");
	api_file_list_free(&l);
	changes_repos_free(&r);

	/* R7: a U+FFFD anywhere means the output was damaged: list again, never guess */
	text[4] = '\xef';
	assert_int_equal(changes_parse_listing(text, strlen(text), &l, &r), -1);
	free(text);
	api_file_list_free(&l);
	changes_repos_free(&r);
}

static void
test_fallback(void **state)
{
	static const char ok[] = "M\0a b.c\0D\0gone\0A\0new\0\0untracked \xc3\xa9\0nested/\0\0";
	static const char cut[] = "M\0a b.c\0\0untracked\0";	/* ls-files failed: no end marker */
	struct api_file_list l = {0};
	char *t = b64(ok, sizeof(ok) - 1);

	(void)state;
	assert_int_equal(changes_parse_fallback(t, strlen(t), "proj", &l), 0);
	free(t);
	assert_int_equal(l.count, 4);
	assert_string_equal(l.items[0].path, "proj/a b.c");
	assert_int_equal(l.items[0].change, API_CHANGE_MODIFIED);
	assert_int_equal(l.items[1].change, API_CHANGE_DELETED);
	assert_int_equal(l.items[2].change, API_CHANGE_ADDED);
	assert_string_equal(l.items[3].path, "proj/untracked \xc3\xa9");
	api_file_list_free(&l);
	t = b64(cut, sizeof(cut) - 1);
	assert_int_equal(changes_parse_fallback(t, strlen(t), "", &l), -1);
	assert_int_equal(l.count, 0);
	free(t);
}

static void
add(struct api_file_list *l, const char *p, enum api_file_type t, enum api_change c)
{
	api_file_list_add(l, p, t, t == API_DIR ? -1 : 5, 0, c);
}

static void
test_resolve(void **state)
{
	struct api_file_list listing = {0}, ans = {0}, out = {0};
	struct changes_repos repos = {0};
	char why[256];

	(void)state;
	add(&listing, "a", API_DIR, 0);
	add(&listing, "a/303", API_DIR, 0);
	add(&listing, "a/303/x", API_FILE, 0);
	add(&listing, "a/caf\xc3\xa9.md", API_FILE, 0);
	add(&listing, "a/deep", API_DIR, 0);
	add(&listing, "a/deep/y.c", API_FILE, 0);
	changes_repos_add(&repos, "a");
	changes_repos_add(&repos, "a/deep");

	add(&ans, "\"caf/303/251.md\"", API_FILE, API_CHANGE_MODIFIED);
	add(&ans, "303/x", API_FILE, API_CHANGE_ADDED);	/* a real directory called 303 */
	add(&ans, "gone.txt", API_FILE, API_CHANGE_DELETED);
	add(&ans, "deep/", API_FILE, API_CHANGE_ADDED);	/* R2: another repository's business */
	assert_true(changes_resolve(&ans, "a", &repos, &listing, &out, why, sizeof(why)));
	assert_int_equal(out.count, 3);
	assert_string_equal(out.items[0].path, "a/caf\xc3\xa9.md");
	assert_string_equal(out.items[1].path, "a/303/x");
	assert_string_equal(out.items[2].path, "a/gone.txt");
	api_file_list_free(&ans);
	api_file_list_free(&out);

	/* untrusted answers add nothing */
	add(&ans, "303", API_FILE, API_CHANGE_ADDED);
	assert_false(changes_resolve(&ans, "a", &repos, &listing, &out, why, sizeof(why)));
	assert_non_null(strstr(why, "directory"));
	api_file_list_free(&ans);
	add(&ans, "\"gone//303.txt\"", API_FILE, API_CHANGE_DELETED);
	assert_false(changes_resolve(&ans, "a", &repos, &listing, &out, why, sizeof(why)));
	api_file_list_free(&ans);
	add(&ans, "missing.txt", API_FILE, API_CHANGE_MODIFIED);
	assert_false(changes_resolve(&ans, "a", &repos, &listing, &out, why, sizeof(why)));
	assert_int_equal(out.count, 0);
	api_file_list_free(&ans);
	api_file_list_free(&listing);
	changes_repos_free(&repos);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mangle),
		cmocka_unit_test(test_listing),
		cmocka_unit_test(test_fallback),
		cmocka_unit_test(test_resolve),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
