/*
 * src/signals.h: the one signal module, for the command line and the browser.
 *
 * Owns: the handlers, the self-pipe and the sig_atomic_t flags. SIGWINCH,
 * SIGINT, SIGTERM and SIGHUP handlers (SA_RESTART, so a signal never fails
 * an ordinary write with EINTR) only write the signal number to a
 * non-blocking pipe whose read end the loop passes to http_wait(), and
 * SIGINT/SIGTERM/SIGHUP also raise the "interrupted" flag the CLI polls.
 * Fatal signals (SEGV, BUS, ILL, FPE, ABRT) call the emergency hook, which
 * must be async-signal-safe (tui_emergency_restore: write(2) of precomputed
 * reset strings and tcsetattr; never curses or stdio, which may be what
 * crashed), write a short note, put the previous handler back and re-raise,
 * so core dumps and sanitizers still see the crash. The full restore
 * (tui_end) stays on the normal exit path. SIGPIPE is ignored.
 *
 * main() installs once for the whole run and signals_end() puts every
 * previous handler back before it returns. The browser's own
 * signals_init()/signals_end() pair nests inside: it only sets the emergency
 * hook and keeps the browser's signals out of the CLI's interrupted flag.
 */
#ifndef OHBROWSE_SRC_SIGNALS_H
#define OHBROWSE_SRC_SIGNALS_H

#include <stdbool.h>

/* Install everything (outermost call), or nest (set the emergency hook; the
 * interrupted flag starts clear and is given back by the matching end).
 * emergency may be NULL. Returns false when the pipe cannot be made. */
bool signals_init(void (*emergency)(void));
/* Undo the matching signals_init(); the outermost one puts the previous
 * handlers back and closes the pipe. */
void signals_end(void);
/* Read end of the self-pipe (-1 before init). */
int signals_fd(void);
/* Drain the pipe; returns a bit set of pending signals (1u << signo). */
unsigned signals_take(void);
/* SIGINT, SIGTERM or SIGHUP arrived since the (innermost) init. */
bool signals_interrupted(void);
/* While on, SIGINT/SIGTERM/SIGHUP interrupt blocking reads (no SA_RESTART), so
 * Ctrl-C at a terminal prompt (the login key, "pause again?") ends the read. */
void signals_interrupt_reads(bool on);

#endif
