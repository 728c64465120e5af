/*
 * src/cli_events.c: `ohbrowse events ID` (one row per event) and `ohbrowse export ID
 * --format json|md` (the events exactly as received, or a readable transcript).
 *
 * Both read the whole trajectory through the same events pager the browser's event pane
 * uses (api/client.h), so local conversations, Cloud V1 (while paused too) and running
 * V0 conversations all work the same way. Separate from cli.c so the two can grow apart.
 * The rendering is src/transcript.c's, shared with the workspace ZIP's events entries.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api/client.h"
#include "src/cli.h"
#include "src/jsonw.h"
#include "src/signals.h"
#include "src/transcript.h"
#include "src/base/util.h"

/* ------------------------------------------------------------ reading every page */

struct ev_all {
	struct api_event_list list;
	bool busy;
	struct api_error err;
};

static void
ev_page(void *ud, struct api_event *rows, size_t n, bool more, const struct api_error *err)
{
	struct ev_all *x = ud;

	x->busy = false;
	if (err) {
		x->err = *err;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		*api_event_list_push(&x->list) = rows[i];
		memset(&rows[i], 0, sizeof(rows[i]));	/* moved */
	}
}

/* All events of conv into x. Returns EXIT_OK, EXIT_PARTIAL (an error after some events:
 * reported, the rows kept), or the error's exit code. */
static int
ev_read_all(struct api_client *c, const struct api_conversation *conv, bool keep_raw, struct ev_all *x)
{
	struct api_events *p = api_events_new(c, conv, keep_raw);
	struct http *h = api_client_http(c);

	while (!signals_interrupted() && x->err.kind == API_OK && (x->busy || api_events_more(p))) {
		if (!x->busy) {
			x->busy = true;
			api_events_next(p, ev_page, x);
		}
		if (x->busy)
			cli_turn(h, NULL);
	}
	api_events_free(p);
	if (signals_interrupted()) {
		fprintf(stderr, "ohbrowse: interrupted\n");
		return EXIT_INTERRUPTED;
	}
	if (x->err.kind != API_OK) {
		int rc = cli_report(&x->err);
		if (x->list.count) {
			fprintf(stderr, "ohbrowse: showing the %zu events loaded before the error\n", x->list.count);
			return EXIT_PARTIAL;
		}
		return rc;
	}
	return EXIT_OK;
}

/* ------------------------------------------------------------ events */

/* "user,action" -> a mask of enum api_event_kind; -1 on an unknown name. */
static int
parse_kinds(const char *s, unsigned *mask)
{
	*mask = 0;
	char *dup = xstrdup(s), *save = NULL;
	for (char *t = strtok_r(dup, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		int k;
		for (k = 0; k < API_EVENT_KIND_COUNT; k++)
			if (strcmp(t, api_event_kind_name((enum api_event_kind)k)) == 0)
				break;
		if (k == API_EVENT_KIND_COUNT) {
			free(dup);
			return -1;
		}
		*mask |= 1u << k;
	}
	free(dup);
	return 0;
}

int
cli_events(struct api_client *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"kind", required_argument, NULL, 'k'},
		{"wake", no_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	bool json = false, wake = false;
	unsigned mask = ~0u;
	int ch;

	optind = 0;	/* 0, not 1: glibc re-reads the ordering mode (main parsed with "+") */
	while ((ch = getopt_long(argc, argv, "jk:wh", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = true; break;
		case 'w': wake = true; break;
		case 'k':
			if (parse_kinds(optarg, &mask) != 0)
				return cli_usage("events", "--kind takes user, agent, action, observation, "
						"error, state, other or corrupt (comma-separated)");
			break;
		case 'h':
			printf("usage: ohbrowse events ID [--json] [--kind KIND[,KIND...]] [--wake]\n");
			return EXIT_OK;
		default: return cli_usage("events", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("events", "expected exactly one conversation ID");

	struct api_conversation conv = {0};
	int rc = cli_resolve(c, argv[optind], wake, true, &conv);
	if (rc != EXIT_OK)
		return rc;
	struct ev_all x = {0};
	rc = ev_read_all(c, &conv, false, &x);
	if (rc == EXIT_OK || rc == EXIT_PARTIAL) {
		size_t shown = 0;
		if (json) {
			struct strbuf sb = {0};
			struct jsonw w;
			jsonw_init(&w, &sb, false);
			jsonw_arr_begin(&w);
			for (size_t i = 0; i < x.list.count; i++) {
				const struct api_event *e = &x.list.items[i];
				if (!(mask & (1u << e->kind)))
					continue;
				jsonw_obj_begin(&w);
				jsonw_kint(&w, "index", (int64_t)i);
				jsonw_kstr(&w, "id", e->id);
				jsonw_kstr(&w, "timestamp", e->timestamp);
				jsonw_kstr(&w, "source", e->source);
				jsonw_kstr(&w, "kind", api_event_kind_name(e->kind));
				jsonw_kstr(&w, "type", e->type);
				jsonw_kstr(&w, "summary", e->summary);
				jsonw_kstr(&w, "command", e->command);
				jsonw_kstr(&w, "path", e->path);
				jsonw_key(&w, "exit_code");
				jsonw_int_or_null(&w, e->exit_code);
				jsonw_kstr(&w, "file", e->origin);
				jsonw_kstr(&w, "text", e->text);
				jsonw_obj_end(&w);
				/* flush as we go: 100,000 events need not sit in one buffer */
				if (sb.len > (1u << 20)) {
					fwrite(sb.buf, 1, sb.len, stdout);
					strbuf_reset(&sb);
				}
			}
			jsonw_arr_end(&w);
			fwrite(sb.buf, 1, sb.len, stdout);
			putchar('\n');
			strbuf_free(&sb);
		} else {
			for (size_t i = 0; i < x.list.count; i++) {
				const struct api_event *e = &x.list.items[i];
				char clock[16];
				if (!(mask & (1u << e->kind)))
					continue;
				if (!shown++)
					printf("%6s  %-8s  %-11s  %s\n", "#", "TIME", "KIND", "SUMMARY");
				api_event_clock(e, clock, sizeof(clock));
				/* numbered from 1, as the browser's "Event N" */
				printf("%6zu  %-8s  %-11s  %s\n", i + 1, clock[0] ? clock : "-",
				       api_event_kind_name(e->kind), e->summary);
			}
			if (!shown)
				fprintf(stderr, x.list.count ? "No events of that kind.\n" : "No events.\n");
		}
	}
	api_event_list_free(&x.list);
	api_conversation_free(&conv);
	if (fflush(stdout) != 0 && rc == EXIT_OK) {
		fprintf(stderr, "ohbrowse: cannot write the output: %s\n", strerror(errno));
		rc = EXIT_NETWORK;
	}
	return rc;
}

/* ------------------------------------------------------------ export */

/* Refuse an output path inside the persistence directory: it is never written. */
static bool
inside_local_dir(struct api_client *c, const char *out)
{
	char dir[PATH_MAX], lroot[PATH_MAX];
	char *d = xstrdup(out);
	char *slash = strrchr(d, '/');

	if (slash)
		*slash = '\0';
	bool inside = false;
	if (realpath(slash ? (*d ? d : "/") : ".", dir) && realpath(api_client_local_dir(c), lroot)) {
		size_t n = strlen(lroot);
		inside = strncmp(dir, lroot, n) == 0 && (dir[n] == '/' || dir[n] == '\0');
	}
	free(d);
	return inside;
}

struct traj_ctx {
	bool done;
	int64_t bytes;
	struct api_error err;
};

static void
traj_done(void *ud, const struct api_xfer_result *r, const struct api_error *err)
{
	struct traj_ctx *x = ud;

	x->done = true;
	if (err)
		x->err = *err;
	else
		x->bytes = r->bytes;
}

/*
 * The server's own export (GET /api/v1/app-conversations/{id}/download) saved as it comes:
 * into NAME.part, linked to NAME only when complete (never over an existing file).
 */
static int
export_trajectory(struct api_client *c, const struct api_conversation *conv, const char *output)
{
	char name[96], *part;
	int rc = EXIT_OK;

	if (!output) {
		/* the server's own name for it: conversation_<dashed uuid>.zip (§1.7) */
		const char *i = conv->id;
		if (strlen(i) == 32)
			snprintf(name, sizeof(name), "conversation_%.8s-%.4s-%.4s-%.4s-%.12s.zip", i, i + 8, i + 12,
				 i + 16, i + 20);
		else
			snprintf(name, sizeof(name), "conversation_%.64s.zip", i);
		output = name;
	}
	if (access(output, F_OK) == 0) {
		fprintf(stderr, "ohbrowse: %s exists already; ohbrowse never writes over a file: choose "
			"another name with -o\n", output);
		return EXIT_USAGE;
	}
	part = xasprintf("%s.part", output);
	int fd = open(part, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
	if (fd < 0) {
		fprintf(stderr, "ohbrowse: cannot create %s: %s\n", part, strerror(errno));
		free(part);
		return EXIT_NETWORK;
	}
	struct traj_ctx x = {0};
	struct api_op *op = api_fetch_trajectory(c, conv, fd, NULL, traj_done, &x);
	if (cli_wait(c, op, &x.done) != EXIT_OK) {
		rc = EXIT_INTERRUPTED;
	} else if (x.err.kind != API_OK) {
		rc = cli_report(&x.err);
	} else if (fsync(fd) != 0) {
		fprintf(stderr, "ohbrowse: cannot write %s: %s\n", part, strerror(errno));
		rc = EXIT_NETWORK;
	}
	if (close(fd) != 0 && rc == EXIT_OK) {
		fprintf(stderr, "ohbrowse: cannot write %s: %s\n", part, strerror(errno));
		rc = EXIT_NETWORK;
	}
	if (rc == EXIT_OK && link(part, output) != 0) {
		fprintf(stderr, "ohbrowse: cannot save %s: %s\n", output, strerror(errno));
		rc = errno == EEXIST ? EXIT_USAGE : EXIT_NETWORK;
	}
	unlink(part);
	if (rc == EXIT_OK)
		fprintf(stderr, "ohbrowse: wrote %s (%lld bytes, the server's export)\n", output, (long long)x.bytes);
	free(part);
	return rc;
}

int
cli_export(struct api_client *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"format", required_argument, NULL, 'f'},
		{"output", required_argument, NULL, 'o'},
		{"wake", no_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	bool md = false, wake = false, trajectory = false;
	const char *output = NULL;
	int ch;

	optind = 0;	/* 0, not 1: glibc re-reads the ordering mode (main parsed with "+") */
	while ((ch = getopt_long(argc, argv, "f:o:wh", opts, NULL)) != -1) {
		switch (ch) {
		case 'f':
			if (strcmp(optarg, "md") == 0)
				md = true;
			else if (strcmp(optarg, "trajectory") == 0)
				trajectory = true;
			else if (strcmp(optarg, "json") != 0)
				return cli_usage("export", "--format is json, md or trajectory");
			break;
		case 'o': output = optarg; break;
		case 'w': wake = true; break;
		case 'h':
			printf("usage: ohbrowse export ID [--format json|md|trajectory] [-o FILE] [--wake]\n");
			return EXIT_OK;
		default: return cli_usage("export", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("export", "expected exactly one conversation ID");
	if (output && inside_local_dir(c, output)) {
		fprintf(stderr, "ohbrowse: refusing to write %s inside the conversations directory %s, "
			"which ohbrowse never modifies; choose another place\n", output,
			api_client_local_dir(c));
		return EXIT_USAGE;
	}

	struct api_conversation conv = {0};
	int rc = cli_resolve(c, argv[optind], wake && !trajectory, true, &conv);
	if (rc != EXIT_OK)
		return rc;
	if (trajectory) {
		rc = export_trajectory(c, &conv, output);
		api_conversation_free(&conv);
		return rc;
	}
	struct ev_all x = {0};
	rc = ev_read_all(c, &conv, !md, &x);
	if (rc != EXIT_OK && rc != EXIT_PARTIAL) {
		api_event_list_free(&x.list);
		api_conversation_free(&conv);
		return rc;
	}

	struct strbuf sb = {0};
	size_t skipped = 0;
	if (md) {
		transcript_md_header(&sb, &conv, x.list.count);
		for (size_t i = 0; i < x.list.count; i++)
			transcript_md_event(&sb, &x.list.items[i]);
	} else {
		/* the events exactly as received (local: as stored), in order */
		struct transcript_json tj;
		transcript_json_begin(&tj, &sb);
		for (size_t i = 0; i < x.list.count; i++)
			if (!transcript_json_event(&tj, &sb, &x.list.items[i]))
				/* not JSON: it cannot go into a JSON array as it is */
				fprintf(stderr, "ohbrowse: skipped %s\n", x.list.items[i].summary);
		transcript_json_end(&tj, &sb);
		skipped = tj.skipped;
	}

	int fd = 1;
	if (output) {
		fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "ohbrowse: cannot create %s: %s\n", output, strerror(errno));
			rc = EXIT_NETWORK;
			goto out;
		}
	}
	for (size_t off = 0; off < sb.len;) {
		ssize_t w = write(fd, sb.buf + off, sb.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			fprintf(stderr, "ohbrowse: cannot write %s: %s\n", output ? output : "the output",
				strerror(errno));
			rc = EXIT_NETWORK;
			break;
		}
		off += (size_t)w;
	}
	if (output && close(fd) != 0 && rc == EXIT_OK) {
		fprintf(stderr, "ohbrowse: cannot write %s: %s\n", output, strerror(errno));
		rc = EXIT_NETWORK;
	}
	if (rc == EXIT_OK && skipped) {
		fprintf(stderr, "ohbrowse: %zu corrupt event%s left out of the JSON export\n", skipped,
			skipped == 1 ? " was" : "s were");
		rc = EXIT_PARTIAL;
	}
	if (output && (rc == EXIT_OK || rc == EXIT_PARTIAL))
		fprintf(stderr, "ohbrowse: wrote %s (%zu events)\n", output, x.list.count - skipped);
out:
	strbuf_free(&sb);
	api_event_list_free(&x.list);
	api_conversation_free(&conv);
	return rc;
}
