/*
 * tui/bindings.h: which key runs which action, per context, and the config file.
 *
 * Owns: the binding table (defaults written in config syntax and compiled in,
 * then the user's overrides), the config parser ("bind", "color", "set") and
 * the settings it produces. Lookups try the pane's own context first, then
 * "generic". Binding a key to "none" hides a default.
 */
#ifndef OHBROWSE_TUI_BINDINGS_H
#define OHBROWSE_TUI_BINDINGS_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/actions.h"

#define CONTEXT_INFO(_) \
	_(GENERIC,       "generic") \
	_(CONVERSATIONS, "conversations") \
	_(FILES,         "files") \
	_(EVENTS,        "events") \
	_(PREVIEW,       "preview") \
	_(DOWNLOADS,     "downloads") \
	_(HELP,          "help")

enum bind_context {
#define CONTEXT_ENUM(id, name) BIND_##id,
	CONTEXT_INFO(CONTEXT_ENUM)
#undef CONTEXT_ENUM
	BIND_COUNT
};

enum { BINDINGS_NOTIFY_BELL = 0, BINDINGS_NOTIFY_NONE, BINDINGS_NOTIFY_OSC9, BINDINGS_NOTIFY_OSC777 };

struct binding {
	enum bind_context ctx;
	int key;
	enum action action;
};

struct bindings {
	struct binding *items;
	size_t n, cap;
	bool mouse;		/* "set mouse on" */
	int notify;		/* "set notify none|bell|osc9|osc777": a finished download (BINDINGS_NOTIFY_*) */
};

/* The compiled-in defaults, in config syntax (also printed by the help). */
extern const char bindings_default_config[];

void bindings_init(struct bindings *b);	/* empty table plus the defaults */
void bindings_free(struct bindings *b);
/* Add or replace (ctx, key). */
void bindings_set(struct bindings *b, enum bind_context ctx, int key, enum action a);
/* The action for key in ctx, falling back to generic; ACTION_NONE when unbound. */
enum action bindings_lookup(const struct bindings *b, enum bind_context ctx, int key);
/* Keys bound to a in ctx exactly (not the generic fallback); returns how many (<= max). */
size_t bindings_keys(const struct bindings *b, enum bind_context ctx, enum action a, int *keys,
		     size_t max);
/* "move-down" -> ACTION_MOVE_DOWN; -1 when unknown. */
int bindings_action_by_name(const char *name);
const char *bindings_action_name(enum action a);
const char *bindings_action_group(enum action a);
const char *bindings_action_help(enum action a);
int bindings_context_by_name(const char *name);
const char *bindings_context_name(enum bind_context c);

/*
 * Apply one config line (comments and blank lines are fine). Returns false with a
 * message in err for a bad line; the table is left as it was.
 */
bool bindings_config_line(struct bindings *b, const char *line, char *err, size_t errlen);
/*
 * Apply a config file. A missing file is not an error. Returns the number of bad
 * lines; err gets "path:line: message" for the first one.
 */
int bindings_config_file(struct bindings *b, const char *path, char *err, size_t errlen);
/* Apply a whole config text (used for the defaults and by tests). */
int bindings_config_text(struct bindings *b, const char *text, char *err, size_t errlen);

#endif
