/*
 * archive/spool.h: anonymous temporary files for staging downloads before they go into the ZIP
 * (design guide 4.3).
 *
 * Owns: nothing after spool_open() returns; the caller owns the fd. Invariant: a spool file has
 * no name in the file system (O_TMPFILE, or mkstemp + unlink at once), so its space is
 * reclaimed when the fd is closed, even after a crash or a kill -9.
 */
#ifndef OHBROWSE_ARCHIVE_SPOOL_H
#define OHBROWSE_ARCHIVE_SPOOL_H

#include <stddef.h>

/*
 * Open a new, empty, read-write anonymous file in $TMPDIR (or /tmp when unset or empty). Returns
 * the fd (close-on-exec; the caller closes it), or -1 with a message in err.
 */
int spool_open(char *err, size_t errlen);

/* Empty fd and seek to its start, to reuse it for the next download. Returns 0, or -1 with errno. */
int spool_rewind_truncate(int fd);

#endif
