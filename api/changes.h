/*
 * api/changes.h: the pure parts of reading an agent-server workspace (no I/O, no curl).
 *
 * Owns: the bash commands ohbrowse runs on an agent-server (the workspace listing and a
 * repository's changes) and the parsing of their output; git's quoting as the agent-server
 * mangles it (openhands-api-2026.md R3) and turning a git/changes answer back into real
 * paths checked against the listing. Both commands pipe NUL-separated output through
 * `base64 -w0`, so the bash service's per-8-KiB UTF-8 decoding (R7) cannot damage a name:
 * the output is ASCII, and anything that is not base64 means the output was damaged.
 */
#ifndef OHBROWSE_API_CHANGES_H
#define OHBROWSE_API_CHANGES_H

#include <stdbool.h>
#include <stddef.h>

#include "api/types.h"

/* A set of repository directories, workspace-relative ("" = the root), kept sorted. */
struct changes_repos {
	char **dirs;
	size_t count;
};
void changes_repos_add(struct changes_repos *r, const char *dir);
bool changes_repos_has(const struct changes_repos *r, const char *dir);
/* The repository a workspace path belongs to (longest prefix), or NULL. */
const char *changes_repos_owner(const struct changes_repos *r, const char *path);
void changes_repos_free(struct changes_repos *r);

/* 'abs' quoted for sh as one word. Caller frees. */
char *changes_sh_quote(const char *s);

/*
 * The listing command for abs_dir: find prints "TYPE SIZE MTIME MODE PATH\0LINK\0" per
 * entry, prints a .git and does not enter it, and the whole is base64'd. Caller frees.
 */
char *changes_listing_command(const char *abs_dir);
/* The same records for everything inside any .git below abs_dir. Caller frees. */
char *changes_git_listing_command(const char *abs_dir);
/*
 * Parse the listing command's output: files, directories and symbolic links (link set) into
 * out, each .git's parent into repos; other kinds (fifos, sockets, devices) are dropped.
 * Returns the number of malformed records, or -1 when the output is not base64 (damaged on
 * the way: list again).
 */
long changes_parse_listing(const char *text, size_t len, struct api_file_list *out,
			   struct changes_repos *repos);

/*
 * A repository's changes through bash, immune to quoting and spaces: `git diff --no-renames
 * --name-status -z BASE` and `git ls-files -z --others --exclude-standard`, each ended by an
 * empty field, base64'd. BASE follows the agent-server's "display" choice as far as a shell
 * can (R5): the merge base with the upstream branch, else HEAD, else the empty tree (a
 * fresh `git init`). Caller frees.
 */
char *changes_fallback_command(const char *abs_repo);
/*
 * Parse its output into out (paths prefixed with prefix + "/" unless prefix is ""):
 * M/T/U -> MODIFIED, A and untracked -> ADDED, D -> DELETED. Untracked "dir/" entries (an
 * embedded repository) are left out: that repository answers for itself. Returns 0, or -1
 * when the output is damaged or incomplete (a git step failed: the end markers are missing).
 */
int changes_parse_fallback(const char *text, size_t len, const char *prefix, struct api_file_list *out);

/*
 * A file's text at the changes' base, for the diff of a deleted file (git/diff answers 400
 * for it, R6): from the nearest existing directory, `git show BASE:PATH` (BASE as in
 * changes_fallback_command), base64'd. Output empty with stderr set means git failed.
 */
char *changes_show_command(const char *abs_file);
/* Decode strict base64 (see changes_parse_listing); NULL when damaged. Caller frees. */
char *changes_b64_decode(const char *text, size_t len, size_t *out_len);

/* R3: what the agent-server sends for path: git's C quoting, then every '\' made '/'. */
char *changes_mangle(const char *path);

/*
 * Resolve one git/changes answer for repository repo (workspace-relative) against the
 * listing (sorted by path): each wire path is matched exactly or through its mangled form;
 * entries owned by another repository in repos are dropped (that one is asked itself).
 * Adds the accepted changes (workspace-relative) to out and returns true; returns false,
 * adding nothing, when the answer cannot be trusted: a path names a directory, an
 * existing path is reported deleted, a non-deleted path is not in the listing, or a
 * deleted path is quoted (it cannot be checked). why gets one sentence.
 */
bool changes_resolve(const struct api_file_list *answer, const char *repo, const struct changes_repos *repos,
		     const struct api_file_list *listing, struct api_file_list *out, char *why, size_t whylen);

#endif
