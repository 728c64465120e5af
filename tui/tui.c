/* tui/tui.c: curses init/restore, input, drawing primitives and screen dumps. */
#include "tui/tui.h"

#include <curses.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/ioctl.h>
#include <term.h>
#include <termios.h>
#include <unistd.h>
#include <limits.h>
#include <wchar.h>

#include "src/base/util.h"
#include "tui/bindings.h"
#include "tui/keys.h"
#include "tui/text.h"

static struct {
	bool active;
	bool headless;
	bool utf8;
	bool eof;
	SCREEN *screen;
	FILE *out, *in;		/* headless: /dev/null */
	FILE *err_tmp;		/* captured stderr */
	int saved_err;		/* the real stderr */
	int mouse_y, mouse_x, mouse_button;
	bool mouse_valid;
} tui;

/* The emergency restore's state, all computed by tui_init so that the fatal-signal
 * path only has to write(2), dup2(2) and tcsetattr(3) (all async-signal-safe). */
static struct {
	volatile sig_atomic_t armed;
	bool have_termios;
	struct termios termios;	/* the terminal as we found it */
	char reset[256];	/* mouse off, keypad off, cursor on, attributes off, leave alt screen */
	size_t reset_len;
	int saved_err, err_fd;	/* the real stderr; the capture file (-1: none) */
} emerg = { .saved_err = -1, .err_fd = -1 };

bool
tui_active(void)
{
	return tui.active;
}

bool
tui_utf8(void)
{
	return tui.utf8;
}

static void
tui_capture_stderr(void)
{
	fflush(stderr);
	tui.saved_err = -1;
	tui.err_tmp = tmpfile();
	if (!tui.err_tmp)
		return;
	tui.saved_err = dup(STDERR_FILENO);
	if (tui.saved_err < 0 || dup2(fileno(tui.err_tmp), STDERR_FILENO) < 0) {
		if (tui.saved_err >= 0)
			close(tui.saved_err);
		tui.saved_err = -1;
		fclose(tui.err_tmp);
		tui.err_tmp = NULL;
	}
}

static void
tui_replay_stderr(void)
{
	if (!tui.err_tmp)
		return;
	fflush(stderr);
	dup2(tui.saved_err, STDERR_FILENO);
	close(tui.saved_err);
	tui.saved_err = -1;
	char buf[4096];
	size_t n;
	rewind(tui.err_tmp);
	while ((n = fread(buf, 1, sizeof(buf), tui.err_tmp)) > 0)
		if (write(STDERR_FILENO, buf, n) < 0)
			break;
	fclose(tui.err_tmp);
	tui.err_tmp = NULL;
}

/* Append a terminfo string capability to the reset string, without its $<..> padding
 * (a delay: nothing to wait for on the way out). Absent or cancelled: nothing. */
static void
tui_emergency_cap(const char *name)
{
	const char *v = tigetstr(name);
	if (!v || v == (const char *)-1)
		return;
	for (; *v && emerg.reset_len < sizeof(emerg.reset) - 1; v++) {
		if (v[0] == '$' && v[1] == '<' && strchr(v, '>')) {
			v = strchr(v, '>');
			continue;
		}
		emerg.reset[emerg.reset_len++] = *v;
	}
}

/* Called at the end of tui_init: everything the fatal-signal path will need, so that it
 * never has to ask curses (whose heap may be what broke). */
static void
tui_emergency_prepare(bool mouse)
{
	emerg.reset_len = 0;
	if (!tui.headless) {
		if (mouse) {
			static const char off[] = "\033[?1006l\033[?1002l\033[?1000l";
			memcpy(emerg.reset, off, sizeof(off) - 1);
			emerg.reset_len = sizeof(off) - 1;
		}
		tui_emergency_cap("rmkx");
		tui_emergency_cap("cnorm");
		tui_emergency_cap("sgr0");
		tui_emergency_cap("rmcup");
	}
	emerg.saved_err = tui.saved_err;
	emerg.err_fd = tui.err_tmp ? fileno(tui.err_tmp) : -1;
	emerg.armed = 1;
}

void
tui_emergency_restore(void)
{
	if (!emerg.armed)
		return;
	emerg.armed = 0;
	if (emerg.reset_len && write(STDOUT_FILENO, emerg.reset, emerg.reset_len) < 0) {
		/* the terminal is gone: nothing to restore */
	}
	if (emerg.have_termios)
		tcsetattr(STDOUT_FILENO, TCSADRAIN, &emerg.termios);
	if (emerg.saved_err < 0 || dup2(emerg.saved_err, STDERR_FILENO) < 0)
		return;
	/* What was said while curses ran, so the crash report has its context. */
	char buf[1024];
	ssize_t n;
	if (emerg.err_fd < 0 || lseek(emerg.err_fd, 0, SEEK_SET) != 0)
		return;
	while ((n = read(emerg.err_fd, buf, sizeof(buf))) > 0)
		if (write(STDERR_FILENO, buf, (size_t)n) < 0)
			break;
}

/* Is there a terminfo entry for term? Looked up as ncurses does ($TERMINFO, ~/.terminfo,
 * $TERMINFO_DIRS, the system directories), by file, so nothing is allocated. */
static bool
tui_term_known(const char *term)
{
	char path[4096];
	const char *home = getenv("HOME"), *ti = getenv("TERMINFO"), *dirs = getenv("TERMINFO_DIRS");
	const char *fixed[] = { ti, NULL, "/etc/terminfo", "/lib/terminfo", "/usr/share/terminfo",
				"/usr/lib/terminfo", "/usr/local/share/terminfo" };
	char homedir[2048];

	if (strchr(term, '/'))
		return false;
	if (home) {
		snprintf(homedir, sizeof(homedir), "%s/.terminfo", home);
		fixed[1] = homedir;
	}
	for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
		if (!fixed[i])
			continue;
		snprintf(path, sizeof(path), "%s/%c/%s", fixed[i], term[0], term);
		if (access(path, R_OK) == 0)
			return true;
		snprintf(path, sizeof(path), "%s/%02x/%s", fixed[i], (unsigned char)term[0], term);
		if (access(path, R_OK) == 0)
			return true;
	}
	for (const char *p = dirs; p && *p;) {
		size_t n = strcspn(p, ":");
		if (n) {
			snprintf(path, sizeof(path), "%.*s/%c/%s", (int)n, p, term[0], term);
			if (access(path, R_OK) == 0)
				return true;
		}
		p += n;
		if (*p == ':')
			p++;
	}
	return false;
}

bool
tui_init(const struct tui_opts *o, char *err, size_t errlen)
{
	if (tui.active)
		return true;
	tui.headless = o->headless;
	tui.utf8 = text_locale_utf8();
	tui.eof = false;
	if (o->headless) {
		tui.out = fopen("/dev/null", "w");
		tui.in = fopen("/dev/null", "r");
		if (!tui.out || !tui.in) {
			snprintf(err, errlen, "cannot open /dev/null: %s", strerror(errno));
			if (tui.out)
				fclose(tui.out);
			if (tui.in)
				fclose(tui.in);
			tui.out = tui.in = NULL;
			return false;
		}
		tui.screen = newterm(NULL, tui.out, tui.in);
	} else {
		/* Ask terminfo first: a newterm() that fails on an unknown TERM leaves ncurses'
		 * pre-screen allocated, which no API frees (a leak under ASan, issue 13) */
		const char *term = getenv("TERM");
		if (term && *term && !tui_term_known(term)) {
			snprintf(err, errlen, "cannot initialise the terminal: TERM=%s is not in the terminfo "
				 "database; set TERM to your terminal's name (xterm-256color works almost everywhere)",
				 term);
			return false;
		}
		/* the shell's mode, for the emergency restore (curses keeps its own copy) */
		emerg.have_termios = tcgetattr(STDOUT_FILENO, &emerg.termios) == 0;
		tui.screen = newterm(NULL, stdout, stdin);
	}
	if (!tui.screen) {
		const char *term = getenv("TERM");
		snprintf(err, errlen, "cannot initialise the terminal (TERM=%s)", term ? term : "");
		if (tui.out)
			fclose(tui.out);
		if (tui.in)
			fclose(tui.in);
		tui.out = tui.in = NULL;
		return false;
	}
	set_term(tui.screen);
	tui.active = true;
	tui_capture_stderr();
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	set_escdelay(25);
	curs_set(0);
	if (o->mouse)
		mousemask(BUTTON1_CLICKED | BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	colors_init(o->use_color);
	tui_emergency_prepare(o->mouse);
	return true;
}

void
tui_end(void)
{
	if (!tui.active)
		return;
	tui.active = false;
	emerg.armed = 0;
	curs_set(1);
	endwin();
	if (tui.screen) {
		delscreen(tui.screen);
		tui.screen = NULL;
	}
	if (tui.out)
		fclose(tui.out);
	if (tui.in)
		fclose(tui.in);
	tui.out = tui.in = NULL;
	tui_replay_stderr();
}

bool
tui_input_eof(void)
{
	return tui.eof;
}

/*
 * ESC was read: a lone Esc, or a sequence curses did not know (its bytes are
 * already waiting, sent in one write). Read the rest without waiting and map
 * it (keys_from_escape); an unknown sequence is dropped, never taken as Esc.
 * ESC and one other character (Alt-x) give Esc, the character is put back.
 */
static int
tui_read_escape(void)
{
	char seq[16];
	size_t n = 0;
	wint_t wch;
	int r = wget_wch(stdscr, &wch);
	if (r == ERR)
		return KEYS_ESC;
	if (r == KEY_CODE_YES || (wch != '[' && wch != 'O')) {
		if (r == KEY_CODE_YES)
			ungetch((int)wch);
		else
			unget_wch((wchar_t)wch);
		return KEYS_ESC;
	}
	seq[n++] = (char)wch;
	while (n < sizeof(seq) - 1) {
		r = wget_wch(stdscr, &wch);
		if (r == ERR || r == KEY_CODE_YES || wch > 0x7e || wch < 0x20)
			break;
		seq[n++] = (char)wch;
		/* A final byte ends a CSI (after "[") or an SS3 (one letter after "O"). */
		if (n > 1 && wch >= 0x40 && wch <= 0x7e)
			break;
	}
	seq[n] = '\0';
	return keys_from_escape(seq);
}

int
tui_read_key(void)
{
	if (!tui.active)
		return KEYS_NONE;
	wint_t wch;
	int r = wget_wch(stdscr, &wch);
	if (r == ERR)
		return KEYS_NONE;
	if (r == KEY_CODE_YES) {
		if (wch == KEY_MOUSE) {
			MEVENT ev;
			tui.mouse_valid = false;
			if (getmouse(&ev) == OK) {
				tui.mouse_y = ev.y;
				tui.mouse_x = ev.x;
				if (ev.bstate & BUTTON4_PRESSED)
					tui.mouse_button = 4;
				else if (ev.bstate & BUTTON5_PRESSED)
					tui.mouse_button = 5;
				else
					tui.mouse_button = 1;
				tui.mouse_valid = true;
			}
		}
		return keys_from_curses((int)wch, true);
	}
	if (wch == KEYS_ESC) {
		int key = tui_read_escape();
		/* An unknown sequence is dropped; whatever follows it is still waiting. */
		return key == KEYS_NONE ? tui_read_key() : key;
	}
	return keys_from_curses((int)wch, false);
}

bool
tui_mouse(int *y, int *x, int *button)
{
	if (!tui.mouse_valid)
		return false;
	*y = tui.mouse_y;
	*x = tui.mouse_x;
	*button = tui.mouse_button;
	return true;
}

void
tui_size(int *rows, int *cols)
{
	*rows = LINES;
	*cols = COLS;
}

void
tui_resize(int rows, int cols)
{
	if (tui.active && rows > 0 && cols > 0)
		resizeterm(rows, cols);
}

bool
tui_query_size(int *rows, int *cols)
{
	struct winsize ws;
	if (tui.headless || ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) != 0 || ws.ws_row == 0)
		return false;
	*rows = ws.ws_row;
	*cols = ws.ws_col;
	return true;
}

void
tui_frame_begin(void)
{
	werase(stdscr);
}

void
tui_frame_end(void)
{
	wnoutrefresh(stdscr);
	doupdate();
}

void
tui_force_redraw(void)
{
	clearok(curscr, TRUE);
}

void
tui_fill(const struct rect *r, enum role role)
{
	attr_t a = (attr_t)colors_attr(role);
	wattrset(stdscr, (int)a);
	for (int y = r->y; y < r->y + r->h; y++)
		mvwhline(stdscr, y, r->x, ' ', r->w);
	wattrset(stdscr, A_NORMAL);
}

/* Draw len bytes of text at the cursor, at most *room columns; updates *room. */
static void
tui_put_bytes(const char *text, size_t len, int *room)
{
	char tmp[LINE_BUF];
	char fitted[LINE_BUF];
	if (len >= sizeof(tmp))
		len = sizeof(tmp) - 1;
	memcpy(tmp, text, len);
	tmp[len] = '\0';
	if (*room <= 0)
		return;
	int w = text_width(tmp);
	if (w > *room) {
		w = text_fit(fitted, sizeof(fitted), tmp, *room, false, false, tui.utf8);
		waddstr(stdscr, fitted);
	} else {
		/* text_fit also replaces control characters and invalid bytes. */
		text_fit(fitted, sizeof(fitted), tmp, w, false, false, tui.utf8);
		waddstr(stdscr, fitted);
	}
	*room -= w;
}

void
tui_draw_line(int y, int x, int width, const struct line *l, enum role base, bool selected,
	      bool focused)
{
	if (width <= 0)
		return;
	enum role sel = focused ? ROLE_SELECTED : ROLE_CURSOR;
	attr_t base_attr = (attr_t)colors_attr(selected ? sel : base);
	wattrset(stdscr, (int)base_attr);
	mvwhline(stdscr, y, x, ' ', width);
	wmove(stdscr, y, x);
	int room = width;
	for (int i = 0; i < l->nseg && room > 0; i++) {
		const struct line_seg *s = &l->seg[i];
		attr_t a = selected ? (attr_t)colors_attr(sel) : (attr_t)colors_attr((enum role)s->role);
		if (selected && !focused)
			a |= (attr_t)colors_attr((enum role)s->role) & ~A_COLOR;
		wattrset(stdscr, (int)a);
		tui_put_bytes(l->buf + s->off, s->len, &room);
	}
	wattrset(stdscr, A_NORMAL);
}

void
tui_draw_text(int y, int x, int width, enum role role, const char *text)
{
	struct line l;
	line_reset(&l, tui.utf8);
	line_add(&l, role, text);
	tui_draw_line(y, x, width, &l, role, false, false);
}

/*
 * Line drawing. In a UTF-8 locale the borders are Unicode box characters put
 * through the wide-character API: ACS letters (q, x, l...) depend on the
 * terminal honouring the alternate charset, and tmux's capture-pane and some
 * emulators show them raw. Otherwise plain ASCII: - | +.
 */
enum tui_glyph { GLYPH_H, GLYPH_V, GLYPH_UL, GLYPH_UR, GLYPH_LL, GLYPH_LR };

static void
tui_glyph(enum tui_glyph g, enum role role, cchar_t *cc)
{
	static const wchar_t uni[] = { 0x2500, 0x2502, 0x250c, 0x2510, 0x2514, 0x2518 };
	static const wchar_t ascii[] = { L'-', L'|', L'+', L'+', L'+', L'+' };
	wchar_t w[2] = { tui.utf8 ? uni[g] : ascii[g], 0 };
	attr_t a = (attr_t)colors_attr(role);
	setcchar(cc, w, a & ~A_COLOR, (short)PAIR_NUMBER((int)a), NULL);
}

void
tui_hline(int y, int x, int width, enum role role)
{
	if (width <= 0)
		return;
	cchar_t cc;
	tui_glyph(GLYPH_H, role, &cc);
	mvwhline_set(stdscr, y, x, &cc, width);
}

void
tui_vline(int y, int x, int height, enum role role)
{
	if (height <= 0)
		return;
	cchar_t cc;
	tui_glyph(GLYPH_V, role, &cc);
	mvwvline_set(stdscr, y, x, &cc, height);
}

void
tui_box(const struct rect *r, enum role role)
{
	if (r->h < 2 || r->w < 2)
		return;
	cchar_t h, v, c;
	tui_glyph(GLYPH_H, role, &h);
	tui_glyph(GLYPH_V, role, &v);
	int x1 = r->x + r->w - 1, y1 = r->y + r->h - 1;
	tui_glyph(GLYPH_UL, role, &c);
	mvwadd_wch(stdscr, r->y, r->x, &c);
	tui_glyph(GLYPH_UR, role, &c);
	mvwadd_wch(stdscr, r->y, x1, &c);
	tui_glyph(GLYPH_LL, role, &c);
	mvwadd_wch(stdscr, y1, r->x, &c);
	/* The last cell last: adding there may scroll or fail at the screen's corner. */
	mvwhline_set(stdscr, r->y, r->x + 1, &h, r->w - 2);
	mvwhline_set(stdscr, y1, r->x + 1, &h, r->w - 2);
	mvwvline_set(stdscr, r->y + 1, r->x, &v, r->h - 2);
	mvwvline_set(stdscr, r->y + 1, x1, &v, r->h - 2);
	tui_glyph(GLYPH_LR, role, &c);
	mvwadd_wch(stdscr, y1, x1, &c);
}

/* Map an alternate-charset letter or a Unicode box-drawing character to ASCII. */
static wchar_t
tui_dump_map(wchar_t c, bool acs)
{
	if (acs) {
		switch (c) {
		case 'q': return L'-';
		case 'x': return L'|';
		case 'l': case 'k': case 'm': case 'j': case 't': case 'u': case 'v': case 'w': case 'n':
			return L'+';
		default: return c;
		}
	}
	if (c == 0x2500 || c == 0x2501)
		return L'-';
	if (c == 0x2502 || c == 0x2503)
		return L'|';
	if (c > 0x2500 && c < 0x2580)
		return L'+';
	return c;
}

int
tui_dump(const char *path)
{
	if (!tui.active) {
		errno = EINVAL;
		return -1;
	}
	FILE *f = fopen(path, "w");
	if (!f)
		return -1;
	int rows = getmaxy(curscr), cols = getmaxx(curscr);
	char *line = xmalloc((size_t)cols * (CCHARW_MAX + 1) * MB_LEN_MAX + 2);
	for (int y = 0; y < rows; y++) {
		size_t pos = 0, keep = 0;
		for (int x = 0; x < cols;) {
			cchar_t cc;
			wchar_t wch[CCHARW_MAX + 1];
			attr_t attrs;
			short pair;
			if (mvwin_wch(curscr, y, x, &cc) == ERR)
				break;
			if (getcchar(&cc, wch, &attrs, &pair, NULL) == ERR)
				wch[0] = L' ', wch[1] = 0;
			int w = wch[0] ? wcwidth(wch[0]) : 1;
			if (w < 1)
				w = 1;
			for (int i = 0; wch[i] && i < CCHARW_MAX; i++) {
				wchar_t c = tui_dump_map(wch[i], (attrs & A_ALTCHARSET) != 0);
				char mb[MB_LEN_MAX];
				mbstate_t st;
				memset(&st, 0, sizeof(st));
				size_t n = wcrtomb(mb, c, &st);
				if (n == (size_t)-1) {
					mb[0] = '?';
					n = 1;
				}
				memcpy(line + pos, mb, n);
				pos += n;
				if (i > 0 || c != L' ')
					keep = pos;
			}
			if (!wch[0])
				line[pos++] = ' ';
			if (wch[0] && wch[0] != L' ')
				keep = pos;
			x += w;
		}
		fwrite(line, 1, keep, f);
		fputc('\n', f);
	}
	free(line);
	if (fclose(f) != 0)
		return -1;
	return 0;
}

bool
tui_clipboard(const char *text, size_t len)
{
	static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	if (!tui.active || tui.headless)
		return false;
	struct strbuf sb = { 0 };
	strbuf_puts(&sb, "\033]52;c;");
	const unsigned char *u = (const unsigned char *)text;
	for (size_t i = 0; i < len; i += 3) {
		unsigned v = (unsigned)u[i] << 16;
		if (i + 1 < len)
			v |= (unsigned)u[i + 1] << 8;
		if (i + 2 < len)
			v |= u[i + 2];
		char q[4] = { b64[(v >> 18) & 63], b64[(v >> 12) & 63], i + 1 < len ? b64[(v >> 6) & 63] : '=',
			      i + 2 < len ? b64[v & 63] : '=' };
		strbuf_append(&sb, q, 4);
	}
	strbuf_puts(&sb, "\a");
	/* Straight to the terminal: curses has flushed its frame (doupdate) already. */
	fflush(stdout);
	size_t off = 0;
	bool ok = true;
	while (off < sb.len) {
		ssize_t w = write(STDOUT_FILENO, sb.buf + off, sb.len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			ok = false;
			break;
		}
		off += (size_t)w;
	}
	strbuf_free(&sb);
	return ok;
}

void
tui_suspend(void)
{
	if (!tui.active || tui.headless)
		return;
	def_prog_mode();
	endwin();
	fflush(stdout);
}

void
tui_resume(void)
{
	if (!tui.active || tui.headless)
		return;
	reset_prog_mode();
	int rows, cols;
	if (tui_query_size(&rows, &cols) && (rows != LINES || cols != COLS))
		resizeterm(rows, cols);
	clearok(curscr, TRUE);
	wnoutrefresh(stdscr);
	doupdate();
}

int
tui_stderr_fd(void)
{
	return tui.saved_err >= 0 ? tui.saved_err : STDERR_FILENO;
}

void
tui_notify(int how, const char *title, const char *body)
{
	if (!tui.active || tui.headless || how == BINDINGS_NOTIFY_NONE)
		return;
	if (how == BINDINGS_NOTIFY_BELL) {
		beep();
		return;
	}
	struct strbuf sb = { 0 };
	/* No control characters inside the sequence: they would end it early. */
	char t[128], b[256];
	snprintf(t, sizeof(t), "%s", title);
	snprintf(b, sizeof(b), "%s", body);
	for (char *p = t; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == ';')
			*p = ' ';
	for (char *p = b; *p; p++)
		if ((unsigned char)*p < 0x20)
			*p = ' ';
	if (how == BINDINGS_NOTIFY_OSC9)
		strbuf_printf(&sb, "\033]9;%s: %s\a", t, b);
	else
		strbuf_printf(&sb, "\033]777;notify;%s;%s\a", t, b);
	fflush(stdout);
	if (write(STDOUT_FILENO, sb.buf, sb.len) < 0) {
		/* a notification that cannot be written is only lost */
	}
	strbuf_free(&sb);
}
