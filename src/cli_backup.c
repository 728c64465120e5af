/*
 * src/cli_backup.c: `ohbrowse backup` -- the backup job (src/backup.h) on the command line:
 * options, a run line and a conversation line on a terminal (or one line per conversation,
 * or --progress=json), the summary table, and the exit code.
 */
#include <errno.h>
#include <getopt.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "api/client.h"
#include "src/backup.h"
#include "src/cli.h"
#include "src/export.h"
#include "src/jsonw.h"
#include "src/signals.h"
#include "src/base/util.h"

static const char *const outcome_words[] = {"pending", "backed up", "unchanged", "events only", "failed", "planned"};

static void
say_notice(void *ud, const char *text)
{
	(void)ud;
	fprintf(stderr, "ohbrowse: %s\n", text);
}

static int64_t
parse_date(const char *s)
{
	struct tm tm = {0};
	const char *end = strptime(s, "%Y-%m-%d", &tm);

	if (!end || (*end && *end != 'T'))
		return -1;
	if (*end == 'T' && !strptime(end, "T%H:%M:%S", &tm))
		return -1;
	return (int64_t)timegm(&tm);
}

static void
human_bytes(char *buf, size_t n, int64_t v)
{
	if (v < 0)
		snprintf(buf, n, "-");
	else if (v < 1024)
		snprintf(buf, n, "%lld B", (long long)v);
	else if (v < 1024 * 1024)
		snprintf(buf, n, "%.1f KiB", (double)v / 1024);
	else if (v < 1024LL * 1024 * 1024)
		snprintf(buf, n, "%.1f MiB", (double)v / (1024 * 1024));
	else
		snprintf(buf, n, "%.1f GiB", (double)v / (1024.0 * 1024 * 1024));
}

enum bk_progress { BKP_AUTO, BKP_LINES, BKP_JSON, BKP_NONE };

struct bk_view {
	enum bk_progress mode;
	bool tty;
	size_t reported;	/* items already printed as finished */
	int64_t last_ms;
	int64_t start_ms;
};

static void
item_line(const struct backup_item *it, size_t i, size_t n)
{
	char sz[32];
	human_bytes(sz, sizeof(sz), it->size);
	const char *why = it->reason ? it->reason : it->plan;
	fprintf(stderr, "ohbrowse: [%zu/%zu] %.8s %-12s %s%s%s%s%s%s%s\n", i + 1, n, it->id,
		outcome_words[it->outcome], it->title, it->archive ? " -> " : "", it->archive ? it->archive : "",
		it->archive && it->size >= 0 ? " (" : "", it->archive && it->size >= 0 ? sz : "",
		it->archive && it->size >= 0 ? ")" : "", why ? "" : "");
	if (why)
		fprintf(stderr, "ohbrowse:        %s\n", why);
}

static void
item_json(const struct backup_item *it)
{
	struct strbuf sb = {0};
	struct jsonw w;

	jsonw_init(&w, &sb, false);
	jsonw_obj_begin(&w);
	jsonw_kstr(&w, "event", "conversation");
	jsonw_kstr(&w, "id", it->id);
	jsonw_kstr(&w, "title", it->title);
	jsonw_kstr(&w, "status", it->status);
	jsonw_kstr(&w, "outcome", outcome_words[it->outcome]);
	jsonw_kstr(&w, "archive", it->archive);
	jsonw_key(&w, "size");
	jsonw_int_or_null(&w, it->size);
	jsonw_kstr(&w, "reason", it->reason);
	jsonw_kstr(&w, "plan", it->plan);
	jsonw_key(&w, "woke");
	jsonw_bool(&w, it->woke);
	jsonw_obj_end(&w);
	fprintf(stdout, "%s\n", sb.buf);
	fflush(stdout);
	strbuf_free(&sb);
}

static void
show(struct backup_job *j, struct bk_view *v, bool final)
{
	struct backup_status st;
	backup_status(j, &st);
	/* finished conversations, once each */
	while (v->reported < st.done) {
		const struct backup_item *it = backup_item_at(j, v->reported);
		if (v->tty && v->mode != BKP_JSON && v->mode != BKP_NONE)
			fputs("\r\033[K", stderr);
		if (v->mode == BKP_JSON)
			item_json(it);
		else if (v->mode != BKP_NONE)
			item_line(it, v->reported, st.total);
		v->reported++;
	}
	int64_t now = clock_now_ms();
	if (!v->tty || v->mode == BKP_NONE || v->mode == BKP_JSON || final || now - v->last_ms < 100)
		return;
	v->last_ms = now;
	char line[256], b[32], r[32];
	int64_t bytes = st.bytes;
	double rate = 0;
	if (st.ex) {
		struct export_totals t;
		export_totals(st.ex, &t);
		bytes += t.bytes_done;
		rate = t.rate;
	}
	human_bytes(b, sizeof(b), bytes);
	human_bytes(r, sizeof(r), (int64_t)rate);
	const struct backup_item *it = st.current < st.total ? backup_item_at(j, st.current) : NULL;
	if (st.phase == BACKUP_LISTING)
		snprintf(line, sizeof(line), "listing conversations (%zu so far)...", st.total);
	else
		snprintf(line, sizeof(line), "[%zu/%zu] %s  %s/s | %.30s: %s", st.done + (it != NULL), st.total, b, r,
			 it ? it->title : "", st.stage ? st.stage : "");
	fprintf(stderr, "\r\033[K%s", line);
}

static void
summary(struct backup_job *j, struct bk_view *v, bool dry_run)
{
	size_t counts[6] = {0};
	size_t n = backup_item_count(j);
	int64_t bytes = 0, est = 0;

	for (size_t i = 0; i < n; i++) {
		const struct backup_item *it = backup_item_at(j, i);
		counts[it->outcome]++;
		if (it->outcome == BACKUP_BACKED_UP || it->outcome == BACKUP_EVENTS_ONLY)
			bytes += it->size > 0 ? it->size : 0;
		if (it->est_bytes > 0)
			est += it->est_bytes;
	}
	if (v->mode == BKP_JSON) {
		printf("{\"event\":\"summary\",\"backed_up\":%zu,\"unchanged\":%zu,\"events_only\":%zu,\"failed\":%zu,"
		       "\"planned\":%zu,\"not_reached\":%zu,\"bytes\":%lld}\n", counts[BACKUP_BACKED_UP],
		       counts[BACKUP_UNCHANGED], counts[BACKUP_EVENTS_ONLY], counts[BACKUP_FAILED], counts[BACKUP_PLANNED],
		       counts[BACKUP_PENDING], (long long)bytes);
		return;
	}
	char b[32];
	if (dry_run) {
		human_bytes(b, sizeof(b), est);
		printf("Plan: %zu to download (at least %s where the listing says), %zu unchanged, %zu events only; "
		       "nothing was written.\n", counts[BACKUP_PLANNED], b, counts[BACKUP_UNCHANGED],
		       counts[BACKUP_EVENTS_ONLY]);
		for (size_t i = 0; i < n; i++) {
			const struct backup_item *it = backup_item_at(j, i);
			printf("  %.8s  %-8s  %-40.40s  %s\n", it->id, it->status, it->title,
			       it->plan ? it->plan : outcome_words[it->outcome]);
		}
		return;
	}
	human_bytes(b, sizeof(b), bytes);
	printf("%-10s %-12s %-9s %-40s %s\n", "ID", "OUTCOME", "SIZE", "TITLE", "ARCHIVE / REASON");
	for (size_t i = 0; i < n; i++) {
		const struct backup_item *it = backup_item_at(j, i);
		char sz[32];
		human_bytes(sz, sizeof(sz), it->size);
		printf("%-10.8s %-12s %-9s %-40.40s %s%s%s\n", it->id, outcome_words[it->outcome], sz, it->title,
		       it->archive ? it->archive : "", it->archive && it->reason ? ": " : "", it->reason ? it->reason : "");
	}
	printf("%zu backed up, %zu unchanged, %zu events only, %zu failed%s (%s written)\n", counts[BACKUP_BACKED_UP],
	       counts[BACKUP_UNCHANGED], counts[BACKUP_EVENTS_ONLY], counts[BACKUP_FAILED],
	       counts[BACKUP_PENDING] ? ", the rest not reached" : "", b);
}

/* Pump the backup until it finishes or a signal cancels it; the view once per turn. */
static void
backup_run(struct api_client *c, struct backup_job *j, struct bk_view *v)
{
	struct http *h = api_client_http(c);
	while (!backup_finished(j)) {
		if (signals_interrupted()) {
			backup_cancel(j);
			break;
		}
		bool busy = backup_pump(j, 1u << 20);
		if (!busy) {
			struct http_waitfd w = {signals_fd(), POLLIN, 0};
			http_wait(h, w.fd >= 0 ? &w : NULL, w.fd >= 0 ? 1 : 0, v->tty ? 100 : -1);
			if (w.revents)
				(void)signals_take();	/* a SIGWINCH would keep the pipe readable */
		}
		http_perform(h);
		show(j, v, false);
	}
	show(j, v, true);
}

int
cli_backup(struct api_client *c, const char *configured_dir, int argc, char **argv)
{
	static const struct option opts[] = {
		{"all", no_argument, NULL, 'a'},
		{"since", required_argument, NULL, 's'},
		{"filter", required_argument, NULL, 'f'},
		{"status", required_argument, NULL, 'S'},
		{"reaping-within", required_argument, NULL, 'r'},
		{"dir", required_argument, NULL, 'd'},
		{"dry-run", no_argument, NULL, 'n'},
		{"force", no_argument, NULL, 'F'},
		{"keep", required_argument, NULL, 'k'},
		{"parallel", required_argument, NULL, 'P'},
		{"progress", required_argument, NULL, 'p'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	struct backup_opts bo = {.since_s = -1, .reaping_within_days = -1, .notice = say_notice};
	struct bk_view v = {.mode = BKP_AUTO};
	const char *dir = NULL;
	int ch;

	optind = 0;	/* 0, not 1: glibc re-reads the ordering mode (main parsed with "+") */
	while ((ch = getopt_long(argc, argv, "as:f:S:r:d:nFk:P:p:h", opts, NULL)) != -1) {
		char *end;
		switch (ch) {
		case 'a': break;	/* the default without ids; accepted for scripts that say so */
		case 's':
			bo.since_s = parse_date(optarg);
			if (bo.since_s < 0)
				return cli_usage("backup", "--since needs a date such as 2026-11-01");
			break;
		case 'f': bo.filter = optarg; break;
		case 'S': bo.statuses = optarg; break;
		case 'r':
			bo.reaping_within_days = (int)strtol(optarg, &end, 10);
			if (*end || bo.reaping_within_days < 0)
				return cli_usage("backup", "--reaping-within needs a number of days");
			break;
		case 'd': dir = optarg; break;
		case 'n': bo.dry_run = true; break;
		case 'F': bo.force = true; break;
		case 'k':
			bo.keep = (int)strtol(optarg, &end, 10);
			if (*end || bo.keep < 1 || bo.keep > 100)
				return cli_usage("backup", "--keep needs a number from 1 to 100");
			break;
		case 'P':
			bo.parallel = (int)strtol(optarg, &end, 10);
			if (*end || bo.parallel < 1 || bo.parallel > 64)
				return cli_usage("backup", "--parallel needs a number from 1 to 64");
			break;
		case 'p':
			if (!strcmp(optarg, "auto"))
				v.mode = BKP_AUTO;
			else if (!strcmp(optarg, "lines"))
				v.mode = BKP_LINES;
			else if (!strcmp(optarg, "json"))
				v.mode = BKP_JSON;
			else if (!strcmp(optarg, "none"))
				v.mode = BKP_NONE;
			else
				return cli_usage("backup", "--progress is auto, lines, json or none");
			break;
		case 'h':
			printf("usage: ohbrowse backup [ID...] [--all] [--since DATE] [--filter TEXT] [--status S[,S...]]\n"
			       "                       [--reaping-within DAYS] [-d DIR] [--dry-run] [--force] [--keep N]\n"
			       "                       [--parallel N] [--progress=auto|lines|json|none]\n");
			return EXIT_OK;
		default: return cli_usage("backup", "unknown option");
		}
	}
	bo.ids = (const char *const *)(argv + optind);
	bo.n_ids = (size_t)(argc - optind);
	char *d = dir ? xstrdup(dir) : backup_default_dir(configured_dir);
	bo.dir = d;
	v.tty = isatty(2);
	v.start_ms = clock_now_ms();

	struct api_error err;
	struct backup_job *j = backup_start(c, &bo, &err);
	if (!j) {
		free(d);
		return cli_report(&err);
	}
	if (v.mode != BKP_JSON && v.mode != BKP_NONE)
		fprintf(stderr, "ohbrowse: %s %s\n", bo.dry_run ? "planning a backup into" : "backing up into", d);
	backup_run(c, j, &v);
	if (v.tty && v.mode != BKP_JSON && v.mode != BKP_NONE)
		fputs("\r\033[K", stderr);
	const struct api_conversation *woken = backup_woken(j);
	if (woken && !bo.dry_run) {
		/* interrupted between its wake and its pause: put it back to sleep anyway */
		struct api_conversation copy;
		api_conversation_copy(&copy, woken);
		cli_pause_now(c, &copy);
		api_conversation_free(&copy);
	}
	struct backup_status st;
	backup_status(j, &st);
	summary(j, &v, bo.dry_run);
	int rc = backup_exit_code(j);
	if (st.phase == BACKUP_STOPPED)
		fprintf(stderr, "ohbrowse: the backup stopped: %s; the index holds every conversation finished "
			"before it, so running it again goes on from there\n", st.message ? st.message : "error");
	else if (rc == 130)
		fprintf(stderr, "ohbrowse: interrupted; the index holds every conversation finished so far: run it "
			"again to go on\n");
	else if (rc == 6)
		fprintf(stderr, "ohbrowse: some conversations failed (see above); running the backup again retries "
			"them\n");
	backup_free(j);
	free(d);
	fflush(stdout);
	return rc;
}
