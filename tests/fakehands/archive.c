/*
 * tests/fakehands/archive.c: zip-directory and file/archive bodies, streamed.
 *
 * Owns: the zip-directory ZIP as Python's zipfile writes it to a seekable file
 * (written here byte by byte, no libarchive: CRC-32 and sizes in every local
 * header, general-purpose bit 3 clear, Zip64 past zipfile's ZIP64_LIMIT, an
 * exact size known up front) and, as the "descriptor" style, the libarchive
 * ZIP with data descriptors; the agent's tar.gz (pax + gzip) through
 * libarchive with its default excludes and archive_manifest.json. Every body
 * is produced in small steps, so the MHD content reader pulls it in constant
 * memory whatever the file sizes are.
 */
#include "tests/fakehands/fh.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define STEP (64 * 1024)

/* zipfile.ZIP64_LIMIT; lowered by tests to reach the Zip64 paths with small files */
uint64_t fh_zip64_limit = 0x7fffffffu;

/* ---------- CRC-32 (IEEE, reflected polynomial 0xEDB88320), slice-by-8 ---------- */

static uint32_t crc_tab[8][256];
static pthread_once_t crc_once = PTHREAD_ONCE_INIT;

static void
crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++)
			c = (c >> 1) ^ (0xEDB88320u & (0u - (c & 1)));
		crc_tab[0][i] = c;
	}
	/* tab[t][i]: the CRC of byte i followed by t zero bytes */
	for (int t = 1; t < 8; t++)
		for (int i = 0; i < 256; i++)
			crc_tab[t][i] = (crc_tab[t - 1][i] >> 8) ^ crc_tab[0][crc_tab[t - 1][i] & 0xff];
}

/* Running CRC: start with 0, feed pieces in order. */
uint32_t
fh_crc32(uint32_t crc, const void *data, size_t len)
{
	const unsigned char *p = data;

	pthread_once(&crc_once, crc_init);
	crc = ~crc;
	while (len >= 8) {
		uint32_t lo = crc ^ ((uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24);

		crc = crc_tab[7][lo & 0xff] ^ crc_tab[6][(lo >> 8) & 0xff] ^ crc_tab[5][(lo >> 16) & 0xff] ^
		      crc_tab[4][lo >> 24] ^ crc_tab[3][p[4]] ^ crc_tab[2][p[5]] ^ crc_tab[1][p[6]] ^ crc_tab[0][p[7]];
		p += 8;
		len -= 8;
	}
	while (len--)
		crc = (crc >> 8) ^ crc_tab[0][(crc ^ *p++) & 0xff];
	return ~crc;
}

static pthread_mutex_t crc_lock = PTHREAD_MUTEX_INITIALIZER;

/* A generated file's CRC costs one pass over its bytes: done once per file, then cached
 * (concurrent first requests may both compute it; the result is the same). */
static uint32_t
node_crc(const struct fh_node *n)
{
	struct fh_node *w = (struct fh_node *)n;
	unsigned char buf[STEP];
	uint32_t crc = 0;
	bool known;

	if (!n->generated)
		return fh_crc32(0, n->data, n->len);
	pthread_mutex_lock(&crc_lock);
	known = n->crc_known;
	crc = n->crc;
	pthread_mutex_unlock(&crc_lock);
	if (known)
		return crc;
	crc = 0;
	for (uint64_t off = 0; off < n->size;) {
		size_t k = node_read(n, off, buf, sizeof(buf));

		crc = fh_crc32(crc, buf, k);
		off += k;
	}
	pthread_mutex_lock(&crc_lock);
	w->crc = crc;
	w->crc_known = true;
	pthread_mutex_unlock(&crc_lock);
	return crc;
}

/* ---------- the Python-style ZIP ---------- */

struct zip_ent {
	const struct fh_node *node;
	const char *name;
	size_t name_len;
	uint64_t size, off;
	uint32_t crc;
	uint16_t flags, dtime, ddate;
	bool l64;		/* Zip64 extra in the local header */
};

struct py_zip {
	struct zip_ent *e;
	size_t n;
	uint64_t cd_off, cd_size, total;
	size_t idx, cd_idx;	/* next entry to send; next central record */
	bool header_done, end_done;
	uint64_t data_off;
};

static void
put16(struct strbuf *b, unsigned v)
{
	unsigned char c[2] = { (unsigned char)v, (unsigned char)(v >> 8) };

	strbuf_append(b, c, 2);
}

static void
put32(struct strbuf *b, uint32_t v)
{
	put16(b, v & 0xffff);
	put16(b, v >> 16);
}

static void
put64(struct strbuf *b, uint64_t v)
{
	put32(b, (uint32_t)v);
	put32(b, (uint32_t)(v >> 32));
}

static void
dos_time(int64_t mtime, uint16_t *t, uint16_t *d)
{
	time_t tt = (time_t)mtime;
	struct tm tm;

	/* zipfile: time.localtime(st_mtime), clamped to the DOS range (strict_timestamps=False) */
	if (!localtime_r(&tt, &tm) || tm.tm_year < 80) {
		tm = (struct tm){ .tm_year = 80, .tm_mday = 1 };
	} else if (tm.tm_year > 207) {
		tm = (struct tm){ .tm_year = 207, .tm_mon = 11, .tm_mday = 31, .tm_hour = 23, .tm_min = 59, .tm_sec = 58 };
	}
	*d = (uint16_t)((tm.tm_year - 80) << 9 | (tm.tm_mon + 1) << 5 | tm.tm_mday);
	*t = (uint16_t)(tm.tm_hour << 11 | tm.tm_min << 5 | tm.tm_sec / 2);
}

/* zipfile's rules: the local header gets the Zip64 extra when file_size * 1.05 > ZIP64_LIMIT
 * (decided before writing); the central record carries the sizes when they pass the limit
 * and the header offset when it does. */
static size_t
central_extra(const struct zip_ent *e)
{
	size_t k = (e->size > fh_zip64_limit ? 2 : 0) + (e->off > fh_zip64_limit ? 1 : 0);

	return k ? 4 + 8 * k : 0;
}

static bool
need_end64(const struct py_zip *z)
{
	return z->n > 0xffff || z->cd_off > fh_zip64_limit || z->cd_size > fh_zip64_limit;
}

static void
py_layout(struct py_zip *z)
{
	uint64_t off = 0;

	for (size_t i = 0; i < z->n; i++) {
		struct zip_ent *e = &z->e[i];

		e->off = off;
		off += 30 + e->name_len + (e->l64 ? 20 : 0) + e->size;
	}
	z->cd_off = off;
	z->cd_size = 0;
	for (size_t i = 0; i < z->n; i++)
		z->cd_size += 46 + z->e[i].name_len + central_extra(&z->e[i]);
	z->total = z->cd_off + z->cd_size + (need_end64(z) ? 56 + 20 : 0) + 22;
}

static void
put_local(struct strbuf *b, const struct zip_ent *e)
{
	put32(b, 0x04034b50);
	put16(b, e->l64 ? 45 : 20);
	put16(b, e->flags);
	put16(b, 0);		/* stored */
	put16(b, e->dtime);
	put16(b, e->ddate);
	put32(b, e->crc);
	put32(b, e->l64 ? 0xffffffffu : (uint32_t)e->size);
	put32(b, e->l64 ? 0xffffffffu : (uint32_t)e->size);
	put16(b, (unsigned)e->name_len);
	put16(b, e->l64 ? 20 : 0);
	strbuf_append(b, e->name, e->name_len);
	if (e->l64) {
		put16(b, 0x0001);
		put16(b, 16);
		put64(b, e->size);	/* uncompressed, then compressed */
		put64(b, e->size);
	}
}

static void
put_central(struct strbuf *b, const struct zip_ent *e)
{
	bool big = e->size > fh_zip64_limit, far = e->off > fh_zip64_limit;
	size_t extra = central_extra(e);
	unsigned ver = e->l64 || extra ? 45 : 20;

	put32(b, 0x02014b50);
	put16(b, 3u << 8 | ver);	/* made by: Unix */
	put16(b, ver);
	put16(b, e->flags);
	put16(b, 0);
	put16(b, e->dtime);
	put16(b, e->ddate);
	put32(b, e->crc);
	put32(b, big ? 0xffffffffu : (uint32_t)e->size);
	put32(b, big ? 0xffffffffu : (uint32_t)e->size);
	put16(b, (unsigned)e->name_len);
	put16(b, (unsigned)extra);
	put16(b, 0);		/* comment */
	put16(b, 0);		/* disk */
	put16(b, 0);		/* internal attributes */
	put32(b, 0100644u << 16);	/* external: st_mode << 16 */
	put32(b, far ? 0xffffffffu : (uint32_t)e->off);
	strbuf_append(b, e->name, e->name_len);
	if (extra) {
		put16(b, 0x0001);
		put16(b, (unsigned)extra - 4);
		if (big) {
			put64(b, e->size);
			put64(b, e->size);
		}
		if (far)
			put64(b, e->off);
	}
}

static void
put_end(struct strbuf *b, const struct py_zip *z)
{
	uint64_t n = z->n, size = z->cd_size, off = z->cd_off;

	if (need_end64(z)) {
		put32(b, 0x06064b50);
		put64(b, 44);
		put16(b, 45);
		put16(b, 45);
		put32(b, 0);
		put32(b, 0);
		put64(b, n);
		put64(b, n);
		put64(b, size);
		put64(b, off);
		put32(b, 0x07064b50);
		put32(b, 0);
		put64(b, z->cd_off + z->cd_size);	/* where the Zip64 end record starts */
		put32(b, 1);
		n = n < 0xffff ? n : 0xffff;
		size = size < 0xffffffffu ? size : 0xffffffffu;
		off = off < 0xffffffffu ? off : 0xffffffffu;
	}
	put32(b, 0x06054b50);
	put16(b, 0);
	put16(b, 0);
	put16(b, (unsigned)n);
	put16(b, (unsigned)n);
	put32(b, (uint32_t)size);
	put32(b, (uint32_t)off);
	put16(b, 0);
}

struct arch_ent {
	const struct fh_node *node;
	char *name;
	char *hardlink;		/* tar: a LNKTYPE member naming this earlier member, no data */
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
	struct py_zip *py;	/* set: the Python-style ZIP, a is NULL */
	bool modes;		/* tar members keep the nodes' Unix modes (2026, R10) */
	bool tar;		/* a tar.gz (nodes' "archive_size" bombs apply) */
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
	st->ents[st->n_ents].hardlink = NULL;
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
		st->tar = true;
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
		archive_entry_set_perm(ae, st->modes && n->mode ? n->mode : n->is_dir ? 0755 : 0644);
		archive_entry_set_mtime(ae, n->mtime, 0);
		archive_entry_set_size(ae, n->is_dir || e->hardlink ? 0
				       : n->bomb && st->tar ? (la_int64_t)n->bomb : (la_int64_t)node_size(n));
		if (e->hardlink)
			archive_entry_set_hardlink(ae, e->hardlink);
		/* ARCHIVE_WARN is fine: a name that is not valid UTF-8 is written raw */
		if (archive_write_header(st->a, ae) < ARCHIVE_WARN)
			st->failed = true;
		archive_entry_free(ae);
		st->header_done = true;
		st->off = 0;
		return;
	}
	uint64_t data_size = n->bomb && st->tar ? n->bomb : node_size(n);
	if (!n->is_dir && !e->hardlink && st->off < data_size) {
		static const char zeros[STEP];
		char buf[STEP];
		size_t k;

		if (st->dry || (n->bomb && st->tar)) {
			/* same size in store mode; only the CRC differs, and it is not kept (a bomb:
			 * zeros, as many as its archive_size) */
			uint64_t left = data_size - st->off;

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

/* Next header piece of the Python-style ZIP into st->out, or false when the data of
 * the current entry is due (the caller reads it straight from the node). */
static bool
py_step(struct arch_stream *st)
{
	struct py_zip *z = st->py;

	if (z->idx < z->n) {
		struct zip_ent *e = &z->e[z->idx];

		if (!z->header_done) {
			/* the one pass over a generated file happens here, before its header */
			e->crc = node_crc(e->node);
			put_local(&st->out, e);
			z->header_done = true;
			z->data_off = 0;
			return true;
		}
		if (z->data_off < e->size)
			return false;
		z->idx++;
		z->header_done = false;
		return true;
	}
	/* central records in batches of up to ~64 KiB */
	while (z->cd_idx < z->n && st->out.len < STEP)
		put_central(&st->out, &z->e[z->cd_idx++]);
	if (z->cd_idx == z->n && !z->end_done && st->out.len < STEP) {
		put_end(&st->out, z);
		z->end_done = true;
	}
	if (z->end_done && st->out.len == 0)
		st->closed = true;
	return true;
}

ssize_t
arch_read(struct arch_stream *st, char *buf, size_t max)
{
	size_t avail;

	if (st->py) {
		while (st->out.len == st->out_pos && !st->closed) {
			struct py_zip *z = st->py;

			if (!py_step(st)) {
				struct zip_ent *e = &z->e[z->idx];
				size_t k = node_read(e->node, z->data_off, buf, max);

				z->data_off += k;
				return (ssize_t)k;
			}
		}
	}
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
	if (st->a)
		archive_write_free(st->a);
	if (st->py) {
		free(st->py->e);
		free(st->py);
	}
	for (size_t i = 0; i < st->n_ents; i++) {
		free(st->ents[i].name);
		free(st->ents[i].hardlink);
	}
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
		if (!ws->nodes[i].is_dir && !ws->nodes[i].link)	/* links: not modelled for V0 */
			add_ent(st, &ws->nodes[i], xstrndup(ws->nodes[i].path, ws->nodes[i].path_len));
	return st;
}

/* The libarchive ZIP (data descriptors): exact size by a dry run, or UINT64_MAX when
 * the data exceeds cap (then chunked). */
static uint64_t
descriptor_size(const struct fh_workspace *ws, uint64_t cap)
{
	uint64_t data = 0;
	struct arch_stream *st;

	for (size_t i = 0; i < ws->n_nodes; i++)
		data += ws->nodes[i].is_dir || ws->nodes[i].link ? 0 : node_size(&ws->nodes[i]);
	if (data > cap)
		return UINT64_MAX;
	st = zip_build(ws, true);
	while (!st->closed && !st->failed)
		arch_step(st);
	data = st->failed ? UINT64_MAX : st->total;
	arch_free(st);
	return data;
}

static struct arch_stream *
py_build(const struct fh_workspace *ws)
{
	struct arch_stream *st = xcalloc(1, sizeof(*st));
	struct py_zip *z = xcalloc(1, sizeof(*z));

	st->py = z;
	z->e = xcalloc(ws->n_nodes + 1, sizeof(*z->e));
	for (size_t i = 0; i < ws->n_nodes; i++) {
		const struct fh_node *n = &ws->nodes[i];
		struct zip_ent *e;
		bool ascii = true;

		if (n->is_dir)
			continue;
		e = &z->e[z->n++];
		e->node = n;
		e->name = n->path;
		e->name_len = n->path_len;
		e->size = node_size(n);
		for (size_t k = 0; k < n->path_len; k++)
			ascii = ascii && !((unsigned char)n->path[k] & 0x80);
		/* zipfile sets bit 11 only for names that are not ASCII; invalid UTF-8
		 * (hostile names) goes in as raw bytes without it */
		e->flags = !ascii && utf8_valid(n->path, n->path_len) ? 0x800 : 0;
		dos_time(n->mtime, &e->dtime, &e->ddate);
		/* file_size * 1.05 > ZIP64_LIMIT, in integers */
		e->l64 = e->size > fh_zip64_limit || e->size * 21 > fh_zip64_limit * 20;
	}
	py_layout(z);
	return st;
}

struct arch_stream *
arch_zip(const struct fh_workspace *ws, bool descriptor, uint64_t *size)
{
	if (descriptor) {
		/* a dry run gives the exact size up to 256 MiB of data; bigger ones go chunked */
		*size = descriptor_size(ws, 256u << 20);
		return zip_build(ws, false);
	}
	struct arch_stream *st = py_build(ws);

	*size = st->py->total;
	return st;
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

/* A second name of an earlier file: tarfile sees the same inode again and writes LNKTYPE
 * naming the first (Python tarfile.gettarinfo; pnpm trees are full of them). rl: the length
 * of the archive's root directory inside the workspace (its members are under base/). */
static void
tar_hardlink(struct arch_stream *st, const struct fh_node *n, const char *base, size_t rl)
{
	if (!n->hardlink || n->is_dir)
		return;
	const char *t = n->hardlink;
	if (rl && (strlen(t) <= rl || t[rl] != '/'))
		return;	/* the first name is outside this archive: this one holds the data */
	st->ents[st->n_ents - 1].hardlink = xasprintf("%s/%s", base, rl ? t + rl + 1 : t);
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
		/* R9: file/archive never follows or stores a link */
		if (excluded(sub, excludes) || n->link)
			continue;
		add_ent(st, n, xasprintf("%s/%s%s", base, sub, n->is_dir ? "/" : ""));
		tar_hardlink(st, n, base, rl);
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

/* ---------- the app server's conversation export (openhands-api-2026.md §1.7) ---------- */

static void
export_add(struct archive *a, const char *name, const char *data, size_t len, time_t mtime)
{
	struct archive_entry *e = archive_entry_new();

	archive_entry_set_pathname_utf8(e, name);
	archive_entry_set_filetype(e, AE_IFREG);
	archive_entry_set_perm(e, 0644);
	archive_entry_set_size(e, (la_int64_t)len);
	archive_entry_set_mtime(e, mtime, 0);
	archive_write_header(a, e);
	archive_write_data(a, data, len);
	archive_entry_free(e);
}

/* Python's zipfile writes the members of the export: meta.json (indent 2), then
 * event_{i:06d}_{event id}.json in timestamp order (the events as stored). */
char *
arch_export_zip(json_t *meta, json_t *events, size_t *len)
{
	struct archive *a = archive_write_new();
	size_t cap = 4096 + json_array_size(events) * 4096, used = 0;
	char *buf = NULL, *text;
	size_t i;
	json_t *ev;
	int rc;

	archive_write_set_format_zip(a);
	archive_write_zip_set_compression_store(a);
	for (;;) {
		buf = xrealloc(buf, cap);
		if (archive_write_open_memory(a, buf, cap, &used) != ARCHIVE_OK)
			die("fakehands: export zip: %s", archive_error_string(a));
		text = json_dumps(meta, JSON_INDENT(2));
		export_add(a, "meta.json", text, strlen(text), 0);
		free(text);
		json_array_foreach(events, i, ev) {
			char name[160];
			const char *id = json_string_value(json_object_get(ev, "id"));

			snprintf(name, sizeof(name), "event_%06zu_%.100s.json", i, id ? id : "none");
			text = json_dumps(ev, JSON_INDENT(2));
			export_add(a, name, text, strlen(text), 0);
			free(text);
		}
		rc = archive_write_close(a);
		if (rc == ARCHIVE_OK)
			break;
		/* the memory buffer was too small: start over with a larger one */
		archive_write_free(a);
		a = archive_write_new();
		archive_write_set_format_zip(a);
		archive_write_zip_set_compression_store(a);
		cap *= 4;
	}
	archive_write_free(a);
	*len = used;
	return buf;
}

/* ---- the 2026 agent-server's tar.gz (openhands-api-2026.md 2.2, R9-R11) */

/* _is_sensitive_git_internal: after the first ".git", any "logs" or a sensitive last name. */
static bool
sensitive_git(const char *rel)
{
	static const char *const names[] = { "config", "config.worktree", "credentials", ".git-credentials",
					     "FETCH_HEAD" };
	char *buf = xstrdup(rel), *save = NULL, *last = NULL;
	bool in_git = false, internal = false, logs = false;

	for (char *c = strtok_r(buf, "/", &save); c; c = strtok_r(NULL, "/", &save)) {
		if (in_git) {
			internal = true;
			logs = logs || !strcmp(c, "logs");
			last = c;
		} else if (!strcmp(c, ".git")) {
			in_git = true;
		}
	}
	bool hit = internal && logs;
	for (size_t i = 0; internal && !hit && i < ARRAY_SIZE(names); i++)
		hit = !strcmp(last, names[i]);
	free(buf);
	return hit;
}

/* _DEFAULT_ARCHIVE_EXCLUDES: "x/" patterns match a directory component, "*.pyc" a file */
static bool
default_excluded_2026(const char *rel, bool is_dir)
{
	static const char *const dirs[] = { ".git", "node_modules", ".venv", "venv", "__pycache__", ".mypy_cache",
					    ".pytest_cache", ".ruff_cache", "dist", "build", ".next", "target" };
	char *buf = xstrdup(rel), *save = NULL;
	bool hit = false;
	size_t len = strlen(rel);

	if (!is_dir && len > 4 && !strcmp(rel + len - 4, ".pyc"))
		hit = true;
	for (char *c = strtok_r(buf, "/", &save); c && !hit; c = strtok_r(NULL, "/", &save)) {
		bool last = c + strlen(c) == buf + len;
		for (size_t i = 0; i < ARRAY_SIZE(dirs) && !hit; i++)
			hit = !strcmp(c, dirs[i]) && (!last || is_dir);
	}
	free(buf);
	return hit;
}

/* One `exclude` pattern of the form "NAME/" (2.2: a bare name matches a component at any
 * depth; the trailing "/" only directories): whether rel lies in such a directory. The
 * fake knows no other form of the parameter. */
static bool
pattern_excluded(const char *rel, bool is_dir, const char *pat)
{
	size_t pl = pat ? strlen(pat) : 0;

	if (pl < 2 || pat[pl - 1] != '/' || memchr(pat, '/', pl - 1))
		return false;
	for (const char *c = rel; *c;) {
		size_t n = strcspn(c, "/");
		bool last = !c[n];
		if (n == pl - 1 && !memcmp(c, pat, n) && (!last || is_dir))
			return true;
		c += n + !last;
	}
	return false;
}

struct arch_stream *
arch_targz_2026(const struct fh_workspace *ws, const char *rel_root, bool excludes, const char *exclude,
		uint64_t *size, uint64_t *input_bytes)
{
	static struct fh_node dir_node = { .path = (char *)"", .is_dir = true, .mode = 0755, .mtime = 1732406400 };
	size_t rl = strlen(rel_root), files = 0;
	uint64_t total = 0;
	char *abs = rl ? xasprintf("%s/%s", ws->root, rel_root) : xstrdup(ws->root);
	const char *slash = strrchr(abs, '/');
	char *base = xstrdup(slash && slash[1] ? slash + 1 : "workspace");
	bool user_manifest = false;

	for (int pass = 0; pass < 2; pass++) {
		struct arch_stream *st = arch_open(false, pass == 0);
		st->modes = true;	/* R10: members keep their Unix modes */
		files = 0;
		total = 0;
		add_ent(st, &dir_node, xasprintf("%s/", base));	/* the root's own member */
		for (size_t i = 0; i < ws->n_nodes; i++) {
			const struct fh_node *n = &ws->nodes[i];
			const char *sub = n->path;

			if (rl) {
				if (n->path_len <= rl + 1 || memcmp(n->path, rel_root, rl) || n->path[rl] != '/')
					continue;
				sub = n->path + rl + 1;
			}
			/* R9: links are never stored; credentials never, even without the defaults */
			if (n->link || n->archive_skip || sensitive_git(sub) || pattern_excluded(sub, n->is_dir, exclude) ||
			    (excludes && default_excluded_2026(sub, n->is_dir)))
				continue;
			if (!n->is_dir && !strcmp(sub, "archive_manifest.json"))
				user_manifest = true;
			add_ent(st, n, xasprintf("%s/%s%s", base, sub, n->is_dir ? "/" : ""));
			tar_hardlink(st, n, base, rl);
			files += !n->is_dir;
			total += n->is_dir ? 0 : node_size(n);
		}
		if (!user_manifest) {
			/* R11: the last member, sorted keys, indent 2, no timestamps */
			json_t *ex = json_array();
			if (exclude)
				json_array_append_new(ex, json_string(exclude));
			if (excludes) {
				static const char *const pats[] = { ".git/", "node_modules/", ".venv/", "venv/",
								    "__pycache__/", ".mypy_cache/", ".pytest_cache/",
								    ".ruff_cache/", "dist/", "build/", ".next/",
								    "target/", "*.pyc" };
				for (size_t k = 0; k < ARRAY_SIZE(pats); k++)
					json_array_append_new(ex, json_string(pats[k]));
			}
			json_t *m = json_pack("{s:o,s:I,s:s,s:s,s:I}", "excludes", ex, "file_count", (json_int_t)files,
					      "format", "tar.gz", "source", base, "total_bytes", (json_int_t)total);
			char *text = json_dumps(m, JSON_INDENT(2) | JSON_SORT_KEYS);
			json_decref(m);
			st->manifest.data = (unsigned char *)text;
			st->manifest.len = strlen(text);
			st->manifest.mode = 0644;
			st->manifest.mtime = 1732406400;
			add_ent(st, &st->manifest, xasprintf("%s/archive_manifest.json", base));
		}
		if (pass == 0) {
			/* built to completion before the first byte (R10): so the size is known */
			while (!st->closed && !st->failed)
				arch_step(st);
			*size = st->failed ? UINT64_MAX : st->total;
			arch_free(st);
			user_manifest = false;
			continue;
		}
		*input_bytes = total;
		free(base);
		free(abs);
		return st;
	}
	return NULL;
}
