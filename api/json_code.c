/*
 * api/json_code.c: the streaming select-file decoder (json_code_stream, see api/json.h).
 *
 * A select-file body is {"code": "<the whole file>"} and that one string can be
 * gigabytes, so unlike the other decoders (api/json.c, whole bodies through
 * jansson) this is a hand-written push parser: it validates the JSON grammar
 * with a bounded stack, byte by byte as the transfer delivers them, and writes
 * the decoded "code" text straight to a file descriptor. No jansson here.
 */
#include "api/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "src/base/util.h"

/* ---------------------------------------------------------------------------------------- */
/* Streaming select-file decoder                                                             */

#define CS_BUF_SIZE (64 * 1024)
/* Nesting of skipped values; select-file bodies are flat, so this is generous. */
#define CS_MAX_DEPTH 256

enum cs_state {
	CS_VALUE,	/* a value must start here */
	CS_KEY_OR_END,	/* just after '{' */
	CS_KEY,		/* after ',' inside an object */
	CS_COLON,
	CS_ELEM_OR_END,	/* just after '[' */
	CS_AFTER,	/* after a value: ',' or a closer */
	CS_STRING,
	CS_ESCAPE,	/* after a backslash */
	CS_UHEX,	/* inside the 4 hex digits of \u */
	CS_NUMBER,
	CS_LITERAL,	/* inside true/false/null */
	CS_DONE,	/* the top-level object is closed: only whitespace may follow */
	CS_FAILED,
};

enum cs_string_kind {
	STR_SKIP,	/* a value we do not keep */
	STR_KEY,	/* an object key */
	STR_CODE,	/* the "code" value: decoded to the fd */
};

/* Number grammar states (RFC 8259 section 6). */
enum cs_num {
	NUM_MINUS,	/* after '-': a digit must follow */
	NUM_ZERO,	/* a leading 0: no more integer digits */
	NUM_INT,
	NUM_DOT,	/* after '.': a digit must follow */
	NUM_FRAC,
	NUM_E,		/* after e/E: sign or digit */
	NUM_ESIGN,	/* after the exponent sign: a digit must follow */
	NUM_EXP,
};

struct json_code_stream {
	int fd;
	enum cs_state state;
	enum cs_string_kind str_kind;
	enum cs_num num;
	int depth;
	char stack[CS_MAX_DEPTH];	/* '{' or '[' per open container */
	/* Key matching at depth 1, byte by byte as the key decodes (escapes allowed). */
	size_t key_len;
	bool key_mismatch;
	bool next_is_code;	/* the key just read at depth 1 was "code" */
	bool seen_code;
	bool seen_any;		/* a non-blank byte arrived */
	/* \uXXXX decoding: a high surrogate waits for its low half. */
	unsigned hex_count;
	uint32_t hex_val;
	uint32_t pending_high;
	const char *lit;
	size_t lit_pos;
	/* Position of the byte being parsed, for error messages. */
	int64_t line, col, offset;
	int64_t decoded;	/* decoded bytes emitted */
	char *buf;
	size_t buf_len;
	char error[256];
};

struct json_code_stream *
json_code_stream_new(int fd)
{
	struct json_code_stream *s = xcalloc(1, sizeof(*s));

	s->fd = fd;
	s->state = CS_VALUE;
	s->line = 1;
	s->buf = xmalloc(CS_BUF_SIZE);
	return s;
}

void
json_code_stream_free(struct json_code_stream *s)
{
	if (!s)
		return;
	free(s->buf);
	free(s);
}

const char *
json_code_stream_error(const struct json_code_stream *s)
{
	return s->error;
}

int64_t
json_code_stream_bytes(const struct json_code_stream *s)
{
	return s->decoded;
}

static int
cs_fail(struct json_code_stream *s, const char *what)
{
	if (s->state != CS_FAILED) {
		snprintf(s->error, sizeof(s->error),
			 "the server sent malformed JSON (line %lld, column %lld, byte %lld): %s",
			 (long long)s->line, (long long)s->col, (long long)s->offset, what);
		s->state = CS_FAILED;
	}
	return -1;
}

/* Write the buffer out completely. A signal is no reason to abandon a download, so EINTR
 * retries; everything else is fatal for the stream. */
static int
cs_flush(struct json_code_stream *s)
{
	size_t done = 0;

	while (done < s->buf_len) {
		ssize_t w = write(s->fd, s->buf + done, s->buf_len - done);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			int e = w < 0 ? errno : EIO;
			if (e == ENOSPC || e == EDQUOT)
				snprintf(s->error, sizeof(s->error),
					 "disk full while writing the file (%s); free some space and "
					 "download it again",
					 strerror(e));
			else
				snprintf(s->error, sizeof(s->error),
					 "could not write the downloaded file: %s", strerror(e));
			s->state = CS_FAILED;
			return -1;
		}
		done += (size_t)w;
	}
	s->buf_len = 0;
	return 0;
}

static int
cs_out(struct json_code_stream *s, const char *p, size_t n)
{
	s->decoded += (int64_t)n;
	while (n > 0) {
		size_t room = CS_BUF_SIZE - s->buf_len;
		size_t k = n < room ? n : room;
		memcpy(s->buf + s->buf_len, p, k);
		s->buf_len += k;
		p += k;
		n -= k;
		if (s->buf_len == CS_BUF_SIZE && cs_flush(s) < 0)
			return -1;
	}
	return 0;
}

/* One decoded byte of the current string, routed by what the string is. */
static int
cs_str_bytes(struct json_code_stream *s, const char *p, size_t n)
{
	static const char code_key[] = "code";

	switch (s->str_kind) {
	case STR_CODE:
		return cs_out(s, p, n);
	case STR_KEY:
		for (size_t i = 0; i < n; i++) {
			if (s->key_len >= 4 || p[i] != code_key[s->key_len])
				s->key_mismatch = true;
			if (s->key_len < 4)
				s->key_len++;
		}
		return 0;
	case STR_SKIP:
		return 0;
	}
	return 0;
}

static int
cs_codepoint(struct json_code_stream *s, uint32_t cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xc0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3f));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xe0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[2] = (char)(0x80 | (cp & 0x3f));
		n = 3;
	} else {
		u[0] = (char)(0xf0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
		u[3] = (char)(0x80 | (cp & 0x3f));
		n = 4;
	}
	return cs_str_bytes(s, u, n);
}

/* A high surrogate followed by anything but a low one is a lone surrogate: U+FFFD. */
static int
cs_drop_pending(struct json_code_stream *s)
{
	if (!s->pending_high)
		return 0;
	s->pending_high = 0;
	return cs_codepoint(s, 0xfffd);
}

static int
cs_push(struct json_code_stream *s, char c)
{
	if (s->depth >= CS_MAX_DEPTH)
		return cs_fail(s, "values are nested too deeply");
	s->stack[s->depth++] = c;
	return 0;
}

/* A complete value ended at the current depth. */
static void
cs_value_done(struct json_code_stream *s)
{
	s->state = s->depth == 0 ? CS_DONE : CS_AFTER;
}

static bool
cs_blank(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int
cs_hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
cs_start_value(struct json_code_stream *s, unsigned char c)
{
	bool is_code = s->next_is_code;

	s->next_is_code = false;
	if (s->depth == 0 && c != '{') {
		if (c == '<') {
			/* Not a syntax error worth a position: the route is missing. */
			snprintf(s->error, sizeof(s->error),
				 "the server answered with a web page instead of JSON; this endpoint "
				 "is probably missing on this server (check --server)");
			s->state = CS_FAILED;
			return -1;
		}
		return cs_fail(s, "expected a JSON object with \"code\"");
	}
	if (is_code && c != '"')
		return cs_fail(s, "the \"code\" value is not a string");
	switch (c) {
	case '{':
		s->state = CS_KEY_OR_END;
		return cs_push(s, '{');
	case '[':
		s->state = CS_ELEM_OR_END;
		return cs_push(s, '[');
	case '"':
		s->str_kind = STR_SKIP;
		if (is_code && !s->seen_code) {
			/* A repeated "code" key is skipped: the first one wins. */
			s->str_kind = STR_CODE;
			s->seen_code = true;
		}
		s->state = CS_STRING;
		return 0;
	case 't':
		s->lit = "true";
		break;
	case 'f':
		s->lit = "false";
		break;
	case 'n':
		s->lit = "null";
		break;
	case '-':
		s->num = NUM_MINUS;
		s->state = CS_NUMBER;
		return 0;
	default:
		if (c >= '0' && c <= '9') {
			s->num = c == '0' ? NUM_ZERO : NUM_INT;
			s->state = CS_NUMBER;
			return 0;
		}
		return cs_fail(s, "expected a value");
	}
	s->lit_pos = 1;
	s->state = CS_LITERAL;
	return 0;
}

static void
cs_start_key(struct json_code_stream *s)
{
	s->str_kind = STR_KEY;
	s->key_len = 0;
	s->key_mismatch = false;
	s->state = CS_STRING;
}

/* Advance the number grammar by c. Returns 1 if c belongs to the number, 0 if the
 * number ended before c (c must be parsed again), -1 on error. */
static int
cs_number(struct json_code_stream *s, unsigned char c)
{
	bool digit = c >= '0' && c <= '9';

	switch (s->num) {
	case NUM_MINUS:
		if (!digit)
			return cs_fail(s, "a digit must follow '-'");
		s->num = c == '0' ? NUM_ZERO : NUM_INT;
		return 1;
	case NUM_ZERO:
	case NUM_INT:
		if (digit && s->num == NUM_INT)
			return 1;
		if (digit)
			return cs_fail(s, "a number cannot have leading zeros");
		if (c == '.') {
			s->num = NUM_DOT;
			return 1;
		}
		if (c == 'e' || c == 'E') {
			s->num = NUM_E;
			return 1;
		}
		return 0;
	case NUM_DOT:
		if (!digit)
			return cs_fail(s, "a digit must follow '.'");
		s->num = NUM_FRAC;
		return 1;
	case NUM_FRAC:
		if (digit)
			return 1;
		if (c == 'e' || c == 'E') {
			s->num = NUM_E;
			return 1;
		}
		return 0;
	case NUM_E:
		if (c == '+' || c == '-') {
			s->num = NUM_ESIGN;
			return 1;
		}
		/* fall through */
	case NUM_ESIGN:
		if (!digit)
			return cs_fail(s, "a digit must follow the exponent");
		s->num = NUM_EXP;
		return 1;
	case NUM_EXP:
		return digit ? 1 : 0;
	}
	return cs_fail(s, "bad number");
}

static int
cs_escape(struct json_code_stream *s, unsigned char c)
{
	char out;

	switch (c) {
	case '"':
	case '\\':
	case '/':
		out = (char)c;
		break;
	case 'b':
		out = '\b';
		break;
	case 'f':
		out = '\f';
		break;
	case 'n':
		out = '\n';
		break;
	case 'r':
		out = '\r';
		break;
	case 't':
		out = '\t';
		break;
	case 'u':
		s->hex_count = 0;
		s->hex_val = 0;
		s->state = CS_UHEX;
		return 0;	/* a pending high surrogate may still be completed */
	default:
		return cs_fail(s, "invalid escape sequence in a string");
	}
	s->state = CS_STRING;
	if (cs_drop_pending(s) < 0)
		return -1;
	return cs_str_bytes(s, &out, 1);
}

static int
cs_uhex_done(struct json_code_stream *s)
{
	uint32_t cp = s->hex_val;

	s->state = CS_STRING;
	if (s->pending_high) {
		if (cp >= 0xdc00 && cp <= 0xdfff) {
			uint32_t full = 0x10000 + ((s->pending_high - 0xd800) << 10) + (cp - 0xdc00);
			s->pending_high = 0;
			return cs_codepoint(s, full);
		}
		if (cs_drop_pending(s) < 0)
			return -1;
	}
	if (cp >= 0xd800 && cp <= 0xdbff) {
		s->pending_high = cp;
		return 0;
	}
	if (cp >= 0xdc00 && cp <= 0xdfff)
		cp = 0xfffd;	/* a low half with no high half before it */
	return cs_codepoint(s, cp);
}

/* Parse one byte outside the fast path. */
static int
cs_byte(struct json_code_stream *s, unsigned char c)
{
again:
	switch (s->state) {
	case CS_FAILED:
		return -1;
	case CS_DONE:
		if (cs_blank(c))
			return 0;
		return cs_fail(s, "unexpected data after the end of the JSON body");
	case CS_VALUE:
		if (cs_blank(c))
			return 0;
		return cs_start_value(s, c);
	case CS_KEY_OR_END:
		if (cs_blank(c))
			return 0;
		if (c == '}') {
			s->depth--;
			cs_value_done(s);
			return 0;
		}
		/* fall through */
	case CS_KEY:
		if (cs_blank(c))
			return 0;
		if (c != '"')
			return cs_fail(s, "expected a quoted key");
		cs_start_key(s);
		return 0;
	case CS_COLON:
		if (cs_blank(c))
			return 0;
		if (c != ':')
			return cs_fail(s, "expected ':' after a key");
		s->state = CS_VALUE;
		return 0;
	case CS_ELEM_OR_END:
		if (cs_blank(c))
			return 0;
		if (c == ']') {
			s->depth--;
			cs_value_done(s);
			return 0;
		}
		s->state = CS_VALUE;
		goto again;
	case CS_AFTER:
		if (cs_blank(c))
			return 0;
		if (c == ',') {
			s->state = s->stack[s->depth - 1] == '{' ? CS_KEY : CS_VALUE;
			return 0;
		}
		if ((c == '}' && s->stack[s->depth - 1] == '{') ||
		    (c == ']' && s->stack[s->depth - 1] == '[')) {
			s->depth--;
			cs_value_done(s);
			return 0;
		}
		return cs_fail(s, "expected ',' or a closing bracket");
	case CS_STRING:
		if (c == '"') {
			if (cs_drop_pending(s) < 0)
				return -1;
			if (s->str_kind == STR_KEY) {
				if (s->depth == 1)
					s->next_is_code = !s->key_mismatch && s->key_len == 4;
				s->state = CS_COLON;
			} else {
				cs_value_done(s);
			}
			return 0;
		}
		if (c == '\\') {
			s->state = CS_ESCAPE;
			return 0;
		}
		if (c < 0x20)
			return cs_fail(s, "a control character inside a string must be escaped");
		if (cs_drop_pending(s) < 0)
			return -1;
		return cs_str_bytes(s, (const char *)&c, 1);
	case CS_ESCAPE:
		return cs_escape(s, c);
	case CS_UHEX: {
		int h = cs_hexval(c);
		if (h < 0)
			return cs_fail(s, "\\u must be followed by 4 hex digits");
		s->hex_val = (s->hex_val << 4) | (uint32_t)h;
		if (++s->hex_count == 4)
			return cs_uhex_done(s);
		return 0;
	}
	case CS_NUMBER: {
		int r = cs_number(s, c);
		if (r < 0)
			return -1;
		if (r == 0) {
			cs_value_done(s);
			goto again;
		}
		return 0;
	}
	case CS_LITERAL:
		if (c != (unsigned char)s->lit[s->lit_pos])
			return cs_fail(s, "expected true, false or null");
		if (s->lit[++s->lit_pos] == '\0')
			cs_value_done(s);
		return 0;
	}
	return cs_fail(s, "internal parser state");
}

int
json_code_stream_feed(struct json_code_stream *s, const char *buf, size_t len)
{
	size_t i = 0;

	if (s->state == CS_FAILED)
		return -1;
	while (i < len) {
		/* Fast path: a run of plain bytes inside a string is copied in one go, so
		 * a big file costs a memcpy per run instead of a call per byte. Raw bytes
		 * are passed through as sent (the server sends UTF-8). */
		if (s->state == CS_STRING && !s->pending_high) {
			size_t j = i;
			while (j < len && buf[j] != '"' && buf[j] != '\\' &&
			       (unsigned char)buf[j] >= 0x20)
				j++;
			if (j > i) {
				if (cs_str_bytes(s, buf + i, j - i) < 0)
					return -1;
				s->col += (int64_t)(j - i);
				s->offset += (int64_t)(j - i);
				i = j;
				continue;
			}
		}
		unsigned char c = (unsigned char)buf[i];
		s->col++;
		if (!cs_blank(c))
			s->seen_any = true;
		if (cs_byte(s, c) < 0)
			return -1;
		s->offset++;
		if (c == '\n') {
			s->line++;
			s->col = 0;
		}
		i++;
	}
	return 0;
}

int
json_code_stream_finish(struct json_code_stream *s)
{
	if (s->state == CS_FAILED)
		return -1;
	if (s->state != CS_DONE) {
		if (!s->seen_any)
			snprintf(s->error, sizeof(s->error),
				 "the server sent an empty answer where the file was expected");
		else
			snprintf(s->error, sizeof(s->error),
				 "the file download was cut off after %lld bytes of the answer",
				 (long long)s->offset);
		s->state = CS_FAILED;
		return -1;
	}
	if (!s->seen_code) {
		snprintf(s->error, sizeof(s->error),
			 "the server's answer has no \"code\" field with the file text");
		s->state = CS_FAILED;
		return -1;
	}
	return cs_flush(s);
}
