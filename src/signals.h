/*
 * src/signals.h: signals through a self-pipe, and the fatal-signal restore.
 *
 * Owns: the handlers and the sig_atomic_t flags. SIGWINCH, SIGINT, SIGTERM
 * and SIGHUP handlers only write the signal number to a non-blocking pipe
 * whose read end the main loop waits on; the loop drains it with
 * signals_take(). Fatal signals (SEGV, BUS, ILL, FPE, ABRT) call the restore
 * hook (tui_end: the one place curses is touched from a handler), write a
 * short note, restore the previous handler and re-raise, so core dumps and
 * sanitizers still see the crash. SIGPIPE is ignored.
 */
#ifndef OHBROWSE_SRC_SIGNALS_H
#define OHBROWSE_SRC_SIGNALS_H

#include <stdbool.h>

/* Install everything. Call after the terminal is set up (our SIGWINCH handler
 * replaces curses'). Returns false when the pipe cannot be made. */
bool signals_init(void (*restore)(void));
/* Put the previous handlers back and close the pipe. */
void signals_end(void);
/* Read end of the self-pipe (-1 before init). */
int signals_fd(void);
/* Drain the pipe; returns a bit set of pending signals (1u << signo). */
unsigned signals_take(void);

#endif
