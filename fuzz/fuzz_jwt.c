/* fuzz_jwt.c -- lmk_jwt_sign and lmk_jwt_alg_from_name: claims and keys
 * through the signing API (a script's claims, a key from a file or the
 * environment).
 *
 * Input: a mode byte, then the key, header and payload, each ended by a
 * 0xFF byte (the payload takes the rest).  Modes: HS256/384/512 with the
 * fuzzed key, or the algorithm name itself.  Built with FUZZ_JWT_PEM
 * (fuzz_jwt_pem.c: OpenSSL 3 takes milliseconds to read a PEM key, so
 * those inputs get a target of their own), the modes are ES256/RS256 with
 * a valid key made at start-up or with the fuzzed bytes as the PEM key.
 * Invariants:
 *   - an HMAC key shorter than the digest is refused, a long one works;
 *   - a token is exactly three base64url parts (no padding, no other
 *     byte); the first two decode to the header and payload as given;
 *   - the signature verifies: HMAC recomputed here, RS256 and ES256 with
 *     the public key (ES256 as raw 32-byte R and S) when the key file's
 *     halves match;
 *   - only the five names are algorithms ("none" and case variants are
 *     refused). */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/pem.h>

#include "../src/core/lmskit.h"
#include "fuzz.h"

static char *rsa_pem, *ec_pem;
static size_t rsa_len, ec_len;
static EVP_PKEY *rsa_key, *ec_key; /* the same keys, read once */

/* PEM text of a fresh key (the caller frees it). */
static char *pem_of(EVP_PKEY *k, size_t *len) {
    BIO *b = BIO_new(BIO_s_mem());
    FZ_CHECK(b && PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), "PEM");
    char *p;
    long n = BIO_get_mem_data(b, &p);
    char *copy = fz_cstr(p, (size_t)n);
    *len = (size_t)n;
    BIO_free(b);
    return copy;
}

/* Makes the RSA-2048 and P-256 keys once. */
int LLVMFuzzerInitialize(int *argc, char ***argv) {
    (void)argc, (void)argv;
    EVP_PKEY *rsa = EVP_RSA_gen(2048);
    EVP_PKEY *ec = EVP_EC_gen("P-256");
    FZ_CHECK(rsa && ec, "keys");
    rsa_pem = pem_of(rsa, &rsa_len);
    ec_pem = pem_of(ec, &ec_len);
    rsa_key = rsa;
    ec_key = ec;
    return 0;
}

/* Decodes base64url without padding; (size_t)-1 on a bad byte. */
static size_t b64url_decode(const char *s, size_t n, unsigned char *out) {
    size_t o = 0;
    unsigned acc = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        int v = c >= 'A' && c <= 'Z' ? c - 'A'
                : c >= 'a' && c <= 'z' ? c - 'a' + 26
                : c >= '0' && c <= '9' ? c - '0' + 52
                : c == '-' ? 62 : c == '_' ? 63 : -1;
        if (v < 0) return (size_t)-1;
        acc = (acc << 6) | (unsigned)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(acc >> bits);
            acc &= (1u << bits) - 1;
        }
    }
    if (n % 4 == 1 || acc != 0) return (size_t)-1; /* not canonical */
    return o;
}

/* Verifies an RS256 or ES256 signature with the key's public half. */
static int verify_pkey(int es, const char *pem, size_t pem_len,
                       const char *input, size_t input_len,
                       const unsigned char *sig, size_t sig_len) {
    EVP_PKEY *k = NULL;
    if (pem_len == rsa_len && memcmp(pem, rsa_pem, rsa_len) == 0) {
        k = rsa_key;
        EVP_PKEY_up_ref(k);
    } else if (pem_len == ec_len && memcmp(pem, ec_pem, ec_len) == 0) {
        k = ec_key;
        EVP_PKEY_up_ref(k);
    } else {
        BIO *b = BIO_new_mem_buf(pem, (int)pem_len);
        k = b ? PEM_read_bio_PrivateKey(b, NULL, NULL, (void *)"") : NULL;
        BIO_free(b);
        if (!k) return 0;
        /* a damaged key file may hold a public half that does not match
         * the private one (OpenSSL does not check on reading, nor does
         * lmskit: the server refuses such tokens); the check needs a
         * consistent pair */
        EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k, NULL);
        int consistent = pc && EVP_PKEY_pairwise_check(pc) == 1;
        EVP_PKEY_CTX_free(pc);
        if (!consistent) {
            EVP_PKEY_free(k);
            return 1;
        }
    }
    unsigned char der[200];
    const unsigned char *to_check = sig;
    size_t check_len = sig_len;
    if (es) { /* raw R||S back to DER */
        if (sig_len != 64) {
            EVP_PKEY_free(k);
            return 0;
        }
        ECDSA_SIG *e = ECDSA_SIG_new();
        BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
        ECDSA_SIG_set0(e, r, s);
        unsigned char *p = der;
        int n = i2d_ECDSA_SIG(e, &p);
        ECDSA_SIG_free(e);
        to_check = der;
        check_len = n > 0 ? (size_t)n : 0;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestVerify(ctx, to_check, check_len,
                              (const unsigned char *)input, input_len) == 1;
    EVP_MD_CTX_free(ctx);
    EVP_PKEY_free(k);
    return ok;
}

/* Checks one token against what was signed. */
static void check_token(lmk_jwt_alg alg, const char *key, size_t key_len,
                        const uint8_t *h, size_t hn, const uint8_t *p,
                        size_t pn, const lmk_buf *out) {
    const char *t = out->data;
    const char *d1 = memchr(t, '.', out->len);
    FZ_CHECK(d1 != NULL, "two dots");
    const char *d2 = memchr(d1 + 1, '.', out->len - (size_t)(d1 + 1 - t));
    FZ_CHECK(d2 != NULL && !memchr(d2 + 1, '.', out->len - (size_t)(d2 + 1 - t)),
             "exactly two dots");
    size_t cap = out->len;
    unsigned char *buf = malloc(cap + 1);
    FZ_CHECK(buf != NULL, "memory");
    size_t n = b64url_decode(t, (size_t)(d1 - t), buf);
    FZ_CHECK(n == hn && (n == 0 || memcmp(buf, h, n) == 0), "header as given");
    n = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), buf);
    FZ_CHECK(n == pn && (n == 0 || memcmp(buf, p, n) == 0), "payload as given");
    size_t sig_len = b64url_decode(d2 + 1, out->len - (size_t)(d2 + 1 - t), buf);
    FZ_CHECK(sig_len != (size_t)-1, "signature is base64url");
    size_t input_len = (size_t)(d2 - t);
    if (alg <= LMK_JWT_HS512) {
        const EVP_MD *md = alg == LMK_JWT_HS256   ? EVP_sha256()
                           : alg == LMK_JWT_HS384 ? EVP_sha384()
                                                  : EVP_sha512();
        unsigned char mac[EVP_MAX_MD_SIZE];
        unsigned mac_len = 0;
        FZ_CHECK(HMAC(md, key, (int)key_len, (const unsigned char *)t, input_len,
                      mac, &mac_len) != NULL, "HMAC");
        FZ_CHECK(sig_len == mac_len && memcmp(buf, mac, mac_len) == 0, "HMAC verifies");
    } else {
        FZ_CHECK(verify_pkey(alg == LMK_JWT_ES256, key, key_len, t, input_len, buf, sig_len),
                 "signature verifies");
    }
    free(buf);
}

/* Checks lmk_jwt_alg_from_name on a fuzzed name. */
static void fuzz_name(const uint8_t *p, size_t n) {
    static const char *const names[] = {"HS256", "HS384", "HS512", "RS256", "ES256"};
    char *s = fz_cstr(p, n);
    if (!s) return;
    lmk_jwt_alg alg;
    int known = 0;
    for (int i = 0; i < 5; i++) known |= strcmp(s, names[i]) == 0;
    lmk_kind k = lmk_jwt_alg_from_name(s, &alg);
    FZ_CHECK((k == LMK_OK) == known, "only the five names");
    if (known) FZ_CHECK(strcmp(names[alg], s) == 0, "the right algorithm");
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_input in = {data, size};
    uint8_t byte = fz_byte(&in);
#ifdef FUZZ_JWT_PEM
    /* PEM keys: a valid ES256 or RS256 key, or the fuzzed bytes as one */
    int mode = 3 + byte % 4;
#else
    /* HMAC keys, or the algorithm name */
    int mode = byte % 4 == 3 ? 7 : byte % 4;
#endif
    if (mode == 7) {
        fuzz_name(in.p, in.n);
        return 0;
    }
    size_t kn, hn, pn;
    const uint8_t *k = fz_take(&in, 0xFF, &kn);
    const uint8_t *h = fz_take(&in, 0xFF, &hn);
    const uint8_t *p = in.p;
    pn = in.n;
    static const lmk_jwt_alg algs[] = {LMK_JWT_HS256, LMK_JWT_HS384, LMK_JWT_HS512,
                                       LMK_JWT_ES256, LMK_JWT_RS256, LMK_JWT_ES256,
                                       LMK_JWT_RS256};
    lmk_jwt_alg alg = algs[mode];
    int valid_key = mode == 3 || mode == 4;
    const char *key = (const char *)k;
    size_t key_len = kn;
    if (valid_key) { /* the key bytes are unused */
        key = alg == LMK_JWT_RS256 ? rsa_pem : ec_pem;
        key_len = alg == LMK_JWT_RS256 ? rsa_len : ec_len;
    }
    /* exact-size copies, so any over-read is caught */
    char *kc = malloc(key_len ? key_len : 1), *hc = malloc(hn ? hn : 1),
         *pc = malloc(pn ? pn : 1);
    FZ_CHECK(kc && hc && pc, "memory");
    if (key_len) memcpy(kc, key, key_len);
    if (hn) memcpy(hc, h, hn);
    if (pn) memcpy(pc, p, pn);
    lmk_buf out;
    lmk_buf_init(&out);
    const char *why = NULL;
    lmk_kind r = lmk_jwt_sign(alg, kc, key_len, hc, hn, pc, pn, &out, &why);
    if (alg <= LMK_JWT_HS512) {
        size_t digest = alg == LMK_JWT_HS256 ? 32 : alg == LMK_JWT_HS384 ? 48 : 64;
        FZ_CHECK((r == LMK_OK) == (key_len >= digest), "HMAC keys: digest length or more");
    } else if (valid_key) {
        FZ_CHECK(r == LMK_OK, "a valid key signs");
    }
    if (r == LMK_OK) check_token(alg, kc, key_len, h, hn, p, pn, &out);
    else FZ_CHECK(why != NULL && out.len == 0, "a refusal says why and writes nothing");
    lmk_buf_free(&out);
    free(kc);
    free(hc);
    free(pc);
    return 0;
}
