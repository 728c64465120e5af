/*
 * src/handover.h: lending the terminal to $PAGER or $EDITOR (o and e in the browser).
 *
 * Owns: the temporary copy of what is shown (mode 0400 for the editor: a
 * read-only copy, the workspace is never edited through it), the child
 * process running "sh -c '$PAGER "$1"'" on it, and collecting that child
 * without blocking: the browser's loop keeps running its transfers while the
 * child owns the terminal and calls handover_poll() every turn (waitpid with
 * WNOHANG), so http_wait stays the program's one blocking call. The caller
 * suspends and resumes curses around it (tui_suspend, tui_resume).
 */
#ifndef OHBROWSE_SRC_HANDOVER_H
#define OHBROWSE_SRC_HANDOVER_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

struct handover {
	pid_t pid;		/* 0: nothing running */
	char *tmp;		/* the temporary copy, removed when the child ended */
	char program[64];	/* the program's first word, for messages */
};

/*
 * Write len bytes of text to a temporary file named after name (its last path
 * component, so the pager or editor can guess the type) and run cmd on it with
 * stderr_fd as its stderr. cmd is a shell command line ("less -R"). readonly
 * makes the copy 0400. Returns false with one sentence in err.
 */
bool handover_start(struct handover *h, const char *cmd, const char *name, const char *text, size_t len,
		    bool readonly, int stderr_fd, char *err, size_t errlen);
/* -1 while the child runs; else its exit status (128+N after a signal), the copy removed. */
int handover_poll(struct handover *h);
/* $PAGER (else less), or $VISUAL / $EDITOR (else vi). */
const char *handover_pager(void);
const char *handover_editor(void);

#endif
