/* SHA-256 (FIPS 180-4) of files, for provenance. */
#ifndef EMBOLO_SHA256_H
#define EMBOLO_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct sha256_state {
    uint32_t h[8];
    uint64_t length;
    unsigned char block[64];
    size_t used;
} sha256_state;

void sha256_init(sha256_state *state);
void sha256_update(sha256_state *state, const void *data, size_t length);
/* Writes 64 lowercase hex digits and a NUL. */
void sha256_final_hex(sha256_state *state, char hex[65]);

/* Hashes a whole file; returns 0 if it cannot be read. */
int sha256_file_hex(const char *path, char hex[65]);

#endif
