/*
 * api/http.h: the asynchronous HTTP engine (libcurl multi interface).
 *
 * Owns: the one curl multi handle, every easy handle, per-host limiters
 * (requests per second and concurrent connections), retry and Retry-After
 * timers, and a small timer list the rest of the program may use. It is the
 * program's only blocking point: http_wait() is curl_multi_poll() with the
 * caller's extra fds (terminal, signal self-pipe) and the fds of registered
 * work (below).
 *
 * Contract:
 *  - http_submit() never blocks; the request is queued and started by
 *    http_perform() when its host limiter allows.
 *  - Completions run from http_perform(), never from inside a curl callback,
 *    exactly once per submitted request (also after http_cancel(), with
 *    result->cancelled set), and the engine frees the request afterwards --
 *    except after http_abandon(): then never, and the engine frees it alone.
 *  - Idempotent requests are retried on 429 (Retry-After honoured, else
 *    backoff), 5xx, connection resets and timeouts, with exponential backoff
 *    and jitter, up to opts->max_attempts. A retried download truncates its
 *    sink fd first, so the sink only ever holds one attempt's bytes.
 *  - Headers passed in opts are copied; nothing in opts need outlive submit.
 *  - Secret header values are never logged: the debug log prints header
 *    names only for Authorization and X-Session-API-Key.
 */
#ifndef OHBROWSE_API_HTTP_H
#define OHBROWSE_API_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct http;
struct http_req;

/* Limits for one host (scheme://host:port). rps <= 0 means no rate limit. */
struct http_limit {
	double rps;
	int max_conns;
	int per_minute;		/* > 0: at most this many requests in any 60 s (Cloud: 100) */
};

struct http_result {
	long status;		/* HTTP status of the last attempt; 0 if none arrived */
	int curl_code;		/* CURLcode of the last attempt (0 = CURLE_OK) */
	bool cancelled;
	int attempts;
	char content_type[128];	/* "" when absent */
	char *body;		/* memory sink: NUL-terminated body (owned by the engine) */
	size_t body_len;
	int64_t bytes;		/* body bytes received in the last attempt */
	bool truncated;		/* memory sink: body exceeded max_mem and was cut */
	char error[256];	/* curl's error text, "" when none */
	char *location;		/* Location header, if any (owned by the engine) */
	int sink_errno;		/* a sink write failed with this errno (ENOSPC...), else 0 */
	char *error_body;	/* fd/callback sinks: the body of a non-2xx answer (<= 64 KiB) */
	size_t error_body_len;
	char *captured;		/* the value of opts.capture_header, as sent; NULL when absent */
	bool first_byte_timeout;	/* first_byte_timeout_ms passed without a body byte */
};

typedef void (*http_done_fn)(struct http_req *req, const struct http_result *res, void *ud);
/* Progress: total < 0 when unknown. Called from curl callbacks: store, never draw. */
typedef void (*http_progress_fn)(void *ud, int64_t done, int64_t total);
/* Custom sink for 2xx bodies: return 0 on success, else an errno value (stops the transfer). */
typedef int (*http_write_fn)(void *ud, const char *data, size_t len);
/* Called before a retry so a custom sink can start over. */
typedef void (*http_reset_fn)(void *ud);

struct http_opts {
	const char *method;		/* NULL means GET */
	const char *url;
	const char *const *headers;	/* NULL-terminated "Name: value" list, may be NULL */
	const char *body;		/* request body for POST/PATCH, may be NULL */
	size_t body_len;
	int sink_fd;			/* > 0: stream a 2xx body to this fd (truncated on retry);
					 * 0 = none (main() keeps fds 0-2 open, so 0 is never a spool) */
	http_write_fn sink_write;	/* else, when set: stream a 2xx body through this */
	http_reset_fn sink_reset;
	size_t max_mem;			/* memory sink cap; 0 means 64 MiB */
	bool idempotent;		/* allow automatic retries */
	bool no_retry_500;		/* a 500 is an answer here (V0 select-file: missing file) */
	bool download;			/* stall detection instead of a total timeout */
	/* download: > 0 waits this long for the first body byte with no stall detection
	 * before it (a server that builds the whole answer first, R10), then stall detection */
	long first_byte_timeout_ms;
	const char *capture_header;	/* a response header to keep in result.captured */
	int max_attempts;		/* 0 means the engine default */
	long timeout_ms;		/* total timeout for non-downloads; 0 = default */
	struct http_limit limit;	/* applied to the host the first time it is seen */
	const char *limit_prefix;	/* the URL prefix whose limit applies (an agent-server's base,
					 * even under the app's origin); NULL = the longest registered
					 * prefix of url, else its origin */
	http_done_fn done;
	http_progress_fn progress;
	void *ud;
};

struct http_config {
	int max_attempts;		/* default 4 */
	long connect_timeout_ms;	/* default 10000 */
	long json_timeout_ms;		/* default 30000 */
	long stall_seconds;		/* downloads: abort below 1 byte/s for this long; default 60 */
	long backoff_base_ms;		/* default 500 */
	long backoff_max_ms;		/* default 30000 */
	bool verbose;			/* log requests (never secrets) to log_fd */
	int log_fd;			/* -1: no log */
	const char *cacert;		/* --cacert FILE; NULL: $CURL_CA_BUNDLE, $SSL_CERT_FILE, the system's */
	const char *capath;		/* --capath DIR; NULL: $SSL_CERT_DIR, the system's */
};

/* Once per process, before any thread exists (libcurl's global state). */
void http_global_init(void);
void http_global_cleanup(void);

struct http *http_new(const struct http_config *cfg);	/* cfg may be NULL */
void http_free(struct http *h);	/* cancels everything without calling completions */

/* Queue a request. Returns a handle valid until its completion has run. */
struct http_req *http_submit(struct http *h, const struct http_opts *opts);
/* Cancel: the completion runs on the next http_perform() with res->cancelled. */
void http_cancel(struct http_req *req);
/* Cancel and let go: the engine owns the request from now on, never calls its completion,
 * progress or sink again, and frees it itself (for owners that go away: api_client_free). */
void http_abandon(struct http_req *req);

/* Drive transfers, start queued work, run due timers, run completions. */
void http_perform(struct http *h);
/* Block until a socket, an extra fd, a timer or http_wakeup() needs attention, at most
 * timeout_ms. extra_fds[i].revents is filled in (POLLIN when readable). */
struct http_waitfd {
	int fd;
	short events;
	short revents;
};
void http_wait(struct http *h, struct http_waitfd *extra, unsigned n_extra, long timeout_ms);
void http_wakeup(struct http *h);
/* Milliseconds until the engine needs http_perform() again (-1: nothing scheduled). */
long http_next_timeout_ms(struct http *h);
/* Requests queued, running, or waiting on a retry timer. */
size_t http_pending(struct http *h);
/* Total requests actually sent (attempts), for benchmarks and the CLI's --verbose. */
uint64_t http_requests_sent(struct http *h);

/* Timers run from http_perform(). Returns an id usable with http_timer_cancel(). */
typedef void (*http_timer_fn)(void *ud);
unsigned http_timer_add(struct http *h, long delay_ms, http_timer_fn fn, void *ud);
void http_timer_cancel(struct http *h, unsigned id);

/*
 * Work the loop drives besides transfers (api/local_*.c: a file copied in slices, a walk in
 * steps, git's output read through a non-blocking pipe), so that it never blocks the loop.
 * The caller owns the struct and may change fd and busy at any time, also from step:
 *  - fd >= 0 joins http_wait()'s poll (POLLIN);
 *  - busy means "more is ready now": http_wait() does not sleep while it is set;
 *  - step runs from http_perform(), at most once per call, when busy or when fd was found
 *    readable. It must do a bounded slice of work; it may remove itself or other work.
 */
struct http_work {
	int fd;
	bool busy;
	void (*step)(struct http_work *w);
	/* the engine's */
	bool readable;
	struct http_work *next;
};
void http_work_add(struct http *h, struct http_work *w);
void http_work_remove(struct http *h, struct http_work *w);

/* Per-host overrides set from the command line or config (host key "scheme://host:port"). */
/* Limits are kept per URL prefix: a request counts against the longest registered prefix
 * of its URL (or its limit_prefix), else against its origin. */
void http_set_host_limit(struct http *h, const char *url_prefix, struct http_limit limit);

/* URL helpers (curl's escaping): caller frees. */
char *http_escape(const char *s);
/* One line in the request log (--verbose / --log), for decisions a user may want to see. */
void http_note(struct http *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Percent-decode (%XX; anything else as it is). Caller frees; may hold NUL-free bytes only. */
char *http_unescape(const char *s);
/* "scheme://host:port" of a URL (port always explicit); NULL when unparsable. */
char *http_origin(const char *url);
/* True for 127.0.0.0/8, ::1 and "localhost". */
bool http_host_is_loopback(const char *url);

#endif
