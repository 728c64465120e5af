/* tests/unit/test_archive_names.c: entry-name sanitising, uniqueness and archive naming. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "archive/names.h"
#include "src/base/util.h"

static void
check_sanitize(const char *raw, size_t len, const char *want)
{
	char *got = names_sanitize(raw, len);

	if (want == NULL) {
		if (got != NULL)
			fail_msg("sanitize gave \"%s\", wanted NULL", got);
		return;
	}
	assert_non_null(got);
	assert_string_equal(got, want);
	assert_true(utf8_valid(got, strlen(got)));
	free(got);
}

#define SAN(s, want) check_sanitize((s), strlen(s), (want))

static void
test_sanitize_plain(void **state)
{
	SAN("README.md", "README.md");
	SAN("src/main.c", "src/main.c");
	SAN("dir/", "dir");
	SAN("a//b///c", "a/b/c");
	SAN("conv/Δοκιμή ünïcode.txt", "conv/Δοκιμή ünïcode.txt");
	SAN("日本語/ファイル.txt", "日本語/ファイル.txt");
	SAN("...", ".._");	/* not "." or "..", but Windows would strip its dots: a safe variant */
	SAN(".bashrc", ".bashrc");
}

static void
test_sanitize_hostile(void **state)
{
	SAN("../x", "x");
	SAN("../../../../etc/passwd", "etc/passwd");
	SAN("/etc/passwd", "etc/passwd");
	SAN("a\\..\\b", "a/b");
	SAN("a/./b/../c", "a/b/c");
	SAN("C:\\x", "x");
	SAN("c:x", "x");
	SAN("C:/Windows/win.ini", "Windows/win.ini");
	SAN("\\\\server\\share\\f", "server/share/f");
	SAN("./.", NULL);
	SAN("", NULL);
	SAN("/", NULL);
	SAN("..", NULL);
	SAN("../..//./", NULL);
	SAN("x\x7f\x1b[31m", "x__[31m");
	SAN("tab\there\nnl", "tab_here_nl");
	SAN("c1\xc2\x85x", "c1_x");	/* U+0085 NEL, a C1 control */
	check_sanitize("a\0b", 3, "a_b");
	check_sanitize("\0", 1, "_");
	check_sanitize(NULL, 0, NULL);
}

static void
test_sanitize_invalid_utf8(void **state)
{
	SAN("\xffok", "\xef\xbf\xbdok");
	SAN("bad\xc3(x", "bad\xef\xbf\xbd(x");		/* truncated sequence */
	SAN("\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd");	/* overlong "/" must not become a separator */
	SAN("\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd");	/* a surrogate */
	SAN("end\xe2\x82", "end\xef\xbf\xbd\xef\xbf\xbd");
}

static void
test_sanitize_long_component(void **state)
{
	char raw[700], *got;

	memset(raw, 'a', 300);
	raw[300] = '\0';
	got = names_sanitize(raw, strlen(raw));
	assert_int_equal(strlen(got), NAMES_COMPONENT_MAX);
	free(got);

	/* The extension survives. */
	memcpy(raw + 296, ".txt", 5);
	got = names_sanitize(raw, strlen(raw));
	assert_int_equal(strlen(got), NAMES_COMPONENT_MAX);
	assert_string_equal(got + NAMES_COMPONENT_MAX - 4, ".txt");
	free(got);

	/* 150 two-byte characters: cut at a character boundary (254 bytes), still valid UTF-8. */
	raw[0] = '\0';
	strcat(raw, "dir/");
	for (int i = 0; i < 150; i++)
		strcat(raw, "\xc3\xa9");
	strcat(raw, "/f");
	got = names_sanitize(raw, strlen(raw));
	assert_true(utf8_valid(got, strlen(got)));
	assert_int_equal(strlen(got), 4 + 254 + 2);
	assert_string_equal(got + 4 + 254, "/f");
	free(got);
}

static void
test_unique(void **state)
{
	struct names_set *s = names_set_new();

	assert_string_equal(names_set_unique(s, "a.txt"), "a.txt");
	assert_string_equal(names_set_unique(s, "a.txt"), "a (2).txt");
	assert_string_equal(names_set_unique(s, "a.txt"), "a (3).txt");
	/* Case-insensitive on purpose: the archive must unpack on macOS and Windows too. */
	assert_string_equal(names_set_unique(s, "A.TXT"), "A (4).TXT");
	assert_string_equal(names_set_unique(s, "Makefile"), "Makefile");
	assert_string_equal(names_set_unique(s, "Makefile"), "Makefile (2)");
	assert_string_equal(names_set_unique(s, ".bashrc"), ".bashrc");
	assert_string_equal(names_set_unique(s, ".bashrc"), ".bashrc (2)");
	assert_string_equal(names_set_unique(s, "d/x.tar.gz"), "d/x.tar.gz");
	assert_string_equal(names_set_unique(s, "d/x.tar.gz"), "d/x.tar (2).gz");
	/* Non-ASCII is not folded: these are two names. */
	assert_string_equal(names_set_unique(s, "É.txt"), "É.txt");
	assert_string_equal(names_set_unique(s, "é.txt"), "é.txt");
	names_set_free(s);
}

static void
test_unique_file_vs_directory(void **state)
{
	struct names_set *s = names_set_new();

	assert_string_equal(names_set_unique(s, "src"), "src");
	assert_string_equal(names_set_unique(s, "src/a.c"), "src (2)/a.c");
	assert_string_equal(names_set_unique(s, "src/b.c"), "src (2)/b.c");
	assert_string_equal(names_set_unique(s, "lib/x.c"), "lib/x.c");
	assert_string_equal(names_set_unique(s, "lib/sub/y.c"), "lib/sub/y.c");
	assert_string_equal(names_set_unique(s, "lib"), "lib (2)");
	assert_string_equal(names_set_unique(s, "LIB/sub"), "LIB/sub (2)");
	names_set_free(s);
}

/* 30,000 duplicates: each probes from where the last one stopped, not from " (2)" (the
 * quadratic walk took 254 s); names deeper or longer than the limits are cut and hashed. */
static void
test_unique_duplicates_and_long_names(void **state)
{
	struct names_set *s = names_set_new();
	char want[64];
	int64_t t0 = clock_now_ms();

	assert_string_equal(names_set_unique(s, "dup.txt"), "dup.txt");
	for (int i = 2; i <= 30000; i++) {
		snprintf(want, sizeof(want), "dup (%d).txt", i);
		assert_string_equal(names_set_unique(s, "dup.txt"), want);
	}
	/* a name the input gave itself is still skipped over */
	assert_string_equal(names_set_unique(s, "x (2).txt"), "x (2).txt");
	assert_string_equal(names_set_unique(s, "x.txt"), "x.txt");
	assert_string_equal(names_set_unique(s, "x.txt"), "x (3).txt");
	assert_true(clock_now_ms() - t0 < 60000);	/* a bound against hangs, not a speed claim */

	size_t n = 200000;
	char *deep = xmalloc(n + 1);
	for (size_t i = 0; i < n; i += 2) {
		deep[i] = 'a';
		deep[i + 1] = '/';
	}
	deep[n] = '\0';
	char *c = names_sanitize(deep, n);
	assert_non_null(c);
	assert_true(strlen(c) <= NAMES_PATH_MAX);
	size_t depth = 1;
	for (const char *p = c; *p; p++)
		depth += *p == '/';
	assert_true(depth <= NAMES_DEPTH_MAX);
	assert_non_null(strstr(c, "_name-too-long-"));
	assert_string_equal(names_set_unique(s, c), c);
	deep[2] = 'b';	/* another long name gets another hash */
	char *c2 = names_sanitize(deep, n);
	assert_string_not_equal(c, c2);
	free(c);
	free(c2);
	free(deep);
	names_set_free(s);
	(void)state;
}

/* Names Windows cannot create get a safe variant; bidi overrides never reach an entry name. */
static void
test_windows_and_bidi(void **state)
{
	SAN("CON", "CON_");
	SAN("src/aux.txt", "src/aux_.txt");
	SAN("Nul.tar.gz", "Nul_.tar.gz");
	SAN("com1", "com1_");
	SAN("LPT9.log", "LPT9_.log");
	SAN("console.txt", "console.txt");	/* only the exact stems */
	SAN("COM10", "COM10");
	SAN("notes.", "notes_");
	SAN("dir /x", "dir_/x");
	SAN("a\xe2\x80\xaetxt.exe", "a_txt.exe");	/* U+202E RIGHT-TO-LEFT OVERRIDE */
	SAN("b\xe2\x81\xa6" "c", "b_c");	/* U+2066 LEFT-TO-RIGHT ISOLATE */
	(void)state;
}

static void
test_unique_many(void **state)
{
	struct names_set *s = names_set_new();
	const char *first = names_set_unique(s, "f.txt");
	char name[32];

	for (int i = 0; i < 3000; i++) {
		snprintf(name, sizeof(name), "dir%d/file%d.c", i % 17, i);
		assert_string_equal(names_set_unique(s, name), name);
	}
	for (int i = 2; i < 50; i++) {
		snprintf(name, sizeof(name), "f (%d).txt", i);
		assert_string_equal(names_set_unique(s, "f.txt"), name);
	}
	assert_string_equal(first, "f.txt");	/* earlier results stay valid across growth */
	names_set_free(s);
	names_set_free(NULL);
}

static void
test_reserved_metadata(void **state)
{
	struct names_set *s = names_set_new();

	assert_true(names_set_reserve(s, "conversation_metadata.json"));
	assert_false(names_set_reserve(s, "conversation_metadata.json"));
	assert_string_equal(names_set_unique(s, "conversation_metadata.json"), "conversation_metadata (2).json");
	assert_string_equal(names_set_unique(s, "Conversation_Metadata.JSON"), "Conversation_Metadata (3).JSON");
	assert_string_equal(names_set_unique(s, "sub/conversation_metadata.json"), "sub/conversation_metadata.json");
	names_set_free(s);
}

static void
check_base(const char *title, const char *id, const char *want)
{
	char *got = names_archive_base(title, id);

	assert_string_equal(got, want);
	assert_null(strchr(got, '/'));
	assert_true(got[0] != '.' && got[0] != '\0');
	free(got);
}

/* Every row of the seed downloader's verified table (seed-downloader.md 2.7). */
static void
test_archive_base_seed_table(void **state)
{
	const char *id = "0a1b2c3d4e5f";

	check_base("OpenHands API Utility for Conversation Management", id, "openhands-api-utility-for-conv");
	check_base("Fix Bug in Authentication System", id, "fix-bug-in-authentication-syst");
	check_base("Fix: Ünïcode & émoji 🚀 title!!", id, "fix-ünïcode-émoji-title");
	check_base("  leading and trailing  ", id, "-leading-and-trailing-");
	check_base("v1.2_release\tnotes", id, "v12releasenotes");
	check_base("日本語のタイトル", id, "日本語のタイトル");
	check_base(NULL, id, "untitled");	/* a missing title defaults to "untitled" */
}

/* Where the seed gives ".zip" (a hidden file) or a dash-only name, we use the id. */
static void
test_archive_base_fixes(void **state)
{
	check_base("!!!", "abc123", "abc123");
	check_base("", "abc123", "abc123");
	check_base("   ", "abc123", "abc123");
	check_base("- - -", "abc123", "abc123");
	check_base("🚀", ".hidden/../x", "hiddenx");
	check_base("!!!", NULL, "conversation");
	check_base("!!!", "../..", "conversation");
	check_base("!!!", "---", "conversation");
	check_base(".env file", "id", "env-file");
	check_base("a/b\\c", "id", "abc");
	check_base("bad \xff utf8", "id", "bad-utf8");
}

/* Cut to 30 code points, then strip trailing dashes, exactly as the seed does. */
static void
test_archive_base_cut(void **state)
{
	/* 29 letters, a space, more: the 30th code point is a dash, stripped after the cut. */
	check_base("aaaaaaaaaaaaaaaaaaaaaaaaaaaaa bcd", "id", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa");
	/* Exactly 30 code points: no cut. */
	check_base("aaaaaaaaaaaaaaaaaaaaaaaaaaaaa-", "id", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaa-");
	/* 30 code points of two-byte letters. */
	check_base("éééééééééééééééééééééééééééééééééééé", "id", "éééééééééééééééééééééééééééééé");
	/* Collapsing happens before the cut. */
	check_base("a  -  b", "id", "a-b");
	check_base("ÀÉÎ Straße ΣΑΣ", "id", "àéî-straße-σασ");
}

static void
touch(const char *dir, const char *name)
{
	char *p = xasprintf("%s/%s", dir, name);
	FILE *f = fopen(p, "w");

	assert_non_null(f);
	fclose(f);
	free(p);
}

static void
test_pick_archive_path(void **state)
{
	char tmpl[] = "/tmp/ohb-names-XXXXXX";
	char *dir = mkdtemp(tmpl), *p, *want;
	char err[256];

	assert_non_null(dir);
	p = names_pick_archive_path(dir, "conv", NULL, err, sizeof(err));
	want = xasprintf("%s/conv.zip", dir);
	assert_string_equal(p, want);
	free(p), free(want);

	touch(dir, "conv.zip");
	touch(dir, "conv-2.zip.part");	/* a download in progress counts as taken */
	p = names_pick_archive_path(dir, "conv", NULL, err, sizeof(err));
	want = xasprintf("%s/conv-3.zip", dir);
	assert_string_equal(p, want);
	free(p), free(want);

	p = names_pick_archive_path(dir, "conv", "-changes", err, sizeof(err));
	want = xasprintf("%s/conv-changes.zip", dir);
	assert_string_equal(p, want);
	free(p), free(want);
	touch(dir, "conv-changes.zip");
	p = names_pick_archive_path(dir, "conv", "-changes", err, sizeof(err));
	want = xasprintf("%s/conv-changes-2.zip", dir);
	assert_string_equal(p, want);
	free(p), free(want);

	p = names_pick_archive_path(NULL, "zz-ohb-no-such-name", "", err, sizeof(err));
	assert_string_equal(p, "zz-ohb-no-such-name.zip");
	free(p);

	/* A "directory" that is a file cannot be checked (ENOTDIR): an error, not a guess. */
	want = xasprintf("%s/conv.zip", dir);
	p = names_pick_archive_path(want, "conv", NULL, err, sizeof(err));
	assert_null(p);
	assert_non_null(strstr(err, "cannot check"));
	free(want);

	for (const char *n = "conv.zip\0conv-2.zip.part\0conv-changes.zip\0"; *n; n += strlen(n) + 1) {
		p = xasprintf("%s/%s", dir, n);
		unlink(p);
		free(p);
	}
	assert_int_equal(rmdir(dir), 0);
}

/* The agent-server's _is_sensitive_git_internal, case by case (openhands-api-2026.md 2.2). */
static void
test_git_credentials(void **state)
{
	static const char *const yes[] = {
		".git/config", ".git/config.worktree", ".git/credentials", ".git/.git-credentials",
		".git/FETCH_HEAD", ".git/logs/HEAD", ".git/logs/refs/heads/main", ".git/logs",
		"proj/.git/config", "proj/.git/modules/sub/config", "proj/.git/modules/sub/logs/HEAD",
		"a/b/c/.git/FETCH_HEAD", ".git-credentials", "home/.git-credentials",
		".git/refs/heads/config",	/* the server matches the last name anywhere inside */
	};
	static const char *const no[] = {
		".git", ".git/HEAD", ".git/index", ".git/objects/ab/cdef", ".git/refs/heads/main",
		".git/packed-refs", "config", "src/config", "logs/today.log", "proj/.git",
		".gitconfig", ".git-config", "sub/.gitmodules", "config/.git", "FETCH_HEAD",
		"x.git/config", ".github/config",
	};
	(void)state;
	for (size_t i = 0; i < sizeof(yes) / sizeof(*yes); i++) {
		if (!names_is_git_credential(yes[i], strlen(yes[i])))
			fail_msg("%s should be a git credential", yes[i]);
	}
	for (size_t i = 0; i < sizeof(no) / sizeof(*no); i++) {
		if (names_is_git_credential(no[i], strlen(no[i])))
			fail_msg("%s should not be a git credential", no[i]);
	}
	/* only len bytes count */
	assert_true(names_is_git_credential(".git/configX", 11));
	assert_false(names_is_git_credential(".git/config", 10));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sanitize_plain),
		cmocka_unit_test(test_sanitize_hostile),
		cmocka_unit_test(test_sanitize_invalid_utf8),
		cmocka_unit_test(test_sanitize_long_component),
		cmocka_unit_test(test_unique),
		cmocka_unit_test(test_unique_file_vs_directory),
		cmocka_unit_test(test_unique_many),
		cmocka_unit_test(test_windows_and_bidi),
		cmocka_unit_test(test_unique_duplicates_and_long_names),
		cmocka_unit_test(test_reserved_metadata),
		cmocka_unit_test(test_archive_base_seed_table),
		cmocka_unit_test(test_archive_base_fixes),
		cmocka_unit_test(test_archive_base_cut),
		cmocka_unit_test(test_pick_archive_path),
		cmocka_unit_test(test_git_credentials),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
