/* src/demo.c: see demo.h. */
#include "src/demo.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "ohbrowse_config.h"
#include "src/base/util.h"

/* Candidates: $OHBROWSE_FAKEHANDS, the build tree next to us, the install's libexec dir. */
static char *
find_fakehands(const char *argv0)
{
	const char *env = getenv("OHBROWSE_FAKEHANDS");
	char self[PATH_MAX];
	ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);

	if (env && *env)
		return xstrdup(env);
	if (n > 0) {
		self[n] = '\0';
		char *slash = strrchr(self, '/');
		if (slash) {
			*slash = '\0';
			const char *rel[] = {"/../tests/fakehands/fakehands", "/fakehands",
					     "/../libexec/ohbrowse/fakehands"};
			for (size_t i = 0; i < ARRAY_SIZE(rel); i++) {
				char *p = xasprintf("%s%s", self, rel[i]);
				if (access(p, X_OK) == 0)
					return p;
				free(p);
			}
		}
	}
	char *p = xasprintf("%s/fakehands", OHBROWSE_LIBEXECDIR);
	if (access(p, X_OK) == 0)
		return p;
	free(p);
	(void)argv0;
	return NULL;
}

int
demo_start(struct demo *d, const char *argv0, char *err, size_t errlen)
{
	int in[2], out[2];
	char *exe = find_fakehands(argv0);

	memset(d, 0, sizeof(*d));
	d->stdin_fd = -1;
	if (!exe) {
		snprintf(err, errlen, "the demo server (fakehands) was not found; build it with meson "
			 "(it needs libmicrohttpd-dev) or set OHBROWSE_FAKEHANDS");
		return -1;
	}
	if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) {
		snprintf(err, errlen, "cannot start the demo server: %s", strerror(errno));
		free(exe);
		return -1;
	}
	d->pid = fork();
	if (d->pid < 0) {
		snprintf(err, errlen, "cannot start the demo server: %s", strerror(errno));
		free(exe);
		return -1;
	}
	if (d->pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		int devnull = open("/dev/null", O_WRONLY);
		if (devnull >= 0)
			dup2(devnull, 2);	/* the server must never draw over the TUI */
		execl(exe, exe, "--demo", "--exit-with-stdin", (char *)NULL);
		_exit(127);
	}
	free(exe);
	close(in[0]);
	close(out[1]);
	d->stdin_fd = in[1];
	FILE *f = fdopen(out[0], "r");
	char line[512];
	while (f && fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (strncmp(line, "app ", 4) == 0) {
			free(d->app_url);
			d->app_url = xstrdup(line + 4);
		} else if (strcmp(line, "ready") == 0) {
			break;
		}
	}
	if (f)
		fclose(f);
	if (!d->app_url) {
		snprintf(err, errlen, "the demo server did not start (no address printed)");
		demo_stop(d);
		return -1;
	}
	return 0;
}

void
demo_stop(struct demo *d)
{
	if (d->stdin_fd >= 0)
		close(d->stdin_fd);
	d->stdin_fd = -1;
	if (d->pid > 0) {
		kill(d->pid, SIGTERM);
		waitpid(d->pid, NULL, 0);
		d->pid = 0;
	}
	free(d->app_url);
	d->app_url = NULL;
}
