/*
 * tests/fakehands/http.c: libmicrohttpd glue shared by every fake server.
 *
 * Owns: one MHD daemon per server (127.0.0.1, port 0, thread per connection,
 * TCP_NODELAY), request parsing (raw URI, query, body), the fault engine
 * (status/latency/reset/hold/chunked/malformed/truncate/html/bandwidth), the
 * V0 runtime and Cloud app rate limiters, the streamed body reader, the JSON
 * request log, and the fakehands_* lifecycle functions from fakehands.h.
 */
#include "tests/fakehands/fakehands.h"
#include "tests/fakehands/fh.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <microhttpd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

/* ---------- small helpers ---------- */

bool
fh_sleep_ms(struct fakehands *fh, long ms)
{
	int64_t end = clock_now_ms() + ms;

	/* sleep in slices so stopping the server never waits for a long fault */
	while (!fh->stopping) {
		int64_t left = end - clock_now_ms();
		struct timespec ts;

		if (left <= 0)
			return true;
		if (left > 20)
			left = 20;
		ts.tv_sec = 0;
		ts.tv_nsec = (long)left * 1000000L;
		nanosleep(&ts, NULL);
	}
	return false;
}

json_t *
jstr(const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	struct strbuf sb = { 0 };

	if (j)
		return j;
	/* invalid UTF-8 (hostile names): substitute U+FFFD per bad byte, like errors="replace" */
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];
		size_t k = c < 0x80 ? 1 : c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;

		if (k && i + k <= n && utf8_valid(s + i, k) && (k > 1 || c)) {
			strbuf_append(&sb, s + i, k);
			i += k;
		} else {
			strbuf_puts(&sb, "\xef\xbf\xbd");
			i++;
		}
	}
	j = json_stringn(sb.buf ? sb.buf : "", sb.len);
	strbuf_free(&sb);
	return j ? j : json_string("");
}

json_t *
jstr0(const char *s)
{
	return s ? jstr(s, strlen(s)) : json_null();
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = tolower(c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static char *
pct_decode(const char *s, size_t n, bool plus, size_t *out_len)
{
	char *o = xmalloc(n + 1);
	size_t k = 0;

	for (size_t i = 0; i < n; i++) {
		if (s[i] == '%' && i + 2 < n + 0 && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
			o[k++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		} else if (plus && s[i] == '+') {
			o[k++] = ' ';
		} else {
			o[k++] = s[i];
		}
	}
	o[k] = '\0';
	*out_len = k;
	return o;
}

const struct qparam *
q_getp(const struct fh_req *r, const char *key)
{
	for (size_t i = 0; i < r->nq; i++)
		if (!strcmp(r->q[i].key, key))
			return &r->q[i];
	return NULL;
}

const char *
q_get(const struct fh_req *r, const char *key)
{
	const struct qparam *p = q_getp(r, key);

	return p ? p->val : NULL;
}

const char *
req_header(const struct fh_req *r, const char *name)
{
	return MHD_lookup_connection_value(r->conn, MHD_HEADER_KIND, name);
}

/* ---------- replies ---------- */

void
reply_header(struct fh_reply *rp, const char *name, const char *val)
{
	if (rp->nhdr < (int)ARRAY_SIZE(rp->hdr_name)) {
		rp->hdr_name[rp->nhdr] = xstrdup(name);
		rp->hdr_val[rp->nhdr++] = xstrdup(val);
	}
}

static void
reply_clear_body(struct fh_reply *rp)
{
	free(rp->mem);
	rp->mem = NULL;
	if (rp->arch)
		arch_free(rp->arch);
	rp->arch = NULL;
	rp->kind = BODY_NONE;
	rp->len = 0;
	rp->size = 0;
}

static void
reply_clear(struct fh_reply *rp)
{
	reply_clear_body(rp);
	for (int i = 0; i < rp->nhdr; i++) {
		free(rp->hdr_name[i]);
		free(rp->hdr_val[i]);
	}
	rp->nhdr = 0;
}

void
reply_raw(struct fh_reply *rp, unsigned status, const char *ctype, char *mem, size_t len)
{
	reply_clear_body(rp);
	rp->status = status;
	rp->ctype = ctype;
	rp->kind = BODY_MEM;
	rp->mem = mem;
	rp->len = len;
	rp->size = len;
	rp->json_headers = false;
}

void
reply_text(struct fh_reply *rp, unsigned status, const char *ctype, const char *text)
{
	reply_raw(rp, status, ctype, xstrdup(text), strlen(text));
}

void
reply_json(struct fh_reply *rp, unsigned status, json_t *j)
{
	/* compact separators and raw UTF-8, as FastAPI's JSONResponse renders */
	char *s = json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY);

	json_decref(j);
	if (!s)
		s = xstrdup("null");
	reply_raw(rp, status, "application/json", s, strlen(s));
	rp->json_headers = true;
}

void
reply_detail(struct fh_reply *rp, unsigned status, const char *detail)
{
	reply_json(rp, status, json_pack("{s:o}", "detail", jstr0(detail)));
}

void
reply_error(struct fh_reply *rp, unsigned status, const char *error)
{
	reply_json(rp, status, json_pack("{s:o}", "error", jstr0(error)));
}

static const char spa_html[] =
	"<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\" />\n"
	"<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\" />\n"
	"<title>OpenHands</title>\n<script type=\"module\" crossorigin src=\"/assets/index-fakehands.js\"></script>\n"
	"</head>\n<body>\n<div id=\"root\"></div>\n</body>\n</html>\n";

void
reply_html(struct fh_reply *rp)
{
	reply_text(rp, 200, "text/html; charset=utf-8", spa_html);
}

/* ---------- faults ---------- */

static const char *
reason(unsigned status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 409: return "Conflict";
	case 422: return "Unprocessable Entity";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "Error";
	}
}

static struct fh_fault *
fault_match(struct fakehands *fh, struct fh_req *r)
{
	struct fh_fault *hit = NULL;

	pthread_mutex_lock(&fh->lock);
	for (size_t i = 0; i < fh->n_faults; i++) {
		struct fh_fault *f = &fh->faults[i];

		if (!(f->server & (1 << r->srv->kind)))
			continue;
		if (f->route && (!r->route || strcmp(f->route, r->route)))
			continue;
		if (f->conv && !(r->srv->conv ? !strcmp(r->srv->conv->id, f->conv) : strstr(r->path, f->conv) != NULL))
			continue;
		f->seen++;
		if (!hit && (f->nth <= 0 || (f->seen >= f->nth && f->seen < f->nth + (f->count > 0 ? f->count : 1))))
			hit = f;
	}
	pthread_mutex_unlock(&fh->lock);
	return hit;
}

static void
fault_status_reply(struct fh_req *r, struct fh_fault *f, struct fh_reply *rp)
{
	unsigned st = f->status ? (unsigned)f->status : 200;
	enum fh_kind k = r->srv->kind;

	if (f->body) {
		reply_text(rp, st, f->content_type ? f->content_type : "application/json", f->body);
		rp->json_headers = !f->content_type;
	} else if (st == 401) {
		if (k == SRV_APP)
			reply_error(rp, st, "NoCredentialsError");
		else
			reply_detail(rp, st, "Unauthorized");
	} else if (st == 429) {
		if (k == SRV_APP)
			reply_error(rp, st, "Rate limit exceeded: 10 per 1 second");
		else if (k == SRV_RUNTIME)
			reply_json(rp, st, json_pack("{s:s}", "message", "Too many requests"));
		else
			reply_detail(rp, st, reason(st));
	} else if (st == 500 && k == SRV_AGENT) {
		reply_json(rp, st, json_pack("{s:s,s:s}", "detail", "Internal Server Error", "exception",
					     "fakehands injected fault"));
	} else {
		reply_detail(rp, st, reason(st));
	}
	if (f->retry_after >= 0 || st == 429) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%d", f->retry_after >= 0 ? f->retry_after : 1);
		reply_header(rp, "Retry-After", buf);
	}
}

/* ---------- limiters ---------- */

/* V0 nested runtime (openhands/server/middleware.py InMemoryRateLimiter(10, 1 s)):
 * returns 0 = serve, 1 = serve after 1 s, 2 = 429. Rejected requests count too. */
static int
runtime_limit(struct fh_srv *s, const char *addr)
{
	struct fakehands *fh = s->fh;
	struct limiter_entry *e = NULL;
	int64_t now = clock_now_ms();
	size_t n, w = 0;

	pthread_mutex_lock(&fh->lock);
	for (size_t i = 0; i < s->n_lim; i++)
		if (!strcmp(s->lim[i].addr, addr))
			e = &s->lim[i];
	if (!e) {
		s->lim = xrealloc(s->lim, (s->n_lim + 1) * sizeof(*s->lim));
		e = &s->lim[s->n_lim++];
		memset(e, 0, sizeof(*e));
		snprintf(e->addr, sizeof(e->addr), "%s", addr);
	}
	for (size_t i = 0; i < e->n; i++)
		if (e->t[i] > now - 1000)
			e->t[w++] = e->t[i];
	e->n = w;
	if (e->n == e->cap) {
		e->cap = e->cap ? e->cap * 2 : 32;
		e->t = xrealloc(e->t, e->cap * sizeof(*e->t));
	}
	e->t[e->n++] = now;
	n = e->n;
	pthread_mutex_unlock(&fh->lock);
	return n > 20 ? 2 : n > 10 ? 1 : 0;
}

/* Cloud app: fixed windows, 10 per second and 100 per minute. */
static bool
app_limit(struct fh_srv *s, struct fh_reply *rp)
{
	struct fakehands *fh = s->fh;
	int64_t now = clock_now_ms();
	char buf[64];
	bool over = false;
	const char *desc = NULL;
	int64_t reset = 0;

	pthread_mutex_lock(&fh->lock);
	if (now / 1000 != s->win_s) {
		s->win_s = now / 1000;
		s->cnt_s = 0;
	}
	if (now / 60000 != s->win_m) {
		s->win_m = now / 60000;
		s->cnt_m = 0;
	}
	s->cnt_s++;
	s->cnt_m++;
	if (s->cnt_s > 10) {
		over = true;
		desc = "10 per 1 second";
		reset = s->win_s + 1;
	} else if (s->cnt_m > 100) {
		over = true;
		desc = "100 per 1 minute";
		reset = (s->win_m + 1) * 60;
	}
	pthread_mutex_unlock(&fh->lock);
	if (!over)
		return false;
	snprintf(buf, sizeof(buf), "Rate limit exceeded: %s", desc);
	reply_error(rp, 429, buf);
	reply_header(rp, "X-RateLimit-Limit", desc);
	reply_header(rp, "X-RateLimit-Remaining", "0");
	snprintf(buf, sizeof(buf), "%lld", (long long)(clock_wall_s() + (reset - now / 1000)));
	reply_header(rp, "X-RateLimit-Reset", buf);
	snprintf(buf, sizeof(buf), "%lld", (long long)(reset - now / 1000));
	reply_header(rp, "Retry-After", buf);
	return true;
}

/* ---------- streamed bodies ---------- */

struct stream {
	struct fakehands *fh;
	struct fh_reply rp;
	long long reset_after, hold_after;
	long hold_ms;
	bool held;
	uint64_t bw;
	int64_t t0;
	int fd;
};

static bool
client_gone(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	char c;

	if (fd < 0 || poll(&p, 1, 0) <= 0)
		return false;
	if (p.revents & (POLLHUP | POLLERR))
		return true;
	return recv(fd, &c, 1, MSG_PEEK | MSG_DONTWAIT) == 0;
}

static ssize_t
stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *st = cls;
	size_t n = 0;

	if (st->fh->stopping)
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (st->reset_after >= 0) {
		if (pos >= (uint64_t)st->reset_after)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (max > (uint64_t)st->reset_after - pos)
			max = (size_t)((uint64_t)st->reset_after - pos);
	}
	if (st->hold_after >= 0 && !st->held) {
		if (pos >= (uint64_t)st->hold_after) {
			int64_t end = st->hold_ms >= 0 ? clock_now_ms() + st->hold_ms : INT64_MAX;

			/* stall: the bytes before this point are already on the wire */
			while (clock_now_ms() < end) {
				if (!fh_sleep_ms(st->fh, 20) || client_gone(st->fd))
					return MHD_CONTENT_READER_END_WITH_ERROR;
			}
			st->held = true;
			st->t0 = clock_now_ms() - (st->bw ? (int64_t)(pos * 1000 / st->bw) : 0);
		} else if (max > (uint64_t)st->hold_after - pos) {
			max = (size_t)((uint64_t)st->hold_after - pos);
		}
	}
	if (st->bw) {
		size_t slice = st->bw / 20 > 512 ? (size_t)(st->bw / 20) : 512;

		if (max > slice)
			max = slice;
	}
	switch (st->rp.kind) {
	case BODY_MEM:
		if (pos < st->rp.len) {
			n = st->rp.len - pos < max ? st->rp.len - (size_t)pos : max;
			memcpy(buf, st->rp.mem + pos, n);
		}
		break;
	case BODY_NODE:
		n = node_read(st->rp.node, pos, buf, max);
		break;
	case BODY_CODE_GEN:
		n = code_gen_read(st->rp.node, pos, buf, max);
		break;
	case BODY_ARCHIVE: {
		ssize_t k = arch_read(st->rp.arch, buf, max);

		if (k < 0)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		n = (size_t)k;
		break;
	}
	default:
		break;
	}
	if (n == 0)
		return st->rp.size == UINT64_MAX ? MHD_CONTENT_READER_END_OF_STREAM
						 : MHD_CONTENT_READER_END_WITH_ERROR;
	if (st->bw) {
		int64_t due = st->t0 + (int64_t)((pos + n) * 1000 / st->bw);
		int64_t wait = due - clock_now_ms();

		if (wait > 0 && !fh_sleep_ms(st->fh, (long)wait))
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	return (ssize_t)n;
}

static void
stream_free(void *cls)
{
	struct stream *st = cls;

	reply_clear(&st->rp);
	free(st);
}

/* ---------- request log ---------- */

static enum MHD_Result
collect_header(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	json_t *o = cls;
	char name[256];
	size_t i;

	for (i = 0; key[i] && i + 1 < sizeof(name); i++)
		name[i] = (char)tolower((unsigned char)key[i]);
	name[i] = '\0';
	json_object_set_new(o, name, jstr0(value ? value : ""));
	return MHD_YES;
}

static void
log_request(struct fh_req *r, unsigned status, const char *ctype, int64_t bytes)
{
	struct fakehands *fh = r->srv->fh;
	json_t *hdrs, *o;
	char *line;

	if (!fh->log)
		return;
	hdrs = json_object();
	MHD_get_connection_values(r->conn, MHD_HEADER_KIND, collect_header, hdrs);
	/* content_type: a 200 SPA page and a 200 JSON answer differ only there (tests/contract) */
	o = json_pack("{s:I,s:s,s:s,s:s,s:o,s:o,s:o,s:i,s:o,s:I}", "t_ms", (json_int_t)(clock_now_ms() - fh->t0_ms),
		      "server", r->srv->name, "host", r->srv->host, "method", r->method, "path",
		      jstr0(r->raw_path), "query", jstr0(r->raw_query), "headers", hdrs, "status", (int)status,
		      "content_type", jstr0(ctype), "bytes", (json_int_t)bytes);
	line = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	if (!line)
		return;
	pthread_mutex_lock(&fh->lock);
	fputs(line, fh->log);
	fputc('\n', fh->log);
	fflush(fh->log);
	pthread_mutex_unlock(&fh->lock);
	free(line);
}

/* ---------- MHD callbacks ---------- */

static void *
uri_log_cb(void *cls, const char *uri, struct MHD_Connection *con)
{
	struct fh_req *r = xcalloc(1, sizeof(*r));
	const char *qm;

	r->srv = cls;
	r->conn = con;
	r->raw_uri = xstrdup(uri ? uri : "/");
	qm = strchr(r->raw_uri, '?');
	r->raw_path = qm ? xstrndup(r->raw_uri, (size_t)(qm - r->raw_uri)) : xstrdup(r->raw_uri);
	r->raw_query = xstrdup(qm ? qm + 1 : "");
	r->path = pct_decode(r->raw_path, strlen(r->raw_path), false, &r->path_len);
	/* parse the query ourselves: repeated keys (ids=a&ids=b) and raw bytes survive */
	for (char *p = r->raw_query; *p;) {
		char *amp = strchr(p, '&'), *end = amp ? amp : p + strlen(p), *eq = memchr(p, '=', (size_t)(end - p));
		size_t kl, vl;

		if (end > p) {
			r->q = xrealloc(r->q, (r->nq + 1) * sizeof(*r->q));
			r->q[r->nq].key = pct_decode(p, (size_t)((eq ? eq : end) - p), true, &kl);
			r->q[r->nq].val = eq ? pct_decode(eq + 1, (size_t)(end - eq - 1), true, &vl) : xstrdup("");
			r->q[r->nq].val_len = eq ? vl : 0;
			r->nq++;
		}
		if (!amp)
			break;
		p = amp + 1;
	}
	return r;
}

static void
req_free(struct fh_req *r)
{
	for (size_t i = 0; i < r->nq; i++) {
		free(r->q[i].key);
		free(r->q[i].val);
	}
	free(r->q);
	free(r->raw_uri);
	free(r->raw_path);
	free(r->raw_query);
	free(r->path);
	strbuf_free(&r->body);
	free(r);
}

static void
completed_cb(void *cls, struct MHD_Connection *c, void **req_cls, enum MHD_RequestTerminationCode toe)
{
	if (*req_cls)
		req_free(*req_cls);
	*req_cls = NULL;
}

static void
notify_conn_cb(void *cls, struct MHD_Connection *c, void **socket_context, enum MHD_ConnectionNotificationCode toe)
{
	const union MHD_ConnectionInfo *ci;
	int one = 1;

	if (toe != MHD_CONNECTION_NOTIFY_STARTED)
		return;
	/* no Nagle: a small body written after the headers must not wait for a delayed ACK */
	ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CONNECTION_FD);
	if (ci)
		setsockopt(ci->connect_fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static void
client_addr(struct MHD_Connection *c, char *buf, size_t n)
{
	const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);

	snprintf(buf, n, "?");
	if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ci->client_addr)->sin_addr, buf, (socklen_t)n);
}

static void
mangle_body(struct fh_reply *rp, struct fh_fault *f)
{
	if (rp->kind != BODY_MEM)
		return;
	if (f->truncate_json) {
		rp->len /= 2;
		rp->size = rp->len;
	}
	if (f->malformed) {
		/* an XSSI-style prefix: the rest is intact, so only a real parser notices */
		static const char pre[] = ")]}',\n";
		char *m = xmalloc(rp->len + sizeof(pre));

		memcpy(m, pre, sizeof(pre) - 1);
		memcpy(m + sizeof(pre) - 1, rp->mem, rp->len);
		free(rp->mem);
		rp->mem = m;
		rp->len += sizeof(pre) - 1;
		rp->size = rp->len;
	}
}

static enum MHD_Result
respond(struct fh_req *r, struct fh_reply *rp, struct fh_fault *f)
{
	struct fakehands *fh = r->srv->fh;
	struct MHD_Response *resp;
	uint64_t bw = f && f->bandwidth ? f->bandwidth : fh->bandwidth;
	bool chunked = (f && f->chunked) || rp->chunked;
	bool stream = rp->kind != BODY_MEM || chunked || bw || (f && (f->reset_after >= 0 || f->hold_after >= 0));
	unsigned status = rp->status;
	enum MHD_Result ret;

	if (rp->kind == BODY_NONE)
		reply_raw(rp, status ? status : 200, "application/json", xstrdup(""), 0);
	if (chunked)
		rp->size = UINT64_MAX;
	log_request(r, status, rp->ctype, rp->size == UINT64_MAX ? -1 : (int64_t)rp->size);
	if (!stream) {
		resp = MHD_create_response_from_buffer(rp->len, rp->mem, MHD_RESPMEM_MUST_FREE);
		rp->mem = NULL;
	} else {
		struct stream *st = xcalloc(1, sizeof(*st));

		st->fh = fh;
		st->rp = *rp;
		memset(rp, 0, sizeof(*rp));
		st->reset_after = f ? f->reset_after : -1;
		st->hold_after = f ? f->hold_after : -1;
		st->hold_ms = f ? f->hold_ms : -1;
		st->bw = bw;
		st->t0 = clock_now_ms();
		st->fd = r->fd;
		resp = MHD_create_response_from_callback(st->rp.size == UINT64_MAX ? MHD_SIZE_UNKNOWN : st->rp.size,
							 256 * 1024, stream_read, st, stream_free);
		rp = &st->rp;
	}
	if (!resp)
		return MHD_NO;
	MHD_add_response_header(resp, "Server", "uvicorn");
	if (rp->ctype)
		MHD_add_response_header(resp, "Content-Type", rp->ctype);
	if (rp->json_headers && r->srv->kind != SRV_AGENT) {
		MHD_add_response_header(resp, "Cache-Control", "no-cache, no-store, must-revalidate, max-age=0");
		MHD_add_response_header(resp, "Pragma", "no-cache");
		MHD_add_response_header(resp, "Expires", "0");
	}
	for (int i = 0; i < rp->nhdr; i++)
		MHD_add_response_header(resp, rp->hdr_name[i], rp->hdr_val[i]);
	if (!stream)
		reply_clear(rp);
	ret = MHD_queue_response(r->conn, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static enum MHD_Result
access_cb(void *cls, struct MHD_Connection *conn, const char *url, const char *method, const char *version,
	  const char *upload_data, size_t *upload_data_size, void **req_cls)
{
	struct fh_srv *s = cls;
	struct fakehands *fh = s->fh;
	struct fh_req *r = *req_cls;
	struct fh_reply rp = { 0 };
	struct fh_fault *f;
	const union MHD_ConnectionInfo *ci;

	if (!r)
		return MHD_NO;
	if (!r->started) {
		r->started = true;
		r->method = method;
		ci = MHD_get_connection_info(conn, MHD_CONNECTION_INFO_CONNECTION_FD);
		r->fd = ci ? ci->connect_fd : -1;
		return MHD_YES;
	}
	if (*upload_data_size) {
		strbuf_append(&r->body, upload_data, *upload_data_size);
		*upload_data_size = 0;
		return MHD_YES;
	}
	r->route = s->kind == SRV_APP ? app_route(r) : s->kind == SRV_RUNTIME ? runtime_route(r) : agent_route(r);
	f = fault_match(fh, r);
	if (f && f->latency_ms > 0 && !fh_sleep_ms(fh, f->latency_ms))
		return MHD_NO;
	if (s->kind == SRV_RUNTIME && fh->runtime_rate_limit) {
		char addr[64];
		int lim;

		client_addr(conn, addr, sizeof(addr));
		lim = runtime_limit(s, addr);
		if (lim == 2) {
			reply_json(&rp, 429, json_pack("{s:s}", "message", "Too many requests"));
			reply_header(&rp, "Retry-After", "1");
			return respond(r, &rp, NULL);
		}
		if (lim == 1 && !fh_sleep_ms(fh, 1000))
			return MHD_NO;
	}
	if (s->kind == SRV_APP && fh->app_rate_limit && !strncmp(r->path, "/api/", 5) && app_limit(s, &rp))
		return respond(r, &rp, NULL);
	if (f && (f->status || f->body)) {
		fault_status_reply(r, f, &rp);
	} else if (f && f->html) {
		reply_html(&rp);
	} else {
		if (s->kind == SRV_APP)
			app_handle(r, &rp);
		else if (s->kind == SRV_RUNTIME)
			runtime_handle(r, &rp);
		else
			agent_handle(r, &rp);
		if (f)
			mangle_body(&rp, f);
	}
	return respond(r, &rp, f);
}

static void
quiet_logger(void *cls, const char *fmt, va_list ap)
{
	/* MHD reports every client reset; tests provoke those on purpose */
}

int
srv_start(struct fakehands *fh, struct fh_srv *s, enum fh_kind kind, struct fh_conv *c, char *err, size_t errlen)
{
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = 0 };
	const union MHD_DaemonInfo *di;

	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);	/* never another address */
	s->fh = fh;
	s->kind = kind;
	s->conv = c;
	s->d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_POLL_INTERNAL_THREAD | MHD_USE_ERROR_LOG,
				0, NULL, NULL, access_cb, s,
				MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_URI_LOG_CALLBACK, uri_log_cb, s,
				MHD_OPTION_NOTIFY_COMPLETED, completed_cb, s,
				MHD_OPTION_NOTIFY_CONNECTION, notify_conn_cb, s,
				MHD_OPTION_EXTERNAL_LOGGER, quiet_logger, NULL,
				MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(128 * 1024),
				MHD_OPTION_END);
	if (!s->d) {
		snprintf(err, errlen, "cannot start an HTTP server on 127.0.0.1: %s", strerror(errno));
		return -1;
	}
	di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	s->port = di ? di->port : 0;
	snprintf(s->host, sizeof(s->host), "127.0.0.1:%u", s->port);
	if (kind == SRV_APP)
		snprintf(s->name, sizeof(s->name), "app");
	else
		snprintf(s->name, sizeof(s->name), "%s:%s", kind == SRV_RUNTIME ? "runtime" : "agent", c->id);
	if (c)
		c->srv = s;
	return 0;
}

void
srv_stop(struct fh_srv *s)
{
	if (s->d)
		MHD_stop_daemon(s->d);
	s->d = NULL;
	for (size_t i = 0; i < s->n_lim; i++)
		free(s->lim[i].t);
	free(s->lim);
	s->lim = NULL;
	s->n_lim = 0;
	for (size_t i = 0; i < s->n_cmds; i++)
		bash_cmd_free(&s->cmds[i]);
	free(s->cmds);
	s->cmds = NULL;
	s->n_cmds = 0;
}

/* ---------- lifecycle (fakehands.h) ---------- */

struct fakehands *
fakehands_start(const char *scenario, size_t len, const struct fakehands_options *opt, char *err, size_t errlen)
{
	struct fakehands *fh = xcalloc(1, sizeof(*fh));

	pthread_mutex_init(&fh->lock, NULL);
	fh->t0_ms = clock_now_ms();
	if (opt)
		fh->bandwidth = opt->bandwidth;
	if (opt && opt->log_path) {
		fh->log = fopen(opt->log_path, "a");
		if (!fh->log) {
			snprintf(err, errlen, "cannot open log %s: %s", opt->log_path, strerror(errno));
			goto fail;
		}
	}
	if (scenario_load(fh, scenario, len, err, errlen))
		goto fail;
	/* a scenario STARTING conversation wakes wake_delay_ms after startup */
	for (size_t i = 0; i < fh->n_convs; i++)
		if (fh->convs[i].status == ST_STARTING)
			fh->convs[i].wake_at_ms = fh->t0_ms + fh->convs[i].wake_delay_ms;
	if (srv_start(fh, &fh->app, SRV_APP, NULL, err, errlen))
		goto fail;
	for (size_t i = 0; i < fh->n_convs; i++) {
		struct fh_conv *c = &fh->convs[i];

		if (!c->has_runtime)
			continue;
		struct fh_srv *s = xcalloc(1, sizeof(*s));

		if (srv_start(fh, s, c->v1 ? SRV_AGENT : SRV_RUNTIME, c, err, errlen)) {
			free(s);	/* srv_start only links it to the conversation on success */
			goto fail;
		}
	}
	return fh;
fail:
	fakehands_stop(fh);
	return NULL;
}

void
fakehands_print_ports(struct fakehands *fh, FILE *out)
{
	fprintf(out, "app http://127.0.0.1:%u\n", fh->app.port);
	fflush(out);
	for (size_t i = 0; i < fh->n_convs; i++) {
		struct fh_conv *c = &fh->convs[i];

		if (c->srv) {
			fprintf(out, "%s %s http://127.0.0.1:%u\n", c->v1 ? "agent" : "runtime", c->id, c->srv->port);
			fflush(out);
		}
	}
	fputs("ready\n", out);
	fflush(out);
}

uint16_t
fakehands_app_port(const struct fakehands *fh)
{
	return fh->app.port;
}

uint16_t
fakehands_conv_port(const struct fakehands *fh, const char *id)
{
	for (size_t i = 0; i < fh->n_convs; i++)
		if (!strcmp(fh->convs[i].id, id))
			return fh->convs[i].srv ? fh->convs[i].srv->port : 0;
	return 0;
}

void
fakehands_stop(struct fakehands *fh)
{
	if (!fh)
		return;
	fh->stopping = 1;
	srv_stop(&fh->app);
	for (size_t i = 0; i < fh->n_convs; i++) {
		if (fh->convs[i].srv) {
			srv_stop(fh->convs[i].srv);
			free(fh->convs[i].srv);
			fh->convs[i].srv = NULL;
		}
	}
	scenario_free(fh);
	if (fh->log)
		fclose(fh->log);
	pthread_mutex_destroy(&fh->lock);
	free(fh);
}
