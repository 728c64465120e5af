/*
 * api/events.h: decoders from conversation events (JSON) to struct api_event rows.
 *
 * Owns: understanding every event shape ohbrowse meets --
 *  - V1 SDK events ("kind": MessageEvent, ActionEvent, ObservationEvent,
 *    AgentErrorEvent, ConversationStateUpdateEvent, SystemPromptEvent, ...),
 *    as the app server's events search, the agent-server and the SDK's
 *    event-NNNNN-<id>.json files carry them;
 *  - V0 events ("action": "run" ... / "observation": "run" ...), as the V0
 *    runtime's events and trajectory routes and the V0 file store carry them.
 * Decoders are pure and never fail on content: bytes that are not JSON, or
 * JSON that is not an event, become an API_EVENT_CORRUPT row that says so, and
 * unknown kinds become API_EVENT_OTHER rows naming the kind, so one bad event
 * never stops the rest from loading. Only the envelope of a page (a body that
 * is not JSON at all) is an error.
 */
#ifndef OHBROWSE_API_EVENTS_H
#define OHBROWSE_API_EVENTS_H

#include <stdbool.h>
#include <stddef.h>

#include "api/types.h"

/* Summaries are cut to this many bytes (on a UTF-8 boundary); text is kept whole. */
#define API_EVENT_SUMMARY_MAX 240

/*
 * Decode one event from its JSON bytes (a stored event file, say). Always fills out;
 * returns 0 for an event, -1 when the bytes were corrupt (out->kind API_EVENT_CORRUPT,
 * the summary says why). keep_raw copies the bytes into out->raw (trailing whitespace
 * trimmed) so an export can write them exactly as stored.
 */
int api_event_decode(const char *json, size_t len, bool keep_raw, struct api_event *out);

/* A growable list of decoded events. */
struct api_event_list {
	struct api_event *items;
	size_t count;
	size_t cap;
};
struct api_event *api_event_list_push(struct api_event_list *l);	/* zeroed slot */
void api_event_list_free(struct api_event_list *l);

/*
 * One page of events from a server, whatever the route:
 *   {"items":[...], "next_page_id": str|null}   V1 app server / agent-server events search
 *   {"events":[...], "has_more": bool}           V0 runtime /events
 *   {"trajectory":[...]}                          V0 runtime /trajectory
 *   [...]                                         a bare array
 * Items are appended to out->events (a non-object item becomes a CORRUPT row). With
 * keep_raw each item's JSON is kept (re-serialised compactly, key order preserved).
 * Returns -1 with err for a body that is not JSON or has none of these shapes.
 */
struct api_event_page {
	struct api_event_list events;
	char *next_page_id;	/* V1: the token for the next page, NULL when none */
	bool has_more;		/* V1: next_page_id != NULL; V0 events: has_more */
};
int api_events_decode_page(const char *body, size_t len, bool keep_raw, struct api_event_page *out,
			   struct api_error *err);
void api_event_page_free(struct api_event_page *p);

/* Short label for a row: "12:03:09" from the timestamp, or "" (buf >= 9 bytes). */
void api_event_clock(const struct api_event *e, char *buf, size_t n);

#endif
