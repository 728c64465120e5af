/* tui/keys.c: key names <-> key codes (see keys.h). */
#include "tui/keys.h"

#include <curses.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <wchar.h>

const int keys_up = KEYS_FN(KEY_UP);
const int keys_down = KEYS_FN(KEY_DOWN);
const int keys_left = KEYS_FN(KEY_LEFT);
const int keys_right = KEYS_FN(KEY_RIGHT);
const int keys_pgup = KEYS_FN(KEY_PPAGE);
const int keys_pgdown = KEYS_FN(KEY_NPAGE);
const int keys_home = KEYS_FN(KEY_HOME);
const int keys_end = KEYS_FN(KEY_END);
const int keys_backspace = KEYS_FN(KEY_BACKSPACE);
const int keys_delete = KEYS_FN(KEY_DC);
const int keys_btab = KEYS_FN(KEY_BTAB);
const int keys_resize = KEYS_FN(KEY_RESIZE);
const int keys_mouse = KEYS_FN(KEY_MOUSE);

struct key_name {
	const char *name;
	int code;
};

/* The first entry for a code is its canonical name; later ones are aliases. */
static const struct key_name key_names[] = {
	{ "Enter", KEYS_ENTER },
	{ "Return", KEYS_ENTER },
	{ "Esc", KEYS_ESC },
	{ "Escape", KEYS_ESC },
	{ "Space", ' ' },
	{ "Tab", KEYS_TAB },
	{ "Lt", '<' },
	{ "BackTab", KEYS_FN(KEY_BTAB) },
	{ "S-Tab", KEYS_FN(KEY_BTAB) },
	{ "Backspace", KEYS_FN(KEY_BACKSPACE) },
	{ "Up", KEYS_FN(KEY_UP) },
	{ "Down", KEYS_FN(KEY_DOWN) },
	{ "Left", KEYS_FN(KEY_LEFT) },
	{ "Right", KEYS_FN(KEY_RIGHT) },
	{ "PgUp", KEYS_FN(KEY_PPAGE) },
	{ "PageUp", KEYS_FN(KEY_PPAGE) },
	{ "PgDown", KEYS_FN(KEY_NPAGE) },
	{ "PageDown", KEYS_FN(KEY_NPAGE) },
	{ "PgDn", KEYS_FN(KEY_NPAGE) },
	{ "Home", KEYS_FN(KEY_HOME) },
	{ "End", KEYS_FN(KEY_END) },
	{ "Insert", KEYS_FN(KEY_IC) },
	{ "Del", KEYS_FN(KEY_DC) },
	{ "Delete", KEYS_FN(KEY_DC) },
};

static int
keys_lookup_name(const char *name, size_t len)
{
	for (size_t i = 0; i < (sizeof(key_names) / sizeof(key_names[0])); i++)
		if (strlen(key_names[i].name) == len && strncasecmp(key_names[i].name, name, len) == 0)
			return key_names[i].code;
	/* F1..F63 */
	if ((name[0] == 'F' || name[0] == 'f') && len >= 2 && len <= 3) {
		int n = 0;
		for (size_t i = 1; i < len; i++) {
			if (name[i] < '0' || name[i] > '9')
				return KEYS_NONE;
			n = n * 10 + (name[i] - '0');
		}
		if (n >= 1 && n <= 63)
			return KEYS_FN(KEY_F(n));
	}
	return KEYS_NONE;
}

/* Decode one UTF-8 character; returns its length or 0 when invalid. */
static size_t
keys_utf8_decode(const char *s, int *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	if (u[0] < 0x80) {
		*cp = u[0];
		return u[0] ? 1 : 0;
	}
	size_t n = (u[0] & 0xe0) == 0xc0 ? 2 : (u[0] & 0xf0) == 0xe0 ? 3 : (u[0] & 0xf8) == 0xf0 ? 4 : 0;
	if (n == 0)
		return 0;
	int c = u[0] & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((u[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (u[i] & 0x3f);
	}
	*cp = c;
	return n;
}

int
keys_parse_next(const char **sp)
{
	const char *s = *sp;
	if (!s || !*s)
		return KEYS_NONE;
	if (s[0] == '<' && s[1] != '\0') {
		const char *close = strchr(s + 1, '>');
		if (close == s + 1) /* "<>" is '<' followed by '>' */
			close = NULL;
		if (close) {
			const char *name = s + 1;
			size_t len = (size_t)(close - name);
			int code = KEYS_NONE;
			if (len >= 3 && (name[0] == 'C' || name[0] == 'c') && name[1] == '-') {
				int cp;
				size_t n = keys_utf8_decode(name + 2, &cp);
				if (n == len - 2 && cp < 0x80) {
					if (cp >= 'A' && cp <= 'Z')
						cp += 'a' - 'A';
					if ((cp >= 'a' && cp <= 'z') || strchr("@[\\]^_", cp))
						code = KEYS_CTRL(cp);
				}
			} else {
				code = keys_lookup_name(name, len);
			}
			if (code != KEYS_NONE) {
				*sp = close + 1;
				return code;
			}
			/* A single character in brackets ("<j>") is that character. */
			int cp;
			size_t n = keys_utf8_decode(name, &cp);
			if (n && n == len) {
				*sp = close + 1;
				return cp;
			}
			return KEYS_NONE;
		}
	}
	int cp;
	size_t n = keys_utf8_decode(s, &cp);
	if (n == 0 || cp < 0x20 || cp == 0x7f)
		return KEYS_NONE;
	*sp = s + n;
	return cp;
}

int
keys_parse(const char *name)
{
	const char *s = name;
	int code = keys_parse_next(&s);
	if (code == KEYS_NONE || *s != '\0')
		return KEYS_NONE;
	return code;
}

void
keys_name(int code, char *buf, size_t n)
{
	if (n == 0)
		return;
	for (size_t i = 0; i < (sizeof(key_names) / sizeof(key_names[0])); i++) {
		if (key_names[i].code == code) {
			snprintf(buf, n, "<%s>", key_names[i].name);
			return;
		}
	}
	if (code >= KEYS_FN_BASE) {
		int k = code - KEYS_FN_BASE;
		if (k >= KEY_F(1) && k <= KEY_F(63))
			snprintf(buf, n, "<F%d>", k - KEY_F0);
		else
			snprintf(buf, n, "<Key%d>", k);
		return;
	}
	if (code >= 1 && code < 0x20) {
		snprintf(buf, n, "<C-%c>", code == 0 ? '@' : (code < 27 ? 'a' + code - 1 : "[\\]^_"[code - 27]));
		return;
	}
	if (code <= 0 || code == 0x7f || code > 0x10ffff) {
		snprintf(buf, n, "<Key%d>", code);
		return;
	}
	char tmp[8];
	unsigned c = (unsigned)code;
	size_t len;
	if (c < 0x80) {
		tmp[0] = (char)c;
		len = 1;
	} else if (c < 0x800) {
		tmp[0] = (char)(0xc0 | (c >> 6));
		tmp[1] = (char)(0x80 | (c & 0x3f));
		len = 2;
	} else if (c < 0x10000) {
		tmp[0] = (char)(0xe0 | (c >> 12));
		tmp[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		tmp[2] = (char)(0x80 | (c & 0x3f));
		len = 3;
	} else {
		tmp[0] = (char)(0xf0 | (c >> 18));
		tmp[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		tmp[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		tmp[3] = (char)(0x80 | (c & 0x3f));
		len = 4;
	}
	tmp[len] = '\0';
	snprintf(buf, n, "%s", tmp);
}

int
keys_from_curses(int ch, bool is_fn)
{
	if (is_fn) {
		if (ch == KEY_ENTER)
			return KEYS_ENTER;
		return KEYS_FN(ch);
	}
	if (ch == '\r')
		return KEYS_ENTER;
	if (ch == 0x7f || ch == 8)
		return KEYS_FN(KEY_BACKSPACE);
	return ch;
}

int
keys_from_escape(const char *seq)
{
	if (!seq || (seq[0] != '[' && seq[0] != 'O'))
		return KEYS_NONE;
	const char *p = seq + 1;
	int num = 0;
	bool have_num = false;
	while (*p >= '0' && *p <= '9') {
		num = num * 10 + (*p - '0');
		have_num = true;
		p++;
	}
	while (*p == ';' || (*p >= '0' && *p <= '9'))
		p++;	/* modifiers (";5") are ignored: Ctrl-End is End */
	if (!*p || p[1])
		return KEYS_NONE;
	switch (*p) {
	case 'A': return keys_up;
	case 'B': return keys_down;
	case 'C': return keys_right;
	case 'D': return keys_left;
	case 'H': return keys_home;
	case 'F': return keys_end;
	case 'Z': return keys_btab;
	case '~':
		if (!have_num)
			return KEYS_NONE;
		switch (num) {
		case 1: case 7: return keys_home;
		case 4: case 8: return keys_end;
		case 3: return keys_delete;
		case 5: return keys_pgup;
		case 6: return keys_pgdown;
		default: return KEYS_NONE;
		}
	default:
		return KEYS_NONE;
	}
}
