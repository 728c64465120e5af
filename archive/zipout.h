/*
 * archive/zipout.h: a streaming ZIP writer on libarchive (design guide 4.2).
 *
 * Owns: one output archive, written to "<final>.part" in the target directory and moved to its
 * final name only by zipout_close(). Invariants:
 *   - the ".part" file is created exclusively (never clobbers anything) and exists exactly
 *     while a struct zipout is alive; zipout_close() and zipout_abort() both remove it;
 *   - a finished archive never overwrites an existing file: zipout_close() picks
 *     "<name>-2.zip", "-3", … when the final name appeared meanwhile;
 *   - memory use is independent of entry sizes: sizes are never declared to libarchive
 *     (a declared size silently truncates), data goes out as it comes in;
 *   - names are always stored as UTF-8 with the ZIP UTF-8 flag, whatever the locale;
 *   - at most one entry is open at a time (begin, write…, end).
 * All functions that can fail return 0 or -1 and then put one sentence in err saying what
 * happened and what to do; err may be NULL when errlen is 0.
 */
#ifndef OHBROWSE_ARCHIVE_ZIPOUT_H
#define OHBROWSE_ARCHIVE_ZIPOUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct zipout;

struct zipout_opts {
	int level;		/* deflate level 1-9, 0 = store, -1 = libarchive's default */
	bool zip64_compat;	/* no Zip64 (old unzippers); entries and archive capped at 4 GiB */
	int64_t default_mtime;	/* used when an entry's mtime is < 0; < 0 means "now" */
};

/*
 * Start an archive that will become final_path (which should end in ".zip"). Creates
 * final_path + ".part" with O_EXCL; fails if it exists. opts may be NULL for the defaults
 * (level -1, Zip64 allowed, mtime now). Returns a new writer, or NULL with err filled.
 */
struct zipout *zipout_open(const char *final_path, const struct zipout_opts *opts, char *err,
			   size_t errlen);

/*
 * Open a new entry named utf8_name (a relative, sanitized UTF-8 name; see names_sanitize())
 * dated mtime (seconds since the epoch, < 0 for the default). The entry is a regular file,
 * mode 0644. Fails if an entry is already open or after an earlier write error.
 */
int zipout_begin(struct zipout *z, const char *utf8_name, int64_t mtime, char *err, size_t errlen);
/* zipout_begin with the file's Unix permission bits (perm & 07777; 0 means 0644), kept in
 * the entry's external attributes so unzip restores an executable as executable. */
int zipout_begin_mode(struct zipout *z, const char *utf8_name, int64_t mtime, unsigned perm, char *err,
		      size_t errlen);
/* A whole symbolic-link entry (Unix mode 0120777, the target as its data), as Info-ZIP's
 * `zip -y` writes it. No entry may be open. */
int zipout_add_symlink(struct zipout *z, const char *utf8_name, const char *target, int64_t mtime, char *err,
		       size_t errlen);
/* A whole directory entry ("name/", Unix mode 040000 | perm), so an empty directory survives. */
int zipout_add_dir(struct zipout *z, const char *utf8_name, int64_t mtime, unsigned perm, char *err,
		   size_t errlen);
/* Before zipout_begin: the first bytes of the next entry (say 64 KiB). Data that looks
 * incompressible is stored instead of deflated; the choice applies to that entry only. */
void zipout_hint(struct zipout *z, const void *sample, size_t n);

/* Append len bytes to the open entry (buf is only read). A full disk says so. */
int zipout_write(struct zipout *z, const void *buf, size_t len, char *err, size_t errlen);

/* Finish the open entry (writes its data descriptor). */
int zipout_end(struct zipout *z, char *err, size_t errlen);

/* Bytes written to the ".part" file so far (libarchive buffers, so this lags a little). */
int64_t zipout_bytes_out(const struct zipout *z);

/* The ".part" path, owned by z; a signal handler may unlink() it. */
const char *zipout_part_path(const struct zipout *z);

/*
 * Finish the archive: write the central directory, fsync, and move the ".part" file to the
 * final name without overwriting anything (or to the next free "-N.zip" name). The name used
 * is copied to final_out (may be NULL when final_len is 0). Always frees z; on failure the
 * ".part" file is removed too. An entry still open is finished first.
 */
int zipout_close(struct zipout *z, char *final_out, size_t final_len, char *err, size_t errlen);

/* Give up: discard the archive, remove the ".part" file and free z. NULL is fine. */
void zipout_abort(struct zipout *z);

/*
 * Test hooks, for the unit tests only: after fail_after bytes reached the disk, further writes
 * fail with fail_errno (e.g. ENOSPC); in zip64_compat mode, zip32_limit replaces the 4 GiB
 * limit (0 keeps it). Pass NULL to remove the hooks.
 */
struct zipout_test_hooks {
	int64_t fail_after;	/* < 0: never */
	int fail_errno;
	uint64_t zip32_limit;
};
void zipout_set_test_hooks(struct zipout *z, const struct zipout_test_hooks *hooks);

#endif
