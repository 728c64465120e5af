/* src/signals.c: self-pipe signal handling and the fatal-signal emergency restore (see signals.h). */
#include "src/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t sig_stop;		/* SIGINT/SIGTERM/SIGHUP seen */
static void (*volatile sig_emergency)(void);
static int sig_depth;
/* What an inner init hid from the outer level, given back by its end (depth 2 only:
 * main, then the browser inside it). */
static sig_atomic_t outer_stop;
static void (*outer_emergency)(void);

static const int sig_loop[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP };
static const int sig_fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
static struct sigaction old_loop[N_OF(sig_loop)];
static struct sigaction old_fatal[N_OF(sig_fatal)];
static struct sigaction old_pipe;

static void
signals_on_loop(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;
	if (signo != SIGWINCH)
		sig_stop = 1;
	if (sig_pipe[1] >= 0 && write(sig_pipe[1], &b, 1) < 0) {
		/* Pipe full: the loop already has bytes to read. */
	}
	errno = saved;
}

/* Only async-signal-safe calls from here on: the heap or stdio may be what crashed. */
static void
signals_on_fatal(int signo)
{
	static const char restored[] = "ohbrowse: fatal signal; terminal restored\n";
	static const char plain[] = "ohbrowse: fatal signal\n";	/* a command: no terminal state */
	void (*hook)(void) = sig_emergency;
	if (hook)
		hook();
	if (write(STDERR_FILENO, hook ? restored : plain, hook ? sizeof(restored) - 1 : sizeof(plain) - 1) < 0) {
		/* nothing more we can do */
	}
	for (size_t i = 0; i < N_OF(sig_fatal); i++)
		if (sig_fatal[i] == signo)
			sigaction(signo, &old_fatal[i], NULL);
	raise(signo);
}

static void
signals_set_loop(bool restart)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = signals_on_loop;
	for (size_t i = 0; i < N_OF(sig_loop); i++) {
		/* SIGWINCH always restarts: a resize must never end a prompt. */
		sa.sa_flags = restart || sig_loop[i] == SIGWINCH ? SA_RESTART : 0;
		sigaction(sig_loop[i], &sa, NULL);
	}
}

bool
signals_init(void (*emergency)(void))
{
	if (sig_depth > 0) {
		outer_stop = sig_stop;
		outer_emergency = sig_emergency;
		sig_stop = 0;
		sig_emergency = emergency;
		sig_depth++;
		return true;
	}
	if (pipe(sig_pipe) != 0)
		return false;
	for (int i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	sig_stop = 0;
	sig_emergency = emergency;
	for (size_t i = 0; i < N_OF(sig_loop); i++)
		sigaction(sig_loop[i], NULL, &old_loop[i]);
	signals_set_loop(true);
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = signals_on_fatal;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < N_OF(sig_fatal); i++)
		sigaction(sig_fatal[i], &sa, &old_fatal[i]);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, &old_pipe);
	sig_depth = 1;
	return true;
}

void
signals_end(void)
{
	if (sig_depth == 0)
		return;
	if (--sig_depth > 0) {
		sig_emergency = outer_emergency;
		sig_stop = outer_stop;
		return;
	}
	for (size_t i = 0; i < N_OF(sig_loop); i++)
		sigaction(sig_loop[i], &old_loop[i], NULL);
	for (size_t i = 0; i < N_OF(sig_fatal); i++)
		sigaction(sig_fatal[i], &old_fatal[i], NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	sig_emergency = NULL;
	sig_stop = 0;
}

int
signals_fd(void)
{
	return sig_pipe[0];
}

unsigned
signals_take(void)
{
	unsigned set = 0;
	unsigned char buf[64];
	ssize_t n;
	while (sig_pipe[0] >= 0 && (n = read(sig_pipe[0], buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] < 32)
				set |= 1u << buf[i];
	return set;
}

bool
signals_interrupted(void)
{
	return sig_stop != 0;
}

void
signals_interrupt_reads(bool on)
{
	if (sig_depth > 0)
		signals_set_loop(!on);
}
