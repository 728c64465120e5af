/*
 * src/view.h: what the browser's files share (internal to src/app*.c and src/view_*.c).
 *
 * Owns: struct app -- the loop's own state plus one state struct per view --
 * and the functions one view or the loop calls in another. Each view
 * (conversations, files, events, preview, downloads) lives in src/view_NAME.c
 * with its state, its model glue and its pane ops; src/view_prompts.c answers
 * the prompts; src/app_actions.c the actions every pane shares; src/app.c
 * the setup, the loop and the script driver.
 */
#ifndef OHBROWSE_SRC_VIEW_H
#define OHBROWSE_SRC_VIEW_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "api/backup_index.h"
#include "src/app.h"
#include "src/handover.h"
#include "src/model.h"
#include "tui/bindings.h"
#include "tui/help.h"
#include "tui/layout.h"
#include "tui/line.h"
#include "tui/pane.h"
#include "tui/prompt.h"
#include "tui/textview.h"

struct app;
struct app_job;		/* src/view_downloads.c */
struct dir_load;		/* src/view_files.c */
bool app_file_hand(struct app *a);

#define PREVIEW_MAX (64 * 1024)
#define LOADING_DELAY_MS 300
#define VIEW_PUMP_BUDGET (256 * 1024)	/* bytes a background job writes per loop turn */
#define APP_LOG_MAX 50		/* messages kept for the messages view */

enum prompt_purpose {
	PURPOSE_NONE = 0,
	PURPOSE_FILTER,
	PURPOSE_QUIT,
	PURPOSE_CANCEL_ALL,
	PURPOSE_DOWNLOAD,
	PURPOSE_DOWNLOAD_NAME,
	PURPOSE_API_KEY,
	PURPOSE_EVENT_SEARCH,
	PURPOSE_WAKE_DOWNLOAD,
	PURPOSE_BACKUP_ALL,
	PURPOSE_SEARCH,
	PURPOSE_TREE_FILTER,
};

/*
 * The views, in pane order: VIEW_LIST(X) expands X(id, ops) once per view.
 * A new pane is one line here, its src/view_NAME.c (which defines the ops)
 * and its line in src/meson.build; see docs/hacking.md, "Add a pane".
 */
#define VIEW_LIST(X)                          \
	X(PANE_CONV, view_convs)              \
	X(PANE_FILES, view_files)             \
	X(PANE_EVENTS, view_events)           \
	X(PANE_PREVIEW, view_preview)         \
	X(PANE_DOWNLOADS, view_downloads)

enum pane_id {
#define VIEW_ID(id, ops) id,
	VIEW_LIST(VIEW_ID)
#undef VIEW_ID
	PANE_COUNT,
};

/* Rows that change with time alone, for the loop to redraw. */
enum view_anim {
	VIEW_STILL = 0,
	VIEW_LOADING,		/* a Loading row, shown LOADING_DELAY_MS after the request */
	VIEW_TICKING,		/* a clock (the wake's seconds): every turn */
};

/* A key hint on the hint row: the action's first key, then its label. */
struct view_hint {
	enum action act;
	const char *label;
};

/* A prompt a view answers: what a key at the prompt of this purpose does. */
struct view_prompt {
	int purpose;			/* enum prompt_purpose; 0 ends a table */
	void (*on_result)(struct app *a, enum prompt_result r);
	/* May be NULL: draws the hint row while this prompt is open. */
	void (*hint_row)(struct app *a, struct line *l);
};

/*
 * A view: its pane ops (rows, title, its own actions) and what the loop asks
 * of it. Every hook but pane may be NULL. The loop calls the hooks of all
 * views in pane order (the pumps in reverse: see app_views_pump).
 */
struct view_ops {
	const struct pane_ops *pane;
	enum layout_role role;		/* where tui/layout places it */
	bool previewed;			/* the preview follows its cursor */
	bool scroll_only;		/* no visible cursor: movement scrolls */
	const struct view_hint *hints;	/* the hint row while it has the focus; ACTION_NONE ends */
	const struct view_prompt *prompts;
	void (*init)(struct app *a);
	/* Once, after every view is set up and the config has been read. */
	void (*start)(struct app *a);
	/* Quitting: stop what must not outlive the program (an export's .part). */
	void (*quit)(struct app *a, const char *why);
	/* Teardown, before the terminal is given back: cancel its operations. */
	void (*stop)(struct app *a);
	void (*free)(struct app *a);
	/* Each frame: shown or not, and how big it would like to be. */
	void (*place)(const struct app *a, bool wide, struct layout_slot *slot);
	bool (*focusable)(const struct app *a);	/* Tab stops here */
	/* A job runs that quitting would cancel (q and Ctrl-C ask first); frames
	 * are capped at FRAME_MS meanwhile, as its progress redraws each turn. */
	bool (*running)(const struct app *a);
	bool (*busy)(const struct app *a);	/* work in flight (the script's :wait) */
	enum view_anim (*animating)(const struct app *a);	/* rows that change with time alone */
	/* Once a turn: background work; true when there is more to do at once. */
	bool (*pump)(struct app *a);
	void (*tick)(struct app *a, int64_t now);	/* timers */
	long (*timeout)(const struct app *a, int64_t now, long t);	/* at most t ms of sleep */
	/* May draw the message row instead of the message (a wake's seconds). */
	bool (*message_row)(struct app *a, int cols);
	/* An action meant for this view wherever the focus is (v, L, X, R, D...). */
	bool (*global_action)(struct app *a, enum action act);
	/* The focused pane's action, before the pane runs it (moves included). */
	void (*pre_action)(struct app *a, enum action act);
	/* Esc in this pane; false: the default (back to the conversations). */
	bool (*close)(struct app *a);
	/* y: what to copy from this pane (*what says what it is); NULL: nothing. */
	const char *(*copy)(struct app *a, const char **what);
	/* The title bar's position item; NULL: "cursor/rows". */
	void (*position)(struct app *a, char *buf, size_t n);
	/* o / e: hand what it shows to the pager or the editor (app_hand_run or
	 * app_hand_fetch); false: nothing to open here. */
	bool (*hand)(struct app *a);
	/* The / search and n / N; NULL: pane_find over the drawn rows. */
	bool (*find)(struct app *a, struct pane *p, int dir, bool skip, bool *wrapped);
};

/* The conversation list, its server lister, the wake, the first-run key and
 * the backup (B) of marked conversations: src/view_convs.c and
 * src/view_convs_jobs.c own these. */
struct view_convs_state {
	struct conv_list convs;
	struct api_lister *lister;
	struct api_op *list_op;
	int64_t list_started_ms;
	char *server_filter;		/* title__contains of the current lister */
	/* The conversation to keep selected across a refresh (r): rows arrive
	 * page by page, so the id is looked for in each page, and pages are read
	 * until it shows up or as many rows as before are loaded. */
	char *keep_id;
	size_t keep_count;
	char *filter_before;		/* filter to restore when the prompt is cancelled */

	/* first run: a typed key */
	struct api_client *own_client;	/* built here from a typed key (opts->ask_key) */
	char *key_checking;		/* that key, stored once a list page succeeds */

	/* wake */
	struct api_op *wake_op;
	char *wake_id;
	char wake_title[256];		/* says which conversation is waking */
	char *wake_download_id;		/* d on a paused one: download it once it woke */
	int64_t wake_started_ms;
	long wake_elapsed_ms;
	char wake_status[64];

	/* backup (B): marked conversations, and the job that takes them home */
	char **bk_marks;
	size_t n_bk_marks;
	struct backup_job *backup;
	size_t backup_reported;		/* items already said */
	struct api_backup_index bk_index;	/* what the backup directory holds (rows, details) */
	bool bk_index_loaded;
};

/* One conversation's files: src/view_files.c owns these. */
struct view_files_state {
	bool files_open;
	struct api_conversation conv;	/* copy of the opened conversation (also the download's) */
	bool have_conv;
	struct file_tree tree;
	size_t *marked_below;		/* per node: marked files at or below it (drawn rows) */
	size_t n_marked_below;		/* nodes it covers (the tree as the title saw it) */
	struct api_op *walk_op;
	struct api_op *changes_op;
	struct dir_load **dir_loads;
	size_t n_dir_loads;
};

/* One conversation's events (the event pane): src/view_events.c owns these. */
struct view_events_state {
	bool events_open;
	enum pane_id events_from;	/* the pane v was pressed in: Esc goes back there */
	struct api_conversation ev_conv;
	bool have_ev_conv;
	struct event_list events;
	struct api_events *pager;
	bool ev_loading;		/* a page is in flight */
	int64_t ev_started_ms;
	bool follow;			/* poll for new events every FOLLOW_MS */
	bool ev_to_end;			/* G: read every page, then stand on the last event */
	int64_t follow_due;		/* next poll (0: none planned) */
	char *search_before;		/* search to restore when the prompt is cancelled */
};

/* The preview pane: src/view_preview.c owns these. */
struct view_preview_state {
	bool pv_wrap;			/* w: long lines wrap instead of being cut */
	bool pv_numbers;		/* L: line numbers in a gutter */
	/* The wrapped rows: row k shows wr_len[k] bytes of line wr_line[k] from wr_off[k];
	 * rebuilt when the text, the width or the gutter changes. */
	size_t *wr_line, *wr_off, *wr_len;
	size_t wr_n, wr_cap;
	const void *wr_key;
	unsigned wr_gen;
	int wr_width;
	struct preview preview;
	struct api_op *preview_op;
};

/* The export job, its queue and the download prompts: src/view_downloads.c owns these. */
struct view_downloads_state {
	struct export_job *export;
	bool export_visible;
	bool export_reported;
	int64_t export_last_bytes;
	char download_name[1024];
	/* What the job in export was started with, so R can run it again after
	 * it ended (the files view may show another conversation by then). */
	struct api_conversation export_conv;
	bool have_export_conv;
	char **export_paths;		/* NULL: the whole workspace */
	size_t n_export_paths;
	char export_base[256];
	struct app_job *queue;		/* downloads waiting, oldest first */
	size_t n_queue;
	char download_base[256];	/* the default name, for a directory typed at the prompt */
	char download_target[1200];	/* the name prompt: where Enter would save, or why not */
	bool download_target_bad;
	bool download_marks;		/* the confirmed download uses the marks */
};

struct app {
	struct api_client *client;
	struct http *http;
	const struct app_options *opts;
	struct bindings bindings;
	struct help help;
	struct textview view;		/* an error or the message log, in full */
	/* The last messages, oldest first, for the messages action: a message
	 * line too narrow for its text loses nothing (issue 14, item 3). */
	char *log[APP_LOG_MAX];
	size_t n_log;
	struct script *script;
	const char *dump_dir;
	int64_t script_blocked_since;
	bool script_settled;		/* :wait-bytes held on the previous turn too */
	int exit_code;
	bool quit;
	bool dirty;
	bool urgent;			/* a key or a resize: draw now, whatever the frame cap */
	int64_t key_ms;			/* when the turn that read the first key since the last frame began */
	int64_t turn_ms;		/* when this loop turn began (the poll woke) */
	FILE *latency_log;		/* OHBROWSE_LATENCY_LOG: key-to-frame ms, one per line (bench/) */
	int64_t last_render_ms;
	bool pump_more;			/* a background job has more to write now */

	/* each view's state (see above) */
	struct view_convs_state cv;
	struct view_files_state fl;
	struct view_events_state ev;
	struct view_preview_state pv;
	struct view_downloads_state dl;

	/* The / search of a pane (tui/pane.c does the finding): where it started,
	 * to come back to on Esc, and the search before it. */
	enum pane_id find_pane;
	size_t find_origin;
	char find_before[128];

	bool zoom;			/* z: the focused pane takes the whole screen */
	enum pane_id preview_source;	/* the pane whose cursor the preview follows */

	/* o / e: the terminal lent to $PAGER or $EDITOR */
	struct handover hand;
	struct api_op *hand_op;		/* fetching the whole file first */
	bool hand_editor;
	char *hand_name;

	/* ui */
	struct pane panes[PANE_COUNT];
	enum pane_id focus;
	struct prompt prompt;
	bool sigint_asked;
	char message[512];
	enum role message_role;
	int64_t message_until;
	bool stdin_eof;
	int stdin_spurious;
	struct layout layout;
};

/* ---- what one file calls in another ---- */

#define VIEW_DECL(id, ops) extern const struct view_ops ops;
VIEW_LIST(VIEW_DECL)
#undef VIEW_DECL

/* The views by pane id, and what the loop asks of all of them (src/app.c). */
extern const struct view_ops *const app_views[PANE_COUNT];
void app_views_quit(struct app *a, const char *why);
bool app_views_running(const struct app *a);

/* src/app_actions.c */
void app_draw_title(struct app *a, int cols);
void app_message(struct app *a, enum role role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void app_size_words(char *buf, size_t n, int64_t bytes, bool unknown);
void app_show_text(struct app *a, const char *title, enum role role, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void app_focus(struct app *a, enum pane_id id);
struct pane *app_pane(struct app *a, enum pane_id id);
bool app_show_loading_row(struct app *a, enum model_state st, int64_t since);
void app_status_hints(struct app *a, struct line *l);
void app_draw_message(struct app *a, int cols);
bool app_find(struct app *a, struct pane *p, int dir, bool skip, bool *wrapped);
void app_hand_poll(struct app *a);
void app_hand_run(struct app *a, const char *name, const char *text, size_t len);
void app_hand_fetch(struct app *a, const struct api_conversation *conv, const char *path);
void app_request_quit(struct app *a);
void app_action(struct app *a, enum action act);

/* src/view_prompts.c */
const struct view_prompt *app_prompt_entry(const struct app *a);
void app_prompt_result(struct app *a, enum prompt_result r);

/* src/view_convs.c */
char *app_selected_id(struct app *a);
bool app_select_id(struct app *a, const char *id);
const char *app_status_word(const struct api_conversation *c);
bool app_conv_deleted(const struct api_conversation *c);
struct api_conversation *app_current_conv(struct app *a);
void app_preview_conv(struct app *a, const struct api_conversation *c);
bool app_source_local(struct app *a);
void app_wake(struct app *a, const struct api_conversation *c);
const char *app_sort_arrow(const struct app *a);

/* src/view_convs_jobs.c */
void convs_prompt_wake_download(struct app *a, enum prompt_result r);
const struct api_backup_entry *app_bk_entry(struct app *a, const char *id);
char app_bk_state(struct app *a, const struct api_conversation *c);
bool app_bk_marked(const struct app *a, const char *id);
void app_bk_toggle(struct app *a, const char *id);
void app_bk_clear(struct app *a);
void app_backup_prompt(struct app *a);
void app_backup_stop(struct app *a);
void convs_prompt_backup_all(struct app *a, enum prompt_result r);
bool convs_pump(struct app *a);

/* src/view_files.c */
bool app_file_hand(struct app *a);
void app_cancel_files(struct app *a);
void app_load_files(struct app *a);
void app_open_conv(struct app *a, const struct api_conversation *c);
struct file_node *app_current_node(struct app *a, size_t *index);

/* src/view_events.c */
bool app_event_hand(struct app *a);
const char *app_event_copy(struct app *a, const char **what);
struct api_event *app_current_event(struct app *a);
void app_preview_event(struct app *a, bool whole);
void app_events_drop(struct app *a);

/* src/view_preview.c */
void app_preview_follow(struct app *a);

/* src/view_downloads.c */
bool app_download_reached(struct app *a, int64_t bytes);
bool app_export_running(const struct app *a);
void app_download_prompt(struct app *a, bool use_marks);
void app_download_ask(struct app *a, const struct api_conversation *c, bool use_marks);
bool app_downloads_shown(const struct app *a);

#endif
