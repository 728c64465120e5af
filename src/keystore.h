/*
 * src/keystore.h: where the account API key comes from, and where login stores it.
 *
 * Lookup order, first found wins: --api-key-file FILE, $OPENHANDS_API_KEY,
 * ~/.config/openhands/api_token (the seed tool's file, where `ohbrowse login`
 * stores keys), ~/.openhands/cloud/api_key.txt (the OpenHands CLI's). A key
 * file that group or others can read is refused, with the chmod that fixes it.
 * Keys are never printed; messages name the file, not its content.
 */
#ifndef OHBROWSE_SRC_KEYSTORE_H
#define OHBROWSE_SRC_KEYSTORE_H

#include <stddef.h>

/* 0: *key (caller frees) and *source (static) set; 1: no key anywhere; -1: error in err. */
int keystore_lookup(const char *key_file, char **key, const char **source, char *err, size_t errlen);
/* Store key 0600 in ~/.config/openhands/api_token (atomically). 0 ok (*stored_path set). */
int keystore_store(const char *key, char **stored_path, char *err, size_t errlen);
/* ~/.config/openhands/api_token, or NULL without HOME. Caller frees. */
char *keystore_default_store_path(void);

#endif
