/*
 * tests/fakehands/gitsim.h: git as the 2026 agent-server and the bash API show it (see
 * gitsim.c). Paths are root-relative; "" is the root.
 */
#ifndef OHBROWSE_FAKEHANDS_GITSIM_H
#define OHBROWSE_FAKEHANDS_GITSIM_H

#include "tests/fakehands/fh.h"

/* R3: git's quoted form with every '\' turned into '/'. Caller frees. */
char *gitsim_mangle(const char *path);
/* GET /api/git/changes?path= of a 2026 agent-server (R2, R3, R4); *status 200 or 400. */
json_t *gitsim_changes_2026(const struct fh_workspace *ws, const char *rel, unsigned *status);
/* GET /api/git/diff?path= of a 2026 agent-server (R6). */
json_t *gitsim_diff_2026(const struct fh_workspace *ws, const char *rel, unsigned *status);
/* The client's changes command for repository rel: base64 of name-status -z, an empty
 * field, ls-files -z --others, an empty field. Returns the exit code. */
int gitsim_status_z(const struct fh_workspace *ws, const char *rel, struct strbuf *out, struct strbuf *err);
void gitsim_base64(struct strbuf *out, const void *in, size_t n);

#endif
