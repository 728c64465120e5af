/*
 * api/local.c: OpenHands persistence directories: scanning for conversations, loading
 * one, finding one by id, its event files (see local.h); and the small file helpers the
 * workspace files share (local_int.h).
 *
 * All reads go through open(O_RDONLY); the api/local*.c files have no code path that
 * creates, renames or writes a file under the persistence directory, which is how "never
 * write under the persistence directory" is kept. git (api/local_git.c) is the only
 * program run, with optional locks off.
 */
#include "api/local_int.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "src/base/util.h"

/* Files bigger than this are not conversation state: refuse to slurp them whole. */
#define LOCAL_STATE_MAX (64u << 20)

/* ------------------------------------------------------------ file helpers */

char *
local_slurp(const char *path, size_t max, size_t *len)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
	struct strbuf sb = {0};
	char buf[65536];
	struct stat st;

	*len = 0;
	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		/* conversation state is regular files; a FIFO or device is not read */
		close(fd);
		errno = EINVAL;
		return NULL;
	}
	for (;;) {
		ssize_t n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			int e = errno;
			close(fd);
			strbuf_free(&sb);
			errno = e;
			return NULL;
		}
		if (n == 0)
			break;
		if (sb.len + (size_t)n > max) {
			close(fd);
			strbuf_free(&sb);
			errno = EFBIG;
			return NULL;
		}
		strbuf_append(&sb, buf, (size_t)n);
	}
	close(fd);
	*len = sb.len;
	if (!sb.buf)
		return xstrdup("");
	return strbuf_detach(&sb);
}

bool
local_is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool
is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static json_t *
load_json_file(const char *path)
{
	size_t len;
	char *s = local_slurp(path, LOCAL_STATE_MAX, &len);
	json_t *j = s ? json_loadb(s, len, 0, NULL) : NULL;

	free(s);
	if (j && !json_is_object(j)) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

static const char *
jstr(json_t *o, const char *key)
{
	json_t *v = json_is_object(o) ? json_object_get(o, key) : NULL;

	return json_is_string(v) ? json_string_value(v) : NULL;
}

static bool
is_hex32(const char *s)
{
	size_t n = 0;

	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n == 32;
}

/* A dashed UUID (or anything else) as 32 lowercase hex digits when it has exactly 32. */
static char *
undash(const char *s)
{
	char out[33];
	size_t n = 0;

	for (; *s; s++) {
		if (*s == '-')
			continue;
		if (!isxdigit((unsigned char)*s) || n == 32)
			return NULL;
		out[n++] = (char)tolower((unsigned char)*s);
	}
	if (n != 32)
		return NULL;
	out[32] = '\0';
	return xstrdup(out);
}

const char *
local_base_name(const char *p)
{
	const char *s = strrchr(p, '/');

	return s && s[1] ? s + 1 : p;
}

bool
local_rel_ok(const char *rel)
{
	if (!rel || rel[0] == '/')
		return false;
	for (const char *p = rel; *p;) {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);
		if (n == 2 && p[0] == '.' && p[1] == '.')
			return false;
		p += n;
		while (*p == '/')
			p++;
	}
	return true;
}

int
local_file_cmp(const void *a, const void *b)
{
	return strcmp(((const struct api_file *)a)->path, ((const struct api_file *)b)->path);
}

int64_t
local_now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ------------------------------------------------------------ default dir */

char *
local_default_dir(void)
{
	const char *d = getenv("OPENHANDS_CONVERSATIONS_DIR");
	const char *home;

	if (d && *d)
		return xstrdup(d);
	d = getenv("OPENHANDS_PERSISTENCE_DIR");
	if (d && *d)
		return xasprintf("%s/conversations", d);
	home = getenv("HOME");
	return xasprintf("%s/.openhands/conversations", home && *home ? home : ".");
}

/* ------------------------------------------------------------ event files */

enum local_format {
	LOCAL_NONE = 0,
	LOCAL_SDK,	/* base_state.json + events/event-NNNNN-<id>.json */
	LOCAL_V0,	/* metadata.json + events/<N>.json */
};

struct ev_name {
	char *name;
	unsigned long long idx;
	int digits;
};

struct local_events {
	char *dir;		/* the events directory */
	struct ev_name *names;
	size_t count;
};

/* event-<5+ digits>-<8+ of hex and dashes>.json */
static bool
parse_sdk_name(const char *n, unsigned long long *idx, int *digits)
{
	const char *p;

	if (strncmp(n, "event-", 6) != 0)
		return false;
	p = n + 6;
	const char *d0 = p;
	while (*p >= '0' && *p <= '9')
		p++;
	if (p - d0 < 5 || *p != '-')
		return false;
	*digits = (int)(p - d0);
	*idx = strtoull(d0, NULL, 10);
	const char *id0 = ++p;
	while (isxdigit((unsigned char)*p) || *p == '-')
		p++;
	return p - id0 >= 8 && strcmp(p, ".json") == 0;
}

/* <N>.json */
static bool
parse_v0_name(const char *n, unsigned long long *idx, int *digits)
{
	const char *p = n;

	while (*p >= '0' && *p <= '9')
		p++;
	if (p == n || strcmp(p, ".json") != 0)
		return false;
	*digits = (int)(p - n);
	*idx = strtoull(n, NULL, 10);
	return true;
}

static int
ev_name_cmp(const void *a, const void *b)
{
	const struct ev_name *x = a, *y = b;

	/* more digits than fit in 64 bits still order correctly by length first */
	if (x->digits != y->digits && (x->digits > 19 || y->digits > 19))
		return x->digits < y->digits ? -1 : 1;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return strcmp(x->name, y->name);
}

static struct local_events *
events_open_dir(const char *conv_dir, enum local_format fmt, struct api_error *err)
{
	char *dir = xasprintf("%s/events", conv_dir);
	DIR *d = opendir(dir);
	struct local_events *le;
	size_t cap = 0;
	struct dirent *de;

	if (!d) {
		api_error_set(err, errno == ENOENT ? API_ERR_NOT_FOUND : API_ERR_LOCAL, 0,
			      "cannot read the events of %s: %s", conv_dir, strerror(errno));
		free(dir);
		return NULL;
	}
	le = xcalloc(1, sizeof(*le));
	le->dir = dir;
	while ((de = readdir(d))) {
		unsigned long long idx;
		int digits;
		bool ok = fmt == LOCAL_V0 ? parse_v0_name(de->d_name, &idx, &digits)
					  : parse_sdk_name(de->d_name, &idx, &digits);
		if (!ok)
			continue;	/* .eventlog.lock and friends */
		if (le->count == cap) {
			cap = cap ? cap * 2 : 256;
			le->names = xrealloc(le->names, cap * sizeof(*le->names));
		}
		le->names[le->count++] = (struct ev_name){xstrdup(de->d_name), idx, digits};
	}
	closedir(d);
	if (le->count > 1)
		qsort(le->names, le->count, sizeof(*le->names), ev_name_cmp);
	return le;
}

static enum local_format
dir_format(const char *conv_dir)
{
	char *p = xasprintf("%s/base_state.json", conv_dir);
	enum local_format f = LOCAL_NONE;

	if (is_file(p))
		f = LOCAL_SDK;
	free(p);
	if (f == LOCAL_NONE) {
		p = xasprintf("%s/metadata.json", conv_dir);
		if (is_file(p))
			f = LOCAL_V0;
		free(p);
	}
	return f;
}

struct local_events *
local_events_open(const struct api_conversation *conv, struct api_error *err)
{
	if (!conv->local || !conv->local_dir) {
		api_error_set(err, API_ERR_USAGE, 0, "not a local conversation");
		return NULL;
	}
	enum local_format f = dir_format(conv->local_dir);
	if (f == LOCAL_NONE)
		f = conv->version == API_V0 ? LOCAL_V0 : LOCAL_SDK;
	return events_open_dir(conv->local_dir, f, err);
}

size_t
local_events_count(const struct local_events *le)
{
	return le ? le->count : 0;
}

static void
read_one(struct local_events *le, size_t i, bool keep_raw, struct api_event *e)
{
	char *path = xasprintf("%s/%s", le->dir, le->names[i].name);
	size_t len;
	char *s = local_slurp(path, SIZE_MAX / 2, &len);

	if (!s) {
		char *why = xasprintf("cannot read %s: %s", le->names[i].name, strerror(errno));
		api_event_decode("", 0, false, e);
		free(e->summary);
		free(e->text);
		e->summary = xasprintf("corrupt event: %s", why);
		e->text = why;
	} else if (api_event_decode(s, len, keep_raw, e) != 0) {
		/* name the file: that is what the user can go and look at */
		char *sum = xasprintf("corrupt event file %s: %s", le->names[i].name,
				      e->summary + strlen("corrupt event: "));
		free(e->summary);
		e->summary = sum;
	}
	free(s);
	free(path);
	e->origin = xstrdup(le->names[i].name);
}

void
local_events_read(struct local_events *le, size_t from, size_t n, bool keep_raw,
		  struct api_event_list *out)
{
	for (size_t i = from; le && i < le->count && i < from + n; i++)
		read_one(le, i, keep_raw, api_event_list_push(out));
}

void
local_events_free(struct local_events *le)
{
	if (!le)
		return;
	for (size_t i = 0; i < le->count; i++)
		free(le->names[i].name);
	free(le->names);
	free(le->dir);
	free(le);
}

/* ------------------------------------------------------------ conversations */

static char *
upper(const char *s)
{
	char *u = xstrdup(s);

	for (char *p = u; *p; p++)
		*p = (char)toupper((unsigned char)*p);
	return u;
}

/* Title and dates from the events: the first user message, the first and last timestamps.
 * Reads at most a few files from the start and one from the end. */
static void
fill_from_events(struct api_conversation *c, enum local_format fmt)
{
	struct api_error err;
	struct local_events *le = events_open_dir(c->local_dir, fmt, &err);
	struct api_event_list l = {0};

	if (!le)
		return;
	size_t head = le->count < 40 ? le->count : 40;
	local_events_read(le, 0, head, false, &l);
	for (size_t i = 0; i < l.count; i++) {
		struct api_event *e = &l.items[i];
		if (!c->created_at && e->timestamp)
			c->created_at = xstrdup(e->timestamp);
		if ((!c->title || !*c->title) && e->kind == API_EVENT_USER && *e->summary) {
			/* the first line of the message, like the CLI's own titles */
			const char *t = e->text;
			while (*t == ' ' || *t == '\n' || *t == '\r' || *t == '\t')
				t++;
			size_t n = strcspn(t, "\r\n");
			if (n > 100) {
				n = 100;
				/* do not end inside a UTF-8 sequence */
				while (n && ((unsigned char)t[n] & 0xc0) == 0x80)
					n--;
			}
			free(c->title);
			c->title = xstrndup(t, n);
			for (char *q = c->title; *q; q++)
				if ((unsigned char)*q < 0x20)
					*q = ' ';
		}
	}
	if (le->count && !c->updated_at) {
		struct api_event_list last = {0};
		/* the newest timestamp: the last file, or the last readable one among the head */
		local_events_read(le, le->count - 1, 1, false, &last);
		if (last.count && last.items[0].timestamp)
			c->updated_at = xstrdup(last.items[0].timestamp);
		api_event_list_free(&last);
		for (size_t i = l.count; !c->updated_at && i-- > 0;)
			if (l.items[i].timestamp)
				c->updated_at = xstrdup(l.items[i].timestamp);
	}
	api_event_list_free(&l);
	local_events_free(le);
}

static void
set_file_time(char **field, const char *path)
{
	struct stat st;
	struct tm tm;
	char buf[40];

	if (*field || stat(path, &st) != 0 || !gmtime_r(&st.st_mtime, &tm))
		return;
	strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
	*field = xstrdup(buf);
}

int
local_conversation_load(const char *conv_dir, struct api_conversation *out)
{
	enum local_format fmt = dir_format(conv_dir);
	struct api_conversation c = {0};
	char *p;

	memset(out, 0, sizeof(*out));
	if (fmt == LOCAL_NONE)
		return -1;
	c.local = true;
	c.local_dir = xstrdup(conv_dir);
	c.created_s = c.updated_s = -1;
	const char *dname = local_base_name(conv_dir);
	if (fmt == LOCAL_SDK) {
		p = xasprintf("%s/base_state.json", conv_dir);
		json_t *bs = load_json_file(p);
		c.version = API_V1;
		if (!bs) {
			c.status = xstrdup("CORRUPT");
			c.title = xstrdup("(unreadable base_state.json)");
		} else {
			const char *st = jstr(bs, "execution_status");
			if (!st)
				st = jstr(bs, "agent_status");	/* SDK < 1.0 */
			if (st) {
				char *low = xstrdup(st);
				for (char *q = low; *q; q++)
					*q = (char)tolower((unsigned char)*q);
				c.execution_status = low;
				c.status = upper(st);
			}
			const char *wd = jstr(json_object_get(bs, "workspace"), "working_dir");
			if (wd && *wd && local_is_dir(wd))
				c.local_workspace = xstrdup(wd);
			const char *id = jstr(bs, "id");
			if (!is_hex32(dname) && id)
				c.id = undash(id);
			json_decref(bs);
		}
		free(p);
		/* the agent-server's meta.json has a title and dates */
		p = xasprintf("%s/meta.json", conv_dir);
		json_t *meta = load_json_file(p);
		if (meta) {
			const char *t = jstr(meta, "title");
			if (t && *t && !(c.title && *c.title)) {
				free(c.title);
				c.title = xstrdup(t);
			}
			if (jstr(meta, "created_at"))
				c.created_at = xstrdup(jstr(meta, "created_at"));
			if (jstr(meta, "updated_at"))
				c.updated_at = xstrdup(jstr(meta, "updated_at"));
			json_decref(meta);
		}
		free(p);
	} else {
		p = xasprintf("%s/metadata.json", conv_dir);
		json_t *md = load_json_file(p);
		c.version = API_V0;
		c.status = xstrdup("STOPPED");
		if (!md) {
			free(c.status);
			c.status = xstrdup("CORRUPT");
			c.title = xstrdup("(unreadable metadata.json)");
		} else {
			const char *t = jstr(md, "title");
			if (t && *t)
				c.title = xstrdup(t);
			const char *id = jstr(md, "conversation_id");
			if (!is_hex32(dname) && id)
				c.id = xstrdup(id);
			c.created_at = xstrdup(jstr(md, "created_at"));
			c.updated_at = xstrdup(jstr(md, "last_updated_at"));
			c.repository = xstrdup(jstr(md, "selected_repository"));
			c.branch = xstrdup(jstr(md, "selected_branch"));
			c.git_provider = xstrdup(jstr(md, "git_provider"));
			c.trigger = xstrdup(jstr(md, "trigger"));
			json_decref(md);
		}
		free(p);
	}
	if (!c.id)
		c.id = is_hex32(dname) ? undash(dname) : xstrdup(dname);
	fill_from_events(&c, fmt);
	if (!c.title)
		c.title = xstrdup("");
	if (!c.status)
		c.status = xstrdup("UNKNOWN");
	p = xasprintf("%s/%s", conv_dir, fmt == LOCAL_SDK ? "base_state.json" : "metadata.json");
	set_file_time(&c.created_at, p);
	set_file_time(&c.updated_at, p);
	free(p);
	c.created_s = time_parse_iso(c.created_at);
	c.updated_s = time_parse_iso(c.updated_at);
	*out = c;
	return 0;
}

/* ------------------------------------------------------------ scan */

struct scan_ent {
	char *dir;
	int64_t mtime;
};

struct local_scan {
	struct scan_ent *v;
	size_t count, cap, next;
};

static void
scan_add(struct local_scan *s, const char *dir)
{
	struct stat st;
	char *ev = xasprintf("%s/events", dir);
	int64_t mt = stat(ev, &st) == 0 ? (int64_t)st.st_mtime : stat(dir, &st) == 0 ? (int64_t)st.st_mtime : 0;

	free(ev);
	if (s->count == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 64;
		s->v = xrealloc(s->v, s->cap * sizeof(*s->v));
	}
	s->v[s->count++] = (struct scan_ent){xstrdup(dir), mt};
}

/* Every subdirectory of parent that holds a conversation. */
static void
scan_children(struct local_scan *s, const char *parent)
{
	DIR *d = opendir(parent);
	struct dirent *de;

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		char *p = xasprintf("%s/%s", parent, de->d_name);
		if (dir_format(p) != LOCAL_NONE)
			scan_add(s, p);
		free(p);
	}
	closedir(d);
}

static int
scan_cmp(const void *a, const void *b)
{
	const struct scan_ent *x = a, *y = b;

	if (x->mtime != y->mtime)
		return x->mtime > y->mtime ? -1 : 1;
	return strcmp(x->dir, y->dir);
}

struct local_scan *
local_scan_open(const char *dir, struct api_error *err)
{
	struct local_scan *s;
	size_t n = strlen(dir);

	while (n > 1 && dir[n - 1] == '/')
		n--;
	char *root = xstrndup(dir, n);
	if (!local_is_dir(root)) {
		api_error_set(err, API_ERR_NOT_FOUND, 0,
			      "no local conversations: %s is not a directory (pass --local DIR, or set "
			      "OPENHANDS_CONVERSATIONS_DIR)", root);
		free(root);
		return NULL;
	}
	s = xcalloc(1, sizeof(*s));
	if (dir_format(root) != LOCAL_NONE) {
		scan_add(s, root);	/* DIR is itself one conversation */
	} else {
		scan_children(s, root);
		char *p = xasprintf("%s/sessions", root);
		scan_children(s, p);
		free(p);
		if (strcmp(local_base_name(root), "conversations") == 0) {
			p = xasprintf("%s/../sessions", root);
			scan_children(s, p);
			free(p);
		}
	}
	if (s->count > 1)
		qsort(s->v, s->count, sizeof(*s->v), scan_cmp);
	free(root);
	return s;
}

size_t
local_scan_count(const struct local_scan *s)
{
	return s ? s->count : 0;
}

bool
local_scan_more(const struct local_scan *s)
{
	return s && s->next < s->count;
}

size_t
local_scan_next(struct local_scan *s, size_t max, struct api_conversation **rows, size_t *n,
		size_t *cap)
{
	size_t loaded = 0;

	while (s && s->next < s->count && loaded < max) {
		struct api_conversation c;
		if (local_conversation_load(s->v[s->next++].dir, &c) != 0)
			continue;
		/* the same conversation seen twice (a sessions/ copy): first one wins */
		bool dup = false;
		for (size_t i = 0; i < *n && !dup; i++)
			dup = strcmp((*rows)[i].id, c.id) == 0;
		if (dup) {
			api_conversation_free(&c);
			continue;
		}
		if (*n == *cap) {
			*cap = *cap ? *cap * 2 : 64;
			*rows = xrealloc(*rows, *cap * sizeof(**rows));
		}
		(*rows)[(*n)++] = c;
		loaded++;
	}
	return loaded;
}

void
local_scan_free(struct local_scan *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->count; i++)
		free(s->v[i].dir);
	free(s->v);
	free(s);
}

int
local_find(const char *dir, const char *id, struct api_conversation *out, struct api_error *err)
{
	struct local_scan *s = local_scan_open(dir, err);
	char *want = undash(id);
	int rc = -1;
	size_t matches = 0;

	memset(out, 0, sizeof(*out));
	if (!s) {
		free(want);
		return -1;
	}
	if (!want)
		want = xstrdup(id);
	/* Directory names first (cheap): the SDK names them by the hex id, V0 by the sid. */
	for (size_t i = 0; i < s->count; i++) {
		const char *b = local_base_name(s->v[i].dir);
		char *u = undash(b);
		bool hit = strcasecmp(u ? u : b, want) == 0;
		bool prefix = !hit && strlen(want) >= 6 && strncasecmp(u ? u : b, want, strlen(want)) == 0;
		free(u);
		if (hit || (prefix && ++matches)) {
			struct api_conversation c;
			if (local_conversation_load(s->v[i].dir, &c) != 0)
				continue;
			api_conversation_free(out);
			*out = c;
			rc = 0;
			if (hit) {
				matches = 1;
				break;
			}
		}
	}
	if (rc == 0 && matches > 1) {
		api_conversation_free(out);
		api_error_set(err, API_ERR_USAGE, 0, "\"%s\" matches %zu local conversations; give more of the id",
			      id, matches);
		rc = -1;
	}
	/* Then the ids inside the files (a directory renamed by hand). */
	for (size_t i = 0; rc != 0 && matches == 0 && i < s->count; i++) {
		struct api_conversation c;
		if (local_conversation_load(s->v[i].dir, &c) != 0)
			continue;
		if (strcasecmp(c.id, want) == 0) {
			*out = c;
			rc = 0;
		} else {
			api_conversation_free(&c);
		}
	}
	if (rc != 0 && matches == 0)
		api_error_set(err, API_ERR_NOT_FOUND, 0,
			      "no local conversation with id %s in %s; check the id (ohbrowse --local list)",
			      id, dir);
	free(want);
	local_scan_free(s);
	return rc;
}
