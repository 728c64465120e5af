/*
 * tui/actions.h: every user action, defined once.
 *
 * Owns: the ACTION_INFO table. From it come enum action, the names accepted
 * by "bind" in the config file, the help overlay, --dump-actions and the
 * action table in docs/ohbrowse.conf.5 (a test keeps the two in sync).
 * Columns: id, name, group, help sentence.
 */
#ifndef OHBROWSE_TUI_ACTIONS_H
#define OHBROWSE_TUI_ACTIONS_H

#define ACTION_INFO(_) \
	_(NONE,             "none",             "general",  "Do nothing (use it to unbind a key).") \
	_(QUIT,             "quit",             "general",  "Quit; asks first when a download is running.") \
	_(HELP,             "help",             "general",  "Show or hide this help.") \
	_(REDRAW,           "redraw",           "general",  "Redraw the whole screen.") \
	_(MESSAGES,         "messages",         "general",  "Show the last messages in full (errors included).") \
	_(COPY,             "copy",             "general",  "Copy the conversation's id, the file's path or the event's text to the clipboard (OSC 52).") \
	_(PAGER,            "pager",            "general",  "Open the file, the diff, the event's text or the details in $PAGER.") \
	_(EDITOR,           "editor",           "general",  "Open a read-only copy of the file or the event's text in $EDITOR.") \
	_(MOVE_DOWN,        "move-down",        "movement", "Move the cursor down one row.") \
	_(MOVE_UP,          "move-up",          "movement", "Move the cursor up one row.") \
	_(PAGE_DOWN,        "page-down",        "movement", "Move the cursor down one page.") \
	_(PAGE_UP,          "page-up",          "movement", "Move the cursor up one page.") \
	_(HALF_PAGE_DOWN,   "half-page-down",   "movement", "Move the cursor down half a page.") \
	_(HALF_PAGE_UP,     "half-page-up",     "movement", "Move the cursor up half a page.") \
	_(FIRST,            "first",            "movement", "Go to the first row.") \
	_(LAST,             "last",             "movement", "Go to the last row.") \
	_(NEXT_PANE,        "next-pane",        "movement", "Focus the next pane.") \
	_(ZOOM,             "zoom",             "movement", "Let the focused pane fill the screen, or show all panes again.") \
	_(PREV_PANE,        "prev-pane",        "movement", "Focus the previous pane.") \
	_(OPEN,             "open",             "browse",   "Open the conversation, expand the directory or show the file.") \
	_(BACK,             "back",             "browse",   "Collapse the directory or go up one level.") \
	_(CLOSE,            "close",            "browse",   "Close the overlay or go back to the conversations.") \
	_(FILTER,           "filter",           "browse",   "Filter: conversations by title, files by path; in the events pane, search the loaded events.") \
	_(SEARCH,           "search",           "browse",   "Search the pane (files, preview, downloads): matches are highlighted, the cursor goes to the next.") \
	_(SEARCH_NEXT,      "search-next",      "browse",   "Go to the next match of the search (or of the filter).") \
	_(SEARCH_PREV,      "search-prev",      "browse",   "Go to the previous match of the search (or of the filter).") \
	_(REFRESH,          "refresh",          "browse",   "Reload the list; retries a failed load.") \
	_(SORT,             "sort",             "browse",   "Cycle the sort order: conversations by updated, created, title, status; files by name, size, changed first.") \
	_(SORT_REVERSE,     "sort-reverse",     "browse",   "Reverse the sort order (the arrow in the title shows the direction).") \
	_(WAKE,             "wake",             "browse",   "Wake a stopped conversation.") \
	_(SOURCE,           "toggle-source",    "browse",   "Switch the conversation list between the server and local conversations.") \
	_(WRAP,             "wrap",             "browse",   "In the preview: wrap long lines, or cut them again.") \
	_(LINE_NUMBERS,     "line-numbers",     "browse",   "In the preview: show or hide line numbers.") \
	_(EVENTS,           "events",           "events",   "Show the conversation's events (its trajectory).") \
	_(EVENT_KINDS,      "event-kinds",      "events",   "Cycle the kinds of events shown: all, messages, actions, errors.") \
	_(FOLLOW,           "follow",           "events",   "Follow the conversation: look for new events every few seconds.") \
	_(MARK,             "mark",             "marks",    "Mark or unmark the file or whole directory (in the conversation list: the conversation, for backup).") \
	_(MARK_ALL,         "mark-all",         "marks",    "Mark every file.") \
	_(MARK_CHANGED,     "mark-changed",     "marks",    "Mark the changed files.") \
	_(CLEAR_MARKS,      "clear-marks",      "marks",    "Remove all marks.") \
	_(DOWNLOAD,         "download",         "download", "Download the marked files (or everything) into one ZIP.") \
	_(TOGGLE_DOWNLOADS, "toggle-downloads", "download", "Show or hide the downloads pane.") \
	_(CANCEL_FILE,      "cancel-file",      "download", "Cancel the download under the cursor.") \
	_(CANCEL_ALL,       "cancel-all",       "download", "Cancel the whole download.") \
	_(RETRY_FAILED,     "retry-failed",     "download", "Retry the failed and cancelled files; after the job ended, into a new archive.") \
	_(BACKUP,           "backup",           "download", "Back up the marked conversations (or, after asking, every listed one): one ZIP each in the backup directory, closest to deletion first.")

enum action {
#define ACTION_ENUM(id, name, group, help) ACTION_##id,
	ACTION_INFO(ACTION_ENUM)
#undef ACTION_ENUM
	ACTION_COUNT
};

#endif
