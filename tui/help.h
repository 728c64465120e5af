/*
 * tui/help.h: the '?' overlay and --dump-actions, generated from actions.h
 * and the live bindings (user overrides included), never written by hand.
 */
#ifndef OHBROWSE_TUI_HELP_H
#define OHBROWSE_TUI_HELP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "tui/bindings.h"
#include "tui/pane.h"

struct help_entry {
	char *group, *keys, *name, *help;
};

struct help {
	struct help_entry *entries;	/* one per action, from the bindings */
	size_t n_entries;
	char **lines;			/* the entries laid out for wrapped_at columns */
	unsigned char *roles;
	size_t n;
	int wrapped_at;
	struct pane pane;
	bool open;
};

/* Rebuild the text from the bindings (call again after a config reload). */
void help_build(struct help *h, const struct bindings *b);
void help_free(struct help *h);
/* Draw as an overlay sized to the screen; descriptions wrap, never cut (issue 14, item 11). */
void help_draw(struct help *h, int rows, int cols);
/* "j <Down>" for generic keys, then "files:<Space>" for context keys. */
void help_keys_for(const struct bindings *b, enum action a, char *buf, size_t n);
/* One key for a in ctx (context first, then generic) for hints; "" when unbound. */
void help_first_key(const struct bindings *b, enum bind_context ctx, enum action a, char *buf,
		    size_t n);
/* One line per action: name TAB keys TAB help, with the default bindings. */
void help_dump_actions(FILE *f);

#endif
