/* tests/tui/test_tui_pure.c: unit tests for the pure parts of tui/ (layout,
 * progress bars, text width, key names, bindings and config, scripts, prompts). */
#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "tui/bindings.h"
#include "tui/colors.h"
#include "tui/keys.h"
#include "tui/layout.h"
#include "tui/line.h"
#include "tui/progress.h"
#include "tui/prompt.h"
#include "tui/script.h"
#include "tui/text.h"

/* ---- layout ---- */

/* The browser's panes as slots (its shares: conversations 40, files 30, preview 30). */
enum { T_CONV, T_FILES, T_PREVIEW, T_DOWNLOADS, T_COUNT };

static void
t_slots(struct layout_slot *s, bool conv, bool files, bool preview, bool downloads, int dl_rows)
{
	memset(s, 0, T_COUNT * sizeof(*s));
	s[T_CONV] = (struct layout_slot){ .role = LAYOUT_NAV, .shown = conv, .share = 40 };
	s[T_FILES] = (struct layout_slot){ .role = LAYOUT_LIST, .shown = files, .share = 30 };
	s[T_PREVIEW] = (struct layout_slot){ .role = LAYOUT_PREVIEW, .shown = preview, .share = 30 };
	s[T_DOWNLOADS] = (struct layout_slot){ .role = LAYOUT_BOTTOM, .shown = downloads, .rows = dl_rows };
}

static void
test_layout_too_small(void **state)
{
	struct layout_slot s[T_COUNT];
	struct layout l;
	t_slots(s, true, false, false, false, 0);
	layout_place(9, 80, s, T_COUNT, &l);
	assert_true(l.too_small);
	assert_true(rect_empty(&s[T_CONV].r));
	layout_place(24, 39, s, T_COUNT, &l);
	assert_true(l.too_small);
	layout_place(10, 40, s, T_COUNT, &l);
	assert_false(l.too_small);
}

static void
test_layout_narrow(void **state)
{
	struct layout_slot s[T_COUNT];
	struct layout l;
	t_slots(s, true, false, true, false, 0);
	layout_place(24, 80, s, T_COUNT, &l);
	assert_false(l.wide);
	assert_int_equal(l.title.y, 0);
	assert_int_equal(l.status.y, 22);
	assert_int_equal(l.message.y, 23);
	assert_int_equal(s[T_CONV].r.y, 1);
	assert_int_equal(s[T_CONV].r.w, 80);
	/* The panes fill rows 1..21 exactly. */
	assert_int_equal(s[T_CONV].r.h + s[T_PREVIEW].r.h, 21);
	assert_int_equal(s[T_PREVIEW].r.y, s[T_CONV].r.y + s[T_CONV].r.h);
	assert_true(rect_empty(&s[T_FILES].r));
	/* Files replace the conversations in narrow mode. */
	t_slots(s, false, true, true, false, 0);
	layout_place(24, 80, s, T_COUNT, &l);
	assert_true(rect_empty(&s[T_CONV].r));
	assert_int_equal(s[T_FILES].r.w, 80);
	/* A list slot wins over the nav slot when both are shown. */
	t_slots(s, true, true, true, false, 0);
	layout_place(24, 80, s, T_COUNT, &l);
	assert_true(rect_empty(&s[T_CONV].r));
	assert_int_equal(s[T_FILES].r.w, 80);
	/* Downloads push the preview out. */
	t_slots(s, false, true, true, true, 6);
	layout_place(24, 80, s, T_COUNT, &l);
	assert_true(rect_empty(&s[T_PREVIEW].r));
	assert_int_equal(s[T_DOWNLOADS].r.h, 6);
	assert_int_equal(s[T_DOWNLOADS].r.y + s[T_DOWNLOADS].r.h, 22);
	assert_int_equal(s[T_FILES].r.h + s[T_DOWNLOADS].r.h, 21);
}

static void
test_layout_wide(void **state)
{
	struct layout_slot s[T_COUNT];
	struct layout l;
	t_slots(s, true, true, true, true, 100);
	layout_place(40, 150, s, T_COUNT, &l);
	assert_true(l.wide);
	assert_int_equal(s[T_CONV].r.x, 0);
	assert_int_equal(s[T_CONV].r.w, 60);
	assert_int_equal(s[T_FILES].r.x, s[T_CONV].r.w);
	assert_int_equal(s[T_PREVIEW].r.x, s[T_CONV].r.w + s[T_FILES].r.w);
	assert_int_equal(s[T_CONV].r.w + s[T_FILES].r.w + s[T_PREVIEW].r.w, 150);
	/* Downloads capped at 40% of the body. */
	assert_int_equal(s[T_DOWNLOADS].r.h, 37 * 2 / 5);
	assert_int_equal(s[T_CONV].r.h + s[T_DOWNLOADS].r.h, 37);
	/* No files: conversations and preview share the width. */
	t_slots(s, true, false, true, false, 0);
	layout_place(40, 150, s, T_COUNT, &l);
	assert_true(rect_empty(&s[T_FILES].r));
	assert_int_equal(s[T_CONV].r.w + s[T_PREVIEW].r.w, 150);
	assert_int_equal(s[T_CONV].r.h, 37);
	/* No preview: the last column shown takes the rest. */
	t_slots(s, true, true, false, false, 0);
	layout_place(40, 150, s, T_COUNT, &l);
	assert_int_equal(s[T_CONV].r.w, 150 * 40 / 70);
	assert_int_equal(s[T_CONV].r.w + s[T_FILES].r.w, 150);
}

/* ---- progress ---- */

static void
test_progress_known(void **state)
{
	char buf[PROGRESS_BUFSZ(40)];
	progress_format(buf, 40, 1258291, 3040870, false);
	assert_string_equal(buf, "[########............]  41%  1.2/2.9 MiB");
	assert_int_equal(strlen(buf), 40);
}

static void
test_progress_widths(void **state)
{
	char buf[PROGRESS_BUFSZ(80)];
	for (int w = 1; w <= 80; w++) {
		progress_format(buf, w, 500, 1000, false);
		assert_int_equal(text_width(buf), w);
		progress_format(buf, w, 500, 1000, true);
		assert_int_equal(text_width(buf), w);
		progress_format(buf, w, 123456789, -1, false);
		assert_int_equal(text_width(buf), w);
	}
	progress_format(buf, 10, 50, 100, false);
	assert_string_equal(buf, "[#..]  50%");
	progress_format(buf, 10, 50, 100, false);
	progress_format(buf, 4, 50, 100, false);
	assert_string_equal(buf, " 50%");
}

static void
test_progress_edges(void **state)
{
	char buf[PROGRESS_BUFSZ(30)];
	progress_format(buf, 30, 0, 0, false);
	assert_string_equal(buf, "[################] 100%  0/0 B");
	progress_format(buf, 30, 2000, 1000, false); /* never over 100% */
	assert_non_null(strstr(buf, "100%"));
	progress_format(buf, 30, 0, 1000, false);
	assert_string_equal(buf, "[.............]   0%  0/1000 B");
	progress_format(buf, 20, 0, 100, true);
	assert_non_null(strstr(buf, "\xe2\x96\x91"));
}

static void
test_progress_unknown(void **state)
{
	char buf[PROGRESS_BUFSZ(24)];
	progress_format(buf, 24, 0, -1, false);
	assert_string_equal(buf, "[<=>               ] 0 B");
	progress_format(buf, 24, 1258291, -1, false);
	assert_string_equal(buf, "[   <=>        ] 1.2 MiB");
	/* The marker moves with the bytes and stays inside the brackets. */
	for (int64_t b = 0; b < 100 * 65536; b += 65536) {
		progress_format(buf, 24, b, -1, false);
		assert_int_equal(text_width(buf), 24);
		assert_non_null(strstr(buf, "<=>"));
		assert_int_equal(buf[0], '[');
	}
}

static void
test_progress_sizes(void **state)
{
	char buf[64];
	progress_sizes(buf, sizeof(buf), 512, 900);
	assert_string_equal(buf, "512/900 B");
	progress_sizes(buf, sizeof(buf), 1024, 4096);
	assert_string_equal(buf, "1.0/4.0 KiB");
	progress_sizes(buf, sizeof(buf), 3LL << 30, 5LL << 30);
	assert_string_equal(buf, "3.0/5.0 GiB");
}

/* ---- text ---- */

static void
test_text_width(void **state)
{
	assert_int_equal(text_width("abc"), 3);
	assert_int_equal(text_width("h\xc3\xa9llo"), 5);
	assert_int_equal(text_width("\xe6\x97\xa5\xe6\x9c\xac"), 4); /* 日本 */
	assert_int_equal(text_width("e\xcc\x81"), 1);		/* combining acute */
	assert_int_equal(text_width("a\tb"), 3);			/* control -> '?' */
	assert_int_equal(text_width("\xff\xfe"), 2);			/* invalid bytes */
	assert_int_equal(text_width(""), 0);
}

static void
test_text_fit(void **state)
{
	char buf[128];
	assert_int_equal(text_fit(buf, sizeof(buf), "hello", 8, true, false, true), 8);
	assert_string_equal(buf, "hello   ");
	text_fit(buf, sizeof(buf), "hello", 8, true, true, true);
	assert_string_equal(buf, "   hello");
	text_fit(buf, sizeof(buf), "hello world", 8, true, false, true);
	assert_string_equal(buf, "hello w\xe2\x80\xa6");
	text_fit(buf, sizeof(buf), "hello world", 8, true, false, false);
	assert_string_equal(buf, "hello w~");
	/* A wide character that does not fit is replaced by padding. */
	assert_int_equal(text_fit(buf, sizeof(buf), "ab\xe6\x97\xa5\xe6\x9c\xac", 5, true, false, false), 5);
	assert_string_equal(buf, "ab\xe6\x97\xa5~");
	assert_int_equal(text_fit(buf, sizeof(buf), "\xe6\x97\xa5\xe6\x9c\xac\xe6\x97\xa5", 4, true, false, false), 4);
	assert_string_equal(buf, "\xe6\x97\xa5 ~");
	text_fit(buf, sizeof(buf), "a\x1b[31mb", 10, false, false, false);
	assert_string_equal(buf, "a?[31mb");
	/* a C1 control and a bidi override never reach the terminal (issue 13, item 22) */
	text_fit(buf, sizeof(buf), "a\xc2\x9b" "b\xe2\x80\xae" "c", 10, false, false, false);
	assert_string_equal(buf, "a?b?c");
	text_fit(buf, sizeof(buf), "abc", 0, true, false, false);
	assert_string_equal(buf, "");
	text_fit(buf, sizeof(buf), NULL, 2, true, false, false);
	assert_string_equal(buf, "  ");
	/* Never overflows a small buffer. */
	char small[6];
	text_fit(small, sizeof(small), "abcdefghij", 20, true, false, false);
	assert_true(strlen(small) < sizeof(small));
}

static void
test_text_ago(void **state)
{
	char buf[32];
	int64_t now = 1795608000; /* 2026-11-25T12:00:00Z */
	text_ago(buf, sizeof(buf), now - 10, now);
	assert_string_equal(buf, "just now");
	text_ago(buf, sizeof(buf), now - 300, now);
	assert_string_equal(buf, "5 min ago");
	text_ago(buf, sizeof(buf), now - 3 * 3600 - 5, now);
	assert_string_equal(buf, "3 h ago");
	text_ago(buf, sizeof(buf), now - 2 * 86400, now);
	assert_string_equal(buf, "2 d ago");
	text_ago(buf, sizeof(buf), now - 65 * 86400, now);
	assert_string_equal(buf, "2 mo ago");
	text_ago(buf, sizeof(buf), now - 800 * 86400, now);
	assert_string_equal(buf, "2 y ago");
	text_ago(buf, sizeof(buf), -1, now);
	assert_string_equal(buf, "-");
	text_ago(buf, sizeof(buf), now + 100, now); /* clock skew */
	assert_string_equal(buf, "just now");
}

static void
test_text_size(void **state)
{
	char buf[32];
	text_size(buf, sizeof(buf), 0);
	assert_string_equal(buf, "0 B");
	text_size(buf, sizeof(buf), 1023);
	assert_string_equal(buf, "1023 B");
	text_size(buf, sizeof(buf), 1536);
	assert_string_equal(buf, "1.5 KiB");
	text_size(buf, sizeof(buf), 50LL * 1024 * 1024);
	assert_string_equal(buf, "50 MiB");
	text_size(buf, sizeof(buf), -1);
	assert_string_equal(buf, "?");
}

/* ---- keys ---- */

static void
test_keys_parse(void **state)
{
	assert_int_equal(keys_parse("j"), 'j');
	assert_int_equal(keys_parse("<Down>"), keys_down);
	assert_int_equal(keys_parse("<down>"), keys_down);
	assert_int_equal(keys_parse("<C-d>"), 4);
	assert_int_equal(keys_parse("<C-D>"), 4);
	assert_int_equal(keys_parse("<PgDown>"), keys_pgdown);
	assert_int_equal(keys_parse("<PageUp>"), keys_pgup);
	assert_int_equal(keys_parse("<Enter>"), KEYS_ENTER);
	assert_int_equal(keys_parse("<Esc>"), KEYS_ESC);
	assert_int_equal(keys_parse("<Space>"), ' ');
	assert_int_equal(keys_parse("<Tab>"), KEYS_TAB);
	assert_int_equal(keys_parse("<Lt>"), '<');
	assert_int_equal(keys_parse("<"), '<');
	assert_int_equal(keys_parse("\xc3\xa9"), 0xe9);
	assert_int_equal(keys_parse("<F1>"), keys_parse("<f1>"));
	assert_true(keys_parse("<F12>") > KEYS_FN_BASE);
	assert_int_equal(keys_parse("<Nope>"), KEYS_NONE);
	assert_int_equal(keys_parse("jj"), KEYS_NONE);
	assert_int_equal(keys_parse(""), KEYS_NONE);
	assert_int_equal(keys_parse("<C-1>"), KEYS_NONE);
	const char *s = "<Down>j<C-u>";
	assert_int_equal(keys_parse_next(&s), keys_down);
	assert_int_equal(keys_parse_next(&s), 'j');
	assert_int_equal(keys_parse_next(&s), KEYS_CTRL('u'));
	assert_int_equal(*s, '\0');
}

static void
test_keys_name_roundtrip(void **state)
{
	const char *names[] = { "j", "G", "?", "<Down>", "<C-d>", "<PgDown>", "<Enter>", "<Esc>",
				"<Space>", "<Tab>", "<BackTab>", "<F5>", "<Lt>", "\xc3\xa9", "<Home>" };
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		char buf[32];
		int code = keys_parse(names[i]);
		assert_int_not_equal(code, KEYS_NONE);
		keys_name(code, buf, sizeof(buf));
		assert_string_equal(buf, names[i]);
	}
	assert_int_equal(keys_from_curses('\r', false), KEYS_ENTER);
	assert_int_equal(keys_from_curses(0x7f, false), keys_backspace);
}

/* ---- bindings and config ---- */

static void
test_bindings_defaults(void **state)
{
	struct bindings b;
	bindings_init(&b);
	assert_int_equal(bindings_lookup(&b, BIND_GENERIC, 'j'), ACTION_MOVE_DOWN);
	assert_int_equal(bindings_lookup(&b, BIND_FILES, 'j'), ACTION_MOVE_DOWN);
	assert_int_equal(bindings_lookup(&b, BIND_FILES, ' '), ACTION_MARK);
	assert_int_equal(bindings_lookup(&b, BIND_CONVERSATIONS, ' '), ACTION_MARK);	/* for B */
	assert_int_equal(bindings_lookup(&b, BIND_CONVERSATIONS, 'B'), ACTION_BACKUP);
	assert_int_equal(bindings_lookup(&b, BIND_CONVERSATIONS, '/'), ACTION_FILTER);
	assert_int_equal(bindings_lookup(&b, BIND_DOWNLOADS, 'x'), ACTION_CANCEL_FILE);
	assert_int_equal(bindings_lookup(&b, BIND_HELP, 'q'), ACTION_CLOSE);
	assert_int_equal(bindings_lookup(&b, BIND_GENERIC, 'q'), ACTION_QUIT);
	assert_int_equal(bindings_lookup(&b, BIND_GENERIC, KEYS_CTRL('d')), ACTION_HALF_PAGE_DOWN);
	/* Every action except none has a default key somewhere. */
	for (int a = 1; a < ACTION_COUNT; a++) {
		bool found = false;
		for (size_t i = 0; i < b.n; i++)
			found |= b.items[i].action == (enum action)a;
		if (!found)
			fail_msg("action %s has no default key", bindings_action_name((enum action)a));
	}
	bindings_free(&b);
}

static void
test_bindings_config(void **state)
{
	struct bindings b;
	char err[256];
	bindings_init(&b);
	assert_true(bindings_config_line(&b, "bind files x mark", err, sizeof(err)));
	assert_int_equal(bindings_lookup(&b, BIND_FILES, 'x'), ACTION_MARK);
	assert_true(bindings_config_line(&b, "  bind generic j none  # unbind", err, sizeof(err)));
	assert_int_equal(bindings_lookup(&b, BIND_GENERIC, 'j'), ACTION_NONE);
	assert_true(bindings_config_line(&b, "# comment only", err, sizeof(err)));
	/* set notify (issue 14: a finished download says so outside the terminal) */
	assert_int_equal(b.notify, BINDINGS_NOTIFY_BELL);
	assert_true(bindings_config_line(&b, "set notify osc9", err, sizeof(err)));
	assert_int_equal(b.notify, BINDINGS_NOTIFY_OSC9);
	assert_false(bindings_config_line(&b, "set notify loud", err, sizeof(err)));
	assert_non_null(strstr(err, "osc777"));
	assert_true(bindings_config_line(&b, "", err, sizeof(err)));
	assert_false(bindings_config_line(&b, "bind nowhere j quit", err, sizeof(err)));
	assert_non_null(strstr(err, "unknown context"));
	assert_false(bindings_config_line(&b, "bind generic <Nope> quit", err, sizeof(err)));
	assert_non_null(strstr(err, "unknown key"));
	assert_false(bindings_config_line(&b, "bind generic j fly", err, sizeof(err)));
	assert_non_null(strstr(err, "unknown action"));
	assert_false(bindings_config_line(&b, "bind generic j", err, sizeof(err)));
	assert_false(bindings_config_line(&b, "frobnicate", err, sizeof(err)));
	assert_false(b.mouse);
	assert_true(bindings_config_line(&b, "set mouse on", err, sizeof(err)));
	assert_true(b.mouse);
	assert_false(bindings_config_line(&b, "set mouse maybe", err, sizeof(err)));
	assert_false(bindings_config_line(&b, "set speed 3", err, sizeof(err)));
	assert_true(bindings_config_line(&b, "color selected black yellow bold", err, sizeof(err)));
	assert_true(bindings_config_line(&b, "color error 196 default", err, sizeof(err)));
	assert_false(bindings_config_line(&b, "color nope black yellow", err, sizeof(err)));
	assert_false(bindings_config_line(&b, "color error pink default", err, sizeof(err)));
	assert_false(bindings_config_line(&b, "color error red default blink", err, sizeof(err)));
	int bad = bindings_config_text(&b, "bind files y mark\nbogus\nbind files z nope\n", err, sizeof(err));
	assert_int_equal(bad, 2);
	assert_string_equal(err, "line 2: unknown command 'bogus' (expected bind, color or set)");
	assert_int_equal(bindings_lookup(&b, BIND_FILES, 'y'), ACTION_MARK);
	assert_int_equal(bindings_config_file(&b, "/nonexistent/ohbrowse/config", err, sizeof(err)), 0);
	bindings_free(&b);
	colors_reset();
}

static void
test_bindings_names(void **state)
{
	for (int a = 0; a < ACTION_COUNT; a++) {
		const char *n = bindings_action_name((enum action)a);
		assert_int_equal(bindings_action_by_name(n), a);
		assert_true(strlen(bindings_action_help((enum action)a)) > 0);
	}
	for (int c = 0; c < BIND_COUNT; c++)
		assert_int_equal(bindings_context_by_name(bindings_context_name((enum bind_context)c)), c);
	assert_int_equal(colors_role_by_name("selected"), ROLE_SELECTED);
	assert_int_equal(colors_role_by_name("nope"), -1);
}

static void
test_colors_wanted(void **state)
{
	assert_true(colors_wanted(COLORS_AUTO, NULL));
	assert_true(colors_wanted(COLORS_AUTO, ""));
	assert_false(colors_wanted(COLORS_AUTO, "1"));
	assert_false(colors_wanted(COLORS_NEVER, NULL));
	assert_true(colors_wanted(COLORS_ALWAYS, "1"));
}

/* ---- scripts ---- */

static void
test_script_parse(void **state)
{
	char err[256];
	struct script *s = script_parse("# comment\n:wait\nj\n<Down><Down>\n:dump list-1\n"
					":resize 100x30\n:wait-bytes 4096\n\n:quit\n", err, sizeof(err));
	assert_non_null(s);
	assert_int_equal(script_count(s), 8);
	assert_int_equal(script_peek(s)->kind, SCRIPT_WAIT);
	script_next(s);
	assert_int_equal(script_peek(s)->kind, SCRIPT_KEY);
	assert_int_equal(script_peek(s)->key, 'j');
	script_next(s);
	assert_int_equal(script_peek(s)->key, keys_down);
	script_next(s);
	assert_int_equal(script_peek(s)->key, keys_down);
	script_next(s);
	assert_int_equal(script_peek(s)->kind, SCRIPT_DUMP);
	assert_string_equal(script_peek(s)->name, "list-1");
	script_next(s);
	assert_int_equal(script_peek(s)->kind, SCRIPT_RESIZE);
	assert_int_equal(script_peek(s)->cols, 100);
	assert_int_equal(script_peek(s)->rows, 30);
	script_next(s);
	assert_int_equal(script_peek(s)->kind, SCRIPT_WAIT_BYTES);
	assert_int_equal(script_peek(s)->bytes, 4096);
	script_next(s);
	assert_int_equal(script_peek(s)->kind, SCRIPT_QUIT);
	script_next(s);
	assert_int_equal(script_peek(s)->kind, SCRIPT_EOF);
	script_next(s);
	assert_int_equal(script_peek(s)->kind, SCRIPT_EOF);
	script_free(s);
	assert_null(script_parse("j\n:fly\n", err, sizeof(err)));
	assert_string_equal(err, "line 2: unknown command ':fly'");
	assert_null(script_parse("<Nope>\n", err, sizeof(err)));
	assert_null(script_parse(":dump ../x\n", err, sizeof(err)));
	assert_null(script_parse(":resize 100\n", err, sizeof(err)));
	assert_null(script_parse(":wait-bytes lots\n", err, sizeof(err)));
}

/* ---- prompts and lines ---- */

static void
test_prompt_input(void **state)
{
	struct prompt p;
	prompt_input(&p, 7, "Filter:", "ab", false);
	assert_int_equal(prompt_key(&p, 'c'), PROMPT_CHANGED);
	assert_string_equal(p.text, "abc");
	assert_int_equal(prompt_key(&p, 0xe9), PROMPT_CHANGED);
	assert_string_equal(p.text, "abc\xc3\xa9");
	assert_int_equal(prompt_key(&p, keys_backspace), PROMPT_CHANGED);
	assert_string_equal(p.text, "abc");
	assert_int_equal(prompt_key(&p, KEYS_CTRL('u')), PROMPT_CHANGED);
	assert_string_equal(p.text, "");
	assert_int_equal(prompt_key(&p, keys_backspace), PROMPT_CONTINUE);
	assert_int_equal(prompt_key(&p, keys_down), PROMPT_CONTINUE);
	assert_int_equal(prompt_key(&p, KEYS_ENTER), PROMPT_ACCEPT);
	assert_int_equal(p.purpose, 7);
	assert_int_equal(prompt_key(&p, KEYS_ESC), PROMPT_CANCEL);
	prompt_close(&p);
	assert_false(prompt_open(&p));
	prompt_confirm(&p, 1, "Download?", "e");
	assert_true(prompt_open(&p));
	assert_int_equal(prompt_key(&p, 'x'), PROMPT_CONTINUE);
	assert_int_equal(prompt_key(&p, 'e'), PROMPT_EXTRA);
	assert_int_equal(prompt_key(&p, 'y'), PROMPT_ACCEPT);
	assert_int_equal(prompt_key(&p, 'n'), PROMPT_CANCEL);
}

static void
test_line_segments(void **state)
{
	struct line l;
	line_reset(&l, true);
	line_add(&l, ROLE_NORMAL, "ab");
	line_add(&l, ROLE_NORMAL, "cd");
	line_add(&l, ROLE_ERROR, "ef");
	assert_int_equal(l.nseg, 2);
	assert_string_equal(line_text(&l), "abcdef");
	line_add_fit(&l, ROLE_MUTED, "xyz", 5, true);
	assert_string_equal(line_text(&l), "abcdef  xyz");
	assert_int_equal(line_width(&l), 11);
	char big[3000];
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	line_add(&l, ROLE_NORMAL, big);
	assert_int_equal(l.len, LINE_BUF - 1);
}

/* ---- escape sequences and wrapping (issue 14) ---- */

static void
test_keys_from_escape(void **state)
{
	/* The Home/End forms tmux, xterm and the Linux console send. */
	assert_int_equal(keys_from_escape("[H"), keys_home);
	assert_int_equal(keys_from_escape("OH"), keys_home);
	assert_int_equal(keys_from_escape("[1~"), keys_home);
	assert_int_equal(keys_from_escape("[7~"), keys_home);
	assert_int_equal(keys_from_escape("[F"), keys_end);
	assert_int_equal(keys_from_escape("OF"), keys_end);
	assert_int_equal(keys_from_escape("[4~"), keys_end);
	assert_int_equal(keys_from_escape("[8~"), keys_end);
	assert_int_equal(keys_from_escape("[1;5F"), keys_end);
	assert_int_equal(keys_from_escape("[A"), keys_up);
	assert_int_equal(keys_from_escape("[6~"), keys_pgdown);
	assert_int_equal(keys_from_escape("[Z"), keys_btab);
	assert_int_equal(keys_from_escape("[99~"), KEYS_NONE);
	assert_int_equal(keys_from_escape("[Q"), KEYS_NONE);
	assert_int_equal(keys_from_escape("x"), KEYS_NONE);
	assert_int_equal(keys_from_escape(""), KEYS_NONE);
}

struct wrap_out {
	char lines[16][64];
	size_t n;
};

static void
wrap_collect(void *ud, const char *start, size_t len)
{
	struct wrap_out *w = ud;
	if (w->n < 16)
		snprintf(w->lines[w->n++], 64, "%.*s", (int)len, start);
}

static void
test_text_wrap(void **state)
{
	struct wrap_out w = { 0 };
	assert_int_equal(text_wrap("the quick brown fox", 10, wrap_collect, &w), 2);
	assert_string_equal(w.lines[0], "the quick");
	assert_string_equal(w.lines[1], "brown fox");
	memset(&w, 0, sizeof(w));
	/* A word wider than the line is split; hard breaks and empty lines are kept. */
	assert_int_equal(text_wrap("abcdefghij\n\nxy", 4, wrap_collect, &w), 5);
	assert_string_equal(w.lines[0], "abcd");
	assert_string_equal(w.lines[1], "efgh");
	assert_string_equal(w.lines[2], "ij");
	assert_string_equal(w.lines[3], "");
	assert_string_equal(w.lines[4], "xy");
	memset(&w, 0, sizeof(w));
	/* Widths are columns: two CJK characters fill four. */
	assert_int_equal(text_wrap("\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e", 4, wrap_collect, &w), 2);
	assert_string_equal(w.lines[1], "\xe8\xaa\x9e");
	memset(&w, 0, sizeof(w));
	assert_int_equal(text_wrap("", 10, wrap_collect, &w), 1);
	assert_int_equal(text_wrap("one\n", 10, wrap_collect, &w), 1);
}

int
main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_layout_too_small),
		cmocka_unit_test(test_layout_narrow),
		cmocka_unit_test(test_layout_wide),
		cmocka_unit_test(test_progress_known),
		cmocka_unit_test(test_progress_widths),
		cmocka_unit_test(test_progress_edges),
		cmocka_unit_test(test_progress_unknown),
		cmocka_unit_test(test_progress_sizes),
		cmocka_unit_test(test_text_width),
		cmocka_unit_test(test_text_fit),
		cmocka_unit_test(test_text_ago),
		cmocka_unit_test(test_text_size),
		cmocka_unit_test(test_keys_parse),
		cmocka_unit_test(test_keys_name_roundtrip),
		cmocka_unit_test(test_bindings_defaults),
		cmocka_unit_test(test_bindings_config),
		cmocka_unit_test(test_bindings_names),
		cmocka_unit_test(test_colors_wanted),
		cmocka_unit_test(test_script_parse),
		cmocka_unit_test(test_prompt_input),
		cmocka_unit_test(test_line_segments),
		cmocka_unit_test(test_keys_from_escape),
		cmocka_unit_test(test_text_wrap),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
