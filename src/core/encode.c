/* encode.c -- percent-encoding, number text, route expansion and the
 * nested query/form builder.  All output is appended to caller-owned
 * buffers; nothing here allocates anything the caller must track. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lmskit.h"

/* RFC 3986 section 2.3 unreserved characters. */
static int is_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

/* Appends s with every byte outside the unreserved set as %XX. */
lmk_kind lmk_pct_encode(lmk_buf *out, const char *s, size_t n) {
    static const char hex[] = "0123456789ABCDEF";
    size_t i = 0;
    while (i < n) {
        size_t run = i;
        while (run < n && is_unreserved((unsigned char)s[run])) run++;
        if (run > i && lmk_buf_add(out, s + i, run - i) != LMK_OK)
            return LMK_NOMEM;
        if (run >= n) break;
        char esc[3] = {'%', hex[(unsigned char)s[run] >> 4],
                       hex[(unsigned char)s[run] & 15]};
        if (lmk_buf_add(out, esc, 3) != LMK_OK) return LMK_NOMEM;
        i = run + 1;
    }
    return LMK_OK;
}

/* Writes the shortest text that reads back as the same double; integral
 * values are written as integers.  NaN, the infinities and integral
 * values outside the 64-bit range (1e300, 2^63) have no such text: they
 * are refused (out is left empty) rather than sent as "inf" or "9.2e+18". */
lmk_kind lmk_number_text(double value, char out[40]) {
    out[0] = '\0';
    if (!isfinite(value)) return LMK_USAGE;
    if (floor(value) == value) {
        /* -2^63 <= value < 2^63: the cast is defined */
        if (!(value >= -9223372036854775808.0 && value < 9223372036854775808.0))
            return LMK_USAGE;
        snprintf(out, 40, "%lld", (long long)value);
        return LMK_OK;
    }
    for (int precision = 15; precision <= 17; precision++) {
        snprintf(out, 40, "%.*g", precision, value);
        if (strtod(out, NULL) == value) break;
    }
    return LMK_OK;
}

/* A parameter value may not be empty or a dot segment: either would make
 * the path name another resource once normalised. */
static int unsafe_segment(const char *v, size_t n) {
    return n == 0 || (n == 1 && v[0] == '.') ||
           (n == 2 && v[0] == '.' && v[1] == '.');
}

/* Expands ":name" segments of route through fn, percent-encoding values. */
lmk_kind lmk_path_expand(lmk_buf *out, const char *route, lmk_param_fn fn,
                         void *ud, const char **why) {
    const char *p = route;
    while (*p) {
        if (*p == ':' && (p == route || p[-1] == '/')) {
            const char *name = ++p;
            while (*p && *p != '/' && *p != '?') p++;
            const char *value = NULL;
            size_t value_len = 0;
            if (fn(ud, name, (size_t)(p - name), &value, &value_len) !=
                LMK_OK) {
                *why = "missing path parameter";
                return LMK_USAGE;
            }
            if (unsafe_segment(value, value_len)) {
                *why = "path parameter is empty or a dot segment";
                return LMK_USAGE;
            }
            if (lmk_pct_encode(out, value, value_len) != LMK_OK)
                return LMK_NOMEM;
        } else {
            const char *start = p;
            while (*p && !(*p == ':' && p[-1] == '/')) p++;
            if (lmk_buf_add(out, start, (size_t)(p - start)) != LMK_OK)
                return LMK_NOMEM;
        }
    }
    return LMK_OK;
}

/* Starts an empty builder; its buffers are secret (wiped when released):
 * a form may carry a password. */
void lmk_query_init(lmk_query *q) {
    lmk_buf_init_secret(&q->out);
    lmk_buf_init_secret(&q->key);
    q->depth = 0;
}

/* Releases both buffers, wiped. */
void lmk_query_free(lmk_query *q) {
    lmk_buf_free(&q->out);
    lmk_buf_free(&q->key);
    q->depth = 0;
}

/* Remembers the key length so lmk_query_pop can undo the next push. */
static lmk_kind query_mark(lmk_query *q) {
    if (q->depth >= LMK_QUERY_MAX_DEPTH) return LMK_USAGE;
    q->marks[q->depth++] = q->key.len;
    return LMK_OK;
}

/* Adds a key part: "name" at the top, "[name]" below it. */
lmk_kind lmk_query_push_key(lmk_query *q, const char *name, size_t n) {
    lmk_kind k = query_mark(q);
    if (k != LMK_OK) return k;
    if (q->depth > 1 && lmk_buf_add(&q->key, "[", 1) != LMK_OK)
        return LMK_NOMEM;
    if (lmk_pct_encode(&q->key, name, n) != LMK_OK) return LMK_NOMEM;
    if (q->depth > 1 && lmk_buf_add(&q->key, "]", 1) != LMK_OK)
        return LMK_NOMEM;
    return LMK_OK;
}

/* Adds "[]": the values pushed below are array elements. */
lmk_kind lmk_query_push_array(lmk_query *q) {
    if (q->depth == 0) return LMK_USAGE; /* an array needs a name */
    lmk_kind k = query_mark(q);
    if (k != LMK_OK) return k;
    return lmk_buf_add(&q->key, "[]", 2);
}

/* Undoes the last push. */
void lmk_query_pop(lmk_query *q) {
    if (q->depth == 0) return;
    q->key.len = q->marks[--q->depth];
    if (q->key.data) q->key.data[q->key.len] = '\0';
}

/* Emits key=value, separated from the previous pair by '&'. */
lmk_kind lmk_query_value(lmk_query *q, const char *value, size_t n) {
    if (q->depth == 0) return LMK_USAGE;
    if (q->out.len && lmk_buf_add(&q->out, "&", 1) != LMK_OK)
        return LMK_NOMEM;
    if (lmk_buf_add(&q->out, q->key.data, q->key.len) != LMK_OK ||
        lmk_buf_add(&q->out, "=", 1) != LMK_OK ||
        lmk_pct_encode(&q->out, value, n) != LMK_OK)
        return LMK_NOMEM;
    return LMK_OK;
}
