/*
 * src/cli.h: the scriptable twin of the browser: `ohbrowse list|files|download|events|export|login`.
 *
 * Owns: command-line output (tables for people, --json for scripts, progress
 * bars on stderr when it is a terminal) and the exit codes documented in
 * docs/ohbrowse.1: 0 success, 2 usage, 3 authentication, 4 not found,
 * 5 network or server, 6 partial result, 130 interrupted.
 * Each command runs the same engine as the TUI, in a small loop of its own
 * whose only blocking call is http_wait().
 */
#ifndef OHBROWSE_SRC_CLI_H
#define OHBROWSE_SRC_CLI_H

#include <stdbool.h>

#include "api/client.h"

enum {
	EXIT_OK = 0,
	EXIT_USAGE = 2,
	EXIT_AUTH = 3,
	EXIT_NOT_FOUND = 4,
	EXIT_NETWORK = 5,
	EXIT_PARTIAL = 6,
	EXIT_INTERRUPTED = 130,
};

int cli_list(struct api_client *c, int argc, char **argv);
int cli_files(struct api_client *c, int argc, char **argv);
int cli_download(struct api_client *c, int argc, char **argv);
/* src/cli_events.c: a conversation's events as rows, and its export (json as received, md). */
int cli_events(struct api_client *c, int argc, char **argv);
int cli_export(struct api_client *c, int argc, char **argv);
/* src/cli_backup.c: every conversation into DIR, one archive each (src/backup.h);
 * configured_dir: the config file's "set backup-dir", or NULL. */
int cli_backup(struct api_client *c, const char *configured_dir, int argc, char **argv);
/* src/cli_wake.c: a command's conversation and its sandbox. */
/* Pause one V1 sandbox now, waiting at most 15 s; says what happened on stderr. */
void cli_pause_now(struct api_client *c, const struct api_conversation *conv);
/* whoami: GET /api/keys/current, as a table or --json. */
int cli_whoami(struct api_client *c, int argc, char **argv);
/* A sandbox a command woke is paused again after the command unless keep_awake. */
void cli_set_keep_awake(bool keep);
void cli_release_woken(struct api_client *c);
/* After the browser: ask (on a terminal; elsewhere just do it) whether to pause the
 * sandboxes it woke, and pause them. */
void cli_offer_pause(struct api_client *c, const struct api_conversation *convs, size_t n);
/* src/cli_login.c: login validates against the server given in cfg (the client is built inside). */
int cli_login(struct http *h, const struct api_client_config *cfg, int argc, char **argv);

/* Shared by the commands (cli*.c). */
/* One loop turn: pump the export (if any), wait for something to happen, run completions. */
struct export_job;
void cli_turn(struct http *h, struct export_job *job);
/* Run the loop until *done; on a signal first the op is cancelled, "interrupted" said and
 * EXIT_INTERRUPTED returned. */
int cli_wait(struct api_client *c, struct api_op *op, const bool *done);
/* Print the error as one sentence on stderr; returns its exit code. */
int cli_report(const struct api_error *e);
/* A usage error for a command; returns EXIT_USAGE. */
int cli_usage(const char *cmd, const char *msg);
/* (cli_wake.c) Fetch a conversation by id. Its files need a running sandbox: with wake it is started,
 * else that is an error. for_events: only a V0 conversation needs its runtime, and only
 * when wake was asked. 0 with *out filled (caller frees), else the exit code. */
int cli_resolve(struct api_client *c, const char *id, bool wake, bool for_events,
		struct api_conversation *out);

#endif
