/*
 * tests/tui/tui_driver.c: a test-only launcher for app_run(), used until
 * src/main.c starts the browser itself. It takes --server URL [--api-key KEY]
 * [--demo-label] and runs the same app_run() the real binary will.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api/client.h"
#include "api/http.h"
#include "src/app.h"

int
main(int argc, char **argv)
{
	const char *server = NULL, *key = NULL;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--server") == 0 && i + 1 < argc)
			server = argv[++i];
		else if (strcmp(argv[i], "--api-key") == 0 && i + 1 < argc)
			key = argv[++i];
	}
	if (!server) {
		fprintf(stderr, "usage: tui_driver --server URL [--api-key KEY]\n");
		return 2;
	}
	http_global_init();
	struct http *h = http_new(NULL);
	struct api_client_config cfg;
	memset(&cfg, 0, sizeof(cfg));
	cfg.server = server;
	cfg.api_key = key;
	cfg.auth = key ? API_AUTH_BEARER : API_AUTH_NONE;
	struct api_error err;
	memset(&err, 0, sizeof(err));
	struct api_client *c = api_client_new(h, &cfg, &err);
	if (!c) {
		fprintf(stderr, "tui_driver: %s\n", err.message);
		return 2;
	}
	struct app_options o;
	memset(&o, 0, sizeof(o));
	o.server_label = server;
	o.color = APP_COLOR_AUTO;
	int rc = app_run(c, &o);
	api_client_free(c);
	http_free(h);
	http_global_cleanup();
	return rc;
}
