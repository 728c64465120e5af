/*
 * src/view_prompts.c: the prompts -- what Enter, Esc or a typed character on
 * the message row's prompt does, by purpose.
 */
#include "src/view.h"

#include <stdlib.h>
#include <string.h>

#include "src/export.h"
#include "src/savepath.h"
#include "src/base/util.h"

void
app_prompt_result(struct app *a, enum prompt_result r)
{
	int purpose = a->prompt.purpose;
	a->dirty = true;
	switch (purpose) {
	case PURPOSE_FILTER:
		if (r == PROMPT_CHANGED) {
			conv_list_set_filter(&a->cv.convs, a->prompt.text);
			a->panes[PANE_CONV].cursor = a->panes[PANE_CONV].top = 0;
		} else if (r == PROMPT_CANCEL) {
			conv_list_set_filter(&a->cv.convs, a->cv.filter_before);
			prompt_close(&a->prompt);
		} else if (r == PROMPT_ACCEPT) {
			char *f = xstrdup(a->prompt.text);
			prompt_close(&a->prompt);
			conv_list_set_filter(&a->cv.convs, f);
			/* Ask the server too when not everything is loaded (or the server
			 * filter changes), so matches beyond the loaded pages show up. */
			bool same = (!*f && !a->cv.server_filter) ||
				    (a->cv.server_filter && strcmp(a->cv.server_filter, f) == 0);
			if (!same && (a->cv.convs.more || a->cv.server_filter)) {
				app_list_start(a, f);
				conv_list_set_filter(&a->cv.convs, f);
			}
			free(f);
		}
		pane_clamp(&a->panes[PANE_CONV]);
		if (r != PROMPT_CONTINUE)
			app_preview_follow(a);
		return;
	case PURPOSE_EVENT_SEARCH: {
		struct pane *p = &a->panes[PANE_EVENTS];
		if (r == PROMPT_CHANGED) {
			event_list_set_search(&a->ev.events, a->prompt.text);
			p->cursor = p->top = 0;
		} else if (r == PROMPT_CANCEL) {
			event_list_set_search(&a->ev.events, a->ev.search_before);
			prompt_close(&a->prompt);
		} else if (r == PROMPT_ACCEPT) {
			prompt_close(&a->prompt);
		}
		/* The rows shown all match; the highlight says where. */
		snprintf(p->find, sizeof(p->find), "%s", a->ev.events.search ? a->ev.events.search : "");
		pane_clamp(p);
		if (r != PROMPT_CONTINUE) {
			app_preview_follow(a);
			pane_check_near_end(p);
		}
		return;
	}
	case PURPOSE_QUIT:
		if (r == PROMPT_ACCEPT) {
			if (a->dl.export && !export_finished(a->dl.export))
				export_cancel(a->dl.export, "quit");
			a->quit = true;
		}
		if (r == PROMPT_ACCEPT || r == PROMPT_CANCEL) {
			prompt_close(&a->prompt);
			a->sigint_asked = false;
		}
		return;
	case PURPOSE_TREE_FILTER: {
		struct pane *p = &a->panes[PANE_FILES];
		if (r == PROMPT_CHANGED) {
			file_tree_set_filter(&a->fl.tree, a->prompt.text);
			pane_set_cursor(p, 0);
		} else if (r == PROMPT_CANCEL) {
			file_tree_set_filter(&a->fl.tree, a->find_before);
			prompt_close(&a->prompt);
		} else if (r == PROMPT_ACCEPT) {
			prompt_close(&a->prompt);
			if (a->fl.tree.filter && a->fl.tree.n_view == 0)
				app_message(a, ROLE_WARNING, "No listed path contains \"%s\" (Esc clears)", a->fl.tree.filter);
		}
		pane_clamp(p);
		if (r != PROMPT_CONTINUE && a->preview_source == PANE_FILES)
			app_preview_follow(a);
		return;
	}
	case PURPOSE_SEARCH: {
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
			if (p->find[0] && p == &a->panes[PANE_FILES]) {
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
		return;
	}
	case PURPOSE_WAKE_DOWNLOAD:
		if (r == PROMPT_ACCEPT || r == PROMPT_CANCEL)
			prompt_close(&a->prompt);
		if (r == PROMPT_ACCEPT) {
			struct api_conversation *c = NULL;
			if (a->fl.have_conv && a->fl.conv.id && a->cv.wake_download_id &&
			    strcmp(a->fl.conv.id, a->cv.wake_download_id) == 0)
				c = &a->fl.conv;
			for (size_t i = 0; !c && a->cv.wake_download_id && i < a->cv.convs.n_view; i++) {
				struct api_conversation *k = conv_list_at(&a->cv.convs, i);
				if (k->id && strcmp(k->id, a->cv.wake_download_id) == 0)
					c = k;
			}
			char *keep = a->cv.wake_download_id;
			a->cv.wake_download_id = NULL;
			app_wake(a, c);
			if (a->cv.wake_op)
				a->cv.wake_download_id = keep;	/* app_on_wake asks for the download */
			else
				free(keep);
		} else if (r == PROMPT_CANCEL) {
			free(a->cv.wake_download_id);
			a->cv.wake_download_id = NULL;
		}
		return;
	case PURPOSE_BACKUP_ALL:
		if (r == PROMPT_ACCEPT || r == PROMPT_CANCEL)
			prompt_close(&a->prompt);
		if (r == PROMPT_ACCEPT)
			app_backup_all(a);
		return;
	case PURPOSE_CANCEL_ALL:
		if (r == PROMPT_ACCEPT && app_export_running(a))
			export_cancel(a->dl.export, "cancelled by the user");
		if (r == PROMPT_ACCEPT || r == PROMPT_CANCEL)
			prompt_close(&a->prompt);
		return;
	case PURPOSE_DOWNLOAD: {
		if (r == PROMPT_ACCEPT) {
			prompt_close(&a->prompt);
			app_download_start(a, a->dl.download_marks);
		} else if (r == PROMPT_CANCEL) {
			prompt_close(&a->prompt);
			app_message(a, ROLE_NORMAL, "Download not started");
		} else if (r == PROMPT_EXTRA) {
			app_name_prompt(a, a->dl.download_name);
		}
		return;
	}
	case PURPOSE_API_KEY:
		if (r == PROMPT_ACCEPT) {
			if (!a->prompt.text[0]) {
				app_message(a, ROLE_WARNING, "Type the key, or Esc to go without");
				return;
			}
			char *key = xstrdup(a->prompt.text);
			prompt_close(&a->prompt);
			app_key_try(a, key);
			memset(key, 0, strlen(key));
			free(key);
		} else if (r == PROMPT_CANCEL) {
			prompt_close(&a->prompt);
			app_message(a, ROLE_WARNING, "No API key: r retries, 'ohbrowse login' stores one");
		}
		return;
	case PURPOSE_DOWNLOAD_NAME:
		if (r == PROMPT_CHANGED) {
			app_download_target(a);
		} else if (r == PROMPT_ACCEPT) {
			/* An error keeps the prompt and its text: fix the name, not retype it. */
			char err[1024];
			char *path = savepath_resolve(a->prompt.text, a->opts->download_dir, a->dl.download_base,
						      err, sizeof(err));
			if (!path) {
				app_message(a, ROLE_ERROR, "%s", err);
				app_download_target(a);
				return;
			}
			char typed[sizeof(a->prompt.text)];
			snprintf(typed, sizeof(typed), "%s", a->prompt.text);
			snprintf(a->dl.download_name, sizeof(a->dl.download_name), "%s", path);
			free(path);
			prompt_close(&a->prompt);
			if (!app_download_start(a, a->dl.download_marks))
				app_name_prompt(a, typed);
		} else if (r == PROMPT_CANCEL) {
			prompt_close(&a->prompt);
			app_message(a, ROLE_NORMAL, "Download not started");
		}
		return;
	default:
		prompt_close(&a->prompt);
		return;
	}
}
