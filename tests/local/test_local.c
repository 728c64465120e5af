/*
 * tests/local/test_local.c: local workspace ops never block the loop (issue 12 item 4).
 *
 * Each op runs as a job stepped by the engine (api/local.h); these tests drive the engine
 * the way the browser's loop does (http_wait, http_perform) and check that the work is cut
 * into steps, that a timer keeps firing while it runs, and that the results are exact: a
 * copy bigger than one step is byte-identical, a walk over many steps is complete and
 * sorted, git's output comes through its pipe, and a FIFO named like a file is refused
 * without ever being waited on.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "api/http.h"
#include "api/local.h"
#include "api/local_int.h"
#include "src/base/util.h"

static char tmpdir[256];

/* What a job reported, and how the loop turned meanwhile. */
struct run {
	bool done;
	int turns;		/* http_perform calls until done */
	int progress_calls;
	int64_t last_progress;
	bool progress_grew;	/* every report was more than the one before */
	int ticks;		/* a 0 ms timer that re-arms itself: the loop's other work */
	bool ticking;
	bool saw_pipe;		/* the job waited on an fd (git's pipe) instead of spinning */
	struct http *h;
	struct local_job *job;
};

static void
run_done(void *ud, struct local_job *job)
{
	struct run *r = ud;

	assert_ptr_equal(job, r->job);
	assert_false(r->done);	/* exactly once */
	r->done = true;
}

static void
run_progress(void *ud, int64_t done, int64_t total)
{
	struct run *r = ud;

	r->progress_grew = (r->progress_calls == 0 || done > r->last_progress) && (r->progress_calls == 0 || r->progress_grew);
	r->last_progress = done;
	r->progress_calls++;
	assert_true(done <= total);
}

static void
tick(void *ud)
{
	struct run *r = ud;

	r->ticks++;
	if (r->ticking)
		http_timer_add(r->h, 1, tick, r);
}

/* Turn the loop until the job is done (at most limit turns). */
static void
loop(struct run *r, int limit)
{
	r->ticking = true;
	http_timer_add(r->h, 1, tick, r);
	while (!r->done && r->turns < limit) {
		http_wait(r->h, NULL, 0, 1000);
		if (r->job->work.fd >= 0 && !r->job->work.busy)
			r->saw_pipe = true;
		http_perform(r->h);
		r->turns++;
	}
	r->ticking = false;
	/* the last tick's timer is still queued: let it run once more and stop */
	http_perform(r->h);
	assert_true(r->done);
}

static char *
path_in(const char *rel)
{
	return xasprintf("%s/%s", tmpdir, rel);
}

static void
write_file(const char *rel, const void *data, size_t len)
{
	char *p = path_in(rel);
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, 0644);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	close(fd);
	free(p);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/ohb-test-local.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
	assert_non_null(mkdtemp(tmpdir));
	return 0;
}

static int
teardown(void **state)
{
	(void)state;
	char *cmd = xasprintf("rm -rf '%s'", tmpdir);
	int rc = system(cmd);

	free(cmd);
	return rc == 0 ? 0 : -1;
}

/* A copy bigger than one step: many steps, progress after each, a timer firing in between,
 * and the bytes exactly the file's. */
static void
test_copy_in_slices(void **state)
{
	(void)state;
	size_t len = 5 * LOCAL_STEP_BYTES + 12345;
	unsigned char *data = xmalloc(len);
	uint32_t x = 2463534242u;

	for (size_t i = 0; i < len; i++) {
		x ^= x << 13, x ^= x >> 17, x ^= x << 5;
		data[i] = (unsigned char)x;
	}
	write_file("big.bin", data, len);
	char *outp = path_in("copy.out");
	int out = open(outp, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(out >= 0);
	struct run r = {.h = http_new(NULL)};
	r.job = local_copy_start(r.h, tmpdir, "big.bin", out, run_progress, run_done, &r);
	assert_false(r.done);	/* never from the start call */
	loop(&r, 1000);
	assert_null(local_job_error(r.job));
	assert_int_equal(local_job_bytes(r.job), (int64_t)len);
	assert_true(r.turns >= 6);		/* at most LOCAL_STEP_BYTES a step */
	assert_true(r.progress_calls >= 5);
	assert_true(r.progress_grew);
	assert_true(r.ticks >= 3);	/* the loop's timers ran between the slices */
	unsigned char *back = xmalloc(len);
	assert_int_equal(pread(out, back, len, 0), (ssize_t)len);
	assert_memory_equal(back, data, len);
	local_job_free(r.job);
	close(out);
	http_free(r.h);
	free(back);
	free(data);
	free(outp);
}

/* A FIFO named like a file: refused as not a regular file, never opened for a read that
 * would wait for a writer (the alarm ends the test if it does). */
static void
test_fifo_refused(void **state)
{
	(void)state;
	char *p = path_in("notes.txt");

	assert_int_equal(mkfifo(p, 0600), 0);
	alarm(10);
	struct run r = {.h = http_new(NULL)};
	r.job = local_copy_start(r.h, tmpdir, "notes.txt", 1, NULL, run_done, &r);
	loop(&r, 10);
	assert_non_null(local_job_error(r.job));
	assert_non_null(strstr(local_job_error(r.job)->message, "not a regular file"));
	local_job_free(r.job);
	struct run r2 = {.h = r.h};
	r2.job = local_head_start(r2.h, tmpdir, "notes.txt", 4096, run_done, &r2);
	loop(&r2, 10);
	assert_non_null(local_job_error(r2.job));
	local_job_free(r2.job);
	/* and a walk lists it not at all (a FIFO is neither a file nor a directory) */
	struct run r3 = {.h = r.h};
	r3.job = local_walk_start(r3.h, tmpdir, "", false, 10, 1000, run_done, &r3);
	loop(&r3, 100);
	assert_null(local_job_error(r3.job));
	struct api_file_list *l = local_job_files(r3.job);
	for (size_t i = 0; i < l->count; i++)
		assert_string_not_equal(l->items[i].path, "notes.txt");
	local_job_free(r3.job);
	alarm(0);
	unlink(p);
	free(p);
	http_free(r.h);
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* 30 directories of 400 files: many steps to read, blocks merged in steps, every path once
 * and in strcmp order, .gitignore honoured; and a walk freed halfway leaks nothing. */
static void
test_walk_in_steps(void **state)
{
	(void)state;
	size_t n_dirs = 30, per = 400, n = 0;
	char **want = xcalloc(n_dirs * (per + 1) + 4, sizeof(*want));
	char *p;

	p = path_in("tree");
	assert_int_equal(mkdir(p, 0755), 0);
	free(p);
	write_file("tree/.gitignore", "*.o\n", 4);
	want[n++] = xstrdup(".gitignore");
	for (size_t d = 0; d < n_dirs; d++) {
		/* names whose order by path differs from a depth-first order: "d7" < "d7-x" < "d7/" */
		char *dir = xasprintf("w/d%zu", d);
		char *tdir = xasprintf("tree/%s", dir);
		if (d == 0) {
			p = path_in("tree/w");
			mkdir(p, 0755);
			free(p);
			want[n++] = xstrdup("w");
		}
		p = path_in(tdir);
		assert_int_equal(mkdir(p, 0755), 0);
		free(p);
		want[n++] = xstrdup(dir);
		for (size_t i = 0; i < per; i++) {
			char *rel = xasprintf("%s/f%zu%s", dir, i, i % 50 == 0 ? ".o" : ".c");
			char *trel = xasprintf("tree/%s", rel);
			write_file(trel, "x", 1);
			free(trel);
			if (i % 50 != 0)
				want[n++] = rel;
			else
				free(rel);
		}
		char *side = xasprintf("w/d%zu-x", d);
		char *tside = xasprintf("tree/%s", side);
		write_file(tside, "y", 1);
		free(tside);
		want[n++] = side;
		free(dir);
		free(tdir);
	}
	qsort(want, n, sizeof(*want), cmp_str);
	char *root = path_in("tree");
	struct run r = {.h = http_new(NULL)};
	r.job = local_walk_start(r.h, root, "", false, 10, 100000, run_done, &r);
	loop(&r, 100000);
	assert_null(local_job_error(r.job));
	struct api_file_list *l = local_job_files(r.job);
	assert_int_equal(l->count, n);
	for (size_t i = 0; i < n; i++)
		assert_string_equal(l->items[i].path, want[i]);
	assert_true(r.turns >= (int)(n / LOCAL_STEP_ENTRIES));
	assert_true(r.turns > 2);
	assert_true(r.ticks >= 3);
	local_job_free(r.job);

	/* too many files: an error, not a partial list */
	struct run r2 = {.h = r.h};
	r2.job = local_walk_start(r2.h, root, "", false, 10, 5000, run_done, &r2);
	loop(&r2, 100000);
	assert_non_null(local_job_error(r2.job));
	local_job_free(r2.job);

	/* freed after a few steps: nothing leaks, nothing runs after (ASan, valgrind) */
	for (int stop = 1; stop <= 3; stop++) {
		struct run r3 = {.h = r.h};
		r3.job = local_walk_start(r3.h, root, "", false, 10, 100000, run_done, &r3);
		for (int i = 0; i < stop; i++)
			http_perform(r3.h);
		assert_false(r3.done);	/* 11,822 entries take more than 3 steps */
		local_job_free(r3.job);
		http_perform(r3.h);
		assert_false(r3.done);
	}
	for (size_t i = 0; i < n; i++)
		free(want[i]);
	free(want);
	free(root);
	http_free(r.h);
}

static bool
have_git(void)
{
	return system("git --version >/dev/null 2>&1") == 0;
}

/* git status and a diff through the non-blocking pipe, with a git that takes its time (a
 * wrapper that sleeps first): the loop waits on the pipe and keeps turning. */
static void
test_git_through_pipe(void **state)
{
	(void)state;
	if (!have_git()) {
		skip();
		return;
	}
	char *cmd = xasprintf("cd '%s' && mkdir repo && cd repo && git init -q && printf 'old\\n' >a.txt && "
			      "git add a.txt && git -c user.email=t@t -c user.name=t commit -qm init && "
			      "printf 'new\\n' >a.txt && printf 'u\\n' >untracked.txt", tmpdir);
	assert_int_equal(system(cmd), 0);
	free(cmd);
	/* a slow git first on PATH */
	char *bin = path_in("bin");
	assert_int_equal(mkdir(bin, 0755), 0);
	char *real = NULL;
	FILE *f = popen("command -v git", "r");
	char line[512] = "";
	assert_non_null(fgets(line, sizeof(line), f));
	pclose(f);
	line[strcspn(line, "\n")] = '\0';
	real = xstrdup(line);
	char *script = xasprintf("#!/bin/sh\nsleep 0.2\nexec '%s' \"$@\"\n", real);
	write_file("bin/git", script, strlen(script));
	char *gitp = path_in("bin/git");
	chmod(gitp, 0755);
	char *old_path = xstrdup(getenv("PATH"));
	char *new_path = xasprintf("%s:%s", bin, old_path);
	setenv("PATH", new_path, 1);
	char *root = path_in("repo");

	struct run r = {.h = http_new(NULL)};
	int64_t t0 = clock_now_ms();
	r.job = local_changes_start(r.h, root, run_done, &r);
	loop(&r, 100000);
	int64_t took = clock_now_ms() - t0;
	assert_null(local_job_error(r.job));
	struct api_file_list *l = local_job_files(r.job);
	assert_int_equal(l->count, 2);
	assert_string_equal(l->items[0].path, "a.txt");
	assert_int_equal(l->items[0].change, API_CHANGE_MODIFIED);
	assert_string_equal(l->items[1].path, "untracked.txt");
	assert_int_equal(l->items[1].change, API_CHANGE_UNTRACKED);
	assert_true(r.saw_pipe);
	/* three gits of 200 ms each: the loop slept on their pipes, and turned when they wrote */
	assert_true(took >= 600);
	assert_true(r.turns >= 3);
	local_job_free(r.job);

	struct run r2 = {.h = r.h};
	r2.job = local_diff_start(r2.h, root, "a.txt", run_done, &r2);
	loop(&r2, 100000);
	assert_null(local_job_error(r2.job));
	const char *text = local_job_text(r2.job, NULL, NULL);
	assert_non_null(strstr(text, "-old"));
	assert_non_null(strstr(text, "+new"));
	local_job_free(r2.job);

	/* freed while git runs: git is killed, nothing is delivered, nothing waits */
	struct run r3 = {.h = r.h};
	r3.job = local_changes_start(r3.h, root, run_done, &r3);
	http_perform(r3.h);
	int64_t t1 = clock_now_ms();
	local_job_free(r3.job);
	assert_true(clock_now_ms() - t1 < 100);
	http_perform(r3.h);
	assert_false(r3.done);

	/* not a repository */
	setenv("PATH", old_path, 1);
	struct run r4 = {.h = r.h};
	r4.job = local_changes_start(r4.h, bin, run_done, &r4);
	loop(&r4, 100000);
	assert_non_null(local_job_error(r4.job));
	assert_int_equal(local_job_error(r4.job)->kind, API_ERR_NOT_FOUND);
	local_job_free(r4.job);
	http_free(r.h);
	free(root);
	free(new_path);
	free(old_path);
	free(gitp);
	free(script);
	free(real);
	free(bin);
}

/* More gits at once than http_wait() polls pipes for (8): the rest are looked at every 10 ms,
 * and every one ends with the right answer. */
static void
test_many_gits(void **state)
{
	(void)state;
	if (!have_git()) {
		skip();
		return;
	}
	enum { N = 11 };
	char *root = path_in("repo");	/* made by test_git_through_pipe */
	struct http *h = http_new(NULL);
	struct run r[N];
	int done = 0, turns = 0;

	for (int i = 0; i < N; i++) {
		r[i] = (struct run){.h = h};
		r[i].job = local_changes_start(h, root, run_done, &r[i]);
	}
	while (done < N && turns++ < 100000) {
		http_wait(h, NULL, 0, 1000);
		http_perform(h);
		done = 0;
		for (int i = 0; i < N; i++)
			done += r[i].done;
	}
	for (int i = 0; i < N; i++) {
		assert_true(r[i].done);
		assert_null(local_job_error(r[i].job));
		assert_int_equal(local_job_files(r[i].job)->count, 2);
		local_job_free(r[i].job);
	}
	http_free(h);
	free(root);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_in_slices),
		cmocka_unit_test(test_fifo_refused),
		cmocka_unit_test(test_walk_in_steps),
		cmocka_unit_test(test_git_through_pipe),
		cmocka_unit_test(test_many_gits),
	};

	http_global_init();
	int rc = cmocka_run_group_tests(tests, setup, teardown);
	http_global_cleanup();
	return rc;
}
