/*
 * tests/fakehands/scenario.c: scenario JSON -> in-memory model.
 *
 * Owns: validation and defaults of every scenario key (documented in README.md),
 * generated conversations, deterministic ids/keys, timestamp parsing (ISO 8601 or
 * a relative "-90m" offset from "now") and formatting, and freeing the model.
 */
#include "tests/fakehands/fh.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int
fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

char *
fmt_time_us(int64_t us)
{
	time_t s = (time_t)(us >= 0 ? us / 1000000 : (us - 999999) / 1000000);
	long frac = (long)(us - (int64_t)s * 1000000);
	struct tm tm;
	char buf[64];

	gmtime_r(&s, &tm);
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	/* pydantic v2 omits the fraction when it is zero */
	if (frac)
		return xasprintf("%s.%06ldZ", buf, frac);
	return xasprintf("%sZ", buf);
}

int64_t
parse_time_us(const char *s, int64_t now_s, bool *ok)
{
	*ok = true;
	if (!s) {
		*ok = false;
		return 0;
	}
	if (s[0] == '-' || s[0] == '+') {
		/* relative to now: -90s, -5m, -2h, -3d (the demo uses these so its ages stay fresh) */
		char *end;
		double v = strtod(s + 1, &end);
		double mul = 1;

		switch (*end) {
		case 's': case '\0': mul = 1; break;
		case 'm': mul = 60; break;
		case 'h': mul = 3600; break;
		case 'd': mul = 86400; break;
		default: *ok = false; return 0;
		}
		int64_t off = (int64_t)(v * mul * 1e6);
		return now_s * 1000000 + (s[0] == '-' ? -off : off);
	}
	int64_t sec = time_parse_iso(s);
	if (sec < 0) {
		*ok = false;
		return 0;
	}
	int64_t us = 0;
	const char *dot = strchr(s, '.');
	if (dot && dot > strchr(s, 'T')) {
		int digits = 0;

		for (const char *p = dot + 1; isdigit((unsigned char)*p); p++) {
			if (digits < 6) {
				us = us * 10 + (*p - '0');
				digits++;
			}
		}
		while (digits++ < 6)
			us *= 10;
	}
	return sec * 1000000 + us;
}

static uint64_t
fnv64(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static char *
uuid_from(uint64_t seed)
{
	uint64_t a = mix64(seed), b = mix64(seed ^ 0xabcdef);

	/* looks like the recorded session keys: a version-4 dashed UUID */
	return xasprintf("%08x-%04x-4%03x-%04x-%012llx", (unsigned)(a >> 32), (unsigned)(a >> 16) & 0xffff,
			 (unsigned)a & 0xfff, (unsigned)(0x8000 | ((b >> 48) & 0x3fff)),
			 (unsigned long long)(b & 0xffffffffffffULL));
}

static const char *
jget_str(json_t *o, const char *k, const char *def)
{
	json_t *v = json_object_get(o, k);

	return json_is_string(v) ? json_string_value(v) : def;
}

static char *
jdup_or_null(json_t *o, const char *k, const char *def)
{
	json_t *v = json_object_get(o, k);

	if (json_is_null(v))
		return NULL;
	if (json_is_string(v))
		return xstrdup(json_string_value(v));
	return xstrdup(def);
}

static bool
jget_bool(json_t *o, const char *k, bool def)
{
	json_t *v = json_object_get(o, k);

	return json_is_boolean(v) ? json_is_true(v) : def;
}

static long long
jget_int(json_t *o, const char *k, long long def)
{
	json_t *v = json_object_get(o, k);

	return json_is_number(v) ? (long long)json_number_value(v) : def;
}

static int
parse_status(const char *s, enum fh_status *out)
{
	static const char *names[] = { "RUNNING", "STOPPED", "STARTING", "ARCHIVED", "ERROR" };

	/* V1 sandbox names are accepted too and mapped like _to_conversation_info */
	if (!strcmp(s, "PAUSED")) {
		*out = ST_STOPPED;
		return 0;
	}
	if (!strcmp(s, "MISSING")) {
		*out = ST_ARCHIVED;
		return 0;
	}
	for (int i = 0; i < 5; i++) {
		if (!strcmp(s, names[i])) {
			*out = (enum fh_status)i;
			return 0;
		}
	}
	return -1;
}

static size_t
b64_decode(const char *in, unsigned char *out)
{
	static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned v = 0;
	int bits = 0;
	size_t n = 0;

	for (; *in; in++) {
		const char *p = strchr(tbl, *in);

		if (*in == '=' || !p)
			continue;
		v = (v << 6) | (unsigned)(p - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[n++] = (unsigned char)(v >> bits);
		}
	}
	return n;
}

static int
parse_zip_style(const char *s, enum fh_zip_style *out)
{
	if (!strcmp(s, "python"))
		*out = ZIP_PYTHON;
	else if (!strcmp(s, "descriptor"))
		*out = ZIP_DESCRIPTOR;
	else
		return -1;
	return 0;
}

static int
load_workspace(struct fakehands *fh, struct fh_workspace *ws, const char *name, json_t *o, char *err,
	       size_t errlen)
{
	json_t *files = json_object_get(o, "files"), *changes = json_object_get(o, "changes"), *f;
	size_t i;

	ws->name = xstrdup(name);
	ws->root = xstrdup(jget_str(o, "root", "/workspace/project"));
	while (strlen(ws->root) > 1 && ws->root[strlen(ws->root) - 1] == '/')
		ws->root[strlen(ws->root) - 1] = '\0';
	ws->git = jget_bool(o, "git", false);
	if (parse_zip_style(jget_str(o, "zip_style", "python"), &ws->zip_style))
		return fail(err, errlen, "workspace %s: zip_style must be python or descriptor", name);
	if (files && !json_is_array(files))
		return fail(err, errlen, "workspace %s: files must be an array", name);
	ws->nodes = xcalloc(json_array_size(files) + 1, sizeof(*ws->nodes));
	json_array_foreach(files, i, f) {
		struct fh_node *n = &ws->nodes[ws->n_nodes];
		const char *p = jget_str(f, "path", NULL), *b64p = jget_str(f, "path_b64", NULL);
		const char *mt = jget_str(f, "mtime", NULL);
		json_t *text = json_object_get(f, "text"), *b64 = json_object_get(f, "base64");
		bool ok;

		if (b64p) {
			n->path = xmalloc(strlen(b64p) + 1);
			n->path_len = b64_decode(b64p, (unsigned char *)n->path);
			n->path[n->path_len] = '\0';
		} else if (p) {
			n->path = xstrdup(p);
			n->path_len = strlen(p);
		} else {
			return fail(err, errlen, "workspace %s: file %zu has no path", name, i);
		}
		if (n->path_len && n->path[n->path_len - 1] == '/') {
			n->is_dir = true;
			while (n->path_len && n->path[n->path_len - 1] == '/')
				n->path[--n->path_len] = '\0';
		}
		ws->n_nodes++;
		if (!n->path_len)
			return fail(err, errlen, "workspace %s: empty path", name);
		n->mtime = 1732406400;	/* 2024-11-24T00:00:00Z unless given */
		if (mt) {
			int64_t us = parse_time_us(mt, fh->now_s, &ok);

			if (!ok)
				return fail(err, errlen, "workspace %s: bad mtime %s", name, mt);
			n->mtime = us / 1000000;
		}
		n->mode = n->is_dir ? 0755 : 0644;
		if (jget_str(f, "link", NULL)) {
			n->link = xstrdup(jget_str(f, "link", NULL));
			n->mode = 0777;
			n->data = xmalloc(1);
			continue;
		}
		n->bomb = (uint64_t)jget_int(f, "archive_size", 0);
		n->archive_skip = jget_bool(f, "archive_skip", false);
		if (jget_str(f, "hardlink", NULL))
			n->hardlink = xstrdup(jget_str(f, "hardlink", NULL));
		if (jget_str(f, "mode", NULL))
			n->mode = (unsigned)strtoul(jget_str(f, "mode", NULL), NULL, 8) & 07777;
		if (n->is_dir)
			continue;
		if (json_object_get(f, "size")) {
			n->generated = true;
			n->size = (uint64_t)jget_int(f, "size", 0);
			n->seed = (uint64_t)jget_int(f, "seed", 0);
			n->gen_text = json_is_true(text);
		} else if (json_is_string(b64)) {
			n->data = xmalloc(json_string_length(b64) + 1);
			n->len = b64_decode(json_string_value(b64), n->data);
		} else if (json_is_string(text)) {
			n->len = json_string_length(text);
			n->data = xmalloc(n->len + 1);
			memcpy(n->data, json_string_value(text), n->len);
		} else {
			n->data = xmalloc(1);
		}
	}
	if (changes && !json_is_array(changes))
		return fail(err, errlen, "workspace %s: changes must be an array", name);
	ws->changes = xcalloc(json_array_size(changes) + 1, sizeof(*ws->changes));
	json_array_foreach(changes, i, f) {
		struct fh_change *c = &ws->changes[ws->n_changes++];
		const char *st = jget_str(f, "status", "M");

		c->status[0] = st[0];
		c->path = xstrdup(jget_str(f, "path", ""));
		c->original = jdup_or_null(f, "original", "");
	}
	json_t *repos = json_object_get(o, "repos");
	if (repos && !json_is_array(repos))
		return fail(err, errlen, "workspace %s: repos must be an array of directories", name);
	if (!repos && ws->git) {
		ws->repos = xcalloc(1, sizeof(char *));
		ws->repos[ws->n_repos++] = xstrdup("");
	}
	if (repos) {
		ws->repos = xcalloc(json_array_size(repos) + 1, sizeof(char *));
		ws->nodes = xrealloc(ws->nodes, (ws->n_nodes + 2 * json_array_size(repos) + 1) * sizeof(*ws->nodes));
		json_array_foreach(repos, i, f) {
			const char *r = json_string_value(f);
			if (!r)
				return fail(err, errlen, "workspace %s: repos[%zu] is not a string", name, i);
			ws->repos[ws->n_repos++] = xstrdup(r);
			/* a repository is a directory holding .git (git init writes HEAD first) */
			struct fh_node *d = &ws->nodes[ws->n_nodes++], *h = &ws->nodes[ws->n_nodes++];
			memset(d, 0, sizeof(*d));
			memset(h, 0, sizeof(*h));
			d->path = *r ? xasprintf("%s/.git", r) : xstrdup(".git");
			d->path_len = strlen(d->path);
			d->is_dir = true;
			d->mode = 0755;
			h->mode = 0644;
			d->mtime = h->mtime = 1732406400;
			h->path = xasprintf("%s/HEAD", d->path);
			h->path_len = strlen(h->path);
			h->data = (unsigned char *)xstrdup("ref: refs/heads/main\n");
			h->len = strlen((char *)h->data);
		}
	}
	ws_finish(ws);
	return 0;
}

static int
conv_cmp(const void *a, const void *b)
{
	const struct fh_conv *x = a, *y = b;

	if (x->created_us != y->created_us)
		return x->created_us < y->created_us ? 1 : -1;
	return strcmp(x->id, y->id);
}

static void
conv_defaults(struct fh_conv *c)
{
	if (!c->session_key)
		c->session_key = uuid_from(fnv64(c->id));
	if (!c->sandbox_id)
		c->sandbox_id = xasprintf("sb%.14s", c->id);
	if (!c->title)
		c->title = xasprintf("Conversation %.5s", c->id);
	if (!c->trigger)
		c->trigger = xstrdup("gui");
	if (!c->events)
		c->events = json_array();
}

static int
load_conv(struct fakehands *fh, struct fh_conv *c, json_t *o, size_t idx, char *err, size_t errlen)
{
	const char *id = jget_str(o, "id", NULL), *ws, *st, *ver;
	json_t *agent = json_object_get(o, "agent"), *ev = json_object_get(o, "events");
	bool ok;

	if (id) {
		if (strlen(id) != 32 || strspn(id, "0123456789abcdef") != 32)
			return fail(err, errlen, "conversation %zu: id must be 32 lowercase hex", idx);
		memcpy(c->id, id, 33);
	} else {
		snprintf(c->id, sizeof(c->id), "%016llx%016llx", (unsigned long long)mix64(idx + 1),
			 (unsigned long long)mix64(idx + 1000003));
	}
	ver = jget_str(o, "version", "V0");
	c->v1 = !strcmp(ver, "V1");
	st = jget_str(o, "status", "STOPPED");
	if (parse_status(st, &c->status))
		return fail(err, errlen, "conversation %s: bad status %s", c->id, st);
	c->title = jdup_or_null(o, "title", NULL);
	c->created_us = parse_time_us(jget_str(o, "created_at", "-1h"), fh->now_s, &ok);
	if (!ok)
		return fail(err, errlen, "conversation %s: bad created_at", c->id);
	c->updated_us = c->created_us;
	if (json_object_get(o, "updated_at")) {
		c->updated_us = parse_time_us(jget_str(o, "updated_at", ""), fh->now_s, &ok);
		if (!ok)
			return fail(err, errlen, "conversation %s: bad updated_at", c->id);
	}
	c->repository = jdup_or_null(o, "repository", NULL);
	c->branch = jdup_or_null(o, "branch", NULL);
	c->git_provider = jdup_or_null(o, "git_provider", c->repository ? "github" : NULL);
	c->trigger = jdup_or_null(o, "trigger", "gui");
	c->session_key = jdup_or_null(o, "session_api_key", NULL);
	c->sandbox_id = jdup_or_null(o, "sandbox_id", NULL);
	c->execution_status = jdup_or_null(o, "execution_status", "idle");
	c->wake_delay_ms = (int)jget_int(o, "wake_delay_ms", 300);
	c->ready_delay_ms = (int)jget_int(o, "ready_delay_ms", 0);
	c->has_runtime = jget_bool(o, "runtime", true);
	if (jget_str(o, "zip_style", NULL) && parse_zip_style(jget_str(o, "zip_style", NULL), &c->zip_style))
		return fail(err, errlen, "conversation %s: zip_style must be python or descriptor", c->id);
	ws = jget_str(o, "workspace", NULL);
	if (ws) {
		for (size_t i = 0; i < fh->n_wss; i++)
			if (!strcmp(fh->wss[i].name, ws))
				c->ws = &fh->wss[i];
		if (!c->ws)
			return fail(err, errlen, "conversation %s: unknown workspace %s", c->id, ws);
	}
	if (ev && !json_is_array(ev))
		return fail(err, errlen, "conversation %s: events must be an array", c->id);
	c->events = ev ? json_incref(ev) : NULL;
	const char *dl = jget_str(agent, "download_api", "both");
	c->download_api = !strcmp(dl, "query") ? DL_QUERY : !strcmp(dl, "path") ? DL_PATH : DL_QUERY | DL_PATH;
	c->archive = jget_bool(agent, "archive", true);
	c->generation = (int)jget_int(agent, "generation", 2025);
	c->archive_delay_ms = (long)jget_int(agent, "archive_delay_ms", 0);
	c->archive_rate = (double)jget_int(agent, "archive_rate", 23000000);
	if (c->generation != 2025 && c->generation != 2026)
		return fail(err, errlen, "conversation %s: agent.generation must be 2025 or 2026", c->id);
	conv_defaults(c);
	return 0;
}

static int
load_fault(struct fh_fault *f, json_t *o, char *err, size_t errlen)
{
	const char *srv = jget_str(o, "server", "*"), *route = jget_str(o, "route", "*");

	if (!strcmp(srv, "*"))
		f->server = 7;
	else if (!strcmp(srv, "app"))
		f->server = 1 << SRV_APP;
	else if (!strcmp(srv, "runtime"))
		f->server = 1 << SRV_RUNTIME;
	else if (!strcmp(srv, "agent"))
		f->server = 1 << SRV_AGENT;
	else
		return fail(err, errlen, "fault: bad server %s", srv);
	f->route = strcmp(route, "*") ? xstrdup(route) : NULL;
	f->conv = jdup_or_null(o, "conversation", NULL);
	f->nth = (long)jget_int(o, "nth", 0);
	f->count = (long)jget_int(o, "count", 1);
	f->status = (int)jget_int(o, "status", 0);
	f->retry_after = (int)jget_int(o, "retry_after", -1);
	f->body = jdup_or_null(o, "body", NULL);
	f->content_type = jdup_or_null(o, "content_type", NULL);
	f->latency_ms = (long)jget_int(o, "latency_ms", 0);
	f->reset_after = jget_int(o, "reset_after", -1);
	f->hold_after = jget_int(o, "hold_after", -1);
	f->hold_ms = (long)jget_int(o, "hold_ms", -1);
	f->malformed = jget_bool(o, "malformed", false);
	f->truncate_json = jget_bool(o, "truncate_json", false);
	f->html = jget_bool(o, "html", false);
	f->chunked = jget_bool(o, "chunked", false);
	f->bandwidth = (uint64_t)jget_int(o, "bandwidth", 0);
	return 0;
}

int
scenario_load(struct fakehands *fh, const char *text, size_t len, char *err, size_t errlen)
{
	json_error_t je;
	json_t *root = json_loadb(text, len, 0, &je), *app, *convs, *gen, *wss, *faults, *v;
	const char *key;
	size_t i, n_explicit, n_gen;
	int rc = -1;

	if (!root)
		return fail(err, errlen, "scenario: %s (line %d col %d)", je.text, je.line, je.column);
	if (!json_is_object(root)) {
		fail(err, errlen, "scenario: top level must be an object");
		goto out;
	}
	app = json_object_get(root, "app");
	fh->api_key = xstrdup(jget_str(app, "api_key", "fakehands-api-key-0000000000000000"));
	const char *auth = jget_str(app, "auth", json_object_get(app, "api_key") ? "bearer" : "none");
	if (!strcmp(auth, "none"))
		fh->auth = AUTH_NONE;
	else if (!strcmp(auth, "bearer"))
		fh->auth = AUTH_BEARER;
	else if (!strcmp(auth, "session"))
		fh->auth = AUTH_SESSION;
	else {
		fail(err, errlen, "app.auth must be bearer, session or none");
		goto out;
	}
	fh->v0 = jget_bool(app, "v0", true);
	fh->v1 = jget_bool(app, "v1", true);
	const char *gname = jget_str(app, "generation", "2025");
	if (!strcmp(gname, "cloud-2026")) {
		/* V0 was removed from Cloud on 2026-04-16 (openhands-api-2026.md §1.1, §1.12) */
		fh->gen = GEN_CLOUD_2026;
		fh->v0 = false;
	} else if (strcmp(gname, "2025")) {
		fail(err, errlen, "app.generation must be 2025 or cloud-2026");
		goto out;
	}
	fh->org_id = xstrdup(jget_str(app, "org_id", "9b1f4c2e-5a6d-4e7f-8a9b-0c1d2e3f4a5b"));
	fh->bound_org_id = jget_str(app, "bound_org_id", NULL) ? xstrdup(jget_str(app, "bound_org_id", NULL)) : NULL;
	fh->orgs = json_object_get(app, "orgs") ? json_deep_copy(json_object_get(app, "orgs")) : json_pack("[s]", fh->org_id);
	fh->key_cookie = jget_bool(app, "key_cookie", false);
	fh->max_running = (int)jget_int(app, "max_running", 10);
	fh->max_age_s = (int64_t)(json_number_value(json_object_get(app, "max_age_days")) * 86400);
	if (!json_object_get(app, "max_age_days"))
		fh->max_age_s = 10 * 86400;
	fh->app_rate_limit = jget_bool(app, "rate_limit", false);
	fh->now_s = clock_wall_s();
	if (jget_str(app, "now", NULL)) {
		bool ok;
		int64_t us = parse_time_us(jget_str(app, "now", NULL), fh->now_s, &ok);

		if (!ok) {
			fail(err, errlen, "app.now: bad timestamp");
			goto out;
		}
		fh->now_s = us / 1000000;
	}
	fh->runtime_rate_limit = jget_bool(root, "runtime_rate_limit", true);

	wss = json_object_get(root, "workspaces");
	fh->wss = xcalloc(json_object_size(wss) + 1, sizeof(*fh->wss));
	json_object_foreach(wss, key, v) {
		if (load_workspace(fh, &fh->wss[fh->n_wss++], key, v, err, errlen))
			goto out;
	}

	convs = json_object_get(root, "conversations");
	gen = json_object_get(root, "generate");
	n_explicit = json_array_size(convs);
	n_gen = (size_t)jget_int(gen, "count", 0);
	fh->convs = xcalloc(n_explicit + n_gen + 1, sizeof(*fh->convs));
	json_array_foreach(convs, i, v) {
		if (load_conv(fh, &fh->convs[fh->n_convs++], v, i, err, errlen))
			goto out;
	}
	if (n_gen) {
		const char *ver = jget_str(gen, "version", "V0"), *st = jget_str(gen, "status", "STOPPED");
		const char *prefix = jget_str(gen, "title_prefix", "Generated conversation");
		int64_t step = jget_int(gen, "step_s", 60) * 1000000;
		bool ok, runtime = jget_bool(gen, "runtime", false);
		int64_t newest = parse_time_us(jget_str(gen, "newest", "-1h"), fh->now_s, &ok);
		enum fh_status status;
		const char *ws = jget_str(gen, "workspace", NULL);

		if (!ok || parse_status(st, &status)) {
			fail(err, errlen, "generate: bad newest or status");
			goto out;
		}
		for (i = 0; i < n_gen; i++) {
			struct fh_conv *c = &fh->convs[fh->n_convs++];

			snprintf(c->id, sizeof(c->id), "%08zx%012llx%012llx", i,
				 (unsigned long long)(mix64(i + 77) & 0xffffffffffffULL),
				 (unsigned long long)(mix64(i + 99) & 0xffffffffffffULL));
			c->v1 = !strcmp(ver, "V1") || (!strcmp(ver, "mixed") && (i % 2));
			c->status = status;
			c->title = xasprintf("%s %zu", prefix, i + 1);
			c->created_us = newest - (int64_t)i * step;
			c->updated_us = c->created_us + 30000000;
			c->repository = jdup_or_null(gen, "repository", NULL);
			c->branch = c->repository ? xstrdup("main") : NULL;
			c->git_provider = c->repository ? xstrdup("github") : NULL;
			c->execution_status = xstrdup("idle");
			c->wake_delay_ms = (int)jget_int(gen, "wake_delay_ms", 300);
			c->has_runtime = runtime;
			c->download_api = DL_QUERY | DL_PATH;
			c->archive = true;
			for (size_t k = 0; ws && k < fh->n_wss; k++)
				if (!strcmp(fh->wss[k].name, ws))
					c->ws = &fh->wss[k];
			conv_defaults(c);
		}
	}
	if (fh->n_convs > 1)
		qsort(fh->convs, fh->n_convs, sizeof(*fh->convs), conv_cmp);
	for (i = 0; i + 1 < fh->n_convs; i++) {
		if (!strcmp(fh->convs[i].id, fh->convs[i + 1].id)) {
			fail(err, errlen, "duplicate conversation id %s", fh->convs[i].id);
			goto out;
		}
	}

	faults = json_object_get(root, "faults");
	fh->faults = xcalloc(json_array_size(faults) + 1, sizeof(*fh->faults));
	json_array_foreach(faults, i, v) {
		if (load_fault(&fh->faults[fh->n_faults++], v, err, errlen))
			goto out;
	}
	rc = 0;
out:
	json_decref(root);
	return rc;
}

void
bash_cmd_free(struct bash_cmd *b)
{
	free(b->id);
	free(b->command);
	free(b->cwd);
	free(b->timestamp);
	free(b->stdout_text);
	free(b->stderr_text);
}

void
scenario_free(struct fakehands *fh)
{
	for (size_t i = 0; i < fh->n_convs; i++) {
		struct fh_conv *c = &fh->convs[i];

		free(c->title);
		free(c->repository);
		free(c->branch);
		free(c->git_provider);
		free(c->trigger);
		free(c->session_key);
		free(c->sandbox_id);
		free(c->execution_status);
		json_decref(c->events);
	}
	free(fh->convs);
	for (size_t i = 0; i < fh->n_wss; i++) {
		struct fh_workspace *ws = &fh->wss[i];

		for (size_t k = 0; k < ws->n_nodes; k++) {
			free(ws->nodes[k].path);
			free(ws->nodes[k].data);
			free(ws->nodes[k].link);
			free(ws->nodes[k].hardlink);
		}
		free(ws->nodes);
		for (size_t k = 0; k < ws->n_repos; k++)
			free(ws->repos[k]);
		free(ws->repos);
		for (size_t k = 0; k < ws->n_changes; k++) {
			free(ws->changes[k].path);
			free(ws->changes[k].original);
		}
		free(ws->changes);
		for (size_t k = 0; k < ws->n_ignore; k++)
			free(ws->ignore[k]);
		free(ws->ignore);
		free(ws->name);
		free(ws->root);
	}
	free(fh->wss);
	for (size_t i = 0; i < fh->n_faults; i++) {
		free(fh->faults[i].route);
		free(fh->faults[i].conv);
		free(fh->faults[i].body);
		free(fh->faults[i].content_type);
	}
	free(fh->faults);
	free(fh->api_key);
	free(fh->org_id);
	free(fh->bound_org_id);
	json_decref(fh->orgs);
}
