/* src/handover.c: running $PAGER or $EDITOR on a temporary copy (see handover.h). */
#include "src/handover.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "src/base/util.h"

const char *
handover_pager(void)
{
	const char *p = getenv("PAGER");
	return p && *p ? p : "less";
}

const char *
handover_editor(void)
{
	const char *e = getenv("VISUAL");
	if (!e || !*e)
		e = getenv("EDITOR");
	return e && *e ? e : "vi";
}

/* The last path component, reduced to characters safe in a file name. */
static void
handover_base(char *out, size_t n, const char *name)
{
	const char *b = name ? strrchr(name, '/') : NULL;
	b = b ? b + 1 : name ? name : "";
	size_t k = 0;
	for (; *b && k + 1 < n; b++) {
		char c = *b;
		bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
			  c == '-' || c == '_';
		out[k++] = ok ? c : '_';
	}
	out[k] = '\0';
	if (!k || out[0] == '.')
		snprintf(out, n, "text");
}

bool
handover_start(struct handover *h, const char *cmd, const char *name, const char *text, size_t len,
	       bool readonly, int stderr_fd, char *err, size_t errlen)
{
	const char *tmpdir = getenv("TMPDIR");
	char base[80];
	handover_base(base, sizeof(base), name);
	char *dir = xasprintf("%s/ohbrowse-XXXXXX", tmpdir && *tmpdir ? tmpdir : "/tmp");
	if (!mkdtemp(dir)) {
		snprintf(err, errlen, "cannot make a temporary directory: %s", strerror(errno));
		free(dir);
		return false;
	}
	char *path = xasprintf("%s/%s", dir, base);
	free(dir);
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	bool ok = fd >= 0;
	for (size_t off = 0; ok && off < len;) {
		ssize_t w = write(fd, text + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		ok = w > 0;
		off += ok ? (size_t)w : 0;
	}
	if (fd >= 0 && close(fd) != 0)
		ok = false;
	if (!ok) {
		snprintf(err, errlen, "cannot write the temporary copy %s: %s", path, strerror(errno));
		unlink(path);
		*strrchr(path, '/') = '\0';
		rmdir(path);
		free(path);
		return false;
	}
	if (readonly)
		chmod(path, 0400);
	fflush(stdout);
	fflush(stderr);
	/* Built before fork: the child only execs (curl may run resolver threads). */
	char *line = xasprintf("%s \"$1\"", cmd);
	pid_t pid = fork();
	if (pid < 0) {
		snprintf(err, errlen, "cannot start %s: %s", cmd, strerror(errno));
		unlink(path);
		free(path);
		free(line);
		return false;
	}
	if (pid == 0) {
		/* The child: default signals (SIGPIPE was ignored), the real stderr. */
		signal(SIGPIPE, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGWINCH, SIG_DFL);
		if (stderr_fd >= 0)
			dup2(stderr_fd, STDERR_FILENO);
		execl("/bin/sh", "sh", "-c", line, "sh", path, (char *)NULL);
		_exit(127);
	}
	free(line);
	h->pid = pid;
	h->tmp = path;
	size_t k = 0;
	while (cmd[k] && cmd[k] != ' ' && k + 1 < sizeof(h->program))
		k++;
	snprintf(h->program, sizeof(h->program), "%.*s", (int)k, cmd);
	return true;
}

int
handover_poll(struct handover *h)
{
	if (!h->pid)
		return 0;
	int st;
	pid_t r = waitpid(h->pid, &st, WNOHANG);
	if (r == 0 || (r < 0 && errno == EINTR))
		return -1;
	h->pid = 0;
	if (h->tmp) {
		chmod(h->tmp, 0600);
		unlink(h->tmp);
		*strrchr(h->tmp, '/') = '\0';
		rmdir(h->tmp);
		free(h->tmp);
		h->tmp = NULL;
	}
	if (r < 0)
		return 0;
	return WIFEXITED(st) ? WEXITSTATUS(st) : WIFSIGNALED(st) ? 128 + WTERMSIG(st) : 0;
}
