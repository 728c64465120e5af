/*
 * src/export_repack.c: one server archive (V0 zip-directory, V1 tar.gz) re-packed into the
 * job's ZIP (see export_int.h).
 *
 * Owns: the archive's download into a spool and the reading of its entries, as one state
 * machine: enum ex_rp_state in struct ex_repack, changed only by ex_rp_advance(), which the
 * pump calls with RPE_STEP and the download's completion with RPE_DOWNLOADED or RPE_FAILED.
 * Each entry becomes a file of the job, staged into a spool of its own, so a damaged archive
 * never leaves half an entry in our ZIP; the write head takes the staged files in turn.
 *
 *   STREAM --end--> DONE, or for a tar the walk that completes it (outside the repository,
 *            links, empty directories)
 *   STREAM --an entry it cannot read (damage; a ZIP's sizes only in a data descriptor), or a
 *            packed directory it cannot guess--> FETCHING, then SEEKABLE skipping what was taken
 *   STREAM --the guessed packed directory was wrong, seen at the end--> everything taken is
 *            dropped, FETCHING, SEEKABLE from the first entry
 *   FETCHING --downloaded--> SEEKABLE --end--> DONE, or the walk that completes a tar
 *   failed download, unreadable archive, damage in SEEKABLE, a bomb --> OFF: the walk
 *            fetches the files not yet taken (what was staged is kept)
 *
 * Streaming runs in a worker thread (archive/arcstream.c: libarchive's reader pulls its input,
 * so on a file still arriving it must be able to block, and only that thread may). The worker
 * stages each entry into a spool of its own, hashed, and hands it over; the loop's thread takes
 * it here, names it and the write head writes it, so after the last byte only the last entry
 * and the central directory remain. A V0 ZIP is read from its local headers (Python's zipfile
 * puts the sizes there). A tar's names need the directory the server packed, which its
 * X-Archive-Repo-Root header says only with the end of the transfer: it is guessed from the
 * listing by the server's own rule (ex_guess_repo_root()) and the tar's first component, and
 * checked when the header comes; a wrong guess (the workspace changed between the listing and
 * the packing) starts the re-pack over from the complete spool. With arc.dir set the archive
 * is one selected directory's (ex_sel_prelist_done()): its members go back under that
 * directory, .git and directory members are left out (a selection holds what its walk
 * would), and the walk that completes it is the selection's.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include "archive/spool.h"
#include "archive/srcarc.h"
#include "archive/arcstream.h"
#include "api/http.h"
#include "src/base/util.h"
#include "src/export_int.h"

enum ex_rp_event {
	RPE_STEP,	/* the pump: do a bounded piece of the current state's work */
	RPE_DOWNLOADED,	/* the whole archive is in the spool */
	RPE_FAILED,	/* the download failed (err says why) */
};

/* What one reading step found. */
enum ex_rp_outcome {
	RPO_MORE,	/* go on in the same state */
	RPO_WAIT,	/* RP_STREAM: nothing handed over yet */
	RPO_END,	/* no more entries */
	RPO_STOP,	/* RP_STREAM: streaming cannot go on; the seekable reader takes over */
	RPO_DAMAGED,	/* the archive is damaged here (or a bomb): the walk takes over */
};

static size_t ex_rp_advance(struct export_job *j, enum ex_rp_event ev, const struct api_error *err,
			    char *root, size_t budget);

/* ------------------------------------------------------------ staging */

/* The bomb check's slack; OHBROWSE_BOMB_SLACK (bytes) is a test hook. */
static int64_t
ex_bomb_slack(void)
{
	const char *e = getenv("OHBROWSE_BOMB_SLACK");
	long long v = e ? atoll(e) : 0;

	return v > 0 ? v : EX_BOMB_SLACK;
}

/*
 * An archive bomb (4 MB of tar.gz that expands to 4 GiB) must not fill the disk: past what
 * the listing announced (twice it, plus slack for .git), or near the temp dir's free space,
 * the archive is treated as damaged and the files are taken one by one. False (f failed)
 * when n more expanded bytes cross that line.
 */
static bool
ex_bomb_check(struct export_job *j, struct ex_file *f, int64_t n)
{
	j->staged_bytes += n;
	if (j->staged_bytes < j->staged_check)
		return true;
	struct statvfs vfs;
	int64_t slack = ex_bomb_slack();
	int64_t cap = j->listed_bytes > 0 ? 2 * j->listed_bytes + slack : -1;
	bool full = fstatvfs(f->fd, &vfs) == 0 && (int64_t)vfs.f_bavail * (int64_t)vfs.f_frsize < slack;
	j->staged_check = j->staged_bytes + (slack < EX_BOMB_STEP ? slack : EX_BOMB_STEP);
	if ((cap < 0 || j->staged_bytes <= cap) && !full)
		return true;
	char *m = xasprintf("the server's archive expands to more than %s (%lld bytes so far); it "
			    "is treated as damaged and the files are fetched one by one",
			    full ? "the temporary directory can hold" : "twice what the listing announced",
			    (long long)j->staged_bytes);
	ex_file_fail(j, f, m);
	free(m);
	return false;
}

/* Copy up to budget bytes of the current source entry into f's spool. Returns bytes used;
 * f ends SPOOLED at the end of the entry, FAILED on damage or a local error. */
size_t
ex_stage_step(struct export_job *j, struct ex_file *f, struct srcarc *src, size_t budget, bool *damaged)
{
	size_t want = budget < EX_BUF_SIZE ? budget : EX_BUF_SIZE;
	ssize_t n = srcarc_read(src, j->buf, want);

	*damaged = false;
	if (n < 0) {
		*damaged = true;
		return 0;
	}
	if (n == 0) {
		f->staging = false;
		f->pub.size = f->pub.done;
		if (f != j->arc.manifest)
			f->pub.state = EXPORT_FILE_SPOOLED;
		return 0;	/* the manifest candidate stays ACTIVE until the next member or the end */
	}
	if (!ex_bomb_check(j, f, n)) {
		*damaged = true;
		return (size_t)n;
	}
	for (ssize_t off = 0; off < n;) {
		ssize_t w = write(f->fd, j->buf + off, (size_t)(n - off));

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			char *m = xasprintf("cannot write a temporary file: %s", strerror(errno));
			ex_file_fail(j, f, m);
			free(m);
			return (size_t)n;
		}
		off += w;
	}
	f->pub.done += n;
	return (size_t)n;
}

/* ------------------------------------------------------------ entries */

/* Map an archive entry name to a workspace path; NULL for entries we leave out. */
static char *
ex_repack_path(struct export_job *j, const struct srcarc_entry *e)
{
	char *raw = xstrndup(e->path, e->path_len);
	const char *p = raw;
	const char *prefix = j->arc.prefix;

	while (p[0] == '/' || (p[0] == '.' && p[1] == '/'))
		p += p[0] == '/' ? 1 : 2;
	if (j->arc.tar) {
		/* the agent-server prefixes every member with "<root name>/" */
		const char *slash = strchr(p, '/');
		p = slash ? slash + 1 : "";
	}
	size_t n = strlen(p);
	while (n && p[n - 1] == '/')
		n--;
	/* a directory's archive asked without .git (api_fetch_archive_dir); a server that packed
	 * it anyway must not put into a selection what its walk would never show */
	if (j->arc.dir && (!strncmp(p, ".git/", 5) || (n == 4 && !strncmp(p, ".git", 4)) || strstr(p, "/.git/") ||
			   (n >= 5 && !strncmp(p + n - 5, "/.git", 5)))) {
		free(raw);
		return NULL;
	}
	char *out = !n ? NULL : prefix && *prefix ? xasprintf("%s/%.*s", prefix, (int)n, p) : xstrndup(p, n);
	free(raw);
	return out;
}

/*
 * The archive ended with "archive_manifest.json": drop it when it is the server's (R11:
 * the JSON with format "tar.gz" and source the packed directory's name, plus excludes,
 * file_count and total_bytes), keep it when it is the user's own.
 */
static void
ex_manifest_decide(struct export_job *j)
{
	struct ex_file *f = j->arc.manifest;
	char buf[8192];
	ssize_t n = f->fd >= 0 ? pread(f->fd, buf, sizeof(buf) - 1, 0) : -1;
	const char *prefix = j->arc.prefix;
	const char *src = prefix && *prefix ? strrchr(prefix, '/') : NULL;
	char *want;

	j->arc.manifest = NULL;
	src = src ? src + 1 : prefix && *prefix ? prefix : NULL;
	if (n < 0)
		n = 0;
	buf[n] = '\0';
	want = src ? xasprintf("\"source\": \"%s\"", src) : xstrdup("\"source\": \"");
	/* v1.35+ writes excludes, file_count, format, source, total_bytes; older servers wrote
	 * other fields beside format and file_count */
	bool current = strstr(buf, want) && strstr(buf, "\"excludes\":") && strstr(buf, "\"total_bytes\":");
	bool older = !strstr(buf, "\"source\":") && strstr(buf, "\"root_name\":");
	bool servers = n > 0 && buf[0] == '{' && strstr(buf, "\"format\": \"tar.gz\"") &&
		       strstr(buf, "\"file_count\":") && (current || older);
	free(want);
	if (!servers) {
		f->pub.state = EXPORT_FILE_SPOOLED;
		return;
	}
	/* the server's: it is the last file added, so it is simply taken back */
	ex_close_fd(&f->fd);
	if (j->n_files && j->files[j->n_files - 1] == f) {
		j->n_files--;
		ex_free_file(f);	/* its name stays taken in the set: harmless */
	} else {
		f->pub.state = EXPORT_FILE_EXCLUDED;
		free(f->pub.error);
		f->pub.error = xstrdup("the agent-server's own archive manifest");
	}
}

/* An entry that is not a regular file: a directory (empty ones survive), a hard link (the
 * walk after the archive fetches it by its name) or a device, FIFO or socket (recorded). */
static void
ex_rp_other(struct export_job *j, const struct srcarc_entry *e)
{
	char *d;

	if (!e->kind)
		return;
	if (!strcmp(e->kind, "hardlink")) {
		j->arc.hardlinks = true;	/* tarfile's LNKTYPE: a second name, no data of its own */
		return;
	}
	if (strcmp(e->kind, "directory") && strcmp(e->kind, "other"))
		return;	/* links are never in the server's archives; the listing brings them */
	if (j->mode == EXPORT_SELECTED && !strcmp(e->kind, "directory"))
		return;	/* a selection holds files only, as its walk does: the same ZIP either way */
	d = ex_repack_path(j, e);
	if (d && !strcmp(e->kind, "directory")) {
		ex_add_dir(j, d, e->mode);
	} else if (d) {
		struct ex_file *o = ex_add_file(j, d, 0, e->mtime);
		if (o->pub.state == EXPORT_FILE_QUEUED) {
			o->pub.state = EXPORT_FILE_EXCLUDED;
			o->pub.error = xstrdup("a device, FIFO or socket in the archive: nothing to copy");
		}
	}
	free(d);
}

/* The file for a regular entry, with a fresh spool, ACTIVE: NULL when it is left out (no
 * name, credentials, no spool: recorded). */
static struct ex_file *
ex_rp_file(struct export_job *j, const struct srcarc_entry *e)
{
	char msg[256];
	char *path = ex_repack_path(j, e);
	const char *prefix = j->arc.prefix;
	struct ex_file *f;

	if (!path)
		return NULL;
	f = ex_add_file(j, path, e->size, e->mtime);
	if (f->pub.state == EXPORT_FILE_EXCLUDED) {
		free(path);	/* recorded; its bytes stay in the server archive */
		return NULL;
	}
	f->mode = e->mode;
	ex_name(j, f);
	/* R11: the server's own manifest is its last member, at the top of the archive */
	if (j->arc.tar && !strcmp(path + (prefix && *prefix ? strlen(prefix) + 1 : 0), "archive_manifest.json"))
		j->arc.manifest = f;
	free(path);
	f->pub.started_ms = clock_now_ms();
	f->fd = spool_open(msg, sizeof(msg));
	if (f->fd < 0) {
		ex_set_error(f, EXPORT_FILE_FAILED, msg);
		return NULL;
	}
	f->pub.state = EXPORT_FILE_ACTIVE;
	f->staging = true;
	return f;
}

/* RP_SEEKABLE: open the next entry, or stage a slice of the current one. */
static size_t
ex_rp_read(struct export_job *j, size_t budget, enum ex_rp_outcome *out)
{
	struct ex_repack *rp = &j->arc;
	bool damaged;

	*out = RPO_MORE;
	if (!rp->cur) {
		struct srcarc_entry e;
		int rc = srcarc_next(rp->rd, &e);

		if (rc < 0) {
			*out = RPO_DAMAGED;
			return 0;
		}
		if (rc > 0 && rp->manifest) {
			/* another member follows: not the server's last member, so the user's file */
			rp->manifest->pub.state = EXPORT_FILE_SPOOLED;
			rp->manifest = NULL;
		}
		if (rc == 0) {
			*out = RPO_END;
			return 0;
		}
		if (rp->skip > 0) {
			rp->skip--;	/* streamed before the fallback */
			return 0;
		}
		if (!e.is_file) {
			ex_rp_other(j, &e);
			return 0;
		}
		rp->cur = ex_rp_file(j, &e);
		if (!rp->cur)
			return 0;
	}
	struct ex_file *f = rp->cur;
	size_t used = ex_stage_step(j, f, rp->rd, budget, &damaged);
	if (damaged) {
		*out = RPO_DAMAGED;
		return used;
	}
	if (!f->staging || f->pub.state != EXPORT_FILE_ACTIVE)
		rp->cur = NULL;
	return used;
}

/* ------------------------------------------------------------ an archive while it arrives */

/* The worker's news wakes the loop: curl_multi_wakeup() may be called from any thread. */
static void
ex_rp_wake(void *ud)
{
	http_wakeup(ud);
}

static void
ex_rp_st_start(struct export_job *j)
{
	int64_t slack = ex_bomb_slack();
	struct arcstream_opts o = {
		.cap = j->listed_bytes > 0 ? 2 * j->listed_bytes + slack : -1,	/* as ex_bomb_check */
		.keep_free = slack,
		.check_step = slack < EX_BOMB_STEP ? slack : EX_BOMB_STEP,
		.wake = ex_rp_wake,
		.wake_ud = api_client_http(j->c),
	};

	/* a V0 ZIP names its members as they are; a tar's names wait for the packed directory */
	j->arc.tar = j->conv.version == API_V1;
	j->arc.root_known = !j->arc.tar;
	j->arc.ts = arcstream_start(j->arc.fd, j->arc.tar, &o);
	j->arc.state = RP_STREAM;
}

static void
ex_rp_st_stop(struct export_job *j)
{
	arcstream_free(j->arc.ts);
	j->arc.ts = NULL;
}

/* The first entry names the packed directory: guess where it lies. False when the guess
 * cannot be made (streaming stops; the names wait for the header). */
static bool
ex_rp_st_root(struct export_job *j, const struct arcstream_entry *e)
{
	const char *p = e->path, *end = e->path + e->path_len;

	while (p < end && (*p == '/' || (*p == '.' && p + 1 < end && p[1] == '/')))
		p += *p == '/' ? 1 : 2;
	const char *slash = memchr(p, '/', (size_t)(end - p));
	char *guess = ex_guess_repo_root(j, p, (size_t)((slash ? slash : end) - p));

	if (!guess)
		return false;
	free(j->arc.prefix);
	j->arc.prefix = guess;
	j->arc.guessed = true;
	j->arc.root_known = true;
	return true;
}

/* A staged regular entry becomes a SPOOLED file (the manifest candidate stays ACTIVE). */
static void
ex_rp_st_file(struct export_job *j, struct arcstream_entry *e, const struct srcarc_entry *se)
{
	char *path = ex_repack_path(j, se);
	const char *prefix = j->arc.prefix;

	if (!path)
		return;
	struct ex_file *f = ex_add_file(j, path, e->size, e->mtime);
	if (f->pub.state == EXPORT_FILE_EXCLUDED) {
		free(path);	/* recorded; its bytes were never staged */
		return;
	}
	f->mode = e->mode;
	ex_name(j, f);
	f->pub.started_ms = clock_now_ms();
	if (e->error || e->fd < 0) {
		ex_set_error(f, EXPORT_FILE_FAILED, e->error ? e->error : "its data was not kept from the archive");
	} else {
		f->fd = e->fd;
		e->fd = -1;
		memcpy(f->sha, e->sha256, sizeof(f->sha));
		f->hashed = true;
		f->pub.size = f->pub.done = e->bytes;
		j->staged_bytes += e->bytes;
		f->pub.state = EXPORT_FILE_SPOOLED;
		/* R11: the server's own manifest is its last member, at the top of the archive */
		if (j->arc.tar && !strcmp(path + (prefix && *prefix ? strlen(prefix) + 1 : 0), "archive_manifest.json")) {
			f->pub.state = EXPORT_FILE_ACTIVE;
			j->arc.manifest = f;
		}
	}
	free(path);
}

/* The worker crossed the expansion limits in e: that file fails, the rest is walked. */
static void
ex_rp_st_bomb(struct export_job *j, struct arcstream_entry *e, const struct srcarc_entry *se)
{
	char *path = ex_repack_path(j, se);
	char *m = xasprintf("the server's archive expands to more than %s (%lld bytes so far); it "
			    "is treated as damaged and the files are fetched one by one",
			    arcstream_disk_full(j->arc.ts) ? "the temporary directory can hold"
							    : "twice what the listing announced",
			    (long long)arcstream_expanded(j->arc.ts));

	if (path) {
		struct ex_file *f = ex_add_file(j, path, e->size, e->mtime);
		if (f->pub.state != EXPORT_FILE_EXCLUDED) {
			ex_name(j, f);
			ex_set_error(f, EXPORT_FILE_FAILED, m);
		}
	}
	free(path);
	free(m);
}

/* RP_STREAM: take what the worker handed over. */
static enum ex_rp_outcome
ex_rp_st_take(struct export_job *j)
{
	struct ex_repack *rp = &j->arc;
	struct arcstream_entry e = { .fd = -1 };
	enum arcstream_status st = arcstream_poll(rp->ts, &e);
	enum ex_rp_outcome out = RPO_MORE;

	if (st == ARCSTREAM_NONE)
		return RPO_WAIT;
	if (st == ARCSTREAM_END)
		return RPO_END;
	if (st == ARCSTREAM_DAMAGED)
		return RPO_STOP;
	struct srcarc_entry se = { .path = e.path, .path_len = e.path_len, .is_file = e.is_file, .kind = e.kind,
				   .size = e.size, .mtime = e.mtime, .mode = e.mode };
	if (!rp->root_known && !ex_rp_st_root(j, &e)) {
		out = RPO_STOP;	/* nothing taken yet: the seekable reader does it all */
	} else if (st == ARCSTREAM_BOMB) {
		ex_rp_st_bomb(j, &e, &se);
		out = RPO_DAMAGED;
	} else {
		rp->entries++;
		if (rp->manifest) {
			/* another member follows: not the server's last member, so the user's file */
			rp->manifest->pub.state = EXPORT_FILE_SPOOLED;
			rp->manifest = NULL;
		}
		if (e.is_file)
			ex_rp_st_file(j, &e, &se);
		else
			ex_rp_other(j, &se);
	}
	arcstream_entry_free(&e);
	return out;
}

/* ------------------------------------------------------------ transitions */

/* The whole archive is in the spool: read it through its central directory, after the
 * entries streaming already took. False when it cannot be opened (msg says why). */
static bool
ex_rp_open_seekable(struct export_job *j, char *msg, size_t msglen)
{
	struct ex_repack *rp = &j->arc;

	rp->rd = srcarc_open_fd(rp->fd, msg, msglen);
	if (!rp->rd)
		return false;
	rp->tar = srcarc_format(rp->rd) != SRCARC_ZIP;
	rp->skip = rp->entries;
	rp->state = RP_SEEKABLE;
	return true;
}

/* Give up on the archive: the walk fetches the files not yet taken. Files already staged
 * keep their spool; the one being staged is fetched again. */
static void
ex_rp_fallback(struct export_job *j)
{
	struct ex_repack *rp = &j->arc;

	if (rp->cur) {
		ex_close_fd(&rp->cur->fd);
		rp->cur->staging = false;
		rp->cur->pub.state = EXPORT_FILE_QUEUED;
		rp->cur = NULL;
	}
	api_op_cancel(&rp->op);
	rp->op = NULL;
	ex_rp_st_stop(j);
	srcarc_close(rp->rd);
	rp->rd = NULL;
	ex_close_fd(&rp->fd);
	rp->state = RP_OFF;
	ex_start_walk(j);
}

/* Nothing taken from the archive and it failed: the plain walk, from the listing on. */
static void
ex_rp_walk_instead(struct export_job *j)
{
	ex_close_fd(&j->arc.fd);
	j->arc.state = RP_OFF;
	j->phase = EXPORT_LISTING;
	ex_start_walk(j);
}

/* Streaming stops (damage, an entry whose sizes are only in a data descriptor, a root that
 * cannot be guessed): the seekable reader takes the rest once the download is complete,
 * skipping the entries taken (an entry is handed over whole, so none is half taken). */
static void
ex_rp_stream_stop(struct export_job *j)
{
	struct ex_repack *rp = &j->arc;
	char msg[512];

	rp->state = RP_FETCHING;
	if (!rp->op && rp->fd >= 0 && !ex_rp_open_seekable(j, msg, sizeof(msg)))
		ex_rp_fallback(j);
}

/* The seekable reader reached the end of the archive. */
static void
ex_rp_finished(struct export_job *j)
{
	struct ex_repack *rp = &j->arc;
	bool completes = (rp->tar || rp->hardlinks) && !rp->walked && j->conv.version == API_V1 && !j->conv.local;

	srcarc_close(rp->rd);
	rp->rd = NULL;
	ex_close_fd(&rp->fd);
	rp->state = RP_DONE;
	if (rp->manifest)
		ex_manifest_decide(j);
	if (completes) {
		/* the archive holds one repository's regular files: the walk adds what lies outside
		 * it, links and empty directories (R9, 2.2); names already taken from the archive
		 * are not fetched again */
		rp->walked = true;
		ex_start_walk(j);
		return;
	}
	j->listed = true;
}

/* The download ended: RPE_FAILED in any state, or RPE_DOWNLOADED before reading began. */
static void
ex_rp_download_ended(struct export_job *j, const struct api_error *err)
{
	struct ex_repack *rp = &j->arc;
	char msg[512];

	if (!err && ex_rp_open_seekable(j, msg, sizeof(msg)))
		return;
	/* A V0 runtime's list-files hides what .gitignore ignores (build output, logs): after the
	 * archive failed, a walk gets fewer files, and says so instead of passing for complete. */
	if (err && j->conv.version == API_V0 && !j->conv.local && err->kind != API_ERR_UNSUPPORTED && !j->walk_blind)
		j->walk_blind = xasprintf("the server's workspace archive failed (%s), so the files were listed one by "
					  "one, and that listing cannot see files .gitignore hides (build output, logs): "
					  "those may be missing", err->message);
	/* Unsupported, failed or unreadable: the walk and file by file get the same files. */
	if (rp->rd || rp->cur || rp->entries)
		ex_rp_fallback(j);	/* keeps what streaming already took */
	else
		ex_rp_walk_instead(j);
}

/*
 * The download ended well: its X-Archive-Repo-Root (actual, taken over; NULL when it sent
 * none) places the members. Against a guess it is the check: a wrong guess (the workspace
 * changed between the listing and the packing) drops everything taken and starts over from
 * the complete spool. False when it did.
 */
static bool
ex_rp_confirm_root(struct export_job *j, char *actual)
{
	struct ex_repack *rp = &j->arc;
	bool guessed = rp->guessed;
	bool right = !guessed || !strcmp(rp->prefix ? rp->prefix : "", actual ? actual : "");

	if (right || !guessed) {
		if (actual || guessed) {
			free(rp->prefix);
			rp->prefix = actual;
		}
		rp->guessed = false;
		rp->root_known = true;
		return true;
	}
	http_note(api_client_http(j->c), "the agent-server packed %s, not %s as the listing suggested: the archive is "
		  "re-packed from the start", actual && *actual ? actual : "the workspace root",
		  *rp->prefix ? rp->prefix : "the root");
	free(rp->prefix);
	rp->prefix = actual;
	rp->guessed = false;
	ex_rp_st_stop(j);
	rp->manifest = NULL;
	rp->cur = NULL;
	rp->entries = 0;
	rp->hardlinks = false;
	rp->state = RP_FETCHING;
	ex_list_restart(j);	/* on failure the job is FAILED */
	return false;
}

/* The one transition function: every change of j->arc.state happens in here or in the
 * helpers it calls. Returns the bytes of budget used. */
static size_t
ex_rp_advance(struct export_job *j, enum ex_rp_event ev, const struct api_error *err, char *root, size_t budget)
{
	struct ex_repack *rp = &j->arc;
	enum ex_rp_outcome o;
	size_t used = 0;

	if (rp->state == RP_OFF || rp->state == RP_DONE) {
		free(root);
		return 0;
	}
	if (ev == RPE_FAILED) {
		ex_rp_st_stop(j);
		ex_rp_download_ended(j, err);
		return 0;
	}
	if (ev == RPE_DOWNLOADED) {
		if (!ex_rp_confirm_root(j, root) && ex_done_phase(j))
			return 0;
		if (rp->state == RP_STREAM)
			arcstream_complete(rp->ts);	/* the worker reads to the end */
		else if (rp->state == RP_FETCHING)
			ex_rp_download_ended(j, NULL);
		return 0;	/* downloaded while streaming: the steps take the rest */
	}
	switch (rp->state) {
	case RP_STREAM:
		o = ex_rp_st_take(j);
		if (o == RPO_END || o == RPO_STOP || o == RPO_DAMAGED)
			ex_rp_st_stop(j);
		if (o == RPO_END)
			ex_rp_finished(j);
		else if (o == RPO_STOP)
			ex_rp_stream_stop(j);
		else if (o == RPO_DAMAGED)
			ex_rp_fallback(j);
		break;
	case RP_SEEKABLE:
		used = ex_rp_read(j, budget, &o);
		if (o == RPO_DAMAGED)
			ex_rp_fallback(j);
		else if (o == RPO_END)
			ex_rp_finished(j);
		break;
	default:
		break;
	}
	return used;
}

/* ------------------------------------------------------------ the download */

static void
ex_arc_progress(void *ud, int64_t done, int64_t total)
{
	struct export_job *j = ud;

	if (done > j->arc.done)
		j->rx += done - j->arc.done;
	j->arc.done = done;
	j->arc.total = total;
	ex_rate_tick(j);
}

static void
ex_arc_done(void *ud, const struct api_xfer_result *r, const struct api_error *err)
{
	struct export_job *j = ud;

	char *packed = NULL;

	j->arc.op = NULL;
	if (!err && r && r->repo_root) {
		/* 2.2: the agent-server packs the one repository below the path it was given, and
		 * says which; its members go back under that directory */
		char *rel = ex_rel_path(j, r->repo_root);
		const char *root = api_workspace_root(j->c, &j->conv);
		bool inside = root && (!strcmp(r->repo_root, root) ||
				       (!strncmp(r->repo_root, root, strlen(root)) && r->repo_root[strlen(root)] == '/'));
		packed = inside ? rel : (free(rel), xstrdup(""));
	} else if (!err && j->arc.dir) {
		/* no header: the packed directory holds no .git, so it is the path asked for (2.2) */
		packed = xstrdup(j->arc.dir);
	}
	ex_rp_advance(j, err ? RPE_FAILED : RPE_DOWNLOADED, err, packed, 0);
}

bool
ex_start_archive(struct export_job *j)
{
	char msg[512];
	struct ex_repack *rp = &j->arc;

	rp->fd = spool_open(msg, sizeof(msg));
	if (rp->fd < 0)
		return false;
	j->phase = EXPORT_RUNNING;
	rp->total = -1;
	/* Both stream through the worker: V0's ZIP (Python's zipfile: sizes in the local
	 * headers) and V1's tar.gz, unless our ZIP goes to standard output (a wrong guess of
	 * the packed directory could not be taken back there). OHBROWSE_NO_TAR_STREAM is the
	 * benchmark's "after the download" (docs/hacking.md). */
	bool v0 = j->conv.version == API_V0 && !j->conv.local;
	bool v1 = j->conv.version == API_V1 && !j->conv.local && strcmp(j->planned_path, "-") &&
		  !getenv("OHBROWSE_NO_TAR_STREAM");
	rp->state = RP_FETCHING;
	rp->started_ms = clock_now_ms();
	if (v0 || v1)
		ex_rp_st_start(j);
	if (rp->dir)
		api_op_hold(&rp->op, api_fetch_archive_dir(j->c, &j->conv, rp->dir, rp->fd, ex_arc_progress,
							   ex_arc_done, j));
	else
		api_op_hold(&rp->op, api_fetch_archive(j->c, &j->conv, rp->fd, ex_arc_progress, ex_arc_done, j));
	return true;
}

/* ------------------------------------------------------------ for the pump */

bool
ex_rp_reading(const struct export_job *j)
{
	return j->arc.state == RP_SEEKABLE;
}

bool
ex_rp_ready(const struct export_job *j)
{
	const struct ex_repack *rp = &j->arc;

	if (rp->state == RP_STREAM)
		return arcstream_ready(rp->ts);
	return rp->state == RP_SEEKABLE;
}

size_t
ex_rp_step(struct export_job *j, size_t budget)
{
	return ex_rp_advance(j, RPE_STEP, NULL, NULL, budget);
}

void
ex_rp_stop(struct export_job *j)
{
	struct ex_repack *rp = &j->arc;

	api_op_cancel(&rp->op);
	rp->op = NULL;
	ex_rp_st_stop(j);	/* before the spool it reads is closed */
	srcarc_close(rp->rd);
	rp->rd = NULL;
	ex_close_fd(&rp->fd);
	rp->cur = NULL;
	rp->state = RP_OFF;
}

/* The download moved: tell the worker (from the pump, not from curl's callbacks). */
void
ex_rp_feed(struct export_job *j)
{
	struct ex_repack *rp = &j->arc;

	if (rp->state == RP_STREAM && rp->done != rp->fed) {
		rp->fed = rp->done;
		arcstream_grown(rp->ts);
	}
}
