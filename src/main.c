/*
 * src/main.c: global options, the API key and server, then the subcommand
 * (list, files, download, events, export, login) or, with none, the full-screen browser.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "ohbrowse_config.h"
#include "api/client.h"
#include "src/app.h"
#include "src/cli.h"
#include "src/demo.h"
#include "src/keystore.h"
#include "src/settings.h"
#include "src/signals.h"
#include "src/base/util.h"

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: ohbrowse [options] [command [args]]\n"
		"\n"
		"Browse OpenHands conversations and download their workspace files.\n"
		"With no command, opens the full-screen browser.\n"
		"\n"
		"commands:\n"
		"  list [--json] [--limit N] [--filter TEXT]      list conversations, newest first\n"
		"  files ID [--json] [--changed] [--wake]         list a conversation's workspace files\n"
		"  download ID [--changed] [-o FILE] [--wake] [--progress=auto|bars|json|none] [PATH...]\n"
		"           [--events] [--no-server-archive] [--parallel N] [--zip-compat]\n"
		"                                                 save files into one ZIP archive\n"
		"  events ID [--json] [--kind KIND] [--wake]      a conversation's events, one row each\n"
		"  export ID --format json|md [-o FILE] [--wake]  the events as received (json) or a\n"
		"                                                 readable transcript (md)\n"
		"  export ID --format trajectory [-o FILE]        the server's own export ZIP (V1; works\n"
		"                                                 while the sandbox sleeps or was deleted)\n"
		"  whoami [--json]                                what the server says about the API key\n"
		"  backup [ID...] [-d DIR] [--dry-run] [--since DATE] [--filter TEXT] [--status S]\n"
		"         [--reaping-within DAYS] [--force] [--keep N] [--progress=auto|lines|json|none]\n"
		"                                                 every conversation into DIR, one ZIP each,\n"
		"                                                 closest to deletion first; incremental\n"
		"  login                                          store an API key (0600)\n"
		"\n"
		"options:\n"
		"  --server URL         OpenHands server (default $OPENHANDS_URL or https://app.all-hands.dev)\n"
		"  --api-key-file FILE  read the API key from FILE (mode 0600)\n"
		"  --auth MODE          bearer (Cloud, default), session (self-hosted SESSION_API_KEY), none\n"
		"  --allow-http         allow keys over plain http to non-loopback hosts\n"
		"  --org ID             act in this organization (X-Org-Id; default $OPENHANDS_ORG_ID)\n"
		"  --cacert FILE, --capath DIR  trust this CA (a private server); default $CURL_CA_BUNDLE,\n"
		"                       $SSL_CERT_FILE, $SSL_CERT_DIR, then the system's\n"
		"  --keep-awake         leave a sandbox ohbrowse woke running (default: pause it again)\n"
		"  --retention-days N   paused sandboxes are deleted N days after their last update\n"
		"                       (default 14, as on OpenHands Cloud)\n"
		"  --workspace-root DIR workspace root in the sandbox (default /workspace/project)\n"
		"  --rate N             requests per second to app servers and V0 runtimes (default 10)\n"
		"  --connections N      concurrent connections per host (default 6; 16 for V1 agent-servers)\n"
		"  --retries N          attempts per request (default 4)\n"
		"  --demo               start the bundled demo server and browse it (no account needed)\n"
		"  --local [DIR]        conversations saved on this machine instead of the server (DIR\n"
		"                       default $OPENHANDS_CONVERSATIONS_DIR, $OPENHANDS_PERSISTENCE_DIR/\n"
		"                       conversations or ~/.openhands/conversations)\n"
		"  --color WHEN         auto (default; NO_COLOR turns colour off), always, never\n"
		"  --mouse              enable the mouse in the browser\n"
		"  --config FILE        browser key bindings and colours (default\n"
		"                       $XDG_CONFIG_HOME/ohbrowse/config; see ohbrowse.conf(5))\n"
		"  --dump-actions       print the browser's actions and their keys\n"
		"  --archive-wait S     wait up to S seconds for the agent-server's workspace archive\n"
		"                       to start (it packs it first); default 900, then file by file\n"
		"  --verbose            log requests to stderr (never keys)\n"
		"  --log FILE           log requests to FILE\n"
		"  --version, --help\n"
		"\n"
		"Exit codes: 0 ok, 2 usage, 3 authentication, 4 not found, 5 network or server,\n"
		"6 partial result, 130 interrupted. See ohbrowse(1).\n");
}

/* CI may start us with fds 0-2 closed; a spool file must never land on them. */
static void
keep_std_fds_open(void)
{
	for (int fd = 0; fd < 3; fd++) {
		if (fcntl(fd, F_GETFD) < 0 && errno == EBADF) {
			int n = open("/dev/null", fd == 0 ? O_RDONLY : O_WRONLY);
			if (n >= 0 && n != fd) {
				dup2(n, fd);
				close(n);
			}
		}
	}
}

static bool
is_command(const char *s)
{
	static const char *const cmds[] = {"list", "files", "download", "events", "export", "backup", "login", "whoami",
					   "help"};

	for (size_t i = 0; i < ARRAY_SIZE(cmds); i++)
		if (strcmp(s, cmds[i]) == 0)
			return true;
	return false;
}

static long
parse_num(const char *opt, const char *s, long lo, long hi)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v < lo || v > hi) {
		fprintf(stderr, "ohbrowse: %s needs a number from %ld to %ld\n", opt, lo, hi);
		exit(EXIT_USAGE);
	}
	return v;
}

/* What the command line and the environment say, before the config file and the key. */
struct main_opts {
	struct api_client_config cfg;
	struct http_config hc;
	struct app_options ao;
	const char *key_file, *auth, *log_path;
	bool demo, local;
	long rate, conns;
};

/* getopt over argv into *mo. Returns -1 to go on, else the exit code (--help, --version,
 * a bad option). */
static int
main_parse(int argc, char **argv, struct main_opts *mo)
{
	static const struct option opts[] = {
		{"server", required_argument, NULL, 's'},
		{"api-key-file", required_argument, NULL, 'k'},
		{"auth", required_argument, NULL, 'a'},
		{"allow-http", no_argument, NULL, 'H'},
		{"org", required_argument, NULL, 'g'},
		{"cacert", required_argument, NULL, 'E'},
		{"capath", required_argument, NULL, 'G'},
		{"keep-awake", no_argument, NULL, 'K'},
		{"retention-days", required_argument, NULL, 'T'},
		{"workspace-root", required_argument, NULL, 'W'},
		{"rate", required_argument, NULL, 'r'},
		{"connections", required_argument, NULL, 'C'},
		{"retries", required_argument, NULL, 'R'},
		{"archive-wait", required_argument, NULL, 'w'},
		{"demo", no_argument, NULL, 'D'},
		{"local", optional_argument, NULL, 'O'},
		{"verbose", no_argument, NULL, 'v'},
		{"log", required_argument, NULL, 'L'},
		{"color", required_argument, NULL, 'c'},
		{"mouse", no_argument, NULL, 'm'},
		{"config", required_argument, NULL, 'F'},
		{"dump-actions", no_argument, NULL, 'A'},
		{"version", no_argument, NULL, 'V'},
		{"help", no_argument, NULL, 'h'},
		{0, 0, 0, 0},
	};
	struct api_client_config *cfg = &mo->cfg;
	struct http_config *hc = &mo->hc;
	struct app_options *ao = &mo->ao;
	int ch;

	while ((ch = getopt_long(argc, argv, "+vhV", opts, NULL)) != -1) {
		switch (ch) {
		case 's': cfg->server = optarg; break;
		case 'k': mo->key_file = optarg; break;
		case 'a': mo->auth = optarg; break;
		case 'H': cfg->allow_http = true; break;
		case 'g': cfg->org_id = optarg; break;
		case 'E': hc->cacert = optarg; break;
		case 'G': hc->capath = optarg; break;
		case 'K': cli_set_keep_awake(true); ao->keep_awake = true; break;
		case 'T': cfg->retention_days = (int)parse_num("--retention-days", optarg, 1, 3650); break;
		case 'W': cfg->workspace_root = optarg; break;
		case 'r': mo->rate = parse_num("--rate", optarg, 1, 1000); break;
		case 'C': mo->conns = parse_num("--connections", optarg, 1, 64); break;
		case 'R': hc->max_attempts = (int)parse_num("--retries", optarg, 1, 20); break;
		case 'w': cfg->archive_first_byte_ms = parse_num("--archive-wait", optarg, 1, 86400) * 1000; break;
		case 'D': mo->demo = true; break;
		case 'O':
			/* "--local DIR" as well as "--local=DIR": a following word that is not a
			 * command is the directory */
			mo->local = true;
			if (optarg)
				cfg->local_dir = optarg;
			else if (optind < argc && argv[optind][0] != '-' && !is_command(argv[optind]))
				cfg->local_dir = argv[optind++];
			break;
		case 'v': hc->verbose = true; if (hc->log_fd < 0) hc->log_fd = 2; break;
		case 'L': mo->log_path = optarg; break;
		case 'c':
			if (strcmp(optarg, "auto") == 0)
				ao->color = APP_COLOR_AUTO;
			else if (strcmp(optarg, "always") == 0)
				ao->color = APP_COLOR_ALWAYS;
			else if (strcmp(optarg, "never") == 0)
				ao->color = APP_COLOR_NEVER;
			else {
				fprintf(stderr, "ohbrowse: --color is auto, always or never\n");
				return EXIT_USAGE;
			}
			break;
		case 'm': ao->mouse = true; break;
		case 'F': ao->config = optarg; break;
		case 'A': app_dump_actions(stdout); return EXIT_OK;
		case 'V': printf("ohbrowse %s\n", OHBROWSE_VERSION); return EXIT_OK;
		case 'h': usage(stdout); return EXIT_OK;
		default: usage(stderr); return EXIT_USAGE;
		}
	}
	return -1;
}

/* The options that need checking or combine (auth, rate and connections, the log) turned
 * into the client's and the engine's settings. Returns -1 to go on, else the exit code. */
static int
main_settle(struct main_opts *mo)
{
	struct api_client_config *cfg = &mo->cfg;

	if (mo->auth) {
		if (strcmp(mo->auth, "bearer") == 0)
			cfg->auth = API_AUTH_BEARER;
		else if (strcmp(mo->auth, "session") == 0)
			cfg->auth = API_AUTH_SESSION;
		else if (strcmp(mo->auth, "none") == 0)
			cfg->auth = API_AUTH_NONE;
		else {
			fprintf(stderr, "ohbrowse: --auth is bearer, session or none\n");
			return EXIT_USAGE;
		}
	}
	if (mo->rate > 0) {
		cfg->app_limit.rps = cfg->runtime_limit.rps = (double)mo->rate;
		cfg->app_limit.max_conns = cfg->runtime_limit.max_conns = mo->conns > 0 ? (int)mo->conns : 6;
	}
	if (cfg->app_limit.max_conns)
		cfg->app_limit.per_minute = 100;	/* Cloud's minute budget stays (2026 §1.1) */
	if (mo->conns > 0) {
		if (mo->rate <= 0) {
			cfg->app_limit = cfg->runtime_limit = (struct http_limit){10, (int)mo->conns, 0};
		}
		cfg->agent_limit = (struct http_limit){0, (int)mo->conns, 0};
	}
	if (mo->log_path) {
		mo->hc.log_fd = open(mo->log_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
		if (mo->hc.log_fd < 0) {
			fprintf(stderr, "ohbrowse: cannot open the log %s: %s\n", mo->log_path, strerror(errno));
			return EXIT_USAGE;
		}
		mo->hc.verbose = true;
	}
	return -1;
}

/* The browser (no command), then the offer to pause what it woke. */
static int
main_browse(struct api_client *c, struct main_opts *mo, const struct settings *st, bool have_key)
{
	/* the server for the title bar; the browser shows the local directory itself while it
	 * lists local conversations (L) */
	struct app_woken woken = {0};
	int rc;

	mo->ao.server_label = mo->cfg.server;
	mo->ao.demo = mo->demo;
	mo->ao.ask_key = !have_key && !mo->demo ? &mo->cfg : NULL;
	mo->ao.backup_dir = st->backup_dir;
	mo->ao.woken = &woken;
	rc = app_run(c, &mo->ao);
	cli_offer_pause(c, woken.items, woken.count);
	for (size_t i = 0; i < woken.count; i++)
		api_conversation_free(&woken.items[i]);
	free(woken.items);
	return rc;
}

/* One command (or the browser) with a client; the client is freed here. */
static int
main_command(struct http *h, struct main_opts *mo, const struct settings *st, const char *cmd,
	     bool have_key, int argc, char **argv)
{
	struct api_error err = {0};
	struct api_client *c = api_client_new(h, &mo->cfg, &err);
	int rc;

	if (!c) {
		fprintf(stderr, "ohbrowse: %s\n", err.message);
		return api_error_exit_code(err.kind);
	}
	if (!cmd)
		rc = main_browse(c, mo, st, have_key);
	else if (strcmp(cmd, "list") == 0)
		rc = cli_list(c, argc, argv);
	else if (strcmp(cmd, "files") == 0)
		rc = cli_files(c, argc, argv);
	else if (strcmp(cmd, "events") == 0)
		rc = cli_events(c, argc, argv);
	else if (strcmp(cmd, "export") == 0)
		rc = cli_export(c, argc, argv);
	else if (strcmp(cmd, "backup") == 0)
		rc = cli_backup(c, st->backup_dir, argc, argv);
	else if (strcmp(cmd, "whoami") == 0)
		rc = cli_whoami(c, argc, argv);
	else
		rc = cli_download(c, argc, argv);
	cli_release_woken(c);	/* pause again what a command woke */
	api_client_free(c);
	return rc;
}

int
main(int argc, char **argv)
{
	struct main_opts mo = {.hc = {.log_fd = -1}, .ao = {.color = APP_COLOR_AUTO}, .rate = -1, .conns = -1};
	struct api_client_config *cfg = &mo.cfg;
	int rc;

	keep_std_fds_open();
	/* No core dumps: one would hold the account key and session keys in clear. Debugging
	 * with cores: OHBROWSE_ALLOW_CORE=1. */
	if (!getenv("OHBROWSE_ALLOW_CORE") || strcmp(getenv("OHBROWSE_ALLOW_CORE"), "1") != 0)
		prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	setlocale(LC_ALL, "");
	cfg->server = getenv("OPENHANDS_URL");
	cfg->org_id = getenv("OPENHANDS_ORG_ID");
	if ((rc = main_parse(argc, argv, &mo)) >= 0)
		return rc;
	/* the config file's settings: below the options and the environment */
	struct settings st;
	char *cfg_path = settings_config_path(mo.ao.config);
	settings_load(cfg_path, &st);
	free(cfg_path);
	if (!cfg->org_id && st.org)
		cfg->org_id = st.org;
	if (!cfg->retention_days && st.retention_days)
		cfg->retention_days = st.retention_days;
	/* test hook: downloads' stall detection (seconds below 1 byte/s), 60 by default */
	if (getenv("OHBROWSE_STALL_S"))
		mo.hc.stall_seconds = parse_num("OHBROWSE_STALL_S", getenv("OHBROWSE_STALL_S"), 1, 3600);
	if (cfg->workspace_root && cfg->workspace_root[0] != '/') {
		fprintf(stderr, "ohbrowse: --workspace-root must be an absolute path (it is a directory on the "
			"agent-server, such as /workspace/project)\n");
		settings_free(&st);
		return EXIT_USAGE;
	}
	const char *cmd = optind < argc ? argv[optind] : NULL;
	if (cmd && !is_command(cmd)) {
		fprintf(stderr, "ohbrowse: unknown command '%s'\nTry 'ohbrowse --help'.\n", cmd);
		settings_free(&st);
		return EXIT_USAGE;
	}
	if (cmd && strcmp(cmd, "help") == 0) {
		usage(stdout);
		settings_free(&st);
		return EXIT_OK;
	}
	if ((rc = main_settle(&mo)) >= 0) {
		settings_free(&st);
		return rc;
	}

	struct demo dm = {.pid = 0, .stdin_fd = -1};
	char msg[512];
	char *key = NULL;
	const char *key_source = NULL;
	bool login = cmd && strcmp(cmd, "login") == 0;
	if (mo.demo) {
		if (demo_start(&dm, argv[0], msg, sizeof(msg)) != 0) {
			fprintf(stderr, "ohbrowse: %s\n", msg);
			settings_free(&st);
			return EXIT_NETWORK;
		}
		cfg->server = dm.app_url;
		cfg->auth = API_AUTH_NONE;
	} else {
		if (!cfg->server || !*cfg->server)
			cfg->server = "https://app.all-hands.dev";
		int krc = login ? 1 : keystore_lookup(mo.key_file, cfg->server, &key, &key_source, msg, sizeof(msg));
		if (krc < 0 && !mo.local) {
			fprintf(stderr, "ohbrowse: %s\n", msg);
			settings_free(&st);
			return EXIT_AUTH;
		}
		if (!key && !mo.auth && !login)
			cfg->auth = API_AUTH_NONE;
		cfg->api_key = key;
	}
	if (mo.local)
		cfg->source = API_SOURCE_LOCAL;

	http_global_init();
	/* for the whole run; the browser nests its own. A failed pipe leaves the
	 * handlers out: the browser then refuses to start, a command just runs. */
	(void)signals_init(NULL);
	struct http *h = http_new(&mo.hc);
	if (login)
		rc = cli_login(h, cfg, argc - optind, argv + optind);
	else
		rc = main_command(h, &mo, &st, cmd, key != NULL, argc - optind, argv + optind);
	if (rc == EXIT_AUTH && !key && !mo.demo && !mo.local)
		fprintf(stderr, "ohbrowse: no API key was found; run 'ohbrowse login' or set OPENHANDS_API_KEY\n");
	http_free(h);
	http_global_cleanup();
	if (key) {
		explicit_bzero(key, strlen(key));
		free(key);
	}
	if (mo.demo)
		demo_stop(&dm);
	if (mo.hc.log_fd > 2)
		close(mo.hc.log_fd);
	(void)key_source;
	settings_free(&st);
	signals_end();	/* the handlers we found go back before exit */
	return rc;
}
