/*
 * tui/script.h: OHBROWSE_SCRIPT key scripts for headless tests (tig style).
 *
 * One item per line; '#' starts a comment. A line of key names ("j",
 * "<Down><Down>", "<C-d>") yields one item per key. Commands: ":wait" (idle
 * barrier), ":wait-bytes N" (until the running export received N bytes),
 * ":dump NAME", ":resize COLSxROWS", ":quit". The whole file is parsed up
 * front, so a typo fails before anything runs.
 */
#ifndef OHBROWSE_TUI_SCRIPT_H
#define OHBROWSE_TUI_SCRIPT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum script_kind {
	SCRIPT_KEY = 0,
	SCRIPT_WAIT,
	SCRIPT_WAIT_BYTES,
	SCRIPT_DUMP,
	SCRIPT_RESIZE,
	SCRIPT_QUIT,
	SCRIPT_EOF,
};

struct script_item {
	enum script_kind kind;
	int key;
	int cols, rows;
	int64_t bytes;
	char name[128];
	int line;
};

struct script;

/* Parse the file; NULL with "path:line: message" in err. */
struct script *script_open(const char *path, char *err, size_t errlen);
/* Parse script text (tests). */
struct script *script_parse(const char *text, char *err, size_t errlen);
void script_free(struct script *s);
/* The current item (SCRIPT_EOF at the end); does not consume it. */
const struct script_item *script_peek(const struct script *s);
void script_next(struct script *s);
size_t script_count(const struct script *s);

#endif
