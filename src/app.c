/*
 * src/app.c: the browser's setup, its single event loop and the script driver
 * (see app.h). It knows the views only through the table in view.h: each turn
 * http_perform -> signals -> keys (or the script) -> the views' pumps ->
 * render (one doupdate) -> http_wait on the sockets, stdin and the signal
 * self-pipe.
 */
#include "src/view.h"

#include <errno.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "src/backup.h"
#include "src/export.h"
#include "src/signals.h"
#include "src/base/util.h"
#include "tui/keys.h"
#include "tui/script.h"
#include "tui/text.h"
#include "tui/tui.h"

#define FRAME_MS 100
#define SCRIPT_TIMEOUT_MS 30000

/* The views by pane id, from VIEW_LIST (view.h). */
#define VIEW_ENTRY(id, ops) [id] = &ops,
const struct view_ops *const app_views[PANE_COUNT] = { VIEW_LIST(VIEW_ENTRY) };
#undef VIEW_ENTRY

/* ---- what the loop asks of every view ---- */

void
app_views_quit(struct app *a, const char *why)
{
	for (int i = 0; i < PANE_COUNT; i++)
		if (app_views[i]->quit)
			app_views[i]->quit(a, why);
}

bool
app_views_running(const struct app *a)
{
	for (int i = 0; i < PANE_COUNT; i++)
		if (app_views[i]->running && app_views[i]->running(a))
			return true;
	return false;
}

static bool
app_views_busy(const struct app *a)
{
	for (int i = 0; i < PANE_COUNT; i++)
		if (app_views[i]->busy && app_views[i]->busy(a))
			return true;
	return false;
}

static enum view_anim
app_views_animating(const struct app *a)
{
	enum view_anim an = VIEW_STILL;
	for (int i = 0; i < PANE_COUNT; i++)
		if (app_views[i]->animating && app_views[i]->animating(a) > an)
			an = app_views[i]->animating(a);
	return an;
}

/* The background jobs' turn. In reverse pane order, so that a download's
 * message comes before a backup's said in the same turn (the backup's stays). */
static bool
app_views_pump(struct app *a)
{
	bool more = false;
	for (int i = PANE_COUNT - 1; i >= 0; i--)
		if (app_views[i]->pump && app_views[i]->pump(a))
			more = true;
	return more;
}

/* Each view places itself (tui/layout does the arithmetic by role); z gives the
 * focused pane every row, and the focus never stays on a hidden pane. */
static void
app_layout(struct app *a)
{
	int rows, cols;
	tui_size(&rows, &cols);
	bool wide = cols >= LAYOUT_WIDE_COLS;
	struct layout_slot slots[PANE_COUNT];
	memset(slots, 0, sizeof(slots));
	for (int i = 0; i < PANE_COUNT; i++) {
		slots[i].role = app_views[i]->role;
		if (app_views[i]->place)
			app_views[i]->place(a, wide, &slots[i]);
	}
	layout_place(rows, cols, slots, PANE_COUNT, &a->layout);
	if (a->zoom && !a->layout.too_small) {
		struct rect all = { a->layout.title.y + 1, 0, a->layout.status.y - a->layout.title.y - 1, cols };
		if (!slots[a->focus].shown)
			a->zoom = false;	/* a hidden pane (the downloads) loses it from the next frame */
		for (int i = 0; i < PANE_COUNT; i++)
			memset(&slots[i].r, 0, sizeof(slots[i].r));
		slots[a->focus].r = all;
	}
	for (int i = 0; i < PANE_COUNT; i++)
		a->panes[i].r = slots[i].r;
	/* The last visible of the panes the preview follows (events, files, the list). */
	if (!a->layout.too_small && !pane_visible(&a->panes[a->focus])) {
		a->focus = PANE_CONV;
		for (int i = PANE_COUNT - 1; i >= 0; i--)
			if (app_views[i]->previewed && pane_visible(&a->panes[i])) {
				a->focus = (enum pane_id)i;
				break;
			}
	}
	for (int i = 0; i < PANE_COUNT; i++)
		a->panes[i].focused = (int)a->focus == i;
}

static void
app_render(struct app *a)
{
	int rows, cols;
	tui_size(&rows, &cols);
	app_layout(a);
	tui_frame_begin();
	if (a->layout.too_small) {
		char msg[128];
		snprintf(msg, sizeof(msg), "Too small: %dx%d, need %dx%d", cols, rows,
			 LAYOUT_MIN_COLS, LAYOUT_MIN_ROWS);
		int w = text_width(msg);
		int y = rows / 2, x = cols > w ? (cols - w) / 2 : 0;
		tui_draw_text(y, x, cols - x, ROLE_WARNING, msg);
		if (rows > 1)
			tui_draw_text(y + 1 < rows ? y + 1 : y, 0, cols, ROLE_NORMAL, "q quits");
		tui_frame_end();
		return;
	}
	struct line l;
	app_draw_title(a, cols);
	/* Panes */
	for (int i = 0; i < PANE_COUNT; i++)
		if (pane_visible(&a->panes[i]))
			pane_draw(&a->panes[i]);
	/* Status: key hints */
	line_reset(&l, tui_utf8());
	const struct view_prompt *pe = prompt_open(&a->prompt) ? app_prompt_entry(a) : NULL;
	if (pe && pe->hint_row)
		pe->hint_row(a, &l);
	else
		app_status_hints(a, &l);
	tui_draw_line(a->layout.status.y, 0, cols, &l, ROLE_STATUS, false, false);
	/* Message row or prompt */
	bool drawn = false;
	if (prompt_open(&a->prompt)) {
		prompt_draw(&a->prompt, &a->layout.message);
		drawn = true;
	}
	for (int i = 0; i < PANE_COUNT && !drawn; i++)
		drawn = app_views[i]->message_row && app_views[i]->message_row(a, cols);
	if (!drawn && a->message[0])
		app_draw_message(a, cols);
	if (a->help.open)
		help_draw(&a->help, rows, cols);
	if (a->view.open)
		textview_draw(&a->view, rows, cols);
	tui_frame_end();
	a->last_render_ms = clock_now_ms();
	if (a->key_ms && a->latency_log)
		fprintf(a->latency_log, "%lld\n", (long long)(a->last_render_ms - a->key_ms));
	a->key_ms = 0;
	a->dirty = false;
	a->urgent = false;
}

static void
app_mouse(struct app *a)
{
	int y, x, button;
	if (!tui_mouse(&y, &x, &button))
		return;
	for (int i = 0; i < PANE_COUNT; i++) {
		struct pane *p = &a->panes[i];
		if (!pane_visible(p) || y < p->r.y || y >= p->r.y + p->r.h || x < p->r.x ||
		    x >= p->r.x + p->r.w)
			continue;
		if (button == 4 || button == 5) {
			for (int k = 0; k < 3; k++)
				pane_action(p, button == 4 ? ACTION_MOVE_UP : ACTION_MOVE_DOWN);
		} else {
			app_focus(a, (enum pane_id)i);
			size_t row = pane_row_at(p, y);
			if (row != (size_t)-1)
				pane_set_cursor(p, row);
		}
		a->dirty = true;
		return;
	}
}

static void
app_key(struct app *a, int key)
{
	a->urgent = true;
	if (!a->key_ms)	/* from the wake-up: the transfers run before keys are read */
		a->key_ms = a->turn_ms ? a->turn_ms : clock_now_ms();
	if (key == keys_resize) {
		a->dirty = true;
		return;
	}
	if (key == keys_mouse) {
		app_mouse(a);
		return;
	}
	if (prompt_open(&a->prompt)) {
		app_prompt_result(a, prompt_key(&a->prompt, key));
		return;
	}
	if (a->layout.too_small && key == 'q') {
		app_request_quit(a);
		return;
	}
	if (a->view.open) {
		enum action act = bindings_lookup(&a->bindings, BIND_HELP, key);
		if (act == ACTION_CLOSE || act == ACTION_BACK || act == ACTION_OPEN || act == ACTION_MESSAGES)
			textview_close(&a->view);
		else if (act == ACTION_QUIT) {
			textview_close(&a->view);
			app_request_quit(a);
		} else
			pane_action(&a->view.pane, act);
		a->dirty = true;
		return;
	}
	if (a->help.open) {
		enum action act = bindings_lookup(&a->bindings, BIND_HELP, key);
		if (act == ACTION_CLOSE || act == ACTION_HELP || act == ACTION_BACK) {
			a->help.open = false;
		} else if (act == ACTION_QUIT) {
			a->help.open = false;
			app_request_quit(a);
		} else {
			pane_action(&a->help.pane, act);
		}
		a->dirty = true;
		return;
	}
	enum bind_context ctx = a->panes[a->focus].ops->ctx;
	enum action act = bindings_lookup(&a->bindings, ctx, key);
	if (act == ACTION_NONE) {
		char name[32], help_key[32];
		keys_name(key, name, sizeof(name));
		help_first_key(&a->bindings, ctx, ACTION_HELP, help_key, sizeof(help_key));
		app_message(a, ROLE_MUTED, "Unknown key %s, press %s for help", name,
			    help_key[0] ? help_key : "?");
		return;
	}
	app_action(a, act);
}

/* ---- signals ---- */

static void
app_signals(struct app *a)
{
	unsigned set = signals_take();
	if (!set)
		return;
	if (set & (1u << SIGWINCH)) {
		int rows, cols;
		a->urgent = true;
		if (tui_query_size(&rows, &cols))
			tui_resize(rows, cols);
		a->dirty = true;
	}
	if (set & ((1u << SIGTERM) | (1u << SIGHUP))) {
		/* Orderly quit: the export removes its .part when cancelled. */
		app_views_quit(a, "terminated by a signal");
		a->quit = true;
		a->exit_code = 128 + ((set & (1u << SIGTERM)) ? SIGTERM : SIGHUP);
		return;
	}
	if ((set & (1u << SIGINT)) && a->hand.pid) {
		/* Ctrl-C in the pager is the pager's (it reached us as the same process group). */
	} else if (set & (1u << SIGINT)) {
		if (!app_views_running(a) || a->sigint_asked) {
			app_views_quit(a, "interrupted");
			a->quit = true;
			if (a->sigint_asked)
				a->exit_code = 130;
			return;
		}
		a->sigint_asked = true;
		prompt_confirm(&a->prompt, PURPOSE_QUIT,
			       "A download is running: quit and cancel it? (y/n; Ctrl-C again quits)", NULL);
		a->dirty = true;
	}
}

/* ---- the script driver (headless tests) ---- */

static bool
app_idle(struct app *a)
{
	if (app_views_busy(a) || a->hand.pid || a->hand_op || a->pump_more)
		return false;
	return http_pending(a->http) == 0;
}

static void
app_dump(struct app *a, const char *name)
{
	char *path = xasprintf("%s/%s.screen", a->dump_dir, name);
	if (tui_dump(path) != 0) {
		fprintf(stderr, "ohbrowse: script: cannot write %s: %s\n", path, strerror(errno));
		a->exit_code = 1;
	}
	free(path);
}

/* Run script items until one has to wait. Returns true when more is ready now. */
static bool
app_script_step(struct app *a)
{
	for (;;) {
		const struct script_item *it = script_peek(a->script);
		int64_t now = clock_now_ms();
		switch (it->kind) {
		case SCRIPT_KEY:
			script_next(a->script);
			app_key(a, it->key);
			a->script_blocked_since = 0;
			return true; /* one key per turn: completions and renders run in between */
		case SCRIPT_WAIT:
		case SCRIPT_WAIT_BYTES: {
			bool ready;
			if (it->kind == SCRIPT_WAIT)
				ready = app_idle(a);
			else
				ready = app_download_reached(a, it->bytes);
			if (ready && it->kind == SCRIPT_WAIT_BYTES && (a->pump_more || !a->script_settled)) {
				/* Let the pump write what is spooled, and see the state hold for
				 * one more turn, so the dump does not race with the ZIP writer. */
				a->script_settled = !a->pump_more;
				return true;
			}
			a->script_settled = false;
			if (ready) {
				script_next(a->script);
				a->script_blocked_since = 0;
				continue;
			}
			if (!a->script_blocked_since)
				a->script_blocked_since = now;
			if (now - a->script_blocked_since > SCRIPT_TIMEOUT_MS) {
				fprintf(stderr, "ohbrowse: script line %d: timed out waiting\n", it->line);
				a->exit_code = 1;
				a->quit = true;
			}
			return false;
		}
		case SCRIPT_DUMP:
			/* Draw first so the dump shows this state, whatever the frame cap. */
			app_render(a);
			app_dump(a, it->name);
			script_next(a->script);
			continue;
		case SCRIPT_RESIZE:
			tui_resize(it->rows, it->cols);
			script_next(a->script);
			a->dirty = true;
			return true;
		case SCRIPT_QUIT:
		case SCRIPT_EOF:
			app_views_quit(a, "quit");
			a->quit = true;
			return false;
		}
	}
}

/* ---- the loop ---- */

static void
app_read_keys(struct app *a, bool stdin_woke)
{
	int key, got = 0;
	while ((key = tui_read_key()) != KEYS_NONE) {
		got++;
		app_key(a, key);
		if (a->quit || a->hand.pid)
			return;	/* a pager now owns the terminal: reading would take it back */
	}
	if (a->script || a->stdin_eof || !stdin_woke || got)
		return;
	/* poll said readable but curses had nothing: stdin may be closed (curl
	 * does not report POLLHUP back). Check it ourselves so we never spin. */
	struct pollfd pfd = { .fd = STDIN_FILENO, .events = POLLIN };
	if (poll(&pfd, 1, 0) == 1 && (pfd.revents & (POLLHUP | POLLERR | POLLNVAL))) {
		a->stdin_eof = true;
	} else if (++a->stdin_spurious > 200) {
		a->stdin_eof = true;
	}
	if (a->stdin_eof) {
		app_views_quit(a, "the terminal went away");
		a->quit = true;
	}
}

static long
app_timeout(struct app *a, bool script_ready)
{
	if (script_ready || a->pump_more)
		return 0;
	int64_t now = clock_now_ms();
	long t = http_next_timeout_ms(a->http);
	if (t < 0 || t > 60000)
		t = 60000;
	if (a->script && t > 50)
		t = 50; /* re-check :wait barriers often (they also watch a timeout) */
	if (a->message[0] && a->message_until > now && a->message_until - now < t)
		t = (long)(a->message_until - now);
	for (int i = 0; i < PANE_COUNT; i++)
		if (app_views[i]->timeout)
			t = app_views[i]->timeout(a, now, t);
	if (a->dirty) {
		int64_t due = a->last_render_ms + FRAME_MS - now;
		if (due < 0)
			due = 0;
		if (due < t)
			t = (long)due;
	}
	return t;
}

static void
app_loop(struct app *a)
{
	struct http_waitfd fds[2];
	bool stdin_woke = false;
	int64_t last_loading_render = 0;
	while (!a->quit) {
		a->turn_ms = clock_now_ms();
		http_perform(a->http);
		app_signals(a);
		if (a->quit)
			break;
		bool script_ready = false;
		app_hand_poll(a);
		bool lent = a->hand.pid != 0;	/* the terminal belongs to the pager or the editor */
		if (lent) {
			/* no keys, no frames: the transfers and the export go on below */
		} else if (a->script) {
			/* Only <Resize> arrives through curses in script mode. */
			int key;
			while ((key = tui_read_key()) != KEYS_NONE)
				app_key(a, key);
			script_ready = app_script_step(a);
		} else {
			app_read_keys(a, stdin_woke);
		}
		a->pump_more = app_views_pump(a);
		if (a->quit)
			break;
		int64_t now = clock_now_ms();
		if (a->message[0] && now >= a->message_until && !a->script) {
			a->message[0] = '\0';
			a->dirty = true;
		}
		for (int i = 0; i < PANE_COUNT; i++)
			if (app_views[i]->tick)
				app_views[i]->tick(a, now);
		/* Rows that change with time alone: Loading... (at LOADING_DELAY_MS), a wake's seconds. */
		enum view_anim an = app_views_animating(a);
		if (an == VIEW_TICKING || (an == VIEW_LOADING && now - last_loading_render >= LOADING_DELAY_MS)) {
			a->dirty = true;
			last_loading_render = now;
		}
		/* Progress alone redraws at most every FRAME_MS (10 frames/s while a
		 * download runs); a key or a resize redraws at once. */
		lent = a->hand.pid != 0;	/* a key may just have handed the terminal over */
		if (!lent && a->dirty && (a->script || a->urgent || now - a->last_render_ms >= FRAME_MS ||
					  !app_views_running(a)))
			app_render(a);
		unsigned n = 0;
		if (!a->script && !a->stdin_eof && !lent) {
			fds[n].fd = STDIN_FILENO;
			fds[n].events = POLLIN;
			fds[n].revents = 0;
			n++;
		}
		fds[n].fd = signals_fd();
		fds[n].events = POLLIN;
		fds[n].revents = 0;
		n++;
		long timeout = app_timeout(a, script_ready);
		if (lent && timeout > 100)
			timeout = 100;	/* how soon the end of the pager is noticed */
		http_wait(a->http, fds, n, timeout);
		stdin_woke = !a->script && !a->stdin_eof && !lent && fds[0].revents != 0;
		if (!stdin_woke)
			a->stdin_spurious = 0;
	}
}

/* ---- setup and teardown ---- */

static bool app_atexit_done;

static void
app_restore_terminal(void)
{
	tui_end();
}

static char *
app_config_path(const struct app_options *o)
{
	if (o->config)
		return xstrdup(o->config);
	const char *xdg = getenv("XDG_CONFIG_HOME");
	if (xdg && *xdg)
		return xasprintf("%s/ohbrowse/config", xdg);
	const char *home = getenv("HOME");
	if (home && *home)
		return xasprintf("%s/.config/ohbrowse/config", home);
	return NULL;
}

void
app_dump_actions(FILE *f)
{
	help_dump_actions(f);
}

/* The script or the terminal, the bindings, curses and the signals; false (and
 * a is freed) when the browser cannot run. */
static bool
app_open(struct app *a, char *cfg_err, size_t cfg_err_size)
{
	char err[512];
	const struct app_options *opts = a->opts;
	const char *script = opts->script ? opts->script : getenv("OHBROWSE_SCRIPT");
	if (script && *script) {
		a->script = script_open(script, err, sizeof(err));
		if (!a->script) {
			fprintf(stderr, "ohbrowse: script: %s\n", err);
			free(a);
			return false;
		}
		a->dump_dir = getenv("OHBROWSE_DUMP_DIR");
		if (!a->dump_dir || !*a->dump_dir)
			a->dump_dir = ".";
	} else if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "ohbrowse: the browser needs a terminal on stdin and stdout; "
				"for scripts use 'ohbrowse list', 'ohbrowse files' or 'ohbrowse download'\n");
		free(a);
		return false;
	}

	bindings_init(&a->bindings);
	char *cfg = app_config_path(opts);
	if (cfg)
		bindings_config_file(&a->bindings, cfg, cfg_err, cfg_err_size);
	free(cfg);

	struct tui_opts to = {
		.headless = a->script != NULL,
		.use_color = colors_wanted((enum colors_mode)opts->color, getenv("NO_COLOR")),
		.mouse = opts->mouse || a->bindings.mouse,
	};
	bool ok = tui_init(&to, err, sizeof(err));
	if (!ok) {
		fprintf(stderr, "ohbrowse: %s\n", err);
	} else {
		if (!app_atexit_done) {
			atexit(app_restore_terminal);
			app_atexit_done = true;
		}
		die_set_hook(app_restore_terminal);
		ok = signals_init(tui_emergency_restore);
		if (!ok) {
			tui_end();
			fprintf(stderr, "ohbrowse: cannot set up signal handling: %s\n", strerror(errno));
		}
	}
	if (!ok) {
		bindings_free(&a->bindings);
		script_free(a->script);
		free(a);
	}
	return ok;
}

/* Teardown: cancel everything first, so no completion sees freed state. */
static void
app_close(struct app *a)
{
	api_op_cancel(&a->hand_op);
	free(a->hand_name);
	if (a->hand.pid) {
		/* Quitting (a signal) while the pager runs: it must not outlive us on the terminal. */
		kill(a->hand.pid, SIGTERM);
		handover_poll(&a->hand);
	}
	for (int i = 0; i < PANE_COUNT; i++)
		if (app_views[i]->stop)
			app_views[i]->stop(a);
	tui_end();
	signals_end();
	die_set_hook(NULL);

	for (int i = 0; i < PANE_COUNT; i++)
		if (app_views[i]->free)
			app_views[i]->free(a);
	help_free(&a->help);
	textview_free(&a->view);
	for (size_t i = 0; i < a->n_log; i++)
		free(a->log[i]);
	bindings_free(&a->bindings);
	script_free(a->script);
	if (a->latency_log)
		fclose(a->latency_log);
	free(a);
}

int
app_run(struct api_client *client, const struct app_options *opts)
{
	struct app *a = xcalloc(1, sizeof(*a));
	char cfg_err[600] = "";
	a->client = client;
	a->http = api_client_http(client);
	a->opts = opts;
	setlocale(LC_ALL, "");
	if (!app_open(a, cfg_err, sizeof(cfg_err)))
		return 2;

	const char *lat = getenv("OHBROWSE_LATENCY_LOG");
	if (lat && *lat)
		a->latency_log = fopen(lat, "w");	/* a measurement aid: a failure only loses figures */
	for (int i = 0; i < PANE_COUNT; i++) {
		if (app_views[i]->init)
			app_views[i]->init(a);
		pane_init(&a->panes[i], app_views[i]->pane, a);
		a->panes[i].scroll_only = app_views[i]->scroll_only;
	}
	help_build(&a->help, &a->bindings);
	a->focus = PANE_CONV;
	a->preview_source = PANE_CONV;
	a->dirty = true;
	if (cfg_err[0])
		app_message(a, ROLE_ERROR, "%s", cfg_err);
	for (int i = 0; i < PANE_COUNT; i++)
		if (app_views[i]->start)
			app_views[i]->start(a);

	app_loop(a);
	int rc = a->exit_code;
	app_close(a);
	return rc;
}
