/*
 * src/export_bin.c: V0 binary files (see export_int.h). A V0 runtime's select-file refuses
 * binary files (415), so they are taken from one zip-directory download, fetched once for
 * all of them when the first one is refused, and staged entry by entry like a re-pack.
 *
 * Owns: that download (bin_op, bin_fd), the index of its central directory (bin_index: each
 * binary is found by name and read from its own byte range, so B binaries in an archive of
 * E entries cost B lookups, not B x E entry headers), its reader (bin_src) and the file being
 * staged (bin_cur); enum ex_bin_state says where it is.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "archive/spool.h"
#include "archive/srcarc.h"
#include "src/base/util.h"
#include "src/export_int.h"

static void
ex_bin_fail_waiting(struct export_job *j)
{
	char *why = xasprintf("binary file: the server archive it must come from failed: %s",
			      j->bin_error ? j->bin_error : "unknown error");

	for (size_t i = 0; i < j->n_files; i++)
		if (j->files[i]->bin && j->files[i]->pub.state == EXPORT_FILE_ACTIVE)
			ex_file_fail(j, j->files[i], why);
	free(why);
}

static void
ex_bin_done(void *ud, const struct api_xfer_result *r, const struct api_error *err)
{
	struct export_job *j = ud;
	char msg[512];

	j->bin_op = NULL;
	if (err) {
		free(j->bin_error);
		j->bin_error = xstrdup(err->message);
		j->bin_state = BIN_FAILED;
		ex_close_fd(&j->bin_fd);
		ex_bin_fail_waiting(j);
		return;
	}
	j->bin_src = srcarc_open_fd(j->bin_fd, msg, sizeof(msg));
	if (!j->bin_src) {
		free(j->bin_error);
		j->bin_error = xstrdup(msg);
		j->bin_state = BIN_FAILED;
		ex_close_fd(&j->bin_fd);
		ex_bin_fail_waiting(j);
		return;
	}
	j->bin_from_start = true;
	/* OHBROWSE_NO_ZIP_INDEX=1: the scan only, for bench/v0_binaries.sh to compare */
	const char *no_index = getenv("OHBROWSE_NO_ZIP_INDEX");
	if (srcarc_format(j->bin_src) == SRCARC_ZIP && !(no_index && strcmp(no_index, "1") == 0)) {
		struct stat st;
		if (fstat(j->bin_fd, &st) == 0)
			j->bin_index = srcarc_zip_index_open(j->bin_fd, (int64_t)st.st_size);
	}
	j->bin_state = BIN_READY;
	/* Staging counts each file's own bytes from here. */
	for (size_t i = 0; i < j->n_files; i++)
		if (j->files[i]->bin && j->files[i]->pub.state == EXPORT_FILE_ACTIVE)
			j->files[i]->pub.done = 0;
}

/*
 * The zip-directory download moves the rate and the totals, and each file waiting
 * for it shows the archive's bytes, so a large archive never looks frozen at 0 B
 * (issue 14, item 1). export_totals counts the archive once, not per waiting file.
 */
static void
ex_bin_progress(void *ud, int64_t done, int64_t total)
{
	struct export_job *j = ud;

	if (done > j->bin_done)
		j->rx += done - j->bin_done;
	j->bin_done = done;
	j->bin_total = total;
	for (size_t i = 0; i < j->n_files; i++)
		if (j->files[i]->bin && j->files[i]->pub.state == EXPORT_FILE_ACTIVE)
			j->files[i]->pub.done = done;
	ex_rate_tick(j);
}

/* A V0 binary file: take it from zip-directory, which is fetched once for all of them. */
void
ex_bin_wait(struct export_job *j, struct ex_file *f)
{
	char msg[256];

	f->bin = true;
	f->pub.state = EXPORT_FILE_ACTIVE;
	f->pub.size = -1;	/* select-file does not say; the archive will */
	if (spool_rewind_truncate(f->fd) != 0) {
		ex_file_fail(j, f, "cannot reuse the temporary file for this download");
		return;
	}
	if (j->bin_state == BIN_FAILED) {
		ex_bin_fail_waiting(j);
		return;
	}
	if (j->bin_state != BIN_NONE)
		return;
	j->bin_fd = spool_open(msg, sizeof(msg));
	if (j->bin_fd < 0) {
		j->bin_state = BIN_FAILED;
		j->bin_error = xstrdup(msg);
		ex_bin_fail_waiting(j);
		return;
	}
	j->bin_state = BIN_FETCHING;
	j->bin_done = 0;
	j->bin_total = -1;
	api_op_hold(&j->bin_op, api_fetch_archive(j->c, &j->conv, j->bin_fd, ex_bin_progress, ex_bin_done, j));
}

static bool
ex_entry_is(const struct srcarc_entry *e, const char *path)
{
	const char *p = e->path;
	size_t n = e->path_len;

	while (n && (p[0] == '/' || (n > 1 && p[0] == '.' && p[1] == '/'))) {
		size_t skip = p[0] == '/' ? 1 : 2;
		p += skip;
		n -= skip;
	}
	return n == strlen(path) && !memcmp(p, path, n);
}

/* bin_src on path's entry through the index: 1 found, 0 not in the archive (the central
 * directory is what the seekable reader reads too), -2 the range does not hold it (the
 * index is dropped and the scan takes over). */
static int
ex_bin_locate_indexed(struct export_job *j, const char *path)
{
	char msg[256];
	struct srcarc_entry e;
	int64_t off, len;

	if (!srcarc_zip_index_find(j->bin_index, path, &off, &len))
		return 0;
	struct srcarc *r = srcarc_open_zip_range(j->bin_fd, off, len, msg, sizeof(msg));
	if (r && srcarc_next(r, &e) > 0 && e.is_file && ex_entry_is(&e, path)) {
		srcarc_close(j->bin_src);
		j->bin_src = r;
		return 1;
	}
	srcarc_close(r);
	srcarc_zip_index_free(j->bin_index);
	j->bin_index = NULL;
	srcarc_close(j->bin_src);
	j->bin_src = srcarc_open_fd(j->bin_fd, msg, sizeof(msg));
	j->bin_from_start = true;
	return j->bin_src ? -2 : -1;
}

/* Position bin_src on path's entry. 1 found, 0 not in the archive, -1 damaged. */
static int
ex_bin_locate(struct export_job *j, const char *path)
{
	char msg[256];
	struct srcarc_entry e;

	if (j->bin_index) {
		int rc = ex_bin_locate_indexed(j, path);
		if (rc != -2)
			return rc;
	}

	for (int pass = 0; pass < 2; pass++) {
		int rc;

		while ((rc = srcarc_next(j->bin_src, &e)) > 0)
			if (e.is_file && ex_entry_is(&e, path))
				return 1;
		if (rc < 0)
			return -1;
		if (j->bin_from_start)
			return 0;
		/* not after the current position: start over once from the first entry */
		srcarc_close(j->bin_src);
		j->bin_src = srcarc_open_fd(j->bin_fd, msg, sizeof(msg));
		if (!j->bin_src)
			return -1;
		j->bin_from_start = true;
	}
	return 0;
}

size_t
ex_bin_step(struct export_job *j, size_t budget)
{
	bool damaged;

	if (!j->bin_cur) {
		struct ex_file *f = NULL;

		for (size_t i = j->head; i < j->n_files && !f; i++)
			if (j->files[i]->bin && j->files[i]->pub.state == EXPORT_FILE_ACTIVE)
				f = j->files[i];
		if (!f)
			return 0;
		int rc = ex_bin_locate(j, f->pub.path);
		j->bin_from_start = false;
		if (rc <= 0) {
			ex_file_fail(j, f, rc == 0 ? "binary file, and the server's workspace archive does not contain it"
					  : j->bin_src ? srcarc_error(j->bin_src)
					  : "the server's workspace archive cannot be read again");
			if (rc < 0) {
				/* a damaged archive stays damaged: fail the others too */
				free(j->bin_error);
				j->bin_error = xstrdup("the server's workspace archive is damaged");
				j->bin_state = BIN_FAILED;
				srcarc_close(j->bin_src);
				j->bin_src = NULL;
				srcarc_zip_index_free(j->bin_index);
				j->bin_index = NULL;
				ex_close_fd(&j->bin_fd);
				ex_bin_fail_waiting(j);
			}
			return 0;
		}
		f->staging = true;
		f->pub.done = 0;
		j->bin_cur = f;
	}
	struct ex_file *f = j->bin_cur;
	size_t used = ex_stage_step(j, f, j->bin_src, budget, &damaged);
	if (damaged) {
		ex_file_fail(j, f, srcarc_error(j->bin_src));
		j->bin_cur = NULL;
		return used;
	}
	if (f->pub.state != EXPORT_FILE_ACTIVE) {
		f->bin = false;
		j->bin_cur = NULL;
	} else {
		j->rx += (int64_t)used;
	}
	return used;
}

/* A V0 binary can be staged from the zip-directory download now. */
bool
ex_bin_pending(const struct export_job *j)
{
	if (j->bin_state != BIN_READY)
		return false;
	if (j->bin_cur)
		return true;
	for (size_t i = j->head; i < j->n_files; i++)
		if (j->files[i]->bin && j->files[i]->pub.state == EXPORT_FILE_ACTIVE)
			return true;
	return false;
}

/* Abort: the download, the reader and its spool. */
void
ex_bin_stop(struct export_job *j)
{
	api_op_cancel(&j->bin_op);
	j->bin_op = NULL;
	srcarc_close(j->bin_src);
	j->bin_src = NULL;
	srcarc_zip_index_free(j->bin_index);
	j->bin_index = NULL;
	ex_close_fd(&j->bin_fd);
}
