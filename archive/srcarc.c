/* archive/srcarc.c: server archives (ZIP, tar.gz) read entry by entry with libarchive. */
#include "archive/srcarc.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/base/util.h"

#define SRCARC_BUF 65536
/* How much of an unexpected body we quote in the error message. */
#define SRCARC_PREVIEW 60

struct srcarc {
	struct archive *a;
	int fd;
	int64_t off;		/* our own file position: we pread, so the fd's offset is left alone */
	int64_t fsize;
	int64_t end;		/* srcarc_open_zip_range: reads stop here; -1 otherwise */
	enum srcarc_format format;
	bool at_end;		/* libarchive fails a next_header call after EOF; we keep saying 0 */
	bool served;		/* a range reader gave its one entry: the next call is the end */
	/* srcarc_open_growing: the file is still being written; at its current end the reader
	 * calls grow(grow_ud, have) (see srcarc.h) instead of taking the end for the archive's */
	int (*grow)(void *ud, int64_t have);
	void *grow_ud;
	char *buf;
	/*
	 * libarchive 3.6.2 converts names to the *current* locale while reading a header; in the
	 * C locale a UTF-8 name fails to convert and the entry comes back with no name at all
	 * (NULL from both pathname getters). So header reads run under a C.UTF-8 LC_CTYPE,
	 * switched per thread with uselocale(); (locale_t)0 when that locale is missing.
	 */
	locale_t utf8;
	char errmsg[512];
};

/* Switch this thread to a->utf8 (if any); returns what to restore. */
static locale_t
srcarc_locale_enter(const struct srcarc *a)
{
	return a->utf8 != (locale_t)0 ? uselocale(a->utf8) : (locale_t)0;
}

static void
srcarc_locale_leave(const struct srcarc *a, locale_t old)
{
	if (a->utf8 != (locale_t)0)
		uselocale(old);
}

static la_ssize_t
srcarc_cb_read(struct archive *ar, void *data, const void **out)
{
	struct srcarc *a = data;
	ssize_t n;
	size_t want = SRCARC_BUF;

	if (a->end >= 0) {
		if (a->off >= a->end)
			return 0;
		if ((int64_t)want > a->end - a->off)
			want = (size_t)(a->end - a->off);
	}
	for (;;) {
		do
			n = pread(a->fd, a->buf, want, a->off);
		while (n < 0 && errno == EINTR);
		if (n != 0 || !a->grow)
			break;
		int g = a->grow(a->grow_ud, a->off);
		if (g < 0) {
			archive_set_error(ar, ECANCELED, "stopped");
			return -1;
		}
		if (g == 0) {	/* complete: what is there now is all there is */
			do
				n = pread(a->fd, a->buf, want, a->off);
			while (n < 0 && errno == EINTR);
			break;
		}
	}
	if (n < 0) {
		archive_set_error(ar, errno, "cannot read the downloaded archive: %s", strerror(errno));
		return -1;
	}
	a->off += n;
	*out = a->buf;
	return n;
}

static la_int64_t
srcarc_cb_seek(struct archive *ar, void *data, la_int64_t offset, int whence)
{
	struct srcarc *a = data;
	int64_t to = whence == SEEK_SET ? offset : whence == SEEK_CUR ? a->off + offset : a->fsize + offset;

	if (to < 0) {
		archive_set_error(ar, EINVAL, "seek before the start of the archive");
		return ARCHIVE_FATAL;
	}
	a->off = to;
	return to;
}

static la_int64_t
srcarc_cb_skip(struct archive *ar, void *data, la_int64_t request)
{
	struct srcarc *a = data;

	(void)ar;
	if (request > a->fsize - a->off)
		request = a->fsize - a->off > 0 ? a->fsize - a->off : 0;
	a->off += request;
	return request;
}

/* Quote the start of an unexpected body so the user sees e.g. an HTML error page. */
static void
srcarc_preview(const unsigned char *p, size_t n, char *out, size_t outlen)
{
	struct strbuf sb = {0};
	size_t i;

	strbuf_puts(&sb, "");
	for (i = 0; i < n; i++) {
		unsigned char c = p[i];
		char piece[8];

		if (c == '\n')
			snprintf(piece, sizeof(piece), "\\n");
		else if (c == '\r')
			snprintf(piece, sizeof(piece), "\\r");
		else if (c == '\t')
			snprintf(piece, sizeof(piece), "\\t");
		else if (c == '"' || c == '\\')
			snprintf(piece, sizeof(piece), "\\%c", c);
		else if (c >= 0x20 && c < 0x7f)
			snprintf(piece, sizeof(piece), "%c", c);
		else
			snprintf(piece, sizeof(piece), "\\x%02x", c);
		if (sb.len + strlen(piece) > SRCARC_PREVIEW)
			break;
		strbuf_puts(&sb, piece);
	}
	snprintf(out, outlen, "\"%s\"%s", sb.buf, i < n ? "..." : "");
	strbuf_free(&sb);
}

static void
srcarc_set_error(struct srcarc *a, const char *doing)
{
	const char *why = archive_error_string(a->a);

	snprintf(a->errmsg, sizeof(a->errmsg), "the archive the server sent is damaged (%s: %s); retry the download",
		 doing, why ? why : "no reason given");
}

/* The buffer, the UTF-8 locale for header reads and a libarchive reader (formats not set). */
static void
srcarc_init_reader(struct srcarc *a)
{
	a->buf = xmalloc(SRCARC_BUF);
	a->utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0);
	if (a->utf8 == (locale_t)0)
		a->utf8 = newlocale(LC_CTYPE_MASK, "C.utf8", (locale_t)0);
	a->a = archive_read_new();
	if (a->a == NULL)
		die("out of memory (archive_read_new)");
}

/* The first bytes for the sniff: a growing file is waited for until it holds them all or is
 * complete. Returns the count, -1 on an error (errno set). */
static ssize_t
srcarc_head(int fd, unsigned char *head, size_t len, int (*grow)(void *, int64_t), void *ud)
{
	ssize_t n;

	for (;;) {
		do
			n = pread(fd, head, len, 0);
		while (n < 0 && errno == EINTR);
		if (n < 0 || (size_t)n == len || !grow)
			return n;
		int g = grow(ud, n);
		if (g < 0) {
			errno = ECANCELED;
			return -1;
		}
		if (g == 0)
			grow = NULL;	/* complete: one more read, and that is it */
	}
}

static struct srcarc *srcarc_open(int fd, int (*grow)(void *, int64_t), void *ud, char *err, size_t errlen);

struct srcarc *
srcarc_open_fd(int fd, char *err, size_t errlen)
{
	return srcarc_open(fd, NULL, NULL, err, errlen);
}

struct srcarc *
srcarc_open_growing(int fd, int (*grow)(void *ud, int64_t have), void *ud, char *err, size_t errlen)
{
	return srcarc_open(fd, grow, ud, err, errlen);
}

static struct srcarc *
srcarc_open(int fd, int (*grow)(void *, int64_t), void *ud, char *err, size_t errlen)
{
	unsigned char head[512];
	char preview[4 * SRCARC_PREVIEW + 8];
	struct srcarc *a;
	struct stat st;
	locale_t old;
	ssize_t n;
	int r;

	/* fstat, not lseek: the caller's file position stays untouched. */
	if (fstat(fd, &st) != 0) {
		snprintf(err, errlen, "cannot read the downloaded archive: %s; retry", strerror(errno));
		return NULL;
	}
	n = srcarc_head(fd, head, sizeof(head), grow, ud);
	if (n < 0) {
		snprintf(err, errlen, "cannot read the downloaded archive: %s; retry", strerror(errno));
		return NULL;
	}
	if (n == 0) {
		snprintf(err, errlen, "the server sent an empty body instead of an archive; retry later");
		return NULL;
	}
	a = xcalloc(1, sizeof(*a));
	a->fd = fd;
	a->fsize = st.st_size;
	a->end = -1;
	a->grow = grow;
	a->grow_ud = ud;
	if (n >= 4 && memcmp(head, "PK\x03\x04", 4) == 0) {
		a->format = SRCARC_ZIP;
	} else if (n >= 4 && memcmp(head, "PK\x05\x06", 4) == 0) {
		/* An empty ZIP (the end record comes first). libarchive's seekable reader does not
		 * recognise it, and there is nothing to read anyway. */
		a->format = SRCARC_ZIP;
		a->at_end = true;
		return a;
	} else if (n >= 2 && head[0] == 0x1f && head[1] == 0x8b) {
		a->format = SRCARC_TAR_GZ;
	} else if (n >= 262 && memcmp(head + 257, "ustar", 5) == 0) {
		a->format = SRCARC_TAR;
	} else {
		srcarc_preview(head, (size_t)n, preview, sizeof(preview));
		snprintf(err, errlen, "the server sent something that is not a ZIP or tar.gz archive "
			 "(it starts with %s); check the server URL and that the conversation's runtime is running",
			 preview);
		free(a);
		return NULL;
	}
	srcarc_init_reader(a);
	if (a->format == SRCARC_ZIP && grow) {
		/* still arriving: entry by entry from the local headers, each CRC-checked as it
		 * ends; what this cannot read (sizes only in a data descriptor, damage) is for the
		 * seekable reader once the file is complete */
		archive_read_support_format_zip_streamable(a->a);
	} else if (a->format == SRCARC_ZIP) {
		/* The central directory is authoritative; the streaming reader trusts local headers. */
		archive_read_support_format_zip_seekable(a->a);
	} else {
		archive_read_support_filter_gzip(a->a);
		archive_read_support_format_tar(a->a);
	}
	archive_read_set_callback_data(a->a, a);
	archive_read_set_read_callback(a->a, srcarc_cb_read);
	if (!grow) {
		/* the size is known only for a complete file; a growing one is read straight on */
		archive_read_set_seek_callback(a->a, srcarc_cb_seek);
		archive_read_set_skip_callback(a->a, srcarc_cb_skip);
	}
	old = srcarc_locale_enter(a);
	r = archive_read_open1(a->a);
	srcarc_locale_leave(a, old);
	if (r != ARCHIVE_OK) {
		const char *why = archive_error_string(a->a);

		/* For a ZIP this is nearly always a cut-off download: the seekable reader starts from
		 * the central directory at the end, and without it libarchive only says
		 * "Unrecognized archive format". */
		if (a->format == SRCARC_ZIP)
			snprintf(err, errlen, "the ZIP the server sent is incomplete or damaged (no readable "
				 "central directory: %s); retry the download", why ? why : "no reason given");
		else
			snprintf(err, errlen, "the tar archive the server sent is damaged (%s); retry the download",
				 why ? why : "no reason given");
		srcarc_close(a);
		return NULL;
	}
	return a;
}

enum srcarc_format
srcarc_format(const struct srcarc *a)
{
	return a->format;
}

int
srcarc_next(struct srcarc *a, struct srcarc_entry *e)
{
	struct archive_entry *ae;
	locale_t old = srcarc_locale_enter(a);
	const char *p = NULL;
	bool hardlink = false;
	int r;

	if (a->at_end || (a->end >= 0 && a->served)) {
		/* a range holds exactly one entry, and no central directory to end it */
		a->at_end = true;
		srcarc_locale_leave(a, old);
		return 0;
	}
	do
		r = archive_read_next_header(a->a, &ae);
	while (r == ARCHIVE_RETRY);
	/* ARCHIVE_WARN is e.g. a name that does not convert: the entry itself is usable. */
	if (r >= ARCHIVE_WARN && r != ARCHIVE_EOF) {
		/* Prefer UTF-8; fall back to the stored bytes (names_sanitize() cleans up either).
		 * Both getters convert lazily, so they too must run under the UTF-8 locale. */
		p = archive_entry_pathname_utf8(ae);
		if (p == NULL)
			p = archive_entry_pathname(ae);
		hardlink = archive_entry_hardlink(ae) != NULL;
	}
	srcarc_locale_leave(a, old);
	if (r == ARCHIVE_EOF) {
		a->at_end = true;
		return 0;
	}
	if (r < ARCHIVE_WARN) {
		srcarc_set_error(a, "reading the next entry");
		return -1;
	}
	if (p == NULL)
		p = "";
	e->path = p;
	e->path_len = strlen(p);
	/* a tar hard link (LNKTYPE) may carry no file type of its own: the link decides */
	switch (hardlink ? AE_IFREG : archive_entry_filetype(ae)) {
	case AE_IFREG:
		e->kind = hardlink ? "hardlink" : "file";
		break;
	case AE_IFDIR:
		e->kind = "directory";
		break;
	case AE_IFLNK:
		e->kind = "symlink";
		break;
	default:
		e->kind = "other";
		break;
	}
	/* A tar hard link has no data of its own, so it is not a file we can copy. */
	e->is_file = strcmp(e->kind, "file") == 0;
	a->served = true;
	e->size = archive_entry_size_is_set(ae) ? archive_entry_size(ae) : -1;
	e->mtime = archive_entry_mtime_is_set(ae) ? archive_entry_mtime(ae) : -1;
	e->mode = (unsigned)archive_entry_perm(ae) & 07777;
	return 1;
}

ssize_t
srcarc_read(struct srcarc *a, void *buf, size_t len)
{
	la_ssize_t n;

	if (a->at_end)
		return 0;
	n = archive_read_data(a->a, buf, len);

	if (n < 0) {
		srcarc_set_error(a, "reading entry data");
		return -1;
	}
	return n;
}

const char *
srcarc_error(const struct srcarc *a)
{
	return a->errmsg;
}

void
srcarc_close(struct srcarc *a)
{
	if (a == NULL)
		return;
	if (a->a != NULL)
		archive_read_free(a->a);
	if (a->utf8 != (locale_t)0)
		freelocale(a->utf8);
	free(a->buf);
	free(a);
}

static uint32_t
le16(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8;
}

static uint32_t
le32(const unsigned char *p)
{
	return le16(p) | le16(p + 2) << 16;
}

int
srcarc_zip_local_span(const unsigned char *buf, size_t n, int64_t *total)
{
	if (n < 4)
		return 0;
	uint32_t sig = le32(buf);
	if (sig == 0x02014b50 || sig == 0x06054b50 || sig == 0x06064b50)
		return 2;	/* the central directory: no more local entries */
	if (sig != 0x04034b50)
		return -1;
	if (n < 30)
		return 0;
	uint32_t flags = le16(buf + 6);
	if (flags & 8)
		return -1;	/* sizes follow the data: only the central directory knows them */
	uint64_t csize = le32(buf + 18), usize = le32(buf + 22);
	size_t name_len = le16(buf + 26), extra_len = le16(buf + 28);
	if (n < 30 + name_len + extra_len)
		return 0;
	if (csize == 0xffffffffu || usize == 0xffffffffu) {
		/* Zip64: the 0x0001 extra field holds, in this order, the 8-byte sizes that are
		 * 0xffffffff above (uncompressed first) */
		const unsigned char *x = buf + 30 + name_len, *xe = x + extra_len;
		bool found = csize != 0xffffffffu;
		while (x + 4 <= xe) {
			uint32_t tag = le16(x), sz = le16(x + 2);
			if (x + 4 + sz > xe)
				break;
			if (tag == 1) {
				const unsigned char *f = x + 4, *fe = x + 4 + sz;
				if (usize == 0xffffffffu && f + 8 <= fe) {
					usize = (uint64_t)le32(f) | (uint64_t)le32(f + 4) << 32;
					f += 8;
				}
				if (csize == 0xffffffffu && f + 8 <= fe) {
					csize = (uint64_t)le32(f) | (uint64_t)le32(f + 4) << 32;
					found = true;
				}
			}
			x += 4 + sz;
		}
		if (!found)
			return -1;
	}
	/* sizes come from the network: one past 2^62 bytes is a lie, and its sum would overflow
	 * the caller's offsets; leave such an entry to the central directory (which will call it
	 * damage) instead of waiting for bytes that never come */
	if (csize > ((uint64_t)1 << 62))
		return -1;
	*total = (int64_t)(30 + name_len + extra_len + csize);
	return 1;
}

struct srcarc *
srcarc_open_zip_range(int fd, int64_t offset, int64_t len, char *err, size_t errlen)
{
	struct srcarc *a = xcalloc(1, sizeof(*a));
	locale_t old;
	int r;

	a->fd = fd;
	a->off = offset;
	a->end = offset + len;
	a->fsize = a->end;
	a->format = SRCARC_ZIP;
	srcarc_init_reader(a);
	/* One entry's local header and data: the streaming reader checks the CRC at its end. */
	archive_read_support_format_zip_streamable(a->a);
	archive_read_set_callback_data(a->a, a);
	archive_read_set_read_callback(a->a, srcarc_cb_read);
	old = srcarc_locale_enter(a);
	r = archive_read_open1(a->a);
	srcarc_locale_leave(a, old);
	if (r != ARCHIVE_OK) {
		const char *why = archive_error_string(a->a);
		snprintf(err, errlen, "the ZIP the server sent is damaged (%s); retry the download",
			 why ? why : "no reason given");
		srcarc_close(a);
		return NULL;
	}
	return a;
}
