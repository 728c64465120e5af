/* archive/spool.c: anonymous temporary files. */
#include "archive/spool.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/base/util.h"

int
spool_open(char *err, size_t errlen)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	int fd, saved;

	if (dir == NULL || *dir == '\0')
		dir = "/tmp";
	fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0)
		return fd;
	/* Older kernels and some file systems (e.g. NFS, overlay setups) lack O_TMPFILE. */
	path = xasprintf("%s/ohbrowse-spool-XXXXXX", dir);
	fd = mkostemp(path, O_CLOEXEC);
	if (fd < 0) {
		saved = errno;
		snprintf(err, errlen, "cannot create a temporary file in %s: %s; set TMPDIR to a writable "
			 "directory with free space", dir, strerror(saved));
		free(path);
		errno = saved;
		return -1;
	}
	/* Unlink at once: from here on only the fd keeps the file alive. */
	unlink(path);
	free(path);
	return fd;
}

int
spool_rewind_truncate(int fd)
{
	if (ftruncate(fd, 0) != 0)
		return -1;
	return lseek(fd, 0, SEEK_SET) == 0 ? 0 : -1;
}
