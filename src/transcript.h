/*
 * src/transcript.h: a conversation's events rendered for exports -- the JSON array of the
 * events exactly as received (or stored), and the readable Markdown transcript.
 *
 * Shared by `ohbrowse export --format json|md` (src/cli_events.c) and the workspace ZIP's
 * events.json / conversation.md (src/export.c), so both always say the same thing. Every
 * function appends to a strbuf one event at a time: callers stream pages through and flush
 * the buffer wherever they like, so no trajectory ever has to sit in memory whole.
 */
#ifndef OHBROWSE_SRC_TRANSCRIPT_H
#define OHBROWSE_SRC_TRANSCRIPT_H

#include <stdbool.h>
#include <stddef.h>

#include "api/types.h"
#include "src/base/util.h"

/* The JSON array: begin, one call per event, end. */
struct transcript_json {
	size_t written;		/* events in the array */
	size_t skipped;		/* corrupt rows, or rows without their JSON: not in the array */
};
void transcript_json_begin(struct transcript_json *t, struct strbuf *sb);
/* Appends e's raw JSON; returns false (and appends nothing) when e cannot be in the array:
 * a corrupt row is not JSON, and a row decoded without keep_raw has no JSON to copy. */
bool transcript_json_event(struct transcript_json *t, struct strbuf *sb, const struct api_event *e);
void transcript_json_end(const struct transcript_json *t, struct strbuf *sb);

/* The Markdown transcript: a header (title, id, dates, n_events), then one block per event. */
void transcript_md_header(struct strbuf *sb, const struct api_conversation *conv, size_t n_events);
void transcript_md_event(struct strbuf *sb, const struct api_event *e);

#endif
