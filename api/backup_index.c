/* api/backup_index.c: DIR/index.json and DIR/index.md (see backup_index.h). */
#include "api/backup_index.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "src/base/util.h"

#define INDEX_JSON "index.json"
#define INDEX_MD "index.md"
#define INDEX_FORMAT 1	/* bumped when an old reader could misread a new index */

static char *
jdup(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));
	return s ? xstrdup(s) : NULL;
}

static int64_t
jint(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);
	return json_is_integer(v) ? (int64_t)json_integer_value(v) : -1;
}

void
api_backup_entry_free(struct api_backup_entry *e)
{
	free(e->id);
	free(e->title);
	free(e->status);
	free(e->updated_at);
	free(e->reap_at);
	free(e->archive);
	free(e->sha256);
	free(e->fingerprint);
	free(e->taken_at);
	free(e->outcome);
	free(e->reason);
	for (size_t i = 0; i < e->n_versions; i++)
		free(e->versions[i]);
	free(e->versions);
	memset(e, 0, sizeof(*e));
}

void
api_backup_index_free(struct api_backup_index *ix)
{
	for (size_t i = 0; i < ix->count; i++)
		api_backup_entry_free(&ix->items[i]);
	free(ix->items);
	memset(ix, 0, sizeof(*ix));
}

struct api_backup_entry *
api_backup_index_find(struct api_backup_index *ix, const char *id)
{
	for (size_t i = 0; i < ix->count; i++)
		if (ix->items[i].id && strcmp(ix->items[i].id, id) == 0)
			return &ix->items[i];
	return NULL;
}

struct api_backup_entry *
api_backup_index_get(struct api_backup_index *ix, const char *id)
{
	struct api_backup_entry *e = api_backup_index_find(ix, id);

	if (e)
		return e;
	ix->items = xrealloc(ix->items, (ix->count + 1) * sizeof(*ix->items));
	e = &ix->items[ix->count++];
	memset(e, 0, sizeof(*e));
	e->id = xstrdup(id);
	e->size = e->files = -1;
	return e;
}

/* A file name the index may name: one component, no way out of DIR. */
static bool
safe_name(const char *s)
{
	return s && *s && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..");
}

int
api_backup_index_load(const char *dir, struct api_backup_index *out, struct api_error *err)
{
	char *path = xasprintf("%s/%s", dir, INDEX_JSON);
	json_error_t je;
	json_t *root;

	memset(out, 0, sizeof(*out));
	if (access(path, F_OK) != 0 && errno == ENOENT) {
		free(path);
		return 0;
	}
	root = json_load_file(path, 0, &je);
	const json_t *list = root ? json_object_get(root, "conversations") : NULL;
	if (!root || !json_is_array(list)) {
		api_error_set(err, API_ERR_LOCAL, 0,
			      "%s is not a backup index ohbrowse can read (%s); move it away or choose another "
			      "directory with -d", path, root ? "no \"conversations\" list" : je.text);
		json_decref(root);
		free(path);
		return -1;
	}
	for (size_t i = 0; i < json_array_size(list); i++) {
		const json_t *o = json_array_get(list, i);
		const char *id = json_string_value(json_object_get(o, "id"));
		if (!id || api_backup_index_find(out, id))
			continue;	/* a broken or repeated row: the next run takes that one again */
		struct api_backup_entry *e = api_backup_index_get(out, id);
		e->title = jdup(o, "title");
		e->status = jdup(o, "status");
		e->updated_at = jdup(o, "updated_at");
		e->reap_at = jdup(o, "reap_at");
		e->archive = safe_name(json_string_value(json_object_get(o, "archive"))) ? jdup(o, "archive") : NULL;
		e->size = jint(o, "size");
		e->files = jint(o, "files");
		e->sha256 = jdup(o, "sha256");
		e->fingerprint = jdup(o, "workspace_fingerprint");
		e->events_only = json_is_true(json_object_get(o, "events_only"));
		e->taken_at = jdup(o, "taken_at");
		e->outcome = jdup(o, "outcome");
		e->reason = jdup(o, "reason");
		const json_t *v = json_object_get(o, "versions");
		for (size_t k = 0; k < json_array_size(v); k++) {
			const char *s = json_string_value(json_array_get(v, k));
			if (!safe_name(s))
				continue;
			e->versions = xrealloc(e->versions, (e->n_versions + 1) * sizeof(*e->versions));
			e->versions[e->n_versions++] = xstrdup(s);
		}
	}
	json_decref(root);
	free(path);
	return 0;
}

static json_t *
jstr_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static json_t *
jint_or_null(int64_t v)
{
	return v >= 0 ? json_integer((json_int_t)v) : json_null();
}

/* Write data to DIR/name through DIR/.name.XXXXXX, fsync and rename. */
static int
write_atomic(const char *dir, const char *name, const char *data, size_t len, struct api_error *err)
{
	char *tmp = xasprintf("%s/.%s.XXXXXX", dir, name);
	char *final = xasprintf("%s/%s", dir, name);
	int fd = mkstemp(tmp), rc = -1;

	if (fd < 0) {
		api_error_set(err, API_ERR_LOCAL, 0, "cannot write the backup index in %s: %s", dir, strerror(errno));
		goto out;
	}
	fchmod(fd, 0644);
	for (size_t off = 0; off < len;) {
		ssize_t w = write(fd, data + off, len - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			api_error_set(err, API_ERR_LOCAL, 0, "cannot write %s: %s%s", final, strerror(errno),
				      errno == ENOSPC ? "; free some disk space and run the backup again" : "");
			close(fd);
			unlink(tmp);
			goto out;
		}
		off += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, final) != 0) {
		api_error_set(err, API_ERR_LOCAL, 0, "cannot write %s: %s", final, strerror(errno));
		unlink(tmp);
		goto out;
	}
	int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		fsync(dfd);	/* the rename itself survives a crash */
		close(dfd);
	}
	rc = 0;
out:
	free(tmp);
	free(final);
	return rc;
}

/* A Markdown table cell: no pipes or line breaks. */
static void
md_cell(struct strbuf *sb, const char *s)
{
	for (; s && *s; s++)
		strbuf_putc(sb, *s == '|' ? '/' : (*s == '\n' || *s == '\r') ? ' ' : *s);
	if (!s)
		strbuf_puts(sb, "-");
}

static char *
index_md(const struct api_backup_index *ix)
{
	struct strbuf sb = {0};

	strbuf_puts(&sb, "# ohbrowse backup\n\nOne archive per conversation (ZIP: the workspace, events.json, "
			 "conversation.md, conversation_metadata.json). Written by `ohbrowse backup`; "
			 "index.json holds the same in full.\n\n"
			 "| conversation | status | updated | deletion | archive | size | files | taken | outcome |\n"
			 "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
	for (size_t i = 0; i < ix->count; i++) {
		const struct api_backup_entry *e = &ix->items[i];
		strbuf_puts(&sb, "| ");
		md_cell(&sb, e->title && *e->title ? e->title : e->id);
		strbuf_printf(&sb, " (`%.8s`) | ", e->id);
		md_cell(&sb, e->status);
		strbuf_puts(&sb, " | ");
		md_cell(&sb, e->updated_at);
		strbuf_puts(&sb, " | ");
		md_cell(&sb, e->reap_at);
		strbuf_puts(&sb, " | ");
		md_cell(&sb, e->archive);
		if (e->size >= 0)
			strbuf_printf(&sb, " | %lld", (long long)e->size);
		else
			strbuf_puts(&sb, " | -");
		if (e->files >= 0)
			strbuf_printf(&sb, " | %lld | ", (long long)e->files);
		else
			strbuf_puts(&sb, " | - | ");
		md_cell(&sb, e->taken_at);
		strbuf_puts(&sb, " | ");
		md_cell(&sb, e->outcome);
		if (e->reason) {
			strbuf_puts(&sb, ": ");
			md_cell(&sb, e->reason);
		}
		strbuf_puts(&sb, " |\n");
	}
	return strbuf_detach(&sb);
}

int
api_backup_index_save(const char *dir, const struct api_backup_index *ix, struct api_error *err)
{
	json_t *list = json_array();

	for (size_t i = 0; i < ix->count; i++) {
		const struct api_backup_entry *e = &ix->items[i];
		json_t *v = json_array();
		for (size_t k = 0; k < e->n_versions; k++)
			json_array_append_new(v, json_string(e->versions[k]));
		json_array_append_new(list, json_pack("{s:s,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:o,s:b,s:o,s:o,s:o,s:o}",
				"id", e->id, "title", jstr_or_null(e->title), "status", jstr_or_null(e->status),
				"updated_at", jstr_or_null(e->updated_at), "reap_at", jstr_or_null(e->reap_at),
				"archive", jstr_or_null(e->archive), "size", jint_or_null(e->size),
				"files", jint_or_null(e->files), "sha256", jstr_or_null(e->sha256),
				"workspace_fingerprint", jstr_or_null(e->fingerprint), "events_only", e->events_only,
				"taken_at", jstr_or_null(e->taken_at), "outcome", jstr_or_null(e->outcome),
				"reason", jstr_or_null(e->reason), "versions", v));
	}
	json_t *root = json_pack("{s:i,s:s,s:o}", "format", INDEX_FORMAT, "tool", "ohbrowse", "conversations", list);
	char *text = json_dumps(root, JSON_INDENT(2) | JSON_ENSURE_ASCII);
	json_decref(root);
	if (!text) {
		api_error_set(err, API_ERR_LOCAL, 0, "cannot encode the backup index (out of memory)");
		return -1;
	}
	int rc = write_atomic(dir, INDEX_JSON, text, strlen(text), err);
	free(text);
	if (rc == 0) {
		char *md = index_md(ix);
		rc = write_atomic(dir, INDEX_MD, md, strlen(md), err);
		free(md);
	}
	return rc;
}
