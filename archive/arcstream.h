/*
 * archive/arcstream.h: a server archive (tar.gz, or a ZIP from its local headers) read while it
 * downloads, in a worker thread.
 *
 * libarchive's reader pulls its input and has no way to say "not yet": on a file that is still
 * arriving it would have to block. So it runs in one worker thread of its own, which blocks
 * only on its own pipe (waiting for bytes, or for room to stage the next entry), never on the
 * network; the loop's thread never waits for it. The worker reads the spool the download
 * writes (pread, its own offset), stages each regular entry's data into a spool of its own,
 * checks the expansion limits as it goes, and hands finished entries over through a short
 * queue; after each hand-over it calls the caller's wake function (the HTTP engine's
 * http_wakeup(), which curl makes safe to call from any thread) so the loop picks them up.
 *
 * Owns: the worker, its pipe, its reader (archive/srcarc.c) and the spools of entries not yet
 * taken. Invariants: an entry is handed over only once all of its data is staged (a damaged
 * archive never yields half an entry); at most max_ahead entries wait in the queue; every
 * function here is for the loop's thread and returns at once, except arcstream_free(), which
 * stops the worker and joins it (it finishes the step it is in: CPU and a local disk, never the
 * network).
 */
#ifndef OHBROWSE_ARCHIVE_ARCSTREAM_H
#define OHBROWSE_ARCHIVE_ARCSTREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct arcstream;

struct arcstream_opts {
	int64_t cap;		/* expanded bytes allowed (an archive bomb past them); < 0: no cap */
	int64_t keep_free;	/* ... and stop when the temporary directory has less free than this */
	int64_t check_step;	/* check both every this many expanded bytes */
	size_t max_ahead;	/* entries staged and not yet taken; 0 = 8 */
	void (*wake)(void *ud);	/* called from the worker after it queued news */
	void *wake_ud;
};

enum arcstream_status {
	ARCSTREAM_NONE = 0,	/* nothing new yet */
	ARCSTREAM_ENTRY,	/* *e holds the next entry */
	ARCSTREAM_END,		/* the archive ended cleanly after the last entry */
	ARCSTREAM_DAMAGED,	/* it cannot be read on (arcstream_error() says why) */
	ARCSTREAM_BOMB,		/* *e is the entry that crossed the expansion limits (no data) */
};

struct arcstream_entry {
	char *path;		/* the name as stored (malloc'd; raw bytes, sanitise it) */
	size_t path_len;
	const char *kind;	/* as struct srcarc_entry: "file", "directory", "hardlink", ... */
	bool is_file;
	int64_t size, mtime;	/* as declared; -1 when unknown */
	unsigned mode;
	int fd;			/* is_file: a spool holding the data, offset 0, the caller's to close;
				 * -1 when its data was not kept (a git credential, names.h) */
	int64_t bytes;		/* staged bytes */
	char sha256[65];	/* is_file with fd: the data's SHA-256 (hex), hashed while staging so
				 * the loop's thread does not (it is the costliest step of writing) */
	char *error;		/* is_file: why its data could not be staged (a local failure: the
				 * entry fails, the archive goes on), else NULL */
};

/*
 * Start reading the archive that is being written into fd (the spool the download writes;
 * it is only read, with pread). strip_root: the members carry a leading "<root name>/", so
 * the credentials rule applies to what follows it. Never NULL (dies on out of memory); a
 * thread that cannot be started is reported by the first arcstream_poll() as damage.
 */
struct arcstream *arcstream_start(int fd, bool strip_root, const struct arcstream_opts *o);
/* More bytes may be in the file (call it whenever the download moved). */
void arcstream_grown(struct arcstream *t);
/* The file is complete: its end is the archive's end. */
void arcstream_complete(struct arcstream *t);
/* The next piece of news, without waiting. For ARCSTREAM_ENTRY and ARCSTREAM_BOMB the entry
 * is the caller's: release it with arcstream_entry_free(). */
enum arcstream_status arcstream_poll(struct arcstream *t, struct arcstream_entry *e);
/* Whether arcstream_poll() would return something other than ARCSTREAM_NONE. */
bool arcstream_ready(struct arcstream *t);
void arcstream_entry_free(struct arcstream_entry *e);	/* frees the path, closes the fd */
/* DAMAGED: the reader's message, one sentence. */
const char *arcstream_error(const struct arcstream *t);
/* BOMB: the expanded bytes so far, and whether it was the free space (not the cap). */
int64_t arcstream_expanded(const struct arcstream *t);
bool arcstream_disk_full(const struct arcstream *t);
/* Stop the worker, join it, drop what it had not handed over. NULL is fine. */
void arcstream_free(struct arcstream *t);

#endif
