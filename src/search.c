/* src/search.c: case-insensitive substring matching (see search.h). */
#include "src/search.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"

static unsigned char
search_lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + ('a' - 'A')) : c;
}

/* How often a byte turns up in conversation text (English, code, logs), roughly: a letter
 * costs twice, as memchr() has to look for both of its cases. Lower is a better anchor. */
static unsigned
search_cost(unsigned char c)
{
	/* English letter frequencies per mille, a..z */
	static const unsigned char letter[26] = {
		82, 15, 28, 43, 127, 22, 20, 61, 70, 2, 8, 40, 24,
		67, 75, 19, 1, 60, 63, 91, 28, 10, 24, 2, 20, 1,
	};
	if (c >= 'a' && c <= 'z')
		return 2u * letter[c - 'a'] + 2;
	if (c == ' ')
		return 180;
	if (c == '\n' || c == '_' || c == '.' || c == '/' || c == '-' || c == '"' || c == ',')
		return 30;
	if (c >= '0' && c <= '9')
		return 12;
	return 6;
}

void
search_pattern_init(struct search_pattern *p, const char *needle)
{
	memset(p, 0, sizeof(*p));
	p->len = needle ? strlen(needle) : 0;
	p->fold = xmalloc(p->len + 1);
	unsigned best = UINT32_MAX;
	for (size_t i = 0; i < p->len; i++) {
		p->fold[i] = (char)search_lower((unsigned char)needle[i]);
		unsigned cost = search_cost((unsigned char)p->fold[i]);
		if (cost < best) {
			best = cost;
			p->anchor = i;
		}
	}
	p->fold[p->len] = '\0';
	p->anchor_lo = (unsigned char)p->fold[p->anchor];
	p->anchor_up = p->anchor_lo >= 'a' && p->anchor_lo <= 'z' ? (unsigned char)(p->anchor_lo - ('a' - 'A'))
								   : p->anchor_lo;
}

void
search_pattern_free(struct search_pattern *p)
{
	free(p->fold);
	memset(p, 0, sizeof(*p));
}

/* Does the needle start at s (len bytes are there)? */
static bool
search_at(const struct search_pattern *p, const char *s)
{
	for (size_t i = 0; i < p->len; i++)
		if (search_lower((unsigned char)s[i]) != (unsigned char)p->fold[i])
			return false;
	return true;
}

bool
search_match(const struct search_pattern *p, const char *hay, size_t n)
{
	if (p->len == 0)
		return true;
	if (!hay)
		return false;
	if (n == (size_t)-1)
		n = strlen(hay);
	if (n < p->len)
		return false;
	/* The anchor can sit at hay[anchor] .. hay[n - len + anchor]. */
	const char *s = hay + p->anchor, *end = hay + (n - p->len) + p->anchor + 1;
	if (p->anchor_lo == p->anchor_up) {
		while (s < end && (s = memchr(s, p->anchor_lo, (size_t)(end - s))) != NULL) {
			if (search_at(p, s - p->anchor))
				return true;
			s++;
		}
		return false;
	}
	/* A letter: follow the next lower-case and the next upper-case occurrence side by side. */
	const char *lo = memchr(s, p->anchor_lo, (size_t)(end - s));
	const char *up = memchr(s, p->anchor_up, (size_t)(end - s));
	while (lo || up) {
		bool take_lo = lo && (!up || lo < up);
		const char *c = take_lo ? lo : up;
		if (search_at(p, c - p->anchor))
			return true;
		if (take_lo)
			lo = memchr(c + 1, p->anchor_lo, (size_t)(end - c - 1));
		else
			up = memchr(c + 1, p->anchor_up, (size_t)(end - c - 1));
	}
	return false;
}

bool
search_contains(const char *hay, const char *needle)
{
	if (!needle || !*needle)
		return true;
	struct search_pattern p;
	search_pattern_init(&p, needle);
	bool r = search_match(&p, hay, (size_t)-1);
	search_pattern_free(&p);
	return r;
}

bool
search_narrows(const char *needle, const char *text)
{
	return search_contains(text, needle);
}
