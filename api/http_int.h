/*
 * api/http_int.h: what the engine's files share (api/http.c, http_limit.c), not for callers.
 *
 * Owns: struct host, one rate limit (a URL prefix: its concurrency, the sliding one-second
 * window and the per-minute budget), and the calls the engine makes into the limiter.
 */
#ifndef OHBROWSE_API_HTTP_INT_H
#define OHBROWSE_API_HTTP_INT_H

#include <stddef.h>
#include <stdint.h>

#include "api/http.h"

#define WINDOW_MS 1000	/* the servers count the requests of the last second */
#define MINUTE_MS 60000

struct host {
	char *origin;		/* the URL prefix this limit covers (an origin unless registered) */
	struct http_limit limit;
	int active;
	int64_t *starts;	/* completion times within the window (rps slots), see host_next_slot */
	size_t n_starts;
	size_t cap_starts;
	int64_t *minute;	/* completion times within the last minute (per_minute budget) */
	size_t n_minute;
	size_t cap_minute;
	unsigned blocked_pass;	/* start_ready found no slot here in this pass */
	struct host *next;
};

/* The limit entry for url in *hosts: exactly `prefix` when given, else the longest
 * registered prefix of url (at a path boundary), else url's origin (created on first use
 * with *limit). */
struct host *host_get(struct host **hosts, const char *url, const char *prefix, const struct http_limit *limit);
/* The earliest time a request may start under o's limits (INT64_MAX: only after one ends). */
int64_t host_next_slot(struct host *o, int64_t now);
/* A request of o's completed at now: it holds its window slots from then on. */
void host_note_done(struct host *o, int64_t now);
/* Free the whole list. */
void host_free_all(struct host *hosts);

#endif
