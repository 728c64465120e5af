/* tui/progress.c: progress_format() and friends (see progress.h). */
#include "tui/progress.h"

#include <stdio.h>
#include <string.h>

#include "tui/text.h"

void
progress_sizes(char *buf, size_t n, int64_t done, int64_t total)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double div = 1.0;
	size_t u = 0;
	while ((double)total / div >= 1024.0 && u + 1 < sizeof(units) / sizeof(units[0])) {
		div *= 1024.0;
		u++;
	}
	if (u == 0)
		snprintf(buf, n, "%lld/%lld B", (long long)done, (long long)total);
	else
		snprintf(buf, n, "%.1f/%.1f %s", (double)done / div, (double)total / div, units[u]);
}

/* Append s, then pad buf (currently cols columns wide) with spaces up to width. */
static void
progress_finish(char *buf, size_t pos, int cols, int width)
{
	while (cols < width) {
		buf[pos++] = ' ';
		cols++;
	}
	buf[pos] = '\0';
}

static size_t
progress_repeat(char *buf, size_t pos, const char *glyph, int count)
{
	size_t gl = strlen(glyph);
	for (int i = 0; i < count; i++) {
		memcpy(buf + pos, glyph, gl);
		pos += gl;
	}
	return pos;
}

void
progress_format(char *buf, int width, int64_t done, int64_t total, bool utf8)
{
	char suffix[64];
	buf[0] = '\0';
	if (width <= 0)
		return;
	if (done < 0)
		done = 0;
	if (total >= 0) {
		int pct = total == 0 ? 100 : (int)((double)(done > total ? total : done) * 100.0 / (double)total);
		char sizes[48];
		progress_sizes(sizes, sizeof(sizes), done, total);
		snprintf(suffix, sizeof(suffix), " %3d%%  %s", pct, sizes);
		int bar = width - 2 - (int)strlen(suffix);
		if (bar < 5) {
			snprintf(suffix, sizeof(suffix), " %3d%%", pct);
			bar = width - 2 - (int)strlen(suffix);
		}
		if (bar < 3) {
			/* No room for a bar: just the percentage, right-aligned. */
			char pctbuf[8];
			snprintf(pctbuf, sizeof(pctbuf), "%d%%", pct);
			text_fit(buf, PROGRESS_BUFSZ(width), pctbuf, width, true, true, utf8);
			return;
		}
		int fill = total == 0 ? bar : (int)((double)(done > total ? total : done) * bar / (double)total);
		size_t pos = 0;
		buf[pos++] = '[';
		pos = progress_repeat(buf, pos, utf8 ? "\xe2\x96\x88" : "#", fill);
		pos = progress_repeat(buf, pos, utf8 ? "\xe2\x96\x91" : ".", bar - fill);
		buf[pos++] = ']';
		size_t sl = strlen(suffix);
		memcpy(buf + pos, suffix, sl);
		pos += sl;
		progress_finish(buf, pos, bar + 2 + (int)sl, width);
		return;
	}
	char size[32];
	text_size(size, sizeof(size), done);
	snprintf(suffix, sizeof(suffix), " %s", size);
	int bar = width - 2 - (int)strlen(suffix);
	if (bar < 5) {
		suffix[0] = '\0';
		bar = width - 2;
	}
	if (bar < 3) {
		text_fit(buf, PROGRESS_BUFSZ(width), size, width, true, true, utf8);
		return;
	}
	/* The marker bounces between the brackets; its place depends only on bytes. */
	int span = bar - 3;
	int pos_marker = 0;
	if (span > 0) {
		long long step = (long long)(done / 65536) % (2LL * span);
		pos_marker = (int)(step <= span ? step : 2LL * span - step);
	}
	size_t pos = 0;
	buf[pos++] = '[';
	pos = progress_repeat(buf, pos, " ", pos_marker);
	memcpy(buf + pos, "<=>", 3);
	pos += 3;
	pos = progress_repeat(buf, pos, " ", bar - 3 - pos_marker);
	buf[pos++] = ']';
	size_t sl = strlen(suffix);
	memcpy(buf + pos, suffix, sl);
	pos += sl;
	progress_finish(buf, pos, bar + 2 + (int)sl, width);
}
