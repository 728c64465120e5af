/*
 * api/local_git.c: git for a local workspace, never waited on: the working tree's changes
 * (`git status`) and a file's diff against HEAD (local_changes_start(), local_diff_start()).
 *
 * Each git runs with its stdout on a pipe whose read end is non-blocking and joins
 * http_wait() (the job's struct http_work): the loop reads what git wrote when the pipe is
 * readable and sleeps otherwise. Once the pipe ends, the exit status is collected with
 * waitpid(WNOHANG), retried on a short timer while git finishes exiting. A job runs its gits
 * one after the other: the filter names (`git config`, see below), then its command(s).
 * Why a pipe and not a worker thread: see local_job.c; git is a process already, so its
 * pipe is an fd like a socket, and the loop needs nothing new to wait on it.
 */
#include "api/local_int.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "api/udiff.h"

extern char **environ;

/*
 * A workspace is not ours: its .git/config can name commands that git runs on its own during
 * `status` (core.fsmonitor, clean filters of .gitattributes, hooks). None may run here. So
 * every git we start reads no system or global config, no system attributes, runs no
 * fsmonitor and no hooks, and each filter driver the repository configures is overridden to
 * nothing (a driver with an empty command is no driver). Names are read first with
 * `git config`, which executes nothing.
 */
static const char *const git_hardening[] = {
	"-c", "core.fsmonitor=false", "-c", "core.hooksPath=/dev/null", "-c", "core.untrackedCache=false",
	"-c", "protocol.allow=never", NULL,
};
#define GIT_MAX_FILTERS 16
#define GIT_PRE_MAX (ARRAY_SIZE(git_hardening) + 8 * GIT_MAX_FILTERS + 1)
#define GIT_DIFF_MAX (64u << 20)	/* either side of a diff */

/* Killed gits not yet reaped (a job freed while its git ran): collected without waiting
 * whenever another git starts. */
static pid_t git_orphans[32];
static size_t git_n_orphans;

static void
orphans_reap(void)
{
	for (size_t i = 0; i < git_n_orphans;) {
		if (waitpid(git_orphans[i], NULL, WNOHANG) != 0)
			git_orphans[i] = git_orphans[--git_n_orphans];
		else
			i++;
	}
}

/* One git process and what it wrote. */
struct git_proc {
	pid_t pid;		/* 0: none running */
	int fd;			/* the pipe's read end; -1 once it ended */
	struct strbuf out;
	size_t max;		/* bytes kept; more is read and dropped, so git never blocks on us */
	int status;		/* its exit status once reaped; -1: not started, killed or crashed */
	unsigned timer;		/* waiting for the exit after the pipe ended */
	long backoff_ms;
};

enum git_stage { GS_FILTERS, GS_PREFIX, GS_STATUS, GS_SHOW, GS_READ };

struct git_impl {
	struct local_job *j;
	bool diff;			/* a diff job, else changes */
	enum git_stage stage;
	struct git_proc p;
	const char *pre[GIT_PRE_MAX];	/* the hardening and the filter overrides, NULL-ended */
	size_t n_pre;
	char *own[4 * GIT_MAX_FILTERS];
	size_t n_own;
	struct strbuf prefix;		/* changes: rev-parse --show-prefix */
	char *rel, *spec;		/* diff: the file, HEAD:./file */
	struct strbuf orig, mod;	/* diff: the two sides */
	int file_fd;			/* diff: the working tree's file while it is read */
};

/* Start git -C root PRE ARGS with stdout on a non-blocking pipe; p->status -1 when it could
 * not be started. */
static void
git_spawn(struct git_impl *g, const char *const *args, size_t max)
{
	struct git_proc *p = &g->p;
	const char *argv[GIT_PRE_MAX + 16];
	size_t n = 0;
	int fds[2];
	posix_spawn_file_actions_t fa;

	orphans_reap();
	strbuf_reset(&p->out);
	p->max = max;
	p->status = -1;
	p->backoff_ms = 1;
	argv[n++] = "git";
	for (const char *const *pre = g->pre; *pre && n < ARRAY_SIZE(argv) - 12; pre++)
		argv[n++] = *pre;
	argv[n++] = "-C";
	argv[n++] = g->j->root;
	for (; *args && n < ARRAY_SIZE(argv) - 1; args++)
		argv[n++] = *args;
	argv[n] = NULL;
	if (pipe2(fds, O_CLOEXEC) != 0)
		return;
	/* only our end is non-blocking: git writes as it always does */
	fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK);
	/* the environment plus: no optional index writes, never a credential prompt */
	size_t ne = 0;
	while (environ && environ[ne])
		ne++;
	char **envp = xcalloc(ne + 6, sizeof(*envp));
	size_t k = 0;
	for (size_t i = 0; i < ne; i++)
		if (strncmp(environ[i], "GIT_", 4) != 0)	/* none of the caller's git settings */
			envp[k++] = environ[i];
	envp[k++] = (char *)"GIT_OPTIONAL_LOCKS=0";
	envp[k++] = (char *)"GIT_TERMINAL_PROMPT=0";
	envp[k++] = (char *)"GIT_CONFIG_NOSYSTEM=1";
	envp[k++] = (char *)"GIT_CONFIG_GLOBAL=/dev/null";
	envp[k++] = (char *)"GIT_ATTR_NOSYSTEM=1";
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	int rc = posix_spawnp(&p->pid, "git", &fa, NULL, (char *const *)argv, envp);
	posix_spawn_file_actions_destroy(&fa);
	free(envp);
	close(fds[1]);
	if (rc != 0) {
		p->pid = 0;
		close(fds[0]);
		return;
	}
	p->fd = fds[0];
}

static void
git_timer(void *ud)
{
	struct git_impl *g = ud;

	g->p.timer = 0;
	g->j->work.busy = true;	/* look for the exit again */
}

/* Read what git wrote for one step's time; true once git has exited (p->status set). */
static bool
git_pump(struct git_impl *g)
{
	struct git_proc *p = &g->p;
	struct http_work *w = &g->j->work;
	int64_t until = local_now_us() + LOCAL_STEP_US;
	char buf[65536];

	while (p->fd >= 0) {
		ssize_t r = read(p->fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			w->fd = p->fd;	/* sleep until git writes more */
			w->busy = false;
			return false;
		}
		if (r <= 0) {
			close(p->fd);
			p->fd = -1;
			break;
		}
		if (p->out.len + (size_t)r <= p->max)
			strbuf_append(&p->out, buf, (size_t)r);
		if (local_now_us() >= until) {
			w->fd = p->fd;
			w->busy = true;	/* more may be in the pipe already */
			return false;
		}
	}
	int st = 0;
	pid_t r;
	while ((r = waitpid(p->pid, &st, WNOHANG)) < 0 && errno == EINTR)
		;
	if (r == 0) {
		/* the pipe ended a moment before git did: look again shortly */
		w->fd = -1;
		w->busy = false;
		p->timer = http_timer_add(g->j->h, p->backoff_ms, git_timer, g);
		p->backoff_ms = p->backoff_ms < 32 ? p->backoff_ms * 2 : 50;
		return false;
	}
	p->status = r == p->pid && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
	p->pid = 0;
	w->fd = -1;
	w->busy = true;
	return true;
}

/* The names of the repository's filter drivers (`git config` output), each overridden to
 * nothing for the gits that follow. */
static void
git_add_filters(struct git_impl *g, const struct strbuf *names)
{
	char *seen[GIT_MAX_FILTERS];
	size_t n_seen = 0;

	for (size_t off = 0; off < names->len && n_seen < GIT_MAX_FILTERS;) {
		const char *key = names->buf + off;	/* filter.NAME.VAR */
		size_t kl = strlen(key);
		off += kl + 1;
		const char *dot = strrchr(key, '.');
		if (kl < 8 || !dot || dot <= key + 7)
			continue;
		char *name = xstrndup(key + 7, (size_t)(dot - key - 7));
		bool dup = false;
		for (size_t k = 0; k < n_seen; k++)
			dup = dup || strcmp(seen[k], name) == 0;
		if (dup) {
			free(name);
			continue;
		}
		static const char *const vars[] = {"clean", "smudge", "process"};
		for (size_t v = 0; v < ARRAY_SIZE(vars); v++) {
			g->own[g->n_own] = xasprintf("filter.%s.%s=", name, vars[v]);
			g->pre[g->n_pre++] = "-c";
			g->pre[g->n_pre++] = g->own[g->n_own++];
		}
		g->own[g->n_own] = xasprintf("filter.%s.required=false", name);
		g->pre[g->n_pre++] = "-c";
		g->pre[g->n_pre++] = g->own[g->n_own++];
		seen[n_seen++] = name;
	}
	g->pre[g->n_pre] = NULL;
	for (size_t k = 0; k < n_seen; k++)
		free(seen[k]);
}

/* `git status --porcelain=v1 -z` into the job's list, relative to root (prefix cut). */
static void
git_parse_status(struct git_impl *g)
{
	const struct strbuf *st = &g->p.out;
	size_t pl = g->prefix.len;
	struct api_file_list *out = &g->j->files;

	while (pl && (g->prefix.buf[pl - 1] == '\n' || g->prefix.buf[pl - 1] == '\r'))
		pl--;
	/* "XY path\0", renames add "\0old path" */
	for (size_t i = 0; i < st->len;) {
		const char *rec = st->buf + i;
		size_t rl = strlen(rec);
		i += rl + 1;
		if (rl < 4)
			continue;
		char x = rec[0], y = rec[1];
		const char *path = rec + 3;
		enum api_change ch;
		if (x == '?' && y == '?')
			ch = API_CHANGE_UNTRACKED;
		else if (x == '!')
			continue;
		else if (x == 'R' || y == 'R') {
			ch = API_CHANGE_RENAMED;
			if (i < st->len)
				i += strlen(st->buf + i) + 1;	/* skip the old name */
		} else if (x == 'D' || y == 'D')
			ch = API_CHANGE_DELETED;
		else if (x == 'A')
			ch = API_CHANGE_ADDED;
		else
			ch = API_CHANGE_MODIFIED;
		if (pl && strncmp(path, g->prefix.buf, pl) == 0)
			path += pl;
		if (*path)
			api_file_list_add(out, path, API_FILE, -1, -1, ch);
	}
	if (out->count > 1)
		qsort(out->items, out->count, sizeof(*out->items), local_file_cmp);
}

static void
git_diff_finish(struct git_impl *g)
{
	char *text = udiff_make(g->orig.buf ? g->orig.buf : "", g->mod.buf ? g->mod.buf : "", g->rel);

	strbuf_puts(&g->j->text, text);
	free(text);
	local_job_succeed(g->j);
}

/* The git that ran has exited: use its output and start the next one, or end the job. */
static void
git_next(struct git_impl *g)
{
	static const char *const a_prefix[] = {"rev-parse", "--show-prefix", NULL};
	/* submodules are repositories of their own, with configs of their own: not entered */
	static const char *const a_status[] = {"status", "--porcelain=v1", "-z", "--untracked-files=all",
					       "--ignore-submodules=all", "--", ".", NULL};
	struct local_job *j = g->j;
	int status = g->p.status;

	switch (g->stage) {
	case GS_FILTERS:
		if (status == 0)	/* exit 1 means "no such key": no filters */
			git_add_filters(g, &g->p.out);
		if (g->diff) {
			const char *const a_show[] = {"show", g->spec, NULL};
			g->stage = GS_SHOW;
			git_spawn(g, a_show, GIT_DIFF_MAX);
		} else {
			g->stage = GS_PREFIX;
			git_spawn(g, a_prefix, 1 << 16);
		}
		return;
	case GS_PREFIX:
		if (status != 0) {
			api_error_set(&j->err, API_ERR_NOT_FOUND, 0,
				      "the workspace is not a git repository (or git is not installed), so there "
				      "are no changes to list");
			local_job_fail(j);
			return;
		}
		strbuf_append(&g->prefix, g->p.out.buf ? g->p.out.buf : "", g->p.out.len);
		g->stage = GS_STATUS;
		git_spawn(g, a_status, 256u << 20);
		return;
	case GS_STATUS:
		if (status != 0) {
			api_error_set(&j->err, API_ERR_LOCAL, 0, "git status failed in %s", j->root);
			local_job_fail(j);
			return;
		}
		git_parse_status(g);
		local_job_succeed(j);
		return;
	case GS_SHOW: {
		struct api_error e2;
		if (status == 0)	/* else new or untracked: everything is added */
			strbuf_append(&g->orig, g->p.out.buf ? g->p.out.buf : "", g->p.out.len);
		g->file_fd = local_open_rel(j->root, g->rel, &e2);
		if (g->file_fd < 0) {
			git_diff_finish(g);	/* deleted: everything is removed */
			return;
		}
		g->stage = GS_READ;
		return;
	}
	case GS_READ:
		return;
	}
}

/* The diff's working-tree side, read for one step's time. */
static void
git_read_file(struct git_impl *g)
{
	int64_t until = local_now_us() + LOCAL_STEP_US;
	char buf[65536];

	while (g->mod.len < GIT_DIFF_MAX) {
		size_t want = GIT_DIFF_MAX - g->mod.len;
		ssize_t n = read(g->file_fd, buf, want < sizeof(buf) ? want : sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		strbuf_append(&g->mod, buf, (size_t)n);
		if (local_now_us() >= until)
			return;
	}
	if (!g->mod.buf)
		strbuf_puts(&g->mod, "");
	close(g->file_fd);
	g->file_fd = -1;
	git_diff_finish(g);
}

static void
git_step(struct local_job *j)
{
	struct git_impl *g = j->impl;

	/* each turn of this loop starts a git or ends the job, and a git just started has
	 * written nothing yet: a step does not run away */
	while (!j->finished) {
		if (g->stage == GS_READ) {
			git_read_file(g);
			return;
		}
		if (g->p.pid && !git_pump(g))
			return;
		git_next(g);
	}
}

static void
git_free(struct local_job *j)
{
	struct git_impl *g = j->impl;

	if (g->p.pid) {
		kill(g->p.pid, SIGKILL);
		if (waitpid(g->p.pid, NULL, WNOHANG) == 0 && git_n_orphans < ARRAY_SIZE(git_orphans))
			git_orphans[git_n_orphans++] = g->p.pid;
	}
	if (g->p.fd >= 0)
		close(g->p.fd);
	if (g->p.timer)
		http_timer_cancel(j->h, g->p.timer);
	if (g->file_fd >= 0)
		close(g->file_fd);
	strbuf_free(&g->p.out);
	strbuf_free(&g->prefix);
	strbuf_free(&g->orig);
	strbuf_free(&g->mod);
	for (size_t k = 0; k < g->n_own; k++)
		free(g->own[k]);
	free(g->rel);
	free(g->spec);
	free(g);
}

static struct git_impl *
git_begin(struct local_job *j, bool diff)
{
	static const char *const a_filters[] = {"config", "--null", "--name-only", "--get-regexp", "^filter\\.", NULL};
	struct git_impl *g = xcalloc(1, sizeof(*g));

	g->j = j;
	g->diff = diff;
	g->p.fd = -1;
	g->file_fd = -1;
	for (size_t i = 0; git_hardening[i]; i++)
		g->pre[g->n_pre++] = git_hardening[i];
	g->pre[g->n_pre] = NULL;
	j->impl = g;
	j->free_impl = git_free;
	j->step = git_step;
	g->stage = GS_FILTERS;
	git_spawn(g, a_filters, 1 << 16);
	return g;
}

void
local_changes_begin(struct local_job *j)
{
	git_begin(j, false);
}

void
local_diff_begin(struct local_job *j, const char *rel)
{
	if (!local_rel_ok(rel)) {
		api_error_set(&j->err, API_ERR_USAGE, 0, "%s is outside the workspace", rel ? rel : "(null)");
		local_job_fail(j);
		return;
	}
	struct git_impl *g = git_begin(j, true);
	g->rel = xstrdup(rel);
	g->spec = xasprintf("HEAD:./%s", rel);
}

struct local_job *
local_changes_start(struct http *h, const char *root, local_done_fn done, void *ud)
{
	struct local_job *j = local_job_new(h, root, done, ud);

	local_changes_begin(j);
	local_job_run(j, -1, true);
	return j;
}

struct local_job *
local_diff_start(struct http *h, const char *root, const char *rel, local_done_fn done, void *ud)
{
	struct local_job *j = local_job_new(h, root, done, ud);

	local_diff_begin(j, rel);
	local_job_run(j, -1, true);
	return j;
}
