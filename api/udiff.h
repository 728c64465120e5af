/*
 * api/udiff.h: a unified diff of two texts, made locally.
 *
 * The servers' git/diff routes send the whole original and modified texts;
 * this turns them into the familiar "@@ -a,b +c,d @@" form for the preview
 * pane. Pure function, no I/O.
 */
#ifndef OHBROWSE_API_UDIFF_H
#define OHBROWSE_API_UDIFF_H

/* Returns a malloc'd unified diff with 3 lines of context ("" when equal). Very large
 * inputs (over ~4 million line pairs) degrade to one hunk replacing everything. */
char *udiff_make(const char *original, const char *modified, const char *path);

#endif
