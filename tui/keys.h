/*
 * tui/keys.h: key codes and their names, shared by the config file, the help
 * overlay and the test scripts.
 *
 * A key code is an int: a Unicode code point for a character (control keys
 * are their C0 code, so <C-d> is 4, <Enter> is 10, <Esc> 27), or
 * KEYS_FN(curses key) for a function key. The two ranges never overlap
 * because KEYS_FN_BASE lies above Unicode. Codes are normalised when read:
 * CR and KEY_ENTER become 10, DEL and BS become <Backspace>.
 */
#ifndef OHBROWSE_TUI_KEYS_H
#define OHBROWSE_TUI_KEYS_H

#include <stdbool.h>
#include <stddef.h>

#define KEYS_FN_BASE 0x200000
#define KEYS_FN(k) (KEYS_FN_BASE + (k))
#define KEYS_NONE (-1)

#define KEYS_ENTER 10
#define KEYS_ESC 27
#define KEYS_TAB 9
#define KEYS_CTRL(c) ((c) & 0x1f)

/* Named function keys, as codes (defined in keys.c from the curses values). */
extern const int keys_up, keys_down, keys_left, keys_right, keys_pgup, keys_pgdown,
	keys_home, keys_end, keys_backspace, keys_delete, keys_btab, keys_resize, keys_mouse;

/*
 * Parse one key name at *s ("j", "<Down>", "<C-d>", "<PgDown>", "<Space>", "é") and
 * advance *s past it. Returns KEYS_NONE for an unknown name (then *s is unchanged).
 */
int keys_parse_next(const char **s);
/* The whole string must be exactly one key; KEYS_NONE otherwise. */
int keys_parse(const char *name);
/* The canonical name of a key ("<Down>", "j", "<C-d>"); always NUL-terminated. */
void keys_name(int code, char *buf, size_t n);
/*
 * The key of an escape sequence curses did not recognise, given the bytes after
 * ESC ("[F", "OH", "[4~", "[1;5A"...): terminals and tmux send Home and End in
 * several forms, and a TERM that names another form made them arrive as Esc
 * plus letters, which closed views. Returns KEYS_NONE for a sequence that
 * names no key we know (the caller drops it: it was never an Esc press).
 */
int keys_from_escape(const char *seq);

/* Map raw curses input (is_fn: a KEY_* code) to a normalised key code. */
int keys_from_curses(int ch, bool is_fn);

#endif
