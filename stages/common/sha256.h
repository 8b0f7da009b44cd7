/* SHA-256 (FIPS 180-4) of files and memory, for provenance; computed by OpenSSL's libcrypto. */
#ifndef EMBOLO_SHA256_H
#define EMBOLO_SHA256_H

#include <stddef.h>

/* Writes the digest of length bytes at data as 64 lowercase hex digits and a NUL; returns 0 when
 * libcrypto fails (out of memory). */
int sha256_hex(const void *data, size_t length, char hex[65]);

/* Hashes a whole file; returns 0 if it cannot be read (or libcrypto fails). */
int sha256_file_hex(const char *path, char hex[65]);

#endif
