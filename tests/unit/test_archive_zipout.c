/* tests/unit/test_archive_zipout.c: the streaming ZIP writer, read back with libarchive and unzip. */
#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
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

#include "archive/zipout.h"
#include "src/base/sha256.h"
#include "src/base/util.h"

#define BIG_SIZE (20 * 1024 * 1024)
#define UTF8_NAME "conv/Δοκιμή ünïcode.txt"

struct expect {
	const char *name;
	int64_t size;
	char hex[65];
	int64_t mtime;
};

/* A per-test temporary directory (parallel-safe), removed with everything in it. */
static int
setup_dir(void **state)
{
	char *tmpl = xstrdup("/tmp/ohb-zipout-XXXXXX");

	if (mkdtemp(tmpl) == NULL)
		return -1;
	*state = tmpl;
	return 0;
}

static int
teardown_dir(void **state)
{
	char *cmd = xasprintf("rm -rf '%s'", (char *)*state);
	int r = system(cmd);

	free(cmd);
	free(*state);
	return r == 0 ? 0 : -1;
}

static bool
exists(const char *path)
{
	struct stat st;

	return lstat(path, &st) == 0;
}

/* Deterministic, poorly compressible bytes: deflate has real work, nothing is stored in the test. */
static void
fill_pattern(uint8_t *buf, size_t len, uint64_t *seed)
{
	for (size_t i = 0; i < len; i++) {
		*seed = *seed * 6364136223846793005ULL + 1442695040888963407ULL;
		buf[i] = (uint8_t)(*seed >> 56);
	}
}

static void
read_back(const char *path, const struct expect *want, size_t nwant)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	static uint8_t buf[65536];
	size_t i = 0;
	/* libarchive's reader loses UTF-8 names in the C locale (see archive/srcarc.c), so read
	 * back under C.UTF-8; only the writer is under test here. */
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	locale_t old;

	assert_true(utf8 != (locale_t)0);
	old = uselocale(utf8);

	archive_read_support_format_zip(a);
	assert_int_equal(archive_read_open_filename(a, path, 65536), ARCHIVE_OK);
	for (;;) {
		int r = archive_read_next_header(a, &e);

		if (r == ARCHIVE_EOF)
			break;
		if (r != ARCHIVE_OK)
			fail_msg("entry %zu: %d %s", i, r, archive_error_string(a));
		struct sha256 s;
		uint8_t d[32];
		char hex[65];
		int64_t total = 0;
		la_ssize_t n;

		assert_true(i < nwant);
		assert_string_equal(archive_entry_pathname_utf8(e), want[i].name);
		assert_int_equal(archive_entry_filetype(e), AE_IFREG);
		assert_int_equal(archive_entry_perm(e), 0644);
		if (want[i].mtime >= 0)
			assert_int_equal(archive_entry_mtime(e), want[i].mtime);
		sha256_init(&s);
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
			sha256_update(&s, buf, (size_t)n);
			total += n;
		}
		assert_int_equal(n, 0);
		sha256_final(&s, d);
		sha256_hex(d, hex);
		assert_int_equal(total, want[i].size);
		assert_string_equal(hex, want[i].hex);
		i++;
	}
	assert_int_equal(i, nwant);
	assert_int_equal(archive_read_free(a), ARCHIVE_OK);
	uselocale(old);
	freelocale(utf8);
}

static void
unzip_test(const char *path)
{
	char *cmd;

	if (access("/usr/bin/unzip", X_OK) != 0)
		return;
	cmd = xasprintf("/usr/bin/unzip -tqq '%s' >/dev/null 2>&1", path);
	assert_int_equal(system(cmd), 0);
	free(cmd);
}

/* The local header of the entry named name: flags and "version needed". */
static void
local_header(const char *path, const char *name, unsigned *flags, unsigned *version)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 1 << 16, len = 0, nlen = strlen(name);
	uint8_t *data = xmalloc(cap);
	size_t n;

	assert_non_null(f);
	while ((n = fread(data + len, 1, cap - len, f)) > 0) {
		len += n;
		if (len == cap)
			data = xrealloc(data, cap *= 2);
	}
	fclose(f);
	/* The first copy of the name is in the local header (the central directory comes last). */
	for (size_t i = 30; i + nlen <= len; i++) {
		if (memcmp(data + i, name, nlen) == 0) {
			const uint8_t *h = data + i - 30;

			assert_memory_equal(h, "PK\x03\x04", 4);
			*version = h[4] | h[5] << 8;
			*flags = h[6] | h[7] << 8;
			free(data);
			return;
		}
	}
	free(data);
	fail_msg("name %s not found in %s", name, path);
}

static void
add_entry(struct zipout *z, struct expect *x, const char *name, const void *data, size_t len, int64_t mtime)
{
	struct sha256 s;
	uint8_t d[32];
	char err[512];

	assert_int_equal(zipout_begin(z, name, mtime, err, sizeof(err)), 0);
	if (len > 0)
		assert_int_equal(zipout_write(z, data, len, err, sizeof(err)), 0);
	assert_int_equal(zipout_end(z, err, sizeof(err)), 0);
	sha256_init(&s);
	sha256_update(&s, data, len);
	sha256_final(&s, d);
	sha256_hex(d, x->hex);
	x->name = name;
	x->size = (int64_t)len;
	x->mtime = mtime;
}

static void
test_round_trip(void **state)
{
	const char *dir = *state;
	char *final = xasprintf("%s/out.zip", dir), *part = xasprintf("%s/out.zip.part", dir);
	struct zipout_opts opts = {.level = 1, .default_mtime = 1700000000};
	struct expect want[5];
	char err[512], used[4096];
	struct zipout *z;
	uint8_t *chunk = xmalloc(65536);
	uint64_t seed = 42;
	struct sha256 s;
	uint8_t d[32];
	unsigned flags, version;

	/* Tests never call setlocale(): this runs in the "C" locale, the UTF-8 trap's worst case. */
	assert_string_equal(setlocale(LC_ALL, NULL), "C");

	z = zipout_open(final, &opts, err, sizeof(err));
	assert_non_null(z);
	assert_string_equal(zipout_part_path(z), part);
	assert_true(exists(part));
	assert_false(exists(final));

	add_entry(z, &want[0], "hello.txt", "hello\n", 6, 1600000000);
	add_entry(z, &want[1], "empty.txt", "", 0, -1);
	want[1].mtime = 1700000000;	/* the default from opts */

	/* 20 MB streamed in 64 KiB pieces: generated as we go, never held in memory. */
	assert_int_equal(zipout_begin(z, "data/big.bin", 1650000000, err, sizeof(err)), 0);
	sha256_init(&s);
	for (size_t done = 0; done < BIG_SIZE; done += 65536) {
		fill_pattern(chunk, 65536, &seed);
		sha256_update(&s, chunk, 65536);
		assert_int_equal(zipout_write(z, chunk, 65536, err, sizeof(err)), 0);
	}
	assert_int_equal(zipout_end(z, err, sizeof(err)), 0);
	sha256_final(&s, d);
	sha256_hex(d, want[2].hex);
	want[2].name = "data/big.bin";
	want[2].size = BIG_SIZE;
	want[2].mtime = 1650000000;
	assert_true(zipout_bytes_out(z) > BIG_SIZE / 2);	/* it went to disk while we wrote */

	add_entry(z, &want[3], UTF8_NAME, "δεδομένα\n", strlen("δεδομένα\n"), 1600000000);
	/* An entry still open is finished by close. */
	assert_int_equal(zipout_begin(z, "last.txt", 1600000000, err, sizeof(err)), 0);
	assert_int_equal(zipout_write(z, "x", 1, err, sizeof(err)), 0);
	want[4].name = "last.txt";
	want[4].size = 1;
	want[4].mtime = 1600000000;
	strcpy(want[4].hex, "2d711642b726b04401627ca9fbac32f5c8530fb1903cc4db02258717921a4881");

	assert_int_equal(zipout_close(z, used, sizeof(used), err, sizeof(err)), 0);
	assert_string_equal(used, final);
	assert_false(exists(part));
	assert_true(exists(final));

	read_back(final, want, 5);
	unzip_test(final);
	local_header(final, UTF8_NAME, &flags, &version);
	assert_true(flags & 0x800);	/* the UTF-8 flag, even in the C locale */
	assert_true(flags & 0x8);	/* sizes in a data descriptor: we streamed */
	assert_int_equal(version, 45);	/* unknown size means Zip64 by default */
	local_header(final, "hello.txt", &flags, &version);
	assert_false(flags & 0x800);	/* plain ASCII needs no flag */

	free(chunk);
	free(final);
	free(part);
}

static void
test_abort_removes_part(void **state)
{
	const char *dir = *state;
	char *final = xasprintf("%s/gone.zip", dir), *part = xasprintf("%s.part", final);
	char err[512];
	struct zipout *z;

	/* Abort right after open. */
	z = zipout_open(final, NULL, err, sizeof(err));
	assert_non_null(z);
	assert_true(exists(part));
	zipout_abort(z);
	assert_false(exists(part));

	/* Abort with an entry open and data written. */
	z = zipout_open(final, NULL, err, sizeof(err));
	assert_non_null(z);
	assert_int_equal(zipout_begin(z, "a.txt", -1, err, sizeof(err)), 0);
	assert_int_equal(zipout_write(z, "abc", 3, err, sizeof(err)), 0);
	zipout_abort(z);
	assert_false(exists(part));
	assert_false(exists(final));
	zipout_abort(NULL);

	free(final);
	free(part);
}

static void
test_part_exists(void **state)
{
	const char *dir = *state;
	char *final = xasprintf("%s/busy.zip", dir), *part = xasprintf("%s.part", final);
	char err[512];
	struct zipout *z, *z2;

	z = zipout_open(final, NULL, err, sizeof(err));
	assert_non_null(z);
	z2 = zipout_open(final, NULL, err, sizeof(err));
	assert_null(z2);
	assert_non_null(strstr(err, "already exists"));
	assert_non_null(strstr(err, part));
	assert_true(exists(part));	/* the failed open left the other writer's file alone */
	zipout_abort(z);

	z = zipout_open("/nonexistent-ohb-dir/x.zip", NULL, err, sizeof(err));
	assert_null(z);
	assert_non_null(strstr(err, "cannot create /nonexistent-ohb-dir/x.zip.part"));
	free(final);
	free(part);
}

static char *
slurp(const char *path)
{
	FILE *f = fopen(path, "rb");
	char buf[256];
	size_t n;

	assert_non_null(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return xstrdup(buf);
}

static void
put(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void
test_close_never_overwrites(void **state)
{
	const char *dir = *state;
	char *final = xasprintf("%s/keep.zip", dir), *second = xasprintf("%s/keep-2.zip", dir);
	char *third = xasprintf("%s/keep-3.zip", dir), *got;
	char err[512], used[4096];
	struct zipout *z;

	z = zipout_open(final, NULL, err, sizeof(err));
	assert_non_null(z);
	assert_int_equal(zipout_begin(z, "a.txt", -1, err, sizeof(err)), 0);
	assert_int_equal(zipout_write(z, "new", 3, err, sizeof(err)), 0);
	/* Someone else's file appears under our name (and the next one) while we write. */
	put(final, "precious");
	put(second, "precious too");
	assert_int_equal(zipout_close(z, used, sizeof(used), err, sizeof(err)), 0);
	assert_string_equal(used, third);
	got = slurp(final);
	assert_string_equal(got, "precious");
	free(got);
	got = slurp(second);
	assert_string_equal(got, "precious too");
	free(got);
	unzip_test(third);
	got = xasprintf("%s.part", final);
	assert_false(exists(got));
	free(got);
	free(final);
	free(second);
	free(third);
}

static void
test_disk_full(void **state)
{
	const char *dir = *state;
	char *final = xasprintf("%s/full.zip", dir), *part = xasprintf("%s.part", final);
	struct zipout_test_hooks hooks = {.fail_after = 100000, .fail_errno = ENOSPC};
	struct zipout_opts opts = {.level = 0, .default_mtime = -1};
	uint8_t *chunk = xmalloc(65536);
	uint64_t seed = 7;
	char err[512], used[64], *want;
	struct zipout *z;
	int r = 0;

	z = zipout_open(final, &opts, err, sizeof(err));
	assert_non_null(z);
	zipout_set_test_hooks(z, &hooks);
	assert_int_equal(zipout_begin(z, "big.bin", -1, err, sizeof(err)), 0);
	for (int i = 0; i < 32 && r == 0; i++) {
		fill_pattern(chunk, 65536, &seed);
		r = zipout_write(z, chunk, 65536, err, sizeof(err));
	}
	assert_int_equal(r, -1);
	want = xasprintf("disk full while writing %s: free some space and retry", part);
	assert_string_equal(err, want);
	free(want);
	assert_true(zipout_bytes_out(z) <= 100000);
	/* Everything after the failure fails cleanly, and close cleans up. */
	assert_int_equal(zipout_end(z, err, sizeof(err)), -1);
	assert_int_equal(zipout_close(z, used, sizeof(used), err, sizeof(err)), -1);
	assert_false(exists(part));
	assert_false(exists(final));

	/* The same at close time (the central directory does not fit), then abort. */
	z = zipout_open(final, &opts, err, sizeof(err));
	assert_non_null(z);
	hooks.fail_after = 0;
	zipout_set_test_hooks(z, &hooks);
	assert_int_equal(zipout_begin(z, "small.txt", -1, err, sizeof(err)), 0);
	assert_int_equal(zipout_write(z, "tiny", 4, err, sizeof(err)), 0);
	assert_int_equal(zipout_close(z, used, sizeof(used), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "disk full while writing"));
	assert_false(exists(part));
	assert_false(exists(final));

	/* Another I/O error is reported as itself, and abort cleans up. */
	z = zipout_open(final, &opts, err, sizeof(err));
	assert_non_null(z);
	hooks.fail_errno = EIO;
	zipout_set_test_hooks(z, &hooks);
	assert_int_equal(zipout_begin(z, "a.bin", -1, err, sizeof(err)), 0);
	for (int i = 0; i < 4 && r == 0; i++)
		r = zipout_write(z, chunk, 65536, err, sizeof(err));
	r = zipout_write(z, chunk, 65536, err, sizeof(err));
	assert_int_equal(r, -1);
	assert_non_null(strstr(err, strerror(EIO)));
	zipout_abort(z);
	assert_false(exists(part));

	free(chunk);
	free(final);
	free(part);
}

static void
test_zip64_compat(void **state)
{
	const char *dir = *state;
	char *final = xasprintf("%s/compat.zip", dir), *part = xasprintf("%s.part", final);
	struct zipout_opts opts = {.level = 6, .zip64_compat = true, .default_mtime = 1700000000};
	struct zipout_test_hooks hooks = {.fail_after = -1, .zip32_limit = 5000};
	struct expect want[1];
	char err[512], used[4096], buf[3000];
	unsigned flags, version;
	struct zipout *z;

	/* A normal compat archive: version 2.0 (no Zip64), still valid. */
	z = zipout_open(final, &opts, err, sizeof(err));
	assert_non_null(z);
	add_entry(z, &want[0], "ünï.txt", "compat\n", 7, 1600000000);
	assert_int_equal(zipout_close(z, used, sizeof(used), err, sizeof(err)), 0);
	read_back(final, want, 1);
	unzip_test(final);
	local_header(final, "ünï.txt", &flags, &version);
	assert_int_equal(version, 20);
	assert_true(flags & 0x800);
	assert_int_equal(unlink(final), 0);

	/* Past the (lowered) limit: a clear message naming the entry and the way out. */
	memset(buf, 'z', sizeof(buf));
	z = zipout_open(final, &opts, err, sizeof(err));
	assert_non_null(z);
	zipout_set_test_hooks(z, &hooks);
	assert_int_equal(zipout_begin(z, "huge.txt", -1, err, sizeof(err)), 0);
	assert_int_equal(zipout_write(z, buf, sizeof(buf), err, sizeof(err)), 0);
	assert_int_equal(zipout_write(z, buf, sizeof(buf), err, sizeof(err)), -1);
	assert_non_null(strstr(err, "huge.txt is larger than 4 GiB"));
	assert_non_null(strstr(err, "--zip-compat"));
	zipout_abort(z);
	assert_false(exists(part));

	/* The archive as a whole past the limit (many small, incompressible entries). */
	opts.level = 0;
	z = zipout_open(final, &opts, err, sizeof(err));
	assert_non_null(z);
	hooks.zip32_limit = 200000;
	zipout_set_test_hooks(z, &hooks);
	{
		uint64_t seed = 3;
		int r = 0;

		for (int i = 0; i < 100 && r == 0; i++) {
			char name[32];

			snprintf(name, sizeof(name), "f%d", i);
			fill_pattern((uint8_t *)buf, sizeof(buf), &seed);
			r = zipout_begin(z, name, -1, err, sizeof(err));
			if (r == 0)
				r = zipout_write(z, buf, sizeof(buf), err, sizeof(err));
			if (r == 0)
				r = zipout_end(z, err, sizeof(err));
		}
		if (r == 0)
			r = zipout_close(z, used, sizeof(used), err, sizeof(err));
		else
			zipout_abort(z);
		assert_int_equal(r, -1);
	}
	assert_non_null(strstr(err, "passed 4 GiB"));
	assert_false(exists(part));
	assert_false(exists(final));
	free(final);
	free(part);
}

static void
test_bad_calls(void **state)
{
	const char *dir = *state;
	char *final = xasprintf("%s/bad.zip", dir);
	struct expect want[1];
	char err[512], used[4096];
	struct zipout *z;

	z = zipout_open(final, NULL, err, sizeof(err));
	assert_non_null(z);
	assert_int_equal(zipout_write(z, "x", 1, err, sizeof(err)), -1);	/* no entry open */
	assert_int_equal(zipout_end(z, err, sizeof(err)), -1);
	assert_int_equal(zipout_begin(z, "bad\xff.txt", -1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "non-UTF-8"));
	assert_int_equal(zipout_begin(z, "", -1, err, sizeof(err)), -1);
	assert_int_equal(zipout_begin(z, "ok.txt", 1600000000, err, sizeof(err)), 0);
	assert_int_equal(zipout_begin(z, "other.txt", -1, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "still open"));
	assert_int_equal(zipout_end(z, err, sizeof(err)), 0);
	/* Rejected calls did not damage the archive. */
	assert_int_equal(zipout_close(z, used, sizeof(used), err, sizeof(err)), 0);
	want[0].name = "ok.txt";
	want[0].size = 0;
	want[0].mtime = 1600000000;
	strcpy(want[0].hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	read_back(final, want, 1);
	unzip_test(final);
	free(final);
}

/* An archive with no entries is still a valid (empty) ZIP. */
static void
test_empty_archive(void **state)
{
	const char *dir = *state;
	char *final = xasprintf("%s/none.zip", dir);
	char err[512], used[4096];
	struct zipout *z;
	struct stat st;

	z = zipout_open(final, NULL, err, sizeof(err));
	assert_non_null(z);
	assert_int_equal(zipout_close(z, used, sizeof(used), err, sizeof(err)), 0);
	assert_int_equal(stat(final, &st), 0);
	assert_int_equal(st.st_size, 22);	/* just the end-of-central-directory record */
	read_back(final, NULL, 0);
	free(final);
}

/* zipout_hint: random bytes are stored (method 0), text is deflated (method 8), and the
 * choice holds for one entry only. Both read back intact. */
static void
test_hint_store_or_deflate(void **state)
{
	const char *dir = *state;
	char *final = xasprintf("%s/hint.zip", dir);
	struct zipout_opts opts = {.level = -1, .default_mtime = 1700000000};
	char err[512], used[4096];
	uint8_t *rnd = xmalloc(65536), *txt = xmalloc(65536);
	uint64_t seed = 7;
	struct zipout *z;

	fill_pattern(rnd, 65536, &seed);
	for (size_t i = 0; i < 65536; i++)
		txt[i] = (uint8_t)"the quick brown fox jumps over the lazy dog\n"[i % 44];
	z = zipout_open(final, &opts, err, sizeof(err));
	assert_non_null(z);
	const uint8_t *data[3] = {rnd, txt, rnd};
	const char *names[3] = {"random.bin", "text.txt", "random-unhinted.bin"};
	for (int k = 0; k < 3; k++) {
		if (k < 2)
			zipout_hint(z, data[k], 65536);
		assert_int_equal(zipout_begin(z, names[k], -1, err, sizeof(err)), 0);
		assert_int_equal(zipout_write(z, data[k], 65536, err, sizeof(err)), 0);
		assert_int_equal(zipout_end(z, err, sizeof(err)), 0);
	}
	assert_int_equal(zipout_close(z, used, sizeof(used), err, sizeof(err)), 0);

	/* the compression method of each local header, found by walking the file */
	FILE *f = fopen(final, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long len = ftell(f);
	uint8_t *all = xmalloc((size_t)len);
	fseek(f, 0, SEEK_SET);
	assert_int_equal(fread(all, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	int methods[3] = {-1, -1, -1}, found = 0;
	for (long i = 0; i + 30 < len && found < 3; i++) {
		if (all[i] == 'P' && all[i + 1] == 'K' && all[i + 2] == 3 && all[i + 3] == 4) {
			methods[found++] = all[i + 8] | all[i + 9] << 8;
			i += 29;
		}
	}
	assert_int_equal(found, 3);
	assert_int_equal(methods[0], 0);	/* stored */
	assert_int_equal(methods[1], 8);	/* deflated */
	assert_int_equal(methods[2], 8);	/* no hint: the default again */
	struct expect want[3];
	for (int k = 0; k < 3; k++) {
		struct sha256 sh;
		uint8_t d[32];

		want[k].name = names[k];
		want[k].size = 65536;
		want[k].mtime = 1700000000;
		sha256_init(&sh);
		sha256_update(&sh, data[k], 65536);
		sha256_final(&sh, d);
		sha256_hex(d, want[k].hex);
	}
	read_back(final, want, 3);
	free(all);
	free(rnd);
	free(txt);
	free(final);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_abort_removes_part, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_part_exists, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_close_never_overwrites, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_disk_full, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_zip64_compat, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_bad_calls, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_empty_archive, setup_dir, teardown_dir),
		cmocka_unit_test_setup_teardown(test_hint_store_or_deflate, setup_dir, teardown_dir),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
