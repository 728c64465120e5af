/*
 * src/cli_wake.c: a command's conversation and its sandbox (see cli.h).
 *
 * Owns: resolving an id or a unique id prefix to a conversation, waking its
 * sandbox when the command needs the files (with progress on stderr), and
 * putting what a command woke back to sleep afterwards (--keep-awake, the
 * browser's "pause again?" question).
 */
#include "src/cli.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "src/signals.h"
#include "src/base/util.h"

/* ------------------------------------------------------------ resolve + wake */

/* The V1 conversation a command woke (cli_release_woken pauses it again). */
static struct api_conversation woken;
static bool woken_set, keep_awake;

struct conv_ctx {
	bool done;
	struct api_conversation conv;
	struct api_error err;
	long last_report;
	bool verbose_wake;
};

static void
conv_got(void *ud, struct api_conversation *conv, const struct api_error *err)
{
	struct conv_ctx *x = ud;

	x->done = true;
	if (err)
		x->err = *err;
	else
		api_conversation_copy(&x->conv, conv);
}

static void
wake_progress(void *ud, long elapsed_ms, const char *status)
{
	struct conv_ctx *x = ud;

	if (elapsed_ms / 5000 != x->last_report / 5000 || x->last_report == 0)
		fprintf(stderr, "ohbrowse: waiting for the sandbox to start (%s, %ld s)...\n", status,
			elapsed_ms / 1000);
	x->last_report = elapsed_ms ? elapsed_ms : 1;
}

/* ---- id prefixes (issue 14): "a3f9c2" for the one conversation whose id starts so */

struct prefix_ctx {
	const char *prefix;
	char found[2][64];	/* the first two matches */
	size_t matches;
	bool done, more;
	struct api_error err;
};

static void
prefix_page(void *ud, struct api_conversation *rows, size_t n, bool more, const struct api_error *err)
{
	struct prefix_ctx *x = ud;

	x->done = true;
	x->more = more;
	if (err && err->kind != API_OK) {
		x->err = *err;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (!rows[i].id || strncasecmp(rows[i].id, x->prefix, strlen(x->prefix)) != 0)
			continue;
		if (x->matches < 2)
			snprintf(x->found[x->matches], sizeof(x->found[0]), "%s", rows[i].id);
		x->matches++;
	}
}

/* 6 to 31 hex digits: a prefix to look up; a whole id (or anything else) goes as it is. */
static bool
is_id_prefix(const char *id)
{
	size_t n = strlen(id);

	if (n < 6 || n >= 32)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)id[i]))
			return false;
	return true;
}

/* Read the list until the prefix names one conversation. 0 with full set, else an exit code
 * (2 when it names several or none: it was the user's word, like a malformed id). Local
 * conversations are found by prefix in local_find() already. */
static int
expand_prefix(struct api_client *c, const char *prefix, char *full, size_t n)
{
	struct prefix_ctx x = {.prefix = prefix};
	struct api_lister_opts lo = {0};
	struct api_lister *l = api_lister_new(c, &lo);
	struct http *h = api_client_http(c);

	do {
		x.done = false;
		struct api_op *op = api_lister_next(l, prefix_page, &x);
		while (!x.done && !signals_interrupted())
			cli_turn(h, NULL);
		if (!x.done) {
			api_op_cancel(&op);
			api_lister_free(l);
			fprintf(stderr, "ohbrowse: interrupted\n");
			return EXIT_INTERRUPTED;
		}
	} while (x.err.kind == API_OK && x.more && x.matches < 2);
	api_lister_free(l);
	if (x.err.kind != API_OK)
		return cli_report(&x.err);
	if (x.matches == 1) {
		snprintf(full, n, "%s", x.found[0]);
		return 0;
	}
	if (x.matches == 0)
		fprintf(stderr, "ohbrowse: no conversation id starts with %s ('ohbrowse list' shows them)\n",
			prefix);
	else
		fprintf(stderr, "ohbrowse: %s is the start of more than one id (%s, %s%s): type more of it\n",
			prefix, x.found[0], x.found[1], x.matches > 2 ? ", ..." : "");
	return EXIT_USAGE;
}

int
cli_resolve(struct api_client *c, const char *id, bool wake, bool for_events,
	    struct api_conversation *out)
{
	struct conv_ctx x = {0};
	char full[64];

	if (api_client_source(c) == API_SOURCE_CLOUD && is_id_prefix(id)) {
		int rc = expand_prefix(c, id, full, sizeof(full));
		if (rc != 0)
			return rc;
		id = full;
	}
	struct api_op *op = api_get_conversation(c, id, conv_got, &x);

	if (cli_wait(c, op, &x.done) != EXIT_OK)
		return EXIT_INTERRUPTED;
	if (x.err.kind != API_OK)
		return cli_report(&x.err);
	/* Events need a running sandbox only for V0 (V1 events come from the app server in any
	 * state, local ones from disk); files always do. */
	bool need = !api_conversation_is_running(&x.conv) &&
		    (!for_events || (wake && !x.conv.local && x.conv.version == API_V0));
	bool deleted = !x.conv.local && x.conv.version == API_V1 && x.conv.status &&
		       strcmp(x.conv.status, "MISSING") == 0;
	if (need && deleted) {
		fprintf(stderr, "ohbrowse: the sandbox was deleted: its files are gone; its events remain "
			"(ohbrowse events %s)\n", x.conv.id);
		api_conversation_free(&x.conv);
		return EXIT_NOT_FOUND;
	}
	if (need) {
		if (!wake) {
			fprintf(stderr,
				"ohbrowse: the conversation \"%s\" is not running (status %s), so its files "
				"cannot be read; add --wake to start its sandbox first\n",
				x.conv.title, x.conv.status ? x.conv.status : "unknown");
			api_conversation_free(&x.conv);
			return EXIT_NETWORK;
		}
		struct conv_ctx w = {0};
		if (x.conv.version == API_V1)
			fprintf(stderr, "ohbrowse: waking conversation %s (resuming a sandbox can pause your "
				"oldest running ones: Cloud keeps at most 10 running)...\n", x.conv.id);
		else
			fprintf(stderr, "ohbrowse: waking conversation %s...\n", x.conv.id);
		op = api_wake(c, &x.conv, wake_progress, conv_got, &w);
		int wrc = cli_wait(c, op, &w.done);
		api_conversation_free(&x.conv);
		if (wrc != EXIT_OK)
			return EXIT_INTERRUPTED;
		if (w.err.kind != API_OK)
			return cli_report(&w.err);
		x.conv = w.conv;
		if (x.conv.version == API_V1 && !woken_set) {
			api_conversation_copy(&woken, &x.conv);	/* paused again after the command */
			woken_set = true;
		}
	}
	*out = x.conv;
	return EXIT_OK;
}

void
cli_set_keep_awake(bool keep)
{
	keep_awake = keep;
}

static void
pause_done(void *ud, const struct api_error *err)
{
	struct conv_ctx *x = ud;

	x->done = true;
	if (err)
		x->err = *err;
}

/* Pause one sandbox, waiting at most 15 s (the first Ctrl-C may be why we are here). */
void
cli_pause_now(struct api_client *c, const struct api_conversation *conv)
{
	struct conv_ctx x = {0};
	struct http *h = api_client_http(c);
	struct api_op *op = api_pause(c, conv, pause_done, &x);
	int64_t until = clock_now_ms() + 15000;

	while (!x.done && clock_now_ms() < until)
		cli_turn(h, NULL);
	if (!x.done)
		api_op_cancel(&op);
	if (x.done && x.err.kind == API_OK)
		fprintf(stderr, "ohbrowse: paused the sandbox of \"%s\" again (--keep-awake leaves it running)\n",
			conv->title ? conv->title : conv->id);
	else
		fprintf(stderr, "ohbrowse: could not pause the sandbox again (%s); it pauses by itself "
			"when idle\n", x.done ? x.err.message : "no answer");
}

/* What ohbrowse woke, it puts back to sleep (unless --keep-awake): a running sandbox costs
 * the user and counts against the 10 Cloud keeps running (2026 §3.4). */
void
cli_release_woken(struct api_client *c)
{
	if (!woken_set)
		return;
	woken_set = false;
	if (keep_awake)
		fprintf(stderr, "ohbrowse: the sandbox of %s stays running (--keep-awake)\n", woken.id);
	else
		cli_pause_now(c, &woken);
	api_conversation_free(&woken);
}

void
cli_offer_pause(struct api_client *c, const struct api_conversation *convs, size_t n)
{
	if (n == 0 || keep_awake)
		return;
	if (isatty(0) && isatty(2)) {
		char line[16] = "";
		fprintf(stderr, "ohbrowse woke %zu sandbox%s; pause %s again? [Y/n] ", n, n == 1 ? "" : "es",
			n == 1 ? "it" : "them");
		signals_interrupt_reads(true);
		bool no = !fgets(line, sizeof(line), stdin) || line[0] == 'n' || line[0] == 'N';
		signals_interrupt_reads(false);
		if (no) {
			fprintf(stderr, "ohbrowse: left running; they pause by themselves when idle\n");
			return;
		}
	}
	for (size_t i = 0; i < n; i++)
		cli_pause_now(c, &convs[i]);
}
