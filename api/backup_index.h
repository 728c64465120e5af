/*
 * api/backup_index.h: the backup directory's index, DIR/index.json and DIR/index.md.
 *
 * Owns: reading and writing the index (JSON lives in api/, like every JSON ohbrowse reads),
 * one entry per conversation: what was taken, from which workspace state, and how it went.
 * Writing is atomic (a temporary file in DIR, fsync, rename), so a run killed at any point
 * leaves the previous index or the new one, never half of one. src/backup.c decides what
 * goes in; nothing here touches the network.
 */
#ifndef OHBROWSE_API_BACKUP_INDEX_H
#define OHBROWSE_API_BACKUP_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "api/types.h"

struct api_backup_entry {
	char *id;
	char *title;
	char *status;		/* the conversation's status when it was taken */
	char *updated_at;	/* the conversation's updated_at when it was taken */
	char *reap_at;		/* likely deletion (PAUSED), else NULL */
	char *archive;		/* the newest archive's file name inside DIR, NULL if none */
	int64_t size;		/* its size in bytes, -1 unknown */
	int64_t files;		/* workspace files in it, -1 unknown */
	char *sha256;		/* of the archive file, hex */
	char *fingerprint;	/* of the workspace listing it was taken from (hex), NULL: none */
	bool events_only;	/* the sandbox was gone (MISSING) or unreachable: events only */
	char *taken_at;		/* when, ISO 8601 UTC */
	char *outcome;		/* "backed up", "unchanged", "events only", "failed" */
	char *reason;		/* why it failed or was events only, NULL otherwise */
	char **versions;	/* archive file names, newest first (archive is versions[0]) */
	size_t n_versions;
};

struct api_backup_index {
	struct api_backup_entry *items;
	size_t count;
};

/* Load DIR/index.json; a missing file is an empty index (0). A file that is not an index
 * is an error naming it (nothing is overwritten then). */
int api_backup_index_load(const char *dir, struct api_backup_index *out, struct api_error *err);
/* Write DIR/index.json and DIR/index.md, each through a temporary file and a rename. */
int api_backup_index_save(const char *dir, const struct api_backup_index *ix, struct api_error *err);
/* The entry for id, or NULL. */
struct api_backup_entry *api_backup_index_find(struct api_backup_index *ix, const char *id);
/* The entry for id, added empty when missing. */
struct api_backup_entry *api_backup_index_get(struct api_backup_index *ix, const char *id);
void api_backup_entry_free(struct api_backup_entry *e);	/* members, not e */
void api_backup_index_free(struct api_backup_index *ix);

#endif
