/* archive/zipout.c: streaming ZIP writer (libarchive, sizes never declared). */
#include "archive/zipout.h"

#include <archive.h>
#include <archive_entry.h>
#include <errno.h>
#include <math.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/base/util.h"

/* What libarchive buffers before calling our write callback; no padding after the last one. */
#define ZIPOUT_BLOCK 65536
/* Without Zip64, sizes and offsets are 32-bit fields. */
#define ZIPOUT_ZIP32_LIMIT 0xffffffffULL
/* The ZIP header stores the name length in 16 bits. */
#define ZIPOUT_NAME_MAX 65535

struct zipout {
	struct archive *a;
	int fd;
	char *final_path;
	char *part_path;
	int64_t default_mtime;
	bool zip64_compat;
	uint64_t zip32_limit;
	int64_t bytes_out;	/* bytes our write callback put on disk */
	bool entry_open;
	uint64_t entry_bytes;	/* uncompressed bytes of the open entry */
	char *entry_name;
	int io_errno;		/* errno of the last failed write(2), 0 if none */
	bool limit_hit;		/* the archive passed zip32_limit in compat mode */
	bool broken;		/* after an error only close/abort are allowed */
	bool discard;		/* aborting: the output callback drops everything */
	bool to_stdout;		/* "-": standard output, no .part and no rename */
	int64_t fail_after;	/* test hook, < 0 when off */
	int fail_errno;
	bool deflate;		/* the archive's compression is deflate (not forced store) */
	bool next_store;	/* zipout_hint: store the next entry, its data looks incompressible */
};

/*
 * libarchive's output callback. It never reports failure to libarchive: in 3.6.2 a failed
 * write makes the archive FATAL, and archive_write_free() then leaks the output buffer and a
 * live deflate stream. Instead the first error is recorded in z, later output is discarded,
 * and zipout_write/end/close check z after each libarchive call.
 */
static la_ssize_t
zipout_cb_write(struct archive *a, void *data, const void *buf, size_t len)
{
	struct zipout *z = data;
	const char *p = buf;
	size_t done = 0, allowed = len;

	(void)a;
	if (z->discard || z->io_errno != 0 || z->limit_hit)
		return (la_ssize_t)len;
	if (z->zip64_compat && (uint64_t)z->bytes_out + len > z->zip32_limit) {
		z->limit_hit = true;
		return (la_ssize_t)len;
	}
	if (z->fail_after >= 0 && z->bytes_out + (int64_t)len > z->fail_after)
		allowed = (size_t)(z->fail_after - z->bytes_out);
	while (done < len) {
		ssize_t n;

		if (done == allowed) {
			z->io_errno = z->fail_errno;
			break;
		}
		n = write(z->fd, p + done, allowed - done);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* write() returning 0 on a regular file means no room left. */
			z->io_errno = n < 0 ? errno : ENOSPC;
			break;
		}
		done += (size_t)n;
		z->bytes_out += n;
	}
	return (la_ssize_t)len;
}

/* True when the output callback has recorded a failure. */
static bool
zipout_out_failed(const struct zipout *z)
{
	return z->io_errno != 0 || z->limit_hit;
}

/* Describe the current failure of z in err, preferring what the user can act on. */
static int
zipout_fail(struct zipout *z, const char *doing, char *err, size_t errlen)
{
	const char *why;

	z->broken = true;
	if (z->io_errno == ENOSPC) {
		snprintf(err, errlen, "disk full while writing %s: free some space and retry", z->part_path);
	} else if (z->io_errno == EDQUOT) {
		snprintf(err, errlen, "disk quota exceeded while writing %s: free some space and retry",
			 z->part_path);
	} else if (z->limit_hit) {
		snprintf(err, errlen, "the archive %s passed 4 GiB, which ZIP compatibility mode (no Zip64) "
			 "cannot store: retry without --zip-compat", z->part_path);
	} else if (z->io_errno != 0) {
		snprintf(err, errlen, "cannot write %s: %s; check the disk and retry", z->part_path,
			 strerror(z->io_errno));
	} else {
		/* archive_error_string() can be NULL (e.g. a rejected option in 3.6.2). */
		why = archive_error_string(z->a);
		snprintf(err, errlen, "libarchive failed while %s in %s: %s; this is a bug, please report it",
			 doing, z->part_path, why ? why : "no reason given");
	}
	return -1;
}

static void
zipout_free(struct zipout *z)
{
	if (z->a != NULL)
		archive_write_free(z->a);
	if (z->fd >= 0)
		close(z->fd);
	free(z->final_path);
	free(z->part_path);
	free(z->entry_name);
	free(z);
}

struct zipout *
zipout_open(const char *final_path, const struct zipout_opts *opts, char *err, size_t errlen)
{
	struct zipout_opts def = {.level = -1, .zip64_compat = false, .default_mtime = -1};
	struct zipout *z;
	char options[160];
	const char *why;

	if (opts == NULL)
		opts = &def;
	z = xcalloc(1, sizeof(*z));
	z->final_path = xstrdup(final_path);
	z->to_stdout = strcmp(final_path, "-") == 0;
	z->part_path = z->to_stdout ? xstrdup("standard output") : xasprintf("%s.part", final_path);
	z->default_mtime = opts->default_mtime >= 0 ? opts->default_mtime : clock_wall_s();
	z->zip64_compat = opts->zip64_compat;
	z->zip32_limit = ZIPOUT_ZIP32_LIMIT;
	z->fail_after = -1;
	/* O_EXCL: a leftover or concurrent ".part" is never clobbered (and never followed as a symlink).
	 * "-" is standard output, for a pipe (ssh host 'cat > x.zip'): written as a stream, the
	 * ZIP is only whole when the exit status says so. */
	z->fd = z->to_stdout ? fcntl(1, F_DUPFD_CLOEXEC, 3)
			     : open(z->part_path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (z->fd < 0) {
		if (errno == EEXIST)
			snprintf(err, errlen, "%s already exists: another download may be writing it; "
				 "remove it if not, then retry", z->part_path);
		else
			snprintf(err, errlen, "cannot create %s: %s; check that the directory exists and "
				 "is writable", z->part_path, strerror(errno));
		zipout_free(z);
		return NULL;
	}

	if (opts->level == 0)
		snprintf(options, sizeof(options), "zip:hdrcharset=UTF-8,zip:compression=store");
	else if (opts->level > 0 && opts->level <= 9)
		snprintf(options, sizeof(options),
			 "zip:hdrcharset=UTF-8,zip:compression=deflate,zip:compression-level=%d", opts->level);
	else
		snprintf(options, sizeof(options), "zip:hdrcharset=UTF-8,zip:compression=deflate");
	if (opts->zip64_compat)
		strcat(options, ",zip:zip64=");	/* an empty value turns the option off */
	z->deflate = opts->level != 0;

	z->a = archive_write_new();
	if (z->a == NULL)
		die("out of memory (archive_write_new)");
	if (archive_write_set_format_zip(z->a) != ARCHIVE_OK ||
	    archive_write_set_options(z->a, options) != ARCHIVE_OK ||
	    archive_write_set_bytes_per_block(z->a, ZIPOUT_BLOCK) != ARCHIVE_OK ||
	    archive_write_set_bytes_in_last_block(z->a, 1) != ARCHIVE_OK ||
	    archive_write_open(z->a, z, NULL, zipout_cb_write, NULL) != ARCHIVE_OK) {
		why = archive_error_string(z->a);
		snprintf(err, errlen, "cannot set up the ZIP writer for %s (%s): %s; this is a bug, please report it",
			 z->part_path, options, why ? why : "no reason given");
		zipout_abort(z);
		return NULL;
	}
	return z;
}

static int
zipout_header(struct zipout *z, const char *utf8_name, int64_t mtime, unsigned type, unsigned perm,
	      const char *target, char *err, size_t errlen)
{
	struct archive_entry *e;
	size_t len = utf8_name ? strlen(utf8_name) : 0;
	int r;

	if (z->broken) {
		snprintf(err, errlen, "the archive %s already failed; cancel and retry", z->part_path);
		return -1;
	}
	if (z->entry_open) {
		snprintf(err, errlen, "cannot start %s while %s is still open in %s; this is a bug, please report it",
			 utf8_name ? utf8_name : "(null)", z->entry_name, z->part_path);
		return -1;
	}
	if (len == 0 || len > ZIPOUT_NAME_MAX || !utf8_valid(utf8_name, len)) {
		snprintf(err, errlen, "refusing an empty, overlong or non-UTF-8 entry name for %s; "
			 "this is a bug, please report it", z->part_path);
		return -1;
	}
	e = archive_entry_new();
	if (e == NULL)
		die("out of memory (archive_entry_new)");
	/* The _utf8 setter plus hdrcharset=UTF-8 is the only combination right in every locale. */
	archive_entry_set_pathname_utf8(e, utf8_name);
	archive_entry_set_filetype(e, type);
	archive_entry_set_perm(e, perm ? perm & 07777 : type == AE_IFDIR ? 0755 : type == AE_IFLNK ? 0777 : 0644);
	if (target)
		archive_entry_set_symlink_utf8(e, target);
	archive_entry_set_mtime(e, (time_t)(mtime >= 0 ? mtime : z->default_mtime), 0);
	/* No archive_entry_set_size(): a declared size silently drops any bytes past it. A link's
	 * data is its target and a directory has none: libarchive writes those itself. */
	if (type == AE_IFREG)
		archive_entry_unset_size(e);
	else
		archive_entry_set_size(e, 0);
	if (z->deflate) {
		/* per entry: libarchive reads the requested compression at each header */
		if (z->next_store)
			archive_write_zip_set_compression_store(z->a);
		else
			archive_write_zip_set_compression_deflate(z->a);
	}
	z->next_store = false;
	r = archive_write_header(z->a, e);
	archive_entry_free(e);
	if (r < ARCHIVE_WARN || zipout_out_failed(z))
		return zipout_fail(z, "writing an entry header", err, errlen);
	free(z->entry_name);
	z->entry_name = xstrdup(utf8_name);
	z->entry_open = true;
	z->entry_bytes = 0;
	return 0;
}

int
zipout_begin(struct zipout *z, const char *utf8_name, int64_t mtime, char *err, size_t errlen)
{
	return zipout_header(z, utf8_name, mtime, AE_IFREG, 0644, NULL, err, errlen);
}

int
zipout_begin_mode(struct zipout *z, const char *utf8_name, int64_t mtime, unsigned perm, char *err,
		  size_t errlen)
{
	return zipout_header(z, utf8_name, mtime, AE_IFREG, perm, NULL, err, errlen);
}

int
zipout_add_symlink(struct zipout *z, const char *utf8_name, const char *target, int64_t mtime, char *err,
		   size_t errlen)
{
	if (zipout_header(z, utf8_name, mtime, AE_IFLNK, 0777, target, err, errlen))
		return -1;
	return zipout_end(z, err, errlen);
}

int
zipout_add_dir(struct zipout *z, const char *utf8_name, int64_t mtime, unsigned perm, char *err,
	       size_t errlen)
{
	if (zipout_header(z, utf8_name, mtime, AE_IFDIR, perm, NULL, err, errlen))
		return -1;
	return zipout_end(z, err, errlen);
}

int
zipout_write(struct zipout *z, const void *buf, size_t len, char *err, size_t errlen)
{
	const char *p = buf;

	if (z->broken || !z->entry_open) {
		snprintf(err, errlen, "no open entry in %s to write to; this is a bug, please report it",
			 z->part_path);
		return -1;
	}
	if (z->zip64_compat && z->entry_bytes + len > z->zip32_limit) {
		z->broken = true;
		snprintf(err, errlen, "%s is larger than 4 GiB, which ZIP compatibility mode (no Zip64) "
			 "cannot store: retry without --zip-compat", z->entry_name);
		return -1;
	}
	while (len > 0) {
		la_ssize_t n = archive_write_data(z->a, p, len);

		if (n <= 0 || zipout_out_failed(z))
			return zipout_fail(z, "writing data", err, errlen);
		p += n;
		len -= (size_t)n;
		z->entry_bytes += (uint64_t)n;
	}
	return 0;
}

int
zipout_end(struct zipout *z, char *err, size_t errlen)
{
	if (z->broken || !z->entry_open) {
		snprintf(err, errlen, "no open entry in %s to finish; this is a bug, please report it",
			 z->part_path);
		return -1;
	}
	z->entry_open = false;
	if (archive_write_finish_entry(z->a) < ARCHIVE_WARN || zipout_out_failed(z))
		return zipout_fail(z, "finishing an entry", err, errlen);
	return 0;
}

int64_t
zipout_bytes_out(const struct zipout *z)
{
	return z->bytes_out;
}

const char *
zipout_part_path(const struct zipout *z)
{
	return z->part_path;
}

/*
 * Move part to dst only if dst does not exist. Returns 0, or -1 with errno (EEXIST when taken).
 * renameat2(RENAME_NOREPLACE) is atomic but not every file system has it; link()+unlink() is
 * the classic equivalent; on file systems without hard links (vfat, some FUSE) we claim the
 * name with O_EXCL first and then rename over our own empty placeholder.
 */
static int
zipout_move_noreplace(const char *part, const char *dst)
{
	int fd;

	if (renameat2(AT_FDCWD, part, AT_FDCWD, dst, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	if (link(part, dst) == 0) {
		unlink(part);
		return 0;
	}
	if (errno != EPERM && errno != ENOTSUP && errno != EMLINK && errno != ENOSYS)
		return -1;
	fd = open(dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
	if (fd < 0)
		return -1;
	close(fd);
	if (rename(part, dst) != 0) {
		int saved = errno;

		unlink(dst);
		errno = saved;
		return -1;
	}
	return 0;
}

/* Make the new directory entry durable too; failure only risks losing it in a crash. */
static void
zipout_sync_dir(const char *path)
{
	const char *slash = strrchr(path, '/');
	char *dir = slash == NULL ? xstrdup(".") : slash == path ? xstrdup("/")
			: xstrndup(path, (size_t)(slash - path));
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
	free(dir);
}

int
zipout_close(struct zipout *z, char *final_out, size_t final_len, char *err, size_t errlen)
{
	size_t flen = strlen(z->final_path);
	/* "x.zip" → "x-2.zip"; a name without ".zip" just gets "-2". */
	size_t stem = (flen >= 4 && strcmp(z->final_path + flen - 4, ".zip") == 0) ? flen - 4 : flen;

	if (z->broken) {
		snprintf(err, errlen, "the archive %s already failed and was discarded; retry", z->part_path);
		goto fail;
	}
	if (z->entry_open && zipout_end(z, err, errlen) != 0)
		goto fail;
	/* The central directory is written here: a failure means the file is unusable. */
	if (archive_write_close(z->a) != ARCHIVE_OK || zipout_out_failed(z)) {
		zipout_fail(z, "writing the central directory", err, errlen);
		goto fail;
	}
	if ((fsync(z->fd) != 0 && !(z->to_stdout && (errno == EINVAL || errno == EROFS))) || close(z->fd) != 0) {
		int e = errno;

		z->fd = -1;
		if (e == ENOSPC || e == EDQUOT)
			snprintf(err, errlen, "disk full while writing %s: free some space and retry", z->part_path);
		else
			snprintf(err, errlen, "cannot flush %s to disk: %s; check the disk and retry",
				 z->part_path, strerror(e));
		goto fail;
	}
	z->fd = -1;
	if (z->to_stdout) {
		if (final_len > 0)
			snprintf(final_out, final_len, "-");
		zipout_free(z);
		return 0;
	}
	for (unsigned k = 1; k < 10000; k++) {
		char *dst = k == 1 ? xstrdup(z->final_path)
				   : xasprintf("%.*s-%u%s", (int)stem, z->final_path, k, z->final_path + stem);

		if (zipout_move_noreplace(z->part_path, dst) == 0) {
			zipout_sync_dir(dst);
			if (final_len > 0)
				snprintf(final_out, final_len, "%s", dst);
			free(dst);
			zipout_free(z);
			return 0;
		}
		if (errno != EEXIST) {
			snprintf(err, errlen, "cannot move %s to %s: %s; the finished archive was removed, retry",
				 z->part_path, dst, strerror(errno));
			free(dst);
			goto fail;
		}
		free(dst);
	}
	snprintf(err, errlen, "%s and 9998 numbered variants already exist; move some archives away and retry",
		 z->final_path);
fail:
	zipout_abort(z);
	return -1;
}

void
zipout_abort(struct zipout *z)
{
	if (z == NULL)
		return;
	/*
	 * Finish the archive into the void rather than archive_write_fail(): in 3.6.2 freeing a
	 * failed writer leaks its buffers (see zipout_cb_write). If libarchive itself went FATAL,
	 * close skips the format's work and only frees.
	 */
	z->discard = true;
	if (z->a != NULL)
		archive_write_close(z->a);
	if (!z->to_stdout)
		unlink(z->part_path);	/* what went to standard output cannot be taken back */
	zipout_free(z);
}

void
zipout_set_test_hooks(struct zipout *z, const struct zipout_test_hooks *hooks)
{
	z->fail_after = hooks ? hooks->fail_after : -1;
	z->fail_errno = hooks ? hooks->fail_errno : 0;
	z->zip32_limit = (hooks && hooks->zip32_limit) ? hooks->zip32_limit : ZIPOUT_ZIP32_LIMIT;
}

void
zipout_hint(struct zipout *z, const void *sample, size_t n)
{
	const unsigned char *p = sample;
	size_t count[256] = {0};
	double bits = 0;

	z->next_store = false;
	if (!z->deflate || n < 4096)
		return;	/* small entries cost nothing to deflate, and may still shrink */
	for (size_t i = 0; i < n; i++)
		count[p[i]]++;
	for (int b = 0; b < 256; b++) {
		if (count[b]) {
			double q = (double)count[b] / (double)n;
			bits -= q * log2(q);
		}
	}
	/* Order-0 entropy above 7.5 bits per byte: already compressed (images, archives,
	 * binaries) or random. Deflate would burn CPU for a few bytes at best. */
	z->next_store = bits > 7.5;
}
