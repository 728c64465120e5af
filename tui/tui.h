/*
 * tui/tui.h: the terminal -- init and restore, keys, drawing primitives, dumps.
 *
 * Owns: the curses screen (real tty, or headless newterm on /dev/null for
 * scripted tests), stderr while curses is active (captured to a temp file and
 * replayed by tui_end so nothing scribbles over the screen), and the one
 * doupdate() per frame. The header needs no curses: callers describe text as
 * struct line and roles; only tui/ turns them into cells.
 *
 * tui_end() is idempotent and safe to call from atexit and die(); the fatal
 * signal path calls only tui_emergency_restore(). Never call anything else
 * here from a curl callback or a signal handler.
 */
#ifndef OHBROWSE_TUI_TUI_H
#define OHBROWSE_TUI_TUI_H

#include <stdbool.h>
#include <stddef.h>

#include "tui/colors.h"
#include "tui/layout.h"
#include "tui/line.h"

struct tui_opts {
	bool headless;		/* newterm on /dev/null; keys come from a script */
	bool use_color;
	bool mouse;
};

/* Returns false with a message in err (the terminal is left untouched). */
bool tui_init(const struct tui_opts *o, char *err, size_t errlen);
void tui_end(void);
/* The fatal-signal restore (signals_init's hook): async-signal-safe, it only
 * write(2)s reset strings tui_init took from terminfo (mouse and keypad off,
 * cursor on, attributes off, alternate screen left), tcsetattr()s the termios
 * found at init, points stderr back at the real one and copies what was
 * captured there. No curses, no stdio, no heap. Once; tui_end disarms it. */
void tui_emergency_restore(void);
bool tui_active(void);
bool tui_utf8(void);

/* Next key (see keys.h), or KEYS_NONE when no input is waiting. Never blocks. */
int tui_read_key(void);
/* True when the last tui_read_key() hit end of input (stdin closed). */
bool tui_input_eof(void);
/* The last mouse event read as keys_mouse: 1 = click, 4 = wheel up, 5 = wheel down. */
bool tui_mouse(int *y, int *x, int *button);

void tui_size(int *rows, int *cols);
/* resizeterm(); curses then queues a <Resize> key that the key drain sees. */
void tui_resize(int rows, int cols);
/* Read the real terminal size (TIOCGWINSZ on stdout); false when it is not a tty. */
bool tui_query_size(int *rows, int *cols);

void tui_frame_begin(void);
void tui_frame_end(void);	/* exactly one doupdate() */
void tui_force_redraw(void);

void tui_fill(const struct rect *r, enum role role);
/* Draw l at (y, x) in exactly width columns; base role for the padding; selected
 * draws the whole row in ROLE_SELECTED (or ROLE_CURSOR when !focused). */
void tui_draw_line(int y, int x, int width, const struct line *l, enum role base, bool selected,
		   bool focused);
void tui_draw_text(int y, int x, int width, enum role role, const char *text);
void tui_hline(int y, int x, int width, enum role role);
void tui_vline(int y, int x, int height, enum role role);
void tui_box(const struct rect *r, enum role role);

/* A finished job: the bell, or a desktop notification through OSC 9 (iTerm2, kitty,
 * WezTerm, foot) or OSC 777 (rxvt, VTE) with title and body. Headless: nothing. */
void tui_notify(int how, const char *title, const char *body);

/*
 * Lend the terminal to another program (a pager, an editor): curses leaves the
 * screen (endwin) and tui_resume() takes it back, redrawing everything at the
 * current size. Headless: nothing happens. tui_stderr_fd() is the real stderr
 * (curses' own is captured while it runs), for the child.
 */
void tui_suspend(void);
void tui_resume(void);
int tui_stderr_fd(void);

/*
 * Put text on the clipboard with OSC 52 (ESC ] 52 ; c ; base64 BEL), which works
 * over ssh and inside tmux (set-clipboard on). Written between frames, never in
 * the middle of one. Headless: nothing is written. Returns false when there is
 * no terminal to write to.
 */
bool tui_clipboard(const char *text, size_t len);

/*
 * Write the composite screen to path: one line per row, trailing blanks
 * trimmed, UTF-8 kept, line-drawing characters mapped to + - |.
 * Returns 0, or -1 with errno set.
 */
int tui_dump(const char *path);

#endif
