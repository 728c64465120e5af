/* api/types.c: constructors and destructors for api/types.h. */
#include "api/types.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "src/base/util.h"

void
api_conversation_free(struct api_conversation *c)
{
	if (!c)
		return;
	free(c->id);
	free(c->title);
	free(c->status);
	free(c->runtime_status);
	free(c->execution_status);
	free(c->repository);
	free(c->branch);
	free(c->git_provider);
	free(c->trigger);
	free(c->created_at);
	free(c->updated_at);
	free(c->url);
	free(c->session_api_key);
	free(c->sandbox_id);
	free(c->local_dir);
	free(c->local_workspace);
	free(c->workspace_root);
	memset(c, 0, sizeof(*c));
}

void
api_conversation_copy(struct api_conversation *dst, const struct api_conversation *src)
{
	*dst = *src;
	dst->id = xstrdup(src->id);
	dst->title = xstrdup(src->title);
	dst->status = xstrdup(src->status);
	dst->runtime_status = xstrdup(src->runtime_status);
	dst->execution_status = xstrdup(src->execution_status);
	dst->repository = xstrdup(src->repository);
	dst->branch = xstrdup(src->branch);
	dst->git_provider = xstrdup(src->git_provider);
	dst->trigger = xstrdup(src->trigger);
	dst->created_at = xstrdup(src->created_at);
	dst->updated_at = xstrdup(src->updated_at);
	dst->url = xstrdup(src->url);
	dst->session_api_key = xstrdup(src->session_api_key);
	dst->sandbox_id = xstrdup(src->sandbox_id);
	dst->local_dir = xstrdup(src->local_dir);
	dst->local_workspace = xstrdup(src->local_workspace);
	dst->workspace_root = xstrdup(src->workspace_root);
}

void
api_event_free(struct api_event *e)
{
	if (!e)
		return;
	free(e->id);
	free(e->timestamp);
	free(e->source);
	free(e->type);
	free(e->summary);
	free(e->text);
	free(e->command);
	free(e->path);
	free(e->raw);
	free(e->origin);
	memset(e, 0, sizeof(*e));
}

const char *
api_event_kind_name(enum api_event_kind k)
{
	static const char *const names[] = {"user", "agent", "action", "observation",
					    "error", "state", "other", "corrupt"};

	return (unsigned)k < ARRAY_SIZE(names) ? names[k] : "other";
}

bool
api_conversation_is_running(const struct api_conversation *c)
{
	if (c->local)	/* "running" means the files can be read: here, when the workspace exists */
		return c->local_workspace != NULL;
	return c->status && strcmp(c->status, "RUNNING") == 0 && c->url && *c->url;
}

int64_t
api_conversation_reap_s(const struct api_conversation *c, int retention_days)
{
	if (c->local || c->version != API_V1 || !c->status || strcmp(c->status, "PAUSED") || c->updated_s < 0 ||
	    retention_days <= 0)
		return -1;
	return c->updated_s + (int64_t)retention_days * 86400;
}

const char *
api_conversation_status_word(const struct api_conversation *c)
{
	if (!c->status || !*c->status)
		return "UNKNOWN";
	if (c->version == API_V1 && !c->local && strcmp(c->status, "MISSING") == 0)
		return "deleted";
	return c->status;
}

void
api_key_info_free(struct api_key_info *k)
{
	if (!k)
		return;
	free(k->name);
	free(k->org_id);
	free(k->bound_org_id);
	free(k->user_id);
	free(k->auth_type);
	free(k->expires_at);
	memset(k, 0, sizeof(*k));
}

void
api_file_list_add(struct api_file_list *l, const char *path, enum api_file_type type, int64_t size,
		  int64_t mtime, enum api_change change)
{
	if (l->count == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 64;
		l->items = xrealloc(l->items, l->cap * sizeof(*l->items));
	}
	struct api_file *f = &l->items[l->count++];
	f->path = xstrdup(path);
	f->type = type;
	f->size = size;
	f->mtime = mtime;
	f->change = change;
	f->mode = 0;
	f->link = NULL;
}

void
api_file_list_free(struct api_file_list *l)
{
	for (size_t i = 0; i < l->count; i++) {
		free(l->items[i].path);
		free(l->items[i].link);
	}
	free(l->items);
	for (size_t i = 0; i < l->n_repos; i++)
		free(l->repos[i]);
	free(l->repos);
	memset(l, 0, sizeof(*l));
}

enum api_change
api_change_parse(const char *s)
{
	static const struct {
		const char *name;
		enum api_change change;
	} map[] = {
		{"A", API_CHANGE_ADDED},    {"ADDED", API_CHANGE_ADDED},
		{"M", API_CHANGE_MODIFIED}, {"UPDATED", API_CHANGE_MODIFIED},
		{"MODIFIED", API_CHANGE_MODIFIED},
		{"D", API_CHANGE_DELETED},  {"DELETED", API_CHANGE_DELETED},
		{"R", API_CHANGE_RENAMED},  {"MOVED", API_CHANGE_RENAMED},
		{"RENAMED", API_CHANGE_RENAMED},
		{"U", API_CHANGE_UNTRACKED}, {"UNTRACKED", API_CHANGE_UNTRACKED},
	};

	if (!s)
		return API_CHANGE_NONE;
	for (size_t i = 0; i < ARRAY_SIZE(map); i++)
		if (strcasecmp(s, map[i].name) == 0)
			return map[i].change;
	return API_CHANGE_NONE;
}

void
api_error_set(struct api_error *e, enum api_error_kind kind, long status, const char *fmt, ...)
{
	va_list ap;

	if (!e)
		return;
	e->kind = kind;
	e->status = status;
	va_start(ap, fmt);
	vsnprintf(e->message, sizeof(e->message), fmt, ap);
	va_end(ap);
}

int
api_error_exit_code(enum api_error_kind kind)
{
	switch (kind) {
	case API_OK:
		return 0;
	case API_ERR_USAGE:
		return 2;
	case API_ERR_AUTH:
		return 3;
	case API_ERR_NOT_FOUND:
		return 4;
	case API_ERR_CANCELLED:
		return 130;
	default:
		return 5;
	}
}
