/*
 * tests/fuzz/fuzz_archive.c: libFuzzer target for the server-archive reader (archive/srcarc.c)
 * and the entry-name sanitiser and uniquifier (archive/names.c), the two places a hostile
 * archive reaches first.
 *
 * Beyond "no crash, no leak, no UB, no hang": every sanitised name is relative, has no "."
 * or ".." component, no backslash, no control character and no empty component; the set hands
 * out each name once (ignoring case); the local-span scan never reports a span shorter than a
 * header or past what it was told exists when it says "complete"; the central directory's
 * index never hands out a range outside the input.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <unistd.h>

#include "archive/names.h"
#include "archive/srcarc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(c)               \
	do {                     \
		if (!(c))        \
			abort(); \
	} while (0)

static void
check_name(const char *n)
{
	REQUIRE(n && *n);
	REQUIRE(n[0] != '/');
	REQUIRE(!strchr(n, '\\'));
	for (const unsigned char *p = (const unsigned char *)n; *p; p++)
		REQUIRE(*p >= 0x20 && *p != 0x7f);
	for (const char *c = n; *c;) {
		size_t len = strcspn(c, "/");
		REQUIRE(len > 0);
		REQUIRE(!(len == 1 && c[0] == '.'));
		REQUIRE(!(len == 2 && c[0] == '.' && c[1] == '.'));
		c += len;
		if (*c == '/')
			c++;
	}
}

static void
fuzz_names(const uint8_t *data, size_t size)
{
	struct names_set *set = names_set_new();
	const char *seen[64];
	size_t n_seen = 0;

	/* the input as a list of names, split at NUL or newline */
	for (size_t off = 0; off < size && n_seen < 64;) {
		size_t len = 0;
		while (off + len < size && data[off + len] != 0 && data[off + len] != '\n')
			len++;
		char *s = names_sanitize((const char *)data + off, len);
		if (s) {
			check_name(s);
			const char *u = names_set_unique(set, s);
			check_name(u);
			for (size_t k = 0; k < n_seen; k++)
				REQUIRE(strcasecmp(seen[k], u) != 0);
			seen[n_seen++] = u;
			free(s);
		}
		off += len + 1;
	}
	names_set_free(set);
}

static void
fuzz_reader(const uint8_t *data, size_t size)
{
	char err[512], buf[4096];
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return;
	}
	/* the central directory's index: every range it gives for a name the reader saw lies
	 * inside the input, and read, ends by itself */
	struct srcarc_zip_index *x = srcarc_zip_index_open(fd, (int64_t)size);
	REQUIRE(srcarc_zip_index_count(x) <= size / 46 + 1);
	struct srcarc *a = srcarc_open_fd(fd, err, sizeof(err));
	if (a) {
		struct srcarc_entry e;
		int entries = 0, rc;
		while (entries++ < 256 && (rc = srcarc_next(a, &e)) == 1) {
			int64_t off, len;
			char *raw = strndup(e.path, e.path_len);
			if (raw && srcarc_zip_index_find(x, raw, &off, &len) == 1) {
				REQUIRE(off >= 0 && len > 0 && off + len <= (int64_t)size);
				struct srcarc *r = srcarc_open_zip_range(fd, off, len, err, sizeof(err));
				struct srcarc_entry re;
				if (r && srcarc_next(r, &re) == 1)
					while (srcarc_read(r, buf, sizeof(buf)) > 0)
						;
				srcarc_close(r);
			}
			free(raw);
			char *s = names_sanitize(e.path, e.path_len);
			if (s) {
				check_name(s);
				free(s);
			}
			int64_t got = 0;
			ssize_t r;
			/* bounded: a bomb must end by its own limit, not by this loop's */
			while (e.is_file && got < (64 << 20) && (r = srcarc_read(a, buf, sizeof(buf))) > 0)
				got += r;
		}
		srcarc_close(a);
	}
	srcarc_zip_index_free(x);
	/* the streaming scan over every prefix of the input */
	for (size_t n = 0; n <= size && n < 512; n++) {
		int64_t total = -1;
		int rc = srcarc_zip_local_span(data, n, &total);
		REQUIRE(rc >= -1 && rc <= 2);
		if (rc == 1)
			REQUIRE(total >= 30);
	}
	close(fd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size == 0)
		return 0;
	/* the first byte picks the target, so one corpus feeds both */
	if (data[0] & 1)
		fuzz_names(data + 1, size - 1);
	else
		fuzz_reader(data + 1, size - 1);
	return 0;
}
