/* archive/arcstream.c: a server archive read while it downloads, in a worker thread (see arcstream.h). */
#include "archive/arcstream.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "archive/names.h"
#include "archive/spool.h"
#include "archive/srcarc.h"
#include "src/base/sha256.h"
#include "src/base/util.h"

#define TS_BUF (64 * 1024)

struct ts_item {
	enum arcstream_status st;
	struct arcstream_entry e;
};

struct arcstream {
	int fd;
	bool strip_root;
	struct arcstream_opts o;
	pthread_t thread;
	bool started;
	int pipe_r, pipe_w;	/* the worker blocks reading pipe_r; the loop writes a byte to wake it */
	unsigned char *buf;	/* the worker's */
	int64_t next_check;	/* the worker's: expanded bytes at the next limits check */

	pthread_mutex_t mu;	/* guards everything below */
	struct ts_item *q;	/* a ring of max_ahead + 1: the final status always fits */
	size_t q_head, q_len, q_cap;
	bool complete, cancel;
	bool waiting;		/* the worker is (about to be) blocked on pipe_r */
	char err[512];
	int64_t expanded;
	bool full;
};

/* The loop's thread, with mu held: wake the worker if it waits. */
static void
ts_kick_locked(struct arcstream *t)
{
	if (t->waiting) {
		ssize_t w = write(t->pipe_w, "x", 1);	/* non-blocking: a full pipe wakes it anyway */
		(void)w;
	}
}

/* The worker, with mu held: block on the pipe until the loop writes to it. */
static void
ts_block_locked(struct arcstream *t)
{
	unsigned char b[64];

	t->waiting = true;
	pthread_mutex_unlock(&t->mu);
	while (read(t->pipe_r, b, sizeof(b)) < 0 && errno == EINTR)
		;
	pthread_mutex_lock(&t->mu);
	t->waiting = false;
}

/* srcarc's grow callback: wait until the file is longer than have, or complete. */
static int
ts_grow(void *ud, int64_t have)
{
	struct arcstream *t = ud;
	struct stat st;
	int rc;

	pthread_mutex_lock(&t->mu);
	for (;;) {
		if (t->cancel) {
			rc = -1;
			break;
		}
		if (t->complete) {
			rc = 0;
			break;
		}
		/* checked with mu held and waiting about to be set: a arcstream_grown() after the
		 * bytes were written either is seen here or finds waiting set and wakes us */
		if (fstat(t->fd, &st) == 0 && (int64_t)st.st_size > have) {
			rc = 1;
			break;
		}
		ts_block_locked(t);
	}
	pthread_mutex_unlock(&t->mu);
	return rc;
}

static bool
ts_cancelled(struct arcstream *t)
{
	pthread_mutex_lock(&t->mu);
	bool c = t->cancel;
	pthread_mutex_unlock(&t->mu);
	return c;
}

/* Queue an item, waiting for room unless it is the final one. False when cancelled. */
static bool
ts_push(struct arcstream *t, struct ts_item *it)
{
	bool final = it->st != ARCSTREAM_ENTRY;

	pthread_mutex_lock(&t->mu);
	while (!final && !t->cancel && t->q_len >= t->q_cap - 1)
		ts_block_locked(t);
	if (t->cancel && !final) {
		pthread_mutex_unlock(&t->mu);
		return false;
	}
	t->q[(t->q_head + t->q_len) % t->q_cap] = *it;
	t->q_len++;
	pthread_mutex_unlock(&t->mu);
	if (t->o.wake)
		t->o.wake(t->o.wake_ud);
	return true;
}

static void
ts_finish(struct arcstream *t, enum arcstream_status st, const char *why, struct arcstream_entry *e)
{
	struct ts_item it = { .st = st };

	if (e)
		it.e = *e;
	else
		it.e.fd = -1;
	pthread_mutex_lock(&t->mu);
	if (why)
		snprintf(t->err, sizeof(t->err), "%s", why);
	pthread_mutex_unlock(&t->mu);
	ts_push(t, &it);
}

/* A git credential (names_is_git_credential) is recorded but its data is never staged. */
static bool
ts_credential(const struct arcstream *t, const struct srcarc_entry *se)
{
	const char *p = se->path, *end = se->path + se->path_len;

	while (p < end && (*p == '/' || (*p == '.' && p + 1 < end && p[1] == '/')))
		p += *p == '/' ? 1 : 2;
	if (t->strip_root) {
		const char *slash = memchr(p, '/', (size_t)(end - p));
		p = slash ? slash + 1 : end;
	}
	return names_is_git_credential(p, (size_t)(end - p));
}

/* The expansion limits, every check_step bytes: false past the cap or near a full disk. */
static bool
ts_limits_ok(struct arcstream *t, int fd, int64_t n)
{
	struct statvfs vfs;
	bool ok;

	pthread_mutex_lock(&t->mu);
	t->expanded += n;
	int64_t expanded = t->expanded;
	pthread_mutex_unlock(&t->mu);
	if (expanded < t->next_check)
		return true;
	bool full = t->o.keep_free > 0 && fstatvfs(fd, &vfs) == 0 &&
		    (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize < t->o.keep_free;
	t->next_check = expanded + (t->o.check_step > 0 ? t->o.check_step : TS_BUF);
	ok = !full && (t->o.cap < 0 || expanded <= t->o.cap);
	if (!ok) {
		pthread_mutex_lock(&t->mu);
		t->full = full;
		pthread_mutex_unlock(&t->mu);
	}
	return ok;
}

/* Stage the current entry's data into a new spool. 0 done (e->fd, e->bytes; or e->error for a
 * local failure: the entry is reported failed, the archive goes on), -1 damaged or stopped,
 * -2 past the limits. */
static int
ts_stage(struct arcstream *t, struct srcarc *a, struct arcstream_entry *e)
{
	char msg[256];
	struct sha256 sha;

	e->fd = spool_open(msg, sizeof(msg));
	if (e->fd < 0) {
		e->error = xstrdup(msg);
		return 0;
	}
	sha256_init(&sha);
	for (;;) {
		ssize_t n = srcarc_read(a, t->buf, TS_BUF);

		if (n < 0 || ts_cancelled(t))
			return -1;
		if (n == 0) {
			uint8_t d[SHA256_DIGEST_LEN];
			sha256_final(&sha, d);
			sha256_hex(d, e->sha256);
			return 0;
		}
		sha256_update(&sha, t->buf, (size_t)n);
		if (!ts_limits_ok(t, e->fd, n))
			return -2;
		for (ssize_t off = 0; off < n;) {
			ssize_t w = write(e->fd, t->buf + off, (size_t)(n - off));

			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				e->error = xasprintf("cannot write a temporary file: %s", strerror(errno));
				close(e->fd);
				e->fd = -1;
				return 0;	/* the rest of the entry is skipped by the next header read */
			}
			off += w;
		}
		e->bytes += n;
	}
}

static void *
ts_main(void *arg)
{
	struct arcstream *t = arg;
	char err[512];
	struct srcarc *a = srcarc_open_growing(t->fd, ts_grow, t, err, sizeof(err));

	if (!a) {
		ts_finish(t, ARCSTREAM_DAMAGED, err, NULL);
		return NULL;
	}
	for (;;) {
		struct srcarc_entry se;
		int rc = srcarc_next(a, &se);

		if (rc < 0) {
			ts_finish(t, ARCSTREAM_DAMAGED, srcarc_error(a), NULL);
			break;
		}
		if (rc == 0) {
			ts_finish(t, ARCSTREAM_END, NULL, NULL);
			break;
		}
		struct ts_item it = { .st = ARCSTREAM_ENTRY };
		it.e = (struct arcstream_entry){ .path = xstrndup(se.path, se.path_len), .path_len = se.path_len,
						 .kind = se.kind, .is_file = se.is_file, .size = se.size,
						 .mtime = se.mtime, .mode = se.mode, .fd = -1 };
		int st = se.is_file && !ts_credential(t, &se) ? ts_stage(t, a, &it.e) : 0;
		if (st == -2) {
			if (it.e.fd >= 0)
				close(it.e.fd);
			it.e.fd = -1;
			ts_finish(t, ARCSTREAM_BOMB, NULL, &it.e);
			break;
		}
		if (st < 0) {
			arcstream_entry_free(&it.e);
			ts_finish(t, ARCSTREAM_DAMAGED, srcarc_error(a), NULL);
			break;
		}
		if (!ts_push(t, &it)) {
			arcstream_entry_free(&it.e);
			break;
		}
	}
	srcarc_close(a);
	return NULL;
}

struct arcstream *
arcstream_start(int fd, bool strip_root, const struct arcstream_opts *o)
{
	struct arcstream *t = xcalloc(1, sizeof(*t));
	int p[2];
	sigset_t all, old;

	t->fd = fd;
	t->strip_root = strip_root;
	t->o = *o;
	t->q_cap = (o->max_ahead ? o->max_ahead : 8) + 1;
	t->q = xcalloc(t->q_cap, sizeof(*t->q));
	t->buf = xmalloc(TS_BUF);
	t->pipe_r = t->pipe_w = -1;
	pthread_mutex_init(&t->mu, NULL);
	if (pipe2(p, O_CLOEXEC) != 0) {
		snprintf(t->err, sizeof(t->err), "cannot make a pipe for the archive reader: %s", strerror(errno));
		t->q[0].st = ARCSTREAM_DAMAGED;
		t->q[0].e.fd = -1;
		t->q_len = 1;
		return t;
	}
	t->pipe_r = p[0];
	t->pipe_w = p[1];
	fcntl(t->pipe_w, F_SETFL, fcntl(t->pipe_w, F_GETFL) | O_NONBLOCK);
	/* signals stay with the loop's thread: its handlers and self-pipe are the only path; a
	 * fault in the worker itself still reaches the fatal handler (which restores the
	 * terminal), since a blocked SIGSEGV would kill the process without it */
	sigfillset(&all);
	sigdelset(&all, SIGSEGV);
	sigdelset(&all, SIGBUS);
	sigdelset(&all, SIGFPE);
	sigdelset(&all, SIGILL);
	sigdelset(&all, SIGABRT);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = pthread_create(&t->thread, NULL, ts_main, t);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc != 0) {
		snprintf(t->err, sizeof(t->err), "cannot start the archive reader: %s", strerror(rc));
		t->q[0].st = ARCSTREAM_DAMAGED;
		t->q[0].e.fd = -1;
		t->q_len = 1;
		return t;
	}
	t->started = true;
	return t;
}

void
arcstream_grown(struct arcstream *t)
{
	pthread_mutex_lock(&t->mu);
	ts_kick_locked(t);
	pthread_mutex_unlock(&t->mu);
}

void
arcstream_complete(struct arcstream *t)
{
	pthread_mutex_lock(&t->mu);
	t->complete = true;
	ts_kick_locked(t);
	pthread_mutex_unlock(&t->mu);
}

enum arcstream_status
arcstream_poll(struct arcstream *t, struct arcstream_entry *e)
{
	enum arcstream_status st = ARCSTREAM_NONE;

	pthread_mutex_lock(&t->mu);
	if (t->q_len) {
		struct ts_item *it = &t->q[t->q_head];

		st = it->st;
		*e = it->e;
		memset(&it->e, 0, sizeof(it->e));
		t->q_head = (t->q_head + 1) % t->q_cap;
		t->q_len--;
		ts_kick_locked(t);	/* room for the next entry */
	}
	pthread_mutex_unlock(&t->mu);
	return st;
}

bool
arcstream_ready(struct arcstream *t)
{
	pthread_mutex_lock(&t->mu);
	bool r = t->q_len > 0;
	pthread_mutex_unlock(&t->mu);
	return r;
}

void
arcstream_entry_free(struct arcstream_entry *e)
{
	free(e->path);
	e->path = NULL;
	free(e->error);
	e->error = NULL;
	if (e->fd >= 0)
		close(e->fd);
	e->fd = -1;
}

const char *
arcstream_error(const struct arcstream *t)
{
	return t->err;
}

int64_t
arcstream_expanded(const struct arcstream *t)
{
	return t->expanded;	/* read after the final item: the worker wrote it before queuing */
}

bool
arcstream_disk_full(const struct arcstream *t)
{
	return t->full;
}

void
arcstream_free(struct arcstream *t)
{
	if (!t)
		return;
	pthread_mutex_lock(&t->mu);
	t->cancel = true;
	pthread_mutex_unlock(&t->mu);
	if (t->pipe_w >= 0) {
		ssize_t w = write(t->pipe_w, "x", 1);
		(void)w;
	}
	if (t->started)
		pthread_join(t->thread, NULL);
	for (size_t i = 0; i < t->q_len; i++)
		arcstream_entry_free(&t->q[(t->q_head + i) % t->q_cap].e);
	if (t->pipe_r >= 0)
		close(t->pipe_r);
	if (t->pipe_w >= 0)
		close(t->pipe_w);
	pthread_mutex_destroy(&t->mu);
	free(t->q);
	free(t->buf);
	free(t);
}
