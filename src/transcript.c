/*
 * src/transcript.c: events rendered for exports (see transcript.h).
 *
 * The JSON array keeps each event's bytes untouched (e->raw), one event per line, so a
 * local export equals the stored event files byte for byte joined by ",\n". The Markdown
 * keeps whole texts (a huge observation is truncated only in the view, never here).
 */
#include "src/transcript.h"

#include <string.h>

#include "api/events.h"

void
transcript_json_begin(struct transcript_json *t, struct strbuf *sb)
{
	memset(t, 0, sizeof(*t));
	strbuf_putc(sb, '[');
}

bool
transcript_json_event(struct transcript_json *t, struct strbuf *sb, const struct api_event *e)
{
	if (e->kind == API_EVENT_CORRUPT || !e->raw) {
		t->skipped++;
		return false;
	}
	strbuf_puts(sb, t->written++ ? ",\n" : "\n");
	strbuf_append(sb, e->raw, e->raw_len);
	return true;
}

void
transcript_json_end(const struct transcript_json *t, struct strbuf *sb)
{
	strbuf_puts(sb, t->written ? "\n]\n" : "]\n");
}

void
transcript_md_header(struct strbuf *sb, const struct api_conversation *conv, size_t n_events)
{
	strbuf_printf(sb, "# %s\n\n", conv->title && *conv->title ? conv->title : conv->id);
	strbuf_printf(sb, "- Conversation: `%s` (%s)\n", conv->id,
		      conv->local ? "local" : conv->version == API_V1 ? "V1" : "V0");
	if (conv->created_at)
		strbuf_printf(sb, "- Created: %s\n", conv->created_at);
	if (conv->updated_at)
		strbuf_printf(sb, "- Updated: %s\n", conv->updated_at);
	if (conv->execution_status)
		strbuf_printf(sb, "- Status: %s\n", conv->execution_status);
	if (conv->repository)
		strbuf_printf(sb, "- Repository: %s%s%s\n", conv->repository, conv->branch ? " @ " : "",
			      conv->branch ? conv->branch : "");
	strbuf_printf(sb, "- Events: %zu\n\n", n_events);
}

/* A code fence longer than any run of backticks in text, so the text cannot close it. */
static void
md_fenced(struct strbuf *sb, const char *lang, const char *text)
{
	size_t run = 0, best = 0;

	for (const char *p = text; *p; p++) {
		run = *p == '`' ? run + 1 : 0;
		if (run > best)
			best = run;
	}
	size_t n = best < 3 ? 3 : best + 1;
	for (size_t i = 0; i < n; i++)
		strbuf_putc(sb, '`');
	strbuf_printf(sb, "%s\n%s", lang, text);
	if (!*text || text[strlen(text) - 1] != '\n')
		strbuf_putc(sb, '\n');
	for (size_t i = 0; i < n; i++)
		strbuf_putc(sb, '`');
	strbuf_puts(sb, "\n\n");
}

void
transcript_md_event(struct strbuf *sb, const struct api_event *e)
{
	char clock[16];

	api_event_clock(e, clock, sizeof(clock));
	const char *at = clock[0] ? clock : "";
	switch (e->kind) {
	case API_EVENT_USER:
	case API_EVENT_AGENT:
		strbuf_printf(sb, "## %s%s%s\n\n%s\n\n", e->kind == API_EVENT_USER ? "User" : "Agent",
			      *at ? " · " : "", at, e->text);
		break;
	case API_EVENT_ACTION:
		strbuf_printf(sb, "### Action%s%s: %s\n\n", *at ? " · " : "", at, e->summary);
		md_fenced(sb, e->command ? "sh" : "", e->command ? e->command : e->text);
		break;
	case API_EVENT_OBSERVATION:
		if (e->exit_code >= 0)
			strbuf_printf(sb, "### Output%s%s (exit %d)\n\n", *at ? " · " : "", at, e->exit_code);
		else
			strbuf_printf(sb, "### Output%s%s\n\n", *at ? " · " : "", at);
		md_fenced(sb, "", e->text);
		break;
	case API_EVENT_ERROR:
		strbuf_printf(sb, "### Error%s%s\n\n", *at ? " · " : "", at);
		md_fenced(sb, "", e->text);
		break;
	case API_EVENT_STATE:
		strbuf_printf(sb, "*%s*%s%s\n\n", e->summary, *at ? " · " : "", at);
		break;
	case API_EVENT_CORRUPT:
		strbuf_printf(sb, "> **%s**%s%s\n\n", e->summary, e->origin ? " in " : "",
			      e->origin ? e->origin : "");
		break;
	default:
		strbuf_printf(sb, "<details><summary>%s</summary>\n\n", e->summary);
		md_fenced(sb, "", e->text);
		strbuf_puts(sb, "</details>\n\n");
		break;
	}
}
