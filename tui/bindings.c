/* tui/bindings.c: default bindings, lookups and the config parser (see bindings.h). */
#include "tui/bindings.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "src/base/util.h"
#include "tui/colors.h"
#include "tui/keys.h"

const char bindings_default_config[] =
	"# general\n"
	"bind generic q quit\n"
	"bind generic ? help\n"
	"bind generic <F1> help\n"
	"bind generic <C-l> redraw\n"
	"bind generic M messages\n"
	"bind generic y copy\n"
	"bind generic o pager\n"
	"bind generic e editor\n"
	"# movement\n"
	"bind generic j move-down\n"
	"bind generic <Down> move-down\n"
	"bind generic k move-up\n"
	"bind generic <Up> move-up\n"
	"bind generic <PgDown> page-down\n"
	"bind generic <C-f> page-down\n"
	"bind generic <PgUp> page-up\n"
	"bind generic <C-b> page-up\n"
	"bind generic <C-d> half-page-down\n"
	"bind generic <C-u> half-page-up\n"
	"bind generic g first\n"
	"bind generic <Home> first\n"
	"bind generic G last\n"
	"bind generic <End> last\n"
	"bind generic <Tab> next-pane\n"
	"bind generic <BackTab> prev-pane\n"
	"bind generic z zoom\n"
	"# browse\n"
	"bind generic <Enter> open\n"
	"bind generic l open\n"
	"bind generic <Right> open\n"
	"bind generic h back\n"
	"bind generic <Left> back\n"
	"bind generic <Esc> close\n"
	"bind generic D toggle-downloads\n"
	"bind generic X cancel-all\n"
	"bind generic R retry-failed\n"
	"bind conversations / filter\n"
	"bind conversations r refresh\n"
	"bind conversations s sort\n"
	"bind conversations S sort-reverse\n"
	"bind conversations w wake\n"
	"bind conversations d download\n"
	"bind conversations v events\n"
	"bind conversations L toggle-source\n"
	"bind conversations <Space> mark\n"
	"bind conversations u clear-marks\n"
	"bind conversations B backup\n"
	"bind generic n search-next\n"
	"bind generic N search-prev\n"
	"bind files / search\n"
	"bind preview / search\n"
	"bind downloads / search\n"
	"bind files <Space> mark\n"
	"bind files a mark-all\n"
	"bind files c mark-changed\n"
	"bind files u clear-marks\n"
	"bind files d download\n"
	"bind files r refresh\n"
	"bind files s sort\n"
	"bind files f filter\n"
	"bind files w wake\n"
	"bind files v events\n"
	"bind events / filter\n"
	"bind events f event-kinds\n"
	"bind events F follow\n"
	"bind events r refresh\n"
		"bind preview d download\n"
	"bind preview w wrap\n"
	"bind preview L line-numbers\n"
	"bind downloads x cancel-file\n"
	"bind help q close\n"
	"bind help ? close\n";

static const struct {
	const char *name, *group, *help;
} action_info[] = {
#define ACTION_ROW(id, name, group, help) { name, group, help },
	ACTION_INFO(ACTION_ROW)
#undef ACTION_ROW
};

static const char *const context_names[] = {
#define CONTEXT_ROW(id, name) name,
	CONTEXT_INFO(CONTEXT_ROW)
#undef CONTEXT_ROW
};

int
bindings_action_by_name(const char *name)
{
	for (int i = 0; i < ACTION_COUNT; i++)
		if (strcmp(action_info[i].name, name) == 0)
			return i;
	return -1;
}

const char *
bindings_action_name(enum action a)
{
	return a < ACTION_COUNT ? action_info[a].name : "?";
}

const char *
bindings_action_group(enum action a)
{
	return a < ACTION_COUNT ? action_info[a].group : "?";
}

const char *
bindings_action_help(enum action a)
{
	return a < ACTION_COUNT ? action_info[a].help : "?";
}

int
bindings_context_by_name(const char *name)
{
	for (int i = 0; i < BIND_COUNT; i++)
		if (strcmp(context_names[i], name) == 0)
			return i;
	return -1;
}

const char *
bindings_context_name(enum bind_context c)
{
	return c < BIND_COUNT ? context_names[c] : "?";
}

void
bindings_set(struct bindings *b, enum bind_context ctx, int key, enum action a)
{
	for (size_t i = 0; i < b->n; i++) {
		if (b->items[i].ctx == ctx && b->items[i].key == key) {
			b->items[i].action = a;
			return;
		}
	}
	if (b->n == b->cap) {
		b->cap = b->cap ? b->cap * 2 : 64;
		b->items = xrealloc(b->items, b->cap * sizeof(*b->items));
	}
	b->items[b->n++] = (struct binding){ ctx, key, a };
}

void
bindings_init(struct bindings *b)
{
	memset(b, 0, sizeof(*b));
	char err[256];
	if (bindings_config_text(b, bindings_default_config, err, sizeof(err)) != 0)
		die("built-in bindings: %s", err);
}

void
bindings_free(struct bindings *b)
{
	free(b->items);
	memset(b, 0, sizeof(*b));
}

static const struct binding *
bindings_find(const struct bindings *b, enum bind_context ctx, int key)
{
	for (size_t i = 0; i < b->n; i++)
		if (b->items[i].ctx == ctx && b->items[i].key == key)
			return &b->items[i];
	return NULL;
}

enum action
bindings_lookup(const struct bindings *b, enum bind_context ctx, int key)
{
	const struct binding *hit = bindings_find(b, ctx, key);
	if (hit)
		return hit->action;
	if (ctx != BIND_GENERIC && (hit = bindings_find(b, BIND_GENERIC, key)))
		return hit->action;
	return ACTION_NONE;
}

size_t
bindings_keys(const struct bindings *b, enum bind_context ctx, enum action a, int *keys, size_t max)
{
	size_t n = 0;
	for (size_t i = 0; i < b->n && n < max; i++) {
		if (b->items[i].ctx != ctx || b->items[i].action != a)
			continue;
		/* A key shadowed by nothing: generic keys overridden in ctx are not listed by callers. */
		keys[n++] = b->items[i].key;
	}
	return n;
}

/* Split line into at most max whitespace-separated words, in place; '#' starts a comment. */
static size_t
bindings_split(char *line, char **words, size_t max)
{
	size_t n = 0;
	char *p = line;
	while (*p && n < max) {
		while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
			p++;
		if (!*p || *p == '#')
			break;
		words[n++] = p;
		while (*p && *p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			p++;
		if (*p)
			*p++ = '\0';
	}
	return n;
}

bool
bindings_config_line(struct bindings *b, const char *line, char *err, size_t errlen)
{
	char buf[1024];
	char *w[16];
	if (strlen(line) >= sizeof(buf)) {
		snprintf(err, errlen, "line too long");
		return false;
	}
	strcpy(buf, line);
	/* '#' alone as a key would read as a comment: only words after the first can be keys,
	 * and a key '#' must be written <Hash> (not supported) -- keep it simple. */
	size_t n = bindings_split(buf, w, ARRAY_SIZE(w));
	if (n == 0)
		return true;
	if (strcmp(w[0], "bind") == 0) {
		if (n != 4) {
			snprintf(err, errlen, "usage: bind <context> <key> <action>");
			return false;
		}
		int ctx = bindings_context_by_name(w[1]);
		if (ctx < 0) {
			snprintf(err, errlen, "unknown context '%s'", w[1]);
			return false;
		}
		int key = keys_parse(w[2]);
		if (key == KEYS_NONE) {
			snprintf(err, errlen, "unknown key '%s'", w[2]);
			return false;
		}
		int a = bindings_action_by_name(w[3]);
		if (a < 0) {
			snprintf(err, errlen, "unknown action '%s'", w[3]);
			return false;
		}
		bindings_set(b, (enum bind_context)ctx, key, (enum action)a);
		return true;
	}
	if (strcmp(w[0], "color") == 0) {
		if (n < 4) {
			snprintf(err, errlen, "usage: color <role> <fg> <bg> [attributes]");
			return false;
		}
		return colors_set(w[1], w[2], w[3], (const char *const *)(w + 4), n - 4, err, errlen);
	}
	if (strcmp(w[0], "set") == 0) {
		if (n >= 3 && !strcmp(w[1], "backup-dir"))
			return true;	/* a directory may hold spaces: src/settings.c takes the rest of the line */
		if (n != 3) {
			snprintf(err, errlen, "usage: set <option> <value>");
			return false;
		}
		if (strcmp(w[1], "mouse") == 0) {
			if (strcmp(w[2], "on") == 0 || strcmp(w[2], "yes") == 0 || strcmp(w[2], "true") == 0)
				b->mouse = true;
			else if (strcmp(w[2], "off") == 0 || strcmp(w[2], "no") == 0 ||
				 strcmp(w[2], "false") == 0)
				b->mouse = false;
			else {
				snprintf(err, errlen, "set mouse: expected on or off, not '%s'", w[2]);
				return false;
			}
			return true;
		}
		/* read before the browser starts, by src/settings.c: not the browser's to judge */
		if (!strcmp(w[1], "org") || !strcmp(w[1], "backup-dir") || !strcmp(w[1], "retention-days"))
			return true;
		if (strcmp(w[1], "notify") == 0) {
			static const char *const names[] = { "bell", "none", "osc9", "osc777" };
			for (int i = 0; i < 4; i++) {
				if (strcmp(w[2], names[i]) == 0) {
					b->notify = i;
					return true;
				}
			}
			snprintf(err, errlen, "set notify: expected none, bell, osc9 or osc777, not '%s'", w[2]);
			return false;
		}
		snprintf(err, errlen, "unknown option '%s'", w[1]);
		return false;
	}
	snprintf(err, errlen, "unknown command '%s' (expected bind, color or set)", w[0]);
	return false;
}

int
bindings_config_text(struct bindings *b, const char *text, char *err, size_t errlen)
{
	int bad = 0;
	int lineno = 0;
	const char *p = text;
	while (*p) {
		const char *nl = strchr(p, '\n');
		size_t len = nl ? (size_t)(nl - p) : strlen(p);
		char line[1024];
		char msg[256];
		lineno++;
		if (len >= sizeof(line)) {
			if (bad++ == 0)
				snprintf(err, errlen, "line %d: line too long", lineno);
		} else {
			memcpy(line, p, len);
			line[len] = '\0';
			if (!bindings_config_line(b, line, msg, sizeof(msg)) && bad++ == 0)
				snprintf(err, errlen, "line %d: %s", lineno, msg);
		}
		p += len;
		if (*p == '\n')
			p++;
	}
	return bad;
}

int
bindings_config_file(struct bindings *b, const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return 1;
	}
	struct strbuf sb = { 0 };
	char chunk[4096];
	size_t r;
	while ((r = fread(chunk, 1, sizeof(chunk), f)) > 0)
		strbuf_append(&sb, chunk, r);
	fclose(f);
	char msg[300];
	int bad = bindings_config_text(b, sb.buf ? sb.buf : "", msg, sizeof(msg));
	if (bad)
		snprintf(err, errlen, "%s: %s", path, msg);
	strbuf_free(&sb);
	return bad;
}
