/* tests/unit/test_signals.c: the one signal module (src/signals.c) that the CLI and the
 * browser share: handlers put back at the end, the interrupted flag and the pipe, the
 * nesting of the browser inside main, prompts that Ctrl-C may end, and the fatal path
 * (hook called, the process still dies by the signal). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <signal.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "src/signals.h"

static void
mine(int signo)
{
	(void)signo;
}

static void (*handler_of(int signo))(int)
{
	struct sigaction sa;
	sigaction(signo, NULL, &sa);
	return sa.sa_handler;
}

static int
flags_of(int signo)
{
	struct sigaction sa;
	sigaction(signo, NULL, &sa);
	return sa.sa_flags;
}

static void
set_handler(int signo, void (*h)(int))
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = h;
	sigaction(signo, &sa, NULL);
}

/* What the program found is what it leaves: the CLI never restored them before. */
static void
test_end_restores(void **state)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP, SIGWINCH, SIGSEGV, SIGABRT };
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		set_handler(sigs[i], mine);
	set_handler(SIGPIPE, SIG_DFL);
	assert_true(signals_init(NULL));
	assert_true(signals_fd() >= 0);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		assert_ptr_not_equal(handler_of(sigs[i]), mine);
	assert_ptr_equal(handler_of(SIGPIPE), SIG_IGN);
	signals_end();
	assert_int_equal(signals_fd(), -1);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		assert_ptr_equal(handler_of(sigs[i]), mine);
	assert_ptr_equal(handler_of(SIGPIPE), SIG_DFL);
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		set_handler(sigs[i], SIG_DFL);
}

static void
test_flag_and_pipe(void **state)
{
	assert_true(signals_init(NULL));
	assert_true(flags_of(SIGINT) & SA_RESTART);
	raise(SIGWINCH);
	assert_false(signals_interrupted());	/* a resize is no reason to stop */
	assert_int_equal(signals_take(), 1u << SIGWINCH);
	assert_int_equal(signals_take(), 0);
	raise(SIGINT);
	assert_true(signals_interrupted());
	raise(SIGTERM);
	assert_int_equal(signals_take(), (1u << SIGINT) | (1u << SIGTERM));
	assert_true(signals_interrupted());	/* taking the bytes leaves the flag */
	signals_end();
	assert_false(signals_interrupted());
}

/* The browser runs inside main's handlers: its Ctrl-C is its own, and must not stop
 * what the CLI does after it (pausing the sandboxes it woke). */
static void
test_nesting(void **state)
{
	assert_true(signals_init(NULL));
	int fd = signals_fd();
	assert_true(signals_init(NULL));
	assert_int_equal(signals_fd(), fd);
	raise(SIGINT);
	assert_true(signals_interrupted());
	signals_end();
	assert_false(signals_interrupted());
	assert_int_equal(signals_fd(), fd);	/* still installed */
	assert_int_equal(signals_take(), 1u << SIGINT);
	raise(SIGHUP);
	assert_true(signals_init(NULL));
	assert_false(signals_interrupted());
	signals_end();
	assert_true(signals_interrupted());	/* the outer level's SIGHUP is given back */
	signals_end();
	assert_int_equal(signals_fd(), -1);
}

static void
test_interrupt_reads(void **state)
{
	assert_true(signals_init(NULL));
	signals_interrupt_reads(true);
	assert_false(flags_of(SIGINT) & SA_RESTART);
	assert_false(flags_of(SIGTERM) & SA_RESTART);
	assert_true(flags_of(SIGWINCH) & SA_RESTART);
	signals_interrupt_reads(false);
	assert_true(flags_of(SIGINT) & SA_RESTART);
	signals_end();
}

static int hook_fd = -1;

static void
hook(void)
{
	if (write(hook_fd, "E", 1) < 0) {
		/* the parent then sees no byte and fails */
	}
}

/* The child installs, raises signo; the parent sees the hook's byte and a death by signo. */
static void
fatal_case(int signo)
{
	int p[2];
	assert_int_equal(pipe(p), 0);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(p[0]);
		hook_fd = p[1];
		int null = open("/dev/null", O_WRONLY);
		dup2(null, STDERR_FILENO);
		/* The default action underneath, not a sanitizer's handler that would exit(1). */
		set_handler(signo, SIG_DFL);
		if (!signals_init(hook))
			_exit(3);
		raise(signo);
		_exit(4);	/* not reached when the signal kills us */
	}
	close(p[1]);
	char b = 0;
	ssize_t n = read(p[0], &b, 1);
	close(p[0]);
	int st = 0;
	assert_int_equal(waitpid(pid, &st, 0), pid);
	assert_int_equal(n, 1);
	assert_int_equal(b, 'E');
	assert_true(WIFSIGNALED(st));
	assert_int_equal(WTERMSIG(st), signo);
}

static void
test_fatal_segv(void **state)
{
	fatal_case(SIGSEGV);
}

static void
test_fatal_abrt(void **state)
{
	fatal_case(SIGABRT);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_end_restores),
		cmocka_unit_test(test_flag_and_pipe),
		cmocka_unit_test(test_nesting),
		cmocka_unit_test(test_interrupt_reads),
		cmocka_unit_test(test_fatal_segv),
		cmocka_unit_test(test_fatal_abrt),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
