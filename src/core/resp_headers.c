/* resp_headers.c -- a response's headers, collected from libcurl's header
 * callback into one block the request owns ("Name\0value\0" per header,
 * in order): read by name with one pass over the block, never through
 * libcurl's header API (whose walk counts every header again for each
 * one).  Kept as libcurl's API gives them (CURLH_HEADER, the last
 * request): the final response's headers only (no 1xx, no proxy CONNECT
 * answer, no trailers), values without leading blanks or trailing white
 * space, a folded line joined to the header before it. */
#include <string.h>

#include "internal.h"

/* Blank and space as libcurl's ISBLANK and ISSPACE mean them. */
static int is_blank(char c) { return c == ' ' || c == '\t'; }
static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

/* Joins a folded line (obs-fold: it starts with a blank) to the last
 * header's value as libcurl does: trailing space dropped, at most one
 * leading blank kept. */
static lmk_kind unfold(lmk_buf *b, const char *line, size_t n) {
    while (n && is_space(line[n - 1])) n--;
    while (n > 1 && is_blank(line[0]) && is_blank(line[1])) line++, n--;
    b->len--; /* the value's NUL: the folded text goes before it */
    if (lmk_buf_add(b, line, n) != LMK_OK || lmk_buf_add(b, "", 1) != LMK_OK)
        return LMK_NOMEM;
    return LMK_OK;
}

/* Adds one line the header callback received (n bytes, CRLF included)
 * to the block; *state: 0 before a status line, 1 in the headers, 2
 * after the blank line that ends them.  A status line starts the block
 * anew (a final answer after a 1xx or a proxy's CONNECT answer); lines
 * after the headers (trailers) are left out. */
lmk_kind lmk_resp_headers_add(lmk_buf *b, int *state, const char *line, size_t n) {
    if (*state != 1 && n >= 5 && memcmp(line, "HTTP/", 5) == 0) {
        b->len = 0;
        *state = 1;
        return LMK_OK;
    }
    if (n == 0 || line[0] == '\r' || line[0] == '\n') {
        if (*state == 1) *state = 2;
        return LMK_OK;
    }
    if (*state == 2) return LMK_OK;
    *state = 1;
    /* libcurl keeps a line up to its first CR (else LF) */
    const char *end = memchr(line, '\r', n);
    if (!end) end = memchr(line, '\n', n);
    if (end) n = (size_t)(end - line);
    if (is_blank(line[0])) {
        if (b->len) return unfold(b, line, n);
        while (n && is_blank(*line)) line++, n--;
        if (!n) return LMK_OK;
    }
    const char *colon = memchr(line, ':', n);
    if (!colon) return LMK_OK; /* (libcurl refuses such a line first) */
    const char *v = colon + 1, *ve = line + n;
    while (v < ve && is_blank(*v)) v++;
    while (ve > v && is_space(ve[-1])) ve--;
    if (!b->cap && lmk_buf_reserve(b, 512) != LMK_OK) return LMK_NOMEM;
    if (lmk_buf_add(b, line, (size_t)(colon - line)) != LMK_OK ||
        lmk_buf_add(b, "", 1) != LMK_OK ||
        lmk_buf_add(b, v, (size_t)(ve - v)) != LMK_OK ||
        lmk_buf_add(b, "", 1) != LMK_OK)
        return LMK_NOMEM;
    return LMK_OK;
}

/* Steps through a header block: the header at *pos (its name and value),
 * moving *pos past it; 0 at the end. */
int lmk_headers_next(const char *block, size_t len, size_t *pos,
                     const char **name, const char **value) {
    if (!block || *pos >= len) return 0;
    *name = block + *pos;
    *value = *name + strlen(*name) + 1;
    *pos = (size_t)(*value - block) + strlen(*value) + 1;
    return 1;
}
