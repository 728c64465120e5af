/*
 * src/savepath.h: what a name typed at the browser's archive prompt means.
 *
 * Owns: turning "x.zip", "~/out/", "/tmp" or "../a.zip" into the absolute path
 * the archive will be written to (issue 14, item 12): a leading ~ is the home
 * directory, a relative name is taken from the download directory, a directory
 * (existing, or typed with a trailing '/') gets the default name inside it
 * (never an existing file: names_pick_archive_path), and an existing file is an
 * error, since archives never overwrite. No curses, no network.
 */
#ifndef OHBROWSE_SRC_SAVEPATH_H
#define OHBROWSE_SRC_SAVEPATH_H

#include <stddef.h>

/*
 * typed: what the user typed; dir: the download directory (NULL: the current one);
 * base: the default archive base name (names_archive_base). Returns a malloc'd
 * absolute path, or NULL with one sentence in err.
 */
char *savepath_resolve(const char *typed, const char *dir, const char *base, char *err, size_t errlen);

#endif
