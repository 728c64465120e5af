/*
 * archive/names.h: turning untrusted server paths and titles into safe names (pure, no I/O
 * except names_pick_archive_path).
 *
 * Owns: the rules for ZIP entry names and for the archive's file name.
 * Invariants:
 *   - an entry name from names_sanitize() is relative, valid UTF-8, has no "." or ".."
 *     component, no empty component, no control character, no backslash, no leading or
 *     trailing '/', and no component longer than NAMES_COMPONENT_MAX bytes;
 *   - a struct names_set hands out each name at most once, compared ASCII-case-insensitively
 *     (so an archive unpacks without clashes on macOS and Windows too), and never lets a file
 *     and a directory share a path;
 *   - an archive base name is the seed downloader's "30-char rule" (every row of its verified
 *     table reproduces), except that it is never empty, never only dashes, never starts
 *     with '.', and never contains '/'.
 */
#ifndef OHBROWSE_ARCHIVE_NAMES_H
#define OHBROWSE_ARCHIVE_NAMES_H

#include <stdbool.h>
#include <stddef.h>

/* Longest component we emit: NAME_MAX on every common file system. */
#define NAMES_COMPONENT_MAX 255
/* Deepest and longest entry name we emit (PATH_MAX); past them a name is cut and ends in a
 * "_name-too-long-<hash>" component. */
#define NAMES_DEPTH_MAX 128
#define NAMES_PATH_MAX 4096
/* The seed tool's cut-off for archive names, in code points. */
#define NAMES_ARCHIVE_BASE_MAX 30

/*
 * Make a safe relative entry name from len raw bytes (any bytes, NULs included). Backslashes
 * become '/'; a leading '/' and a drive letter ("C:") are removed; ".", ".." and empty
 * components are dropped (so the name can never leave the archive root); control characters
 * (C0, DEL, C1) including NUL become '_'; invalid UTF-8 bytes become U+FFFD; a component
 * longer than NAMES_COMPONENT_MAX bytes is cut at a UTF-8 boundary, keeping a short
 * extension. Returns a malloc'd string the caller frees, or NULL when nothing usable remains.
 */
char *names_sanitize(const char *raw, size_t len);

struct names_set;

/* A new, empty set; never NULL (dies on out of memory). Free with names_set_free(). */
struct names_set *names_set_new(void);
/* Free the set and every string it handed out. NULL is fine. */
void names_set_free(struct names_set *s);

/*
 * Reserve name (a sanitized entry name) as a file, so later names_set_unique() calls never
 * return it: e.g. "conversation_metadata.json" before the workspace files are added.
 * Returns false when the name (or a case variant) was already taken.
 */
bool names_set_reserve(struct names_set *s, const char *name);

/*
 * Return name itself if it is still free, else the first free "stem (N).ext" with N = 2, 3, …
 * ("README (2).md", ".bashrc (2)", "Makefile (2)"). A directory part that clashes with an
 * earlier file is renamed the same way ("a (2)/b"). name must come from names_sanitize().
 * The result is owned by the set and stays valid until names_set_free().
 */
const char *names_set_unique(struct names_set *s, const char *name);

/*
 * True when path (workspace-relative, '/'-separated, len bytes) is a git file that can hold
 * credentials: inside any ".git" directory (the superproject's or a submodule's
 * ".git/modules/NAME/"), a file named config, config.worktree, credentials, .git-credentials
 * or FETCH_HEAD, or anything under a "logs" directory -- the agent-server's own rule for its
 * archives (openhands-api-2026.md 2.2, _is_sensitive_git_internal) -- and, anywhere, a file
 * named .git-credentials (git's plain-text credential store). A tokenized clone keeps its
 * token in .git/config and .git/FETCH_HEAD; no ZIP of ours ever holds these.
 */
bool names_is_git_credential(const char *path, size_t len);

/*
 * The archive's base file name for a conversation (no suffix, no ".zip"), following the seed
 * tool: lower-case, spaces to '-', keep only alphanumerics (Unicode, like Python's
 * str.isalnum) and '-', collapse "--", cut to NAMES_ARCHIVE_BASE_MAX code points, strip
 * trailing '-'. A NULL title means "untitled" (the seed's default). When the result is empty
 * or only dashes, the conversation id is used instead (reduced to [A-Za-z0-9_-]; "conversation"
 * if that is empty too). Returns a malloc'd string the caller frees; never NULL.
 */
char *names_archive_base(const char *title, const char *conversation_id);

/*
 * A path for a new archive: dir/base+suffix.zip, or base+suffix-2.zip, -3, … when that file
 * or its ".part" already exists (we never overwrite). dir may be NULL or "" for the current
 * directory; suffix may be NULL. Returns a malloc'd path, or NULL with a message in err when a
 * candidate cannot be checked or 9999 are taken.
 */
char *names_pick_archive_path(const char *dir, const char *base, const char *suffix, char *err,
			      size_t errlen);

#endif
