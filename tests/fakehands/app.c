/*
 * tests/fakehands/app.c: the app server (Cloud-style, port printed as "app").
 *
 * Owns: app auth (bearer / session / none), the V0-compatible list with the real
 * combined page id and lossy V0+V1 merge, GET one conversation, V0 start (wake),
 * the V1 routes (app-conversations search and batch, sandboxes, resume, events),
 * the SPA HTML answer for unknown paths, and conversation status / JSON builders
 * shared with the other servers.
 */
#include "tests/fakehands/fh.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static bool is_uuid(const char *s);

static const char *const status_names[] = { "RUNNING", "STOPPED", "STARTING", "ARCHIVED", "ERROR" };
static const char *const sandbox_names[] = { "RUNNING", "PAUSED", "STARTING", "MISSING", "ERROR" };

const char *
status_name(enum fh_status s)
{
	return status_names[s];
}

const char *
sandbox_status_name(enum fh_status s)
{
	return sandbox_names[s];
}

enum fh_status
conv_status(struct fakehands *fh, struct fh_conv *c)
{
	if (c->status == ST_STARTING && c->wake_at_ms && clock_now_ms() >= c->wake_at_ms) {
		c->status = ST_RUNNING;
		c->wake_at_ms = 0;
	}
	return c->status;
}

void
conv_url(const struct fh_conv *c, char *buf, size_t n)
{
	snprintf(buf, n, "http://127.0.0.1:%u/api/conversations/%s", c->srv ? c->srv->port : 0, c->id);
}

static json_t *
jtime(int64_t us)
{
	char *s = fmt_time_us(us);
	json_t *j = json_string(s);

	free(s);
	return j;
}

/* ConversationInfo (section 3.2): every field, nulls included. Lock held. */
static json_t *
conv_info(struct fakehands *fh, struct fh_conv *c)
{
	enum fh_status st = conv_status(fh, c);
	bool live = st == ST_RUNNING && c->srv;
	char url[160];
	const char *rs = NULL;

	conv_url(c, url, sizeof(url));
	if (live)
		rs = c->v1 && c->execution_status &&
			     (!strcmp(c->execution_status, "error") || !strcmp(c->execution_status, "stuck"))
			     ? "STATUS$ERROR"
			     : "STATUS$READY";
	return json_pack("{s:s,s:o,s:o,s:s,s:o,s:o,s:o,s:o,s:o,s:i,s:o,s:o,s:o,s:[],s:s,s:[]}",
			 "conversation_id", c->id, "title", jstr0(c->title), "last_updated_at", jtime(c->updated_us),
			 "status", status_name(st), "runtime_status", jstr0(rs), "selected_repository",
			 jstr0(c->repository), "selected_branch", jstr0(c->branch), "git_provider",
			 jstr0(c->git_provider), "trigger", jstr0(c->trigger), "num_connections", 0, "url",
			 jstr0(live ? url : NULL), "session_api_key", jstr0(live ? c->session_key : NULL),
			 "created_at", jtime(c->created_us), "pr_number", "conversation_version",
			 c->v1 ? "V1" : "V0", "sub_conversation_ids");
}

/* AppConversation (section 4). acp_server and launched_agent_profile are required by the
 * Cloud document (openhands-api-2026.md 1.3: null for an OpenHands agent without a profile),
 * agent_kind, public and tags have their defaults there. Lock held. */
static json_t *
app_conv(struct fakehands *fh, struct fh_conv *c)
{
	enum fh_status st = conv_status(fh, c);
	bool live = st == ST_RUNNING && c->srv;
	char url[160];

	conv_url(c, url, sizeof(url));
	return json_pack("{s:s,s:s,s:s,s:o,s:o,s:o,s:o,s:o,s:[],s:s,s:n,s:n,s:[],s:o,s:o,s:s,s:o,s:o,s:o,"
			 "s:s,s:n,s:{},s:n,s:n}",
			 "id", c->id, "created_by_user_id", "fakehands-user", "sandbox_id", c->sandbox_id,
			 "selected_repository", jstr0(c->repository), "selected_branch", jstr0(c->branch),
			 "git_provider", jstr0(c->git_provider), "title", jstr0(c->title), "trigger",
			 jstr0(c->trigger), "pr_number", "llm_model", "anthropic/claude-sonnet-4-5-20250929",
			 "metrics", "parent_conversation_id", "sub_conversation_ids", "created_at",
			 jtime(c->created_us), "updated_at", jtime(c->updated_us), "sandbox_status",
			 sandbox_status_name(st), "execution_status", jstr0(live ? c->execution_status : NULL),
			 "conversation_url", jstr0(live ? url : NULL), "session_api_key",
			 jstr0(live ? c->session_key : NULL), "agent_kind", "openhands", "public", "tags",
			 "acp_server", "launched_agent_profile");
}

static json_t *
sandbox_info(struct fakehands *fh, struct fh_conv *c)
{
	enum fh_status st = conv_status(fh, c);
	bool live = st == ST_RUNNING && c->srv;
	json_t *urls = json_null();

	if (live) {
		char a[64], v[256];
		unsigned p = c->srv->port;

		snprintf(a, sizeof(a), "http://127.0.0.1:%u", p);
		snprintf(v, sizeof(v), "http://127.0.0.1:%u/vscode/?tkn=%s&folder=%%2Fworkspace%%2Fproject", p,
			 c->session_key);
		urls = json_pack("[{s:s,s:s,s:i},{s:s,s:s,s:i}]", "name", "AGENT_SERVER", "url", a, "port", p,
				 "name", "VSCODE", "url", v, "port", p);
	}
	json_t *j = json_pack("{s:s,s:s,s:s,s:s,s:o,s:o,s:o}", "id", c->sandbox_id, "created_by_user_id",
			      "fakehands-user", "sandbox_spec_id", "ghcr.io/openhands/agent-server:fakehands", "status",
			      sandbox_status_name(st), "session_api_key", jstr0(live ? c->session_key : NULL),
			      "exposed_urls", urls, "created_at", jtime(c->created_us));
	if (fh->gen == GEN_CLOUD_2026)
		json_object_set_new(j, "status_detail", json_null());	/* new in 2026 (§1.4) */
	return j;
}

/* ---------- base64 as Python's b64encode / b64decode(validate=False) ---------- */

static char *
b64enc(const char *in, size_t n)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o = xmalloc(4 * ((n + 2) / 3) + 1), *p = o;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;

		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		*p++ = tbl[(v >> 18) & 63];
		*p++ = tbl[(v >> 12) & 63];
		*p++ = i + 1 < n ? tbl[(v >> 6) & 63] : '=';
		*p++ = i + 2 < n ? tbl[v & 63] : '=';
	}
	*p = '\0';
	return o;
}

static char *
b64dec(const char *in, size_t *out_len)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t n = 0, chars = 0, pads = 0;
	unsigned v = 0;
	int bits = 0;
	char *o = xmalloc(strlen(in) + 1);

	for (const char *s = in; *s; s++) {
		const char *p = *s ? strchr(tbl, *s) : NULL;

		if (*s == '=') {
			pads++;
			continue;
		}
		if (!p)
			continue;	/* non-alphabet characters are discarded */
		chars++;
		v = (v << 6) | (unsigned)(p - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (char)(v >> bits);
		}
	}
	if (chars % 4 == 1 || (chars % 4 && chars % 4 + pads < 4)) {
		free(o);
		return NULL;	/* binascii.Error: Incorrect padding */
	}
	o[n] = '\0';
	*out_len = n;
	return o;
}

/* Python int(): optional whitespace and sign, decimal digits. */
static bool
py_int(const char *s, long long *out)
{
	char *end;

	if (!s)
		return false;
	while (isspace((unsigned char)*s))
		s++;
	if (!*s)
		return false;
	errno = 0;
	*out = strtoll(s, &end, 10);
	while (isspace((unsigned char)*end))
		end++;
	return !*end && !errno && end != s;
}

/* ---------- auth ---------- */

static bool
auth_ok(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	const char *a = req_header(r, "Authorization"), *x = req_header(r, "X-Session-API-Key");

	if (fh->auth == AUTH_NONE)
		return true;
	if (fh->auth == AUTH_SESSION) {
		if (x && !strcmp(x, fh->api_key))
			return true;
		reply_detail(rp, 401, "Unauthorized");
		return false;
	}
	/* Cloud get_api_key_from_header: Bearer first, X-Session-API-Key as the fallback */
	if (a && !strncasecmp(a, "Bearer ", 7)) {
		if (!strcmp(a + 7, fh->api_key))
			return true;
	} else if (x && !strcmp(x, fh->api_key)) {
		return true;
	}
	reply_error(rp, 401, "NoCredentialsError");
	return false;
}

/* ---------- routing ---------- */

static bool
path_is(const struct fh_req *r, const char *p)
{
	return !strcmp(r->path, p);
}

/* "/api/conversations/<id><suffix>": copy <id> (no '/') into id; true on match. */
static bool
path_id(const struct fh_req *r, const char *prefix, const char *suffix, char *id, size_t idn)
{
	size_t pl = strlen(prefix), sl = strlen(suffix), n;

	if (r->path_len <= pl + sl || strncmp(r->path, prefix, pl) || strcmp(r->path + r->path_len - sl, suffix))
		return false;
	n = r->path_len - pl - sl;
	if (memchr(r->path + pl, '/', n) || n >= idn)
		return false;
	memcpy(id, r->path + pl, n);
	id[n] = '\0';
	return true;
}

const char *
app_route(struct fh_req *r)
{
	char id[512];
	bool get = !strcmp(r->method, "GET"), post = !strcmp(r->method, "POST");

	if (get && path_is(r, "/api/conversations"))
		return "conversations";
	if (post && path_id(r, "/api/conversations/", "/start", id, sizeof(id)))
		return "start";
	if (get && path_id(r, "/api/conversations/", "", id, sizeof(id)))
		return "conversation";
	if (get && path_is(r, "/api/options/models"))
		return "models";
	if (get && path_is(r, "/api/v1/app-conversations/search"))
		return "v1-search";
	if (get && path_is(r, "/api/v1/app-conversations/count"))
		return "v1-count";
	if (get && path_is(r, "/api/v1/app-conversations"))
		return "v1-batch";
	if (get && path_is(r, "/api/v1/sandboxes"))
		return "sandboxes";
	if (post && path_id(r, "/api/v1/sandboxes/", "/resume", id, sizeof(id)))
		return "sandbox-resume";
	if (post && path_id(r, "/api/v1/sandboxes/", "/pause", id, sizeof(id)))
		return "sandbox-pause";
	if (get && path_is(r, "/api/v1/events/search"))
		return "v1-events";
	if (get && path_id(r, "/api/v1/conversation/", "/events/search", id, sizeof(id)))
		return "v1-conv-events";
	if (get && path_id(r, "/api/v1/conversation/", "/events/count", id, sizeof(id)))
		return "v1-conv-events-count";
	if (get && path_id(r, "/api/v1/app-conversations/", "/download", id, sizeof(id)))
		return "v1-download";
	if (get && path_is(r, "/api/keys/current"))
		return "keys-current";
	return "html";
}

static struct fh_conv *
find_conv(struct fakehands *fh, const char *id)
{
	char hex[33];
	size_t k = 0;

	/* accept the dashed UUID form too (uuid.UUID() parses both) */
	for (const char *p = id; *p && k < 32; p++)
		if (*p != '-')
			hex[k++] = (char)tolower((unsigned char)*p);
	hex[k] = '\0';
	for (size_t i = 0; i < fh->n_convs; i++)
		if (!strcmp(fh->convs[i].id, hex) || !strcmp(fh->convs[i].id, id))
			return &fh->convs[i];
	return NULL;
}

static bool
bad_id(const char *id)
{
	if (strlen(id) > 100 || strstr(id, "..") || strchr(id, '\\') || strchr(id, '/'))
		return true;
	for (const char *p = id; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return true;
	return false;
}

static void
internal_error(struct fh_reply *rp)
{
	reply_text(rp, 500, "text/plain; charset=utf-8", "Internal Server Error");
}

static void
validation_error(struct fh_reply *rp, const char *loc, const char *type, const char *msg, const char *input)
{
	reply_json(rp, 422, json_pack("{s:[{s:s,s:[s,s],s:s,s:o}]}", "detail", "type", type, "loc", "query", loc,
				      "msg", msg, "input", jstr0(input)));
}

static void
list_conversations(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	const char *page = q_get(r, "page_id"), *lim = q_get(r, "limit");
	const char *repo = q_get(r, "selected_repository"), *trig = q_get(r, "conversation_trigger");
	long long limit = 20, v0_off = 0, v1_off = 0;
	bool v1_from_page = false;
	int64_t cutoff = (fh->now_s - fh->max_age_s) * 1000000;
	struct fh_conv **pick;
	size_t npick = 0, n0 = 0, n1 = 0, seen0 = 0, seen1 = 0;
	bool more0 = false, more1 = false;

	if (lim && !py_int(lim, &limit)) {
		validation_error(rp, "limit", "int_parsing", "Input should be a valid integer, unable to parse string as an integer", lim);
		return;
	}
	if (limit < 0)
		limit = 0;
	if (page && *page) {
		size_t dl;
		char *dec = b64dec(page, &dl);
		json_t *j;

		if (!dec) {
			internal_error(rp);
			return;
		}
		j = json_loadb(dec, dl, JSON_DECODE_ANY, NULL);
		free(dec);
		if (!j) {
			/* JSONDecodeError: the raw value is used as a V0 page id */
			size_t l2;
			char *d2 = b64dec(page, &l2);

			if (!d2 || !py_int(d2, &v0_off)) {
				free(d2);
				internal_error(rp);
				return;
			}
			free(d2);
		} else if (!json_is_object(j)) {
			json_decref(j);	/* int has no .get: AttributeError -> 500 */
			internal_error(rp);
			return;
		} else {
			json_t *a = json_object_get(j, "v0"), *b = json_object_get(j, "v1");
			bool ok = true;

			if (json_is_string(a)) {
				size_t l2;
				char *d2 = b64dec(json_string_value(a), &l2);

				ok = d2 && py_int(d2, &v0_off);
				free(d2);
			} else if (a && !json_is_null(a)) {
				ok = false;
			}
			if (json_is_string(b)) {
				ok = ok && py_int(json_string_value(b), &v1_off);
				v1_from_page = true;
			} else if (b && !json_is_null(b)) {
				ok = false;
			}
			json_decref(j);
			if (!ok || v0_off < 0 || v1_off < 0) {
				internal_error(rp);
				return;
			}
		}
	}
	(void)v1_from_page;
	pick = xcalloc(2 * (size_t)(limit < (long long)fh->n_convs ? limit : (long long)fh->n_convs) + 1,
		       sizeof(*pick));
	pthread_mutex_lock(&fh->lock);
	/* V0 store: offset paging over every V0 conversation; filters apply after the fetch */
	for (size_t i = 0; i < fh->n_convs; i++) {
		struct fh_conv *c = &fh->convs[i];

		if (c->v1)
			continue;
		if ((long long)seen0++ < v0_off)
			continue;
		if ((long long)n0 >= limit) {
			more0 = true;
			break;
		}
		n0++;
		if (fh->max_age_s > 0 && c->created_us < cutoff)
			continue;
		if (repo && (!c->repository || strcmp(repo, c->repository)))
			continue;
		if (trig && (!c->trigger || strcmp(trig, c->trigger)))
			continue;
		pick[npick++] = c;
	}
	/* V1 service: the age filter is part of the query, so pages are full */
	for (size_t i = 0; fh->v1 && i < fh->n_convs; i++) {
		struct fh_conv *c = &fh->convs[i];

		if (!c->v1 || (fh->max_age_s > 0 && c->created_us < cutoff))
			continue;
		if ((long long)seen1++ < v1_off)
			continue;
		if ((long long)n1 >= limit) {
			more1 = true;
			break;
		}
		n1++;
		if (repo && (!c->repository || strcmp(repo, c->repository)))
			continue;
		if (trig && (!c->trigger || strcmp(trig, c->trigger)))
			continue;
		pick[npick++] = c;
	}
	/* merge: V0 items then V1 items; both lists are already created_at desc, a stable
	 * merge sort of the concatenation is what Python's sort produces */
	for (size_t i = 1; i < npick; i++) {
		struct fh_conv *c = pick[i];
		size_t k = i;

		while (k > 0 && pick[k - 1]->created_us < c->created_us) {
			pick[k] = pick[k - 1];
			k--;
		}
		pick[k] = c;
	}
	if ((long long)npick > limit)
		npick = (size_t)limit;
	json_t *res = json_array();
	for (size_t i = 0; i < npick; i++)
		json_array_append_new(res, conv_info(fh, pick[i]));
	pthread_mutex_unlock(&fh->lock);
	free(pick);

	json_t *next = json_null();
	if (more0 || more1) {
		char v0[64] = "null", v1[64] = "null", js[160];

		if (more0) {
			char num[32], *b;

			snprintf(num, sizeof(num), "%lld", v0_off + limit);
			b = b64enc(num, strlen(num));
			snprintf(v0, sizeof(v0), "\"%s\"", b);
			free(b);
		}
		if (more1)
			snprintf(v1, sizeof(v1), "\"%lld\"", v1_off + limit);
		/* json.dumps default separators: ", " and ": " */
		snprintf(js, sizeof(js), "{\"v0\": %s, \"v1\": %s}", v0, v1);
		char *tok = b64enc(js, strlen(js));
		next = json_string(tok);
		free(tok);
	}
	reply_json(rp, 200, json_pack("{s:o,s:o}", "results", res, "next_page_id", next));
}

static void
get_conversation(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	const char *id = r->path + strlen("/api/conversations/");
	struct fh_conv *c;
	json_t *j = json_null();

	if (bad_id(id)) {
		reply_detail(rp, 400, "Conversation ID contains invalid path characters");
		return;
	}
	pthread_mutex_lock(&fh->lock);
	c = find_conv(fh, id);
	if (c && ((c->v1 && fh->v1) || (!c->v1 && fh->v0)))
		j = conv_info(fh, c);
	pthread_mutex_unlock(&fh->lock);
	reply_json(rp, 200, j);
}

/* Begin waking a stopped conversation; returns its status afterwards. Lock held. */
static enum fh_status
wake(struct fakehands *fh, struct fh_conv *c)
{
	enum fh_status st = conv_status(fh, c);

	if (st == ST_RUNNING || st == ST_STARTING)
		return st;
	if (c->wake_delay_ms <= 0) {
		c->status = ST_RUNNING;
	} else {
		c->status = ST_STARTING;
		c->wake_at_ms = clock_now_ms() + c->wake_delay_ms;
	}
	return c->status;
}

static void
start_conversation(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	char id[512];
	struct fh_conv *c;

	path_id(r, "/api/conversations/", "/start", id, sizeof(id));
	pthread_mutex_lock(&fh->lock);
	c = find_conv(fh, id);
	if (!c || c->v1) {
		pthread_mutex_unlock(&fh->lock);
		reply_json(rp, 404, json_pack("{s:s,s:o}", "status", "error", "conversation_id", jstr0(id)));
		return;
	}
	if (!c->srv) {
		pthread_mutex_unlock(&fh->lock);
		reply_json(rp, 500, json_pack("{s:s,s:s,s:s}", "status", "error", "conversation_id", c->id, "message",
					      "Failed to start conversation: this scenario gives it no runtime"));
		return;
	}
	enum fh_status st = wake(fh, c);
	pthread_mutex_unlock(&fh->lock);
	reply_json(rp, 200, json_pack("{s:s,s:s,s:n,s:s}", "status", "ok", "conversation_id", c->id, "message",
				      "conversation_status", status_name(st)));
}

static bool
ci_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);

	for (; *hay; hay++)
		if (!strncasecmp(hay, needle, n))
			return true;
	return n == 0;
}

static void
v1_search(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	const char *lim = q_get(r, "limit"), *page = q_get(r, "page_id"), *title = q_get(r, "title__contains");
	const char *tk[4] = { "created_at__gte", "created_at__lt", "updated_at__gte", "updated_at__lt" };
	int64_t tv[4];
	bool has[4];
	long long limit = 100, off = 0;
	json_t *items;
	size_t seen = 0, n = 0;
	bool more = false;

	if (lim && !py_int(lim, &limit)) {
		validation_error(rp, "limit", "int_parsing", "Input should be a valid integer, unable to parse string as an integer", lim);
		return;
	}
	if (limit < 1) {
		validation_error(rp, "limit", "greater_than_equal", "Input should be greater than or equal to 1", lim);
		return;
	}
	if (limit > 100) {
		validation_error(rp, "limit", "less_than_equal", "Input should be less than or equal to 100", lim);
		return;
	}
	if (page && *page && (!py_int(page, &off) || off < 0)) {
		internal_error(rp);
		return;
	}
	for (int i = 0; i < 4; i++) {
		const char *v = q_get(r, tk[i]);
		bool ok = true;

		has[i] = v != NULL;
		if (v)
			tv[i] = (v[0] == '-' || v[0] == '+') ? (ok = false, 0) : parse_time_us(v, 0, &ok);
		if (!ok) {
			validation_error(rp, tk[i], "datetime_from_date_parsing", "Input should be a valid datetime", v);
			return;
		}
	}
	items = json_array();
	pthread_mutex_lock(&fh->lock);
	for (size_t i = 0; i < fh->n_convs; i++) {
		struct fh_conv *c = &fh->convs[i];

		if (!c->v1 || (title && !ci_contains(c->title, title)))
			continue;
		if ((has[0] && c->created_us < tv[0]) || (has[1] && c->created_us >= tv[1]) ||
		    (has[2] && c->updated_us < tv[2]) || (has[3] && c->updated_us >= tv[3]))
			continue;
		if ((long long)seen++ < off)
			continue;
		if ((long long)n >= limit) {
			more = true;
			break;
		}
		n++;
		json_array_append_new(items, app_conv(fh, c));
	}
	pthread_mutex_unlock(&fh->lock);
	json_t *next = json_null();
	if (more) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%lld", off + limit);
		next = json_string(buf);
	}
	reply_json(rp, 200, json_pack("{s:o,s:o}", "items", items, "next_page_id", next));
}

static void
v1_count(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	json_int_t n = 0;

	for (size_t i = 0; i < fh->n_convs; i++)
		n += fh->convs[i].v1;
	reply_json(rp, 200, json_integer(n));
}

static void
v1_batch(struct fh_req *r, struct fh_reply *rp, bool sandboxes)
{
	struct fakehands *fh = r->srv->fh;
	json_t *out = json_array();
	size_t count = 0;

	for (size_t i = 0; i < r->nq; i++)
		count += !strcmp(r->q[i].key, sandboxes ? "id" : "ids");
	if (!sandboxes && count >= 100) {
		json_decref(out);
		reply_detail(rp, 400, "Too many ids requested. Maximum is 99.");
		return;
	}
	if (fh->gen == GEN_CLOUD_2026 && sandboxes && count > 100) {
		char msg[96];

		json_decref(out);
		snprintf(msg, sizeof(msg), "Cannot request more than 100 sandboxes at once, got %zu", count);
		reply_detail(rp, 400, msg);
		return;
	}
	for (size_t i = 0; fh->gen == GEN_CLOUD_2026 && !sandboxes && i < r->nq; i++) {
		if (strcmp(r->q[i].key, "ids") || is_uuid(r->q[i].val))
			continue;
		/* batch_get_app_conversations (openhands-api-2026.md §1.2) */
		char msg[640];

		json_decref(out);
		snprintf(msg, sizeof(msg), "Invalid UUID format for ids: ['%.500s']", r->q[i].val);
		reply_detail(rp, 400, msg);
		return;
	}
	pthread_mutex_lock(&fh->lock);
	for (size_t i = 0; i < r->nq; i++) {
		struct fh_conv *c = NULL;

		if (strcmp(r->q[i].key, sandboxes ? "id" : "ids"))
			continue;
		if (sandboxes) {
			for (size_t k = 0; k < fh->n_convs && !c; k++)
				if (fh->convs[k].v1 && !strcmp(fh->convs[k].sandbox_id, r->q[i].val))
					c = &fh->convs[k];
		} else {
			c = find_conv(fh, r->q[i].val);
			if (c && !c->v1)
				c = NULL;
		}
		json_array_append_new(out, !c ? json_null() : sandboxes ? sandbox_info(fh, c) : app_conv(fh, c));
	}
	pthread_mutex_unlock(&fh->lock);
	reply_json(rp, 200, out);
}

static void
sandbox_resume(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	char id[512];
	struct fh_conv *c = NULL;

	path_id(r, "/api/v1/sandboxes/", "/resume", id, sizeof(id));
	pthread_mutex_lock(&fh->lock);
	for (size_t k = 0; k < fh->n_convs && !c; k++)
		if (fh->convs[k].v1 && !strcmp(fh->convs[k].sandbox_id, id))
			c = &fh->convs[k];
	if (!c || !c->srv || conv_status(fh, c) == ST_ARCHIVED) {
		pthread_mutex_unlock(&fh->lock);
		reply_detail(rp, 404, "Not Found");
		return;
	}
	if (fh->gen == GEN_CLOUD_2026 && conv_status(fh, c) == ST_STOPPED) {
		/* resume_sandbox first pauses the user's oldest running sandboxes down to
		 * max_num_sandboxes - 1 (openhands-api-2026.md §1.5, §3.4) ... */
		int running = 0;
		for (size_t k = 0; k < fh->n_convs; k++)
			running += fh->convs[k].v1 && conv_status(fh, &fh->convs[k]) == ST_RUNNING;
		while (running > fh->max_running - 1) {
			struct fh_conv *oldest = NULL;
			for (size_t k = 0; k < fh->n_convs; k++)	/* convs are created_at desc */
				if (fh->convs[k].v1 && conv_status(fh, &fh->convs[k]) == ST_RUNNING)
					oldest = &fh->convs[k];
			oldest->status = ST_STOPPED;
			running--;
		}
		/* ... and the runtime-api mints a new session_api_key: the old one is refused (§1.5) */
		free(c->session_key);
		c->session_key = xasprintf("fh-rotated-%u-%.12s", ++c->key_gen, c->id);
	}
	wake(fh, c);
	if (c->ready_delay_ms > 0)
		c->ready_at_ms = (c->wake_at_ms ? c->wake_at_ms : clock_now_ms()) + c->ready_delay_ms;
	pthread_mutex_unlock(&fh->lock);
	reply_json(rp, 200, json_pack("{s:b}", "success", 1));
}

/* POST /api/v1/sandboxes/{id}/pause: {"success":true}, unknown -> 404 "Not Found" (§1.5). */
static void
sandbox_pause(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	char id[512];
	struct fh_conv *c = NULL;

	path_id(r, "/api/v1/sandboxes/", "/pause", id, sizeof(id));
	pthread_mutex_lock(&fh->lock);
	for (size_t k = 0; k < fh->n_convs && !c; k++)
		if (fh->convs[k].v1 && !strcmp(fh->convs[k].sandbox_id, id))
			c = &fh->convs[k];
	if (!c || conv_status(fh, c) == ST_ARCHIVED) {
		pthread_mutex_unlock(&fh->lock);
		reply_detail(rp, 404, "Not Found");
		return;
	}
	c->status = ST_STOPPED;
	c->wake_at_ms = 0;
	pthread_mutex_unlock(&fh->lock);
	reply_json(rp, 200, json_pack("{s:b}", "success", 1));
}

static bool
is_uuid(const char *s)
{
	size_t hex = 0;

	for (const char *p = s; *p; p++) {
		if (isxdigit((unsigned char)*p))
			hex++;
		else if (*p != '-')
			return false;
	}
	return hex == 32;
}

/*
 * X-Org-Id (openhands-api-2026.md §1.11): a key bound to an org wins and a different header
 * is 403; otherwise the header must be a UUID (400) of an org the user belongs to (403).
 * Returns the effective org, or NULL after replying.
 */
static const char *
org_check(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	const char *h = req_header(r, "X-Org-Id");
	size_t i;
	json_t *o;

	if (fh->bound_org_id) {
		if (h && strcasecmp(h, fh->bound_org_id)) {
			reply_detail(rp, 403, "X-Org-Id does not match the organization this API key is bound to");
			return NULL;
		}
		return fh->bound_org_id;
	}
	if (!h)
		return fh->org_id;
	if (!is_uuid(h)) {
		reply_detail(rp, 400, "Invalid X-Org-Id header");
		return NULL;
	}
	json_array_foreach(fh->orgs, i, o)
		if (json_is_string(o) && !strcasecmp(json_string_value(o), h))
			return json_string_value(o);
	reply_detail(rp, 403, "User is not a member of the requested organization");
	return NULL;
}

/* GET /api/keys/current (§1.11): 400 when the request was not authenticated by an API key. */
static void
keys_current(struct fh_req *r, struct fh_reply *rp, const char *org)
{
	struct fakehands *fh = r->srv->fh;

	if (fh->key_cookie) {
		reply_detail(rp, 400, "This endpoint requires API key authentication");
		return;
	}
	reply_json(rp, 200, json_pack("{s:i,s:s,s:s,s:o,s:s,s:s}", "id", 4312, "name", "fakehands key", "org_id", org,
				      "bound_org_id", jstr0(fh->bound_org_id), "user_id", "fakehands-user",
				      "auth_type", "bearer"));
}

/* GET /api/v1/app-conversations/{id}/download (§1.7): a streamed ZIP of meta.json (the
 * AppConversationInfo, without the live fields) and one file per event; 404 for an unknown id. */
static void
export_download(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	char id[512], *zip, dashed[40], cd[80];
	struct fh_conv *c;
	size_t len;

	path_id(r, "/api/v1/app-conversations/", "/download", id, sizeof(id));
	if (!is_uuid(id)) {
		validation_error(rp, "conversation_id", "uuid_parsing", "Input should be a valid UUID", id);
		return;
	}
	pthread_mutex_lock(&fh->lock);
	c = find_conv(fh, id);
	if (!c || !c->v1) {
		pthread_mutex_unlock(&fh->lock);
		snprintf(cd, sizeof(cd), "Conversation not found: %s", id);
		reply_detail(rp, 404, cd);
		return;
	}
	json_t *meta = app_conv(fh, c);
	static const char *const live[] = { "sandbox_status", "execution_status", "conversation_url", "session_api_key",
					    "launched_agent_profile" };
	for (size_t i = 0; i < sizeof(live) / sizeof(live[0]); i++)
		json_object_del(meta, live[i]);
	zip = arch_export_zip(meta, c->events, &len);
	snprintf(dashed, sizeof(dashed), "%.8s-%.4s-%.4s-%.4s-%.12s", c->id, c->id + 8, c->id + 12, c->id + 16,
		 c->id + 20);
	pthread_mutex_unlock(&fh->lock);
	json_decref(meta);
	reply_raw(rp, 200, "application/zip", zip, len);
	snprintf(cd, sizeof(cd), "attachment; filename=\"conversation_%s.zip\"", dashed);
	reply_header(rp, "Content-Disposition", cd);
	rp->chunked = true;	/* StreamingResponse: no Content-Length */
}

/* Shared by the app's /api/v1/events/search and the agent's events/search. */
void
events_search(struct fh_req *r, struct fh_reply *rp, struct fh_conv *c)
{
	const char *lim = q_get(r, "limit"), *page = q_get(r, "page_id");
	long long limit = 100, off = 0;
	json_t *items = json_array(), *ev;
	size_t n = c ? json_array_size(c->events) : 0;

	if ((lim && (!py_int(lim, &limit) || limit < 1 || limit > 100))) {
		json_decref(items);
		validation_error(rp, "limit", "less_than_equal", "Input should be less than or equal to 100", lim);
		return;
	}
	/* EventSortOrder: TIMESTAMP (default) or TIMESTAMP_DESC; anything else is a 422 */
	const char *so = q_get(r, "sort_order"), *kind = q_get(r, "kind__eq");
	bool desc = so && !strcmp(so, "TIMESTAMP_DESC");
	if (so && !desc && strcmp(so, "TIMESTAMP")) {
		json_decref(items);
		validation_error(rp, "sort_order", "enum", "Input should be 'TIMESTAMP' or 'TIMESTAMP_DESC'", so);
		return;
	}
	if (page && *page && (!py_int(page, &off) || off < 0))
		off = 0;
	/* a kind filter is part of the query: pages hold only matching events */
	size_t match = 0, taken = 0;
	for (size_t k = 0; k < n; k++) {
		ev = json_array_get(c->events, desc ? n - 1 - k : k);
		if (kind && strcmp(kind, json_string_value(json_object_get(ev, "kind")) ? json_string_value(json_object_get(ev, "kind")) : ""))
			continue;
		if ((long long)match++ < off)
			continue;
		if ((long long)taken < limit) {
			json_array_append(items, ev);
			taken++;
		}
	}
	n = match;
	json_t *next = json_null();
	if ((size_t)(off + limit) < n) {
		char buf[32];

		snprintf(buf, sizeof(buf), "%lld", off + limit);
		next = json_string(buf);
	}
	reply_json(rp, 200, json_pack("{s:o,s:o}", "items", items, "next_page_id", next));
}

void
app_handle(struct fh_req *r, struct fh_reply *rp)
{
	struct fakehands *fh = r->srv->fh;
	const char *rt = r->route;
	bool v1_route = !strncmp(rt, "v1-", 3) || !strncmp(rt, "sandbox", 7);

	bool cloud26 = fh->gen == GEN_CLOUD_2026;
	/* routes only one generation has: the 2026 events route, export and key info are newer
	 * than the 2025 server; Cloud 2026 lost /api/v1/events/search (§1.9) */
	bool absent = cloud26 ? (!strcmp(rt, "v1-events") || !strcmp(rt, "models"))
			      : (!strcmp(rt, "v1-conv-events") || !strcmp(rt, "v1-conv-events-count") ||
				 !strcmp(rt, "v1-download") || !strcmp(rt, "keys-current"));
	const char *org = NULL;

	v1_route = v1_route || !strcmp(rt, "keys-current");
	/* unknown paths, and the generation this deployment does not mount, get the SPA page */
	if (!strcmp(rt, "html") || absent || (v1_route && !fh->v1) ||
	    (!v1_route && strcmp(rt, "models") && !fh->v0)) {
		if (cloud26 && strcmp(r->method, "GET") && strcmp(r->method, "HEAD"))
			/* StaticFiles refuses other methods; the SPA fallback cannot help (§1.12) */
			reply_detail(rp, 405, "Method Not Allowed");
		else
			reply_html(rp);
		return;
	}
	if (!auth_ok(r, rp))
		return;
	if (cloud26 && !(org = org_check(r, rp)))
		return;
	if (!strcmp(rt, "conversations")) {
		list_conversations(r, rp);
	} else if (!strcmp(rt, "conversation")) {
		get_conversation(r, rp);
	} else if (!strcmp(rt, "start")) {
		start_conversation(r, rp);
	} else if (!strcmp(rt, "models")) {
		reply_json(rp, 200, json_pack("[s,s,s,s]", "anthropic/claude-sonnet-4-5-20250929",
					      "anthropic/claude-opus-4-1-20250805", "openai/gpt-5-2025-08-07",
					      "openhands/claude-sonnet-4-5-20250929"));
	} else if (!strcmp(rt, "v1-search")) {
		v1_search(r, rp);
	} else if (!strcmp(rt, "v1-count")) {
		v1_count(r, rp);
	} else if (!strcmp(rt, "v1-batch")) {
		v1_batch(r, rp, false);
	} else if (!strcmp(rt, "sandboxes")) {
		v1_batch(r, rp, true);
	} else if (!strcmp(rt, "sandbox-resume")) {
		sandbox_resume(r, rp);
	} else if (!strcmp(rt, "sandbox-pause")) {
		sandbox_pause(r, rp);
	} else if (!strcmp(rt, "keys-current")) {
		keys_current(r, rp, org);
	} else if (!strcmp(rt, "v1-download")) {
		export_download(r, rp);
	} else if (!strcmp(rt, "v1-conv-events") || !strcmp(rt, "v1-conv-events-count")) {
		char id[512];
		struct fh_conv *c;

		path_id(r, "/api/v1/conversation/", !strcmp(rt, "v1-conv-events") ? "/events/search" : "/events/count",
			id, sizeof(id));
		pthread_mutex_lock(&fh->lock);
		c = find_conv(fh, id);
		if (c && !c->v1)
			c = NULL;
		pthread_mutex_unlock(&fh->lock);
		if (!strcmp(rt, "v1-conv-events"))
			events_search(r, rp, c);	/* an unknown id: an empty page, as the event store answers */
		else
			reply_json(rp, 200, json_integer(c ? (json_int_t)json_array_size(c->events) : 0));
	} else if (!strcmp(rt, "v1-events")) {
		struct fh_conv *c;
		const char *id = q_get(r, "conversation_id__eq");

		pthread_mutex_lock(&fh->lock);
		c = id ? find_conv(fh, id) : NULL;
		pthread_mutex_unlock(&fh->lock);
		events_search(r, rp, c);
	}
}
