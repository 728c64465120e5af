/*
 * tui/colors.h: display roles and their attributes.
 *
 * Owns: the ROLE_INFO table (role, config name, monochrome attribute,
 * foreground, background, colour-mode attribute) and the config overrides
 * ("color <role> <fg> <bg> [attrs]"). Roles are named by meaning, never by
 * colour. Monochrome is used when NO_COLOR is set and non-empty, with
 * --color=never, or when the terminal has no colours; every role then still
 * reads (reverse for selection, bold for headers, characters for bars).
 * Attribute columns are only expanded in colors.c, so this header needs no curses.
 */
#ifndef OHBROWSE_TUI_COLORS_H
#define OHBROWSE_TUI_COLORS_H

#include <stdbool.h>
#include <stddef.h>

#define ROLE_INFO(_) \
	_(NORMAL,        "normal",        A_NORMAL,              -1,            -1,           A_NORMAL) \
	_(TITLE,         "title",         A_REVERSE | A_BOLD,    COLOR_WHITE,   COLOR_BLUE,   A_BOLD) \
	_(HEADER,        "header",        A_BOLD,                COLOR_CYAN,    -1,           A_BOLD) \
	_(HEADER_FOCUS,  "header-focus",  A_BOLD | A_UNDERLINE,  COLOR_YELLOW,  -1,           A_BOLD) \
	_(SELECTED,      "selected",      A_REVERSE,             COLOR_BLACK,   COLOR_CYAN,   A_NORMAL) \
	_(CURSOR,        "cursor",        A_UNDERLINE,           -1,            -1,           A_UNDERLINE) \
	_(MUTED,         "muted",         A_DIM,                 -1,            -1,           A_DIM) \
	_(ERROR,         "error",         A_BOLD,                COLOR_RED,     -1,           A_BOLD) \
	_(WARNING,       "warning",       A_BOLD,                COLOR_YELLOW,  -1,           A_BOLD) \
	_(MARKED,        "marked",        A_BOLD,                COLOR_MAGENTA, -1,           A_BOLD) \
	_(DIRECTORY,     "directory",     A_BOLD,                COLOR_BLUE,    -1,           A_BOLD) \
	_(ADDED,         "added",         A_NORMAL,              COLOR_GREEN,   -1,           A_NORMAL) \
	_(MODIFIED,      "modified",      A_NORMAL,              COLOR_YELLOW,  -1,           A_NORMAL) \
	_(DELETED,       "deleted",       A_NORMAL,              COLOR_RED,     -1,           A_NORMAL) \
	_(RUNNING,       "running",       A_BOLD,                COLOR_GREEN,   -1,           A_BOLD) \
	_(STARTING,      "starting",      A_NORMAL,              COLOR_YELLOW,  -1,           A_NORMAL) \
	_(PAUSED,        "paused",        A_NORMAL,              COLOR_CYAN,    -1,           A_NORMAL) \
	_(SEARCH_HIT,    "search-hit",    A_REVERSE | A_BOLD,    COLOR_BLACK,   COLOR_YELLOW, A_NORMAL) \
	_(PROGRESS_DONE, "progress-done", A_NORMAL,              COLOR_GREEN,   -1,           A_BOLD) \
	_(PROGRESS_TODO, "progress-todo", A_NORMAL,              -1,            -1,           A_DIM) \
	_(DIFF_ADD,      "diff-add",      A_NORMAL,              COLOR_GREEN,   -1,           A_NORMAL) \
	_(DIFF_DEL,      "diff-del",      A_NORMAL,              COLOR_RED,     -1,           A_NORMAL) \
	_(DIFF_HUNK,     "diff-hunk",     A_BOLD,                COLOR_CYAN,    -1,           A_NORMAL) \
	_(STATUS,        "status",        A_REVERSE,             COLOR_BLACK,   COLOR_WHITE,  A_NORMAL) \
	_(STATUS_KEY,    "status-key",    A_REVERSE | A_BOLD,    COLOR_BLUE,    COLOR_WHITE,  A_BOLD) \
	_(BORDER,        "border",        A_NORMAL,              COLOR_BLUE,    -1,           A_NORMAL)

enum role {
#define ROLE_ENUM(id, name, mono, fg, bg, attr) ROLE_##id,
	ROLE_INFO(ROLE_ENUM)
#undef ROLE_ENUM
	ROLE_COUNT
};

enum colors_mode {
	COLORS_AUTO = 0,
	COLORS_ALWAYS,
	COLORS_NEVER,
};

/* The role named name ("selected"), or -1. */
int colors_role_by_name(const char *name);
const char *colors_role_name(enum role r);

/*
 * A config override: fg and bg are colour names (default, black, red, green, yellow,
 * blue, magenta, cyan, white) or numbers 0-255; attrs are bold, reverse, underline,
 * dim, normal. Returns false with a message in err. Call before colors_init().
 */
bool colors_set(const char *role, const char *fg, const char *bg, const char *const *attrs,
		size_t n_attrs, char *err, size_t errlen);

/* Whether to use colour, from the mode and the NO_COLOR environment variable (pure). */
bool colors_wanted(enum colors_mode mode, const char *no_color_env);

/* After the screen exists: set up pairs, or monochrome when !use_color or no colours. */
void colors_init(bool use_color);
bool colors_active(void);
/* The curses attribute (pair included) for a role, as an attr_t value. */
unsigned long colors_attr(enum role r);
/* Forget overrides (for tests). */
void colors_reset(void);

#endif
