/* src/signals.c: self-pipe signal handling and fatal-signal restore (see signals.h). */
#include "src/signals.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

static int sig_pipe[2] = { -1, -1 };
static volatile sig_atomic_t sig_pending;
static void (*sig_restore)(void);

static const int sig_loop[] = { SIGWINCH, SIGINT, SIGTERM, SIGHUP };
static const int sig_fatal[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT };
static struct sigaction old_loop[sizeof(sig_loop) / sizeof(sig_loop[0])];
static struct sigaction old_fatal[sizeof(sig_fatal) / sizeof(sig_fatal[0])];
static struct sigaction old_pipe;
static bool sig_installed;

static void
signals_on_loop(int signo)
{
	int saved = errno;
	unsigned char b = (unsigned char)signo;
	sig_pending = 1;
	if (sig_pipe[1] >= 0 && write(sig_pipe[1], &b, 1) < 0) {
		/* Pipe full: the loop already has bytes to read. */
	}
	errno = saved;
}

static void
signals_on_fatal(int signo)
{
	if (sig_restore)
		sig_restore();
	static const char note[] = "ohbrowse: fatal signal; terminal restored\n";
	if (write(STDERR_FILENO, note, sizeof(note) - 1) < 0) {
		/* nothing more we can do */
	}
	for (size_t i = 0; i < sizeof(sig_fatal) / sizeof(sig_fatal[0]); i++)
		if (sig_fatal[i] == signo)
			sigaction(signo, &old_fatal[i], NULL);
	raise(signo);
}

bool
signals_init(void (*restore)(void))
{
	if (sig_installed)
		return true;
	if (pipe(sig_pipe) != 0)
		return false;
	for (int i = 0; i < 2; i++) {
		fcntl(sig_pipe[i], F_SETFL, fcntl(sig_pipe[i], F_GETFL) | O_NONBLOCK);
		fcntl(sig_pipe[i], F_SETFD, FD_CLOEXEC);
	}
	sig_restore = restore;
	struct sigaction sa;
	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = signals_on_loop;
	sa.sa_flags = SA_RESTART;
	for (size_t i = 0; i < sizeof(sig_loop) / sizeof(sig_loop[0]); i++)
		sigaction(sig_loop[i], &sa, &old_loop[i]);
	sa.sa_handler = signals_on_fatal;
	sa.sa_flags = SA_RESETHAND;
	for (size_t i = 0; i < sizeof(sig_fatal) / sizeof(sig_fatal[0]); i++)
		sigaction(sig_fatal[i], &sa, &old_fatal[i]);
	sa.sa_handler = SIG_IGN;
	sa.sa_flags = 0;
	sigaction(SIGPIPE, &sa, &old_pipe);
	sig_installed = true;
	return true;
}

void
signals_end(void)
{
	if (!sig_installed)
		return;
	for (size_t i = 0; i < sizeof(sig_loop) / sizeof(sig_loop[0]); i++)
		sigaction(sig_loop[i], &old_loop[i], NULL);
	for (size_t i = 0; i < sizeof(sig_fatal) / sizeof(sig_fatal[0]); i++)
		sigaction(sig_fatal[i], &old_fatal[i], NULL);
	sigaction(SIGPIPE, &old_pipe, NULL);
	close(sig_pipe[0]);
	close(sig_pipe[1]);
	sig_pipe[0] = sig_pipe[1] = -1;
	sig_restore = NULL;
	sig_installed = false;
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
	sig_pending = 0;
	while (sig_pipe[0] >= 0 && (n = read(sig_pipe[0], buf, sizeof(buf))) > 0)
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] < 32)
				set |= 1u << buf[i];
	return set;
}
