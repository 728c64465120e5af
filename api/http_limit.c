/*
 * api/http_limit.c: the engine's rate limits, one per URL prefix (see api/http_int.h).
 *
 * Owns: finding the limit a URL counts against (the longest registered prefix, else its
 * origin: an agent-server proxied under the app's origin keeps a limit of its own, 2026
 * §1.4), the sliding one-second window the real OpenHands limiter counts, and Cloud's
 * per-minute budget. Plain data: no curl handle, no request.
 */
#include "api/http_int.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"

/* "scheme://host:port/path" (explicit port, no query, no trailing '/'): the form limit
 * prefixes are kept and compared in. NULL when unparsable. */
static char *
limit_key(const char *url)
{
	char *origin = http_origin(url);
	const char *p = strstr(url, "://");

	if (!origin || !p)
		return origin;
	p = strchr(p + 3, '/');
	size_t n = p ? strcspn(p, "?#") : 0;
	while (n > 0 && p[n - 1] == '/')
		n--;
	char *k = xasprintf("%s%.*s", origin, (int)n, p ? p : "");
	free(origin);
	return k;
}

struct host *
host_get(struct host **hosts, const char *url, const char *prefix, const struct http_limit *limit)
{
	char *key = limit_key(prefix ? prefix : url);
	struct host *o, *best = NULL;
	size_t best_len = 0;

	if (!key)
		key = xstrdup("?");
	for (o = *hosts; o; o = o->next) {
		size_t n = strlen(o->origin);
		bool match = prefix ? strcmp(o->origin, key) == 0
				    : strncmp(o->origin, key, n) == 0 && (key[n] == '\0' || key[n] == '/');
		if (match && n >= best_len) {
			best = o;
			best_len = n;
		}
	}
	if (!best && !prefix) {
		/* unregistered: the origin's own entry */
		char *origin = http_origin(url);
		free(key);
		key = origin ? origin : xstrdup("?");
		for (o = *hosts; o && !best; o = o->next)
			if (strcmp(o->origin, key) == 0)
				best = o;
	}
	if (best) {
		free(key);
		return best;
	}
	char *origin = key;
	o = xcalloc(1, sizeof(*o));
	o->origin = origin;
	if (limit)
		o->limit = *limit;
	if (o->limit.max_conns <= 0)
		o->limit.max_conns = 6;
	o->next = *hosts;
	*hosts = o;
	return o;
}

/*
 * The per-minute budget, counted the same way as the second (a request holds its slot until
 * a minute after it completed): Cloud allows 100 a minute besides 10 a second (2026 §1.1),
 * so a long listing or a polling loop paces itself instead of meeting 429s.
 */
static int64_t
minute_next_slot(struct host *o, int64_t now, int64_t next)
{
	if (o->limit.per_minute <= 0)
		return next;
	size_t keep = 0;
	for (size_t i = 0; i < o->n_minute; i++)
		if (now - o->minute[i] < MINUTE_MS)
			o->minute[keep++] = o->minute[i];
	o->n_minute = keep;
	if ((size_t)o->active + o->n_minute < (size_t)o->limit.per_minute)
		return next;
	if (o->n_minute == 0)
		return INT64_MAX;
	int64_t oldest = o->minute[0];
	for (size_t i = 1; i < o->n_minute; i++)
		if (o->minute[i] < oldest)
			oldest = o->minute[i];
	return oldest + MINUTE_MS > next ? oldest + MINUTE_MS : next;
}

int64_t
host_next_slot(struct host *o, int64_t now)
{
	if (o->limit.rps <= 0)
		return minute_next_slot(o, now, now);
	size_t keep = 0;
	for (size_t i = 0; i < o->n_starts; i++)
		if (now - o->starts[i] < WINDOW_MS)
			o->starts[keep++] = o->starts[i];
	o->n_starts = keep;
	size_t max = (size_t)o->limit.rps;
	if (max < 1)
		max = 1;
	int64_t next = now;
	if ((size_t)o->active + o->n_starts >= max) {
		if (o->n_starts == 0)
			return INT64_MAX;
		int64_t oldest = o->starts[0];
		for (size_t i = 1; i < o->n_starts; i++)
			if (o->starts[i] < oldest)
				oldest = o->starts[i];
		next = oldest + WINDOW_MS;
	}
	return minute_next_slot(o, now, next);
}

void
host_note_done(struct host *o, int64_t now)
{
	if (o->limit.per_minute > 0) {
		if (o->n_minute == o->cap_minute) {
			o->cap_minute = o->cap_minute ? o->cap_minute * 2 : 16;
			o->minute = xrealloc(o->minute, o->cap_minute * sizeof(*o->minute));
		}
		o->minute[o->n_minute++] = now;
	}
	if (o->limit.rps <= 0)
		return;
	if (o->n_starts == o->cap_starts) {
		o->cap_starts = o->cap_starts ? o->cap_starts * 2 : 16;
		o->starts = xrealloc(o->starts, o->cap_starts * sizeof(*o->starts));
	}
	o->starts[o->n_starts++] = now;
}

void
host_free_all(struct host *hosts)
{
	while (hosts) {
		struct host *n = hosts->next;

		free(hosts->origin);
		free(hosts->starts);
		free(hosts->minute);
		free(hosts);
		hosts = n;
	}
}
