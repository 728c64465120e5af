/*
 * archive/srcarc.h: reading an archive the server sent (a ZIP from a V0 runtime's zip-directory,
 * or a tar.gz from a V1 agent-server), entry by entry, so its files can be re-packed into our
 * ZIP as a stream.
 *
 * Owns: a libarchive reader over a caller-owned fd (usually a spool file). Invariants: the input
 * is sniffed before libarchive sees it, so an HTML error page or a JSON body gives a clear
 * message rather than "unrecognized archive format"; a ZIP is read through its central
 * directory (the seekable reader), which is authoritative over local headers; reads use
 * pread() at our own offset, so the fd's file position does not matter; one entry at a time.
 */
#ifndef OHBROWSE_ARCHIVE_SRCARC_H
#define OHBROWSE_ARCHIVE_SRCARC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct srcarc;

enum srcarc_format { SRCARC_ZIP, SRCARC_TAR_GZ, SRCARC_TAR };

struct srcarc_entry {
	/* The name as stored (UTF-8 when the archive says so, else raw bytes; may be invalid
	 * UTF-8 or hostile: pass it through names_sanitize()). Owned by the reader, valid until
	 * the next srcarc_next() or srcarc_close(). */
	const char *path;
	size_t path_len;
	bool is_file;		/* a regular file; other entries carry no data */
	const char *kind;	/* "file", "directory", "symlink", "hardlink", "other" */
	int64_t size;		/* declared size, -1 when unknown */
	int64_t mtime;		/* seconds since the epoch, -1 when unknown */
	unsigned mode;		/* permission bits (07777) as stored; 0 when the archive has none */
};

/*
 * Start reading the archive in fd (a regular, seekable file; not closed by us). Returns a
 * reader, or NULL with a message in err: empty input, something that is not a ZIP, tar.gz or
 * tar (the message shows the first bytes, escaped), or an archive libarchive cannot open.
 */
struct srcarc *srcarc_open_fd(int fd, char *err, size_t errlen);

/*
 * The same over a file that is still being written (a server archive while it downloads; a ZIP
 * is read from its local headers, one entry after another, each CRC-checked, since the central
 * directory comes last: use srcarc_open_fd() on the whole file for what that cannot read).
 * Whenever the reader is at the file's current end (have
 * bytes) it calls grow(ud, have), which may block until there are more and returns 1 to read on, 0 when
 * the file is complete (its end is the end), -1 to stop (the read fails, "stopped"). Meant for
 * a worker thread (archive/arcstream.c): the loop's thread must never call it.
 */
struct srcarc *srcarc_open_growing(int fd, int (*grow)(void *ud, int64_t have), void *ud, char *err,
				    size_t errlen);

/* Which format srcarc_open_fd() detected. */
enum srcarc_format srcarc_format(const struct srcarc *a);

/*
 * Advance to the next entry, directories and links included (check e->is_file). Returns 1 with
 * *e filled, 0 at the end, -1 on a damaged archive (see srcarc_error()). Unread data of the
 * previous entry is skipped.
 */
int srcarc_next(struct srcarc *a, struct srcarc_entry *e);

/*
 * Read up to len bytes of the current entry's data. Returns the count, 0 at the end of the
 * entry, -1 on damage (a CRC mismatch, truncation; see srcarc_error()).
 */
ssize_t srcarc_read(struct srcarc *a, void *buf, size_t len);

/* The message for the last -1, one sentence saying what to do; owned by a. */
const char *srcarc_error(const struct srcarc *a);

/*
 * Reading a ZIP's entries by their byte ranges while it still downloads (the export used this
 * before it read arriving archives with srcarc_open_growing() in a worker). Local entries come one after another, each a
 * header, its data and (bit 3) a descriptor; Python's zipfile, which writes V0 zip-directory
 * bodies, puts the sizes in the header, so an entry's end is known from its header alone.
 *
 * srcarc_zip_local_span: buf holds the n bytes at an entry's expected start. Returns 1 with
 * *total = header + name + extra + compressed data (the entry is complete once that many
 * bytes are there), 0 when the header itself is not all there yet, 2 at the central directory
 * (no more entries), -1 when the sizes are not in the header (data descriptor) or buf does
 * not start with a local header: then wait for the whole file and use srcarc_open_fd().
 */
int srcarc_zip_local_span(const unsigned char *buf, size_t n, int64_t *total);

/*
 * A reader for the single entry in [offset, offset + len) of fd (found with the scan above),
 * through libarchive's streaming ZIP reader, which checks the entry's CRC as it ends. Use
 * srcarc_next()/srcarc_read() as usual; NULL with err on damage.
 */
struct srcarc *srcarc_open_zip_range(int fd, int64_t offset, int64_t len, char *err, size_t errlen);

/*
 * An index of a complete ZIP's central directory (archive/zipindex.c): each entry's name and
 * byte range, for srcarc_open_zip_range(). NULL when the central directory is missing,
 * damaged or does not add up (then read the archive with srcarc_open_fd() as before).
 * size is the file's length.
 */
struct srcarc_zip_index;
struct srcarc_zip_index *srcarc_zip_index_open(int fd, int64_t size);
/* path's entry (leading "/" and "./" ignored on both sides): 1 with its range, 0 when the
 * index has no such name. NULL x is an empty index. */
int srcarc_zip_index_find(const struct srcarc_zip_index *x, const char *path, int64_t *offset, int64_t *len);
size_t srcarc_zip_index_count(const struct srcarc_zip_index *x);
void srcarc_zip_index_free(struct srcarc_zip_index *x);
/* Free the reader (the fd stays open). NULL is fine. */
void srcarc_close(struct srcarc *a);

#endif
