/*
 * tui/progress.h: text progress bars (pure; no curses).
 *
 * Bars are drawn with characters, so they read the same with or without
 * colour: known size "[#####.....]  42%  1.2/2.9 MiB", unknown size
 * "[ <=>      ] 1.2 MiB". The unknown-mode marker position is a function of
 * the bytes received, so screen dumps are deterministic.
 */
#ifndef OHBROWSE_TUI_PROGRESS_H
#define OHBROWSE_TUI_PROGRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Bytes needed for a bar of width columns (UTF-8 blocks take 3 bytes). */
#define PROGRESS_BUFSZ(width) ((size_t)(width) * 3 + 32)

/*
 * Format a bar into buf (at least PROGRESS_BUFSZ(width) bytes), exactly width
 * columns wide (padded with spaces). total < 0 means unknown. With utf8 the bar
 * uses block characters, otherwise '#' and '.'. Parts are dropped as width
 * shrinks: first the sizes, then the bar.
 */
void progress_format(char *buf, int width, int64_t done, int64_t total, bool utf8);

/* "1.2/2.9 MiB": done and total in the unit of total. */
void progress_sizes(char *buf, size_t n, int64_t done, int64_t total);

#endif
