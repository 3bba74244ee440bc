/* fuzz_redact.c -- lmk_redact, which stands between every secret and
 * every message, log line and file.
 *
 * Input: a byte with the number of secrets (0-5) and of secret query
 * parameters (0-3, from the client's list, plus one fuzzed name), then
 * the secrets and the fuzzed name, each ended by a NUL, then the text.
 * So that "[REDACTED]" can be told apart from the text, the harness
 * writes every '[' of the text and every byte of "[]REDACT" in a secret
 * with its high bit set (the code under test sees ordinary bytes).
 * Invariants:
 *   - no secret of 3 bytes or more appears in the output;
 *   - no byte of the text inside an occurrence of a secret (occurrences
 *     may overlap) or inside a secret parameter's value comes out: with
 *     the markers removed, the output is the text without those bytes
 *     (a parameter name that overlaps a masked byte or another such name
 *     may be masked too: then it need only be a subsequence of it);
 *   - text without secrets or parameters comes out unchanged. */
#include "../src/core/lmskit.h"
#include "fuzz.h"

#define MARK "[REDACTED]"
#define MARK_LEN (sizeof MARK - 1)

static const char *const client_params[] = {"api_key", "token", "password"};

/* 1 when c is a byte the marker is made of. */
static int marker_byte(unsigned char c) {
    return c && strchr("[]REDACT", c) != NULL;
}

/* End of the value of a parameter whose name (plus '=') starts at i, as
 * the client's rule reads it; 0 when none starts there. */
static size_t param_value_end(const char *t, size_t n, size_t i,
                              const char *const *params, size_t np,
                              size_t *name_len) {
    if (i > 0 && t[i - 1] != '?' && t[i - 1] != '&' && t[i - 1] != ' ' &&
        t[i - 1] != ';')
        return 0;
    for (size_t k = 0; k < np; k++) {
        size_t m = strlen(params[k]);
        if (i + m < n && memcmp(t + i, params[k], m) == 0 && t[i + m] == '=') {
            size_t e = i + m + 1;
            while (e < n && t[e] != '&' && t[e] != '#' && t[e] != ' ' &&
                   t[e] != '"' && t[e] != '\'')
                e++;
            *name_len = m + 1;
            return e;
        }
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_input in = {data, size};
    uint8_t counts = fz_byte(&in);
    size_t nsecrets = (counts & 7) % 6;
    size_t nclient = (counts >> 3) & 3;
    int fuzzed_param = (counts >> 5) & 1;
    char *secrets[6] = {0};
    const char *params[4];
    size_t nparams = 0;
    for (size_t s = 0; s < nsecrets; s++) {
        size_t len;
        const uint8_t *p = fz_take(&in, 0, &len);
        secrets[s] = fz_cstr(p, len);
        if (!secrets[s]) goto done;
        for (char *c = secrets[s]; *c; c++)
            if (marker_byte((unsigned char)*c)) *c = (char)(*c | 0x80);
    }
    for (size_t k = 0; k < nclient; k++) params[nparams++] = client_params[k];
    char *own = NULL;
    if (fuzzed_param) {
        size_t len;
        const uint8_t *p = fz_take(&in, 0, &len);
        own = fz_cstr(p, len);
        if (own && *own) params[nparams++] = own;
    }
    size_t n = in.n;
    char *text = malloc(n ? n : 1);
    if (!text) {
        free(own);
        goto done;
    }
    for (size_t i = 0; i < n; i++)
        text[i] = in.p[i] == '[' ? (char)0xDB : (char)in.p[i];

    lmk_buf out;
    lmk_buf_init(&out);
    FZ_CHECK(lmk_redact(&out, text, n, (const char *const *)secrets, nsecrets,
                        params, nparams) == LMK_OK,
             "redacts");
    const char *o = out.data ? out.data : "";

    /* no secret survives */
    for (size_t s = 0; s < nsecrets; s++) {
        size_t sl = strlen(secrets[s]);
        if (sl >= 3) FZ_CHECK(!fz_contains(o, out.len, secrets[s], sl), "no secret in the output");
    }

    /* the bytes that must go, by brute force */
    char *masked = calloc(n ? n : 1, 1);
    FZ_CHECK(masked != NULL, "memory");
    int name_overlap = 0; /* a parameter name overlaps a masked byte or another name */
    for (size_t i = 0; i < n; i++) {
        for (size_t s = 0; s < nsecrets; s++) {
            size_t sl = strlen(secrets[s]);
            if (sl >= 3 && sl <= n - i && memcmp(text + i, secrets[s], sl) == 0) {
                memset(masked + i, 1, sl);
            }
        }
    }
    char *names = calloc(n ? n : 1, 1); /* bytes of a kept "name=" */
    FZ_CHECK(names != NULL, "memory");
    for (size_t i = 0; i < n; i++) {
        size_t name_len = 0;
        size_t e = param_value_end(text, n, i, params, nparams, &name_len);
        if (!e) continue;
        memset(masked + i + name_len, 1, e - i - name_len);
        for (size_t j = 0; j < name_len; j++) {
            if (names[i + j]) name_overlap = 1;
            names[i + j] = 1;
        }
    }
    for (size_t i = 0; i < n; i++)
        if (names[i] && masked[i]) name_overlap = 1;
    free(names);

    /* the output with its markers removed, and the text kept */
    char *kept = malloc(n ? n : 1);
    char *stripped = malloc(out.len ? out.len : 1);
    FZ_CHECK(kept && stripped, "memory");
    size_t nk = 0, ns = 0, marks = 0;
    for (size_t i = 0; i < n; i++)
        if (!masked[i]) kept[nk++] = text[i];
    for (size_t i = 0; i < out.len;) {
        if (o[i] == '[') {
            FZ_CHECK(out.len - i >= MARK_LEN && memcmp(o + i, MARK, MARK_LEN) == 0,
                     "a '[' only starts a marker");
            i += MARK_LEN;
            marks++;
        } else {
            stripped[ns++] = o[i++];
        }
    }
    if (!name_overlap) {
        FZ_CHECK(ns == nk && (ns == 0 || memcmp(stripped, kept, ns) == 0),
                 "exactly the masked bytes are gone");
    } else {
        size_t j = 0;
        for (size_t i = 0; i < nk && j < ns; i++)
            if (kept[i] == stripped[j]) j++;
        FZ_CHECK(j == ns, "no masked byte survives");
    }
    if (marks == 0) FZ_CHECK(out.len == n && (n == 0 || memcmp(o, text, n) == 0), "unchanged");

    free(kept);
    free(stripped);
    free(masked);
    lmk_buf_free(&out);
    free(text);
    free(own);
done:
    for (size_t s = 0; s < nsecrets; s++) free(secrets[s]);
    return 0;
}
