/*
 * bench/seqfetch.c: the sequential baseline of the benchmarks (see bench/README.md).
 *
 * It does what the seed downloader does: one request at a time over one keep-alive
 * connection (libcurl easy), the seed's page size 20, one list-files request per
 * directory, one request per file, no retries and no pacing. Bodies are counted and
 * thrown away (the seed also had to write them into a ZIP, so this is kinder to it).
 *
 *   seqfetch [-H HEADER]... list APP_URL          every conversation: V1 search pages and
 *                                                 V0 pages of /api/conversations, limit 20
 *   seqfetch [-H HEADER]... walk CONV_URL ROOT    V0 runtime: list-files walk from ROOT
 *   seqfetch [-H HEADER]... bash AGENT_URL ROOT   V1 agent-server: one bash listing
 *   seqfetch [-H HEADER]... fetch-v1 AGENT_URL ROOT   bash listing, then GET
 *                                                 /api/file/download?path= per file
 *
 * Prints one line: "requests=N items=M bytes=B errors=E" (items: conversations, tree
 * entries or files fetched). Exit 0 when every request answered 2xx, else 1.
 */
#include <curl/curl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct buf {
	char *p;
	size_t len, cap;
	int keep;	/* 0: count only (downloads) */
};

static CURL *curl;
static struct curl_slist *hdrs;
static long long n_requests, n_items, n_bytes, n_errors;

static size_t
on_data(char *ptr, size_t size, size_t nmemb, void *ud)
{
	struct buf *b = ud;
	size_t n = size * nmemb;

	n_bytes += (long long)n;
	if (!b->keep)
		return n;
	if (b->len + n + 1 > b->cap) {
		b->cap = (b->len + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		if (!b->p) {
			perror("seqfetch");
			exit(2);
		}
	}
	memcpy(b->p + b->len, ptr, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

/* One request; returns the HTTP status (0 on a transport error). b->p holds the body. */
static long
request(const char *url, const char *post, struct buf *b)
{
	long status = 0;
	CURLcode rc;

	b->len = 0;
	if (b->p)
		b->p[0] = '\0';
	curl_easy_setopt(curl, CURLOPT_URL, url);
	curl_easy_setopt(curl, CURLOPT_WRITEDATA, b);
	if (post) {
		curl_easy_setopt(curl, CURLOPT_POSTFIELDS, post);
	} else {
		curl_easy_setopt(curl, CURLOPT_HTTPGET, 1L);
	}
	n_requests++;
	rc = curl_easy_perform(curl);
	if (rc == CURLE_OK)
		curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (rc != CURLE_OK || status < 200 || status > 299) {
		n_errors++;
		fprintf(stderr, "seqfetch: %s: %s %ld\n", url, curl_easy_strerror(rc), status);
	}
	return status;
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void
b64enc(const char *in, char *out)
{
	size_t n = strlen(in), o = 0;

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		out[o++] = b64chars[(v >> 18) & 63];
		out[o++] = b64chars[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64chars[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64chars[v & 63] : '=';
	}
	out[o] = '\0';
}

static size_t
b64dec(const char *in, char *out, size_t cap)
{
	unsigned v = 0;
	int bits = 0;
	size_t o = 0;

	for (; *in && *in != '='; in++) {
		const char *c = strchr(b64chars, *in);
		if (!c)
			continue;
		v = (v << 6) | (unsigned)(c - b64chars);
		bits += 6;
		if (bits >= 8 && o + 1 < cap) {
			bits -= 8;
			out[o++] = (char)((v >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return o;
}

static char *
esc(const char *s)
{
	return curl_easy_escape(curl, s, 0);
}

static int
do_list(const char *app)
{
	struct buf b = {.keep = 1};
	char url[4096];
	char *tok = NULL;

	/* V1: the search, 20 at a time */
	for (;;) {
		json_t *j, *items, *next;
		if (tok) {
			char *e = esc(tok);
			snprintf(url, sizeof(url), "%s/api/v1/app-conversations/search?limit=20&page_id=%s", app, e);
			curl_free(e);
		} else {
			snprintf(url, sizeof(url), "%s/api/v1/app-conversations/search?limit=20", app);
		}
		free(tok);
		tok = NULL;
		if (request(url, NULL, &b) != 200)
			break;
		j = json_loads(b.p, 0, NULL);
		items = json_object_get(j, "items");
		n_items += (long long)json_array_size(items);
		next = json_object_get(j, "next_page_id");
		if (json_is_string(next))
			tok = strdup(json_string_value(next));
		json_decref(j);
		if (!tok)
			break;
	}
	/* V0: /api/conversations, 20 at a time, with a token that parks the V1 half past its end
	 * (the combined route would otherwise merge and drop rows) */
	for (long long off = 0;;) {
		char num[32], b64num[64], js[160], tk[256], dec[512];
		json_t *j, *t, *next;
		char *e;

		snprintf(num, sizeof(num), "%lld", off);
		b64enc(num, b64num);
		snprintf(js, sizeof(js), "{\"v0\": \"%s\", \"v1\": \"1000000000\"}", b64num);
		b64enc(js, tk);
		e = esc(tk);
		snprintf(url, sizeof(url), "%s/api/conversations?limit=20&page_id=%s", app, e);
		curl_free(e);
		if (request(url, NULL, &b) != 200)
			break;
		j = json_loads(b.p, 0, NULL);
		n_items += (long long)json_array_size(json_object_get(j, "results"));
		next = json_object_get(j, "next_page_id");
		if (!json_is_string(next)) {
			json_decref(j);
			break;
		}
		b64dec(json_string_value(next), dec, sizeof(dec));
		json_decref(j);
		t = json_loads(dec, 0, NULL);
		if (!json_is_string(json_object_get(t, "v0"))) {
			json_decref(t);
			break;
		}
		json_decref(t);
		off += 20;
	}
	free(b.p);
	return 0;
}

/* depth first, in the server's order, one request per directory (the seed's walk) */
static void
walk(const char *conv, const char *dir, struct buf *b)
{
	char url[8192];
	char *e = esc(dir);
	json_t *j;
	size_t i;
	json_t *v;

	snprintf(url, sizeof(url), "%s/list-files?path=%s", conv, e);
	curl_free(e);
	if (request(url, NULL, b) != 200)
		return;
	j = json_loads(b->p, 0, NULL);
	json_array_foreach(j, i, v) {
		const char *p = json_string_value(v);
		size_t l;

		if (!p)
			continue;
		n_items++;
		l = strlen(p);
		if (l > 0 && p[l - 1] == '/') {
			char *sub = strndup(p, l - 1);
			walk(conv, sub, b);
			free(sub);
		}
	}
	json_decref(j);
}

static char *
bash_listing(const char *agent, const char *root, struct buf *b)
{
	char url[4096], cmd[4096];
	json_t *body, *j, *out;
	char *s, *res = NULL;

	snprintf(cmd, sizeof(cmd), "cd -- '%s' && find . -mindepth 1 -name .git -prune -o -printf '%%y %%s %%T@ %%P\\n'",
		 root);
	body = json_pack("{s:s,s:i}", "command", cmd, "timeout", 300);
	s = json_dumps(body, 0);
	json_decref(body);
	snprintf(url, sizeof(url), "%s/api/bash/execute_bash_command", agent);
	if (request(url, s, b) == 200) {
		j = json_loads(b->p, 0, NULL);
		out = json_object_get(j, "stdout");
		if (json_is_string(out))
			res = strdup(json_string_value(out));
		json_decref(j);
	}
	free(s);
	return res;
}

int
main(int argc, char **argv)
{
	struct buf b = {.keep = 1};
	int i = 1;

	while (i + 1 < argc && !strcmp(argv[i], "-H")) {
		hdrs = curl_slist_append(hdrs, argv[i + 1]);
		i += 2;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: seqfetch [-H HEADER]... list APP | walk CONV_URL ROOT | bash AGENT ROOT | "
				"fetch-v1 AGENT ROOT\n");
		return 2;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	curl = curl_easy_init();
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "seqfetch/1");
	curl_easy_setopt(curl, CURLOPT_TCP_NODELAY, 1L);

	const char *cmd = argv[i], *base = argv[i + 1], *root = argc - i > 2 ? argv[i + 2] : "/workspace/project";
	if (!strcmp(cmd, "list")) {
		do_list(base);
	} else if (!strcmp(cmd, "walk")) {
		walk(base, root, &b);
	} else if (!strcmp(cmd, "bash") || !strcmp(cmd, "fetch-v1")) {
		char *out = bash_listing(base, root, &b), *line, *save = NULL;
		struct buf sink = {.keep = 0};

		if (!out) {
			n_errors++;
		} else if (!strcmp(cmd, "bash")) {
			for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
				n_items++;
		} else {
			curl_easy_setopt(curl, CURLOPT_HTTPHEADER, hdrs);
			for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
				char type, url[8192], full[4096], *p, *e;

				/* "<y> <size> <mtime> <path>" */
				type = line[0];
				p = strchr(line, ' ');
				p = p ? strchr(p + 1, ' ') : NULL;
				p = p ? strchr(p + 1, ' ') : NULL;
				if (type != 'f' || !p)
					continue;
				snprintf(full, sizeof(full), "%s/%s", root, p + 1);
				e = esc(full);
				snprintf(url, sizeof(url), "%s/api/file/download?path=%s", base, e);
				curl_free(e);
				if (request(url, NULL, &sink) == 200)
					n_items++;
			}
		}
		free(out);
	} else {
		fprintf(stderr, "seqfetch: unknown command %s\n", cmd);
		return 2;
	}
	printf("requests=%lld items=%lld bytes=%lld errors=%lld\n", n_requests, n_items, n_bytes, n_errors);
	free(b.p);
	curl_easy_cleanup(curl);
	curl_slist_free_all(hdrs);
	curl_global_cleanup();
	return n_errors ? 1 : 0;
}
