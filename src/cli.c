/*
 * src/cli.c: the command-line twin (see cli.h): the loop every command runs
 * (cli_turn, cli_wait), the table and JSON formatting, and the list, whoami,
 * files and download commands. A command's sandbox is cli_wake.c's, login is
 * cli_login.c, events and export cli_events.c, backup cli_backup.c.
 */
#include "src/cli.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <math.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "src/export.h"
#include "src/jsonw.h"
#include "src/signals.h"
#include "src/base/util.h"

/* One loop turn: pump the export, sleep until something happens (unless the pump has more
 * ready), then run completions. Waiting first means a completion that ends the caller's loop
 * is seen at once, not after the next idle wait. */
void
cli_turn(struct http *h, struct export_job *job)
{
	bool busy = job && export_pump(job, 256u << 10);

	if (job && export_finished(job))
		return;	/* the pump closed the archive: nothing left to wait for */
	if (!busy && !signals_interrupted()) {
		struct http_waitfd w = {signals_fd(), POLLIN, 0};
		http_wait(h, w.fd >= 0 ? &w : NULL, w.fd >= 0 ? 1 : 0, -1);
		if (w.revents)
			(void)signals_take();	/* the flag says what happened */
	}
	http_perform(h);
}

int
cli_wait(struct api_client *c, struct api_op *op, const bool *done)
{
	struct http *h = api_client_http(c);

	while (!*done && !signals_interrupted())
		cli_turn(h, NULL);
	if (*done)
		return EXIT_OK;
	api_op_cancel(&op);
	fprintf(stderr, "ohbrowse: interrupted\n");
	return EXIT_INTERRUPTED;
}

int
cli_report(const struct api_error *e)
{
	fprintf(stderr, "ohbrowse: %s\n", e->message);
	return api_error_exit_code(e->kind);
}

int
cli_usage(const char *cmd, const char *msg)
{
	fprintf(stderr, "ohbrowse %s: %s\nTry 'ohbrowse --help'.\n", cmd, msg);
	return EXIT_USAGE;
}

/* ------------------------------------------------------------ formatting */

static void
fmt_size(char *buf, size_t n, int64_t v)
{
	static const char *const unit[] = {"B", "KiB", "MiB", "GiB", "TiB"};
	double d = (double)v;
	int u = 0;

	if (v < 0) {
		snprintf(buf, n, "-");
		return;
	}
	while (d >= 1024 && u < 4)
		d /= 1024, u++;
	if (u == 0)
		snprintf(buf, n, "%lld B", (long long)v);
	else
		snprintf(buf, n, "%.1f %s", d, unit[u]);
}

static void
fmt_ago(char *buf, size_t n, int64_t t)
{
	time_ago(buf, n, t, clock_wall_s());	/* the browser's wording */
}

/* Print at most `width` display columns of s (UTF-8: counts code points, good enough for a
 * table whose last column is the title). */
static void
put_cut(FILE *f, const char *s, int width)
{
	int cols = 0;

	for (const unsigned char *p = (const unsigned char *)(s ? s : ""); *p && cols < width;) {
		size_t len = *p < 0x80 ? 1 : (*p & 0xe0) == 0xc0 ? 2 : (*p & 0xf0) == 0xe0 ? 3 : 4;
		if (*p < 0x20) {
			fputc(' ', f);
			p++;
		} else {
			fwrite(p, 1, len, f);
			p += len;
		}
		cols++;
	}
}

/* ISO 8601 UTC of an epoch second. */
static void
fmt_iso(char *buf, size_t n, int64_t t)
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm))
		snprintf(buf, n, "?");
}

/* "in 13 d", "in 5 h", "due": when a paused sandbox will likely be deleted; "" otherwise. */
static void
fmt_reap(char *buf, size_t n, int64_t reap)
{
	int64_t d = reap - clock_wall_s();

	if (reap < 0)
		snprintf(buf, n, "-");
	else if (d <= 0)
		snprintf(buf, n, "due");
	else if (d < 86400)
		snprintf(buf, n, "in %lld h", (long long)(d / 3600));
	else
		snprintf(buf, n, "in %lld d", (long long)(d / 86400));
}

static void
conv_json(struct jsonw *w, const struct api_conversation *c, int retention_days)
{
	int64_t reap = api_conversation_reap_s(c, retention_days);
	char iso[40];

	jsonw_obj_begin(w);
	jsonw_kstr(w, "id", c->id);
	jsonw_kstr(w, "title", c->title);
	jsonw_kstr(w, "status", c->status);
	jsonw_kstr(w, "execution_status", c->execution_status);
	/* PAUSED V1 sandboxes: when they will likely be deleted, files and all */
	if (reap >= 0)
		fmt_iso(iso, sizeof(iso), reap);
	jsonw_kstr(w, "reap_at", reap >= 0 ? iso : NULL);
	jsonw_kstr(w, "version", c->version == API_V1 ? "V1" : "V0");
	jsonw_kstr(w, "created_at", c->created_at);
	jsonw_kstr(w, "updated_at", c->updated_at);
	jsonw_kstr(w, "repository", c->repository);
	jsonw_kstr(w, "branch", c->branch);
	jsonw_kstr(w, "runtime_status", c->runtime_status);
	jsonw_kstr(w, "trigger", c->trigger);
	jsonw_key(w, "running");
	jsonw_bool(w, api_conversation_is_running(c));
	jsonw_obj_end(w);
}

/* ------------------------------------------------------------ list */

struct list_ctx {
	struct api_conversation *rows;
	size_t n, cap;
	bool busy;
	struct api_error err;
};

static void
list_page(void *ud, struct api_conversation *rows, size_t n, bool more, const struct api_error *err)
{
	struct list_ctx *x = ud;

	x->busy = false;
	if (err) {
		x->err = *err;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		if (x->n == x->cap) {
			x->cap = x->cap ? x->cap * 2 : 256;
			x->rows = xrealloc(x->rows, x->cap * sizeof(*x->rows));
		}
		api_conversation_copy(&x->rows[x->n++], &rows[i]);
	}
}

static int
conv_cmp(const void *a, const void *b)
{
	const struct api_conversation *x = a, *y = b;

	if (x->created_s != y->created_s)
		return x->created_s < y->created_s ? 1 : -1;
	return strcmp(x->id, y->id);
}

int
cli_list(struct api_client *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"limit", required_argument, NULL, 'n'},
		{"filter", required_argument, NULL, 'f'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	bool json = false;
	long limit = -1;
	const char *filter = NULL;
	int ch;

	optind = 0;	/* 0, not 1: glibc re-reads the ordering mode (main parsed with "+") */
	while ((ch = getopt_long(argc, argv, "jn:f:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = true; break;
		case 'n': {
			char *end;
			limit = strtol(optarg, &end, 10);
			if (*end || limit < 1)
				return cli_usage("list", "--limit needs a positive number");
			break;
		}
		case 'f': filter = optarg; break;
		case 'h':
			printf("usage: ohbrowse list [--json] [--limit N] [--filter TEXT]\n");
			return EXIT_OK;
		default: return cli_usage("list", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage("list", "unexpected argument");

	/* 500 rows a page: the V0 list has no upper bound, and Cloud allows 100 requests a minute */
	struct api_lister_opts lo = {.limit = 500, .title_contains = filter};
	struct api_lister *l = api_lister_new(c, &lo);
	struct list_ctx x = {0};
	struct http *h = api_client_http(c);

	while (!signals_interrupted() && x.err.kind == API_OK && (x.busy || api_lister_more(l)) &&
	       (limit < 0 || (long)x.n < limit)) {
		if (!x.busy) {
			x.busy = true;
			api_lister_next(l, list_page, &x);
		}
		cli_turn(h, NULL);
	}
	api_lister_free(l);
	int rc = EXIT_OK;
	if (signals_interrupted()) {
		fprintf(stderr, "ohbrowse: interrupted\n");
		rc = EXIT_INTERRUPTED;
	} else if (x.err.kind != API_OK) {
		rc = cli_report(&x.err);
		if (x.n) {
			fprintf(stderr, "ohbrowse: showing the %zu conversations loaded before the error\n", x.n);
			rc = EXIT_PARTIAL;
		}
	}
	if (x.n > 1)
		qsort(x.rows, x.n, sizeof(*x.rows), conv_cmp);
	if (limit >= 0 && (long)x.n > limit) {
		for (size_t i = (size_t)limit; i < x.n; i++)
			api_conversation_free(&x.rows[i]);
		x.n = (size_t)limit;
	}
	if (json) {
		struct strbuf sb = {0};
		struct jsonw w;
		jsonw_init(&w, &sb, false);
		jsonw_arr_begin(&w);
		for (size_t i = 0; i < x.n; i++)
			conv_json(&w, &x.rows[i], api_client_retention_days(c));
		jsonw_arr_end(&w);
		puts(sb.buf);
		strbuf_free(&sb);
	} else if (rc == EXIT_OK || rc == EXIT_PARTIAL) {
		if (x.n == 0)
			fprintf(stderr, "No conversations.\n");
		else
			printf("%-32s  %-8s  %-2s  %-12s  %-8s  %s\n", "ID", "STATUS", "V", "UPDATED", "DELETION",
			       "TITLE");
		for (size_t i = 0; i < x.n; i++) {
			const struct api_conversation *r = &x.rows[i];
			char ago[32], reap[32];
			fmt_ago(ago, sizeof(ago), r->updated_s >= 0 ? r->updated_s : r->created_s);
			fmt_reap(reap, sizeof(reap), api_conversation_reap_s(r, api_client_retention_days(c)));
			printf("%-32s  %-8s  %-2s  %-12s  %-8s  ", r->id, api_conversation_status_word(r),
			       r->version == API_V1 ? "V1" : "V0", ago, reap);
			put_cut(stdout, r->title, 60);
			if (r->repository)
				printf("  [%s]", r->repository);
			putchar('\n');
		}
	}
	for (size_t i = 0; i < x.n; i++)
		api_conversation_free(&x.rows[i]);
	free(x.rows);
	if (fflush(stdout) != 0 && rc == EXIT_OK) {
		fprintf(stderr, "ohbrowse: cannot write the output: %s\n", strerror(errno));
		rc = EXIT_NETWORK;
	}
	return rc;
}

/* ------------------------------------------------------------ whoami */

struct key_ctx {
	bool done;
	struct api_key_info k;
	struct api_error err;
};

static void
key_got(void *ud, const struct api_key_info *k, const struct api_error *err)
{
	struct key_ctx *x = ud;

	x->done = true;
	if (err) {
		x->err = *err;
		return;
	}
	x->k.id = k->id;
	x->k.name = k->name ? xstrdup(k->name) : NULL;
	x->k.org_id = k->org_id ? xstrdup(k->org_id) : NULL;
	x->k.bound_org_id = k->bound_org_id ? xstrdup(k->bound_org_id) : NULL;
	x->k.user_id = k->user_id ? xstrdup(k->user_id) : NULL;
	x->k.auth_type = k->auth_type ? xstrdup(k->auth_type) : NULL;
	x->k.expires_at = k->expires_at ? xstrdup(k->expires_at) : NULL;
}

int
cli_whoami(struct api_client *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	bool json = false;
	int ch;

	optind = 0;
	while ((ch = getopt_long(argc, argv, "jh", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = true; break;
		case 'h': printf("usage: ohbrowse whoami [--json]\n"); return EXIT_OK;
		default: return cli_usage("whoami", "unknown option");
		}
	}
	if (optind < argc)
		return cli_usage("whoami", "unexpected argument");
	struct key_ctx x = {0};
	struct api_op *op = api_whoami(c, key_got, &x);
	if (cli_wait(c, op, &x.done) != EXIT_OK)
		return EXIT_INTERRUPTED;
	if (x.err.kind != API_OK)
		return cli_report(&x.err);
	if (json) {
		struct strbuf sb = {0};
		struct jsonw w;
		jsonw_init(&w, &sb, false);
		jsonw_obj_begin(&w);
		jsonw_key(&w, "id");
		jsonw_int(&w, x.k.id);
		jsonw_kstr(&w, "name", x.k.name);
		jsonw_kstr(&w, "org_id", x.k.org_id);
		jsonw_kstr(&w, "bound_org_id", x.k.bound_org_id);
		jsonw_kstr(&w, "user_id", x.k.user_id);
		jsonw_kstr(&w, "auth_type", x.k.auth_type);
		jsonw_kstr(&w, "expires_at", x.k.expires_at);
		jsonw_obj_end(&w);
		puts(sb.buf);
		strbuf_free(&sb);
	} else {
		printf("key:            %s (id %lld)\n", x.k.name ? x.k.name : "(no name)", x.k.id);
		printf("user:           %s\n", x.k.user_id ? x.k.user_id : "?");
		printf("organization:   %s%s\n", x.k.org_id ? x.k.org_id : "?",
		       x.k.bound_org_id ? " (the key is bound to it)" : " (the key is not bound: --org picks another)");
		if (x.k.expires_at)
			printf("expires:        %s\n", x.k.expires_at);
	}
	api_key_info_free(&x.k);
	return EXIT_OK;
}

/* ------------------------------------------------------------ files */

struct files_ctx {
	int pending;
	struct api_file_list tree, changes;
	struct api_error tree_err, changes_err;
	/* the ops in flight; a completion clears its own, since a completed op is freed and
	 * cancelling it on Ctrl-C afterwards would touch freed memory (issue 12) */
	struct api_op *tree_op, *changes_op;
};

static void
files_tree(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct files_ctx *x = ud;

	x->pending--;
	x->tree_op = NULL;
	if (err)
		x->tree_err = *err;
	else {
		x->tree = *files;
		memset(files, 0, sizeof(*files));
	}
}

static void
files_changes(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct files_ctx *x = ud;

	x->pending--;
	x->changes_op = NULL;
	if (err)
		x->changes_err = *err;
	else {
		x->changes = *files;
		memset(files, 0, sizeof(*files));
	}
}

static int
file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct api_file *)a)->path, ((const struct api_file *)b)->path);
}

int
cli_files(struct api_client *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"json", no_argument, NULL, 'j'},
		{"changed", no_argument, NULL, 'c'},
		{"wake", no_argument, NULL, 'w'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	bool json = false, changed = false, wake = false;
	int ch;

	optind = 0;	/* 0, not 1: glibc re-reads the ordering mode (main parsed with "+") */
	while ((ch = getopt_long(argc, argv, "jcwh", opts, NULL)) != -1) {
		switch (ch) {
		case 'j': json = true; break;
		case 'c': changed = true; break;
		case 'w': wake = true; break;
		case 'h':
			printf("usage: ohbrowse files ID [--json] [--changed] [--wake]\n");
			return EXIT_OK;
		default: return cli_usage("files", "unknown option");
		}
	}
	if (optind + 1 != argc)
		return cli_usage("files", "expected exactly one conversation ID");

	struct api_conversation conv = {0};
	int rc = cli_resolve(c, argv[optind], wake, false, &conv);
	if (rc != EXIT_OK)
		return rc;

	struct files_ctx x = {0};
	struct http *h = api_client_http(c);
	x.pending = changed ? 1 : 2;
	api_op_hold(&x.changes_op, api_changes(c, &conv, files_changes, &x));
	if (!changed)
		api_op_hold(&x.tree_op, api_walk(c, &conv, files_tree, &x));
	while (x.pending > 0 && !signals_interrupted())
		cli_turn(h, NULL);
	if (x.pending > 0) {
		api_op_cancel(&x.changes_op);	/* NULL once it completed */
		api_op_cancel(&x.tree_op);
		fprintf(stderr, "ohbrowse: interrupted\n");
		rc = EXIT_INTERRUPTED;
		goto out;
	}
	/* A workspace that is not a git repository simply has no change markers. */
	bool changes_ok = x.changes_err.kind == API_OK || x.changes_err.kind == API_ERR_NOT_FOUND;
	if (changed && x.changes_err.kind != API_OK) {
		rc = cli_report(&x.changes_err);
		goto out;
	}
	if (!changed && x.tree_err.kind != API_OK) {
		rc = cli_report(&x.tree_err);
		goto out;
	}
	if (!changes_ok) {
		fprintf(stderr, "ohbrowse: warning: change markers unavailable: %s\n", x.changes_err.message);
		rc = EXIT_PARTIAL;
	}
	struct api_file_list *out_list = changed ? &x.changes : &x.tree;
	if (!changed) {
		/* annotate the tree with change letters; deleted files are listed too. Only the
		 * sorted listing is searched: rows appended here are not sorted yet (searching them
		 * too listed some files twice), and a path two answers named is added once. */
		size_t listed = x.tree.count;
		if (x.changes.count > 1)
			qsort(x.changes.items, x.changes.count, sizeof(*x.changes.items), file_cmp);
		for (size_t i = 0; i < x.changes.count; i++) {
			struct api_file key = {.path = x.changes.items[i].path};
			struct api_file *f = listed ? bsearch(&key, x.tree.items, listed, sizeof(key), file_cmp) : NULL;
			if (i && !strcmp(x.changes.items[i - 1].path, key.path))
				continue;
			if (f)
				f->change = x.changes.items[i].change;
			else
				api_file_list_add(&x.tree, x.changes.items[i].path, API_FILE, -1, -1,
						  x.changes.items[i].change);
		}
		if (x.tree.count > 1)
			qsort(x.tree.items, x.tree.count, sizeof(*x.tree.items), file_cmp);
	}
	if (json) {
		struct strbuf sb = {0};
		struct jsonw w;
		jsonw_init(&w, &sb, false);
		jsonw_arr_begin(&w);
		for (size_t i = 0; i < out_list->count; i++) {
			const struct api_file *f = &out_list->items[i];
			char chg[2] = {(char)f->change, 0};
			jsonw_obj_begin(&w);
			jsonw_kstr(&w, "path", f->path);
			jsonw_kstr(&w, "type", f->type == API_DIR ? "dir" : f->link ? "link" : "file");
			if (f->link)
				jsonw_kstr(&w, "target", f->link);
			jsonw_key(&w, "size");
			jsonw_int_or_null(&w, f->type == API_DIR ? -1 : f->size);
			jsonw_kstr(&w, "change", f->change ? chg : NULL);
			jsonw_obj_end(&w);
		}
		jsonw_arr_end(&w);
		puts(sb.buf);
		strbuf_free(&sb);
	} else {
		for (size_t i = 0; i < out_list->count; i++) {
			const struct api_file *f = &out_list->items[i];
			char sz[32];
			fmt_size(sz, sizeof(sz), f->type == API_DIR ? -1 : f->size);
			printf("%c %10s  %s%s%s%s\n", f->change ? (char)f->change : ' ', sz, f->path,
			       f->type == API_DIR ? "/" : "", f->link ? " -> " : "", f->link ? f->link : "");
		}
		if (out_list->count == 0)
			fprintf(stderr, changed ? "No changed files.\n" : "The workspace is empty.\n");
	}
out:
	api_file_list_free(&x.tree);
	api_file_list_free(&x.changes);
	api_conversation_free(&conv);
	return rc;
}

/* ------------------------------------------------------------ download */

enum progress_mode { PROGRESS_AUTO, PROGRESS_BARS, PROGRESS_JSON, PROGRESS_NONE };

static void
progress_bar(char *buf, size_t n, int width, int64_t done, int64_t total)
{
	if (total > 0) {
		int fill = (int)((double)width * (double)done / (double)total);
		if (fill > width)
			fill = width;
		snprintf(buf, n, "[%.*s%.*s]", fill, "##################################################",
			 width - fill, "..................................................");
	} else {
		int pos = (int)((clock_now_ms() / 120) % (width > 3 ? width - 3 : 1));
		snprintf(buf, n, "[%*s<=>%*s]", pos, "", width - 3 - pos, "");
	}
}

static void
show_progress(struct export_job *j, enum progress_mode mode, int64_t *last_ms, bool final)
{
	struct export_totals t;
	int64_t now = clock_now_ms();

	if (mode == PROGRESS_NONE || (!final && now - *last_ms < (mode == PROGRESS_JSON ? 500 : 100)))
		return;
	*last_ms = now;
	export_totals(j, &t);
	if (mode == PROGRESS_JSON) {
		struct strbuf sb = {0};
		struct jsonw w;
		static const char *const phase[] = {"listing", "running", "done", "failed", "cancelled"};
		jsonw_init(&w, &sb, false);
		jsonw_obj_begin(&w);
		jsonw_kstr(&w, "phase", phase[t.phase]);
		jsonw_kint(&w, "files_total", (int64_t)t.files_total);
		jsonw_kint(&w, "files_written", (int64_t)t.files_written);
		jsonw_kint(&w, "files_failed", (int64_t)t.files_failed);
		if (t.packing_s >= 0)
			jsonw_kint(&w, "packing_s", t.packing_s);
		jsonw_key(&w, "bytes_total");
		jsonw_int_or_null(&w, t.bytes_total);
		jsonw_kint(&w, "bytes_done", t.bytes_done);
		jsonw_key(&w, "rate");
		jsonw_num(&w, t.rate);
		jsonw_key(&w, "eta_s");
		jsonw_int_or_null(&w, t.eta_s);
		jsonw_key(&w, "active");
		jsonw_arr_begin(&w);
		for (size_t i = 0; i < export_file_count(j); i++) {
			const struct export_file *f = export_file_at(j, i);
			if (f->state != EXPORT_FILE_ACTIVE)
				continue;
			jsonw_obj_begin(&w);
			jsonw_kstr(&w, "path", f->path);
			jsonw_kint(&w, "done", f->done);
			jsonw_key(&w, "total");
			jsonw_int_or_null(&w, f->size);
			jsonw_obj_end(&w);
		}
		jsonw_arr_end(&w);
		jsonw_obj_end(&w);
		fprintf(stderr, "%s\n", sb.buf);
		strbuf_free(&sb);
		return;
	}
	/* bars: one line per active file (up to 6), then the overall line; redraw in place */
	static int lines_drawn;
	char bar[64], a[32], b[32], r[32];
	for (int i = 0; i < lines_drawn; i++)
		fputs("\033[1A\033[2K", stderr);
	lines_drawn = 0;
	if (!final) {
		for (size_t i = 0; i < export_file_count(j) && lines_drawn < 6; i++) {
			const struct export_file *f = export_file_at(j, i);
			if (f->state != EXPORT_FILE_ACTIVE)
				continue;
			progress_bar(bar, sizeof(bar), 20, f->done, f->size);
			fmt_size(a, sizeof(a), f->done);
			fmt_size(b, sizeof(b), f->size);
			fprintf(stderr, "  %s %9s / %-9s  ", bar, a, f->size >= 0 ? b : "?");
			put_cut(stderr, f->path, 40);
			fputc('\n', stderr);
			lines_drawn++;
		}
	}
	if (t.packing_s >= 0 && !final) {
		/* R10: nothing arrives until the sandbox has built the whole archive */
		fprintf(stderr, "the sandbox is packing the workspace: %ld s\n", t.packing_s);
		lines_drawn++;
		return;
	}
	progress_bar(bar, sizeof(bar), 30, t.bytes_total > 0 ? t.bytes_done : (int64_t)t.files_written,
		     t.bytes_total > 0 ? t.bytes_total : (int64_t)t.files_total);
	fmt_size(a, sizeof(a), t.bytes_done);
	fmt_size(r, sizeof(r), (int64_t)t.rate);
	fprintf(stderr, "%s %zu/%zu files  %s  %s/s", bar, t.files_written, t.files_total, a, r);
	if (t.eta_s >= 0 && !final)
		fprintf(stderr, "  ETA %ld:%02ld", t.eta_s / 60, t.eta_s % 60);
	if (t.files_failed)
		fprintf(stderr, "  %zu failed", t.files_failed);
	fputc('\n', stderr);
	lines_drawn++;
	if (final)
		lines_drawn = 0;
}

/* A finished archive: its path on stdout, what it holds and what it lacks on stderr;
 * EXIT_PARTIAL when something was skipped. */
static int
download_report_done(struct export_job *j, const struct export_totals *t)
{
	char sz[32];
	fmt_size(sz, sizeof(sz), t->archive_size);
	if (strcmp(t->archive_path, "-") != 0)	/* standard output holds the ZIP itself */
		printf("%s\n", t->archive_path);
	fprintf(stderr, "ohbrowse: wrote %s (%s, %zu files",
		strcmp(t->archive_path, "-") ? t->archive_path : "the archive to standard output", sz, t->files_written);
	if (t->files_failed)
		fprintf(stderr, ", %zu skipped", t->files_failed);
	size_t left_out = 0;
	for (size_t i = 0; i < export_file_count(j); i++)
		left_out += export_file_at(j, i)->state == EXPORT_FILE_EXCLUDED;
	if (left_out)	/* on purpose, so not "incomplete": the metadata says why */
		fprintf(stderr, ", %zu left out on purpose", left_out);
	fprintf(stderr, ")\n");
	for (size_t i = 0; i < export_file_count(j); i++) {
		const struct export_file *f = export_file_at(j, i);
		if (f->state == EXPORT_FILE_FAILED || f->state == EXPORT_FILE_CANCELLED)
			fprintf(stderr, "ohbrowse: skipped %s: %s\n", f->path,
				f->error ? f->error : "cancelled");
	}
	if (export_events_error(j))
		fprintf(stderr, "ohbrowse: skipped events.json and conversation.md: %s\n",
			export_events_error(j));
	if (export_incomplete(j))
		fprintf(stderr, "ohbrowse: warning: %s\n", export_incomplete(j));
	int rc = export_partial(j) ? EXIT_PARTIAL : EXIT_OK;
	if (rc == EXIT_PARTIAL)
		fprintf(stderr, "ohbrowse: the archive is incomplete; conversation_metadata.json "
			"inside it lists what was skipped and why\n");
	return rc;
}

int
cli_download(struct api_client *c, int argc, char **argv)
{
	static const struct option opts[] = {
		{"changed", no_argument, NULL, 'c'},
		{"output", required_argument, NULL, 'o'},
		{"wake", no_argument, NULL, 'w'},
		{"progress", required_argument, NULL, 'p'},
		{"no-server-archive", no_argument, NULL, 'N'},
		{"parallel", required_argument, NULL, 'P'},
		{"zip-compat", no_argument, NULL, 'Z'},
		{"events", no_argument, NULL, 'E'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	struct export_opts eo;
	export_opts_init(&eo, NULL, 0);	/* the browser's plan too; paths and mode below */
	enum progress_mode pm = PROGRESS_AUTO;
	bool wake = false;
	int ch;

	optind = 0;	/* 0, not 1: glibc re-reads the ordering mode (main parsed with "+") */
	while ((ch = getopt_long(argc, argv, "co:wp:NP:ZEh", opts, NULL)) != -1) {
		switch (ch) {
		case 'c': eo.mode = EXPORT_CHANGED; break;
		case 'o': eo.output = optarg; break;
		case 'w': wake = true; break;
		case 'N': eo.prefer_server_archive = false; break;
		case 'Z': eo.zip_compat = true; break;
		case 'E': eo.include_events = true; break;
		case 'P': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 64)
				return cli_usage("download", "--parallel needs a number from 1 to 64");
			eo.max_parallel = (int)v;
			break;
		}
		case 'p':
			if (strcmp(optarg, "json") == 0)
				pm = PROGRESS_JSON;
			else if (strcmp(optarg, "none") == 0)
				pm = PROGRESS_NONE;
			else if (strcmp(optarg, "bars") == 0)
				pm = PROGRESS_BARS;
			else if (strcmp(optarg, "auto") != 0)
				return cli_usage("download", "--progress is auto, bars, json or none");
			break;
		case 'h':
			printf("usage: ohbrowse download ID [--changed] [-o FILE] [--wake] "
			       "[--progress=auto|bars|json|none] [--no-server-archive] [--parallel N] [--zip-compat] "
			       "[--events] [PATH...]\n");
			return EXIT_OK;
		default: return cli_usage("download", "unknown option");
		}
	}
	if (optind >= argc)
		return cli_usage("download", "expected a conversation ID");
	const char *id = argv[optind++];
	if (optind < argc) {
		if (eo.mode == EXPORT_CHANGED)
			return cli_usage("download", "--changed and PATH... cannot be combined");
		eo.mode = EXPORT_SELECTED;
		eo.paths = (const char *const *)&argv[optind];
		eo.n_paths = (size_t)(argc - optind);
	}
	if (pm == PROGRESS_AUTO)
		pm = isatty(2) ? PROGRESS_BARS : PROGRESS_NONE;

	struct api_conversation conv = {0};
	int rc = cli_resolve(c, id, wake, false, &conv);
	if (rc != EXIT_OK)
		return rc;

	struct api_error err = {0};
	struct export_job *j = export_start(c, &conv, &eo, &err);
	if (!j) {
		api_conversation_free(&conv);
		return cli_report(&err);
	}
	struct http *h = api_client_http(c);
	int64_t last = 0;
	while (!export_finished(j)) {
		if (signals_interrupted()) {
			export_cancel(j, "interrupted");
			break;
		}
		cli_turn(h, j);
		show_progress(j, pm, &last, false);
	}
	while (!export_finished(j))
		cli_turn(h, j);
	show_progress(j, pm, &last, true);

	struct export_totals t;
	export_totals(j, &t);
	switch (t.phase) {
	case EXPORT_DONE:
		rc = download_report_done(j, &t);
		break;
	case EXPORT_CANCELLED:
		fprintf(stderr, "ohbrowse: download cancelled%s%s; no archive was written\n",
			t.message ? ": " : "", t.message ? t.message : "");
		rc = EXIT_INTERRUPTED;
		break;
	default:
		fprintf(stderr, "ohbrowse: download failed: %s\n", t.message ? t.message : "unknown error");
		rc = export_fail_kind(j) == API_ERR_NOT_FOUND ? api_error_exit_code(API_ERR_NOT_FOUND) : EXIT_NETWORK;
		break;
	}
	export_free(j);
	api_conversation_free(&conv);
	if (fflush(stdout) != 0 && rc == EXIT_OK)
		rc = EXIT_NETWORK;
	return rc;
}
