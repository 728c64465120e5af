/*
 * tests/fakehands/fh.h: internal model shared by the fake server's modules.
 *
 * Owns: the in-memory scenario (conversations, workspaces, faults), the per-server
 * state (one MHD daemon each), the request/reply structs every route handler fills,
 * and the prototypes of the modules:
 *   scenario.c  JSON scenario -> model          workspace.c files, listing, content
 *   http.c      MHD glue, faults, log, limiter  app.c      app server routes
 *   runtime.c   V0 nested runtime routes        agent.c    V1 agent-server routes
 *   archive.c   streamed zip / tar.gz bodies
 */
#ifndef OHBROWSE_FAKEHANDS_FH_H
#define OHBROWSE_FAKEHANDS_FH_H

#include <jansson.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#include "src/base/util.h"

struct MHD_Daemon;
struct MHD_Connection;

enum fh_status { ST_RUNNING, ST_STOPPED, ST_STARTING, ST_ARCHIVED, ST_ERROR };
enum fh_kind { SRV_APP, SRV_RUNTIME, SRV_AGENT };
enum fh_auth { AUTH_NONE, AUTH_BEARER, AUTH_SESSION };
/* Which app server this is: the 2025 one (V0 and V1 side by side, events at
 * /api/v1/events/search) or Cloud as it is after V0's removal (openhands-api-2026.md §1). */
enum fh_gen { GEN_2025, GEN_CLOUD_2026 };
enum { DL_QUERY = 1, DL_PATH = 2 };
/* zip-directory style: Python's zipfile (sizes in the local headers) or libarchive's
 * data descriptors; a conversation's INHERIT takes its workspace's */
enum fh_zip_style { ZIP_INHERIT, ZIP_PYTHON, ZIP_DESCRIPTOR };

/* One workspace entry. Content is either held (small files) or generated on the
 * fly from (size, seed) so that a 1 GiB file never exists in memory. */
struct fh_node {
	char *path;		/* relative to the root, raw bytes, no trailing '/' */
	size_t path_len;
	bool is_dir;
	unsigned mode;		/* permission bits; default 0644 (files), 0755 (directories) */
	char *link;		/* a symbolic link: its target ("link" in the scenario); no content */
	uint64_t bomb;		/* a lying server: the tar.gz holds this many zero bytes for the
				 * file, whatever the listing says ("archive_size"; issue 13) */
	bool archive_skip;	/* the 2026 tar.gz leaves it out, as the real one skips a file that
				 * vanished or cannot be read while it packs (2.2; "archive_skip") */
	char *hardlink;		/* a second name of an earlier file ("hardlink": its root-relative
				 * path; give the same content): Python's tarfile writes it as a
				 * LNKTYPE member naming that file */
	int64_t mtime;
	bool generated;
	unsigned char *data;	/* !generated */
	size_t len;
	uint64_t size;		/* generated */
	uint64_t seed;
	bool gen_text;
	uint32_t crc;		/* generated: cached by archive.c (its lock) */
	bool crc_known;
};

struct fh_change {
	char status[2];
	char *path;
	char *original;
};

struct fh_workspace {
	char *name;
	char *root;		/* absolute, no trailing '/' */
	bool git;
	struct fh_node *nodes;	/* sorted by path bytes; implied parent dirs added */
	size_t n_nodes;
	struct fh_change *changes;
	size_t n_changes;
	char **ignore;		/* lines of the root .gitignore */
	size_t n_ignore;
	enum fh_zip_style zip_style;	/* INHERIT = PYTHON */
	/* Directories that are git repositories (root-relative, "" = the root itself), sorted;
	 * given as "repos" in the scenario, each gets a .git directory with a HEAD. Without it a
	 * "git": true workspace is one repository at the root. A change belongs to the repository
	 * with the longest prefix of its path. */
	char **repos;
	size_t n_repos;
};

struct fh_srv;

struct fh_conv {
	char id[33];
	char *title;
	bool v1;
	enum fh_status status;	/* guarded by fh->lock; read through conv_status() */
	int64_t wake_at_ms;	/* STARTING until this monotonic time (0 = never) */
	int64_t created_us, updated_us;
	char *repository, *branch, *git_provider, *trigger;
	struct fh_workspace *ws;
	char *session_key;
	char *sandbox_id;
	char *execution_status;
	int wake_delay_ms;
	int ready_delay_ms;	/* the agent's /ready answers 503 this long after RUNNING (2026 §2.1) */
	int64_t ready_at_ms;	/* monotonic time /ready turns 200 (0 = always ready) */
	unsigned key_gen;	/* resumes so far: Cloud mints a new session key on each (2026 §1.5) */
	json_t *events;		/* array */
	int download_api;	/* DL_* bits */
	bool archive;
	bool has_runtime;
	enum fh_zip_style zip_style;
	/* Agent-server generation: 2025 = the older behaviour this fake always had (changes as
	 * given, archives of the directory asked for); 2026 = software-agent-sdk v1.43 as
	 * openhands-api-2026.md section 7 observed it (R1-R11). */
	int generation;
	long archive_delay_ms;	/* 2026: extra silence before an archive's first byte */
	double archive_rate;	/* 2026: bytes/s the archive is built at (R10: about 23 MB/s) */
	struct fh_srv *srv;
};

struct fh_fault {
	int server;		/* bitmask of 1<<fh_kind, all bits for "*" */
	char *route;		/* NULL = any */
	char *conv;		/* NULL = any */
	long nth, count;	/* nth 0 = every request */
	long seen;		/* matching requests so far (fh->lock) */
	int status;
	int retry_after;
	char *body, *content_type;
	long latency_ms;
	long long reset_after, hold_after;
	long hold_ms;
	bool malformed, truncate_json, html, chunked;
	uint64_t bandwidth;
};

struct bash_cmd {
	char *id;
	char *command;
	char *cwd;
	char *timestamp;
	char *stdout_text;
	size_t stdout_len;
	char *stderr_text;
	int exit_code;
};

struct fh_srv {
	struct fakehands *fh;
	enum fh_kind kind;
	struct fh_conv *conv;
	struct MHD_Daemon *d;
	uint16_t port;
	char name[64];		/* "app", "runtime:<id>", "agent:<id>" */
	char host[32];		/* "127.0.0.1:PORT" */
	/* V0 runtime limiter: request times (ms) in the last second, per client address */
	struct limiter_entry { char addr[64]; int64_t *t; size_t n, cap; } *lim;
	size_t n_lim;
	/* Cloud app limiter (fixed windows) */
	int64_t win_s, win_m;
	int cnt_s, cnt_m;
	struct bash_cmd *cmds;
	size_t n_cmds;
};

struct fakehands {
	enum fh_auth auth;
	char *api_key;
	bool v0, v1;
	enum fh_gen gen;
	char *org_id;		/* the user's current org (cloud-2026: /api/keys/current, X-Org-Id) */
	char *bound_org_id;	/* the key's bound org, NULL = an unbound key */
	json_t *orgs;		/* org ids the user is a member of (array of strings) */
	bool key_cookie;	/* /api/keys/current answers 400: not authenticated by an API key */
	int max_running;	/* cloud-2026 resume pauses the oldest beyond this (2026 §3.4) */
	int64_t max_age_s;
	bool app_rate_limit;
	int64_t now_s;		/* wall "now" for the age filter */
	bool runtime_rate_limit;
	uint64_t bandwidth;
	struct fh_conv *convs;	/* sorted created_at desc */
	size_t n_convs;
	struct fh_workspace *wss;
	size_t n_wss;
	struct fh_fault *faults;
	size_t n_faults;
	struct fh_srv app;
	FILE *log;
	pthread_mutex_t lock;
	int64_t t0_ms;
	volatile int stopping;
	unsigned long seq;	/* for generated ids */
};

/* ---- request / reply ---- */

struct qparam {
	char *key, *val;
	size_t val_len;
};

struct fh_req {
	struct fh_srv *srv;
	struct MHD_Connection *conn;
	char *raw_uri;
	char *raw_path;		/* before '?' */
	char *raw_query;	/* after '?', "" if none */
	char *path;		/* percent-decoded */
	size_t path_len;
	const char *method;
	struct qparam *q;
	size_t nq;
	struct strbuf body;
	bool started;
	const char *route;	/* route name for faults, set by the handler */
	int fd;
};

enum body_kind { BODY_NONE, BODY_MEM, BODY_NODE, BODY_CODE_GEN, BODY_ARCHIVE };

struct arch_stream;

struct fh_reply {
	unsigned status;
	const char *ctype;
	char *hdr_name[6], *hdr_val[6];
	int nhdr;
	bool json_headers;	/* add the recorded cache headers + Server: uvicorn */
	bool chunked;		/* a streamed answer without Content-Length (StreamingResponse) */
	enum body_kind kind;
	char *mem;
	size_t len;
	const struct fh_node *node;	/* BODY_NODE, BODY_CODE_GEN */
	struct arch_stream *arch;
	uint64_t size;		/* UINT64_MAX = unknown (chunked) */
};

/* http.c */
int srv_start(struct fakehands *fh, struct fh_srv *s, enum fh_kind kind, struct fh_conv *c,
	      char *err, size_t errlen);
void srv_stop(struct fh_srv *s);
const char *q_get(const struct fh_req *r, const char *key);
const struct qparam *q_getp(const struct fh_req *r, const char *key);
void reply_json(struct fh_reply *rp, unsigned status, json_t *j);	/* steals j */
void reply_text(struct fh_reply *rp, unsigned status, const char *ctype, const char *text);
void reply_raw(struct fh_reply *rp, unsigned status, const char *ctype, char *mem, size_t len);
void reply_header(struct fh_reply *rp, const char *name, const char *val);
void reply_html(struct fh_reply *rp);
void reply_detail(struct fh_reply *rp, unsigned status, const char *detail);
void reply_error(struct fh_reply *rp, unsigned status, const char *error);
const char *req_header(const struct fh_req *r, const char *name);
bool fh_sleep_ms(struct fakehands *fh, long ms);	/* false when the server is stopping */
json_t *jstr(const char *s, size_t n);			/* UTF-8 safe json string */
json_t *jstr0(const char *s);				/* NULL -> json null */
char *fmt_time_us(int64_t us);				/* "2025-11-24T23:40:12.489661Z" */
int64_t parse_time_us(const char *s, int64_t now_s, bool *ok);
uint64_t mix64(uint64_t x);

/* app.c, runtime.c, agent.c: *_route classifies (method, path) into a route name
 * for faults and the log without side effects; *_handle then fills rp. */
const char *app_route(struct fh_req *r);
const char *runtime_route(struct fh_req *r);
const char *agent_route(struct fh_req *r);
void app_handle(struct fh_req *r, struct fh_reply *rp);
void runtime_handle(struct fh_req *r, struct fh_reply *rp);
void agent_handle(struct fh_req *r, struct fh_reply *rp);
enum fh_status conv_status(struct fakehands *fh, struct fh_conv *c);	/* lock held */
const char *status_name(enum fh_status s);
const char *sandbox_status_name(enum fh_status s);
void conv_url(const struct fh_conv *c, char *buf, size_t n);
void bash_cmd_free(struct bash_cmd *b);
void events_search(struct fh_req *r, struct fh_reply *rp, struct fh_conv *c);
extern struct fh_workspace fh_empty_ws;		/* for conversations without a workspace */
/* Children of a root-relative directory, directories first with a trailing '/', each
 * group sorted case-insensitively (the action execution server's list_files order). */
char **ws_list(const struct fh_workspace *ws, const char *rel, size_t *n);
/* {"modified","original"} for a root-relative path (git/diff on both servers). */
json_t *ws_diff(const struct fh_workspace *ws, const char *rel);
/* Content-Disposition value for a download name (Starlette's quoting rules). */
char *content_disposition(const char *name);

/* scenario.c */
int scenario_load(struct fakehands *fh, const char *text, size_t len, char *err, size_t errlen);
void scenario_free(struct fakehands *fh);

/* workspace.c */
void ws_finish(struct fh_workspace *ws);	/* sort, add implied dirs */
const struct fh_node *ws_find(const struct fh_workspace *ws, const char *rel, size_t len);
/* Map a client path (absolute, or relative to the root) to a root-relative one.
 * Returns false when an absolute path is outside the root. "" = the root itself. */
bool ws_rel(const struct fh_workspace *ws, const char *p, size_t plen, struct strbuf *out);
bool ws_is_dir(const struct fh_workspace *ws, const char *rel, size_t len);
uint64_t node_size(const struct fh_node *n);
size_t node_read(const struct fh_node *n, uint64_t pos, void *buf, size_t max);
bool node_is_binary(const struct fh_node *n);
bool node_is_utf8(const struct fh_node *n);
bool ws_ignored(const struct fh_workspace *ws, const char *entry);
/* Follow a link node (R9: anywhere, links to links too): the node it ends at, or NULL with
 * *outside set when the target leaves the workspace, or neither when it dangles. */
const struct fh_node *ws_follow(const struct fh_workspace *ws, const struct fh_node *n, bool *outside);
/* The repository a root-relative path belongs to (longest repos[] prefix), or NULL. */
const char *ws_repo_of(const struct fh_workspace *ws, const char *rel);
bool ws_is_repo(const struct fh_workspace *ws, const char *rel);
uint64_t code_gen_size(const struct fh_node *n);	/* {"code":"..."} length of a generated text file */
size_t code_gen_read(const struct fh_node *n, uint64_t pos, char *buf, size_t max);

/* archive.c */
/* zip-directory: *size is exact for the Python style; the descriptor style gets an exact
 * size by a dry run up to 256 MiB of data, else UINT64_MAX (chunked). */
struct arch_stream *arch_zip(const struct fh_workspace *ws, bool descriptor, uint64_t *size);
struct arch_stream *arch_targz(const struct fh_workspace *ws, const char *rel_dir, bool excludes);
/* The 2026 agent-server's tar.gz of root-relative rel_root (2.2, R9-R11): exact *size
 * (Content-Length), Unix modes, exact credential rule, the real manifest unless the user has
 * one; *input_bytes is the file data packed (for the R10 build time). */
struct arch_stream *arch_targz_2026(const struct fh_workspace *ws, const char *rel_root, bool excludes,
				    const char *exclude,
				    uint64_t *size, uint64_t *input_bytes);
ssize_t arch_read(struct arch_stream *a, char *buf, size_t max);	/* 0 at end, -1 on error */
void arch_free(struct arch_stream *a);
/* The app server's conversation export (2026 §1.7): meta.json and one
 * event_<i>_<id>.json per event, stored, in memory. */
char *arch_export_zip(json_t *meta, json_t *events, size_t *len);
uint32_t fh_crc32(uint32_t crc, const void *data, size_t len);	/* running: start with 0 */
/* Zip64 threshold of the Python-style ZIP (zipfile.ZIP64_LIMIT = 2^31 - 1); tests lower it. */
extern uint64_t fh_zip64_limit;

#endif
