/*
 * src/demo.h: `ohbrowse --demo` -- start the bundled fake OpenHands server
 * (fakehands, built from tests/fakehands) on 127.0.0.1 with its demo scenario
 * and point ohbrowse at it, so every feature can be tried without an account.
 *
 * The server gets a pipe as stdin and --exit-with-stdin, so it can never
 * outlive us, even if we crash.
 */
#ifndef OHBROWSE_SRC_DEMO_H
#define OHBROWSE_SRC_DEMO_H

#include <stddef.h>
#include <sys/types.h>

struct demo {
	pid_t pid;
	int stdin_fd;		/* our end of the server's stdin */
	char *app_url;
};

/* 0 on success; -1 with a message in err (e.g. fakehands was not built). */
int demo_start(struct demo *d, const char *argv0, char *err, size_t errlen);
void demo_stop(struct demo *d);

#endif
