/*
 * bench/engine.c: the engine's work per completion against the number of queued requests
 * (issue 16, item 3). Built as BUILD/bench/engine; bench/engine.sh runs it.
 *
 * For each queue size Q it submits Q requests that stay queued (their host's limiter has no
 * slot for them for a minute: nothing is sent), then M more that are cancelled at once, and
 * times the one http_perform() that runs the M completions. The cancelled ones are queued
 * last, where an engine that walks its whole list after each completion finds them last.
 * Nothing goes on the wire but one primer request that takes the limiter's only slot
 * (to a closed port on loopback), before the clock starts.
 *
 *   engine [M [Q...]]      defaults: 2000 completions, queues of 100 and 10000
 *
 * Prints one line per Q: "queued=Q completions=M us_per_completion=X marginal_us=Y": X is
 * the perform's time over M (the best of three runs), which includes the engine's one walk
 * of its list per round, once per http_perform(); Y is what M more completions add, each
 * (2M completions against M), which is the work per completion alone.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "api/http.h"
#include "src/base/util.h"

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
count_done(struct http_req *req, const struct http_result *res, void *ud)
{
	*(long *)ud += 1;
}

static double
run(long queued, long m)
{
	struct http_config hc = {.log_fd = -1, .max_attempts = 1};
	struct http *h = http_new(&hc);
	/* port 9 (discard) on loopback: refused at once, or answered; either ends the primer */
	const char *hold = "http://127.0.0.1:9/hold";
	struct http_limit slow = {.max_conns = 1, .per_minute = 1};	/* the primer's slot: a minute */
	long primed = 0, done = 0;

	http_set_host_limit(h, "http://127.0.0.1:9", slow);
	struct http_opts o = {.url = hold, .done = count_done, .ud = &primed, .timeout_ms = 2000};
	http_submit(h, &o);
	while (!primed) {
		http_perform(h);
		http_wait(h, NULL, 0, 20);
	}
	o.ud = &done;
	for (long i = 0; i < queued; i++)
		http_submit(h, &o);	/* no slot for a minute: stays queued */
	struct http_req **cancel = xcalloc((size_t)m, sizeof(*cancel));
	for (long i = 0; i < m; i++)
		cancel[i] = http_submit(h, &o);
	for (long i = 0; i < m; i++)
		http_cancel(cancel[i]);
	int64_t t0 = now_us();
	http_perform(h);
	int64_t t1 = now_us();
	if (done != m)
		fprintf(stderr, "engine: %ld of %ld completions ran\n", done, m);
	free(cancel);
	http_free(h);
	return (double)(t1 - t0) / (double)m;
}

/* The best of three runs: the allocator and the caches make single runs noisy. */
static double
best_of_three(long queued, long m)
{
	double best = run(queued, m);

	for (int k = 0; k < 2; k++) {
		double t = run(queued, m);
		best = t < best ? t : best;
	}
	return best;
}

int
main(int argc, char **argv)
{
	long m = argc > 1 ? atol(argv[1]) : 2000;
	long qs[8] = {100, 10000};
	int nq = 2;

	if (argc > 2) {
		nq = 0;
		for (int i = 2; i < argc && nq < 8; i++)
			qs[nq++] = atol(argv[i]);
	}
	http_global_init();
	for (int i = 0; i < nq; i++) {
		double one = best_of_three(qs[i], m) * (double)m;
		double two = best_of_three(qs[i], 2 * m) * (double)(2 * m);
		/* the second M completions cost two - one: what the perform does once (its walk of
		 * the list per round) cancels out */
		printf("queued=%ld completions=%ld us_per_completion=%.3f marginal_us=%.3f\n", qs[i], m,
		       one / (double)m, (two - one) / (double)m);
	}
	http_global_cleanup();
	return 0;
}
