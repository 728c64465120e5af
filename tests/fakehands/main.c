/*
 * tests/fakehands/main.c: the fakehands command line.
 *
 * Owns: argument parsing, reading the scenario file (or the built-in demo),
 * printing the stdout protocol, and waiting for SIGINT/SIGTERM or, with
 * --exit-with-stdin, for EOF on stdin (so the server never outlives its parent).
 */
#include "tests/fakehands/fakehands.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/signalfd.h>
#include <unistd.h>

static void
usage(FILE *f)
{
	fputs("usage: fakehands [--scenario FILE | --demo] [--log FILE] [--bandwidth BYTES_PER_SEC] [--exit-with-stdin]\n"
	      "Starts a fake OpenHands deployment on 127.0.0.1 and prints one line per server:\n"
	      "  app URL / runtime ID URL / agent ID URL, then 'ready'.\n"
	      "See tests/fakehands/README.md for the scenario format.\n", f);
}

static char *
read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, k;

	if (!f)
		return NULL;
	do {
		if (n + 65536 > cap) {
			cap = cap ? cap * 2 : 131072;
			buf = realloc(buf, cap);
			if (!buf) {
				fclose(f);
				return NULL;
			}
		}
		k = fread(buf + n, 1, cap - n, f);
		n += k;
	} while (k > 0);
	fclose(f);
	*len = n;
	return buf;
}

int
main(int argc, char **argv)
{
	const char *scenario_path = NULL, *log_path = NULL;
	bool demo = false, exit_with_stdin = false;
	unsigned long long bandwidth = 0;
	char err[512], *text = NULL;
	size_t len = 0;

	/* libarchive's pax writer converts a UTF-8 name through the locale: in "C" a
	 * non-ASCII name crashes it, so the fake always runs in a UTF-8 locale */
	if (!setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "C.utf8");
	struct fakehands *fh;
	sigset_t set;
	int sfd;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--scenario") && i + 1 < argc) {
			scenario_path = argv[++i];
		} else if (!strcmp(a, "--demo")) {
			demo = true;
		} else if (!strcmp(a, "--log") && i + 1 < argc) {
			log_path = argv[++i];
		} else if (!strcmp(a, "--bandwidth") && i + 1 < argc) {
			char *end;

			bandwidth = strtoull(argv[++i], &end, 10);
			if (*end) {
				fprintf(stderr, "fakehands: bad --bandwidth %s\n", argv[i]);
				return 2;
			}
		} else if (!strcmp(a, "--exit-with-stdin")) {
			exit_with_stdin = true;
		} else if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
			usage(stdout);
			return 0;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (scenario_path && demo) {
		fputs("fakehands: --scenario and --demo exclude each other\n", stderr);
		return 2;
	}
	if (scenario_path) {
		text = read_file(scenario_path, &len);
		if (!text) {
			fprintf(stderr, "fakehands: cannot read %s: %s\n", scenario_path, strerror(errno));
			return 1;
		}
	}
	/* signals are taken synchronously through a signalfd: block them before any
	 * server thread exists so every thread inherits the mask */
	signal(SIGPIPE, SIG_IGN);
	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	sfd = signalfd(-1, &set, SFD_CLOEXEC);
	if (sfd < 0) {
		perror("fakehands: signalfd");
		return 1;
	}
	struct fakehands_options opt = { .log_path = log_path, .bandwidth = bandwidth };
	if (text)
		fh = fakehands_start(text, len, &opt, err, sizeof(err));
	else
		fh = fakehands_start(fakehands_demo_scenario, fakehands_demo_scenario_len, &opt, err, sizeof(err));
	free(text);
	if (!fh) {
		fprintf(stderr, "fakehands: %s\n", err);
		return 1;
	}
	fakehands_print_ports(fh, stdout);
	for (;;) {
		struct pollfd p[2] = { { .fd = sfd, .events = POLLIN }, { .fd = 0, .events = POLLIN } };

		if (poll(p, exit_with_stdin ? 2 : 1, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (p[0].revents)
			break;
		if (exit_with_stdin && p[1].revents) {
			char buf[4096];
			ssize_t n = read(0, buf, sizeof(buf));

			if (n <= 0 && !(n < 0 && errno == EINTR))
				break;	/* EOF: the parent is gone */
		}
	}
	fakehands_stop(fh);
	close(sfd);
	return 0;
}
