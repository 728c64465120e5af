/* tui/script.c: the test key-script parser (see script.h). */
#include "tui/script.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"
#include "tui/keys.h"

struct script {
	struct script_item *items;
	size_t n, cap, pos;
	struct script_item eof;
};

static void
script_push(struct script *s, const struct script_item *it)
{
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 32;
		s->items = xrealloc(s->items, s->cap * sizeof(*s->items));
	}
	s->items[s->n++] = *it;
}

static char *
script_trim(char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	size_t n = strlen(p);
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\r' || p[n - 1] == '\n'))
		p[--n] = '\0';
	return p;
}

static bool
script_line(struct script *s, char *line, int lineno, char *err, size_t errlen)
{
	struct script_item it;
	memset(&it, 0, sizeof(it));
	it.line = lineno;
	char *p = script_trim(line);
	if (!*p || *p == '#')
		return true;
	if (*p == ':') {
		char *arg = p + 1;
		while (*arg && *arg != ' ' && *arg != '\t')
			arg++;
		if (*arg)
			*arg++ = '\0';
		arg = script_trim(arg);
		const char *cmd = p + 1;
		if (strcmp(cmd, "wait") == 0) {
			it.kind = SCRIPT_WAIT;
		} else if (strcmp(cmd, "quit") == 0) {
			it.kind = SCRIPT_QUIT;
		} else if (strcmp(cmd, "dump") == 0) {
			if (!*arg || strchr(arg, '/') || strlen(arg) >= sizeof(it.name)) {
				snprintf(err, errlen, "line %d: :dump needs a plain NAME", lineno);
				return false;
			}
			it.kind = SCRIPT_DUMP;
			snprintf(it.name, sizeof(it.name), "%s", arg);
		} else if (strcmp(cmd, "resize") == 0) {
			if (sscanf(arg, "%dx%d", &it.cols, &it.rows) != 2 || it.cols <= 0 || it.rows <= 0) {
				snprintf(err, errlen, "line %d: :resize needs COLSxROWS", lineno);
				return false;
			}
			it.kind = SCRIPT_RESIZE;
		} else if (strcmp(cmd, "wait-bytes") == 0) {
			char *end;
			errno = 0;
			long long v = strtoll(arg, &end, 10);
			if (!*arg || *end || v < 0 || errno) {
				snprintf(err, errlen, "line %d: :wait-bytes needs a byte count", lineno);
				return false;
			}
			it.kind = SCRIPT_WAIT_BYTES;
			it.bytes = v;
		} else {
			snprintf(err, errlen, "line %d: unknown command ':%s'", lineno, cmd);
			return false;
		}
		script_push(s, &it);
		return true;
	}
	const char *k = p;
	while (*k) {
		if (*k == ' ' || *k == '\t') {
			k++;
			continue;
		}
		int code = keys_parse_next(&k);
		if (code == KEYS_NONE) {
			snprintf(err, errlen, "line %d: unknown key at '%s'", lineno, k);
			return false;
		}
		it.kind = SCRIPT_KEY;
		it.key = code;
		script_push(s, &it);
	}
	return true;
}

struct script *
script_parse(const char *text, char *err, size_t errlen)
{
	struct script *s = xcalloc(1, sizeof(*s));
	s->eof.kind = SCRIPT_EOF;
	int lineno = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char *line = xstrndup(p, len);
		lineno++;
		bool ok = script_line(s, line, lineno, err, errlen);
		free(line);
		if (!ok) {
			script_free(s);
			return NULL;
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return s;
}

struct script *
script_open(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return NULL;
	}
	struct strbuf sb = { 0 };
	char chunk[4096];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_append(&sb, chunk, r);
	fclose(f);
	char msg[256];
	struct script *s = script_parse(sb.buf ? sb.buf : "", msg, sizeof(msg));
	if (!s)
		snprintf(err, errlen, "%s: %s", path, msg);
	strbuf_free(&sb);
	return s;
}

void
script_free(struct script *s)
{
	if (!s)
		return;
	free(s->items);
	free(s);
}

const struct script_item *
script_peek(const struct script *s)
{
	return s->pos < s->n ? &s->items[s->pos] : &s->eof;
}

void
script_next(struct script *s)
{
	if (s->pos < s->n)
		s->pos++;
}

size_t
script_count(const struct script *s)
{
	return s->n;
}
