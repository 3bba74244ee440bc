/* jwt.c -- JSON Web Signatures (RFC 7515) in compact form, signed with
 * OpenSSL: HS256/HS384/HS512 (HMAC), RS256 (RSA PKCS#1 v1.5) and ES256
 * (ECDSA P-256, raw R||S).  The caller supplies the header and payload
 * JSON text; this file only encodes and signs.  "alg: none" does not
 * exist here.  Also: random identifiers from OpenSSL's CSPRNG. */
#include <string.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "lmskit.h"

static const struct {
    const char *name;
    lmk_jwt_alg alg;
} alg_names[] = {
    {"HS256", LMK_JWT_HS256}, {"HS384", LMK_JWT_HS384},
    {"HS512", LMK_JWT_HS512}, {"RS256", LMK_JWT_RS256},
    {"ES256", LMK_JWT_ES256},
};

/* The algorithm named name ("HS256"...); LMK_USAGE when unknown. */
lmk_kind lmk_jwt_alg_from_name(const char *name, lmk_jwt_alg *out) {
    for (size_t i = 0; i < sizeof alg_names / sizeof *alg_names; i++) {
        if (strcmp(name, alg_names[i].name) == 0) {
            *out = alg_names[i].alg;
            return LMK_OK;
        }
    }
    return LMK_USAGE;
}

/* Appends base64url without padding (RFC 7515 section 2), using
 * OpenSSL's base64 and then the URL-safe alphabet. */
lmk_kind lmk_base64url(lmk_buf *out, const unsigned char *data, size_t n) {
    if (n > (size_t)0x3fffffff) return LMK_NOMEM;
    size_t cap = 4 * ((n + 2) / 3) + 1;
    size_t start = out->len;
    /* grow the buffer, then let EVP_EncodeBlock write into it */
    char zeros[64] = {0};
    for (size_t left = cap; left;) {
        size_t step = left < sizeof zeros ? left : sizeof zeros;
        if (lmk_buf_add(out, zeros, step) != LMK_OK) return LMK_NOMEM;
        left -= step;
    }
    int written = EVP_EncodeBlock((unsigned char *)out->data + start, data, (int)n);
    size_t len = (size_t)written;
    while (len && out->data[start + len - 1] == '=') len--;
    for (size_t i = 0; i < len; i++) {
        char *c = &out->data[start + i];
        if (*c == '+') *c = '-';
        else if (*c == '/') *c = '_';
    }
    out->len = start + len;
    out->data[out->len] = '\0';
    return LMK_OK;
}

/* HMAC over input; refuses keys shorter than the digest (RFC 7518 3.2). */
static lmk_kind sign_hmac(const EVP_MD *md, const char *key, size_t key_len,
                          const char *input, size_t input_len,
                          unsigned char *sig, unsigned int *sig_len,
                          const char **why) {
    if (key_len < (size_t)EVP_MD_get_size(md)) {
        *why = "HMAC key is shorter than the digest (RFC 7518 section 3.2)";
        return LMK_USAGE;
    }
    if (!HMAC(md, key, (int)key_len, (const unsigned char *)input, input_len,
              sig, sig_len)) {
        *why = "HMAC failed";
        return LMK_USAGE;
    }
    return LMK_OK;
}

/* Reads a PEM private key of the expected type ("RSA" or "EC"). */
static EVP_PKEY *read_key(const char *pem, size_t pem_len, const char *type,
                          const char **why) {
    BIO *bio = BIO_new_mem_buf(pem, (int)pem_len);
    if (!bio) return NULL;
    EVP_PKEY *pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"");
    BIO_free(bio);
    if (!pkey) {
        *why = "key is not a PEM private key";
        return NULL;
    }
    if (!EVP_PKEY_is_a(pkey, type)) {
        *why = strcmp(type, "RSA") == 0 ? "RS256 needs an RSA private key"
                                        : "ES256 needs an EC private key";
        EVP_PKEY_free(pkey);
        return NULL;
    }
    if (strcmp(type, "RSA") == 0 && EVP_PKEY_get_bits(pkey) < 2048) {
        *why = "RSA keys shorter than 2048 bits are refused";
        EVP_PKEY_free(pkey);
        return NULL;
    }
    if (strcmp(type, "EC") == 0) {
        char group[64];
        size_t glen = 0;
        if (!EVP_PKEY_get_group_name(pkey, group, sizeof group, &glen) ||
            strcmp(group, "prime256v1") != 0) {
            *why = "ES256 needs a P-256 key";
            EVP_PKEY_free(pkey);
            return NULL;
        }
    }
    return pkey;
}

/* ECDSA gives DER; JWS wants R and S as two 32-byte big-endian numbers. */
static int der_to_raw(const unsigned char *der, size_t der_len,
                      unsigned char raw[64]) {
    const unsigned char *p = der;
    ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)der_len);
    if (!sig) return 0;
    const BIGNUM *r, *s;
    ECDSA_SIG_get0(sig, &r, &s);
    int ok = BN_bn2binpad(r, raw, 32) == 32 && BN_bn2binpad(s, raw + 32, 32) == 32;
    ECDSA_SIG_free(sig);
    return ok;
}

/* RS256 or ES256 over input with a PEM key; sig holds up to 1024 bytes. */
static lmk_kind sign_pkey(lmk_jwt_alg alg, const char *pem, size_t pem_len,
                          const char *input, size_t input_len,
                          unsigned char *sig, size_t *sig_len,
                          const char **why) {
    EVP_PKEY *pkey = read_key(pem, pem_len, alg == LMK_JWT_RS256 ? "RSA" : "EC", why);
    if (!pkey) return LMK_USAGE;
    lmk_kind k = LMK_USAGE;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    unsigned char der[1024];
    size_t der_len = sizeof der;
    if (ctx && EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
        EVP_DigestSign(ctx, NULL, &der_len, (const unsigned char *)input, input_len) == 1 &&
        der_len <= sizeof der &&
        EVP_DigestSign(ctx, der, &der_len, (const unsigned char *)input, input_len) == 1) {
        if (alg == LMK_JWT_RS256) {
            memcpy(sig, der, der_len);
            *sig_len = der_len;
            k = LMK_OK;
        } else if (der_to_raw(der, der_len, sig)) {
            *sig_len = 64;
            k = LMK_OK;
        }
    }
    if (k != LMK_OK && !*why) *why = "signing failed";
    OPENSSL_cleanse(der, sizeof der);
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(pkey);
    return k;
}

/* header.payload.signature, each part base64url, appended to out. */
lmk_kind lmk_jwt_sign(lmk_jwt_alg alg, const char *key, size_t key_len,
                      const char *header, size_t header_len,
                      const char *payload, size_t payload_len, lmk_buf *out,
                      const char **why) {
    *why = NULL;
    lmk_buf input;
    lmk_buf_init(&input);
    if (lmk_base64url(&input, (const unsigned char *)header, header_len) != LMK_OK ||
        lmk_buf_add(&input, ".", 1) != LMK_OK ||
        lmk_base64url(&input, (const unsigned char *)payload, payload_len) != LMK_OK) {
        lmk_buf_free(&input);
        return LMK_NOMEM;
    }
    unsigned char sig[1024];
    size_t sig_len = 0;
    lmk_kind k;
    if (alg == LMK_JWT_HS256 || alg == LMK_JWT_HS384 || alg == LMK_JWT_HS512) {
        const EVP_MD *md = alg == LMK_JWT_HS256   ? EVP_sha256()
                           : alg == LMK_JWT_HS384 ? EVP_sha384()
                                                  : EVP_sha512();
        unsigned int n = 0;
        k = sign_hmac(md, key, key_len, input.data, input.len, sig, &n, why);
        sig_len = n;
    } else {
        k = sign_pkey(alg, key, key_len, input.data, input.len, sig, &sig_len, why);
    }
    if (k == LMK_OK &&
        (lmk_buf_add(out, input.data, input.len) != LMK_OK ||
         lmk_buf_add(out, ".", 1) != LMK_OK ||
         lmk_base64url(out, sig, sig_len) != LMK_OK))
        k = LMK_NOMEM;
    OPENSSL_cleanse(sig, sizeof sig);
    lmk_buf_free(&input);
    return k;
}

/* nbytes (at most 64) random bytes from OpenSSL as hex into out. */
lmk_kind lmk_random_hex(char *out, size_t nbytes) {
    static const char hex[] = "0123456789abcdef";
    unsigned char bytes[64];
    if (nbytes > sizeof bytes || RAND_bytes(bytes, (int)nbytes) != 1)
        return LMK_USAGE;
    for (size_t i = 0; i < nbytes; i++) {
        out[2 * i] = hex[bytes[i] >> 4];
        out[2 * i + 1] = hex[bytes[i] & 15];
    }
    out[2 * nbytes] = '\0';
    return LMK_OK;
}
