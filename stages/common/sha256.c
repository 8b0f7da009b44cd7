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

int sha256_init(sha256_state *state)
{
    state->context = EVP_MD_CTX_new();
    state->failed = !state->context || !EVP_DigestInit_ex(state->context, EVP_sha256(), NULL);
    if (state->failed)
        sha256_discard(state);
    return !state->failed;
}

void sha256_update(sha256_state *state, const void *data, size_t length)
{
    if (!state->failed && state->context && !EVP_DigestUpdate(state->context, data, length))
        state->failed = 1;
}

int sha256_final_hex(sha256_state *state, char hex[65])
{
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned digest_length = 0;
    int ok = !state->failed && state->context && EVP_DigestFinal_ex(state->context, digest, &digest_length) &&
             digest_length == 32;
    if (ok)
        digest_to_hex(digest, digest_length, hex);
    else
        hex[0] = '\0';
    sha256_discard(state);
    return ok;
}

void sha256_discard(sha256_state *state)
{
    EVP_MD_CTX_free(state->context);
    state->context = NULL;
}

int sha256_hex(const void *data, size_t length, char hex[65])
{
    sha256_state state;
    sha256_init(&state);
    sha256_update(&state, data, length);
    return sha256_final_hex(&state, hex);
}

int sha256_file_hex(const char *path, char hex[65])
{
    unsigned char buffer[65536];
    size_t got;
    sha256_state state;
    FILE *file = fopen(path, "rb");
    if (!file)
        return 0;
    sha256_init(&state);
    while ((got = fread(buffer, 1, sizeof buffer, file)) > 0)
        sha256_update(&state, buffer, got);
    int read_all = !ferror(file);
    fclose(file);
    if (!read_all) {
        sha256_discard(&state);
        return 0;
    }
    return sha256_final_hex(&state, hex);
}
