/* tests/unit/test_archive_srcarc.c: reading server archives (ZIP, tar.gz) entry by entry. */
#include <archive.h>
#include <archive_entry.h>
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

#include "archive/names.h"
#include "archive/spool.h"
#include "archive/srcarc.h"
#include "src/base/util.h"

#define BIG_LEN 300000

struct item {
	const char *name;
	int type;	/* AE_IFREG, AE_IFDIR, AE_IFLNK */
	size_t len;	/* data length for files; the content is a pattern of the index */
};

static const struct item items[] = {
	{"a.txt", AE_IFREG, 6},
	{"dir/", AE_IFDIR, 0},
	{"dir/big.bin", AE_IFREG, BIG_LEN},
	{"dir/empty", AE_IFREG, 0},
	{"ünï/Δοκιμή.txt", AE_IFREG, 10},
	{"link", AE_IFLNK, 0},
	{"../evil.txt", AE_IFREG, 3},
};

static uint8_t
pattern(size_t item, size_t i)
{
	return (uint8_t)((i * 31 + item * 7) ^ (i >> 9));
}

/* Write items into a spool file with libarchive; format "zip" or "tgz". Returns the fd. */
static int
make_archive(const char *format)
{
	char err[256];
	int fd = spool_open(err, sizeof(err));
	struct archive *a = archive_write_new();
	uint8_t *buf = xmalloc(BIG_LEN);
	/* libarchive 3.6.2's pax writer crashes (strlen(NULL)) on a UTF-8 name set with
	 * set_pathname_utf8() in the C locale, so the fixtures are written under C.UTF-8. */
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0), old;

	assert_true(utf8 != (locale_t)0);
	old = uselocale(utf8);
	assert_true(fd >= 0);
	if (strcmp(format, "zip") == 0) {
		archive_write_set_format_zip(a);
		archive_write_set_options(a, "zip:hdrcharset=UTF-8");
	} else {
		archive_write_set_format_pax_restricted(a);
		archive_write_add_filter_gzip(a);
	}
	archive_write_set_bytes_in_last_block(a, 1);
	assert_int_equal(archive_write_open_fd(a, fd), ARCHIVE_OK);
	for (size_t k = 0; k < ARRAY_SIZE(items); k++) {
		struct archive_entry *e = archive_entry_new();

		archive_entry_set_pathname_utf8(e, items[k].name);
		archive_entry_set_filetype(e, (unsigned)items[k].type);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, 1600000000 + (time_t)k, 0);
		if (items[k].type == AE_IFLNK)
			archive_entry_set_symlink(e, "a.txt");
		archive_entry_set_size(e, (la_int64_t)items[k].len);
		assert_int_equal(archive_write_header(a, e), ARCHIVE_OK);
		for (size_t i = 0; i < items[k].len; i++)
			buf[i] = pattern(k, i);
		if (items[k].len > 0)
			assert_int_equal(archive_write_data(a, buf, items[k].len), (la_ssize_t)items[k].len);
		archive_entry_free(e);
	}
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	free(buf);
	uselocale(old);
	freelocale(utf8);
	return fd;
}

static void
read_all(int fd, enum srcarc_format want_format)
{
	char err[512];
	struct srcarc *a;
	struct srcarc_entry e;
	uint8_t *buf = xmalloc(BIG_LEN + 1), small[1000];
	size_t k = 0;
	int r;

	/* The fd's own position does not matter (we pread). */
	lseek(fd, 5, SEEK_SET);
	a = srcarc_open_fd(fd, err, sizeof(err));
	if (a == NULL)
		fail_msg("%s", err);
	assert_int_equal(srcarc_format(a), want_format);
	while ((r = srcarc_next(a, &e)) == 1) {
		size_t got = 0;
		ssize_t n;

		assert_true(k < ARRAY_SIZE(items));
		/* tar keeps "../", and "dir/" loses its slash in tar: compare sanitized names. */
		{
			char *x = names_sanitize(e.path, e.path_len), *y = names_sanitize(items[k].name, strlen(items[k].name));

			assert_string_equal(x, y);
			free(x), free(y);
		}
		assert_int_equal(e.is_file, items[k].type == AE_IFREG);
		assert_string_equal(e.kind, items[k].type == AE_IFREG ? "file" : items[k].type == AE_IFDIR ? "directory" : "symlink");
		assert_int_equal(e.mtime, 1600000000 + (int64_t)k);
		if (e.is_file) {
			assert_true(e.size == -1 || e.size == (int64_t)items[k].len);
			/* Read in small pieces for the big file, to cross block boundaries. */
			while ((n = srcarc_read(a, got < 1000 ? small : buf + got, got < 1000 ? sizeof(small) : BIG_LEN + 1 - got)) > 0) {
				if (got < 1000)
					memcpy(buf + got, small, (size_t)n);
				got += (size_t)n;
			}
			assert_int_equal(n, 0);
			assert_int_equal(got, items[k].len);
			for (size_t i = 0; i < got; i++)
				if (buf[i] != pattern(k, i))
					fail_msg("%s: byte %zu differs", items[k].name, i);
		}
		k++;
	}
	if (r != 0)
		fail_msg("entry %zu: %s", k, srcarc_error(a));
	assert_int_equal(lseek(fd, 0, SEEK_CUR), 5);	/* the caller's position is untouched */
	assert_int_equal(k, ARRAY_SIZE(items));
	assert_int_equal(srcarc_next(a, &e), 0);
	srcarc_close(a);
	free(buf);
}

static void
test_zip(void **state)
{
	int fd = make_archive("zip");

	read_all(fd, SRCARC_ZIP);
	close(fd);
}

static void
test_tar_gz(void **state)
{
	int fd = make_archive("tgz");

	read_all(fd, SRCARC_TAR_GZ);
	close(fd);
}

static int
spool_with(const void *data, size_t len)
{
	char err[256];
	int fd = spool_open(err, sizeof(err));

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	return fd;
}

static void
test_html_refused(void **state)
{
	const char *html = "<!DOCTYPE html>\n<html><head><title>502 Bad Gateway</title></head>"
			   "<body>nginx</body></html>\n";
	int fd = spool_with(html, strlen(html));
	char err[512];

	assert_null(srcarc_open_fd(fd, err, sizeof(err)));
	assert_non_null(strstr(err, "not a ZIP"));
	assert_non_null(strstr(err, "(it starts with \"<!DOCTYPE html>\\n<html><head><title>502 Bad Gateway</title><\"...)"));
	close(fd);

	fd = spool_with("{\"detail\":\"Not \x01 found\"}", 24);
	assert_null(srcarc_open_fd(fd, err, sizeof(err)));
	assert_non_null(strstr(err, "\"{\\\"detail\\\":\\\"Not \\x01 found\\\"}\")"));
	close(fd);

	fd = spool_with("", 0);
	assert_null(srcarc_open_fd(fd, err, sizeof(err)));
	assert_non_null(strstr(err, "empty"));
	close(fd);
}

static void
test_empty_zip(void **state)
{
	static const uint8_t eocd[22] = {'P', 'K', 5, 6};
	int fd = spool_with(eocd, sizeof(eocd));
	struct srcarc_entry e;
	char err[512];
	struct srcarc *a = srcarc_open_fd(fd, err, sizeof(err));

	if (a == NULL)
		fail_msg("%s", err);
	assert_int_equal(srcarc_next(a, &e), 0);
	srcarc_close(a);
	srcarc_close(NULL);
	close(fd);
}

/* Copy the first len bytes of src into a new spool file. */
static int
truncated_copy(int src, off_t len)
{
	uint8_t *buf = xmalloc((size_t)len);
	int fd;

	assert_int_equal(pread(src, buf, (size_t)len, 0), len);
	fd = spool_with(buf, (size_t)len);
	free(buf);
	return fd;
}

/* Everything readable up to the failure, then -1 with a message; never a silent short file. */
static void
expect_damage(int fd)
{
	char err[512], buf[4096];
	struct srcarc *a = srcarc_open_fd(fd, err, sizeof(err));
	struct srcarc_entry e;
	int r;
	ssize_t n = 0;

	if (a == NULL) {
		assert_non_null(strstr(err, "damaged"));
		return;
	}
	while ((r = srcarc_next(a, &e)) == 1) {
		while ((n = srcarc_read(a, buf, sizeof(buf))) > 0)
			;
		if (n < 0)
			break;
	}
	assert_true(r == -1 || n == -1);
	assert_non_null(strstr(srcarc_error(a), "damaged"));
	srcarc_close(a);
}

static void
test_truncated(void **state)
{
	int zip = make_archive("zip"), tgz = make_archive("tgz"), fd;
	struct stat st;

	assert_int_equal(fstat(zip, &st), 0);
	fd = truncated_copy(zip, st.st_size / 2);	/* central directory gone */
	expect_damage(fd);
	close(fd);
	fd = truncated_copy(zip, st.st_size - 10);	/* end record cut */
	expect_damage(fd);
	close(fd);

	assert_int_equal(fstat(tgz, &st), 0);
	fd = truncated_copy(tgz, st.st_size / 2);
	expect_damage(fd);
	close(fd);
	close(zip);
	close(tgz);
}

/* A flipped byte inside stored data must fail the CRC check, not pass silently. */
static void
test_bad_crc(void **state)
{
	char err[256];
	int fd = spool_open(err, sizeof(err));
	struct archive *a = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	uint8_t data[1000], b;

	memset(data, 'q', sizeof(data));
	archive_write_set_format_zip(a);
	archive_write_set_options(a, "zip:compression=store");
	archive_write_open_fd(a, fd);
	archive_entry_set_pathname(e, "q.txt");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_write_header(a, e);
	archive_write_data(a, data, sizeof(data));
	archive_entry_free(e);
	assert_int_equal(archive_write_close(a), ARCHIVE_OK);
	archive_write_free(a);
	/* The data starts after the 30-byte local header, the name and the extra field. */
	assert_int_equal(pread(fd, &b, 1, 500), 1);
	assert_int_equal(b, 'q');
	b = 'r';
	assert_int_equal(pwrite(fd, &b, 1, 500), 1);
	expect_damage(fd);
	close(fd);
}

/* ---- re-packing a ZIP while it downloads: local spans and range readers ---- */

static uint32_t
test_crc32(const uint8_t *p, size_t n)
{
	uint32_t c = 0xffffffffu;

	for (size_t i = 0; i < n; i++) {
		c ^= p[i];
		for (int k = 0; k < 8; k++)
			c = c & 1 ? (c >> 1) ^ 0xedb88320u : c >> 1;
	}
	return ~c;
}

static void
put16(struct strbuf *sb, uint32_t v)
{
	unsigned char b[2] = {(unsigned char)v, (unsigned char)(v >> 8)};
	strbuf_append(sb, b, 2);
}

static void
put32(struct strbuf *sb, uint32_t v)
{
	put16(sb, v & 0xffff);
	put16(sb, v >> 16);
}

/* One stored local entry the way Python's zipfile writes it to a file: sizes and CRC in the
 * header, no data descriptor. crc_delta corrupts the recorded CRC. */
static void
py_entry(struct strbuf *sb, const char *name, const uint8_t *data, size_t n, uint32_t crc_delta)
{
	put32(sb, 0x04034b50);
	put16(sb, 20);
	put16(sb, 0x800);
	put16(sb, 0);
	put16(sb, 0);
	put16(sb, 0x21);
	put32(sb, test_crc32(data, n) ^ crc_delta);
	put32(sb, (uint32_t)n);
	put32(sb, (uint32_t)n);
	put16(sb, (uint32_t)strlen(name));
	put16(sb, 0);
	strbuf_puts(sb, name);
	strbuf_append(sb, data, n);
}

static void
test_zip_local_spans(void **state)
{
	struct strbuf sb = {0};
	uint8_t big[5000];
	char err[256], out[6000];
	int64_t total;

	for (size_t i = 0; i < sizeof(big); i++)
		big[i] = (uint8_t)(i * 7);
	py_entry(&sb, "a.txt", (const uint8_t *)"hello\n", 6, 0);
	size_t second = sb.len;
	py_entry(&sb, "dir/big.bin", big, sizeof(big), 0);
	size_t central = sb.len;
	put32(&sb, 0x02014b50);	/* where the central directory would start */

	/* a header still arriving, then the whole span */
	assert_int_equal(srcarc_zip_local_span((const unsigned char *)sb.buf, 20, &total), 0);
	assert_int_equal(srcarc_zip_local_span((const unsigned char *)sb.buf, 34, &total), 0);
	assert_int_equal(srcarc_zip_local_span((const unsigned char *)sb.buf, 35, &total), 1);
	assert_int_equal(total, (int64_t)second);
	assert_int_equal(srcarc_zip_local_span((const unsigned char *)sb.buf + second, 60, &total), 1);
	assert_int_equal(total, (int64_t)(central - second));
	assert_int_equal(srcarc_zip_local_span((const unsigned char *)sb.buf + central, 4, &total), 2);
	assert_int_equal(srcarc_zip_local_span((const unsigned char *)"<!DOCTYPE html>", 15, &total), -1);

	/* each range reads back one entry, CRC-checked */
	int fd = spool_with(sb.buf, sb.len);
	struct srcarc *a = srcarc_open_zip_range(fd, (int64_t)second, (int64_t)(central - second), err, sizeof(err));
	assert_non_null(a);
	struct srcarc_entry e;
	assert_int_equal(srcarc_next(a, &e), 1);
	assert_int_equal(e.path_len, strlen("dir/big.bin"));
	assert_memory_equal(e.path, "dir/big.bin", e.path_len);
	size_t got = 0;
	ssize_t r;
	while ((r = srcarc_read(a, out + got, sizeof(out) - got)) > 0)
		got += (size_t)r;
	assert_int_equal(r, 0);
	assert_int_equal(got, sizeof(big));
	assert_memory_equal(out, big, sizeof(big));
	assert_int_equal(srcarc_next(a, &e), 0);
	srcarc_close(a);
	close(fd);
	strbuf_free(&sb);

	/* a recorded CRC that does not match is damage, not data */
	py_entry(&sb, "bad.bin", big, sizeof(big), 1);
	fd = spool_with(sb.buf, sb.len);
	a = srcarc_open_zip_range(fd, 0, (int64_t)sb.len, err, sizeof(err));
	if (a) {
		assert_int_equal(srcarc_next(a, &e), 1);
		while ((r = srcarc_read(a, out, sizeof(out))) > 0)
			;
		assert_int_equal(r, -1);
		assert_non_null(strstr(srcarc_error(a), "damaged"));
		srcarc_close(a);
	}
	close(fd);
	strbuf_free(&sb);
}

/* libarchive's own ZIPs put the sizes after the data: the scan must say so, not guess. */
static void
test_zip_local_span_descriptor(void **state)
{
	char path[] = "/tmp/ohb-srcarc-dd-XXXXXX";
	int fd = mkstemp(path);
	struct archive *w = archive_write_new();
	struct archive_entry *e = archive_entry_new();
	unsigned char head[64];
	int64_t total;

	assert_true(fd >= 0);
	archive_write_set_format_zip(w);
	assert_int_equal(archive_write_open_fd(w, fd), ARCHIVE_OK);
	archive_entry_set_pathname(e, "x.txt");
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_write_header(w, e);
	archive_write_data(w, "data", 4);
	archive_write_close(w);
	archive_write_free(w);
	archive_entry_free(e);
	assert_int_equal(pread(fd, head, sizeof(head), 0), (ssize_t)sizeof(head));
	assert_int_equal(srcarc_zip_local_span(head, sizeof(head), &total), -1);
	close(fd);
	unlink(path);
}

/* The central directory's index: every file found by name and read back from its own byte
 * range (libarchive's ZIPs carry data descriptors, so a range must reach the next header);
 * a cut or bogus directory gives no index, never a wrong range. */
static void
test_zip_index(void **state)
{
	char err[256];
	int fd = make_archive("zip");
	struct stat st;
	uint8_t *out = xmalloc(BIG_LEN + 16);

	assert_int_equal(fstat(fd, &st), 0);
	struct srcarc_zip_index *x = srcarc_zip_index_open(fd, (int64_t)st.st_size);
	assert_non_null(x);
	assert_int_equal(srcarc_zip_index_count(x), ARRAY_SIZE(items));
	/* backwards, so a scan from the first entry would restart each time */
	for (size_t k = ARRAY_SIZE(items); k-- > 0;) {
		int64_t off, len;
		if (items[k].type != AE_IFREG)
			continue;
		assert_int_equal(srcarc_zip_index_find(x, items[k].name, &off, &len), 1);
		struct srcarc *a = srcarc_open_zip_range(fd, off, len, err, sizeof(err));
		assert_non_null(a);
		struct srcarc_entry e;
		assert_int_equal(srcarc_next(a, &e), 1);
		assert_int_equal(e.path_len, strlen(items[k].name));
		assert_memory_equal(e.path, items[k].name, e.path_len);
		size_t got = 0;
		ssize_t r;
		while ((r = srcarc_read(a, out + got, BIG_LEN + 16 - got)) > 0)
			got += (size_t)r;
		if (r != 0) print_message("item %zu: %s\n", k, srcarc_error(a));
		assert_int_equal(r, 0);
		assert_int_equal(got, items[k].len);
		for (size_t i = 0; i < got; i++)
			assert_int_equal(out[i], pattern(k, i));
		srcarc_close(a);
	}
	int64_t off, len;
	assert_int_equal(srcarc_zip_index_find(x, "./a.txt", &off, &len), 1);
	assert_int_equal(srcarc_zip_index_find(x, "missing.txt", &off, &len), 0);
	srcarc_zip_index_free(x);

	/* the end cut off: no end record, no index */
	assert_null(srcarc_zip_index_open(fd, (int64_t)st.st_size - 30));
	/* an end record that points past the file */
	unsigned char eocd[22];
	assert_int_equal(pread(fd, eocd, sizeof(eocd), st.st_size - 22), 22);
	assert_int_equal(eocd[0], 0x50);
	eocd[16] = eocd[17] = eocd[18] = 0xfe;
	assert_int_equal(pwrite(fd, eocd, sizeof(eocd), st.st_size - 22), 22);
	assert_null(srcarc_zip_index_open(fd, (int64_t)st.st_size));
	/* not a ZIP at all, and an empty file */
	int html = spool_with("<!DOCTYPE html><html></html>", 28);
	assert_null(srcarc_zip_index_open(html, 28));
	assert_null(srcarc_zip_index_open(html, 0));
	assert_int_equal(srcarc_zip_index_find(NULL, "a.txt", &off, &len), 0);
	close(html);
	close(fd);
	free(out);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_zip),
		cmocka_unit_test(test_tar_gz),
		cmocka_unit_test(test_html_refused),
		cmocka_unit_test(test_empty_zip),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_bad_crc),
		cmocka_unit_test(test_zip_local_spans),
		cmocka_unit_test(test_zip_local_span_descriptor),
		cmocka_unit_test(test_zip_index),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
