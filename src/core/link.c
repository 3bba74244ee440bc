/* link.c -- RFC 8288 Link header parsing.
 *
 *   Link       = #link-value
 *   link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
 *   link-param = token BWS [ "=" BWS ( token / quoted-string ) ]
 *
 * Whitespace includes CR and LF because vendor docs (Canvas Catalog) fold
 * the header over lines.  The parser only reads the header; quoted values
 * with escapes are unescaped into a scratch buffer it owns and frees. */
#include <string.h>
#include <strings.h>

#include "lmskit.h"

/* The unread part of the header. */
typedef struct link_cursor {
    const char *p;
    const char *end;
} link_cursor;

/* Whitespace between links and parameters, line breaks included. */
static int is_space(char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Moves the cursor past whitespace. */
static void skip_space(link_cursor *c) {
    while (c->p < c->end && is_space(*c->p)) c->p++;
}

/* A token ends at whitespace or at a delimiter of the grammar above. */
static size_t token_length(const link_cursor *c) {
    const char *q = c->p;
    while (q < c->end && !is_space(*q) && *q != '=' && *q != ';' &&
           *q != ',' && *q != '"' && *q != '<' && *q != '>')
        q++;
    return (size_t)(q - c->p);
}

/* Reads a quoted-string (cursor on the opening quote) into scratch. */
static lmk_kind read_quoted(link_cursor *c, lmk_buf *scratch) {
    lmk_buf_reset(scratch);
    c->p++;
    while (c->p < c->end && *c->p != '"') {
        if (*c->p == '\\' && c->p + 1 < c->end) c->p++;
        if (lmk_buf_add(scratch, c->p, 1) != LMK_OK) return LMK_NOMEM;
        c->p++;
    }
    if (c->p >= c->end) return LMK_DECODE; /* unterminated */
    c->p++;
    if (!scratch->data && lmk_buf_add(scratch, "", 0) != LMK_OK)
        return LMK_NOMEM;
    return LMK_OK;
}

/* Calls fn for each space-separated relation type in a rel value. */
static int each_rel(const char *uri, size_t uri_len, const char *v,
                    size_t n, lmk_link_fn fn, void *ud) {
    size_t i = 0;
    while (i < n) {
        while (i < n && is_space(v[i])) i++;
        size_t start = i;
        while (i < n && !is_space(v[i])) i++;
        if (i > start && fn(ud, uri, uri_len, v + start, i - start))
            return 1;
    }
    return 0;
}

/* Parses one link-param; reports rel values through fn.  *stop is set when
 * the callback asked to stop. */
static lmk_kind read_param(link_cursor *c, const char *uri, size_t uri_len,
                           lmk_buf *scratch, lmk_link_fn fn, void *ud,
                           int *stop) {
    size_t name_len = token_length(c);
    if (name_len == 0) return LMK_DECODE;
    int is_rel = name_len == 3 && strncasecmp(c->p, "rel", 3) == 0;
    c->p += name_len;
    skip_space(c);
    if (c->p >= c->end || *c->p != '=') return LMK_OK; /* bare parameter */
    c->p++;
    skip_space(c);
    const char *value;
    size_t value_len;
    if (c->p < c->end && *c->p == '"') {
        lmk_kind k = read_quoted(c, scratch);
        if (k != LMK_OK) return k;
        value = scratch->data;
        value_len = scratch->len;
    } else {
        value = c->p;
        value_len = token_length(c);
        c->p += value_len;
    }
    if (is_rel && each_rel(uri, uri_len, value, value_len, fn, ud))
        *stop = 1;
    return LMK_OK;
}

/* Parses one link-value (cursor on '<'). */
static lmk_kind read_link(link_cursor *c, lmk_buf *scratch, lmk_link_fn fn,
                          void *ud, int *stop) {
    if (*c->p != '<') return LMK_DECODE;
    const char *uri = ++c->p;
    while (c->p < c->end && *c->p != '>') c->p++;
    if (c->p >= c->end) return LMK_DECODE;
    size_t uri_len = (size_t)(c->p - uri);
    c->p++;
    for (;;) {
        skip_space(c);
        if (c->p >= c->end || *c->p == ',') return LMK_OK;
        if (*c->p != ';') return LMK_DECODE;
        c->p++;
        skip_space(c);
        if (c->p >= c->end || *c->p == ',' || *c->p == ';')
            continue; /* empty parameter (a trailing ';' too), tolerated */
        lmk_kind k = read_param(c, uri, uri_len, scratch, fn, ud, stop);
        if (k != LMK_OK || *stop) return k;
    }
}

/* Walks every link-value of a header. */
lmk_kind lmk_link_parse(const char *header, size_t len, lmk_link_fn fn,
                        void *ud) {
    link_cursor c = {header, header + len};
    lmk_buf scratch;
    lmk_buf_init(&scratch);
    lmk_kind k = LMK_OK;
    int stop = 0;
    for (;;) {
        while (c.p < c.end && (is_space(*c.p) || *c.p == ',')) c.p++;
        if (c.p >= c.end) break;
        k = read_link(&c, &scratch, fn, ud, &stop);
        if (k != LMK_OK || stop) break;
    }
    lmk_buf_free(&scratch);
    return k;
}

/* What lmk_link_find looks for and what it found. */
typedef struct find_state {
    const char *rel;
    lmk_buf *out;
    int found;
    int failed;
} find_state;

/* Keeps the first URI whose relation matches (relation types are
 * case-insensitive, RFC 8288 section 2.1.1). */
static int find_cb(void *ud, const char *uri, size_t uri_len,
                   const char *rel, size_t rel_len) {
    find_state *st = ud;
    if (strlen(st->rel) != rel_len || strncasecmp(st->rel, rel, rel_len))
        return 0;
    lmk_buf_reset(st->out);
    if (lmk_buf_add(st->out, uri, uri_len) != LMK_OK) st->failed = 1;
    st->found = 1;
    return 1;
}

/* The first target with relation rel into uri_out: a walk stopped by
 * find_cb.  A parse error after the match still counts as found. */
int lmk_link_find(const char *header, size_t len, const char *rel,
                  lmk_buf *uri_out) {
    find_state st = {rel, uri_out, 0, 0};
    if (lmk_link_parse(header, len, find_cb, &st) != LMK_OK && !st.found)
        return 0;
    return st.found && !st.failed;
}
