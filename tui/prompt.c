/* tui/prompt.c: confirm and input states (see prompt.h). */
#include "tui/prompt.h"

#include <stdio.h>
#include <string.h>

#include "tui/keys.h"
#include "tui/line.h"
#include "tui/text.h"
#include "tui/tui.h"

void
prompt_confirm(struct prompt *p, int purpose, const char *label, const char *extra)
{
	memset(p, 0, sizeof(*p));
	p->kind = PROMPT_CONFIRM;
	p->purpose = purpose;
	snprintf(p->label, sizeof(p->label), "%s", label);
	snprintf(p->extra, sizeof(p->extra), "%s", extra ? extra : "");
}

void
prompt_input(struct prompt *p, int purpose, const char *label, const char *initial, bool hidden)
{
	memset(p, 0, sizeof(*p));
	p->kind = PROMPT_INPUT;
	p->purpose = purpose;
	p->hidden = hidden;
	snprintf(p->label, sizeof(p->label), "%s", label);
	snprintf(p->text, sizeof(p->text), "%s", initial ? initial : "");
}

void
prompt_close(struct prompt *p)
{
	/* Wipe the text: it may have been a key. */
	memset(p, 0, sizeof(*p));
}

bool
prompt_open(const struct prompt *p)
{
	return p->kind != PROMPT_NONE;
}

/* Remove the last UTF-8 character. */
static void
prompt_backspace(struct prompt *p)
{
	size_t n = strlen(p->text);
	while (n > 0) {
		n--;
		if (((unsigned char)p->text[n] & 0xc0) != 0x80)
			break;
	}
	p->text[n] = '\0';
}

static bool
prompt_insert(struct prompt *p, int cp)
{
	char buf[8];
	size_t n;
	unsigned c = (unsigned)cp;
	if (c < 0x80) {
		buf[0] = (char)c;
		n = 1;
	} else if (c < 0x800) {
		buf[0] = (char)(0xc0 | (c >> 6));
		buf[1] = (char)(0x80 | (c & 0x3f));
		n = 2;
	} else if (c < 0x10000) {
		buf[0] = (char)(0xe0 | (c >> 12));
		buf[1] = (char)(0x80 | ((c >> 6) & 0x3f));
		buf[2] = (char)(0x80 | (c & 0x3f));
		n = 3;
	} else {
		buf[0] = (char)(0xf0 | (c >> 18));
		buf[1] = (char)(0x80 | ((c >> 12) & 0x3f));
		buf[2] = (char)(0x80 | ((c >> 6) & 0x3f));
		buf[3] = (char)(0x80 | (c & 0x3f));
		n = 4;
	}
	size_t len = strlen(p->text);
	if (len + n + 1 > sizeof(p->text))
		return false;
	memcpy(p->text + len, buf, n);
	p->text[len + n] = '\0';
	return true;
}

enum prompt_result
prompt_key(struct prompt *p, int key)
{
	p->last_key = key;
	if (p->kind == PROMPT_CONFIRM) {
		if (key == 'y' || key == 'Y' || key == KEYS_ENTER)
			return PROMPT_ACCEPT;
		if (key == 'n' || key == 'N' || key == KEYS_ESC || key == 'q' || key == KEYS_CTRL('c'))
			return PROMPT_CANCEL;
		if (key > 0 && key < 0x80 && p->extra[0] && strchr(p->extra, key))
			return PROMPT_EXTRA;
		return PROMPT_CONTINUE;
	}
	if (p->kind != PROMPT_INPUT)
		return PROMPT_CANCEL;
	if (key == KEYS_ENTER)
		return PROMPT_ACCEPT;
	if (key == KEYS_ESC || key == KEYS_CTRL('c') || key == KEYS_CTRL('g'))
		return PROMPT_CANCEL;
	if (key == keys_backspace || key == KEYS_CTRL('h')) {
		if (!p->text[0])
			return PROMPT_CONTINUE;
		prompt_backspace(p);
		return PROMPT_CHANGED;
	}
	if (key == KEYS_CTRL('u')) {
		p->text[0] = '\0';
		return PROMPT_CHANGED;
	}
	if (key == KEYS_CTRL('w')) {
		size_t n = strlen(p->text);
		while (n > 0 && p->text[n - 1] == ' ')
			n--;
		while (n > 0 && p->text[n - 1] != ' ')
			n--;
		p->text[n] = '\0';
		return PROMPT_CHANGED;
	}
	if (key >= 0x20 && key != 0x7f && key < KEYS_FN_BASE)
		return prompt_insert(p, key) ? PROMPT_CHANGED : PROMPT_CONTINUE;
	return PROMPT_CONTINUE;
}

void
prompt_draw(const struct prompt *p, const struct rect *r)
{
	if (p->kind == PROMPT_NONE || rect_empty(r))
		return;
	struct line l;
	line_reset(&l, tui_utf8());
	line_add(&l, ROLE_WARNING, p->label);
	if (p->kind == PROMPT_INPUT) {
		line_add(&l, ROLE_NORMAL, " ");
		if (p->hidden) {
			char stars[64];
			int n = text_width(p->text);
			if (n > (int)sizeof(stars) - 1)
				n = (int)sizeof(stars) - 1;
			memset(stars, '*', (size_t)n);
			stars[n] = '\0';
			line_add(&l, ROLE_NORMAL, stars);
		} else {
			/* Show the end of a long input: that is where typing happens. */
			const char *t = p->text;
			int room = r->w - line_width(&l) - 2;
			while (*t && room > 0 && text_width(t) > room) {
				t++;
				while ((*t & 0xc0) == 0x80)
					t++;
			}
			line_add(&l, ROLE_NORMAL, t);
		}
		line_add(&l, ROLE_SELECTED, " ");
	}
	tui_draw_line(r->y, r->x, r->w, &l, ROLE_NORMAL, false, false);
}
