/*
 * src/app.h: the full-screen browser -- its entry point.
 *
 * app_run() sets up, runs the one event loop (http_perform -> signals -> keys
 * -> the views' pumps -> render (one doupdate) -> http_wait on the sockets,
 * stdin and the signal self-pipe) and tears down; src/app.c does that, each
 * view (src/view_*.c) owns its state, model glue and pane ops, and
 * src/view.h is what they share. Nothing here includes curses; drawing goes
 * through tui/.
 */
#ifndef OHBROWSE_SRC_APP_H
#define OHBROWSE_SRC_APP_H

#include <stdbool.h>
#include <stdio.h>

#include "api/client.h"

enum app_color {
	APP_COLOR_AUTO = 0,	/* colour unless NO_COLOR is set and non-empty */
	APP_COLOR_ALWAYS,
	APP_COLOR_NEVER,
};

/* Conversations the browser woke, for main to pause again after it (caller frees). */
struct app_woken {
	struct api_conversation *items;
	size_t count;
};

struct app_options {
	const char *script;		/* key script (OHBROWSE_SCRIPT); NULL: read
					 * $OHBROWSE_SCRIPT, else interactive */
	enum app_color color;		/* --color=auto|always|never */
	bool mouse;			/* --mouse (the config's "set mouse on" also enables it) */
	const char *config;		/* --config FILE; NULL: $XDG_CONFIG_HOME/ohbrowse/config */
	const char *server_label;	/* shown in the title bar, e.g. the --server URL */
	bool demo;			/* --demo: the server is the built-in fake; says so */
	const char *download_dir;	/* where archives go; NULL: the current directory */
	bool keep_awake;		/* --keep-awake: never offer to pause a sandbox it woke */
	const char *backup_dir;		/* B: where backups go (see backup_default_dir) */
	struct app_woken *woken;	/* out: the V1 conversations the browser woke (or NULL) */
	/* First run without a key: the client config main started with (no key).
	 * When set and the list answers 401, the browser asks for the key (shown
	 * as *), checks it by listing again through a new client built from
	 * this config plus the key, and stores it 0600 as this server's key with
	 * keystore_store().
	 * NULL: never asks. */
	const struct api_client_config *ask_key;
};

/*
 * Run the browser until the user quits. The client (and its http engine) stay
 * owned by the caller. Returns the process exit code: 0 normally, 1 when a
 * key script failed or timed out, 2 when there is no terminal (stdin or stdout
 * not a tty outside script mode) or the script cannot be read, 128+N after
 * SIGTERM/SIGHUP.
 */
int app_run(struct api_client *client, const struct app_options *opts);

/* --dump-actions: one line per action, "name<TAB>keys<TAB>help". */
void app_dump_actions(FILE *f);

#endif
