/* fuzz_encode.c -- the encoders that build URLs and bodies:
 * lmk_pct_encode, lmk_number_text, lmk_path_expand and the nested
 * query/form builder (lmk_query_*).  Values come from users' scripts and
 * CSV files, and from servers (ids read from a response).
 *
 * Input: a selector byte, then that encoder's input.  Invariants:
 *   - percent-encoding: only unreserved bytes and %XX (upper case) come
 *     out, it decodes back to the input, and its length is exact;
 *   - number text: reads back (strtod) as the same double, and an
 *     integral value within +-9.2e18 is written as a plain integer;
 *   - path expansion: the result equals the route with every ":name"
 *     segment replaced by the encoded value (a reference built here); no
 *     '/', '?', '#', CR or LF comes from a value; empty and dot-segment
 *     values are refused;
 *   - query builder: after any sequence of pushes, pops and values, every
 *     emitted pair equals the key the pushes describe, '=' and the
 *     encoded value; depth limits hold. */
#include <math.h>

#include "../src/core/lmskit.h"
#include "fuzz.h"

/* Checks lmk_pct_encode on the whole input. */
static void fuzz_pct(const uint8_t *p, size_t n) {
    lmk_buf out;
    lmk_buf_init(&out);
    FZ_CHECK(lmk_pct_encode(&out, (const char *)p, n) == LMK_OK, "encodes");
    size_t reserved = 0;
    for (size_t i = 0; i < n; i++) reserved += !fz_unreserved(p[i]);
    FZ_CHECK(out.len == n + 2 * reserved, "exact length");
    char *back = malloc(n + 1);
    FZ_CHECK(back != NULL, "memory");
    size_t m = fz_pct_decode(out.data ? out.data : "", out.len, back);
    FZ_CHECK(m != (size_t)-1, "only unreserved bytes and %XX");
    FZ_CHECK(m == n && (n == 0 || memcmp(back, p, n) == 0), "decodes back");
    free(back);
    lmk_buf_free(&out);
}

/* Checks lmk_number_text on a double made of the first 8 bytes. */
static void fuzz_number(const uint8_t *p, size_t n) {
    double v = 0;
    uint8_t raw[8] = {0};
    memcpy(raw, p, n < 8 ? n : 8);
    memcpy(&v, raw, 8);
    char out[40];
    memset(out, 'x', sizeof out);
    lmk_kind k = lmk_number_text(v, out);
    FZ_CHECK(memchr(out, '\0', sizeof out) != NULL, "NUL-terminated");
    /* no exact text (NaN, an infinity, an integral value beyond 64 bits):
     * refused with an empty text, never "nan", "inf" or "1e+300" */
    int exact = isfinite(v) && (floor(v) != v ||
                                (v >= -9223372036854775808.0 && v < 9223372036854775808.0));
    FZ_CHECK((k == LMK_OK) == exact, "refused exactly when no exact text exists");
    if (k != LMK_OK) {
        FZ_CHECK(out[0] == '\0', "a refused number leaves no text");
        return;
    }
    double back = strtod(out, NULL);
    FZ_CHECK(back == v, "reads back as the same number");
    if (isfinite(v) && floor(v) == v && fabs(v) < 9.2e18) {
        const char *s = out[0] == '-' ? out + 1 : out;
        FZ_CHECK(*s != '\0', "an integer has digits");
        for (; *s; s++) FZ_CHECK(*s >= '0' && *s <= '9', "integral: plain digits");
    }
}

typedef struct params {
    fz_input values; /* values handed out in order, split on 0xFF */
    int calls;
} params;

/* Hands out the next value; a name "missing" has none. */
static lmk_kind next_value(void *ud, const char *name, size_t name_len,
                           const char **value, size_t *value_len) {
    params *ps = ud;
    ps->calls++;
    if (name_len == 7 && memcmp(name, "missing", 7) == 0) return LMK_USAGE;
    *value = (const char *)fz_take(&ps->values, 0xFF, value_len);
    return LMK_OK;
}

/* Checks lmk_path_expand: route up to the first NUL, values after it. */
static void fuzz_path(const uint8_t *p, size_t n) {
    fz_input in = {p, n};
    size_t route_len;
    const uint8_t *r = fz_take(&in, 0, &route_len);
    char *route = fz_cstr(r, route_len);
    if (!route) return;
    params ps = {in, 0};
    lmk_buf out;
    lmk_buf_init(&out);
    const char *why = NULL;
    lmk_kind k = lmk_path_expand(&out, route, next_value, &ps, &why);

    /* the reference: walk the route byte by byte, same values in order */
    params again = {in, 0};
    lmk_buf ref;
    lmk_buf_init(&ref);
    lmk_kind want = LMK_OK;
    for (size_t i = 0; i < route_len && want == LMK_OK;) {
        if (route[i] == ':' && (i == 0 || route[i - 1] == '/')) {
            size_t start = ++i;
            while (i < route_len && route[i] != '/' && route[i] != '?') i++;
            const char *v;
            size_t vn;
            if (next_value(&again, route + start, i - start, &v, &vn) != LMK_OK ||
                vn == 0 || (vn == 1 && v[0] == '.') ||
                (vn == 2 && v[0] == '.' && v[1] == '.')) {
                want = LMK_USAGE;
                break;
            }
            FZ_CHECK(lmk_pct_encode(&ref, v, vn) == LMK_OK, "memory");
        } else {
            FZ_CHECK(lmk_buf_add(&ref, route + i, 1) == LMK_OK, "memory");
            i++;
        }
    }
    FZ_CHECK(k == want, "expansion succeeds exactly when the reference does");
    FZ_CHECK(ps.calls == again.calls, "one look-up per parameter");
    if (k == LMK_OK) {
        FZ_CHECK(out.len == ref.len && (out.len == 0 || memcmp(out.data, ref.data, out.len) == 0),
                 "expansion equals the reference");
        size_t special_out = 0, special_route = 0;
        for (size_t i = 0; i < out.len; i++)
            special_out += out.data[i] && strchr("/?#\r\n", out.data[i]) != NULL;
        for (size_t i = 0; i < route_len; i++)
            special_route += route[i] && strchr("/?#\r\n", route[i]) != NULL;
        FZ_CHECK(special_out <= special_route, "no / ? # CR LF from a value");
    } else {
        FZ_CHECK(why != NULL, "a refusal says why");
    }
    lmk_buf_free(&ref);
    lmk_buf_free(&out);
    free(route);
}

/* Checks the query builder over a sequence of operations. */
static void fuzz_query(const uint8_t *p, size_t n) {
    fz_input in = {p, n};
    lmk_query q;
    lmk_query_init(&q);
    lmk_buf key; /* the reference key */
    lmk_buf_init(&key);
    size_t marks[LMK_QUERY_MAX_DEPTH + 1];
    size_t depth = 0, pairs = 0;
    while (in.n) {
        uint8_t op = fz_byte(&in);
        size_t len;
        const uint8_t *arg = fz_take(&in, 0xFF, &len);
        size_t before = q.out.len;
        switch (op % 4) {
        case 0: { /* push a key */
            lmk_kind k = lmk_query_push_key(&q, (const char *)arg, len);
            if (depth >= LMK_QUERY_MAX_DEPTH) {
                FZ_CHECK(k == LMK_USAGE, "depth is bounded");
                break;
            }
            FZ_CHECK(k == LMK_OK, "a key is pushed");
            marks[depth++] = key.len;
            if (depth > 1) lmk_buf_add(&key, "[", 1);
            lmk_pct_encode(&key, (const char *)arg, len);
            if (depth > 1) lmk_buf_add(&key, "]", 1);
            break;
        }
        case 1: { /* push an array */
            lmk_kind k = lmk_query_push_array(&q);
            if (depth == 0 || depth >= LMK_QUERY_MAX_DEPTH) {
                FZ_CHECK(k == LMK_USAGE, "an array needs a name; depth bounded");
                break;
            }
            FZ_CHECK(k == LMK_OK, "an array is pushed");
            marks[depth++] = key.len;
            lmk_buf_add(&key, "[]", 2);
            break;
        }
        case 2: /* pop */
            lmk_query_pop(&q);
            if (depth) key.len = marks[--depth];
            break;
        default: { /* a value */
            lmk_kind k = lmk_query_value(&q, (const char *)arg, len);
            if (depth == 0) {
                FZ_CHECK(k == LMK_USAGE && q.out.len == before, "a value needs a key");
                break;
            }
            FZ_CHECK(k == LMK_OK, "a value is written");
            lmk_buf pair;
            lmk_buf_init(&pair);
            if (pairs++) lmk_buf_add(&pair, "&", 1);
            lmk_buf_add(&pair, key.data, key.len);
            lmk_buf_add(&pair, "=", 1);
            lmk_pct_encode(&pair, (const char *)arg, len);
            FZ_CHECK(q.out.len - before == pair.len &&
                         memcmp(q.out.data + before, pair.data, pair.len) == 0,
                     "the pair is key=encoded value");
            lmk_buf_free(&pair);
        }
        }
        FZ_CHECK(q.depth == depth, "depth tracked");
        FZ_CHECK(q.key.len == key.len && (key.len == 0 || memcmp(q.key.data, key.data, key.len) == 0),
                 "the key matches the pushes");
    }
    size_t amps = 0, eqs = 0;
    for (size_t i = 0; i < q.out.len; i++) {
        char c = q.out.data[i];
        amps += c == '&';
        eqs += c == '=';
        FZ_CHECK(fz_unreserved((unsigned char)c) || (c && strchr("%[]=&", c)), "only URL-safe bytes");
    }
    FZ_CHECK(eqs == pairs && (pairs == 0 || amps == pairs - 1), "one = per pair, & between");
    lmk_buf_free(&key);
    lmk_query_free(&q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_input in = {data, size};
    switch (fz_byte(&in) % 4) {
    case 0: fuzz_pct(in.p, in.n); break;
    case 1: fuzz_number(in.p, in.n); break;
    case 2: fuzz_path(in.p, in.n); break;
    default: fuzz_query(in.p, in.n);
    }
    return 0;
}
