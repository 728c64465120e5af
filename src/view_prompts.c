/*
 * src/view_prompts.c: the prompts -- what a key at the message row's prompt
 * does, looked up by the prompt's purpose in the table of the view that owns
 * it (struct view_ops.prompts), and the two prompts no view owns: quit and
 * the / search of any pane.
 */
#include "src/view.h"

#include <stdlib.h>
#include <string.h>

static void
prompt_quit(struct app *a, enum prompt_result r)
{
	if (r == PROMPT_ACCEPT) {
		app_views_quit(a, "quit");
		a->quit = true;
	}
	if (r == PROMPT_ACCEPT || r == PROMPT_CANCEL) {
		prompt_close(&a->prompt);
		a->sigint_asked = false;
	}
}

/* The / search of any pane: live, each change looks again from where it began. */
static void
prompt_search(struct app *a, enum prompt_result r)
{
	struct pane *p = &a->panes[a->find_pane];
	if (r == PROMPT_CHANGED) {
		/* Incremental: from where the search began, the first match at or after it. */
		snprintf(p->find, sizeof(p->find), "%s", a->prompt.text);
		pane_set_cursor(p, a->find_origin);
		bool wrapped;
		if (p->find[0] && !app_find(a, p, 1, false, &wrapped))
			pane_set_cursor(p, a->find_origin);
	} else if (r == PROMPT_CANCEL) {
		snprintf(p->find, sizeof(p->find), "%s", a->find_before);
		pane_set_cursor(p, a->find_origin);
		prompt_close(&a->prompt);
	} else if (r == PROMPT_ACCEPT) {
		prompt_close(&a->prompt);
		if (p->find[0] && app_views[a->find_pane]->find) {
			bool wrapped;
			if (app_find(a, p, 1, false, &wrapped))
				app_message(a, ROLE_NORMAL, "\"%s\" (n next, N previous)", p->find);
			else
				app_message(a, ROLE_WARNING, "No match for \"%s\"", p->find);
		} else if (p->find[0]) {
			size_t at, count = pane_find_count(p, &at);
			if (count)
				app_message(a, ROLE_NORMAL, "Match %zu of %zu for \"%s\" (n next, N previous)", at,
					    count, p->find);
			else
				app_message(a, ROLE_WARNING, "No match for \"%s\"", p->find);
		}
	}
}

static const struct view_prompt app_prompts[] = {
	{ PURPOSE_QUIT, prompt_quit, NULL },
	{ PURPOSE_SEARCH, prompt_search, NULL },
	{ 0, NULL, NULL },
};

/* The table entry for the open prompt's purpose (NULL: none answers it). */
const struct view_prompt *
app_prompt_entry(const struct app *a)
{
	int purpose = a->prompt.purpose;
	for (int i = 0; i <= PANE_COUNT; i++) {
		const struct view_prompt *t = i < PANE_COUNT ? app_views[i]->prompts : app_prompts;
		for (; t && t->purpose; t++)
			if (t->purpose == purpose)
				return t;
	}
	return NULL;
}

void
app_prompt_result(struct app *a, enum prompt_result r)
{
	const struct view_prompt *e = app_prompt_entry(a);
	a->dirty = true;
	if (e)
		e->on_result(a, r);
	else
		prompt_close(&a->prompt);
}
