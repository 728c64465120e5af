/*
 * src/keystore.h: where the account API key comes from, and where login stores it.
 *
 * Keys are stored per server, so a key stored for one server is never sent to
 * another (issue 14, item 15). Lookup order, first found wins: --api-key-file
 * FILE, $OPENHANDS_API_KEY (both the user's explicit choice, for whatever
 * server), then the stored key of that server only: for OpenHands Cloud
 * (https://app.all-hands.dev) ~/.config/openhands/api_token (the seed tool's
 * file) and ~/.openhands/cloud/api_key.txt (the OpenHands CLI's), both Cloud
 * keys; for any other server ~/.config/ohbrowse/keys/<server> (the URL with
 * "://" and every character but letters, digits, '.' and '-' turned into '_':
 * http_localhost_3000). A key file that group or others can read is refused,
 * with the chmod that fixes it. Keys are never printed; messages name the
 * file, not its content.
 */
#ifndef OHBROWSE_SRC_KEYSTORE_H
#define OHBROWSE_SRC_KEYSTORE_H

#include <stddef.h>

#include <stdbool.h>

/* 0: *key (caller frees) and *source set (static, or "~/..." kept until exit); 1: no key
 * for server anywhere; -1: error in err. server: the app server's URL. */
int keystore_lookup(const char *key_file, const char *server, char **key, const char **source, char *err,
		    size_t errlen);
/* Store key 0600 as server's key (atomically). 0 ok (*stored_path set, caller frees). */
int keystore_store(const char *key, const char *server, char **stored_path, char *err, size_t errlen);
/* Where server's key is stored, or NULL without HOME. Caller frees. */
char *keystore_store_path(const char *server);
/* True for OpenHands Cloud (https, app.all-hands.dev): the shared key files hold Cloud keys. */
bool keystore_is_cloud(const char *server);

#endif
