/*
 * src/base/sha256.h: a plain, streaming SHA-256 (FIPS 180-4), libc only.
 *
 * Owns: struct sha256, the running state of one digest. Invariants: the state
 * is caller-allocated (no heap), init must run before update, and after final
 * the state is spent (call init again to reuse it). Used for manifests and by
 * the test tools to compare archive contents with the fake workspace.
 */
#ifndef OHBROWSE_SRC_SHA256_H
#define OHBROWSE_SRC_SHA256_H

#include <stddef.h>
#include <stdint.h>

#define SHA256_DIGEST_LEN 32
#define SHA256_HEX_LEN 64

struct sha256 {
	uint32_t h[8];
	uint64_t total;		/* bytes hashed so far */
	uint8_t block[64];	/* pending partial block */
	size_t fill;		/* bytes used in block */
};

/* Start a new digest in s (caller-owned storage). */
void sha256_init(struct sha256 *s);
/* Hash len more bytes; data may be NULL when len is 0. */
void sha256_update(struct sha256 *s, const void *data, size_t len);
/* Finish and write the 32-byte digest to out; s must be re-initialised to reuse. */
void sha256_final(struct sha256 *s, uint8_t out[SHA256_DIGEST_LEN]);
/* Lower-case hex of a digest, NUL-terminated (out has room for 65 bytes). */
void sha256_hex(const uint8_t d[SHA256_DIGEST_LEN], char out[SHA256_HEX_LEN + 1]);

#endif
