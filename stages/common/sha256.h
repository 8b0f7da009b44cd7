/* SHA-256 (FIPS 180-4) of files and memory, for provenance; computed by OpenSSL's libcrypto. */
#ifndef EMBOLO_SHA256_H
#define EMBOLO_SHA256_H

#include <stddef.h>

struct evp_md_ctx_st;

/* A digest fed in pieces: sha256_init, sha256_update for each piece, then sha256_final_hex, or
 * sha256_discard when the digest is not wanted after all (either frees the state's context). */
typedef struct sha256_state {
    struct evp_md_ctx_st *context;  /* NULL: not started, finished, or libcrypto failed */
    int failed;
} sha256_state;

/* Returns 0 when libcrypto fails (out of memory); the later calls then do nothing, and final says 0. */
int sha256_init(sha256_state *state);
void sha256_update(sha256_state *state, const void *data, size_t length);

/* Writes the digest as 64 lowercase hex digits and a NUL (an empty string on failure); returns 0 when
 * libcrypto failed at any step. */
int sha256_final_hex(sha256_state *state, char hex[65]);
void sha256_discard(sha256_state *state);

/* The digest of length bytes at data; returns 0 when libcrypto fails. */
int sha256_hex(const void *data, size_t length, char hex[65]);

/* Hashes a whole file; returns 0 if it cannot be read (or libcrypto fails). */
int sha256_file_hex(const char *path, char hex[65]);

#endif
