/*
 * archive/zipindex.c: an index of a complete ZIP's central directory (see srcarc.h).
 *
 * Owns: reading the end-of-central-directory record (and its Zip64 form), every central
 * header's name and local-header offset, and each entry's byte range, sorted by name for a
 * binary search. Why: a V0 runtime refuses binary files through select-file (415), so they
 * come out of one zip-directory download; finding each by a scan from the first entry made
 * B binaries cost B x E entry headers. With the index, each costs one lookup and one range.
 * Plain libc and pread(); the bytes are hostile, so every field is bounds-checked and a
 * directory that does not add up is refused (the caller then scans, as before).
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/srcarc.h"
#include "src/base/util.h"

#define ZI_EOCD_MIN 22
#define ZI_EOCD_SCAN (ZI_EOCD_MIN + 65535)	/* the record plus the longest comment */
#define ZI_CDH_MIN 46
#define ZI_MAX_ENTRIES (1u << 22)		/* 4 M entries: far past any workspace's walk limit */
#define ZI_MAX_CD (256ll << 20)		/* a central directory larger than this is refused */
#define ZI_LOOKAHEAD 64

struct zi_entry {
	char *name;		/* as stored, leading "/" and "./" dropped */
	int64_t offset;		/* its local header */
	int64_t len;		/* up to the next local header (or the central directory) */
};

struct srcarc_zip_index {
	struct zi_entry *e;
	size_t n;
};

static uint64_t
zi_le(const unsigned char *p, int bytes)
{
	uint64_t v = 0;

	for (int i = bytes - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static bool
zi_pread(int fd, void *buf, size_t n, int64_t off)
{
	size_t got = 0;

	while (got < n) {
		ssize_t r = pread(fd, (char *)buf + got, n - got, (off_t)(off + (int64_t)got));
		if (r <= 0)
			return false;
		got += (size_t)r;
	}
	return true;
}

/* Where the central directory is and how many entries it says it has. */
static bool
zi_find_cd(int fd, int64_t size, int64_t *cd_off, int64_t *cd_size, uint64_t *count)
{
	int64_t scan = size < ZI_EOCD_SCAN ? size : ZI_EOCD_SCAN;
	unsigned char *tail;
	int64_t at = -1;

	if (size < ZI_EOCD_MIN)
		return false;
	tail = xmalloc((size_t)scan);
	if (!zi_pread(fd, tail, (size_t)scan, size - scan)) {
		free(tail);
		return false;
	}
	for (int64_t i = scan - ZI_EOCD_MIN; i >= 0 && at < 0; i--)
		if (zi_le(tail + i, 4) == 0x06054b50)
			at = i;
	if (at < 0) {
		free(tail);
		return false;
	}
	const unsigned char *r = tail + at;
	*count = zi_le(r + 10, 2);
	*cd_size = (int64_t)zi_le(r + 12, 4);
	*cd_off = (int64_t)zi_le(r + 16, 4);
	bool zip64 = *count == 0xffff || *cd_size == 0xffffffff || *cd_off == 0xffffffff;
	int64_t eocd = size - scan + at;
	free(tail);
	if (zip64) {
		unsigned char loc[20], rec[56];
		if (eocd < 20 || !zi_pread(fd, loc, sizeof(loc), eocd - 20) || zi_le(loc, 4) != 0x07064b50)
			return false;
		uint64_t rec_off = zi_le(loc + 8, 8);
		if (rec_off > (uint64_t)size - sizeof(rec) || !zi_pread(fd, rec, sizeof(rec), (int64_t)rec_off) ||
		    zi_le(rec, 4) != 0x06064b50)
			return false;
		*count = zi_le(rec + 32, 8);
		if (zi_le(rec + 40, 8) > (uint64_t)INT64_MAX || zi_le(rec + 48, 8) > (uint64_t)INT64_MAX)
			return false;
		*cd_size = (int64_t)zi_le(rec + 40, 8);
		*cd_off = (int64_t)zi_le(rec + 48, 8);
	}
	return *cd_off >= 0 && *cd_size >= 0 && *cd_size <= ZI_MAX_CD && *cd_off <= size - *cd_size &&
	       *count <= ZI_MAX_ENTRIES;
}

/* The local-header offset of one central header, Zip64 extra field included. */
static bool
zi_local_offset(const unsigned char *h, size_t name_len, size_t extra_len, int64_t *off)
{
	uint64_t o = zi_le(h + 42, 4);

	if (o == 0xffffffff) {
		/* Zip64 extra (id 1): the 8-byte fields present are those whose 32-bit one is
		 * all ones, in the order uncompressed size, compressed size, offset */
		const unsigned char *x = h + ZI_CDH_MIN + name_len, *end = x + extra_len;
		bool found = false;
		while (!found && end - x >= 4) {
			size_t id = (size_t)zi_le(x, 2), n = (size_t)zi_le(x + 2, 2);
			if ((size_t)(end - x - 4) < n)
				return false;
			if (id == 1) {
				size_t at = (zi_le(h + 24, 4) == 0xffffffff ? 8 : 0) + (zi_le(h + 20, 4) == 0xffffffff ? 8 : 0);
				if (at + 8 > n)
					return false;
				o = zi_le(x + 4 + at, 8);
				found = true;
			}
			x += 4 + n;
		}
		if (!found || o > (uint64_t)INT64_MAX)
			return false;
	}
	*off = (int64_t)o;
	return true;
}

static int
zi_cmp_offset(const void *a, const void *b)
{
	const struct zi_entry *x = a, *y = b;

	return x->offset < y->offset ? -1 : x->offset > y->offset;
}

static int
zi_cmp_name(const void *a, const void *b)
{
	const struct zi_entry *x = a, *y = b;

	return strcmp(x->name, y->name);
}

static const char *
zi_strip(const char *p)
{
	while (*p == '/' || (p[0] == '.' && p[1] == '/'))
		p += *p == '/' ? 1 : 2;
	return p;
}

/* Every central header into x; false when one does not fit or is not one. */
static bool
zi_read_headers(struct srcarc_zip_index *x, const unsigned char *cd, int64_t cd_size, int64_t cd_off,
		uint64_t count)
{
	int64_t at = 0;

	x->e = xcalloc(count ? (size_t)count : 1, sizeof(*x->e));
	for (uint64_t i = 0; i < count; i++) {
		if (cd_size - at < ZI_CDH_MIN || zi_le(cd + at, 4) != 0x02014b50)
			return false;
		const unsigned char *h = cd + at;
		size_t name_len = (size_t)zi_le(h + 28, 2), extra_len = (size_t)zi_le(h + 30, 2),
		       comment_len = (size_t)zi_le(h + 32, 2);
		int64_t whole = ZI_CDH_MIN + (int64_t)(name_len + extra_len + comment_len);
		int64_t off;
		if (cd_size - at < whole || !zi_local_offset(h, name_len, extra_len, &off) || off >= cd_off ||
		    memchr(h + ZI_CDH_MIN, 0, name_len))
			return false;
		char *raw = xstrndup((const char *)h + ZI_CDH_MIN, name_len);
		x->e[x->n].name = xstrdup(zi_strip(raw));
		free(raw);
		x->e[x->n].offset = off;
		x->n++;
		at += whole;
	}
	return true;
}

struct srcarc_zip_index *
srcarc_zip_index_open(int fd, int64_t size)
{
	int64_t cd_off, cd_size;
	uint64_t count;

	if (!zi_find_cd(fd, size, &cd_off, &cd_size, &count))
		return NULL;
	unsigned char *cd = xmalloc(cd_size ? (size_t)cd_size : 1);
	struct srcarc_zip_index *x = xcalloc(1, sizeof(*x));
	bool ok = zi_pread(fd, cd, (size_t)cd_size, cd_off) && zi_read_headers(x, cd, cd_size, cd_off, count);
	free(cd);
	if (!ok) {
		srcarc_zip_index_free(x);
		return NULL;
	}
	/* Each entry's range ends where the next one starts (a data descriptor included), plus
	 * a little of what follows: libarchive's streaming reader finds the end of a stored
	 * entry with a data descriptor by looking past the descriptor at the next signature. */
	qsort(x->e, x->n, sizeof(*x->e), zi_cmp_offset);
	for (size_t i = 0; i < x->n; i++) {
		int64_t end = (i + 1 < x->n ? x->e[i + 1].offset : cd_off) + ZI_LOOKAHEAD;
		x->e[i].len = (end < size ? end : size) - x->e[i].offset;
	}
	qsort(x->e, x->n, sizeof(*x->e), zi_cmp_name);
	return x;
}

int
srcarc_zip_index_find(const struct srcarc_zip_index *x, const char *path, int64_t *offset, int64_t *len)
{
	struct zi_entry key = {.name = (char *)zi_strip(path)};
	const struct zi_entry *e;

	if (!x)
		return 0;
	e = bsearch(&key, x->e, x->n, sizeof(*x->e), zi_cmp_name);
	if (!e || e->len <= 0)
		return 0;
	*offset = e->offset;
	*len = e->len;
	return 1;
}

size_t
srcarc_zip_index_count(const struct srcarc_zip_index *x)
{
	return x ? x->n : 0;
}

void
srcarc_zip_index_free(struct srcarc_zip_index *x)
{
	if (!x)
		return;
	for (size_t i = 0; i < x->n; i++)
		free(x->e[i].name);
	free(x->e);
	free(x);
}
