#include "sha256.h"

#include <openssl/evp.h>
#include <stdio.h>

static void digest_to_hex(const unsigned char *digest, unsigned length, char hex[65])
{
    static const char digits[] = "0123456789abcdef";
    for (unsigned i = 0; i < length && i < 32; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 0x0f];
    }
    hex[64] = '\0';
}

int sha256_hex(const void *data, size_t length, char hex[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned digest_length = 0;
    if (!EVP_Digest(data, length, digest, &digest_length, EVP_sha256(), NULL) || digest_length != 32)
        return 0;
    digest_to_hex(digest, digest_length, hex);
    return 1;
}

/* Feeds the file to the digest; returns whether every byte was read and hashed. */
static int digest_file(EVP_MD_CTX *context, FILE *file)
{
    unsigned char buffer[65536];
    size_t got;
    int ok = EVP_DigestInit_ex(context, EVP_sha256(), NULL);
    while (ok && (got = fread(buffer, 1, sizeof buffer, file)) > 0)
        ok = EVP_DigestUpdate(context, buffer, got);
    return ok && !ferror(file);
}

int sha256_file_hex(const char *path, char hex[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned digest_length = 0;
    int ok = 0;
    FILE *file = fopen(path, "rb");
    EVP_MD_CTX *context = file ? EVP_MD_CTX_new() : NULL;
    if (!context)
        goto cleanup;
    ok = digest_file(context, file) && EVP_DigestFinal_ex(context, digest, &digest_length) && digest_length == 32;
    if (ok)
        digest_to_hex(digest, digest_length, hex);
cleanup:
    EVP_MD_CTX_free(context);
    if (file)
        fclose(file);
    return ok;
}
