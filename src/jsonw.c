/* src/jsonw.c: see jsonw.h. */
#include "src/jsonw.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

void
jsonw_init(struct jsonw *w, struct strbuf *out, bool pretty)
{
	memset(w, 0, sizeof(*w));
	w->out = out;
	w->pretty = pretty;
}

static void
indent(struct jsonw *w)
{
	if (!w->pretty)
		return;
	strbuf_putc(w->out, '\n');
	for (int i = 0; i < w->depth; i++)
		strbuf_puts(w->out, "  ");
}

/* Before any value or key at the current depth. */
static void
sep(struct jsonw *w)
{
	if (w->need_comma[w->depth])
		strbuf_putc(w->out, ',');
	w->need_comma[w->depth] = true;
}

static void
value_prefix(struct jsonw *w, bool after_key)
{
	if (!after_key) {
		sep(w);
		if (w->depth > 0)
			indent(w);
	}
}

static void
open_(struct jsonw *w, char c)
{
	value_prefix(w, w->pending_key);
	w->pending_key = false;
	strbuf_putc(w->out, c);
	if (w->depth < 63)
		w->depth++;
	w->need_comma[w->depth] = false;
}

static void
close_(struct jsonw *w, char c)
{
	bool had = w->need_comma[w->depth];

	if (w->depth > 0)
		w->depth--;
	if (had)
		indent(w);
	strbuf_putc(w->out, c);
}

void
jsonw_obj_begin(struct jsonw *w)
{
	open_(w, '{');
}

void
jsonw_obj_end(struct jsonw *w)
{
	close_(w, '}');
}

void
jsonw_arr_begin(struct jsonw *w)
{
	open_(w, '[');
}

void
jsonw_arr_end(struct jsonw *w)
{
	close_(w, ']');
}

static void
put_escaped(struct strbuf *o, const char *s, size_t n)
{
	strbuf_putc(o, '"');
	for (size_t i = 0; i < n;) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x80) {
			switch (c) {
			case '"': strbuf_puts(o, "\\\""); break;
			case '\\': strbuf_puts(o, "\\\\"); break;
			case '\n': strbuf_puts(o, "\\n"); break;
			case '\r': strbuf_puts(o, "\\r"); break;
			case '\t': strbuf_puts(o, "\\t"); break;
			default:
				if (c < 0x20)
					strbuf_printf(o, "\\u%04x", c);
				else
					strbuf_putc(o, (char)c);
			}
			i++;
			continue;
		}
		size_t len = (c & 0xe0) == 0xc0 ? 2 : (c & 0xf0) == 0xe0 ? 3 : (c & 0xf8) == 0xf0 ? 4 : 0;
		if (len && i + len <= n && utf8_valid(s + i, len)) {
			strbuf_append(o, s + i, len);
			i += len;
		} else {
			strbuf_puts(o, "\xef\xbf\xbd");	/* U+FFFD */
			i++;
		}
	}
	strbuf_putc(o, '"');
}

void
jsonw_key(struct jsonw *w, const char *key)
{
	sep(w);
	indent(w);
	put_escaped(w->out, key, strlen(key));
	strbuf_puts(w->out, w->pretty ? ": " : ":");
	w->pending_key = true;
}

static void
scalar_prefix(struct jsonw *w)
{
	value_prefix(w, w->pending_key);
	w->pending_key = false;
}

void
jsonw_strn(struct jsonw *w, const char *s, size_t n)
{
	scalar_prefix(w);
	put_escaped(w->out, s, n);
}

void
jsonw_str(struct jsonw *w, const char *s)
{
	if (!s) {
		jsonw_null(w);
		return;
	}
	jsonw_strn(w, s, strlen(s));
}

void
jsonw_int(struct jsonw *w, int64_t v)
{
	scalar_prefix(w);
	strbuf_printf(w->out, "%lld", (long long)v);
}

void
jsonw_int_or_null(struct jsonw *w, int64_t v)
{
	if (v < 0)
		jsonw_null(w);
	else
		jsonw_int(w, v);
}

void
jsonw_num(struct jsonw *w, double v)
{
	scalar_prefix(w);
	if (isfinite(v))
		strbuf_printf(w->out, "%.6g", v);
	else
		strbuf_puts(w->out, "null");
}

void
jsonw_bool(struct jsonw *w, bool v)
{
	scalar_prefix(w);
	strbuf_puts(w->out, v ? "true" : "false");
}

void
jsonw_null(struct jsonw *w)
{
	scalar_prefix(w);
	strbuf_puts(w->out, "null");
}

void
jsonw_kstr(struct jsonw *w, const char *key, const char *s)
{
	jsonw_key(w, key);
	jsonw_str(w, s);
}

void
jsonw_kint(struct jsonw *w, const char *key, int64_t v)
{
	jsonw_key(w, key);
	jsonw_int(w, v);
}
