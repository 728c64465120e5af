/* tui/help.c: help overlay and --dump-actions (see help.h). */
#include "tui/help.h"

#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"
#include "tui/keys.h"
#include "tui/text.h"
#include "tui/tui.h"

void
help_keys_for(const struct bindings *b, enum action a, char *buf, size_t n)
{
	struct strbuf sb = { 0 };
	for (int ctx = 0; ctx < BIND_COUNT; ctx++) {
		for (size_t i = 0; i < b->n; i++) {
			const struct binding *bd = &b->items[i];
			if ((int)bd->ctx != ctx || bd->action != a)
				continue;
			char name[32];
			keys_name(bd->key, name, sizeof(name));
			if (sb.len)
				strbuf_putc(&sb, ' ');
			if (ctx != BIND_GENERIC)
				strbuf_printf(&sb, "%s:", bindings_context_name((enum bind_context)ctx));
			strbuf_puts(&sb, name);
		}
	}
	snprintf(buf, n, "%s", sb.buf ? sb.buf : "");
	strbuf_free(&sb);
}

void
help_first_key(const struct bindings *b, enum bind_context ctx, enum action a, char *buf, size_t n)
{
	int keys[4];
	buf[0] = '\0';
	if (bindings_keys(b, ctx, a, keys, 1) == 1 ||
	    (ctx != BIND_GENERIC && bindings_keys(b, BIND_GENERIC, a, keys, 1) == 1)) {
		/* Only if that key really runs a here (not shadowed by the context). */
		if (bindings_lookup(b, ctx, keys[0]) == a)
			keys_name(keys[0], buf, n);
	}
}

static void
help_add(struct help *h, enum role r, const char *text)
{
	h->lines = xrealloc(h->lines, (h->n + 1) * sizeof(*h->lines));
	h->roles = xrealloc(h->roles, (h->n + 1) * sizeof(*h->roles));
	h->lines[h->n] = xstrdup(text);
	h->roles[h->n] = (unsigned char)r;
	h->n++;
}

static void
help_drop_lines(struct help *h)
{
	for (size_t i = 0; i < h->n; i++)
		free(h->lines[i]);
	free(h->lines);
	free(h->roles);
	h->lines = NULL;
	h->roles = NULL;
	h->n = 0;
	h->wrapped_at = 0;
}

static size_t
help_count(struct pane *p)
{
	return ((struct help *)p->ud)->n;
}

static void
help_row(struct pane *p, size_t i, struct line *out, int width)
{
	struct help *h = p->ud;
	line_add(out, (enum role)h->roles[i], h->lines[i]);
}

static void
help_title(struct pane *p, struct line *out, int width)
{
	line_add(out, ROLE_HEADER, "Help (q or Esc closes; j/k scroll)");
}

static const struct pane_ops help_ops = {
	.name = "help",
	.ctx = BIND_HELP,
	.count = help_count,
	.row = help_row,
	.title = help_title,
};

void
help_free(struct help *h)
{
	help_drop_lines(h);
	for (size_t i = 0; i < h->n_entries; i++) {
		free(h->entries[i].keys);
		free(h->entries[i].name);
	}
	free(h->entries);
	h->entries = NULL;
	h->n_entries = 0;
}

void
help_build(struct help *h, const struct bindings *b)
{
	help_free(h);
	struct pane keep = h->pane;
	pane_init(&h->pane, &help_ops, h);
	h->pane.scroll_only = true;
	h->pane.boxed = true;
	h->pane.top = keep.top;
	h->pane.r = keep.r;
	h->entries = xcalloc(ACTION_COUNT, sizeof(*h->entries));
	for (int a = 1; a < ACTION_COUNT; a++) {
		char keys[256];
		help_keys_for(b, (enum action)a, keys, sizeof(keys));
		struct help_entry *e = &h->entries[h->n_entries++];
		e->group = (char *)bindings_action_group((enum action)a);
		e->keys = xstrdup(keys[0] ? keys : "(unbound)");
		e->name = xstrdup(bindings_action_name((enum action)a));
		e->help = (char *)bindings_action_help((enum action)a);
	}
}

/* Wrapping one description: the lines go to the help with an indent. */
struct help_wrap {
	struct help *h;
	int indent;
	char *first;	/* the keys and name columns, for the first line only */
};

static void
help_wrap_line(void *ud, const char *start, size_t len)
{
	struct help_wrap *w = ud;
	struct strbuf sb = { 0 };
	if (w->first) {
		strbuf_puts(&sb, w->first);
		w->first = NULL;
	} else {
		for (int i = 0; i < w->indent; i++)
			strbuf_putc(&sb, ' ');
	}
	strbuf_append(&sb, start, len);
	help_add(w->h, ROLE_NORMAL, sb.buf ? sb.buf : "");
	strbuf_free(&sb);
}

/*
 * Lay the entries out for width columns. Wide: keys, name and description in
 * columns, the description wrapped under itself. Narrow (below 70): keys and
 * name on one line, the description wrapped below, so nothing is cut at 40.
 */
static void
help_layout(struct help *h, int width)
{
	help_drop_lines(h);
	h->wrapped_at = width;
	bool utf8 = tui_utf8();
	bool wide = width >= 70;
	int kw = wide ? (width / 4 < 24 ? width / 4 : 24) : 0;
	int nw = 17;
	const char *group = NULL;
	for (size_t i = 0; i < h->n_entries; i++) {
		const struct help_entry *e = &h->entries[i];
		if (!group || strcmp(group, e->group) != 0) {
			if (group)
				help_add(h, ROLE_NORMAL, "");
			help_add(h, ROLE_HEADER, e->group);
			group = e->group;
		}
		char kf[160], nf[96], first[300];
		if (wide) {
			/* Keys that do not fit their column get a line of their own, whole. */
			const char *keys = e->keys;
			if (text_width(keys) > kw) {
				struct help_wrap kwr = { h, 4, NULL };
				char lead[300];
				snprintf(lead, sizeof(lead), "  %s", keys);
				text_wrap(lead, width, help_wrap_line, &kwr);
				keys = "";
			}
			text_fit(kf, sizeof(kf), keys, kw, true, false, utf8);
			text_fit(nf, sizeof(nf), e->name, nw, true, false, utf8);
			snprintf(first, sizeof(first), "  %s %s ", kf, nf);
			struct help_wrap w = { h, 2 + kw + 1 + nw + 1, first };
			text_wrap(e->help, width - w.indent, help_wrap_line, &w);
		} else {
			text_fit(kf, sizeof(kf), e->keys, width - 2, false, false, utf8);
			snprintf(first, sizeof(first), "  %s", kf);
			if (text_width(first) + 2 + text_width(e->name) <= width)
				snprintf(first + strlen(first), sizeof(first) - strlen(first), "  %s", e->name);
			help_add(h, ROLE_NORMAL, first);
			struct help_wrap w = { h, 4, NULL };
			text_wrap(e->help, width - 4, help_wrap_line, &w);
		}
	}
	help_add(h, ROLE_NORMAL, "");
	struct help_wrap w = { h, 0, NULL };
	text_wrap("Rebind keys in $XDG_CONFIG_HOME/ohbrowse/config: see ohbrowse.conf(5).", width,
		  help_wrap_line, &w);
	h->roles[h->n - 1] = ROLE_MUTED;
}

void
help_draw(struct help *h, int rows, int cols)
{
	/* The terminal's width less a margin, at most 130 (a description then fits one line). */
	int w = cols - 2 > 130 ? 130 : cols - 2;
	int hh = rows - 2;
	if (w < 20 || hh < 4) {
		w = cols;
		hh = rows;
	}
	if (h->wrapped_at != w - 2)
		help_layout(h, w - 2);
	struct rect box = { (rows - hh) / 2, (cols - w) / 2, hh, w };
	tui_fill(&box, ROLE_NORMAL);
	tui_box(&box, ROLE_BORDER);
	h->pane.r = (struct rect){ box.y + 1, box.x + 1, box.h - 2, box.w - 2 };
	h->pane.focused = true;
	pane_draw(&h->pane);
}

void
help_dump_actions(FILE *f)
{
	struct bindings b;
	bindings_init(&b);
	for (int a = 1; a < ACTION_COUNT; a++) {
		char keys[256];
		help_keys_for(&b, (enum action)a, keys, sizeof(keys));
		fprintf(f, "%s\t%s\t%s\n", bindings_action_name((enum action)a), keys,
			bindings_action_help((enum action)a));
	}
	bindings_free(&b);
}
