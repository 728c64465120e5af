/* src/backup.c: the backup job (see backup.h). */
#include "src/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "api/backup_index.h"
#include "archive/names.h"
#include "src/export.h"
#include "src/base/sha256.h"
#include "src/base/util.h"

enum bk_stage {
	BK_LISTING = 0,	/* the lister pages through every conversation */
	BK_NEXT,	/* pick the next item */
	BK_LOOKUP,	/* its record as it is now */
	BK_WAKE,	/* resuming its sandbox */
	BK_WALK,	/* its listing, for the fingerprint */
	BK_EXPORT,	/* the archive being written */
	BK_HASH,	/* the finished archive's SHA-256, a slice per pump */
	BK_PAUSE,	/* putting back to sleep what this run woke */
	BK_END,
};

struct backup_job {
	struct api_client *c;
	char *dir;
	char **ids;
	size_t n_ids;
	int64_t since_s;
	char *filter;
	char *statuses;
	int reaping_within_days;
	bool dry_run, force;
	int keep, parallel;
	void (*notice)(void *ud, const char *text);
	void *ud;

	struct api_backup_index ix;
	struct api_lister *lister;
	struct api_op *op;		/* the API op in flight (lookup, wake, walk, pause, page) */
	struct backup_item *items;
	size_t n, cap;
	size_t cur;
	enum bk_stage stage;
	enum backup_phase phase;
	bool noticed;

	struct api_conversation conv;	/* the item in hand, as looked up (woken: as after) */
	bool have_conv;
	bool woken;			/* this run resumed conv's sandbox */
	char fingerprint[SHA256_HEX_LEN + 1];
	int64_t listed_files;
	struct export_job *ex;
	bool events_only;
	char *archive_path;		/* the finished archive (BK_HASH) */
	int hash_fd;
	struct sha256 sha;
	int64_t bytes;
	char stage_text[64];
	char message[512];		/* why the run stopped */
	enum api_error_kind stop_kind;
	bool any_failed;
	bool stop_after;	/* stop once the item in hand is recorded (a local failure) */
	bool from_listing;	/* the item in hand came from the listing, not a lookup */
};

#define BK_LISTED_FRESH_MS 30000

static void bk_next(struct backup_job *j);
static void bk_item_done(struct backup_job *j, enum backup_outcome o, const char *reason);
static void bk_on_lookup(void *ud, struct api_conversation *conv, const struct api_error *err);

/* ------------------------------------------------------------ items and the plan */

static bool
bk_status_wanted(const struct backup_job *j, const char *status)
{
	if (!j->statuses)
		return true;
	const char *st = status ? status : "";
	const char *alias = strcmp(st, "MISSING") == 0 ? "deleted" : st;
	for (const char *p = j->statuses; *p;) {
		size_t n = strcspn(p, ",");
		if ((strlen(st) == n && strncasecmp(p, st, n) == 0) || (strlen(alias) == n && strncasecmp(p, alias, n) == 0))
			return true;
		p += n;
		if (*p == ',')
			p++;
	}
	return false;
}

static bool
bk_contains(const char *hay, const char *needle)
{
	size_t n = strlen(needle);
	for (const char *p = hay ? hay : ""; *p; p++)
		if (strncasecmp(p, needle, n) == 0)
			return true;
	return n == 0;
}

static void
bk_add(struct backup_job *j, const struct api_conversation *c)
{
	for (size_t i = 0; i < j->n; i++)
		if (strcmp(j->items[i].id, c->id) == 0)
			return;
	if (j->n == j->cap) {
		j->cap = j->cap ? j->cap * 2 : 64;
		j->items = xrealloc(j->items, j->cap * sizeof(*j->items));
	}
	struct backup_item *it = &j->items[j->n++];
	memset(it, 0, sizeof(*it));
	it->id = xstrdup(c->id);
	it->title = xstrdup(c->title ? c->title : "");
	it->status = xstrdup(c->status ? c->status : "UNKNOWN");
	it->reap_s = api_conversation_reap_s(c, api_client_retention_days(j->c));
	it->size = it->est_bytes = -1;
	if (c->sandbox_id || c->local) {	/* a real record (given ids have none) */
		it->listed = xcalloc(1, sizeof(*it->listed));
		api_conversation_copy(it->listed, c);
		it->listed_ms = clock_now_ms();
	}
}

/* Closest to deletion first: PAUSED by deletion date, then the running ones (they pause,
 * then the clock starts), then the rest; ties newest first as listed. */
static int
bk_rank(const struct backup_item *it)
{
	if (it->reap_s >= 0)
		return 0;
	if (!strcmp(it->status, "RUNNING") || !strcmp(it->status, "STARTING"))
		return 1;
	if (!strcmp(it->status, "MISSING"))
		return 3;
	return 2;
}

static int
bk_order(const void *pa, const void *pb)
{
	const struct backup_item *a = pa, *b = pb;
	int ra = bk_rank(a), rb = bk_rank(b);

	if (ra != rb)
		return ra - rb;
	if (ra == 0 && a->reap_s != b->reap_s)
		return a->reap_s < b->reap_s ? -1 : 1;
	return 0;
}

/* Would this item need its sandbox woken? (Said before the first wake.) */
static bool
bk_needs_wake(struct backup_job *j, const struct backup_item *it)
{
	if (it->listed && it->listed->local)
		return false;	/* on disk: nothing to wake */
	if (strcmp(it->status, "PAUSED") && strcmp(it->status, "STOPPED"))
		return false;
	const struct api_backup_entry *e = api_backup_index_find(&j->ix, it->id);
	return j->force || !e || !e->archive;	/* an unchanged paused one is never woken */
}

static void
bk_plan_ready(struct backup_job *j)
{
	if (j->n > 1)
		qsort(j->items, j->n, sizeof(*j->items), bk_order);
	size_t wakes = 0;
	for (size_t i = 0; i < j->n; i++)
		wakes += bk_needs_wake(j, &j->items[i]);
	if (wakes && !j->dry_run && j->notice) {
		char msg[320];
		snprintf(msg, sizeof(msg),
			 "%zu paused sandbox%s will be resumed, one at a time, and paused again after its backup; "
			 "a resume can pause your oldest running sandboxes (Cloud keeps at most 10 running)",
			 wakes, wakes == 1 ? "" : "es");
		j->notice(j->ud, msg);
	}
	j->phase = BACKUP_RUNNING;
	j->cur = 0;
	j->stage = BK_NEXT;
	bk_next(j);
}

static void
bk_on_page(void *ud, struct api_conversation *rows, size_t n, bool more, const struct api_error *err)
{
	struct backup_job *j = ud;

	j->op = NULL;
	if (err) {
		snprintf(j->message, sizeof(j->message), "%s", err->message);
		j->stop_kind = err->kind;
		j->phase = BACKUP_STOPPED;
		j->stage = BK_END;
		return;
	}
	for (size_t i = 0; i < n; i++) {
		const struct api_conversation *c = &rows[i];
		if (j->since_s >= 0 && c->updated_s >= 0 && c->updated_s < j->since_s)
			continue;
		if (j->filter && !bk_contains(c->title, j->filter))
			continue;
		if (!bk_status_wanted(j, c->status))
			continue;
		if (j->reaping_within_days >= 0) {
			int64_t reap = api_conversation_reap_s(c, api_client_retention_days(j->c));
			if (reap < 0 || reap - clock_wall_s() > (int64_t)j->reaping_within_days * 86400)
				continue;
		}
		bk_add(j, c);
	}
	if (more && j->phase == BACKUP_LISTING) {
		api_op_hold(&j->op, api_lister_next(j->lister, bk_on_page, j));
		return;
	}
	/* the lister stays until backup_free: it must not be freed inside its own callback */
	bk_plan_ready(j);
}

/* ------------------------------------------------------------ one conversation */

static struct backup_item *
bk_item(struct backup_job *j)
{
	return j->cur < j->n ? &j->items[j->cur] : NULL;
}

static void
bk_stage(struct backup_job *j, enum bk_stage s, const char *text)
{
	j->stage = s;
	snprintf(j->stage_text, sizeof(j->stage_text), "%s", text);
}

static void
bk_stop(struct backup_job *j, const struct api_error *e)
{
	snprintf(j->message, sizeof(j->message), "%s", e->message);
	j->stop_kind = e->kind;
	j->phase = BACKUP_STOPPED;
}

static char *
bk_iso(int64_t t)
{
	char buf[40];
	time_t tt = (time_t)t;
	struct tm tm;

	if (t < 0 || !gmtime_r(&tt, &tm) || !strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm))
		return NULL;
	return xstrdup(buf);
}

static void
bk_set(char **dst, const char *v)
{
	free(*dst);
	*dst = v ? xstrdup(v) : NULL;
}

/* The index entry for the item in hand, updated and saved (unless a dry run). */
static void
bk_record(struct backup_job *j, enum backup_outcome o, const char *reason)
{
	struct backup_item *it = bk_item(j);
	if (j->dry_run || o == BACKUP_PLANNED)
		return;
	struct api_backup_entry *e = api_backup_index_get(&j->ix, it->id);
	const struct api_conversation *c = j->have_conv ? &j->conv : NULL;
	static const char *const words[] = {"pending", "backed up", "unchanged", "events only", "failed", "planned"};

	bk_set(&e->title, it->title);
	bk_set(&e->outcome, words[o]);
	bk_set(&e->reason, reason);
	char *now = bk_iso(clock_wall_s());
	if (o == BACKUP_BACKED_UP || o == BACKUP_EVENTS_ONLY || o == BACKUP_UNCHANGED) {
		/* what the archive was taken from (unchanged: still true of it) */
		bk_set(&e->status, it->status);
		bk_set(&e->updated_at, c ? c->updated_at : NULL);
		char *reap = bk_iso(it->reap_s);
		bk_set(&e->reap_at, reap);
		free(reap);
	}
	if (o == BACKUP_BACKED_UP || o == BACKUP_EVENTS_ONLY) {
		const char *name = strrchr(j->archive_path, '/') ? strrchr(j->archive_path, '/') + 1 : j->archive_path;
		uint8_t d[SHA256_DIGEST_LEN];
		char hex[SHA256_HEX_LEN + 1];
		sha256_final(&j->sha, d);
		sha256_hex(d, hex);
		bk_set(&e->archive, name);
		bk_set(&e->sha256, hex);
		bk_set(&e->fingerprint, o == BACKUP_BACKED_UP ? j->fingerprint : NULL);
		bk_set(&e->taken_at, now);
		e->size = it->size;
		e->files = o == BACKUP_BACKED_UP ? j->listed_files : 0;
		e->events_only = o == BACKUP_EVENTS_ONLY;
		/* the new version first; the oldest beyond keep go, now that the new one is complete */
		e->versions = xrealloc(e->versions, (e->n_versions + 1) * sizeof(*e->versions));
		memmove(e->versions + 1, e->versions, e->n_versions * sizeof(*e->versions));
		e->versions[0] = xstrdup(name);
		e->n_versions++;
		while (e->n_versions > (size_t)j->keep) {
			char *old = e->versions[--e->n_versions];
			if (strcmp(old, name) != 0) {
				char *p = xasprintf("%s/%s", j->dir, old);
				unlink(p);
				free(p);
			}
			free(old);
		}
	}
	free(now);
	struct api_error err = {0};
	if (api_backup_index_save(j->dir, &j->ix, &err) != 0)
		bk_stop(j, &err);	/* a full disk: stop here, the index on disk is the last good one */
}

static void
bk_on_pause(void *ud, const struct api_error *err)
{
	struct backup_job *j = ud;

	j->op = NULL;
	j->woken = false;	/* paused, or it pauses by itself when idle: either way not ours now */
	bk_stage(j, BK_NEXT, "");
	j->cur++;
	bk_next(j);
}

/* The item is finished: record it, pause what this run woke, go on. */
static void
bk_item_done(struct backup_job *j, enum backup_outcome o, const char *reason)
{
	struct backup_item *it = bk_item(j);

	it->outcome = o;
	bk_set(&it->reason, reason);
	if (o == BACKUP_FAILED)
		j->any_failed = true;
	bk_record(j, o, reason);
	if (j->stop_after && j->phase == BACKUP_RUNNING) {
		struct api_error e;
		api_error_set(&e, API_ERR_LOCAL, 0, "this machine could not store the archive of \"%s\": %s; free some "
			      "disk space", it->title, reason ? reason : "disk full");
		bk_stop(j, &e);
	}
	if (j->woken && j->have_conv) {
		bk_stage(j, BK_PAUSE, "pausing");
		api_op_hold(&j->op, api_pause(j->c, &j->conv, bk_on_pause, j));
		return;
	}
	j->cur++;
	bk_stage(j, BK_NEXT, "");
	if (j->phase == BACKUP_RUNNING)
		bk_next(j);
}

static void
bk_fail(struct backup_job *j, const struct api_error *e)
{
	bk_item_done(j, BACKUP_FAILED, e->message);
	if (e->kind == API_ERR_LOCAL || e->kind == API_ERR_AUTH)
		bk_stop(j, e);	/* a full disk or a refused key fails every one after it too */
}

static void
bk_export_start(struct backup_job *j, bool events_only)
{
	struct backup_item *it = bk_item(j);
	char msg[512];
	char *base = names_archive_base(it->title, it->id);
	char *stem = xasprintf("%s-%.8s", base, it->id);
	char *path = names_pick_archive_path(j->dir, stem, events_only ? "-events" : "", msg, sizeof(msg));
	free(base);
	free(stem);
	if (!path) {
		struct api_error e;
		api_error_set(&e, API_ERR_LOCAL, 0, "%s", msg);
		bk_fail(j, &e);
		return;
	}
	struct export_opts eo = {
		.mode = events_only ? EXPORT_EVENTS_ONLY : EXPORT_ALL,
		.output = path,
		.prefer_server_archive = true,
		.max_parallel = j->parallel,
		.include_events = true,
	};
	struct api_error e = {0};
	j->events_only = events_only;
	j->ex = export_start(j->c, &j->conv, &eo, &e);
	free(path);
	if (!j->ex) {
		bk_fail(j, &e);
		return;
	}
	bk_stage(j, BK_EXPORT, events_only ? "saving its events" : "downloading");
}

static void
bk_fingerprint(struct backup_job *j, const struct api_file_list *files)
{
	struct sha256 s;
	uint8_t d[SHA256_DIGEST_LEN];
	int64_t total = 0, n = 0;

	/* paths, types, sizes and mtimes as listed (sorted by path by the API): any edit,
	 * addition or removal changes it */
	sha256_init(&s);
	for (size_t i = 0; i < files->count; i++) {
		const struct api_file *f = &files->items[i];
		char line[96];
		sha256_update(&s, f->path, strlen(f->path) + 1);
		int len = snprintf(line, sizeof(line), "%c %lld %lld\n", f->type == API_DIR ? 'd' : 'f',
				   (long long)f->size, (long long)f->mtime);
		sha256_update(&s, line, (size_t)len);
		if (f->type != API_DIR) {
			n++;
			total += f->size > 0 ? f->size : 0;
		}
	}
	sha256_final(&s, d);
	sha256_hex(d, j->fingerprint);
	j->listed_files = n;
	bk_item(j)->est_bytes = total;
}

static void
bk_on_walk(void *ud, struct api_file_list *files, const struct api_error *err)
{
	struct backup_job *j = ud;
	struct backup_item *it = bk_item(j);

	j->op = NULL;
	if (err && j->from_listing) {
		/* the listed record went stale (the sandbox paused meanwhile): look it up, once */
		j->from_listing = false;
		api_conversation_free(&j->conv);
		j->have_conv = false;
		bk_stage(j, BK_LOOKUP, "looking up");
		api_op_hold(&j->op, api_get_conversation(j->c, it->id, bk_on_lookup, j));
		return;
	}
	if (err) {
		bk_fail(j, err);
		return;
	}
	bk_fingerprint(j, files);
	const struct api_backup_entry *e = api_backup_index_find(&j->ix, it->id);
	bool same = e && e->archive && !e->events_only && e->fingerprint && !strcmp(e->fingerprint, j->fingerprint) &&
		    e->updated_at && j->conv.updated_at && !strcmp(e->updated_at, j->conv.updated_at);
	if (same && !j->force) {
		bk_set(&it->archive, e->archive);
		it->size = e->size;
		bk_item_done(j, BACKUP_UNCHANGED, NULL);
		return;
	}
	if (j->dry_run) {
		char sz[48];
		snprintf(sz, sizeof(sz), "%lld bytes", (long long)it->est_bytes);
		char *plan = xasprintf("download %lld files (%s)%s", (long long)j->listed_files, sz,
				       e && e->archive ? ", it changed since the last backup" : "");
		bk_set(&it->plan, plan);
		free(plan);
		bk_item_done(j, BACKUP_PLANNED, NULL);
		return;
	}
	bk_export_start(j, false);
}

static void
bk_on_wake_progress(void *ud, long elapsed_ms, const char *status)
{
	struct backup_job *j = ud;

	snprintf(j->stage_text, sizeof(j->stage_text), "waking (%s, %ld s)", status ? status : "?", elapsed_ms / 1000);
}

static void bk_have_conv(struct backup_job *j);

static void
bk_on_wake(void *ud, struct api_conversation *conv, const struct api_error *err)
{
	struct backup_job *j = ud;

	j->op = NULL;
	if (err) {
		if (err->kind == API_ERR_NOT_FOUND) {
			/* deleted meanwhile: its events are still there */
			bk_export_start(j, true);
			return;
		}
		bk_fail(j, err);
		return;
	}
	j->woken = true;
	bk_item(j)->woke = true;
	api_conversation_free(&j->conv);
	api_conversation_copy(&j->conv, conv);
	bk_have_conv(j);
}

/* The record as it is now: decide. */
static void
bk_have_conv(struct backup_job *j)
{
	struct backup_item *it = bk_item(j);
	const struct api_conversation *c = &j->conv;
	const struct api_backup_entry *e = api_backup_index_find(&j->ix, it->id);
	bool deleted = !c->local && c->version == API_V1 && c->status && !strcmp(c->status, "MISSING");
	bool same_update = e && e->archive && e->updated_at && c->updated_at && !strcmp(e->updated_at, c->updated_at);

	if (!j->woken) {
		/* as it was before this run touched it: that is what the index records */
		bk_set(&it->status, c->status);
		it->reap_s = api_conversation_reap_s(c, api_client_retention_days(j->c));
	}
	if (api_conversation_is_running(c)) {
		bk_stage(j, BK_WALK, "listing");
		api_op_hold(&j->op, api_walk(j->c, c, bk_on_walk, j));
		return;
	}
	/* not running: a sleeping workspace cannot have changed since it was taken, so an
	 * archive of the same updated_at is kept without waking anything */
	if (same_update && !j->force) {
		bk_set(&it->archive, e->archive);
		it->size = e->size;
		bk_item_done(j, BACKUP_UNCHANGED, NULL);
		return;
	}
	bool wakeable = !c->local && !deleted && c->status &&
			(!strcmp(c->status, "PAUSED") || !strcmp(c->status, "STOPPED"));
	if (j->dry_run) {
		bk_set(&it->plan, wakeable ? "wake its sandbox, download, pause it again"
					   : "save its events only (its files cannot be reached)");
		bk_item_done(j, BACKUP_PLANNED, NULL);
		return;
	}
	if (wakeable) {
		bk_stage(j, BK_WAKE, "waking");
		api_op_hold(&j->op, api_wake(j->c, c, bk_on_wake_progress, bk_on_wake, j));
		return;
	}
	bk_export_start(j, true);
}

static void
bk_on_lookup(void *ud, struct api_conversation *conv, const struct api_error *err)
{
	struct backup_job *j = ud;

	j->op = NULL;
	if (err) {
		bk_fail(j, err);
		return;
	}
	struct backup_item *it = bk_item(j);
	bk_set(&it->title, conv->title ? conv->title : "");
	api_conversation_copy(&j->conv, conv);
	j->have_conv = true;
	bk_have_conv(j);
}

static void
bk_next(struct backup_job *j)
{
	if (j->have_conv) {
		api_conversation_free(&j->conv);
		j->have_conv = false;
	}
	j->woken = false;
	free(j->archive_path);
	j->archive_path = NULL;
	if (j->phase != BACKUP_RUNNING) {
		j->stage = BK_END;
		return;
	}
	if (j->cur >= j->n) {
		j->phase = BACKUP_DONE;
		j->stage = BK_END;
		return;
	}
	struct backup_item *it = bk_item(j);
	if (it->listed && clock_now_ms() - it->listed_ms < BK_LISTED_FRESH_MS) {
		/* listed moments ago: no lookup (Cloud counts 100 requests a minute); a stale key or
		 * URL is re-read by the API layer on the agent-server's 401 */
		j->from_listing = true;
		bk_on_lookup(j, it->listed, NULL);
		return;
	}
	j->from_listing = false;
	bk_stage(j, BK_LOOKUP, "looking up");
	api_op_hold(&j->op, api_get_conversation(j->c, it->id, bk_on_lookup, j));
}

/* ------------------------------------------------------------ local work */

static bool
bk_pump_export(struct backup_job *j, size_t budget)
{
	bool busy = export_pump(j->ex, budget);
	if (!export_finished(j->ex))
		return busy;
	struct export_totals t;
	export_totals(j->ex, &t);
	struct backup_item *it = bk_item(j);
	if (t.phase != EXPORT_DONE) {
		struct api_error e;
		api_error_set(&e, strstr(t.message ? t.message : "", "disk") ? API_ERR_LOCAL : API_ERR_SERVER, 0, "%s",
			      t.message ? t.message : "the archive could not be written");
		export_free(j->ex);
		j->ex = NULL;
		bk_fail(j, &e);
		return true;
	}
	it->size = t.archive_size;
	j->archive_path = xstrdup(t.archive_path);
	const char *name = strrchr(j->archive_path, '/') ? strrchr(j->archive_path, '/') + 1 : j->archive_path;
	bk_set(&it->archive, name);
	bool local = export_local_failure(j->ex);
	if (export_partial(j->ex))
		bk_set(&it->reason, local ? "this machine could not store some files (disk full?); they are listed in "
					    "its conversation_metadata.json"
					  : "some files could not be downloaded (listed in its conversation_metadata.json)");
	export_free(j->ex);
	j->ex = NULL;
	if (local)
		j->stop_after = true;	/* recorded as failed, then the run stops: the next would fail too */
	j->hash_fd = open(j->archive_path, O_RDONLY | O_CLOEXEC);
	sha256_init(&j->sha);
	bk_stage(j, BK_HASH, "hashing");
	return true;
}

static const char *
bk_events_only_reason(const struct backup_job *j)
{
	const char *st = j->have_conv && j->conv.status ? j->conv.status : "";

	if (j->have_conv && j->conv.local)
		return "its workspace is not on this machine: events only";
	if (!strcmp(st, "MISSING"))
		return "the sandbox was deleted: its files are gone, its events are saved";
	if (!strcmp(st, "ERROR"))
		return "the sandbox is in ERROR: its files cannot be read, its events are saved";
	return "its files could not be reached: its events are saved";
}

static bool
bk_pump_hash(struct backup_job *j, size_t budget)
{
	char buf[64 * 1024];
	size_t done = 0;

	while (j->hash_fd >= 0 && done < budget) {
		ssize_t r = read(j->hash_fd, buf, sizeof(buf));
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0) {
			close(j->hash_fd);
			j->hash_fd = -1;
			if (r < 0) {
				struct api_error e;
				api_error_set(&e, API_ERR_LOCAL, 0, "cannot read back %s: %s", j->archive_path,
					      strerror(errno));
				bk_fail(j, &e);
				return true;
			}
			struct backup_item *it = bk_item(j);
			j->bytes += it->size > 0 ? it->size : 0;
			const char *why = it->reason ? xstrdup(it->reason) : NULL;
			if (j->events_only)
				bk_item_done(j, BACKUP_EVENTS_ONLY, why ? why : bk_events_only_reason(j));
			else
				bk_item_done(j, why ? BACKUP_FAILED : BACKUP_BACKED_UP, why);
			free((char *)why);
			return true;
		}
		sha256_update(&j->sha, buf, (size_t)r);
		done += (size_t)r;
	}
	return j->hash_fd >= 0;
}

bool
backup_pump(struct backup_job *j, size_t budget)
{
	if (j->stage == BK_EXPORT && j->ex)
		return bk_pump_export(j, budget);
	if (j->stage == BK_HASH)
		return bk_pump_hash(j, budget);
	return false;
}

/* ------------------------------------------------------------ the job */

char *
backup_default_dir(const char *configured)
{
	const char *env = getenv("OHBROWSE_BACKUP_DIR");
	const char *home = getenv("HOME");

	if (env && *env)
		return xstrdup(env);
	if (configured && *configured)
		return xstrdup(configured);
	/* a place people find again, not a hidden one */
	return xasprintf("%s/ohbrowse-backup", home && *home ? home : ".");
}

struct backup_job *
backup_start(struct api_client *c, const struct backup_opts *o, struct api_error *err)
{
	struct backup_job *j = xcalloc(1, sizeof(*j));

	memset(err, 0, sizeof(*err));
	j->c = c;
	j->dir = xstrdup(o->dir && *o->dir ? o->dir : ".");
	j->since_s = o->since_s;
	j->filter = o->filter ? xstrdup(o->filter) : NULL;
	j->statuses = o->statuses ? xstrdup(o->statuses) : NULL;
	j->reaping_within_days = o->reaping_within_days;
	j->dry_run = o->dry_run;
	j->force = o->force;
	j->keep = o->keep > 0 ? o->keep : 2;
	j->parallel = o->parallel;
	j->notice = o->notice;
	j->ud = o->ud;
	j->hash_fd = -1;
	if (!j->dry_run && mkdir(j->dir, 0755) != 0 && errno != EEXIST) {
		api_error_set(err, API_ERR_LOCAL, 0, "cannot create the backup directory %s: %s", j->dir, strerror(errno));
		backup_free(j);
		return NULL;
	}
	if (api_backup_index_load(j->dir, &j->ix, err) != 0) {
		backup_free(j);
		return NULL;
	}
	if (o->n_ids) {
		/* given ids: no listing; each is looked up in its turn */
		for (size_t i = 0; i < o->n_ids; i++) {
			struct api_conversation cv = {.id = (char *)o->ids[i], .title = (char *)"", .status = (char *)"UNKNOWN",
						      .created_s = -1, .updated_s = -1};
			bk_add(j, &cv);
		}
		j->phase = BACKUP_RUNNING;
		bk_stage(j, BK_NEXT, "");
		bk_next(j);
		return j;
	}
	struct api_lister_opts lo = {.limit = 100, .title_contains = j->filter};
	j->lister = api_lister_new(c, &lo);
	j->phase = BACKUP_LISTING;
	bk_stage(j, BK_LISTING, "listing conversations");
	api_op_hold(&j->op, api_lister_next(j->lister, bk_on_page, j));
	return j;
}

bool
backup_finished(const struct backup_job *j)
{
	return j->phase == BACKUP_DONE || ((j->phase == BACKUP_STOPPED || j->phase == BACKUP_CANCELLED) &&
					   !j->op && !j->ex && j->hash_fd < 0);
}

void
backup_status(const struct backup_job *j, struct backup_status *out)
{
	memset(out, 0, sizeof(*out));
	out->phase = j->phase;
	out->total = j->n;
	out->done = j->cur < j->n ? j->cur : j->n;
	out->current = j->cur;
	out->stage = j->stage_text;
	out->ex = j->ex;
	out->bytes = j->bytes;
	out->message = j->message[0] ? j->message : NULL;
	out->stop_kind = j->stop_kind;
}

size_t
backup_item_count(const struct backup_job *j)
{
	return j->n;
}

const struct backup_item *
backup_item_at(const struct backup_job *j, size_t i)
{
	return i < j->n ? &j->items[i] : NULL;
}

void
backup_cancel(struct backup_job *j)
{
	if (j->phase == BACKUP_DONE || j->phase == BACKUP_CANCELLED)
		return;
	bool listing = j->phase == BACKUP_LISTING;
	j->phase = BACKUP_CANCELLED;
	if (j->lister && listing) {
		api_lister_free(j->lister);	/* cancels its page in flight (j->op) */
		j->lister = NULL;
	} else {
		api_op_cancel(&j->op);
	}
	j->op = NULL;
	if (j->ex) {
		export_free(j->ex);	/* removes its .part */
		j->ex = NULL;
	}
	if (j->hash_fd >= 0) {
		close(j->hash_fd);
		j->hash_fd = -1;
	}
	j->stage = BK_END;
}

const struct api_conversation *
backup_woken(const struct backup_job *j)
{
	return j->woken && j->have_conv ? &j->conv : NULL;
}

int
backup_exit_code(const struct backup_job *j)
{
	if (j->phase == BACKUP_CANCELLED)
		return 130;
	if (j->phase == BACKUP_STOPPED)
		return api_error_exit_code(j->stop_kind) ? api_error_exit_code(j->stop_kind) : 5;
	return j->any_failed ? 6 : 0;
}

void
backup_free(struct backup_job *j)
{
	if (!j)
		return;
	backup_cancel(j);
	api_lister_free(j->lister);
	for (size_t i = 0; i < j->n; i++) {
		struct backup_item *it = &j->items[i];
		free(it->id);
		free(it->title);
		free(it->status);
		free(it->reason);
		free(it->plan);
		free(it->archive);
		if (it->listed) {
			api_conversation_free(it->listed);
			free(it->listed);
		}
	}
	free(j->items);
	if (j->have_conv)
		api_conversation_free(&j->conv);
	api_backup_index_free(&j->ix);
	free(j->archive_path);
	free(j->dir);
	free(j->filter);
	free(j->statuses);
	free(j);
}
