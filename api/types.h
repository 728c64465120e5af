/*
 * api/types.h: plain data the API layer hands to the rest of the program.
 *
 * No curl or JSON types leak out of api/: decoders turn server JSON into
 * these structs, and every string in them is owned by the struct (free with
 * the matching *_free function). All strings are UTF-8; optional ones are
 * NULL when the server sent null or omitted the field.
 */
#ifndef OHBROWSE_API_TYPES_H
#define OHBROWSE_API_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum api_version {
	API_V0 = 0,	/* nested runtime: {url}/list-files, select-file, zip-directory */
	API_V1 = 1,	/* agent-server: /api/file/..., /api/bash/..., /api/git/... */
};

/* One conversation, merged from V0 ConversationInfo or V1 AppConversation. */
struct api_conversation {
	char *id;		/* 32 lowercase hex */
	char *title;		/* never NULL after decoding ("" if absent) */
	char *status;		/* V0: STARTING RUNNING STOPPED ARCHIVED ERROR; V1: the sandbox's own
				 * RUNNING STARTING PAUSED ERROR MISSING (MISSING = deleted) */
	char *runtime_status;	/* e.g. STATUS$READY, or NULL */
	char *execution_status;	/* V1: idle running finished error ..., or NULL */
	char *repository;	/* selected_repository */
	char *branch;		/* selected_branch */
	char *git_provider;
	char *trigger;
	char *created_at;	/* ISO 8601 as sent */
	char *updated_at;	/* last_updated_at (V0) or updated_at (V1) */
	char *url;		/* V0: {runtime}/api/conversations/{id}; V1: conversation_url; NULL if not running */
	char *session_api_key;	/* secret: never print or log */
	char *sandbox_id;	/* V1 only */
	char *workspace_root;	/* V1 running: the agent-server's workspace.working_dir, or NULL */
	enum api_version version;
	int64_t created_s;	/* parsed created_at, -1 if unknown */
	int64_t updated_s;	/* parsed updated_at, -1 if unknown */
	/* Local conversations (api/local.h): read from disk, never from a server. */
	bool local;
	char *local_dir;	/* the conversation's directory (base_state.json or metadata.json) */
	char *local_workspace;	/* workspace.working_dir when that directory exists here, else NULL */
};

void api_conversation_free(struct api_conversation *c);	/* frees members, not c */
/*
 * When a PAUSED V1 sandbox will likely be deleted: updated_at + retention_days (Cloud reaps
 * paused sandboxes about 14 days after they pause, openhands-api-2026.md §3.2). -1 when
 * that does not apply (running, deleted, V0, local) or updated_at is unknown.
 */
int64_t api_conversation_reap_s(const struct api_conversation *c, int retention_days);
/* "deleted" for MISSING, else the status as the server sent it ("UNKNOWN" when absent). */
const char *api_conversation_status_word(const struct api_conversation *c);
void api_conversation_copy(struct api_conversation *dst, const struct api_conversation *src);
bool api_conversation_is_running(const struct api_conversation *c);

/*
 * One event of a conversation's trajectory, decoded for reading (decoders in
 * api/events.h). Kept here, as plain data, so the TUI can draw rows without
 * seeing any decoder.
 */
enum api_event_kind {
	API_EVENT_USER = 0,	/* a user message */
	API_EVENT_AGENT,	/* an agent message */
	API_EVENT_ACTION,	/* a tool call: command run, file edited, finish, think ... */
	API_EVENT_OBSERVATION,	/* a tool result: exit code, output */
	API_EVENT_ERROR,	/* agent or runtime error */
	API_EVENT_STATE,	/* execution status / agent state change, pause */
	API_EVENT_OTHER,	/* system prompt, condensation, unknown kinds */
	API_EVENT_CORRUPT,	/* not JSON, or not an event: shown as such, never fatal */
	API_EVENT_KIND_COUNT
};

struct api_event {
	enum api_event_kind kind;
	char *id;		/* as sent (V0 integer ids in decimal); "" when absent */
	char *timestamp;	/* as sent, NULL when absent */
	int64_t time_s;		/* parsed timestamp, -1 if unknown */
	char *source;		/* user, agent, environment; NULL when absent */
	char *type;		/* V1 kind or action/observation class, V0 action/observation name */
	char *summary;		/* one line without control characters; never NULL */
	char *text;		/* the whole readable text (message, command, output); never NULL */
	char *command;		/* action: the shell command, else NULL */
	char *path;		/* action: the file edited or read, else NULL */
	int exit_code;		/* observation: exit code, -1 when unknown */
	char *raw;		/* the event JSON as received or stored, when asked for; else NULL */
	size_t raw_len;
	char *origin;		/* local: the file the event came from; NULL otherwise */
};

void api_event_free(struct api_event *e);	/* frees members, not e */
/* "user", "agent", "action", "observation", "error", "state", "other", "corrupt". */
const char *api_event_kind_name(enum api_event_kind k);

enum api_file_type {
	API_FILE = 0,
	API_DIR = 1,
};

/* Change markers, unified across V0 letters and V1 words. */
enum api_change {
	API_CHANGE_NONE = 0,
	API_CHANGE_ADDED = 'A',
	API_CHANGE_MODIFIED = 'M',
	API_CHANGE_DELETED = 'D',
	API_CHANGE_RENAMED = 'R',
	API_CHANGE_UNTRACKED = 'U',
};

struct api_file {
	char *path;		/* relative to the workspace root, '/' separated, no trailing '/' */
	enum api_file_type type;
	int64_t size;		/* -1 when unknown */
	int64_t mtime;		/* seconds since the epoch, -1 when unknown */
	enum api_change change;
	unsigned mode;		/* permission bits (07777) from the listing; 0 = unknown */
	char *link;		/* a symbolic link: its target as the listing gave it, else NULL */
};

struct api_file_list {
	struct api_file *items;
	size_t count;
	size_t cap;
	/* a V1 walk: the directories holding a .git ("" the root), which the listing finds and
	 * prunes; none from other sources */
	char **repos;
	size_t n_repos;
};

void api_file_list_add(struct api_file_list *l, const char *path, enum api_file_type type,
		       int64_t size, int64_t mtime, enum api_change change);
void api_file_list_free(struct api_file_list *l);
/* Map a V0 letter ("M") or a V1 word ("UPDATED") to a change; API_CHANGE_NONE if unknown. */
enum api_change api_change_parse(const char *s);

/*
 * A structured error: what failed, in terms a user understands.
 * kind selects the CLI exit code (see docs/ohbrowse.1).
 */
enum api_error_kind {
	API_OK = 0,
	API_ERR_AUTH,		/* 401/403: the key is missing, wrong or expired -> exit 3 */
	API_ERR_NOT_FOUND,	/* 404, 200 null, unknown id -> exit 4 */
	API_ERR_NETWORK,	/* connect, reset, timeout, TLS -> exit 5 */
	API_ERR_SERVER,		/* 5xx, 429 after retries, HTML instead of JSON, bad JSON -> exit 5 */
	API_ERR_UNSUPPORTED,	/* the server lacks the endpoint (HTML 200, 404 on a route) */
	API_ERR_USAGE,		/* caller error: bad argument -> exit 2 */
	API_ERR_CANCELLED,
	API_ERR_LOCAL,		/* local I/O: disk full, permission */
};

struct api_error {
	enum api_error_kind kind;
	long status;		/* HTTP status, 0 if none */
	int curl_code;		/* 0 if none */
	char message[512];	/* one sentence for the user, naming what to do; never a secret */
};

/* GET /api/keys/current (openhands-api-2026.md §1.11); strings NULL when absent. */
struct api_key_info {
	long long id;
	char *name;
	char *org_id;		/* the effective org of the request */
	char *bound_org_id;	/* NULL: an unbound key */
	char *user_id;
	char *auth_type;
	char *expires_at;	/* where the server gives it */
};
void api_key_info_free(struct api_key_info *k);

void api_error_set(struct api_error *e, enum api_error_kind kind, long status, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
/* The CLI exit code for an error kind (0 success, 2 usage, 3 auth, 4 not found, 5 network or server). */
int api_error_exit_code(enum api_error_kind kind);

#endif
