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

struct dir_load;
/* A download waiting for the one running to end (issue 14: several downloads). */
struct app_job {
	struct api_conversation conv;
	char **paths;		/* NULL: the whole workspace */
	size_t n_paths;
	char output[1024];
	char base[256];
};

#define PREVIEW_MAX (64 * 1024)
#define LOADING_DELAY_MS 300
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

enum pane_id {
	PANE_CONV = 0,
	PANE_FILES,
	PANE_EVENTS,
	PANE_PREVIEW,
	PANE_DOWNLOADS,
	PANE_COUNT,
};

/* The conversation list, its server lister, the wake, the first-run key and
 * the backup (B) of marked conversations: src/view_convs.c owns these. */
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


/* src/app_actions.c */
void app_message(struct app *a, enum role role, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void app_size_words(char *buf, size_t n, int64_t bytes, bool unknown);
void app_show_text(struct app *a, const char *title, enum role role, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
void app_focus(struct app *a, enum pane_id id);
struct pane *app_pane(struct app *a, enum pane_id id);
bool app_show_loading_row(struct app *a, enum model_state st, int64_t since);
void app_status_hints(struct app *a, struct line *l);
void app_status_right(struct app *a, char *buf, size_t n, int room);
void app_draw_message(struct app *a, int cols);
bool app_find(struct app *a, struct pane *p, int dir, bool skip, bool *wrapped);
void app_hand_poll(struct app *a);
void app_request_quit(struct app *a);
void app_action(struct app *a, enum action act);

/* src/view_events.c */
struct api_event *app_current_event(struct app *a);
void app_preview_event(struct app *a, bool whole);
void app_events_more(struct app *a);
void app_events_drop(struct app *a);
void app_events_open(struct app *a, const struct api_conversation *c, enum pane_id from);
void app_events_close(struct app *a);
void app_events_poll(struct app *a, int64_t now);

/* src/view_files.c */
void app_cancel_files(struct app *a);
void app_load_files(struct app *a);
void app_open_conv(struct app *a, const struct api_conversation *c);
struct file_node *app_current_node(struct app *a, size_t *index);
size_t files_status_rows(struct app *a);

/* src/view_downloads.c */
bool app_export_running(const struct app *a);
void app_export_free(struct app *a);
void app_download_prompt(struct app *a, bool use_marks);
void app_download_ask(struct app *a, const struct api_conversation *c, bool use_marks);
void app_download_target(struct app *a);
void app_name_prompt(struct app *a, const char *text);
void app_export_forget(struct app *a);
bool app_download_start(struct app *a, bool use_marks);
void app_job_free(struct app_job *j);
void app_retry_finished(struct app *a);
void app_export_check(struct app *a);
bool app_downloads_shown(const struct app *a);

/* src/view_convs.c */
const char *app_status_word(const struct api_conversation *c);
bool app_conv_deleted(const struct api_conversation *c);
struct api_conversation *app_current_conv(struct app *a);
void app_keep_forget(struct app *a);
void app_key_forget(struct app *a);
void app_key_try(struct app *a, const char *key);
void app_list_start(struct app *a, const char *server_filter);
void app_preview_conv(struct app *a, const struct api_conversation *c);
bool app_local_dir_exists(struct app *a);
bool app_source_local(struct app *a);
void app_toggle_source(struct app *a);
void app_on_wake(void *ud, struct api_conversation *conv, const struct api_error *err);
void app_wake(struct app *a, const struct api_conversation *c);
void app_bk_clear(struct app *a);
void app_backup_all(struct app *a);
void app_backup_check(struct app *a);
void app_backup_stop(struct app *a);
const char *app_sort_arrow(const struct app *a);

/* src/view_preview.c */
void app_preview_follow(struct app *a);
void preview_wrap(struct app *a, struct pane *p);

/* src/view_prompts.c */
void app_prompt_result(struct app *a, enum prompt_result r);

extern const struct pane_ops conv_ops, files_ops, events_ops, preview_ops, dl_ops;

#endif
