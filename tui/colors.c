/* tui/colors.c: role table, config overrides, pairs (see colors.h). */
#include "tui/colors.h"

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

struct role_info {
	const char *name;
	attr_t mono;
	short fg, bg;
	attr_t attr;
};

static const struct role_info role_defaults[] = {
#define ROLE_ROW(id, name, mono, fg, bg, attr) { name, mono, fg, bg, attr },
	ROLE_INFO(ROLE_ROW)
#undef ROLE_ROW
};

/* Current table (defaults plus overrides) and whether attrs were overridden. */
static struct role_info roles[ROLE_COUNT];
static bool roles_ready;
static bool color_on;

static void
colors_ensure(void)
{
	if (!roles_ready) {
		memcpy(roles, role_defaults, sizeof(roles));
		roles_ready = true;
	}
}

void
colors_reset(void)
{
	roles_ready = false;
	colors_ensure();
}

int
colors_role_by_name(const char *name)
{
	for (int i = 0; i < ROLE_COUNT; i++)
		if (strcmp(role_defaults[i].name, name) == 0)
			return i;
	return -1;
}

const char *
colors_role_name(enum role r)
{
	return r < ROLE_COUNT ? role_defaults[r].name : "?";
}

static bool
colors_parse_color(const char *s, short *out)
{
	static const char *const names[] = { "black", "red", "green", "yellow",
					     "blue", "magenta", "cyan", "white" };
	if (strcasecmp(s, "default") == 0 || strcmp(s, "-1") == 0) {
		*out = -1;
		return true;
	}
	for (short i = 0; i < 8; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = i;
			return true;
		}
	}
	const char *num = s;
	if (strncasecmp(s, "color", 5) == 0)
		num = s + 5;
	char *end;
	long v = strtol(num, &end, 10);
	if (*num && !*end && v >= 0 && v <= 255) {
		*out = (short)v;
		return true;
	}
	return false;
}

bool
colors_set(const char *role, const char *fg, const char *bg, const char *const *attrs,
	   size_t n_attrs, char *err, size_t errlen)
{
	colors_ensure();
	int r = colors_role_by_name(role);
	if (r < 0) {
		snprintf(err, errlen, "unknown colour role '%s'", role);
		return false;
	}
	short f, b;
	if (!colors_parse_color(fg, &f)) {
		snprintf(err, errlen, "unknown colour '%s'", fg);
		return false;
	}
	if (!colors_parse_color(bg, &b)) {
		snprintf(err, errlen, "unknown colour '%s'", bg);
		return false;
	}
	attr_t a = A_NORMAL;
	for (size_t i = 0; i < n_attrs; i++) {
		if (strcmp(attrs[i], "bold") == 0)
			a |= A_BOLD;
		else if (strcmp(attrs[i], "reverse") == 0)
			a |= A_REVERSE;
		else if (strcmp(attrs[i], "underline") == 0)
			a |= A_UNDERLINE;
		else if (strcmp(attrs[i], "dim") == 0)
			a |= A_DIM;
		else if (strcmp(attrs[i], "normal") != 0) {
			snprintf(err, errlen, "unknown attribute '%s'", attrs[i]);
			return false;
		}
	}
	roles[r].fg = f;
	roles[r].bg = b;
	roles[r].attr = a;
	/* An explicit attribute list also applies in monochrome. */
	if (n_attrs > 0)
		roles[r].mono = a;
	return true;
}

bool
colors_wanted(enum colors_mode mode, const char *no_color_env)
{
	if (mode == COLORS_NEVER)
		return false;
	if (mode == COLORS_ALWAYS)
		return true;
	return !(no_color_env && *no_color_env);
}

void
colors_init(bool use_color)
{
	colors_ensure();
	color_on = use_color && has_colors() && start_color() != ERR;
	if (!color_on)
		return;
	use_default_colors();
	for (int i = 0; i < ROLE_COUNT; i++) {
		short fg = roles[i].fg, bg = roles[i].bg;
		if (fg >= COLORS)
			fg = -1;
		if (bg >= COLORS)
			bg = -1;
		init_pair((short)(i + 1), fg, bg);
	}
}

bool
colors_active(void)
{
	return color_on;
}

unsigned long
colors_attr(enum role r)
{
	colors_ensure();
	if (r >= ROLE_COUNT)
		r = ROLE_NORMAL;
	if (!color_on)
		return roles[r].mono;
	return roles[r].attr | COLOR_PAIR(r + 1);
}
