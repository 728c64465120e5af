/*
 * src/export_events.c: the conversation's events in the export (include_events; see
 * export.h). The pager delivers one page per completion; each page is rendered at once into
 * two spools (events.json as received, and the transcript's body) and the next page is asked
 * for, so memory holds one page, never the trajectory. Once every file is settled and the
 * last page came, the spools become events.json and then conversation.md (its header needs
 * the final count, so it is written from memory in front of the body).
 *
 * Owns: the pager, the two spools, enum ex_ev_state (reading) and enum ex_ev_wstage (which
 * entry the ZIP takes next).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "archive/spool.h"
#include "archive/zipout.h"
#include "src/base/util.h"
#include "src/export_int.h"

/* Drop the pager and the spools. Never called from the pager's own callback (the pager
 * is still delivering then); a failure there only closes the spools. */
void
ex_ev_release(struct export_job *j)
{
	api_events_free(j->ev_pager);
	j->ev_pager = NULL;
	ex_close_fd(&j->ev_json_fd);
	ex_close_fd(&j->ev_md_fd);
	strbuf_free(&j->ev_sb);
}

static void
ex_ev_fail(struct export_job *j, const char *why)
{
	ex_close_fd(&j->ev_json_fd);
	ex_close_fd(&j->ev_md_fd);
	strbuf_free(&j->ev_sb);
	free(j->ev_error);
	j->ev_error = xstrdup(why);
	j->ev_state = EV_FAILED;
}

/* Append the rendered bytes to fd and empty the buffer; false (events failed) on error. */
static bool
ex_ev_flush(struct export_job *j, int fd)
{
	for (size_t off = 0; off < j->ev_sb.len;) {
		ssize_t w = write(fd, j->ev_sb.buf + off, j->ev_sb.len - off);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			char *m = xasprintf("cannot write a temporary file: %s", strerror(errno));
			ex_ev_fail(j, m);
			free(m);
			return false;
		}
		off += (size_t)w;
	}
	strbuf_reset(&j->ev_sb);
	return true;
}

static void
ex_ev_page(void *ud, struct api_event *rows, size_t n, bool more, const struct api_error *err)
{
	struct export_job *j = ud;

	if (err) {
		char *m = xasprintf("cannot read the conversation's events: %s", err->message);
		ex_ev_fail(j, m);
		free(m);
		return;
	}
	/* the JSON first, then the transcript: each spool is appended in event order */
	for (size_t i = 0; i < n; i++) {
		transcript_json_event(&j->ev_tj, &j->ev_sb, &rows[i]);
		if (j->ev_sb.len > EX_EVENTS_FLUSH && !ex_ev_flush(j, j->ev_json_fd))
			return;
	}
	if (!more)
		transcript_json_end(&j->ev_tj, &j->ev_sb);
	if (!ex_ev_flush(j, j->ev_json_fd))
		return;
	for (size_t i = 0; i < n; i++) {
		transcript_md_event(&j->ev_sb, &rows[i]);
		if (j->ev_sb.len > EX_EVENTS_FLUSH && !ex_ev_flush(j, j->ev_md_fd))
			return;
	}
	if (!ex_ev_flush(j, j->ev_md_fd))
		return;
	j->ev_count += n;
	if (more)
		api_events_next(j->ev_pager, ex_ev_page, j);
	else
		j->ev_state = EV_READY;
}

/* Start reading the events from the first page (again, after a failure). */
void
ex_ev_start(struct export_job *j)
{
	char msg[256];

	ex_ev_release(j);
	free(j->ev_error);
	j->ev_error = NULL;
	j->ev_count = 0;
	j->ev_wstage = EV_W_JSON;
	j->ev_in_entry = false;
	j->ev_state = EV_FETCHING;
	j->ev_json_fd = spool_open(msg, sizeof(msg));
	if (j->ev_json_fd >= 0)
		j->ev_md_fd = spool_open(msg, sizeof(msg));
	if (j->ev_json_fd < 0 || j->ev_md_fd < 0) {
		ex_ev_fail(j, msg);
		return;
	}
	transcript_json_begin(&j->ev_tj, &j->ev_sb);	/* the "[" goes out with the first page */
	j->ev_pager = api_events_new(j->c, &j->conv, true);
	api_events_next(j->ev_pager, ex_ev_page, j);
}

/* Append a slice of events.json or conversation.md to the ZIP; returns bytes used. */
size_t
ex_ev_write_step(struct export_job *j, size_t budget)
{
	char err[512] = "";
	int *fd = j->ev_wstage == EV_W_JSON ? &j->ev_json_fd : &j->ev_md_fd;

	if (!j->ev_in_entry) {
		if (zipout_begin(j->z, j->ev_wstage == EV_W_JSON ? EX_EVENTS_JSON : EX_EVENTS_MD, j->export_time, err,
				 sizeof(err))) {
			ex_zip_failed(j, err);
			return 0;
		}
		j->ev_in_entry = true;
		j->ev_off = 0;
		if (j->ev_wstage == EV_W_MD) {
			struct strbuf hb = {0};
			int rc;

			transcript_md_header(&hb, &j->conv, j->ev_count);
			rc = zipout_write(j->z, hb.buf, hb.len, err, sizeof(err));
			strbuf_free(&hb);
			if (rc) {
				ex_zip_failed(j, err);
				return 0;
			}
		}
	}
	ssize_t n = ex_read_back(j, *fd, j->ev_off, budget);

	if (n < 0)
		return 0;
	if (n == 0) {
		if (zipout_end(j->z, err, sizeof(err))) {
			ex_zip_failed(j, err);
			return 0;
		}
		ex_close_fd(fd);
		j->ev_in_entry = false;
		j->ev_wstage = j->ev_wstage == EV_W_JSON ? EV_W_MD : EV_W_DONE;
		return 0;
	}
	if (zipout_write(j->z, j->buf, (size_t)n, err, sizeof(err))) {
		ex_zip_failed(j, err);
		return (size_t)n;
	}
	j->ev_off += n;
	return (size_t)n;
}
