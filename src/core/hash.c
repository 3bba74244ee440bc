/* hash.c -- digests: SHA-256 as hex (OpenSSL's EVP), the content hash of
 * a bulk row in its journal (core.sha256). */
#include <openssl/evp.h>

#include "lmskit.h"

/* SHA-256 of data as 64 lower-case hex digits and a NUL in out;
 * LMK_NOMEM when OpenSSL fails. */
lmk_kind lmk_sha256_hex(const void *data, size_t len, char out[65]) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (EVP_Digest(data, len, md, &n, EVP_sha256(), NULL) != 1 || n != 32) return LMK_NOMEM;
    static const char hex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
    return LMK_OK;
}
