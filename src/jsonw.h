/*
 * src/jsonw.h: a tiny JSON writer for our own output (CLI --json, --progress=json,
 * conversation_metadata.json). It only writes; parsing stays in api/json.c.
 *
 * Strings are escaped per RFC 8259; bytes that are not valid UTF-8 are written as
 * U+FFFD so the output is always valid JSON. Commas are inserted automatically.
 */
#ifndef OHBROWSE_SRC_JSONW_H
#define OHBROWSE_SRC_JSONW_H

#include <stdbool.h>
#include <stdint.h>

#include "src/base/util.h"

struct jsonw {
	struct strbuf *out;
	int depth;
	bool need_comma[64];
	bool pretty;
	bool pending_key;	/* a key was written: the next value follows it directly */
};

void jsonw_init(struct jsonw *w, struct strbuf *out, bool pretty);
void jsonw_obj_begin(struct jsonw *w);
void jsonw_obj_end(struct jsonw *w);
void jsonw_arr_begin(struct jsonw *w);
void jsonw_arr_end(struct jsonw *w);
void jsonw_key(struct jsonw *w, const char *key);
void jsonw_str(struct jsonw *w, const char *s);	/* NULL writes null */
void jsonw_strn(struct jsonw *w, const char *s, size_t n);
void jsonw_int(struct jsonw *w, int64_t v);
void jsonw_int_or_null(struct jsonw *w, int64_t v);	/* v < 0 writes null */
void jsonw_num(struct jsonw *w, double v);
void jsonw_bool(struct jsonw *w, bool v);
void jsonw_null(struct jsonw *w);
/* key + value shorthands */
void jsonw_kstr(struct jsonw *w, const char *key, const char *s);
void jsonw_kint(struct jsonw *w, const char *key, int64_t v);

#endif
