/*
 * tui/text.h: display-width aware text helpers (pure; no curses).
 *
 * Widths are terminal columns from wcwidth() under the current locale, so a
 * CJK character counts 2 and a combining mark 0. Invalid UTF-8 bytes and
 * control characters are shown as '?' (one column) rather than passed to the
 * terminal. The caller must have called setlocale(LC_ALL, "") first.
 */
#ifndef OHBROWSE_TUI_TEXT_H
#define OHBROWSE_TUI_TEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Display width of a UTF-8 string. */
int text_width(const char *s);

/*
 * Write s into out (size outsz) fitted to exactly width columns: cut with an
 * ellipsis ("…", or "~" when !utf8) when too wide, padded with spaces when
 * pad is true. align_right puts the padding first. Returns the columns used.
 * outsz of 4 * width + 8 is always enough.
 */
int text_fit(char *out, size_t outsz, const char *s, int width, bool pad, bool align_right,
	     bool utf8);

/* "just now", "5 min ago", "3 h ago", "2 d ago", "4 mo ago", "2 y ago"; "-" when t < 0. */
void text_ago(char *buf, size_t n, int64_t t, int64_t now);

/* "0 B", "512 B", "1.2 KiB", "3.4 MiB", "1.0 GiB"; "?" for a negative size. */
void text_size(char *buf, size_t n, int64_t bytes);

/*
 * Word-wrap s to width columns: calls out(ud, start, len) once per display line,
 * with len bytes from start (no newline). Breaks at spaces, splits a word wider
 * than a line, keeps '\n' as a hard break (an empty line stays a line). Returns
 * the number of lines.
 */
size_t text_wrap(const char *s, int width, void (*out)(void *ud, const char *start, size_t len),
		 void *ud);

/* True when the current locale's codeset is UTF-8. */
bool text_locale_utf8(void);

#endif
