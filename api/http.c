/*
 * api/http.c: the asynchronous HTTP engine (see http.h for the contract).
 *
 * Shape: every request lives in one list. A request is QUEUED until its
 * host limiter allows it (concurrency and a sliding one-second window, which
 * is what the real OpenHands limiter counts), RUNNING while curl owns its easy
 * handle, WAITING after a retryable failure until its backoff expires, and
 * DONE once its completion may run. Completions run at the end of
 * http_perform(), so callers never re-enter curl from a curl callback.
 */
#include "api/http.h"
#include "api/http_int.h"

#include <curl/curl.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "src/base/util.h"

#define ERROR_BODY_MAX (64 * 1024)
#define HTTP_FLOOR_BPS 1024	/* downloads: slower than this for stall_seconds is a stall */
#define RETRY_AFTER_MAX_S 3600L	/* read no further; the retry caps the wait at 4 x backoff_max */

enum req_state {
	REQ_QUEUED,
	REQ_RUNNING,
	REQ_WAITING,
	REQ_DONE,
};

struct http_req {
	struct http *h;
	struct http_opts o;
	char *url;
	char *method;
	char *body;
	struct curl_slist *hdrs;
	char *log_line;		/* request line for the log, secrets elided */
	CURL *easy;
	struct host *host;
	enum req_state state;
	int64_t not_before_ms;
	int64_t started_ms;
	long retry_after_ms;	/* from the last 429/503, -1 when absent */
	bool status_checked;	/* first body byte seen: 2xx goes to the sink */
	bool body_to_sink;
	bool cancelled;
	struct strbuf mem;
	struct http_result res;
	char errbuf[CURL_ERROR_SIZE];
	char *capture_name;	/* opts.capture_header, copied */
	int64_t last_rx_ms;	/* first_byte_timeout_ms: when the body last grew */
	curl_off_t last_rx;
	bool fb_timeout;	/* aborted: no first byte in time */
	bool stalled;		/* aborted: no byte for stall_seconds after the first */
	int64_t floor_ms;	/* the speed floor's window: since when ... */
	curl_off_t floor_bytes;	/* ... and from how many bytes */
	struct http_req *prev, *next;
	struct http_req *done_next;	/* the queue of done requests, in the order they ended */
};

struct timer {
	unsigned id;
	int64_t due_ms;
	http_timer_fn fn;
	void *ud;
	struct timer *next;
};

struct http {
	CURLM *multi;
	struct http_config cfg;
	struct http_req *head, *tail;
	/* Done requests waiting for their completion, oldest first: running completions costs
	 * the same whatever else is queued (no walk of the whole list per completion). */
	struct http_req *done_head, *done_tail;
	size_t n_reqs;		/* in head..tail */
	unsigned pass;		/* start_ready's passes, for host.blocked_pass */
	struct host *hosts;
	struct timer *timers;
	unsigned next_timer_id;
	uint64_t sent;
	unsigned rng;
	bool in_perform;
	struct http_work *work;		/* registered work (http_work_add) */
	struct http_work *work_next;	/* the next one work_run() steps; removal moves it */
	char *noproxy;		/* $NO_PROXY (or $no_proxy) plus the loopback names */
	const char *cacert, *capath;
};

static void
log_line(struct http *h, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
log_line(struct http *h, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	int n;

	if (!h->cfg.verbose || h->cfg.log_fd < 0)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf, sizeof(buf) - 1, fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n > sizeof(buf) - 2)
		n = (int)sizeof(buf) - 2;
	buf[n++] = '\n';
	if (write(h->cfg.log_fd, buf, (size_t)n) < 0) {
		/* logging is best effort */
	}
}

void
http_global_init(void)
{
	curl_global_init(CURL_GLOBAL_DEFAULT);
}

void
http_global_cleanup(void)
{
	curl_global_cleanup();
}

struct http *
http_new(const struct http_config *cfg)
{
	struct http *h = xcalloc(1, sizeof(*h));

	if (cfg)
		h->cfg = *cfg;
	else
		h->cfg.log_fd = -1;
	if (h->cfg.max_attempts <= 0)
		h->cfg.max_attempts = 4;
	if (h->cfg.connect_timeout_ms <= 0)
		h->cfg.connect_timeout_ms = 10000;
	if (h->cfg.json_timeout_ms <= 0)
		h->cfg.json_timeout_ms = 30000;
	if (h->cfg.stall_seconds <= 0)
		h->cfg.stall_seconds = 60;
	if (h->cfg.backoff_base_ms <= 0)
		h->cfg.backoff_base_ms = 500;
	if (h->cfg.backoff_max_ms <= 0)
		h->cfg.backoff_max_ms = 30000;
	h->multi = curl_multi_init();
	if (!h->multi)
		die("cannot initialise libcurl");
	curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, 64L);
	const char *np = getenv("NO_PROXY");
	if (!np || !*np)
		np = getenv("no_proxy");
	h->noproxy = np && *np ? xasprintf("%s,127.0.0.1,localhost,::1", np) : xstrdup("127.0.0.1,localhost,::1");
	/* the curl tool's variables, where no option named a CA */
	h->cacert = h->cfg.cacert ? h->cfg.cacert : getenv("CURL_CA_BUNDLE") && *getenv("CURL_CA_BUNDLE")
			? getenv("CURL_CA_BUNDLE") : getenv("SSL_CERT_FILE") && *getenv("SSL_CERT_FILE") ? getenv("SSL_CERT_FILE") : NULL;
	h->capath = h->cfg.capath ? h->cfg.capath : getenv("SSL_CERT_DIR") && *getenv("SSL_CERT_DIR") ? getenv("SSL_CERT_DIR") : NULL;
	h->rng = (unsigned)clock_now_ms() ^ (unsigned)getpid();
	return h;
}

static void
req_unlink(struct http_req *r)
{
	struct http *h = r->h;

	if (r->prev)
		r->prev->next = r->next;
	else
		h->head = r->next;
	if (r->next)
		r->next->prev = r->prev;
	else
		h->tail = r->prev;
	r->prev = r->next = NULL;
	h->n_reqs--;
}

/* The request ended (answered, failed, cancelled): its completion is due. */
static void
req_mark_done(struct http_req *r)
{
	struct http *h = r->h;

	r->state = REQ_DONE;
	r->done_next = NULL;
	if (h->done_tail)
		h->done_tail->done_next = r;
	else
		h->done_head = r;
	h->done_tail = r;
}


static void
req_detach_easy(struct http_req *r)
{
	if (r->easy) {
		curl_multi_remove_handle(r->h->multi, r->easy);
		curl_easy_cleanup(r->easy);
		r->easy = NULL;
		if (r->host && r->host->active > 0)
			r->host->active--;
		if (r->host)
			host_note_done(r->host, clock_now_ms());
	}
}

static void
req_free(struct http_req *r)
{
	req_detach_easy(r);
	curl_slist_free_all(r->hdrs);
	free(r->url);
	free(r->method);
	free(r->body);
	free(r->log_line);
	strbuf_free(&r->mem);
	free(r->res.location);
	free(r->res.error_body);
	free(r->res.captured);
	free(r->capture_name);
	free(r);
}

void
http_free(struct http *h)
{
	if (!h)
		return;
	while (h->head) {
		struct http_req *r = h->head;

		req_unlink(r);
		req_free(r);
	}
	free(h->noproxy);
	host_free_all(h->hosts);
	h->hosts = NULL;
	while (h->timers) {
		struct timer *n = h->timers->next;

		free(h->timers);
		h->timers = n;
	}
	curl_multi_cleanup(h->multi);
	free(h);
}

void
http_note(struct http *h, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	log_line(h, "* %s", buf);
}

void
http_set_host_limit(struct http *h, const char *url_prefix, struct http_limit limit)
{
	struct host *o = host_get(&h->hosts, url_prefix, url_prefix, &limit);

	o->limit = limit;
	if (o->limit.max_conns <= 0)
		o->limit.max_conns = 6;
}

static bool
header_is_secret(const char *line)
{
	return strncasecmp(line, "authorization:", 14) == 0 ||
	       strncasecmp(line, "x-session-api-key:", 18) == 0 ||
	       strncasecmp(line, "cookie:", 7) == 0;
}

struct http_req *
http_submit(struct http *h, const struct http_opts *opts)
{
	struct http_req *r = xcalloc(1, sizeof(*r));
	struct strbuf log = {0};

	r->h = h;
	r->o = *opts;
	r->url = xstrdup(opts->url);
	r->method = xstrdup(opts->method ? opts->method : "GET");
	if (opts->body) {
		r->body = xmalloc(opts->body_len + 1);
		memcpy(r->body, opts->body, opts->body_len);
		r->body[opts->body_len] = '\0';
	}
	r->o.url = r->url;
	r->capture_name = opts->capture_header ? xstrdup(opts->capture_header) : NULL;
	r->o.capture_header = NULL;
	r->o.method = r->method;
	r->o.body = r->body;
	r->o.headers = NULL;
	if (r->o.max_mem == 0)
		r->o.max_mem = 64u << 20;
	if (r->o.max_attempts <= 0)
		r->o.max_attempts = h->cfg.max_attempts;
	strbuf_printf(&log, "%s %s", r->method, r->url);
	for (const char *const *hd = opts->headers; hd && *hd; hd++) {
		r->hdrs = curl_slist_append(r->hdrs, *hd);
		if (!r->hdrs)
			die("out of memory");
		if (header_is_secret(*hd)) {
			const char *colon = strchr(*hd, ':');
			strbuf_printf(&log, " [%.*s: (secret)]", (int)(colon - *hd), *hd);
		}
	}
	r->log_line = strbuf_detach(&log);
	r->host = host_get(&h->hosts, r->url, opts->limit_prefix, &opts->limit);
	r->state = REQ_QUEUED;
	r->retry_after_ms = -1;
	r->prev = h->tail;
	if (h->tail)
		h->tail->next = r;
	else
		h->head = r;
	h->tail = r;
	h->n_reqs++;
	return r;
}

void
http_cancel(struct http_req *r)
{
	if (!r || r->state == REQ_DONE)
		return;
	req_detach_easy(r);
	r->cancelled = true;
	r->res.cancelled = true;
	req_mark_done(r);
}

void
http_abandon(struct http_req *r)
{
	if (!r)
		return;
	http_cancel(r);
	/* orphaned: run_completions frees a done request without a completion */
	r->o.done = NULL;
	r->o.progress = NULL;
	r->o.sink_write = NULL;
	r->o.sink_reset = NULL;
	r->o.ud = NULL;
}

static size_t
on_header(char *buf, size_t size, size_t n, void *ud)
{
	struct http_req *r = ud;
	size_t len = size * n;
	const char *v;
	size_t vlen;

	/* A new status line means a new response (redirect or 100-continue): forget the old. */
	if (len > 5 && strncmp(buf, "HTTP/", 5) == 0) {
		r->res.content_type[0] = '\0';
		r->retry_after_ms = -1;
		return len;
	}
	const char *colon = memchr(buf, ':', len);
	if (!colon)
		return len;
	v = colon + 1;
	while (v < buf + len && (*v == ' ' || *v == '\t'))
		v++;
	vlen = (size_t)(buf + len - v);
	while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
		vlen--;
	size_t nlen = (size_t)(colon - buf);
	if (nlen == 12 && strncasecmp(buf, "content-type", 12) == 0) {
		size_t c = vlen < sizeof(r->res.content_type) - 1 ? vlen : sizeof(r->res.content_type) - 1;
		memcpy(r->res.content_type, v, c);
		r->res.content_type[c] = '\0';
	} else if (nlen == 11 && strncasecmp(buf, "retry-after", 11) == 0) {
		char tmp[64];
		size_t c = vlen < sizeof(tmp) - 1 ? vlen : sizeof(tmp) - 1;
		char *end;

		memcpy(tmp, v, c);
		tmp[c] = '\0';
		long secs = strtol(tmp, &end, 10);
		/* clamped before it is multiplied: a huge value must not overflow into a short or
		 * negative wait (the retry itself caps the wait again) */
		if (end != tmp && *end == '\0' && secs >= 0) {
			r->retry_after_ms = (secs > RETRY_AFTER_MAX_S ? RETRY_AFTER_MAX_S : secs) * 1000;
		} else {
			time_t when = curl_getdate(tmp, NULL);
			if (when > 0) {
				long d = (long)(when - time(NULL));
				if (d > RETRY_AFTER_MAX_S)
					d = RETRY_AFTER_MAX_S;
				r->retry_after_ms = d > 0 ? d * 1000 : 0;
			}
		}
	} else if (nlen == 8 && strncasecmp(buf, "location", 8) == 0) {
		free(r->res.location);
		r->res.location = xstrndup(v, vlen);
	}
	if (r->capture_name && nlen == strlen(r->capture_name) && strncasecmp(buf, r->capture_name, nlen) == 0) {
		free(r->res.captured);
		r->res.captured = xstrndup(v, vlen);
	}
	return len;
}

static int
write_fd_all(int fd, const char *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return errno;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static size_t
on_body(char *buf, size_t size, size_t n, void *ud)
{
	struct http_req *r = ud;
	size_t len = size * n;

	if (!r->status_checked) {
		long code = 0;

		curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &code);
		r->status_checked = true;
		r->body_to_sink = code >= 200 && code < 300 && (r->o.sink_fd > 0 || r->o.sink_write);
	}
	r->res.bytes += (int64_t)len;
	if (r->body_to_sink) {
		int e = r->o.sink_fd > 0 ? write_fd_all(r->o.sink_fd, buf, len)
					 : r->o.sink_write(r->o.ud, buf, len);
		if (e) {
			r->res.sink_errno = e;
			return 0;
		}
		return len;
	}
	size_t cap = (r->o.sink_fd > 0 || r->o.sink_write) ? ERROR_BODY_MAX : r->o.max_mem;
	if (r->mem.len + len > cap) {
		size_t room = cap - r->mem.len;

		strbuf_append(&r->mem, buf, room);
		r->res.truncated = true;
		return 0;	/* stop: we have all we keep */
	}
	strbuf_append(&r->mem, buf, len);
	return len;
}

static int
on_progress(void *ud, curl_off_t dltotal, curl_off_t dlnow, curl_off_t ultotal, curl_off_t ulnow)
{
	struct http_req *r = ud;

	if (r->cancelled)
		return 1;
	if (r->o.download && r->o.first_byte_timeout_ms > 0) {
		/* our own timing instead of curl's low-speed limit, which would count the
		 * server's silence while it builds the answer as a stall */
		int64_t now = clock_now_ms();
		if (dlnow > r->last_rx || r->last_rx_ms == 0) {
			r->last_rx_ms = now;
			r->last_rx = dlnow;
		}
		if (dlnow == 0 && now - r->started_ms > r->o.first_byte_timeout_ms) {
			r->fb_timeout = true;
			return 1;
		}
		if (dlnow > 0 && now - r->last_rx_ms > (int64_t)r->h->cfg.stall_seconds * 1000) {
			r->stalled = true;
			return 1;
		}
		/* after the first byte, a floor: a server dripping a byte a second never stalls, but
		 * it never finishes either (slowloris) */
		if (dlnow > 0 && r->floor_ms == 0) {
			r->floor_ms = now;
			r->floor_bytes = dlnow;
		} else if (dlnow > 0 && now - r->floor_ms >= (int64_t)r->h->cfg.stall_seconds * 1000) {
			if (dlnow - r->floor_bytes < (curl_off_t)HTTP_FLOOR_BPS * r->h->cfg.stall_seconds) {
				r->stalled = true;
				return 1;
			}
			r->floor_ms = now;
			r->floor_bytes = dlnow;
		}
	}
	if (r->o.progress && r->body_to_sink)
		r->o.progress(r->o.ud, (int64_t)dlnow, dltotal > 0 ? (int64_t)dltotal : -1);
	return 0;
}

static bool
req_start(struct http_req *r, int64_t now)
{
	struct http *h = r->h;
	CURL *e = curl_easy_init();

	if (!e)
		return false;
	r->easy = e;
	r->status_checked = false;
	r->body_to_sink = false;
	strbuf_reset(&r->mem);
	r->res.bytes = 0;
	r->res.truncated = false;
	r->res.sink_errno = 0;
	r->res.content_type[0] = '\0';
	r->errbuf[0] = '\0';
	r->res.attempts++;
	r->started_ms = now;
	curl_easy_setopt(e, CURLOPT_URL, r->url);
	curl_easy_setopt(e, CURLOPT_PRIVATE, r);
	curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
	curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
	curl_easy_setopt(e, CURLOPT_USERAGENT, "ohbrowse/0.1");
	curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");	/* gzip etc.; sizes below are decoded */
	curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(e, CURLOPT_HEADERDATA, r);
	curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(e, CURLOPT_WRITEDATA, r);
	curl_easy_setopt(e, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(e, CURLOPT_XFERINFOFUNCTION, on_progress);
	curl_easy_setopt(e, CURLOPT_XFERINFODATA, r);
	curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, h->cfg.connect_timeout_ms);
	/* Loopback never goes through a proxy, whatever the user's environment says. */
	/* the user's NO_PROXY as curl reads it, plus the loopback addresses (the fake, local
	 * servers): a proxy must never see a request meant for this machine */
	curl_easy_setopt(e, CURLOPT_NOPROXY, r->h->noproxy);
	/* verification stays on; a private CA can be named, as with the curl tool */
	if (r->h->cacert)
		curl_easy_setopt(e, CURLOPT_CAINFO, r->h->cacert);
	if (r->h->capath)
		curl_easy_setopt(e, CURLOPT_CAPATH, r->h->capath);
	/* Redirects would carry our key headers to another host: never follow them. */
	curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(e, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	curl_easy_setopt(e, CURLOPT_TCP_NODELAY, 1L);
	r->last_rx_ms = 0;
	r->last_rx = 0;
	r->floor_ms = 0;
	r->floor_bytes = 0;
	r->fb_timeout = r->stalled = false;
	free(r->res.captured);
	r->res.captured = NULL;
	r->res.first_byte_timeout = false;
	if (r->o.download && r->o.first_byte_timeout_ms > 0) {
		/* timed in on_progress; a low-speed limit that can never fire first keeps curl's
		 * once-a-second speed check running, and with it the progress callback, while
		 * the server is silent */
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1L);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, r->o.first_byte_timeout_ms / 1000 + 2);
	} else if (r->o.download) {
		/* below HTTP_FLOOR_BPS for stall_seconds is a stall, whether the server is silent or
		 * drips a byte at a time */
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, (long)HTTP_FLOOR_BPS);
		curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, h->cfg.stall_seconds);
	} else {
		curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
				 r->o.timeout_ms > 0 ? r->o.timeout_ms : h->cfg.json_timeout_ms);
	}
	if (strcmp(r->method, "GET") != 0) {
		if (strcmp(r->method, "POST") == 0)
			curl_easy_setopt(e, CURLOPT_POST, 1L);
		else
			curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
		curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)(r->body ? r->o.body_len : 0));
		curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, r->body ? r->body : "");
	}
	if (curl_multi_add_handle(h->multi, e) != CURLM_OK) {
		curl_easy_cleanup(e);
		r->easy = NULL;
		return false;
	}
	r->host->active++;
	r->state = REQ_RUNNING;
	h->sent++;
	log_line(h, "> %s (attempt %d)", r->log_line, r->res.attempts);
	return true;
}

static long
backoff_ms(struct http *h, int attempt)
{
	long base = h->cfg.backoff_base_ms;
	long d = base;

	for (int i = 1; i < attempt && d < h->cfg.backoff_max_ms; i++)
		d *= 2;
	if (d > h->cfg.backoff_max_ms)
		d = h->cfg.backoff_max_ms;
	/* full jitter on the upper half: spreads retries of parallel requests apart */
	h->rng = h->rng * 1103515245u + 12345u;
	return d / 2 + (long)((h->rng >> 8) % (unsigned)(d / 2 + 1));
}

static bool
curl_code_retryable(CURLcode c)
{
	switch (c) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_GOT_NOTHING:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_COULDNT_RESOLVE_HOST:
		return true;
	default:
		return false;
	}
}

/* A transfer ended: retry it, or mark it done. */
static void
req_finished(struct http_req *r, CURLcode code, int64_t now)
{
	struct http *h = r->h;
	long status = 0;

	curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
	req_detach_easy(r);
	r->res.status = status;
	r->res.curl_code = (int)code;
	bool cut = code == CURLE_WRITE_ERROR && r->res.truncated && !r->res.sink_errno;
	if (cut)
		r->res.curl_code = 0;	/* we stopped reading on purpose */
	snprintf(r->res.error, sizeof(r->res.error), "%s",
		 r->errbuf[0] ? r->errbuf : (code ? curl_easy_strerror(code) : ""));
	if (r->fb_timeout || r->stalled) {
		r->res.first_byte_timeout = r->fb_timeout;
		r->res.curl_code = code = CURLE_OPERATION_TIMEDOUT;
		if (r->fb_timeout)
			snprintf(r->res.error, sizeof(r->res.error), "no answer within %ld s",
				 r->o.first_byte_timeout_ms / 1000);
		else
			snprintf(r->res.error, sizeof(r->res.error), "the transfer stalled (under %d bytes/s for %ld s)",
				 HTTP_FLOOR_BPS, r->h->cfg.stall_seconds);
	}
	log_line(h, "< %s: %ld, %lld bytes, curl %d, %lld ms", r->log_line, status,
		 (long long)r->res.bytes, (int)code, (long long)(now - r->started_ms));

	bool retry = false;
	long delay = -1;
	if (!r->cancelled && !r->res.sink_errno && r->res.attempts < r->o.max_attempts) {
		if (status == 429) {
			retry = true;	/* a rate limit is never an answer, even for POST */
			delay = r->retry_after_ms;
		} else if (r->o.idempotent && !cut) {
			if (code != CURLE_OK)
				retry = curl_code_retryable(code);
			else if (status == 502 || status == 503 || status == 504)
				retry = true, delay = status == 503 ? r->retry_after_ms : -1;
			else if (status == 500 && !r->o.no_retry_500)
				retry = true;
		}
	}
	if (retry) {
		if (delay < 0)
			delay = backoff_ms(h, r->res.attempts);
		if (delay > h->cfg.backoff_max_ms * 4)
			delay = h->cfg.backoff_max_ms * 4;	/* a silly Retry-After must not hang us */
		if (delay >= 5000)
			log_line(h, "waiting %ld s before asking %s again (the server said so)", delay / 1000, r->url);
		r->not_before_ms = now + delay;
		r->state = REQ_WAITING;
		if (r->o.sink_fd > 0) {
			if (ftruncate(r->o.sink_fd, 0) != 0 || lseek(r->o.sink_fd, 0, SEEK_SET) < 0)
				retry = false;	/* a pipe cannot be rewound: give up cleanly */
		} else if (r->o.sink_reset) {
			r->o.sink_reset(r->o.ud);
		}
		if (retry) {
			log_line(h, "  retry %s in %ld ms", r->log_line, delay);
			return;
		}
	}
	if (!r->body_to_sink && (r->o.sink_fd > 0 || r->o.sink_write) && r->mem.len) {
		r->res.error_body = xstrndup(r->mem.buf, r->mem.len);
		r->res.error_body_len = r->mem.len;
	}
	req_mark_done(r);
}

static void
timers_run(struct http *h, int64_t now)
{
	for (;;) {
		struct timer **pp, *due = NULL;

		for (pp = &h->timers; *pp; pp = &(*pp)->next) {
			if ((*pp)->due_ms <= now) {
				due = *pp;
				*pp = due->next;
				break;
			}
		}
		if (!due)
			return;
		http_timer_fn fn = due->fn;
		void *ud = due->ud;
		free(due);
		fn(ud);
	}
}

static void
start_ready(struct http *h, int64_t now)
{
	/* A host with no slot now gets none later in the same pass (starting only uses slots
	 * up), so its other queued requests are passed over without asking its limiter. */
	if (++h->pass == 0)
		h->pass = 1;
	for (struct http_req *r = h->head; r; r = r->next) {
		if (r->state == REQ_WAITING && r->not_before_ms <= now)
			r->state = REQ_QUEUED;
		if (r->state != REQ_QUEUED || r->host->blocked_pass == h->pass)
			continue;
		if (r->host->active >= r->host->limit.max_conns || host_next_slot(r->host, now) > now) {
			r->host->blocked_pass = h->pass;
			continue;
		}
		if (!req_start(r, now)) {
			snprintf(r->res.error, sizeof(r->res.error), "cannot start a transfer");
			r->res.curl_code = CURLE_FAILED_INIT;
			req_mark_done(r);
		}
	}
}

/* Start, transfer, collect finished transfers; returns how many finished. */
static int
drive(struct http *h)
{
	int running, left, n = 0;
	CURLMsg *m;

	start_ready(h, clock_now_ms());
	curl_multi_perform(h->multi, &running);
	while ((m = curl_multi_info_read(h->multi, &left))) {
		if (m->msg != CURLMSG_DONE)
			continue;
		struct http_req *r = NULL;
		curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&r);
		if (r) {
			req_finished(r, m->data.result, clock_now_ms());
			n++;
		}
	}
	return n;
}

static bool
run_completions(struct http *h)
{
	bool any = false;
	struct http_req *r;

	/* completions may cancel or add requests: those join the queue's end and run here too */
	while ((r = h->done_head)) {
		h->done_head = r->done_next;
		if (!h->done_head)
			h->done_tail = NULL;
		any = true;
		req_unlink(r);
		if (!r->res.body) {
			r->res.body = r->mem.buf ? r->mem.buf : (char *)"";
			r->res.body_len = r->mem.len;
		}
		if (r->o.done)
			r->o.done(r, &r->res, r->o.ud);
		if (r->res.body == r->mem.buf)
			r->res.body = NULL;
		req_free(r);
	}
	return any;
}

/* One step of each registered work that has something to do: once per http_perform(), so
 * that keys and frames come between slices however much work is queued. */
static void
work_run(struct http *h)
{
	for (struct http_work *w = h->work; w; w = h->work_next) {
		h->work_next = w->next;
		if (!w->busy && !w->readable)
			continue;
		w->readable = false;
		w->step(w);
	}
	h->work_next = NULL;
}

void
http_perform(struct http *h)
{
	if (h->in_perform)
		return;	/* a completion called us: the outer call finishes the work */
	h->in_perform = true;
	work_run(h);
	/*
	 * Rounds until nothing moves: completions and timers may submit work, which is
	 * started in the next round. Every round ends with info_read after perform, so a
	 * transfer that finished in the last perform is never left unread in curl's queue
	 * (nothing would wake the poll for it).
	 */
	for (int round = 0; round < 16; round++) {
		drive(h);
		unsigned timers_before = h->next_timer_id;
		size_t due = 0;
		int64_t now = clock_now_ms();
		for (struct timer *t = h->timers; t; t = t->next)
			due += t->due_ms <= now;
		timers_run(h, now);
		bool any = run_completions(h);
		if (!any && !due && timers_before == h->next_timer_id)
			break;
	}
	h->in_perform = false;
}

long
http_next_timeout_ms(struct http *h)
{
	int64_t now = clock_now_ms();
	int64_t best = -1;

	if (h->done_head)
		return 0;	/* completions are due */
	for (struct http_work *w = h->work; w; w = w->next)
		if (w->busy || w->readable)
			return 0;
	for (struct http_req *r = h->head; r; r = r->next) {
		int64_t t = -1;

		if (r->state == REQ_DONE)
			return 0;
		if (r->state == REQ_WAITING)
			t = r->not_before_ms;
		else if (r->state == REQ_QUEUED && r->host->active < r->host->limit.max_conns)
			t = host_next_slot(r->host, now);
		if (t == INT64_MAX)
			t = -1;	/* a completion will wake the poll */
		if (t >= 0 && (best < 0 || t < best))
			best = t;
	}
	for (struct timer *t = h->timers; t; t = t->next)
		if (best < 0 || t->due_ms < best)
			best = t->due_ms;
	if (best < 0) {
		long ct = -1;
		curl_multi_timeout(h->multi, &ct);
		return ct;
	}
	return best <= now ? 0 : (long)(best - now);
}

void
http_wait(struct http *h, struct http_waitfd *extra, unsigned n_extra, long timeout_ms)
{
	struct curl_waitfd fds[16];	/* the caller's (at most 8), then the work's */
	struct http_work *polled[8];
	unsigned n_work = 0;
	int numfds = 0;
	long next = http_next_timeout_ms(h);

	if (next >= 0 && (timeout_ms < 0 || next < timeout_ms))
		timeout_ms = next;
	if (timeout_ms < 0 || timeout_ms > 60000)
		timeout_ms = 60000;
	if (n_extra > ARRAY_SIZE(fds) - ARRAY_SIZE(polled))
		n_extra = ARRAY_SIZE(fds) - ARRAY_SIZE(polled);
	for (unsigned i = 0; i < n_extra; i++) {
		fds[i].fd = extra[i].fd;
		fds[i].events = (short)(extra[i].events & POLLIN ? CURL_WAIT_POLLIN : 0) |
				(short)(extra[i].events & POLLOUT ? CURL_WAIT_POLLOUT : 0);
		fds[i].revents = 0;
	}
	bool unpolled = false;	/* more work fds than polled[]: those are looked at every 10 ms */
	for (struct http_work *w = h->work; w; w = w->next) {
		if (w->fd < 0)
			continue;
		if (n_work == ARRAY_SIZE(polled)) {
			unpolled = true;
			continue;
		}
		fds[n_extra + n_work] = (struct curl_waitfd){.fd = w->fd, .events = CURL_WAIT_POLLIN};
		polled[n_work++] = w;
	}
	if (unpolled && timeout_ms > 10)
		timeout_ms = 10;
	curl_multi_poll(h->multi, fds, n_extra + n_work, (int)timeout_ms, &numfds);
	for (struct http_work *w = h->work; unpolled && w; w = w->next) {
		bool was_polled = false;
		for (unsigned i = 0; i < n_work && !was_polled; i++)
			was_polled = polled[i] == w;
		if (w->fd >= 0 && !was_polled)
			w->readable = true;	/* its step reads until EAGAIN: harmless when idle */
	}
	if (n_work) {
		/* curl reports POLLIN only, and a pipe whose writer has gone is POLLHUP alone on
		 * Linux: ask the kernel again, without waiting, so the end is seen too */
		struct pollfd pfd[ARRAY_SIZE(polled)];
		for (unsigned i = 0; i < n_work; i++)
			pfd[i] = (struct pollfd){.fd = polled[i]->fd, .events = POLLIN};
		if (poll(pfd, n_work, 0) > 0)
			for (unsigned i = 0; i < n_work; i++)
				if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR))
					polled[i]->readable = true;
	}
	for (unsigned i = 0; i < n_extra; i++)
		extra[i].revents = (short)((fds[i].revents & CURL_WAIT_POLLIN ? POLLIN : 0) |
					   (fds[i].revents & CURL_WAIT_POLLOUT ? POLLOUT : 0));
}

void
http_wakeup(struct http *h)
{
	curl_multi_wakeup(h->multi);
}

size_t
http_pending(struct http *h)
{
	return h->n_reqs;
}

uint64_t
http_requests_sent(struct http *h)
{
	return h->sent;
}

unsigned
http_timer_add(struct http *h, long delay_ms, http_timer_fn fn, void *ud)
{
	struct timer *t = xcalloc(1, sizeof(*t));

	t->id = ++h->next_timer_id;
	if (t->id == 0)
		t->id = ++h->next_timer_id;
	t->due_ms = clock_now_ms() + (delay_ms > 0 ? delay_ms : 0);
	t->fn = fn;
	t->ud = ud;
	t->next = h->timers;
	h->timers = t;
	return t->id;
}

void
http_work_add(struct http *h, struct http_work *w)
{
	w->readable = false;
	w->next = h->work;
	h->work = w;
}

void
http_work_remove(struct http *h, struct http_work *w)
{
	for (struct http_work **pp = &h->work; *pp; pp = &(*pp)->next) {
		if (*pp == w) {
			*pp = w->next;
			if (h->work_next == w)
				h->work_next = w->next;	/* removed while work_run() stepped another */
			w->next = NULL;
			return;
		}
	}
}

void
http_timer_cancel(struct http *h, unsigned id)
{
	for (struct timer **pp = &h->timers; *pp; pp = &(*pp)->next) {
		if ((*pp)->id == id) {
			struct timer *t = *pp;

			*pp = t->next;
			free(t);
			return;
		}
	}
}
