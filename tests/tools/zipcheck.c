/*
 * tests/tools/zipcheck.c: list a ZIP's entries with their SHA-256, for tests that compare an
 * exported archive with the fake workspace.
 *
 *   zipcheck FILE.zip
 *
 * prints one line per entry, in archive order: "<sha256> <size> <name>" (name in UTF-8,
 * directories end in '/'). Any read problem (not a ZIP, truncated, a CRC mismatch, a name
 * libarchive cannot read) prints "zipcheck: FILE: reason" on stderr and exits 1, so a
 * damaged archive can never pass as a short one. Uses the seekable reader: the central
 * directory is what unzip trusts too.
 */
#include <archive.h>
#include <archive_entry.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>

#include "src/base/sha256.h"

static int
zipcheck_fail(const char *path, struct archive *a, const char *what)
{
	const char *why = a ? archive_error_string(a) : NULL;

	fprintf(stderr, "zipcheck: %s: %s%s%s\n", path, what, why ? ": " : "", why ? why : "");
	if (a != NULL)
		archive_read_free(a);
	return 1;
}

int
main(int argc, char **argv)
{
	static unsigned char buf[65536];
	struct archive *a;
	struct archive_entry *e;
	const char *path;
	int r;

	if (argc != 2) {
		fprintf(stderr, "usage: zipcheck FILE.zip\n");
		return 2;
	}
	path = argv[1];
	/* libarchive 3.6.2 drops UTF-8 names when the locale cannot represent them. */
	if (setlocale(LC_CTYPE, "C.UTF-8") == NULL)
		setlocale(LC_CTYPE, "C.utf8");
	a = archive_read_new();
	if (a == NULL)
		return zipcheck_fail(path, NULL, "out of memory");
	archive_read_support_format_zip_seekable(a);
	if (archive_read_open_filename(a, path, sizeof(buf)) != ARCHIVE_OK)
		return zipcheck_fail(path, a, "cannot open");
	while ((r = archive_read_next_header(a, &e)) != ARCHIVE_EOF) {
		struct sha256 s;
		uint8_t d[SHA256_DIGEST_LEN];
		char hex[SHA256_HEX_LEN + 1];
		long long size = 0;
		const char *name;
		la_ssize_t n;

		/* Even a warning counts: the tests want archives that read back perfectly. */
		if (r != ARCHIVE_OK)
			return zipcheck_fail(path, a, "bad entry header");
		name = archive_entry_pathname_utf8(e);
		if (name == NULL)
			return zipcheck_fail(path, a, "entry name is not readable as UTF-8");
		sha256_init(&s);
		while ((n = archive_read_data(a, buf, sizeof(buf))) > 0) {
			sha256_update(&s, buf, (size_t)n);
			size += n;
		}
		if (n < 0)
			return zipcheck_fail(path, a, name);
		sha256_final(&s, d);
		sha256_hex(d, hex);
		printf("%s %lld %s\n", hex, size, name);
	}
	if (archive_read_free(a) != ARCHIVE_OK) {
		fprintf(stderr, "zipcheck: %s: error while closing\n", path);
		return 1;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror("zipcheck: stdout");
		return 1;
	}
	return 0;
}
