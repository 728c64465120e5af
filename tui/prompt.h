/*
 * tui/prompt.h: confirmation and text-input states, drawn on the message row.
 *
 * A prompt is a state the main loop feeds keys to, never a nested input loop,
 * so transfers keep running while it is open. purpose is the caller's tag
 * (what to do on accept). Hidden input (an API key) is drawn as '*'.
 */
#ifndef OHBROWSE_TUI_PROMPT_H
#define OHBROWSE_TUI_PROMPT_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/layout.h"

enum prompt_kind {
	PROMPT_NONE = 0,
	PROMPT_CONFIRM,		/* y / Enter accept; n / Esc cancel; extra keys reported */
	PROMPT_INPUT,		/* a line of text; Enter accepts, Esc cancels */
};

enum prompt_result {
	PROMPT_CONTINUE = 0,	/* key consumed, nothing changed for the caller */
	PROMPT_CHANGED,		/* input text changed (live filters) */
	PROMPT_ACCEPT,
	PROMPT_CANCEL,
	PROMPT_EXTRA,		/* confirm: one of the extra keys (see prompt.last_key) */
};

struct prompt {
	enum prompt_kind kind;
	int purpose;
	char label[512];
	char text[1024];
	bool hidden;
	char extra[16];		/* confirm: other accepted keys, e.g. "e" for edit */
	int last_key;
};

void prompt_confirm(struct prompt *p, int purpose, const char *label, const char *extra);
void prompt_input(struct prompt *p, int purpose, const char *label, const char *initial,
		  bool hidden);
void prompt_close(struct prompt *p);
bool prompt_open(const struct prompt *p);
/* Feed one key (see keys.h). */
enum prompt_result prompt_key(struct prompt *p, int key);
void prompt_draw(const struct prompt *p, const struct rect *r);

#endif
