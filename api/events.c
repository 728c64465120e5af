/*
 * api/events.c: conversation events to readable rows (see events.h).
 *
 * The shapes come from openhands-api.md section 9 (SDK event classes, V0
 * action/observation names). Anything not recognised still yields a row: the
 * reader of a trajectory is better served by "unknown event kind X" than by a
 * gap, and newer SDKs add kinds often.
 */
#include "api/events.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"

/* ------------------------------------------------------------ small helpers */

static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static char *
jdup(json_t *o, const char *key)
{
	const char *s = jstr(o, key);

	return s ? xstrdup(s) : NULL;
}

static bool
jint(json_t *o, const char *key, long long *out)
{
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	if (!json_is_integer(v))
		return false;
	*out = json_integer_value(v);
	return true;
}

/* The readable text of an SDK content value: a string, a {"type":"text","text":..} block,
 * or a list of such blocks (images are named, not shown). */
static void
content_text(json_t *v, struct strbuf *sb)
{
	if (json_is_string(v)) {
		strbuf_puts(sb, json_string_value(v));
	} else if (json_is_object(v)) {
		const char *t = jstr(v, "text");
		const char *type = jstr(v, "type");
		if (t)
			strbuf_puts(sb, t);
		else if (type && strcmp(type, "image") == 0)
			strbuf_puts(sb, "[image]");
	} else if (json_is_array(v)) {
		size_t i;
		json_t *it;
		json_array_foreach(v, i, it) {
			size_t before = sb->len;
			if (sb->len && sb->buf[sb->len - 1] != '\n')
				strbuf_putc(sb, '\n');
			size_t mark = sb->len;
			content_text(it, sb);
			if (sb->len == mark) {	/* nothing added: drop the separator */
				sb->len = before;
				if (sb->buf)
					sb->buf[before] = '\0';
			}
		}
	}
}

static char *
dump_pretty(json_t *v)
{
	char *s = v ? json_dumps(v, JSON_INDENT(2) | JSON_ENCODE_ANY) : NULL;

	return s ? s : xstrdup("");
}

/* The first non-blank line of text, control characters as spaces, cut on a UTF-8
 * boundary to API_EVENT_SUMMARY_MAX bytes ("..." marks a cut or further lines). */
static char *
one_line(const char *prefix, const char *text)
{
	struct strbuf sb = {0};
	const char *p = text ? text : "";
	bool more = false;

	/* the prefix may carry server text too (an error code, an unknown kind): same rule */
	for (const unsigned char *q = (const unsigned char *)(prefix ? prefix : ""); *q; q++)
		strbuf_putc(&sb, *q < 0x20 || *q == 0x7f ? ' ' : (char)*q);
	while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
		p++;
	size_t start = sb.len;
	for (; *p && *p != '\n'; p++) {
		if (sb.len - start >= API_EVENT_SUMMARY_MAX) {
			more = true;
			break;
		}
		unsigned char c = (unsigned char)*p;
		strbuf_putc(&sb, c < 0x20 || c == 0x7f ? ' ' : (char)c);
	}
	if (*p == '\n') {
		const char *q = p;
		while (*q == '\n' || *q == '\r' || *q == ' ' || *q == '\t')
			q++;
		more = more || *q;
	}
	/* never end inside a UTF-8 sequence */
	while (sb.len > start && ((unsigned char)sb.buf[sb.len - 1] & 0xc0) == 0x80)
		sb.len--;
	if (sb.len > start && (unsigned char)sb.buf[sb.len - 1] >= 0xc0)
		sb.len--;
	while (sb.len > start && sb.buf[sb.len - 1] == ' ')
		sb.len--;
	if (sb.buf)
		sb.buf[sb.len] = '\0';
	if (more)
		strbuf_puts(&sb, " ...");
	if (!sb.buf)
		return xstrdup("");
	return strbuf_detach(&sb);
}

static void
set_summary(struct api_event *e, const char *prefix, const char *text)
{
	free(e->summary);
	e->summary = one_line(prefix, text);
}

/* ------------------------------------------------------------ V1 (SDK) */

static bool
is_terminal_kind(const char *k)
{
	return k && (strstr(k, "Terminal") || strstr(k, "Bash") || strstr(k, "CmdRun") ||
		     strstr(k, "Execute"));
}

static void
decode_v1_message(json_t *o, struct api_event *e)
{
	json_t *msg = json_object_get(o, "llm_message");
	const char *role = jstr(msg, "role");
	struct strbuf sb = {0};

	content_text(json_object_get(msg, "content"), &sb);
	json_t *ext = json_object_get(o, "extended_content");
	if (json_is_array(ext) && json_array_size(ext)) {
		if (sb.len)
			strbuf_puts(&sb, "\n");
		content_text(ext, &sb);
	}
	bool user = (e->source && strcmp(e->source, "user") == 0) || (role && strcmp(role, "user") == 0);
	e->kind = user ? API_EVENT_USER : API_EVENT_AGENT;
	e->text = sb.buf ? strbuf_detach(&sb) : xstrdup("");
	set_summary(e, NULL, e->text);
}

static void
decode_v1_action(json_t *o, struct api_event *e)
{
	json_t *a = json_object_get(o, "action");
	const char *akind = jstr(a, "kind");
	const char *tool = jstr(o, "tool_name");
	const char *cmd = jstr(a, "command");
	const char *path = jstr(a, "path");
	struct strbuf sb = {0};

	e->kind = API_EVENT_ACTION;
	if (akind) {
		free(e->type);
		e->type = xstrdup(akind);
	}
	/* the agent's reasoning first: it says why the action was taken */
	content_text(json_object_get(o, "thought"), &sb);
	const char *reasoning = jstr(o, "reasoning_content");
	if (reasoning && *reasoning) {
		if (sb.len)
			strbuf_putc(&sb, '\n');
		strbuf_puts(&sb, reasoning);
	}
	if (sb.len)
		strbuf_puts(&sb, "\n\n");
	/* a file editor's "command" is its verb (view, create, str_replace): only a command
	 * without a path, or a terminal's, is a shell command */
	if (cmd && (!path || is_terminal_kind(akind))) {
		e->command = xstrdup(cmd);
		set_summary(e, "$ ", cmd);
		strbuf_printf(&sb, "$ %s\n", cmd);
	} else if (path) {
		e->path = xstrdup(path);
		char *pre = xasprintf("%s ", cmd ? cmd : "edit");
		set_summary(e, pre, path);
		free(pre);
	}
	if (!e->summary) {
		const char *msg = jstr(a, "message");
		const char *thought = jstr(a, "thought");
		const char *sum = jstr(o, "summary");
		if (akind && strstr(akind, "Finish"))
			set_summary(e, "finish: ", msg ? msg : "");
		else if (akind && strstr(akind, "Think"))
			set_summary(e, "think: ", thought ? thought : "");
		else if (sum)
			set_summary(e, NULL, sum);
		else
			set_summary(e, akind ? akind : tool ? tool : "action", NULL);
	}
	if (a) {
		char *d = dump_pretty(a);
		strbuf_puts(&sb, d);
		free(d);
	}
	e->text = sb.buf ? strbuf_detach(&sb) : xstrdup("");
}

static void
decode_v1_observation(json_t *o, struct api_event *e)
{
	json_t *ob = json_object_get(o, "observation");
	const char *okind = jstr(ob, "kind");
	const char *tool = jstr(o, "tool_name");
	struct strbuf sb = {0};
	long long code;

	e->kind = API_EVENT_OBSERVATION;
	if (okind) {
		free(e->type);
		e->type = xstrdup(okind);
	}
	content_text(json_object_get(ob, "content"), &sb);
	if (!sb.len)
		content_text(json_object_get(ob, "output"), &sb);	/* older SDKs */
	if (jint(ob, "exit_code", &code) || jint(json_object_get(ob, "metadata"), "exit_code", &code))
		e->exit_code = (int)code;
	e->text = sb.buf ? strbuf_detach(&sb) : xstrdup("");
	const char *cmd = jstr(ob, "command");
	const char *path = jstr(ob, "path");
	if (path)
		e->path = xstrdup(path);
	char *pre;
	if (e->exit_code >= 0)
		pre = xasprintf("exit %d: ", e->exit_code);
	else if (json_is_true(json_object_get(ob, "is_error")))
		pre = xasprintf("%s error: ", tool ? tool : "tool");
	else
		pre = xasprintf("%s: ", tool ? tool : "output");
	set_summary(e, pre, *e->text ? e->text : cmd ? cmd : "(no output)");
	free(pre);
}

static void
decode_v1_state(json_t *o, struct api_event *e)
{
	const char *key = jstr(o, "key");
	json_t *v = json_object_get(o, "value");
	char *s;

	e->kind = API_EVENT_STATE;
	if (json_is_string(v)) {
		s = xasprintf("%s: %s", key ? key : "state", json_string_value(v));
	} else if (key && strcmp(key, "full_state") == 0) {
		const char *st = jstr(v, "execution_status");
		if (!st)
			st = jstr(v, "agent_status");
		s = st ? xasprintf("full state (execution_status: %s)", st) : xstrdup("full state");
	} else {
		char *d = v ? json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
		s = xasprintf("%s: %s", key ? key : "state", d ? d : "null");
		free(d);
	}
	set_summary(e, "state ", s);
	free(s);
	e->text = dump_pretty(o);
}

static void
decode_v1(json_t *o, const char *kind, struct api_event *e)
{
	if (strcmp(kind, "MessageEvent") == 0) {
		decode_v1_message(o, e);
	} else if (strcmp(kind, "ActionEvent") == 0) {
		decode_v1_action(o, e);
	} else if (strcmp(kind, "ObservationEvent") == 0) {
		decode_v1_observation(o, e);
	} else if (strcmp(kind, "UserRejectObservation") == 0) {
		e->kind = API_EVENT_OBSERVATION;
		e->text = jdup(o, "rejection_reason");
		if (!e->text)
			e->text = xstrdup("");
		set_summary(e, "rejected by the user: ", e->text);
	} else if (strcmp(kind, "AgentErrorEvent") == 0) {
		e->kind = API_EVENT_ERROR;
		e->text = jdup(o, "error");
		if (!e->text)
			e->text = dump_pretty(o);
		set_summary(e, "error: ", e->text);
	} else if (strcmp(kind, "ConversationErrorEvent") == 0 || strcmp(kind, "ServerErrorEvent") == 0) {
		/* why a conversation failed (LLM auth or budget, a crash): code, detail
		 * (openhands-api-2026.md §7 R12); ServerErrorEvent is the server's own, §1.9 */
		const char *code = jstr(o, "code"), *detail = jstr(o, "detail");
		e->kind = API_EVENT_ERROR;
		e->text = detail ? xstrdup(detail) : jdup(o, "error");
		if (!e->text)
			e->text = dump_pretty(o);
		char *pre = code ? xasprintf("%s: ", code) : xstrdup(kind[0] == 'S' ? "server error: " : "conversation error: ");
		set_summary(e, pre, e->text);
		free(pre);
	} else if (strcmp(kind, "ConversationStateUpdateEvent") == 0) {
		decode_v1_state(o, e);
	} else if (strcmp(kind, "PauseEvent") == 0 || strcmp(kind, "InterruptEvent") == 0) {
		e->kind = API_EVENT_STATE;
		set_summary(e, kind[0] == 'P' ? "paused by the user" : "interrupted", NULL);
		e->text = dump_pretty(o);
	} else if (strcmp(kind, "SystemPromptEvent") == 0) {
		struct strbuf sb = {0};
		e->kind = API_EVENT_OTHER;
		content_text(json_object_get(o, "system_prompt"), &sb);
		json_t *tools = json_object_get(o, "tools");
		char *s = xasprintf("system prompt (%zu characters, %zu tools)", sb.len,
				    json_is_array(tools) ? json_array_size(tools) : (size_t)0);
		set_summary(e, s, NULL);
		free(s);
		e->text = sb.buf ? strbuf_detach(&sb) : xstrdup("");
	} else if (strncmp(kind, "Condensation", 12) == 0) {
		e->kind = API_EVENT_OTHER;
		const char *sum = jstr(o, "summary");
		set_summary(e, sum ? "history condensed: " : "history condensed", sum);
		e->text = dump_pretty(o);
	} else {
		static const char *const quiet[] = {"HookExecutionEvent", "LLMCompletionLogEvent",
						     "TokenEvent", "StreamingDeltaEvent", "ACPToolCallEvent"};
		bool known = false;
		for (size_t i = 0; i < ARRAY_SIZE(quiet); i++)
			known = known || strcmp(kind, quiet[i]) == 0;
		e->kind = API_EVENT_OTHER;
		char *s = xasprintf(known ? "%s" : "unknown event kind %s", kind);
		set_summary(e, s, NULL);
		free(s);
		e->text = dump_pretty(o);
	}
}

/* ------------------------------------------------------------ V0 */

static void
decode_v0_action(json_t *o, const char *action, struct api_event *e)
{
	json_t *args = json_object_get(o, "args");
	const char *message = jstr(o, "message");

	if (strcmp(action, "message") == 0) {
		const char *c = jstr(args, "content");
		e->kind = e->source && strcmp(e->source, "user") == 0 ? API_EVENT_USER : API_EVENT_AGENT;
		e->text = xstrdup(c ? c : message ? message : "");
		set_summary(e, NULL, e->text);
		return;
	}
	if (strcmp(action, "change_agent_state") == 0) {
		e->kind = API_EVENT_STATE;
		const char *st = jstr(args, "agent_state");
		set_summary(e, "agent state requested: ", st ? st : "?");
		e->text = dump_pretty(o);
		return;
	}
	if (strcmp(action, "system") == 0 || strcmp(action, "recall") == 0) {
		e->kind = API_EVENT_OTHER;
		const char *c = jstr(args, "content");
		if (!c)
			c = jstr(args, "query");
		e->text = xstrdup(c ? c : "");
		set_summary(e, action[0] == 's' ? "system prompt" : "recall: ",
			    action[0] == 's' ? NULL : e->text);
		return;
	}
	e->kind = API_EVENT_ACTION;
	const char *cmd = jstr(args, "command");
	if (!cmd && strcmp(action, "run_ipython") == 0)
		cmd = jstr(args, "code");
	const char *path = jstr(args, "path");
	struct strbuf sb = {0};
	const char *thought = jstr(args, "thought");
	if (thought && *thought)
		strbuf_printf(&sb, "%s\n\n", thought);
	if (path && strcmp(action, "run") != 0) {
		e->path = xstrdup(path);
		char *pre = xasprintf("%s ", action);
		set_summary(e, pre, path);
		free(pre);
	} else if (cmd) {
		e->command = xstrdup(cmd);
		set_summary(e, "$ ", cmd);
	} else if (strcmp(action, "think") == 0) {
		set_summary(e, "think: ", thought ? thought : "");
	} else if (strcmp(action, "finish") == 0) {
		const char *ft = jstr(args, "final_thought");
		set_summary(e, "finish: ", ft && *ft ? ft : message ? message : "");
	} else {
		char *pre = xasprintf("%s: ", action);
		set_summary(e, pre, message ? message : "");
		free(pre);
	}
	char *d = dump_pretty(args);
	strbuf_puts(&sb, d);
	free(d);
	e->text = strbuf_detach(&sb);
}

static void
decode_v0_observation(json_t *o, const char *obs, struct api_event *e)
{
	json_t *extras = json_object_get(o, "extras");
	const char *content = jstr(o, "content");
	const char *message = jstr(o, "message");
	long long code;

	if (strcmp(obs, "agent_state_changed") == 0) {
		const char *st = jstr(extras, "agent_state");
		e->kind = API_EVENT_STATE;
		set_summary(e, "agent state: ", st ? st : "?");
		e->text = dump_pretty(o);
		return;
	}
	if (strcmp(obs, "error") == 0) {
		e->kind = API_EVENT_ERROR;
		e->text = xstrdup(content ? content : message ? message : "");
		set_summary(e, "error: ", e->text);
		return;
	}
	if (strcmp(obs, "null") == 0 || strcmp(obs, "recall") == 0) {
		e->kind = API_EVENT_OTHER;
		e->text = xstrdup(content ? content : "");
		set_summary(e, obs[0] == 'n' ? "(no observation)" : "recall result", NULL);
		return;
	}
	e->kind = API_EVENT_OBSERVATION;
	if (jint(json_object_get(extras, "metadata"), "exit_code", &code) || jint(extras, "exit_code", &code))
		e->exit_code = (int)code;
	const char *path = jstr(extras, "path");
	if (path)
		e->path = xstrdup(path);
	e->text = xstrdup(content ? content : "");
	char *pre = e->exit_code >= 0 ? xasprintf("exit %d: ", e->exit_code) : xasprintf("%s: ", obs);
	set_summary(e, pre, *e->text ? e->text : message ? message : "(no output)");
	free(pre);
}

/* ------------------------------------------------------------ entry points */

static void
decode_object(json_t *o, struct api_event *e)
{
	json_t *id = json_object_get(o, "id");
	const char *kind = jstr(o, "kind");

	e->exit_code = -1;
	e->time_s = -1;
	if (json_is_string(id))
		e->id = xstrdup(json_string_value(id));
	else if (json_is_integer(id))
		e->id = xasprintf("%lld", (long long)json_integer_value(id));
	else
		e->id = xstrdup("");
	e->timestamp = jdup(o, "timestamp");
	if (e->timestamp)
		e->time_s = time_parse_iso(e->timestamp);
	e->source = jdup(o, "source");
	if (kind) {
		e->type = xstrdup(kind);
		decode_v1(o, kind, e);
	} else if (jstr(o, "action")) {
		e->type = jdup(o, "action");
		decode_v0_action(o, e->type, e);
	} else if (jstr(o, "observation")) {
		e->type = jdup(o, "observation");
		decode_v0_observation(o, e->type, e);
	} else {
		e->kind = API_EVENT_OTHER;
		set_summary(e, "event without a kind", NULL);
		e->text = dump_pretty(o);
	}
	if (!e->summary)
		e->summary = xstrdup("");
	if (!e->text)
		e->text = xstrdup("");
}

static void
make_corrupt(struct api_event *e, const char *why)
{
	memset(e, 0, sizeof(*e));
	e->kind = API_EVENT_CORRUPT;
	e->exit_code = -1;
	e->time_s = -1;
	e->id = xstrdup("");
	e->summary = one_line("corrupt event: ", why);
	e->text = xstrdup(why);
}

int
api_event_decode(const char *json, size_t len, bool keep_raw, struct api_event *out)
{
	json_error_t jerr;
	json_t *o = json_loadb(json, len, JSON_DECODE_ANY, &jerr);
	int rc = 0;

	if (!o) {
		char why[300];
		if (len == 0)
			snprintf(why, sizeof(why), "the file is empty");
		else
			snprintf(why, sizeof(why), "not valid JSON (line %d, column %d): %s", jerr.line,
				 jerr.column, jerr.text);
		make_corrupt(out, why);
		rc = -1;
	} else if (!json_is_object(o)) {
		make_corrupt(out, "JSON that is not an event object");
		rc = -1;
	} else {
		memset(out, 0, sizeof(*out));
		decode_object(o, out);
	}
	json_decref(o);
	if (keep_raw) {
		while (len && (json[len - 1] == '\n' || json[len - 1] == '\r' || json[len - 1] == ' ' ||
			       json[len - 1] == '\t'))
			len--;
		out->raw = xstrndup(json, len);
		out->raw_len = len;
	}
	return rc;
}

struct api_event *
api_event_list_push(struct api_event_list *l)
{
	if (l->count == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->items = xrealloc(l->items, l->cap * sizeof(*l->items));
	}
	struct api_event *e = &l->items[l->count++];
	memset(e, 0, sizeof(*e));
	return e;
}

void
api_event_list_free(struct api_event_list *l)
{
	for (size_t i = 0; i < l->count; i++)
		api_event_free(&l->items[i]);
	free(l->items);
	memset(l, 0, sizeof(*l));
}

void
api_event_page_free(struct api_event_page *p)
{
	api_event_list_free(&p->events);
	free(p->next_page_id);
	memset(p, 0, sizeof(*p));
}

int
api_events_decode_page(const char *body, size_t len, bool keep_raw, struct api_event_page *out,
		       struct api_error *err)
{
	json_error_t jerr;
	size_t start = 0;

	memset(out, 0, sizeof(*out));
	while (start < len && (body[start] == ' ' || body[start] == '\n' || body[start] == '\r' ||
			       body[start] == '\t'))
		start++;
	if (start < len && body[start] == '<') {
		api_error_set(err, API_ERR_UNSUPPORTED, 0,
			      "the server answered with a web page instead of events; it may not have "
			      "this events route");
		return -1;
	}
	json_t *root = json_loadb(body + start, len - start, JSON_DECODE_ANY, &jerr);
	if (!root) {
		api_error_set(err, API_ERR_SERVER, 0,
			      "the server sent malformed JSON for the events (line %d, column %d): %s",
			      jerr.line, jerr.column, jerr.text);
		return -1;
	}
	json_t *items = NULL;
	if (json_is_array(root)) {
		items = root;
	} else if (json_is_object(root)) {
		items = json_object_get(root, "items");
		if (!items)
			items = json_object_get(root, "events");
		if (!items)
			items = json_object_get(root, "trajectory");
		const char *next = jstr(root, "next_page_id");
		if (next && *next) {
			out->next_page_id = xstrdup(next);
			out->has_more = true;
		}
		if (json_is_true(json_object_get(root, "has_more")))
			out->has_more = true;
	}
	if (!json_is_array(items)) {
		const char *e = json_is_object(root) ? jstr(root, "error") : NULL;
		api_error_set(err, API_ERR_SERVER, 0, "the server sent no events%s%s",
			      e ? ": " : " (the answer has no items, events or trajectory list)", e ? e : "");
		json_decref(root);
		free(out->next_page_id);
		memset(out, 0, sizeof(*out));
		return -1;
	}
	size_t i;
	json_t *it;
	json_array_foreach(items, i, it) {
		struct api_event *e = api_event_list_push(&out->events);
		if (json_is_object(it))
			decode_object(it, e);
		else
			make_corrupt(e, "an item that is not an event object");
		if (keep_raw) {
			char *s = json_dumps(it, JSON_COMPACT | JSON_ENCODE_ANY);
			e->raw = s ? s : xstrdup("null");
			e->raw_len = strlen(e->raw);
		}
	}
	json_decref(root);
	return 0;
}

void
api_event_clock(const struct api_event *e, char *buf, size_t n)
{
	const char *t = e->timestamp ? strchr(e->timestamp, 'T') : NULL;

	if (!t || strlen(t) < 9) {
		snprintf(buf, n, "%s", "");
		return;
	}
	snprintf(buf, n, "%.8s", t + 1);
}
