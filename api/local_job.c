/*
 * api/local_job.c: the stepped local workspace op (struct local_job, local_int.h) and the
 * file ops on it: the head of a file for a preview, and a copy to an fd, both in slices.
 *
 * Why steps and not a worker thread: every byte of a local op is then handled on the loop's
 * thread, so nothing needs a lock, cancelling is freeing (no thread to stop inside a read),
 * and the program's one blocking call stays http_wait(). A step is bounded by time
 * (LOCAL_STEP_US) and by a 128 KiB read, so the one thing it cannot bound is a single read
 * or write that the kernel makes slow (a disk that spins up, dirty-page throttling).
 */
#include "api/local_int.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define LOCAL_SLICE (128u << 10)	/* bytes per read: tens of µs from the page cache */

/* ------------------------------------------------------------ the job */

static void
job_step(struct http_work *w)
{
	struct local_job *j = (struct local_job *)((char *)w - offsetof(struct local_job, work));

	if (!j->finished)
		j->step(j);
	if (j->finished) {
		http_work_remove(j->h, &j->work);
		j->work.step = NULL;	/* not registered any more */
		j->done(j->ud, j);	/* may free j: nothing after this */
	}
}

struct local_job *
local_job_new(struct http *h, const char *root, local_done_fn done, void *ud)
{
	struct local_job *j = xcalloc(1, sizeof(*j));

	j->h = h;
	j->root_own = xstrdup(root ? root : "");
	j->root = j->root_own;
	j->done = done;
	j->ud = ud;
	j->work.fd = -1;
	return j;
}

void
local_job_run(struct local_job *j, int fd, bool busy)
{
	j->work.fd = fd;
	j->work.busy = busy || j->finished;
	j->work.step = job_step;
	http_work_add(j->h, &j->work);
}

void
local_job_fail(struct local_job *j)
{
	j->failed = true;
	j->finished = true;
	j->work.busy = true;	/* done runs from the next step, not from the caller's */
	j->work.fd = -1;
}

void
local_job_succeed(struct local_job *j)
{
	j->finished = true;
	j->work.busy = true;
	j->work.fd = -1;
}

const struct api_error *
local_job_error(const struct local_job *j)
{
	return j->failed ? &j->err : NULL;
}

struct api_file_list *
local_job_files(struct local_job *j)
{
	return &j->files;
}

const char *
local_job_text(const struct local_job *j, size_t *len, bool *truncated)
{
	if (len)
		*len = j->text.len;
	if (truncated)
		*truncated = j->truncated;
	return j->text.buf ? j->text.buf : "";
}

int64_t
local_job_bytes(const struct local_job *j)
{
	return j->bytes;
}

void
local_job_free(struct local_job *j)
{
	if (!j)
		return;
	if (j->work.step)
		http_work_remove(j->h, &j->work);
	if (j->free_impl)
		j->free_impl(j);
	api_file_list_free(&j->files);
	strbuf_free(&j->text);
	free(j->root_own);
	free(j);
}

/* ------------------------------------------------------------ files */

int
local_open_rel(const char *root, const char *rel, struct api_error *err)
{
	while (rel && *rel == '/')
		rel++;
	if (!local_rel_ok(rel) || !*rel) {
		api_error_set(err, API_ERR_USAGE, 0, "%s is not a file path inside the workspace",
			      rel ? rel : "(null)");
		return -1;
	}
	char *p = xasprintf("%s/%s", root, rel);
	/* O_NONBLOCK: a FIFO named like a file must not hang the open (it is refused below as
	 * not a regular file, before any read); reads of a regular file ignore the flag */
	int fd = open(p, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	int e = errno;
	free(p);
	if (fd < 0) {
		api_error_set(err, e == ENOENT ? API_ERR_NOT_FOUND : API_ERR_LOCAL, 0, "%s: %s", rel,
			      e == ENOENT ? "no such file in the workspace" : strerror(e));
		return -1;
	}
	struct stat st;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		api_error_set(err, API_ERR_NOT_FOUND, 0, "%s is not a regular file", rel);
		return -1;
	}
	return fd;
}

/* The state of a head read or a copy: the open file, and for a copy the slice not yet
 * written (a short write leaves the rest for the next round). */
struct file_impl {
	int in, out;
	size_t max;		/* head: stop after max + 1 bytes */
	int64_t size;		/* copy: the size at open, for progress */
	char *buf;
	size_t buf_len, buf_off;
	char *rel;
};

static void
file_free(struct local_job *j)
{
	struct file_impl *f = j->impl;

	if (f->in >= 0)
		close(f->in);
	free(f->buf);
	free(f->rel);
	free(f);
}

static struct file_impl *
file_open(struct local_job *j, const char *rel)
{
	struct file_impl *f = xcalloc(1, sizeof(*f));

	f->in = local_open_rel(j->root, rel, &j->err);
	f->out = -1;
	f->rel = xstrdup(rel ? rel : "");
	j->impl = f;
	j->free_impl = file_free;
	return f;
}

static void
head_step(struct local_job *j)
{
	struct file_impl *f = j->impl;
	int64_t until = local_now_us() + LOCAL_STEP_US;

	while (j->text.len < f->max + 1) {
		size_t want = f->max + 1 - j->text.len;
		char buf[65536];
		ssize_t n = read(f->in, buf, want < sizeof(buf) ? want : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;	/* end of file (or an error: what was read is the head) */
		strbuf_append(&j->text, buf, (size_t)n);
		if (local_now_us() >= until)
			return;
	}
	if (j->text.len > f->max) {
		j->truncated = true;
		j->text.len = f->max;
		j->text.buf[f->max] = '\0';
	}
	if (!j->text.buf)
		strbuf_puts(&j->text, "");
	local_job_succeed(j);
}

struct local_job *
local_head_start(struct http *h, const char *root, const char *rel, size_t max, local_done_fn done, void *ud)
{
	struct local_job *j = local_job_new(h, root, done, ud);
	struct file_impl *f = file_open(j, rel);

	f->max = max;
	j->step = head_step;
	if (f->in < 0)
		local_job_fail(j);
	local_job_run(j, -1, true);
	return j;
}

static void
copy_step(struct local_job *j)
{
	struct file_impl *f = j->impl;
	int64_t until = local_now_us() + LOCAL_STEP_US;
	int64_t stop = j->bytes + LOCAL_STEP_BYTES;

	do {
		if (f->buf_off == f->buf_len) {
			ssize_t n = read(f->in, f->buf, LOCAL_SLICE);
			if (n < 0 && errno == EINTR)
				continue;
			if (n < 0) {
				api_error_set(&j->err, API_ERR_LOCAL, 0, "cannot read %s: %s", f->rel, strerror(errno));
				local_job_fail(j);
				return;
			}
			if (n == 0) {
				local_job_succeed(j);
				return;
			}
			f->buf_len = (size_t)n;
			f->buf_off = 0;
		}
		ssize_t w = write(f->out, f->buf + f->buf_off, f->buf_len - f->buf_off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			api_error_set(&j->err, API_ERR_LOCAL, 0, "cannot save %s: %s%s", f->rel, strerror(errno),
				      errno == ENOSPC ? "; free some disk space and retry" : "");
			local_job_fail(j);
			return;
		}
		f->buf_off += (size_t)w;
		j->bytes += w;
	} while (j->bytes < stop && local_now_us() < until);
	if (j->progress)
		j->progress(j->ud, j->bytes, f->size > j->bytes ? f->size : j->bytes);
}

struct local_job *
local_copy_start(struct http *h, const char *root, const char *rel, int fd, local_progress_fn progress,
		 local_done_fn done, void *ud)
{
	struct local_job *j = local_job_new(h, root, done, ud);
	struct file_impl *f = file_open(j, rel);
	struct stat st;

	j->step = copy_step;
	j->progress = progress;
	f->out = fd;
	if (f->in < 0) {
		local_job_fail(j);
	} else {
		f->size = fstat(f->in, &st) == 0 ? (int64_t)st.st_size : -1;
		f->buf = xmalloc(LOCAL_SLICE);
	}
	local_job_run(j, -1, true);
	return j;
}
