/*
 * tests/fakehands/archive.c: zip-directory and file/archive bodies, streamed.
 *
 * Owns: turning a workspace (or one directory of it) into a zip (store) or a
 * tar.gz (pax + gzip) through libarchive in small steps, so the MHD content
 * reader pulls the archive in constant memory whatever the file sizes are;
 * the default excludes and archive_manifest.json of the agent's tar.gz; and
 * the dry run that gives a zip its Content-Length.
 */
#include "tests/fakehands/fh.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#define STEP (64 * 1024)

struct arch_ent {
	const struct fh_node *node;
	char *name;
};

struct arch_stream {
	struct archive *a;
	struct arch_ent *ents;
	size_t n_ents, idx;
	bool header_done, closed, failed, dry;
	uint64_t off;
	struct strbuf out;
	size_t out_pos;
	uint64_t total;
	struct fh_node manifest;
};

static la_ssize_t
write_cb(struct archive *a, void *cls, const void *buf, size_t len)
{
	struct arch_stream *st = cls;

	st->total += len;
	if (!st->dry)
		strbuf_append(&st->out, buf, len);
	return (la_ssize_t)len;
}

static void
add_ent(struct arch_stream *st, const struct fh_node *n, char *name)
{
	st->ents = xrealloc(st->ents, (st->n_ents + 1) * sizeof(*st->ents));
	st->ents[st->n_ents].node = n;
	st->ents[st->n_ents++].name = name;
}

static struct arch_stream *
arch_open(bool zip, bool dry)
{
	struct arch_stream *st = xcalloc(1, sizeof(*st));

	st->dry = dry;
	st->a = archive_write_new();
	if (zip) {
		archive_write_set_format_zip(st->a);
		/* store: never the CPU bottleneck of a benchmark, and the size is predictable */
		archive_write_zip_set_compression_store(st->a);
		archive_write_set_format_option(st->a, "zip", "hdrcharset", "UTF-8");
	} else {
		archive_write_set_format_pax_restricted(st->a);
		archive_write_set_format_option(st->a, "pax", "hdrcharset", "UTF-8");
		archive_write_add_filter_gzip(st->a);
		/* level 0 (stored deflate blocks): still a valid gzip stream, but never the
		 * CPU bottleneck of a benchmark */
		archive_write_set_filter_option(st->a, "gzip", "compression-level", "0");
	}
	archive_write_set_bytes_in_last_block(st->a, 1);
	if (archive_write_open(st->a, st, NULL, write_cb, NULL) != ARCHIVE_OK)
		st->failed = true;
	return st;
}

/* Advance the writer by one bounded step. */
static void
arch_step(struct arch_stream *st)
{
	if (st->closed || st->failed)
		return;
	if (st->idx >= st->n_ents) {
		if (archive_write_close(st->a) != ARCHIVE_OK)
			st->failed = true;
		st->closed = true;
		return;
	}
	struct arch_ent *e = &st->ents[st->idx];
	const struct fh_node *n = e->node;

	if (!st->header_done) {
		struct archive_entry *ae = archive_entry_new();

		/* names are UTF-8 bytes whatever the process locale: give libarchive the
		 * UTF-8 form so zip sets the UTF-8 flag and pax writes a proper path;
		 * invalid UTF-8 (hostile names) falls back to the raw bytes */
		if (utf8_valid(e->name, strlen(e->name)))
			archive_entry_set_pathname_utf8(ae, e->name);
		else
			archive_entry_set_pathname(ae, e->name);
		archive_entry_set_filetype(ae, n->is_dir ? AE_IFDIR : AE_IFREG);
		archive_entry_set_perm(ae, n->is_dir ? 0755 : 0644);
		archive_entry_set_mtime(ae, n->mtime, 0);
		archive_entry_set_size(ae, n->is_dir ? 0 : (la_int64_t)node_size(n));
		/* ARCHIVE_WARN is fine: a name that is not valid UTF-8 is written raw */
		if (archive_write_header(st->a, ae) < ARCHIVE_WARN)
			st->failed = true;
		archive_entry_free(ae);
		st->header_done = true;
		st->off = 0;
		return;
	}
	if (!n->is_dir && st->off < node_size(n)) {
		static const char zeros[STEP];
		char buf[STEP];
		size_t k;

		if (st->dry) {
			/* same size in store mode; only the CRC differs, and it is not kept */
			uint64_t left = node_size(n) - st->off;

			k = left < STEP ? (size_t)left : STEP;
			if (archive_write_data(st->a, zeros, k) < 0)
				st->failed = true;
		} else {
			k = node_read(n, st->off, buf, STEP);
			if (archive_write_data(st->a, buf, k) < 0)
				st->failed = true;
		}
		st->off += k;
		return;
	}
	st->idx++;
	st->header_done = false;
}

ssize_t
arch_read(struct arch_stream *st, char *buf, size_t max)
{
	size_t avail;

	while (st->out.len == st->out_pos && !st->closed && !st->failed)
		arch_step(st);
	if (st->failed)
		return -1;
	avail = st->out.len - st->out_pos;
	if (avail > max)
		avail = max;
	memcpy(buf, st->out.buf + st->out_pos, avail);
	st->out_pos += avail;
	if (st->out_pos == st->out.len) {
		st->out.len = 0;
		st->out_pos = 0;
	}
	return (ssize_t)avail;
}

void
arch_free(struct arch_stream *st)
{
	if (!st)
		return;
	archive_write_free(st->a);
	for (size_t i = 0; i < st->n_ents; i++)
		free(st->ents[i].name);
	free(st->ents);
	free(st->manifest.data);
	strbuf_free(&st->out);
	free(st);
}

static struct arch_stream *
zip_build(const struct fh_workspace *ws, bool dry)
{
	struct arch_stream *st = arch_open(true, dry);

	/* zip-directory: files only (empty directories are lost), names relative to the root,
	 * nothing filtered (.git and node_modules go in) */
	for (size_t i = 0; i < ws->n_nodes; i++)
		if (!ws->nodes[i].is_dir)
			add_ent(st, &ws->nodes[i], xstrndup(ws->nodes[i].path, ws->nodes[i].path_len));
	return st;
}

struct arch_stream *
arch_zip(const struct fh_workspace *ws)
{
	return zip_build(ws, false);
}

uint64_t
arch_zip_size(const struct fh_workspace *ws, uint64_t cap)
{
	uint64_t data = 0;
	struct arch_stream *st;

	for (size_t i = 0; i < ws->n_nodes; i++)
		data += ws->nodes[i].is_dir ? 0 : node_size(&ws->nodes[i]);
	if (data > cap)
		return UINT64_MAX;
	st = zip_build(ws, true);
	while (!st->closed && !st->failed)
		arch_step(st);
	data = st->failed ? UINT64_MAX : st->total;
	arch_free(st);
	return data;
}

static const char *const default_excludes[] = { ".git", "node_modules", ".venv", "venv", "__pycache__",
						".mypy_cache", ".pytest_cache", ".ruff_cache", ".cache", "dist",
						"build", ".next", "target" };

static bool
excluded(const char *rel, bool defaults)
{
	char buf[4096];
	size_t len = strlen(rel);

	/* credential files inside .git never leave the sandbox */
	if (!strcmp(rel, ".git/config") || !strcmp(rel, ".git/FETCH_HEAD") || !strncmp(rel, ".git/logs", 9) ||
	    strstr(rel, "/.git/config") || strstr(rel, "/.git/FETCH_HEAD") || strstr(rel, "/.git/logs"))
		return true;
	if (!defaults || len >= sizeof(buf))
		return false;
	if (len > 4 && !strcmp(rel + len - 4, ".pyc"))
		return true;
	memcpy(buf, rel, len + 1);
	for (char *save = NULL, *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save))
		for (size_t i = 0; i < ARRAY_SIZE(default_excludes); i++)
			if (!strcmp(c, default_excludes[i]))
				return true;
	return false;
}

struct arch_stream *
arch_targz(const struct fh_workspace *ws, const char *rel_dir, bool excludes)
{
	struct arch_stream *st = arch_open(false, false);
	size_t rl = strlen(rel_dir), files = 0;
	const char *slash;
	char *base, *abs;
	static struct fh_node dir_node = { .path = (char *)"", .is_dir = true, .mtime = 1732406400 };

	abs = rl ? xasprintf("%s/%s", ws->root, rel_dir) : xstrdup(ws->root);
	slash = strrchr(abs, '/');
	base = xstrdup(slash && slash[1] ? slash + 1 : "workspace");
	add_ent(st, &dir_node, xasprintf("%s/", base));
	for (size_t i = 0; i < ws->n_nodes; i++) {
		const struct fh_node *n = &ws->nodes[i];
		const char *sub;

		if (rl) {
			if (n->path_len <= rl + 1 || memcmp(n->path, rel_dir, rl) || n->path[rl] != '/')
				continue;
			sub = n->path + rl + 1;
		} else {
			sub = n->path;
		}
		if (excluded(sub, excludes))
			continue;
		add_ent(st, n, xasprintf("%s/%s%s", base, sub, n->is_dir ? "/" : ""));
		files += !n->is_dir;
	}
	json_t *m = json_pack("{s:s,s:s,s:s,s:i,s:b}", "format", "tar.gz", "root", abs, "root_name", base,
			      "file_count", (int)files, "use_default_excludes", excludes);
	char *text = json_dumps(m, JSON_INDENT(2));

	json_decref(m);
	st->manifest.data = (unsigned char *)text;
	st->manifest.len = strlen(text);
	st->manifest.mtime = 1732406400;
	add_ent(st, &st->manifest, xasprintf("%s/archive_manifest.json", base));
	free(base);
	free(abs);
	return st;
}
