/*
 * src/base/util.h: small helpers shared by every layer (libc only).
 *
 * Owns: the allocation wrappers that die on out-of-memory, a growable byte
 * buffer (struct strbuf), the monotonic clock, and die(). Nothing here may
 * include curses, curl, jansson or libarchive: api/, archive/ and tui/ all
 * link this library, so it must stay dependency-free.
 */
#ifndef OHBROWSE_SRC_UTIL_H
#define OHBROWSE_SRC_UTIL_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/* Allocation: never return NULL; out of memory calls die(). */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);		/* NULL in, NULL out */
char *xstrndup(const char *s, size_t n);
char *xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A growable buffer, always NUL-terminated when buf != NULL. */
struct strbuf {
	char *buf;
	size_t len;
	size_t cap;
};
void strbuf_append(struct strbuf *sb, const void *data, size_t n);
void strbuf_puts(struct strbuf *sb, const char *s);
void strbuf_putc(struct strbuf *sb, char c);
void strbuf_printf(struct strbuf *sb, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void strbuf_reset(struct strbuf *sb);
void strbuf_free(struct strbuf *sb);
char *strbuf_detach(struct strbuf *sb);	/* caller frees; sb is left empty */

/* Monotonic milliseconds. OHBROWSE_NOW does not affect it (that pins wall time only). */
int64_t clock_now_ms(void);
/* Wall-clock seconds since the epoch; OHBROWSE_NOW=<ISO 8601 UTC> pins it for tests. */
int64_t clock_wall_s(void);
/* Parse an ISO 8601 UTC timestamp ("2025-11-24T23:40:12.489661Z", fraction and Z optional,
 * also "+00:00"); returns -1 when it cannot be parsed. */
int64_t time_parse_iso(const char *s);

/* "just now", "5 min ago", "3 h ago", "2 d ago", "4 mo ago", "2 y ago"; "-" when t < 0.
 * One wording for the browser and the command line (issue 14, item 14). */
void time_ago(char *buf, size_t n, int64_t t, int64_t now);

/* Called by die() before it prints, so the terminal can be restored first. */
void die_set_hook(void (*hook)(void));
__attribute__((noreturn, format(printf, 1, 2))) void die(const char *fmt, ...);

/* True when s is valid UTF-8 (no overlongs, no surrogates). */
bool utf8_valid(const char *s, size_t n);
/* A path with a ".." component ('/' or '\\' separated): sent to a server, it would leave the
 * directory it is relative to. */
bool path_has_dotdot(const char *p, size_t n);

#endif
