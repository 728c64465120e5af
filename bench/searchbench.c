/*
 * bench/searchbench.c: the browser's searches at scale (issue 16, item 3), against
 * the way they worked before, measured side by side in one run.
 *
 *   searchbench [EVENTS [FILES]]     default 100000 events, 200000 files
 *
 * It links the model (src/model.c, src/model_events.c, src/search.c) and feeds it
 * generated data: EVENTS events whose text sizes follow a long tail (messages of a
 * few hundred bytes, command outputs up to 64 KiB, hundreds of MB in all), and a
 * tree of FILES files in nested directories. Then it types searches one key at a
 * time, as the prompt does (each key sets the whole text), and Backspaces them away.
 *
 * Per key it times: the event search's first slice (what the key costs before its
 * frame is drawn), the event search until every row is tested (the loop's slices
 * added up), the tree filter (file_tree_set_filter), the tree's / search
 * (file_tree_search). The baseline is the scan the model did before: every row's
 * summary, text and type tested with strncasecmp at every byte, on every key
 * (old_event_view below, the old model code); for the tree filter, the old path test
 * over every path plus the same rebuild of the view. Prints "ROW" lines for
 * bench/run.sh (lib.sh).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "src/base/util.h"
#include "src/model.h"

/* CPU time of this thread: the machine is shared, and a key's cost is the CPU it takes
 * (wall time on a loaded machine adds whatever else ran). The slices themselves end
 * by the wall clock (clock_now_ms()), so a slice's CPU time is at most its budget. */
static double
now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 16);
}

static const char *const words[] = {
	"the", "a", "to", "of", "and", "in", "is", "for", "file", "test", "error", "return", "value",
	"function", "def", "self", "import", "from", "class", "None", "True", "False", "if", "else",
	"print", "line", "src", "main", "config", "json", "request", "response", "status", "ok",
	"build", "make", "npm", "install", "pip", "python", "pytest", "passed", "failed", "assert",
	"Traceback", "most", "recent", "call", "last", "File", "module", "data", "list", "dict",
	"string", "int", "path", "os", "sys", "run", "command", "output", "exit", "code", "0", "1",
	"200", "404", "git", "diff", "commit", "branch", "README.md", "setup.py", "index.js",
	"const", "let", "var", "=>", "{", "}", "(", ")", "[", "]", "==", "+=", "#", "//", "warning",
	"INFO", "DEBUG", "user", "agent", "workspace", "project", "todo", "fix", "bug", "update",
	"add", "remove", "check", "parse", "load", "save", "read", "write", "open", "close",
	"connection", "server", "client", "port", "localhost", "http", "https", "api", "v1",
	"docker", "container", "image", "timeout", "retry", "cache", "memory", "cpu", "thread",
};
#define N_WORDS (sizeof(words) / sizeof(words[0]))

static char *
gen_text(size_t bytes)
{
	struct strbuf sb = { 0 };
	while (sb.len < bytes) {
		const char *w = words[rnd() % N_WORDS];
		/* "timeout" is a word to look for: keep it at about one event in thirty */
		if (strcmp(w, "timeout") == 0 && rnd() % 8)
			w = "time";
		strbuf_puts(&sb, w);
		strbuf_putc(&sb, rnd() % 12 == 0 ? '\n' : ' ');
	}
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

/* Text sizes: log-uniform from 64 B up to 64 KiB for outputs, 100..1500 B otherwise. */
static size_t
gen_size(enum api_event_kind k)
{
	if (k != API_EVENT_OBSERVATION)
		return 100 + rnd() % 1400;
	double e = (double)(rnd() % 10000) / 10000.0;
	size_t s = (size_t)(64.0 * pow(1024.0, e));
	return s;
}

static size_t
gen_events(struct event_list *l, size_t n)
{
	static const enum api_event_kind kinds[] = { API_EVENT_USER, API_EVENT_AGENT, API_EVENT_ACTION,
		API_EVENT_OBSERVATION, API_EVENT_ACTION, API_EVENT_OBSERVATION, API_EVENT_ERROR,
		API_EVENT_STATE };
	size_t bytes = 0, page = 100;
	struct api_event *rows = xcalloc(page, sizeof(*rows));
	for (size_t done = 0; done < n;) {
		size_t k = 0;
		for (; k < page && done < n; k++, done++) {
			struct api_event *e = &rows[k];
			e->kind = kinds[rnd() % (sizeof(kinds) / sizeof(kinds[0]))];
			e->id = xasprintf("%zu", done);
			e->type = xstrdup(api_event_kind_name(e->kind));
			e->text = gen_text(gen_size(e->kind));
			size_t sl = strlen(e->text) < 80 ? strlen(e->text) : 80;
			e->summary = xstrndup(e->text, sl);
			for (char *p = e->summary; *p; p++)
				if (*p == '\n')
					*p = ' ';
			bytes += strlen(e->text) + strlen(e->summary) + strlen(e->type);
		}
		event_list_take(l, rows, k);
	}
	free(rows);
	return bytes;
}

/* ---- the baseline: the model's scan before issue 16 ---- */

static bool
old_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (; *hay; hay++)
		if (strncasecmp(hay, needle, n) == 0)
			return true;
	return n == 0;
}

static size_t
old_event_view(const struct event_list *l, const char *search, size_t *view)
{
	size_t n = 0;
	for (size_t i = 0; i < l->count; i++) {
		const struct api_event *e = &l->rows[i];
		if (!search || old_contains(e->summary, search) || old_contains(e->text, search) ||
		    (e->type && old_contains(e->type, search)))
			view[n++] = i;
	}
	return n;
}

static size_t
old_path_scan(const struct file_tree *t, const char *filter)
{
	size_t n = 0;
	for (size_t i = 1; i < t->count; i++)
		if (t->nodes[i].type != API_DIR && old_contains(t->nodes[i].path, filter))
			n++;
	return n;
}

/* ---- the run ---- */

/* The texts a prompt holds, key by key: typed, then Backspaced to one letter. */
static size_t
keys_of(const char *word, char out[][64], size_t max)
{
	size_t n = 0, len = strlen(word);
	for (size_t i = 1; i <= len && n < max; i++)
		snprintf(out[n++], 64, "%.*s", (int)i, word);
	for (size_t i = len - 1; i >= 1 && n < max; i--)
		snprintf(out[n++], 64, "%.*s", (int)i, word);
	return n;
}

struct stat_max {
	double max, sum;
	size_t n;
};

static void
stat_add(struct stat_max *s, double v)
{
	if (v > s->max)
		s->max = v;
	s->sum += v;
	s->n++;
}

static void
row(const char *bench, const char *figure, double ours, double base, const char *target)
{
	printf("ROW\t%s\t%s (CPU)\t%.1f ms\t%.1f ms\t%.1fx\t%s\n", bench, figure, ours, base,
	       ours > 0 ? base / ours : 0.0, target);
}

static int
bench_events(size_t n_events)
{
	struct event_list l;
	event_list_init(&l);
	double t0 = now_ms();
	size_t bytes = gen_events(&l, n_events);
	fprintf(stderr, "  searchbench: %zu events, %.0f MB of text (generated in %.0f ms)\n", l.count,
		(double)bytes / 1e6, now_ms() - t0);
	static const char *const typed[] = { "timeout", "zqx", "Traceback most" };
	struct stat_max first = { 0 }, full = { 0 }, base = { 0 };
	size_t *view = xmalloc(l.count * sizeof(*view));
	int bad = 0;
	for (size_t w = 0; w < sizeof(typed) / sizeof(typed[0]); w++) {
		char keys[64][64];
		size_t nk = keys_of(typed[w], keys, 64);
		for (size_t k = 0; k < nk; k++) {
			double a = now_ms();
			event_list_set_search(&l, keys[k]);
			double b = now_ms();
			while (event_list_search_pending(&l))
				event_list_search_step(&l, EVENT_SEARCH_SLICE_MS);
			double c = now_ms();
			size_t nv = old_event_view(&l, keys[k], view);
			double d = now_ms();
			stat_add(&first, b - a);
			stat_add(&full, c - a);
			stat_add(&base, d - c);
			if (nv != l.n_view || memcmp(view, l.view, nv * sizeof(*view)) != 0) {
				fprintf(stderr, "  searchbench: \"%s\": %zu rows, the old scan %zu\n", keys[k],
					l.n_view, nv);
				bad = 1;
			}
		}
		event_list_set_search(&l, NULL);
	}
	fprintf(stderr, "  searchbench: events, %zu keys: first slice max %.1f ms, complete max %.1f ms "
		"(mean %.1f), old scan max %.1f ms (mean %.1f)\n", first.n, first.max, full.max,
		full.sum / (double)full.n, base.max, base.sum / (double)base.n);
	char name[128];
	snprintf(name, sizeof(name), "event search, %zuk events (%.0f MB)", l.count / 1000, (double)bytes / 1e6);
	row(name, "per key, max: until the frame", first.max, base.max, "<= 50 ms");
	row(name, "per key, max: every row tested", full.max, base.max, "-");
	row(name, "per key, mean: every row tested", full.sum / (double)full.n, base.sum / (double)base.n, "-");
	free(view);
	event_list_free(&l);
	return bad;
}

static void
gen_tree(struct file_tree *t, size_t n_files)
{
	static const char *const top[] = { "src", "lib", "tests", "docs", "node_modules", "vendor",
		"build", "tools" };
	struct api_file_list fl = { 0 };
	for (size_t i = 0; i < n_files; i++) {
		char path[256];
		/* about 8 x 40 x 30 directories, 20 files in each: a big monorepo's shape */
		snprintf(path, sizeof(path), "%s/%s%u/%s%u/%s_%zu.%s", top[rnd() % 8], words[rnd() % 20],
			 rnd() % 2, words[20 + rnd() % 15], rnd() % 2, words[rnd() % N_WORDS], i,
			 rnd() % 3 ? "c" : "py");
		for (char *p = path; *p; p++)	/* words like "=>" would make odd names */
			if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
			      *p == '/' || *p == '.' || *p == '_'))
				*p = 'x';
		api_file_list_add(&fl, path, API_FILE, 1000 + rnd() % 100000, -1, API_CHANGE_NONE);
	}
	file_tree_add_list(t, "", &fl, true);
	api_file_list_free(&fl);
}

static void
bench_tree(size_t n_files)
{
	struct file_tree t;
	file_tree_init(&t);
	double t0 = now_ms();
	gen_tree(&t, n_files);
	fprintf(stderr, "  searchbench: %zu tree nodes (built in %.0f ms)\n", t.count, now_ms() - t0);
	char keys[64][64];
	size_t nk = keys_of("handler_1", keys, 64);
	struct stat_max filt = { 0 }, base = { 0 }, find = { 0 };
	/* The first filter of a tree: timed on its own (a whole listing sorts every directory
	 * as it arrives, so this should cost no more than a key). */
	double f0 = now_ms();
	file_tree_set_filter(&t, "zzzz");
	double first = now_ms() - f0;
	file_tree_set_filter(&t, NULL);
	for (size_t k = 0; k < nk; k++) {
		double a = now_ms();
		file_tree_set_filter(&t, keys[k]);
		double b = now_ms();
		/* The old file_tree_set_filter: every path tested with strncasecmp, then the same
		 * rebuild (which finds this filter's hits made already, so it costs only the marks,
		 * the totals and the walk). */
		old_path_scan(&t, keys[k]);
		file_tree_rebuild_view(&t);
		double c = now_ms();
		stat_add(&filt, b - a);
		stat_add(&base, c - b);
	}
	file_tree_set_filter(&t, NULL);
	for (size_t k = 0; k < nk; k++) {
		bool wrapped;
		double a = now_ms();
		file_tree_search(&t, 0, 1, false, keys[k], &wrapped);
		stat_add(&find, now_ms() - a);
	}
	fprintf(stderr, "  searchbench: tree, %zu keys: filter max %.1f ms (mean %.1f), old filter max %.1f ms "
		"(mean %.1f); first filter (sorting) %.1f ms; / search max %.1f ms\n", filt.n, filt.max,
		filt.sum / (double)filt.n, base.max, base.sum / (double)base.n, first, find.max);
	char name[128];
	snprintf(name, sizeof(name), "tree filter, %zuk files", n_files / 1000);
	row(name, "per key, max", filt.max, base.max, "<= 50 ms");
	row(name, "per key, mean", filt.sum / (double)filt.n, base.sum / (double)base.n, "-");
	printf("ROW\t%s\tfirst filter of the tree (CPU)\t%.1f ms\t-\t-\t-\n", name, first);
	printf("ROW\t%s\tper key, max: / search, next match (CPU)\t%.1f ms\t-\t-\t<= 50 ms\n", name, find.max);
	file_tree_free(&t);
}

int
main(int argc, char **argv)
{
	size_t n_events = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000;
	size_t n_files = argc > 2 ? strtoul(argv[2], NULL, 10) : 200000;
	int bad = bench_events(n_events);
	bench_tree(n_files);
	return bad;
}
