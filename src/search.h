/*
 * src/search.h: case-insensitive substring matching for the browser's
 * searches and filters (libc only).
 *
 * Owns: a prepared pattern (the needle folded to ASCII lower case, and an
 * anchor: its rarest byte by a fixed text-frequency table), and the scan
 * that looks for that anchor with memchr() and compares the rest folded.
 * Only ASCII letters fold, as strncasecmp() does in the C.UTF-8 locale, so
 * results are the same as the byte-at-a-time strncasecmp scan it replaces;
 * memchr() runs many bytes per cycle where that scan ran one comparison per
 * byte (docs/performance.md, "Search at scale").
 */
#ifndef OHBROWSE_SRC_SEARCH_H
#define OHBROWSE_SRC_SEARCH_H

#include <stdbool.h>
#include <stddef.h>

struct search_pattern {
	char *fold;		/* the needle in lower case, NUL-terminated */
	size_t len;
	size_t anchor;		/* index in fold of the byte memchr() looks for */
	unsigned char anchor_lo, anchor_up;	/* that byte in both cases (equal if not a letter) */
};

/* needle NULL or "" gives the empty pattern, which every text contains. */
void search_pattern_init(struct search_pattern *p, const char *needle);
void search_pattern_free(struct search_pattern *p);
/* Does hay (n bytes, or NUL-terminated when n is (size_t)-1) contain the pattern? */
bool search_match(const struct search_pattern *p, const char *hay, size_t n);
/* One-shot: does hay contain needle, ignoring ASCII case? (NULL hay: only "" matches.) */
bool search_contains(const char *hay, const char *needle);
/* Is needle (case-insensitively) a substring of text? Then whatever text matches,
 * needle matches too: the rule that lets a longer search test only the rows of a shorter one. */
bool search_narrows(const char *needle, const char *text);

#endif
