/*
 * src/backup.h: the backup job -- every conversation's workspace and events home, one
 * archive each, before the sandboxes are deleted.
 *
 * Owns: the plan (which conversations, closest to deletion first), the walk through them
 * one at a time (look up fresh, wake a paused sandbox, read its listing, skip what the
 * index says is unchanged, export the rest through the export job with its events, hash the
 * archive, record it in DIR/index.json, pause again what it woke) and the run's outcome.
 * Driven from the caller's loop like the export job: callbacks from the API layer move it
 * on, backup_pump() does the bounded local work (the ZIP writer, the archive's hash).
 * The CLI (`ohbrowse backup`) and any other front end share it.
 */
#ifndef OHBROWSE_SRC_BACKUP_H
#define OHBROWSE_SRC_BACKUP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/client.h"

struct export_job;

struct backup_opts {
	const char *dir;		/* where archives and the index go (created) */
	const char *const *ids;		/* given conversations; none = every one listed */
	size_t n_ids;
	int64_t since_s;		/* only conversations updated since (epoch s); -1 = any */
	const char *filter;		/* only titles containing this (case-insensitive) */
	const char *statuses;		/* comma-separated statuses to take (RUNNING,PAUSED,...); NULL = all */
	int reaping_within_days;	/* only PAUSED ones deleted within N days; -1 = any */
	bool dry_run;			/* plan only: no wake, no write */
	bool force;			/* take every one again, whatever the index says */
	int keep;			/* archive versions kept per conversation; 0 = 2 */
	int parallel;			/* downloads at once within one conversation; 0 = the default */
	/* said once before the first wake: how many will be woken */
	void (*notice)(void *ud, const char *text);
	void *ud;
};

enum backup_outcome {
	BACKUP_PENDING = 0,
	BACKUP_BACKED_UP,	/* a new archive */
	BACKUP_UNCHANGED,	/* the index's archive still matches */
	BACKUP_EVENTS_ONLY,	/* the sandbox is gone (or unreachable): events only */
	BACKUP_FAILED,
	BACKUP_PLANNED,		/* --dry-run: what would be done is in plan */
};

struct backup_item {
	char *id;
	char *title;
	char *status;		/* as listed, then as looked up */
	int64_t reap_s;		/* likely deletion (PAUSED), -1 */
	enum backup_outcome outcome;
	char *reason;		/* failed / events only: why */
	char *plan;		/* --dry-run: "download 12 files, 3.1 MiB", "wake, then download" ... */
	char *archive;		/* the archive's file name (new or unchanged) */
	int64_t size;
	int64_t est_bytes;	/* --dry-run: the listing's total, -1 unknown */
	bool woke;		/* this run resumed its sandbox */
	/* the record as the listing gave it, and when (used for a while instead of a lookup) */
	struct api_conversation *listed;
	int64_t listed_ms;
};

enum backup_phase { BACKUP_LISTING = 0, BACKUP_RUNNING, BACKUP_DONE, BACKUP_STOPPED, BACKUP_CANCELLED };

struct backup_status {
	enum backup_phase phase;
	size_t total;		/* conversations planned */
	size_t done;		/* finished, whatever the outcome */
	size_t current;		/* index of the one in hand (when < total) */
	const char *stage;	/* "looking up", "waking (12 s)", "listing", "downloading", "hashing", "pausing" */
	const struct export_job *ex;	/* the export in hand, for its progress; NULL */
	int64_t bytes;		/* archive bytes written by finished conversations */
	const char *message;	/* why the run stopped (BACKUP_STOPPED) */
	enum api_error_kind stop_kind;
};

struct backup_job;

/* The default backup directory: $OHBROWSE_BACKUP_DIR, else configured (the config file's
 * "set backup-dir"), else ~/ohbrowse-backup. Caller frees. */
char *backup_default_dir(const char *configured);

struct backup_job *backup_start(struct api_client *c, const struct backup_opts *opts, struct api_error *err);
/* Bounded local work; true while more is ready at once (the loop should not sleep). */
bool backup_pump(struct backup_job *j, size_t budget);
bool backup_finished(const struct backup_job *j);
void backup_status(const struct backup_job *j, struct backup_status *out);
size_t backup_item_count(const struct backup_job *j);
const struct backup_item *backup_item_at(const struct backup_job *j, size_t i);
/* Stop: the export in hand is cancelled (its .part removed), the index stays as saved. */
void backup_cancel(struct backup_job *j);
/* The sandbox this run woke and has not paused yet (to pause on the way out), or NULL. */
const struct api_conversation *backup_woken(const struct backup_job *j);
/* 0, 6 when any conversation failed, or the exit code of what stopped the run. */
int backup_exit_code(const struct backup_job *j);
void backup_free(struct backup_job *j);

#endif
