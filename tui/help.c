/* tui/help.c: help overlay and --dump-actions (see help.h). */
#include "tui/help.h"

#include <stdlib.h>
#include <string.h>

#include "src/util.h"
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
	for (size_t i = 0; i < h->n; i++)
		free(h->lines[i]);
	free(h->lines);
	free(h->roles);
	h->lines = NULL;
	h->roles = NULL;
	h->n = 0;
}

void
help_build(struct help *h, const struct bindings *b)
{
	help_free(h);
	struct pane keep = h->pane;
	pane_init(&h->pane, &help_ops, h);
	h->pane.scroll_only = true;
	h->pane.top = keep.top;
	h->pane.r = keep.r;
	const char *group = NULL;
	for (int a = 1; a < ACTION_COUNT; a++) {
		const char *g = bindings_action_group((enum action)a);
		if (!group || strcmp(group, g) != 0) {
			if (group)
				help_add(h, ROLE_NORMAL, "");
			help_add(h, ROLE_HEADER, g);
			group = g;
		}
		char keys[256], line[512], kf[128], nf[96];
		help_keys_for(b, (enum action)a, keys, sizeof(keys));
		text_fit(kf, sizeof(kf), keys[0] ? keys : "(unbound)", 24, true, false, tui_utf8());
		text_fit(nf, sizeof(nf), bindings_action_name((enum action)a), 17, true, false, tui_utf8());
		snprintf(line, sizeof(line), "  %s %s %s", kf, nf, bindings_action_help((enum action)a));
		help_add(h, ROLE_NORMAL, line);
	}
	help_add(h, ROLE_NORMAL, "");
	help_add(h, ROLE_MUTED, "Rebind keys in $XDG_CONFIG_HOME/ohbrowse/config: see ohbrowse.conf(5).");
}

void
help_draw(struct help *h, int rows, int cols)
{
	int w = cols - 4 > 100 ? 100 : cols - 4;
	int hh = rows - 4;
	if (w < 20 || hh < 4) {
		w = cols;
		hh = rows;
	}
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
