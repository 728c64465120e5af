/*
 * api/client.c: the client of the OpenHands endpoints (see client.h), and the helpers every
 * endpoint file shares (api/op.h).
 *
 * Owns: struct api_client (the server, the account key and its headers, limits, what the
 * server turned out not to have), where each key may go (runtime_headers), how an HTTP
 * result becomes an api_error (classify), the common request options, and small shared
 * helpers (the id set, route_missing, id_is_safe). The endpoints live in files of their own:
 * the op machinery in api/op.c, the listing in api/lister.c, one conversation in
 * api/conversation.c, its wake-up in api/wake.c, the workspace in api/workspace.c (V0:
 * api/ws_v0.c, V1: api/ws_v1.c, local: api/ws_local.c), the events pager in api/pager.c.
 */
#include "api/client.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/json.h"
#include "api/local.h"
#include "api/op.h"
#include "src/base/util.h"

/* ------------------------------------------------------------ client */

char *
strip_slash(const char *s)
{
	size_t n = strlen(s);

	while (n && s[n - 1] == '/')
		n--;
	return xstrndup(s, n);
}

static bool
url_is_http(const char *url)
{
	return strncasecmp(url, "http://", 7) == 0;
}

/* May a key travel to this URL? */
bool
key_allowed(const struct api_client *c, const char *url)
{
	return c->allow_http || !url_is_http(url) || http_host_is_loopback(url);
}

/* Free a string that held a key: wiped first, so a freed key does not linger in memory. */
void
wipe_free(char *s)
{
	if (s)
		explicit_bzero(s, strlen(s));
	free(s);
}

/* A value that may go into a header line: printable ASCII without spaces (0x21-0x7e). A key
 * from a file, the environment or a server's JSON with CR/LF in it would otherwise add
 * headers of the sender's choosing. */
static bool
header_safe(const char *v)
{
	for (const unsigned char *p = (const unsigned char *)v; *p; p++)
		if (*p < 0x21 || *p > 0x7e)
			return false;
	return true;
}

/* app.all-hands.dev and its sibling hosts (…all-hands.dev): OpenHands Cloud. */
static bool
origin_is_cloud(const char *origin)
{
	const char *p = strstr(origin, "://");
	const char *host = p ? p + 3 : origin;
	size_t n = strcspn(host, ":/");
	static const char dom[] = "all-hands.dev";
	size_t d = sizeof(dom) - 1;

	return n >= d && strncasecmp(host + n - d, dom, d) == 0 && (n == d || host[n - d - 1] == '.');
}

struct api_client *
api_client_new(struct http *h, const struct api_client_config *cfg, struct api_error *err)
{
	struct api_client *c;
	char *origin;

	if (!cfg->server || !*cfg->server) {
		api_error_set(err, API_ERR_USAGE, 0, "no server URL given; pass --server URL");
		return NULL;
	}
	if (strncasecmp(cfg->server, "http://", 7) != 0 && strncasecmp(cfg->server, "https://", 8) != 0) {
		api_error_set(err, API_ERR_USAGE, 0,
			      "the server URL must start with https:// (or http:// for a local server)");
		return NULL;
	}
	origin = http_origin(cfg->server);
	if (!origin) {
		api_error_set(err, API_ERR_USAGE, 0, "cannot parse the server URL; expected e.g. https://app.all-hands.dev");
		return NULL;
	}
	c = xcalloc(1, sizeof(*c));
	c->h = h;
	c->server = strip_slash(cfg->server);
	c->server_origin = origin;
	c->api_key = cfg->api_key && *cfg->api_key ? xstrdup(cfg->api_key) : NULL;
	c->auth = cfg->auth;
	c->allow_http = cfg->allow_http;
	c->root = strip_slash(cfg->workspace_root && *cfg->workspace_root ? cfg->workspace_root
									   : "/workspace/project");
	c->root_explicit = cfg->workspace_root && *cfg->workspace_root;
	/* Cloud counts 10 a second and 100 a minute per user (openhands-api-2026.md §1.1, §3.7) */
	c->app_limit = cfg->app_limit.max_conns ? cfg->app_limit : (struct http_limit){10, 6, 100};
	c->runtime_limit = cfg->runtime_limit.max_conns ? cfg->runtime_limit : (struct http_limit){10, 6, 0};
	c->agent_limit = cfg->agent_limit.max_conns ? cfg->agent_limit : (struct http_limit){0, 16, 0};
	c->walk_max_depth = cfg->walk_max_depth > 0 ? cfg->walk_max_depth : 64;
	c->walk_max_files = cfg->walk_max_files > 0 ? cfg->walk_max_files : 200000;
	c->wake_timeout_ms = cfg->wake_timeout_ms > 0 ? cfg->wake_timeout_ms : 180000;
	c->retention_days = cfg->retention_days > 0 ? cfg->retention_days : 14;
	c->archive_first_byte_ms = cfg->archive_first_byte_ms > 0 ? cfg->archive_first_byte_ms : 900000;
	c->local_dir = cfg->local_dir && *cfg->local_dir ? xstrdup(cfg->local_dir) : local_default_dir();
	c->source = cfg->source != API_SOURCE_DEFAULT ? cfg->source : API_SOURCE_CLOUD;
	/* OpenHands Cloud removed V0 on 2026-04-16 (openhands-api-2026.md §1.1, §5.1: never call
	 * /api/conversations there); other servers are asked once and remembered (v0_absent) */
	c->v0_absent = origin_is_cloud(c->server_origin);
	if (c->api_key && c->auth != API_AUTH_NONE && !key_allowed(c, c->server)) {
		api_error_set(err, API_ERR_USAGE, 0,
			      "refusing to send the API key over plain http to %s; use https, or pass "
			      "--allow-http if you really trust this network", c->server_origin);
		api_client_free(c);
		return NULL;
	}
	if ((c->api_key && !header_safe(c->api_key)) || (cfg->org_id && *cfg->org_id && !header_safe(cfg->org_id))) {
		api_error_set(err, API_ERR_USAGE, 0,
			      "the %s contains a character that cannot go into an HTTP header (a space, a line break "
			      "or a control character); check %s", c->api_key && !header_safe(c->api_key) ? "API key" : "--org value",
			      c->api_key && !header_safe(c->api_key) ? "the key file or OPENHANDS_API_KEY" : "--org or OPENHANDS_ORG_ID");
		api_client_free(c);
		return NULL;
	}
	int n = 0;
	if (c->api_key && c->auth == API_AUTH_BEARER)
		c->app_headers[n++] = xasprintf("Authorization: Bearer %s", c->api_key);
	else if (c->api_key && c->auth == API_AUTH_SESSION)
		c->app_headers[n++] = xasprintf("X-Session-API-Key: %s", c->api_key);
	c->app_headers[n++] = xstrdup("Accept: application/json");
	if (cfg->org_id && *cfg->org_id)
		/* the app server only: agent-servers have no orgs (§1.11) */
		c->app_headers[n++] = xasprintf("X-Org-Id: %s", cfg->org_id);
	http_set_host_limit(h, c->server, c->app_limit);
	return c;
}

void
api_client_free(struct api_client *c)
{
	if (!c)
		return;
	op_abandon_all(c);	/* no completion runs from here, ours or anyone's */
	for (size_t i = 0; i < ARRAY_SIZE(c->app_headers); i++)
		wipe_free(c->app_headers[i]);
	free(c->server);
	free(c->server_origin);
	if (c->api_key)
		explicit_bzero(c->api_key, strlen(c->api_key));
	free(c->api_key);
	free(c->root);
	free(c->local_dir);
	free(c);
}

void
api_client_set_source(struct api_client *c, enum api_source source)
{
	c->source = source != API_SOURCE_DEFAULT ? source : API_SOURCE_CLOUD;
}

enum api_source
api_client_source(const struct api_client *c)
{
	return c->source;
}

const char *
api_client_local_dir(const struct api_client *c)
{
	return c->local_dir;
}

struct http *
api_client_http(struct api_client *c)
{
	return c->h;
}

int
api_client_retention_days(const struct api_client *c)
{
	return c->retention_days;
}

const char *
api_client_workspace_root(const struct api_client *c)
{
	return c->root;
}

/* ------------------------------------------------------ errors */

const char *
what_host(const char *url, char *buf, size_t n)
{
	char *o = http_origin(url);

	snprintf(buf, n, "%s", o ? o : "the server");
	free(o);
	return buf;
}

/*
 * Turn an HTTP result into an api_error. Returns true when res is a usable 2xx answer.
 * role: "app" for the app server (key problems mean the account key), else "runtime".
 * what: a short noun phrase for the message ("the conversation list").
 */
bool
classify(const struct http_result *res, const char *url, bool app, const char *what,
	 struct api_error *err)
{
	char host[160];
	const char *body = res->error_body ? res->error_body : res->body;
	size_t blen = res->error_body ? res->error_body_len : res->body_len;
	char *text = NULL;

	memset(err, 0, sizeof(*err));
	what_host(url, host, sizeof(host));
	if (res->cancelled) {
		api_error_set(err, API_ERR_CANCELLED, 0, "cancelled");
		return false;
	}
	if (res->sink_errno) {
		api_error_set(err, API_ERR_LOCAL, 0, "cannot save %s: %s%s", what, strerror(res->sink_errno),
			      res->sink_errno == ENOSPC ? "; free some disk space and retry" : "");
		return false;
	}
	if (res->curl_code) {
		err->curl_code = res->curl_code;
		api_error_set(err, API_ERR_NETWORK, 0,
			      "could not get %s from %s: %s (after %d attempt%s); check the connection and retry",
			      what, host, res->error[0] ? res->error : "network error", res->attempts,
			      res->attempts == 1 ? "" : "s");
		return false;
	}
	if (res->status >= 200 && res->status < 300 && res->truncated) {
		/* the memory sink's cap: a cut answer is not an answer (it would read as bad JSON) */
		api_error_set(err, API_ERR_SERVER, res->status,
			      "%s sent an answer for %s larger than ohbrowse reads into memory (%lld bytes so far); "
			      "it cannot be used", host, what, (long long)res->bytes);
		return false;
	}
	if (res->status >= 200 && res->status < 300)
		return true;
	if (body && blen)
		text = json_error_text(body, blen);
	if (app && (res->status == 403 || res->status == 400) && text && strcasestr(text, "org")) {
		/* X-Org-Id refused: not a member, not a UUID, or a key bound to another org (§1.11) */
		api_error_set(err, API_ERR_AUTH, res->status,
			      "%s refused the organization (HTTP %ld: %s); check --org or OPENHANDS_ORG_ID "
			      "('ohbrowse whoami' without --org shows the key's own)", host, res->status, text);
	} else if (res->status == 401 || res->status == 403) {
		if (app)
			api_error_set(err, API_ERR_AUTH, res->status,
				      "%s rejected the API key (HTTP %ld%s%s); set OPENHANDS_API_KEY or run "
				      "'ohbrowse login' with a valid key", host, res->status, text ? ": " : "",
				      text ? text : "");
		else
			api_error_set(err, API_ERR_AUTH, res->status,
				      "the conversation's sandbox at %s rejected its session key (HTTP %ld); "
				      "it may have restarted: refresh the list and retry", host, res->status);
	} else if (res->status == 404) {
		api_error_set(err, API_ERR_NOT_FOUND, 404, "%s: not found on %s%s%s", what, host,
			      text ? " (" : "", text ? text : "");
		if (text)
			strncat(err->message, ")", sizeof(err->message) - strlen(err->message) - 1);
	} else if (res->status == 429) {
		api_error_set(err, API_ERR_SERVER, 429,
			      "%s kept answering 'too many requests' for %s after %d attempts; wait a minute "
			      "and retry, or lower --rate", host, what, res->attempts);
	} else if (res->status >= 300 && res->status < 400) {
		/* never followed: the key headers would travel to wherever it points */
		api_error_set(err, API_ERR_SERVER, res->status,
			      "%s answered %s with a redirect (HTTP %ld) to %s; ohbrowse does not follow redirects, "
			      "so keys never go to another host: if you trust that address, use it as --server",
			      host, what, res->status, res->location ? res->location : "an address it did not give");
	} else if (res->status >= 400 && res->status < 500) {
		/* the request itself was refused: asking again would get the same answer */
		api_error_set(err, API_ERR_SERVER, res->status,
			      "%s refused the request for %s (HTTP %ld%s%s); this looks like a server this version of "
			      "ohbrowse does not know: run with --verbose and report it", host, what, res->status,
			      text ? ": " : "", text ? text : "");
	} else {
		api_error_set(err, API_ERR_SERVER, res->status,
			      "%s failed to send %s (HTTP %ld%s%s) after %d attempt%s; try again later", host,
			      what, res->status, text ? ": " : "", text ? text : "", res->attempts,
			      res->attempts == 1 ? "" : "s");
	}
	free(text);
	return false;
}

/* ------------------------------------------------------ URLs and headers */

/* Options shared by every request: a GET, retried when idempotent, under a host's limits. */
void
base_opts(struct http_opts *o, const char *url, char *const *headers, struct http_limit limit)
{
	memset(o, 0, sizeof(*o));
	o->url = url;
	o->headers = (const char *const *)headers;
	o->limit = limit;
	o->idempotent = true;
}

void
app_opts(struct api_client *c, struct http_opts *o, const char *url)
{
	base_opts(o, url, c->app_headers, c->app_limit);
}

/* The base of a V0 conversation's runtime routes: {url} (made absolute). */
char *
v0_base(struct api_client *c, const struct api_conversation *conv)
{
	if (!conv->url || !*conv->url)
		return NULL;
	if (conv->url[0] == '/')
		return xasprintf("%s%s", c->server, conv->url);
	return strip_slash(conv->url);
}

/* The agent-server base of a V1 conversation: conversation_url minus /api/conversations/<id>. */
char *
v1_base(const struct api_conversation *conv)
{
	if (!conv->url || !*conv->url)
		return NULL;
	char *u = strip_slash(conv->url);
	char *p = strstr(u, "/api/conversations/");
	if (p)
		*p = '\0';
	return u;
}

/* Headers for a runtime/agent URL, or an error when no key may go there. */
bool
runtime_headers(struct api_client *c, const struct api_conversation *conv, const char *base,
		char **hdr, struct api_error *err)
{
	char *origin = http_origin(base);
	bool same_as_app = origin && strcmp(origin, c->server_origin) == 0;

	free(origin);
	hdr[0] = hdr[1] = NULL;
	if (conv->session_api_key && *conv->session_api_key && !header_safe(conv->session_api_key)) {
		api_error_set(err, API_ERR_SERVER, 0,
			      "the server sent a session key for this conversation that cannot go into an HTTP header "
			      "(it holds a line break or a control character); refusing to use it");
		return false;
	}
	if (conv->session_api_key && *conv->session_api_key) {
		if (!key_allowed(c, base)) {
			char host[160];
			api_error_set(err, API_ERR_USAGE, 0,
				      "refusing to send the conversation's session key over plain http to %s; "
				      "pass --allow-http if you trust this network",
				      what_host(base, host, sizeof(host)));
			return false;
		}
		hdr[0] = xasprintf("X-Session-API-Key: %s", conv->session_api_key);
	} else if (same_as_app && c->api_key && c->auth == API_AUTH_SESSION) {
		/* OSS standalone: the runtime routes live on the app server itself. */
		hdr[0] = xasprintf("X-Session-API-Key: %s", c->api_key);
	} else if (same_as_app && c->api_key && c->auth == API_AUTH_BEARER) {
		hdr[0] = xasprintf("Authorization: Bearer %s", c->api_key);
	}
	return true;
}

const char *
api_workspace_root(const struct api_client *c, const struct api_conversation *conv)
{
	/* --workspace-root wins; else what the agent-server says (workspace.working_dir: a
	 * grouped sandbox puts each conversation in a directory of its own, §2.6); else the
	 * default */
	if (!c->root_explicit && conv && conv->workspace_root && conv->workspace_root[0] == '/')
		return conv->workspace_root;
	return c->root;
}

/* ------------------------------------------------------ small shared helpers */

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

bool
id_set_add(struct id_set *s, const char *key)
{
	if ((s->count + 1) * 2 > s->cap) {
		struct id_set n = {xcalloc(s->cap ? s->cap * 2 : 64, sizeof(char *)),
				   s->cap ? s->cap * 2 : 64, 0};
		for (size_t i = 0; i < s->cap; i++)
			if (s->keys[i])
				id_set_add(&n, s->keys[i]), free(s->keys[i]);
		free(s->keys);
		*s = n;
	}
	size_t i = hash_str(key) & (s->cap - 1);
	while (s->keys[i]) {
		if (strcmp(s->keys[i], key) == 0)
			return false;
		i = (i + 1) & (s->cap - 1);
	}
	s->keys[i] = xstrdup(key);
	s->count++;
	return true;
}

void
id_set_free(struct id_set *s)
{
	for (size_t i = 0; i < s->cap; i++)
		free(s->keys[i]);
	free(s->keys);
	memset(s, 0, sizeof(*s));
}
/* Ids go into URL paths: letters, digits, - and _ only. */
bool
id_is_safe(const char *id)
{
	if (!id || !*id || strlen(id) > 100)
		return false;
	for (const char *p = id; *p; p++)
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      *p == '-' || *p == '_'))
			return false;
	return true;
}
/* FastAPI answers an unknown route with 404 {"detail":"Not Found"}: an older agent-server. */
bool
route_missing(const struct http_result *res)
{
	const char *body = res->error_body ? res->error_body : res->body;
	size_t len = res->error_body ? res->error_body_len : res->body_len;
	char *t;
	bool missing;

	if (res->status != 404 && res->status != 405)
		return false;
	if (res->status == 405)
		return true;
	t = body && len ? json_error_text(body, len) : NULL;
	missing = t && strcmp(t, "Not Found") == 0;
	free(t);
	return missing;
}
