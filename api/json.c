/*
 * api/json.c: see api/json.h.
 *
 * Every decoder parses the whole body with jansson (bodies other than
 * select-file are small), then walks the tree tolerantly: a field of the
 * wrong type is treated as absent, null list items are skipped, unknown
 * fields are ignored. Only a wrong top-level shape is an error, because then
 * the body is almost certainly the answer of a different endpoint.
 *
 * The select-file body is the exception: its single string can be gigabytes,
 * so it has a push parser of its own, in api/json_code.c.
 */
#include "api/json.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "api/types.h"
#include "src/base/util.h"

/* ---------------------------------------------------------------------------------------- */
/* Loading and shared helpers                                                                */

static const char *
type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT:
		return "an object";
	case JSON_ARRAY:
		return "a list";
	case JSON_STRING:
		return "a string";
	case JSON_INTEGER:
	case JSON_REAL:
		return "a number";
	case JSON_TRUE:
	case JSON_FALSE:
		return "a boolean";
	case JSON_NULL:
		return "null";
	}
	return "an unknown value";
}

static size_t
bom_len(const char *body, size_t len)
{
	return (len >= 3 && (unsigned char)body[0] == 0xef && (unsigned char)body[1] == 0xbb &&
		(unsigned char)body[2] == 0xbf) ? 3 : 0;
}

/* Skip leading whitespace and a UTF-8 byte order mark, which some proxies prepend. */
static size_t
skip_lead(const char *body, size_t len)
{
	size_t i = bom_len(body, len);

	while (i < len && (body[i] == ' ' || body[i] == '\t' || body[i] == '\n' || body[i] == '\r'))
		i++;
	return i;
}

bool
json_looks_like_html(const char *body, size_t len)
{
	if (!body)
		return false;
	size_t i = skip_lead(body, len);
	/* JSON never starts with '<'; "<!doctype", "<html", "<?xml", "<!--" all count. */
	if (i + 1 >= len || body[i] != '<')
		return false;
	unsigned char c = (unsigned char)body[i + 1];
	return c == '!' || c == '?' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

/*
 * Parse a whole body. flags are jansson decode flags on top of JSON_DECODE_ANY (a
 * literal null or a bare list is a valid answer). what names the expected answer in
 * error messages. Returns NULL with err set on failure.
 */
static json_t *
load_body(const char *body, size_t len, size_t flags, struct api_error *err)
{
	json_error_t jerr;
	size_t lead;

	if (!body)
		len = 0;
	if (body && json_looks_like_html(body, len)) {
		api_error_set(err, API_ERR_UNSUPPORTED, 0,
			      "the server answered with a web page instead of JSON; this endpoint is "
			      "probably missing on this server (check --server)");
		return NULL;
	}
	lead = body ? skip_lead(body, len) : 0;
	if (lead == len) {
		api_error_set(err, API_ERR_SERVER, 0,
			      "the server sent an empty answer where JSON was expected");
		return NULL;
	}
	/* Start after a BOM (jansson rejects it); it only shifts columns on line 1. */
	size_t start = bom_len(body, len);
	json_t *root = json_loadb(body + start, len - start, flags | JSON_DECODE_ANY, &jerr);
	if (!root) {
		api_error_set(err, API_ERR_SERVER, 0,
			      "the server sent malformed JSON (line %d, column %d): %s", jerr.line,
			      jerr.column, jerr.text);
		return NULL;
	}
	return root;
}

static void
wrong_type(struct api_error *err, const json_t *v, const char *expected)
{
	api_error_set(err, API_ERR_SERVER, 0, "the server sent %s where %s was expected",
		      type_name(v), expected);
}

/* A string member as a fresh copy, NULL when absent, null or not a string. */
static char *
get_str(const json_t *obj, const char *key)
{
	const json_t *v = json_object_get(obj, key);

	if (!json_is_string(v))
		return NULL;
	return xstrndup(json_string_value(v), json_string_length(v));
}

/*
 * Like get_str, for bodies loaded with JSON_ALLOW_NUL: NUL bytes become U+FFFD so the
 * result stays a C string (bash output may contain NUL; callers treat it as text).
 */
static char *
get_bytes_no_nul(const json_t *obj, const char *key, size_t *len_out)
{
	const json_t *v = json_object_get(obj, key);
	struct strbuf sb = {0};

	if (len_out)
		*len_out = 0;
	if (!json_is_string(v))
		return NULL;
	const char *s = json_string_value(v);
	size_t n = json_string_length(v);
	size_t run = 0;
	strbuf_append(&sb, "", 0);	/* an empty string is "", not NULL */
	for (size_t i = 0; i < n; i++) {
		if (s[i] != '\0')
			continue;
		strbuf_append(&sb, s + run, i - run);
		strbuf_append(&sb, "\xef\xbf\xbd", 3);
		run = i + 1;
	}
	strbuf_append(&sb, s + run, n - run);
	if (len_out)
		*len_out = sb.len;
	return strbuf_detach(&sb);
}

/* next_page_id: a non-empty string, or (leniently) an integer offset; else NULL. */
static char *
get_page_id(const json_t *obj)
{
	const json_t *v = json_object_get(obj, "next_page_id");

	if (json_is_string(v) && json_string_length(v) > 0)
		return xstrndup(json_string_value(v), json_string_length(v));
	if (json_is_integer(v))
		return xasprintf("%lld", (long long)json_integer_value(v));
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Conversations                                                                             */

/* The id must be a non-empty string: it ends up in URLs and file names. */
static bool
decode_id(const json_t *o, const char *key, struct api_conversation *c)
{
	const json_t *v = json_object_get(o, key);

	if (!json_is_string(v) || json_string_length(v) == 0)
		return false;
	c->id = xstrndup(json_string_value(v), json_string_length(v));
	return true;
}

static void
finish_conversation(struct api_conversation *c)
{
	if (!c->title)
		c->title = xstrdup("");
	c->created_s = time_parse_iso(c->created_at);
	c->updated_s = time_parse_iso(c->updated_at);
}

/* V0 ConversationInfo. False (and c left empty) when it has no usable id. */
static bool
decode_v0(const json_t *o, struct api_conversation *c)
{
	memset(c, 0, sizeof(*c));
	if (!json_is_object(o) || !decode_id(o, "conversation_id", c))
		return false;
	c->title = get_str(o, "title");
	c->status = get_str(o, "status");
	c->runtime_status = get_str(o, "runtime_status");
	c->repository = get_str(o, "selected_repository");
	c->branch = get_str(o, "selected_branch");
	c->git_provider = get_str(o, "git_provider");
	c->trigger = get_str(o, "trigger");
	c->created_at = get_str(o, "created_at");
	c->updated_at = get_str(o, "last_updated_at");
	c->url = get_str(o, "url");
	c->session_api_key = get_str(o, "session_api_key");
	/* conversation_version was added in 2025-10; older servers only have V0. */
	const char *ver = json_string_value(json_object_get(o, "conversation_version"));
	c->version = (ver && strcmp(ver, "V1") == 0) ? API_V1 : API_V0;
	finish_conversation(c);
	return true;
}

/* V1 statuses are kept in the sandbox's own words (RUNNING STARTING PAUSED ERROR MISSING,
 * openhands-api-2026.md §1.3); mapping them onto V0's STOPPED/ARCHIVED lost the difference
 * between a sleeping sandbox and a deleted one. A missing field is MISSING, its default. */
static char *
sandbox_status(const char *s)
{
	return xstrdup(s && *s ? s : "MISSING");
}

/* V1 AppConversation. False (and c left empty) when it has no usable id. */
static bool
decode_v1(const json_t *o, struct api_conversation *c)
{
	memset(c, 0, sizeof(*c));
	if (!json_is_object(o) || !decode_id(o, "id", c))
		return false;
	c->title = get_str(o, "title");
	c->sandbox_id = get_str(o, "sandbox_id");
	c->repository = get_str(o, "selected_repository");
	c->branch = get_str(o, "selected_branch");
	c->git_provider = get_str(o, "git_provider");
	c->trigger = get_str(o, "trigger");
	c->created_at = get_str(o, "created_at");
	c->updated_at = get_str(o, "updated_at");
	c->status = sandbox_status(json_string_value(json_object_get(o, "sandbox_status")));
	c->execution_status = get_str(o, "execution_status");
	c->url = get_str(o, "conversation_url");
	c->session_api_key = get_str(o, "session_api_key");
	c->version = API_V1;
	finish_conversation(c);
	return true;
}

void
json_conv_page_free(struct json_conv_page *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->count; i++)
		api_conversation_free(&p->items[i]);
	free(p->items);
	free(p->next_page_id);
	memset(p, 0, sizeof(*p));
}

static int
decode_conv_page(const char *body, size_t len, struct json_conv_page *out, struct api_error *err,
		 const char *list_key, bool (*decode)(const json_t *, struct api_conversation *))
{
	char expected[96];

	memset(out, 0, sizeof(*out));
	json_t *root = load_body(body, len, 0, err);
	if (!root)
		return -1;
	snprintf(expected, sizeof(expected), "an object with \"%s\" (a page of conversations)",
		 list_key);
	if (!json_is_object(root)) {
		wrong_type(err, root, expected);
		json_decref(root);
		return -1;
	}
	json_t *list = json_object_get(root, list_key);
	if (!list || (!json_is_array(list) && !json_is_null(list))) {
		api_error_set(err, API_ERR_SERVER, 0,
			      "the server's page of conversations has no \"%s\" list", list_key);
		json_decref(root);
		return -1;
	}
	size_t n = json_array_size(list);	/* 0 for null */
	if (n)
		out->items = xcalloc(n, sizeof(*out->items));
	for (size_t i = 0; i < n; i++)
		if (decode(json_array_get(list, i), &out->items[out->count]))
			out->count++;
	out->next_page_id = get_page_id(root);
	json_decref(root);
	return 0;
}

int
json_decode_conv_page_v0(const char *body, size_t len, struct json_conv_page *out,
			 struct api_error *err)
{
	return decode_conv_page(body, len, out, err, "results", decode_v0);
}

int
json_decode_conv_page_v1(const char *body, size_t len, struct json_conv_page *out,
			 struct api_error *err)
{
	return decode_conv_page(body, len, out, err, "items", decode_v1);
}

int
json_decode_conversation(const char *body, size_t len, struct api_conversation *out, bool *found,
			 struct api_error *err)
{
	memset(out, 0, sizeof(*out));
	if (found)
		*found = false;
	json_t *root = load_body(body, len, 0, err);
	if (!root)
		return -1;
	int rc = 0;
	if (json_is_null(root)) {
		/* The server's way of saying "no such conversation". */
	} else if (!json_is_object(root)) {
		wrong_type(err, root, "a conversation object");
		rc = -1;
	} else if (!decode_v0(root, out)) {
		api_error_set(err, API_ERR_SERVER, 0,
			      "the server sent a conversation without a \"conversation_id\"");
		rc = -1;
	} else if (found) {
		*found = true;
	}
	json_decref(root);
	return rc;
}

int
json_decode_v1_conversation_list(const char *body, size_t len, struct api_conversation *out,
				 bool *found, struct api_error *err)
{
	memset(out, 0, sizeof(*out));
	if (found)
		*found = false;
	json_t *root = load_body(body, len, 0, err);
	if (!root)
		return -1;
	if (!json_is_array(root) && !json_is_null(root)) {
		wrong_type(err, root, "a list of conversations");
		json_decref(root);
		return -1;
	}
	for (size_t i = 0; i < json_array_size(root); i++) {
		if (decode_v1(json_array_get(root, i), out)) {
			if (found)
				*found = true;
			break;
		}
	}
	json_decref(root);
	return 0;
}

int
json_decode_sandbox(const char *body, size_t len, char **agent_url, char **session_api_key,
		    char **status, bool *found, struct api_error *err)
{
	if (agent_url)
		*agent_url = NULL;
	if (session_api_key)
		*session_api_key = NULL;
	if (status)
		*status = NULL;
	if (found)
		*found = false;
	json_t *root = load_body(body, len, 0, err);
	if (!root)
		return -1;
	if (!json_is_array(root) && !json_is_null(root)) {
		wrong_type(err, root, "a list of sandboxes");
		json_decref(root);
		return -1;
	}
	for (size_t i = 0; i < json_array_size(root); i++) {
		const json_t *sb = json_array_get(root, i);
		if (!json_is_object(sb))
			continue;
		if (agent_url) {
			const json_t *urls = json_object_get(sb, "exposed_urls");
			for (size_t k = 0; k < json_array_size(urls); k++) {
				const json_t *u = json_array_get(urls, k);
				const char *name = json_string_value(json_object_get(u, "name"));
				if (name && strcmp(name, "AGENT_SERVER") == 0) {
					*agent_url = get_str(u, "url");
					if (*agent_url)
						break;
				}
			}
		}
		if (session_api_key)
			*session_api_key = get_str(sb, "session_api_key");
		if (status)
			*status = get_str(sb, "status");
		if (found)
			*found = true;
		break;
	}
	json_decref(root);
	return 0;
}

int
json_decode_agent_conversation(const char *body, size_t len, char **working_dir, struct api_error *err)
{
	*working_dir = NULL;
	json_t *root = load_body(body, len, 0, err);
	if (!root)
		return -1;
	if (!json_is_object(root)) {
		wrong_type(err, root, "a conversation object");
		json_decref(root);
		return -1;
	}
	*working_dir = get_str(json_object_get(root, "workspace"), "working_dir");
	json_decref(root);
	return 0;
}

int
json_decode_key_info(const char *body, size_t len, struct api_key_info *out, struct api_error *err)
{
	memset(out, 0, sizeof(*out));
	json_t *root = load_body(body, len, 0, err);
	if (!root)
		return -1;
	if (!json_is_object(root)) {
		wrong_type(err, root, "an object describing the API key");
		json_decref(root);
		return -1;
	}
	json_t *id = json_object_get(root, "id");
	out->id = json_is_integer(id) ? (long long)json_integer_value(id) : -1;
	out->name = get_str(root, "name");
	out->org_id = get_str(root, "org_id");
	out->bound_org_id = get_str(root, "bound_org_id");
	out->user_id = get_str(root, "user_id");
	out->auth_type = get_str(root, "auth_type");
	out->expires_at = get_str(root, "expires_at");
	json_decref(root);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Files, git, bash                                                                          */

int
json_decode_string_array(const char *body, size_t len, char ***out, size_t *n,
			 struct api_error *err)
{
	*out = NULL;
	*n = 0;
	json_t *root = load_body(body, len, 0, err);
	if (!root)
		return -1;
	if (!json_is_array(root)) {
		wrong_type(err, root, "a list of file names");
		json_decref(root);
		return -1;
	}
	size_t total = json_array_size(root);
	char **a = total ? xcalloc(total, sizeof(*a)) : NULL;
	size_t count = 0;
	for (size_t i = 0; i < total; i++) {
		const json_t *v = json_array_get(root, i);
		if (json_is_string(v))	/* null or other junk items are skipped */
			a[count++] = xstrndup(json_string_value(v), json_string_length(v));
	}
	json_decref(root);
	if (count == 0) {
		free(a);
		a = NULL;
	}
	*out = a;
	*n = count;
	return 0;
}

void
json_string_array_free(char **a, size_t n)
{
	if (!a)
		return;
	for (size_t i = 0; i < n; i++)
		free(a[i]);
	free(a);
}

int
json_decode_changes(const char *body, size_t len, struct api_file_list *out,
		    struct api_error *err)
{
	json_t *root = load_body(body, len, 0, err);
	if (!root)
		return -1;
	if (!json_is_array(root)) {
		wrong_type(err, root, "a list of changed files");
		json_decref(root);
		return -1;
	}
	for (size_t i = 0; i < json_array_size(root); i++) {
		const json_t *item = json_array_get(root, i);
		const json_t *p = json_object_get(item, "path");
		if (!json_is_string(p))
			continue;
		/* api_file paths never end in '/'; git reports untracked dirs that way. */
		size_t plen = json_string_length(p);
		const char *ps = json_string_value(p);
		while (plen > 0 && ps[plen - 1] == '/')
			plen--;
		if (plen == 0)
			continue;
		char *path = xstrndup(ps, plen);
		enum api_change ch =
			api_change_parse(json_string_value(json_object_get(item, "status")));
		api_file_list_add(out, path, API_FILE, -1, -1, ch);
		free(path);
	}
	json_decref(root);
	return 0;
}

int
json_decode_diff(const char *body, size_t len, char **original, char **modified,
		 struct api_error *err)
{
	*original = NULL;
	*modified = NULL;
	json_t *root = load_body(body, len, 0, err);
	if (!root)
		return -1;
	if (!json_is_object(root)) {
		wrong_type(err, root, "an object with \"original\" and \"modified\" (a diff)");
		json_decref(root);
		return -1;
	}
	*original = get_str(root, "original");
	*modified = get_str(root, "modified");
	json_decref(root);
	return 0;
}

int
json_decode_bash_command_id(const char *body, size_t len, char **id, struct api_error *err)
{
	*id = NULL;
	json_t *root = load_body(body, len, 0, err);
	if (!root)
		return -1;
	if (!json_is_object(root)) {
		wrong_type(err, root, "an object with \"id\" (a started command)");
		json_decref(root);
		return -1;
	}
	*id = get_str(root, "id");
	if (!*id || !**id) {
		free(*id);
		*id = NULL;
		api_error_set(err, API_ERR_SERVER, 0,
			      "the server accepted the command but sent no command \"id\"");
		json_decref(root);
		return -1;
	}
	json_decref(root);
	return 0;
}

void
json_bash_page_free(struct json_bash_page *p)
{
	if (!p)
		return;
	for (size_t i = 0; i < p->count; i++) {
		free(p->items[i].out);
		free(p->items[i].err);
	}
	free(p->items);
	free(p->next_page_id);
	memset(p, 0, sizeof(*p));
}

int
json_decode_bash_page(const char *body, size_t len, struct json_bash_page *out,
		      struct api_error *err)
{
	memset(out, 0, sizeof(*out));
	/* Command output may legitimately contain "\u0000"; one NUL must not lose the page. */
	json_t *root = load_body(body, len, JSON_ALLOW_NUL, err);
	if (!root)
		return -1;
	if (!json_is_object(root)) {
		wrong_type(err, root, "an object with \"items\" (a page of command output)");
		json_decref(root);
		return -1;
	}
	const json_t *items = json_object_get(root, "items");
	if (!json_is_array(items) && !json_is_null(items)) {
		api_error_set(err, API_ERR_SERVER, 0,
			      "the server's page of command output has no \"items\" list");
		json_decref(root);
		return -1;
	}
	size_t n = json_array_size(items);
	if (n)
		out->items = xcalloc(n, sizeof(*out->items));
	for (size_t i = 0; i < n; i++) {
		const json_t *it = json_array_get(items, i);
		if (!json_is_object(it))
			continue;
		/* Servers without kind__eq filtering may mix in BashCommand events. */
		const char *kind = json_string_value(json_object_get(it, "kind"));
		if (kind && strcmp(kind, "BashOutput") != 0)
			continue;
		struct json_bash_chunk *c = &out->items[out->count++];
		const json_t *order = json_object_get(it, "order");
		c->order = json_is_integer(order) ? (int64_t)json_integer_value(order) : 0;
		const json_t *code = json_object_get(it, "exit_code");
		c->exit_code = -1;
		if (json_is_integer(code) && json_integer_value(code) >= -2147483647LL - 1 &&
		    json_integer_value(code) <= 2147483647LL)
			c->exit_code = (int)json_integer_value(code);
		c->out = get_bytes_no_nul(it, "stdout", &c->out_len);
		if (!c->out)
			c->out = xstrdup("");
		c->err = get_bytes_no_nul(it, "stderr", NULL);
	}
	out->next_page_id = get_page_id(root);
	json_decref(root);
	return 0;
}

int
json_decode_start(const char *body, size_t len, bool *ok, char **message, struct api_error *err)
{
	*ok = false;
	*message = NULL;
	json_t *root = load_body(body, len, 0, err);
	if (!root)
		return -1;
	if (!json_is_object(root)) {
		wrong_type(err, root, "an object with \"status\" (the start answer)");
		json_decref(root);
		return -1;
	}
	const char *status = json_string_value(json_object_get(root, "status"));
	*ok = status && strcmp(status, "ok") == 0;
	*message = get_str(root, "message");
	json_decref(root);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Error text and request bodies                                                             */

#define ERROR_TEXT_MAX 200

/*
 * Clean up text for a one-line message: control characters become spaces,
 * surrounding blanks go, and the result is cut to ERROR_TEXT_MAX bytes without
 * splitting a UTF-8 sequence. NULL when nothing is left.
 */
static char *
clean_text(const char *s, size_t n)
{
	/* DEL counts as blank too: it becomes a space below, so it must not lead. */
	while (n > 0 && ((unsigned char)*s <= ' ' || *s == 0x7f)) {
		s++;
		n--;
	}
	if (n > ERROR_TEXT_MAX) {
		n = ERROR_TEXT_MAX;
		while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
			n--;	/* s[n] continues a sequence: cut before its lead byte */
	}
	char *r = xstrndup(s, n);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)r[i] < 0x20 || r[i] == 0x7f)
			r[i] = ' ';
	while (n > 0 && r[n - 1] == ' ')
		r[--n] = '\0';
	if (n == 0) {
		free(r);
		return NULL;
	}
	return r;
}

static void
append_detail_item(struct strbuf *sb, const json_t *item)
{
	const char *msg = json_string_value(json_object_get(item, "msg"));
	const json_t *loc = json_object_get(item, "loc");

	if (!msg)
		return;
	if (sb->len)
		strbuf_puts(sb, "; ");
	/* FastAPI's loc is like ["query","limit"]: "query.limit: msg" says which input. */
	if (json_array_size(loc) > 0) {
		for (size_t i = 0; i < json_array_size(loc); i++) {
			const json_t *l = json_array_get(loc, i);
			if (i)
				strbuf_putc(sb, '.');
			if (json_is_string(l))
				strbuf_puts(sb, json_string_value(l));
			else if (json_is_integer(l))
				strbuf_printf(sb, "%lld", (long long)json_integer_value(l));
		}
		strbuf_puts(sb, ": ");
	}
	strbuf_puts(sb, msg);
}

char *
json_error_text(const char *body, size_t len)
{
	json_error_t jerr;
	struct strbuf sb = {0};

	if (!body || len == 0 || json_looks_like_html(body, len))
		return NULL;
	json_t *root = json_loadb(body, len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &jerr);
	if (!root) {
		/* uvicorn answers some failures with plain text ("Internal Server Error").
		 * Anything that is neither JSON-ish nor binary is shown as it is. */
		size_t lead = skip_lead(body, len);
		if (lead < len && body[lead] != '{' && body[lead] != '[' &&
		    utf8_valid(body + lead, len - lead) && !memchr(body, '\0', len))
			return clean_text(body + lead, len - lead);
		return NULL;
	}
	if (json_is_string(root)) {
		strbuf_append(&sb, json_string_value(root), json_string_length(root));
	} else if (json_is_object(root)) {
		const json_t *e = json_object_get(root, "error");
		const json_t *d = json_object_get(root, "detail");
		const json_t *m = json_object_get(root, "message");
		if (json_is_string(e)) {
			strbuf_append(&sb, json_string_value(e), json_string_length(e));
		} else if (json_is_string(d)) {
			strbuf_append(&sb, json_string_value(d), json_string_length(d));
			/* The agent-server's 500 says only "Internal Server Error" in detail. */
			const json_t *x = json_object_get(root, "exception");
			if (json_is_string(x) && json_string_length(x) > 0) {
				strbuf_puts(&sb, ": ");
				strbuf_append(&sb, json_string_value(x), json_string_length(x));
			}
		} else if (json_is_array(d)) {
			for (size_t i = 0; i < json_array_size(d); i++)
				append_detail_item(&sb, json_array_get(d, i));
		}
		if (sb.len == 0 && json_is_string(m))
			strbuf_append(&sb, json_string_value(m), json_string_length(m));
	}
	json_decref(root);
	char *r = sb.len ? clean_text(sb.buf, sb.len) : NULL;
	strbuf_free(&sb);
	return r;
}

char *
json_encode_bash_command(const char *cmd, int timeout_s)
{
	/* json_string() refuses invalid UTF-8; such a command cannot be sent as JSON. */
	json_t *o = json_object();
	json_t *c = cmd ? json_string(cmd) : NULL;

	if (!c) {
		json_decref(o);
		return NULL;
	}
	json_object_set_new(o, "command", c);
	json_object_set_new(o, "cwd", json_null());
	json_object_set_new(o, "timeout", json_integer(timeout_s));
	char *s = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (!s)
		return NULL;
	/* jansson allocates with malloc by default; copy so callers free one allocator. */
	char *r = xstrdup(s);
	free(s);
	return r;
}

/* ---------------------------------------------------------------------------
 * Combined V0+V1 page tokens (GET /api/conversations). See json.h.
 */

static const char b64_alphabet[] =
	"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static char *
token_b64_encode(const char *in, size_t n)
{
	struct strbuf sb = {0};

	for (size_t i = 0; i < n; i += 3) {
		unsigned v = (unsigned)(unsigned char)in[i] << 16;
		if (i + 1 < n)
			v |= (unsigned)(unsigned char)in[i + 1] << 8;
		if (i + 2 < n)
			v |= (unsigned char)in[i + 2];
		strbuf_putc(&sb, b64_alphabet[(v >> 18) & 63]);
		strbuf_putc(&sb, b64_alphabet[(v >> 12) & 63]);
		strbuf_putc(&sb, i + 1 < n ? b64_alphabet[(v >> 6) & 63] : '=');
		strbuf_putc(&sb, i + 2 < n ? b64_alphabet[v & 63] : '=');
	}
	return strbuf_detach(&sb);
}

static char *
token_b64_decode(const char *in, size_t *out_len)
{
	struct strbuf sb = {0};
	unsigned acc = 0;
	int bits = 0;

	for (const char *p = in; *p && *p != '='; p++) {
		const char *k = strchr(b64_alphabet, *p);
		if (!k || !*p) {
			strbuf_free(&sb);
			return NULL;
		}
		acc = (acc << 6) | (unsigned)(k - b64_alphabet);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			strbuf_putc(&sb, (char)((acc >> bits) & 0xff));
		}
	}
	*out_len = sb.len;
	return sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

char *
json_page_token_v0_only(const char *next_page_id, bool *v0_done)
{
	static const char far_v1[] = "1000000000";
	const char *v0 = NULL;
	json_t *j = NULL;
	char *out;

	*v0_done = false;
	if (next_page_id) {
		size_t n;
		char *dec = token_b64_decode(next_page_id, &n);

		j = dec ? json_loadb(dec, n, 0, NULL) : NULL;
		free(dec);
		if (!json_is_object(j) || !json_object_get(j, "v0")) {
			json_decref(j);
			return xstrdup(next_page_id);	/* not the combined form: pass it on verbatim */
		}
		json_t *jv0 = json_object_get(j, "v0");
		if (json_is_null(jv0)) {
			json_decref(j);
			*v0_done = true;
			return NULL;
		}
		if (!json_is_string(jv0)) {
			json_decref(j);
			return xstrdup(next_page_id);
		}
		v0 = json_string_value(jv0);
	}
	/* Python's json.dumps spacing, like the server's own tokens. */
	char *js = v0 ? xasprintf("{\"v0\": \"%s\", \"v1\": \"%s\"}", v0, far_v1)
		      : xasprintf("{\"v0\": null, \"v1\": \"%s\"}", far_v1);
	out = token_b64_encode(js, strlen(js));
	free(js);
	json_decref(j);
	return out;
}
