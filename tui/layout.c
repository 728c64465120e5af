/* tui/layout.c: pane rectangles from the terminal size (see layout.h). */
#include "tui/layout.h"

#include <string.h>

static struct rect
rect_make(int y, int x, int h, int w)
{
	struct rect r = { y, x, h, w };
	if (h <= 0 || w <= 0)
		r.h = r.w = 0;
	return r;
}

bool
rect_empty(const struct rect *r)
{
	return r->h <= 0 || r->w <= 0;
}

void
layout_compute(const struct layout_req *req, struct layout *out)
{
	memset(out, 0, sizeof(*out));
	int rows = req->rows, cols = req->cols;
	if (rows < LAYOUT_MIN_ROWS || cols < LAYOUT_MIN_COLS) {
		out->too_small = true;
		return;
	}
	out->title = rect_make(0, 0, 1, cols);
	out->status = rect_make(rows - 2, 0, 1, cols);
	out->message = rect_make(rows - 1, 0, 1, cols);
	int top = 1;
	int body = rows - 3;
	out->wide = cols >= LAYOUT_WIDE_COLS;

	/* The downloads pane takes the bottom part: what it asks for, at most 40%. */
	int dl = 0;
	if (req->show_downloads) {
		dl = req->downloads_rows < 3 ? 3 : req->downloads_rows;
		int cap = body * 2 / 5;
		if (cap < 3)
			cap = 3;
		if (dl > cap)
			dl = cap;
		out->downloads = rect_make(top + body - dl, 0, dl, cols);
		body -= dl;
	}

	if (out->wide) {
		bool conv = req->show_conv || !req->show_files;
		bool events = req->show_events;
		bool files = req->show_files || events;
		bool prev = req->show_preview;
		/* Shares: conversations 40, files 30, preview 30 (of what is shown); the
		 * events pane gets more, its rows being long one-line summaries. */
		int share_c = conv ? (events ? 30 : 40) : 0, share_f = files ? (events ? 40 : 30) : 0;
		int share_p = prev ? 30 : 0;
		int total = share_c + share_f + share_p;
		int x = 0;
		int wc = conv ? cols * share_c / total : 0;
		int wf = files ? cols * share_f / total : 0;
		int wp = prev ? cols - wc - wf : 0;
		if (!prev) {
			if (files)
				wf = cols - wc;
			else
				wc = cols;
		}
		if (conv) {
			out->conv = rect_make(top, x, body, wc);
			x += wc;
		}
		if (files) {
			if (events)
				out->events = rect_make(top, x, body, wf);
			else
				out->files = rect_make(top, x, body, wf);
			x += wf;
		}
		if (prev)
			out->preview = rect_make(top, x, body, wp);
		return;
	}

	/* Narrow: one list pane, the preview below it when there is room and no downloads. */
	bool prev = req->show_preview && !req->show_downloads && body >= 12;
	int list_h = prev ? body - body * 2 / 5 : body;
	if (req->show_events && !req->show_conv)
		out->events = rect_make(top, 0, list_h, cols);
	else if (req->show_files && !req->show_conv)
		out->files = rect_make(top, 0, list_h, cols);
	else
		out->conv = rect_make(top, 0, list_h, cols);
	if (prev)
		out->preview = rect_make(top + list_h, 0, body - list_h, cols);
}
