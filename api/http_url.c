/*
 * api/http_url.c: URL helpers of the engine (declared in api/http.h): percent-escaping both
 * ways, a URL's origin, and whether a URL names this machine.
 *
 * Owns: the one definition of "loopback" (IP literals in 127/8, ::1 and exactly
 * "localhost"), which decides where plain http and keys may go.
 */
#include "api/http.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/base/util.h"

static int
hexval(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

char *
http_unescape(const char *s)
{
	struct strbuf sb = {0};

	/* %XX only ("+" stays "+": the agent-server's quote() never writes it for a space) */
	for (const char *p = s; *p; p++) {
		int hi, lo;
		if (*p == '%' && p[1] && p[2] && (hi = hexval(p[1])) >= 0 && (lo = hexval(p[2])) >= 0) {
			strbuf_putc(&sb, (char)(hi << 4 | lo));
			p += 2;
		} else {
			strbuf_putc(&sb, *p);
		}
	}
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

char *
http_escape(const char *s)
{
	char *e = curl_easy_escape(NULL, s, (int)strlen(s));
	char *r;

	if (!e)
		die("out of memory escaping a URL");
	r = xstrdup(e);
	curl_free(e);
	return r;
}

char *
http_origin(const char *url)
{
	CURLU *u = curl_url();
	char *scheme = NULL, *host = NULL, *port = NULL, *out = NULL;

	if (!u)
		return NULL;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK) {
		for (char *p = scheme; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		for (char *p = host; *p; p++)
			*p = (char)(*p >= 'A' && *p <= 'Z' ? *p + 32 : *p);
		out = xasprintf("%s://%s:%s", scheme, host, port);
	}
	curl_free(scheme);
	curl_free(host);
	curl_free(port);
	curl_url_cleanup(u);
	return out;
}

/* An IPv4 literal in 127.0.0.0/8: four decimal parts of at most 255, the first 127. A name
 * that merely starts with "127." (127.attacker.example) is a name, resolved by DNS. */
static bool
ipv4_loopback_literal(const char *h)
{
	int part = 0;
	long v = -1;

	for (const char *p = h;; p++) {
		if (*p >= '0' && *p <= '9') {
			v = (v < 0 ? 0 : v * 10) + (*p - '0');
			if (v > 255)
				return false;
		} else if (*p == '.' || *p == '\0') {
			if (v < 0 || (part == 0 && v != 127))
				return false;
			part++;
			v = -1;
			if (!*p)
				return part == 4;
		} else {
			return false;
		}
	}
}

bool
http_host_is_loopback(const char *url)
{
	CURLU *u = curl_url();
	char *host = NULL;
	bool lo = false;

	if (!u)
		return false;
	if (curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
	    curl_url_get(u, CURLUPART_HOST, &host, 0) == CURLUE_OK) {
		lo = strcasecmp(host, "localhost") == 0 || strcmp(host, "[::1]") == 0 ||
		     strcmp(host, "::1") == 0 || ipv4_loopback_literal(host);
	}
	curl_free(host);
	curl_url_cleanup(u);
	return lo;
}
