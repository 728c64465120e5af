/*
 * src/cli_login.c: `ohbrowse login` (see cli.h).
 *
 * Owns: reading the key from the terminal without echo (and the terminal's
 * restore if a fatal signal comes meanwhile), checking it against the server
 * with one listing request, and handing it to the key store.
 */
#include "src/cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <unistd.h>

#include "src/keystore.h"
#include "src/signals.h"
#include "src/base/util.h"

/* ------------------------------------------------------------ login */

struct login_ctx {
	bool done;
	struct api_error err;
};

static void
login_page(void *ud, struct api_conversation *rows, size_t n, bool more, const struct api_error *err)
{
	struct login_ctx *x = ud;

	x->done = true;
	if (err)
		x->err = *err;
}

/* The terminal as the prompt found it, for the fatal-signal path too: a crash while echo
 * is off must not leave the user's shell typing blind. */
static struct termios login_termios;

/* The emergency hook while the prompt runs (signals.h): async-signal-safe, tcsetattr only. */
static void
login_emergency(void)
{
	tcsetattr(0, TCSANOW, &login_termios);
}

static char *
read_secret(const char *prompt)
{
	struct termios quiet;
	bool tty = isatty(0);
	bool quieted = tty && tcgetattr(0, &login_termios) == 0;
	char buf[512];

	if (quieted) {
		quiet = login_termios;
		quiet.c_lflag &= ~(tcflag_t)ECHO;
		(void)signals_init(login_emergency);	/* nests inside main's */
		tcsetattr(0, TCSAFLUSH, &quiet);
	}
	if (tty) {	/* after the echo is off: what is typed once the prompt shows stays hidden */
		fputs(prompt, stderr);
		fflush(stderr);
	}
	signals_interrupt_reads(true);	/* Ctrl-C ends the prompt, as it always did */
	char *r = fgets(buf, sizeof(buf), stdin);
	signals_interrupt_reads(false);
	if (quieted) {
		tcsetattr(0, TCSAFLUSH, &login_termios);
		signals_end();
	}
	if (tty)
		fputc('\n', stderr);
	if (!r)
		return NULL;
	buf[strcspn(buf, "\r\n")] = '\0';
	char *s = buf;
	while (*s == ' ' || *s == '\t')
		s++;
	size_t n = strlen(s);
	while (n && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	char *key = n ? xstrndup(s, n) : NULL;
	memset(buf, 0, sizeof(buf));
	return key;
}

int
cli_login(struct http *h, const struct api_client_config *cfg, int argc, char **argv)
{
	if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
		printf("usage: ohbrowse login   (reads the API key from the terminal, without echo)\n");
		return EXIT_OK;
	}
	if (argc > 1)
		return cli_usage("login", "login takes no arguments; it asks for the key");
	fprintf(stderr, "Create an API key at %s/settings/api-keys, then paste it here.\n", cfg->server);
	char *key = read_secret("API key: ");
	if (!key) {
		fprintf(stderr, "ohbrowse: no key given; nothing was stored\n");
		return EXIT_USAGE;
	}
	struct api_client_config c2 = *cfg;
	struct api_error err = {0};
	c2.api_key = key;
	if (c2.auth == API_AUTH_NONE)
		c2.auth = API_AUTH_BEARER;
	struct api_client *c = api_client_new(h, &c2, &err);
	if (!c) {
		free(key);
		return cli_report(&err);
	}
	struct api_lister_opts lo = {.limit = 1};
	struct api_lister *l = api_lister_new(c, &lo);
	struct login_ctx x = {0};
	api_lister_next(l, login_page, &x);
	while (!x.done && !signals_interrupted())
		cli_turn(h, NULL);
	api_lister_free(l);
	api_client_free(c);
	int rc;
	if (!x.done) {
		rc = EXIT_INTERRUPTED;
	} else if (x.err.kind != API_OK) {
		rc = cli_report(&x.err);
		fprintf(stderr, "ohbrowse: the key was not stored\n");
	} else {
		char *path = NULL;
		char msg[512];
		if (keystore_store(key, cfg->server, &path, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "ohbrowse: %s\n", msg);
			rc = EXIT_NETWORK;
		} else {
			fprintf(stderr, "ohbrowse: the key works; stored in %s (mode 0600)\n", path);
			free(path);
			rc = EXIT_OK;
		}
	}
	memset(key, 0, strlen(key));
	free(key);
	return rc;
}
