/*
 * api/json.h: decoders from server JSON bodies to api/types.h structs.
 *
 * Owns: every use of jansson in the program. Decoders are pure functions of
 * the body bytes: they never touch the network, tolerate what real servers
 * send (missing newer fields, null items in lists, extra fields, numbers
 * where strings were expected are ignored), and fail with an api_error whose
 * message names the problem and the byte/line position for malformed JSON
 * ("the server sent malformed JSON (line 2, column 4): ..."). A body that is
 * not JSON at all (an HTML page) yields API_ERR_UNSUPPORTED with a message
 * saying the server answered with a web page instead of JSON.
 * On failure outputs are left empty (nothing to free). Strings in results
 * are owned by the caller.
 */
#ifndef OHBROWSE_API_JSON_H
#define OHBROWSE_API_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/types.h"

/* A page of conversations plus the opaque token for the next page (NULL when none). */
struct json_conv_page {
	struct api_conversation *items;
	size_t count;
	char *next_page_id;
};
void json_conv_page_free(struct json_conv_page *p);

/* GET /api/conversations -> {"results":[ConversationInfo|null...], "next_page_id":...}.
 * null items are skipped; items without a conversation_id are skipped. */
int json_decode_conv_page_v0(const char *body, size_t len, struct json_conv_page *out,
			     struct api_error *err);
/* GET /api/v1/app-conversations/search -> {"items":[AppConversation...], "next_page_id":...}.
 * sandbox_status is mapped to status like the server does (PAUSED->STOPPED, MISSING->ARCHIVED);
 * conversation_url -> url; version = API_V1. */
int json_decode_conv_page_v1(const char *body, size_t len, struct json_conv_page *out,
			     struct api_error *err);
/* GET /api/conversations/{id}: one ConversationInfo. Returns 0 and sets *found=false for a
 * literal null body (the server's "not found"). */
int json_decode_conversation(const char *body, size_t len, struct api_conversation *out,
			     bool *found, struct api_error *err);
/* GET /api/v1/app-conversations?ids=: [AppConversation|null]; first non-null item. */
int json_decode_v1_conversation_list(const char *body, size_t len, struct api_conversation *out,
				     bool *found, struct api_error *err);

/* GET /api/v1/sandboxes?id= -> [SandboxInfo|null]: the AGENT_SERVER exposed url, the
 * session key and the status of the first non-null sandbox (each out may be NULL). */
int json_decode_sandbox(const char *body, size_t len, char **agent_url, char **session_api_key,
			char **status, bool *found, struct api_error *err);

/* The agent-server's GET /api/conversations/{id}: ConversationInfo's workspace.working_dir
 * (*working_dir NULL when absent). */
int json_decode_agent_conversation(const char *body, size_t len, char **working_dir, struct api_error *err);

/* GET /api/keys/current: CurrentApiKeyResponse (openhands-api-2026.md §1.11). */
int json_decode_key_info(const char *body, size_t len, struct api_key_info *out, struct api_error *err);

/* V0 list-files: a JSON array of strings. Returned strings are exactly as sent. */
int json_decode_string_array(const char *body, size_t len, char ***out, size_t *n,
			     struct api_error *err);
void json_string_array_free(char **a, size_t n);

/* V0 git/changes [{"status":"M","path":...}] or V1 [{"status":"UPDATED","path":...}]:
 * appended to out as API_FILE entries with size -1 and the mapped change. */
int json_decode_changes(const char *body, size_t len, struct api_file_list *out,
			struct api_error *err);

/* git/diff -> {"modified": str|null, "original": str|null}; NULL when null. */
int json_decode_diff(const char *body, size_t len, char **original, char **modified,
		     struct api_error *err);

/* POST /api/bash/start_bash_command -> BashCommand: its "id". */
int json_decode_bash_command_id(const char *body, size_t len, char **id, struct api_error *err);

/* GET /api/bash/bash_events/search -> {"items":[BashOutput...], "next_page_id"}.
 * Each BashOutput chunk is returned with its order; exit_code is -1 when null. */
struct json_bash_chunk {
	int64_t order;
	int exit_code;		/* -1 while running */
	char *out;		/* stdout, may contain any bytes except NUL */
	size_t out_len;
	char *err;		/* stderr */
};
struct json_bash_page {
	struct json_bash_chunk *items;
	size_t count;
	char *next_page_id;
};
int json_decode_bash_page(const char *body, size_t len, struct json_bash_page *out,
			  struct api_error *err);
void json_bash_page_free(struct json_bash_page *p);

/* POST /api/conversations/{id}/start -> {"status":"ok"|"error","conversation_status":...,"message":...}. */
int json_decode_start(const char *body, size_t len, bool *ok, char **message,
		      struct api_error *err);

/*
 * Best-effort human text from an error body: {"error": "..."}, {"detail": "..."},
 * {"detail": [{"msg": ...}]}, {"message": "..."}; NULL when none. Caller frees.
 * The text is cut to 200 bytes and control characters are replaced by spaces.
 */
char *json_error_text(const char *body, size_t len);

/* True when the body starts (after whitespace) like an HTML document. */
bool json_looks_like_html(const char *body, size_t len);

/*
 * The combined list (GET /api/conversations) merges V0 and V1 pages and drops every V0 item
 * that a V1 item pushed past the page's end (openhands-api.md 3.3). When the V1 search is
 * used for the V1 rows anyway, the V0 list is asked with its V1 cursor moved past any end,
 * so its pages hold V0 rows only and nothing is lost. Given the server's next_page_id (NULL
 * for the first page), returns the token to send (caller frees); NULL with *v0_done set when
 * the V0 cursor is exhausted. A token that is not in the combined form is returned verbatim.
 */
char *json_page_token_v0_only(const char *next_page_id, bool *v0_done);

/* Build a JSON request body: {"command": cmd, "cwd": null, "timeout": timeout_s}. Caller frees. */
char *json_encode_bash_command(const char *cmd, int timeout_s);

/*
 * Streaming decoder for V0 select-file bodies ({"code": "<text>"}): feed body bytes as
 * they arrive; the decoded text of "code" is written to fd, so memory stays constant
 * whatever the file size. JSON escapes (\n, \", \uXXXX incl. surrogate pairs) are
 * decoded to UTF-8. Other keys are skipped (their values may be any JSON value).
 */
struct json_code_stream;
struct json_code_stream *json_code_stream_new(int fd);
/* Returns 0, or -1 on malformed input or a write error (see json_code_stream_error). */
int json_code_stream_feed(struct json_code_stream *s, const char *buf, size_t len);
/* Call after the last byte: -1 if the body ended early or had no "code" key. */
int json_code_stream_finish(struct json_code_stream *s);
const char *json_code_stream_error(const struct json_code_stream *s);
int64_t json_code_stream_bytes(const struct json_code_stream *s);	/* decoded bytes written */
void json_code_stream_free(struct json_code_stream *s);

#endif
