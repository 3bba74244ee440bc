/* fuzz_link.c -- lmk_link_parse and lmk_link_find (RFC 8288 Link headers,
 * which come from servers: hostile input).
 *
 * Input: one byte choosing the relation lmk_link_find looks for, then the
 * header value.  Invariants:
 *   - every target handed to the callback is a view into the header,
 *     exactly the bytes between a '<' and the next '>';
 *   - every relation is non-empty, holds no whitespace, and is a
 *     subsequence of the header (unescaping only drops backslashes);
 *   - the walk makes at most one callback per header byte;
 *   - lmk_link_find agrees with a full walk: it finds a relation exactly
 *     when the walk reported it before any error, and returns the first
 *     such target. */
#include <strings.h>

#include "../src/core/lmskit.h"
#include "fuzz.h"

typedef struct walk {
    const char *h;
    size_t n;
    const char *want;
    size_t calls;
    int found;
    const char *first;
    size_t first_len;
} walk;

/* 1 when s[0..sn) is a subsequence of t[0..tn). */
static int subsequence(const char *s, size_t sn, const char *t, size_t tn) {
    size_t i = 0;
    for (size_t j = 0; i < sn && j < tn; j++)
        if (s[i] == t[j]) i++;
    return i == sn;
}

/* Checks one (target, relation) pair and remembers the first match. */
static int on_link(void *ud, const char *uri, size_t uri_len, const char *rel,
                   size_t rel_len) {
    walk *w = ud;
    const char *end = w->h + w->n;
    FZ_CHECK(uri > w->h && uri + uri_len < end, "target inside the header");
    FZ_CHECK(uri[-1] == '<' && uri[uri_len] == '>', "target between < and >");
    FZ_CHECK(!memchr(uri, '>', uri_len), "target ends at the first >");
    FZ_CHECK(rel_len > 0, "relation is not empty");
    for (size_t i = 0; i < rel_len; i++)
        FZ_CHECK(rel[i] != ' ' && rel[i] != '\t' && rel[i] != '\r' &&
                     rel[i] != '\n',
                 "relation without whitespace");
    FZ_CHECK(subsequence(rel, rel_len, w->h, w->n),
             "relation comes from the header");
    FZ_CHECK(++w->calls <= w->n, "at most one callback per byte");
    if (!w->found && strlen(w->want) == rel_len &&
        strncasecmp(w->want, rel, rel_len) == 0) {
        w->found = 1;
        w->first = uri;
        w->first_len = uri_len;
    }
    return 0;
}

/* Stops at the first callback, for the early-stop path. */
static int stop_first(void *ud, const char *uri, size_t uri_len,
                      const char *rel, size_t rel_len) {
    (void)uri, (void)uri_len, (void)rel, (void)rel_len;
    ++*(size_t *)ud;
    return 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    static const char *const rels[] = {"next", "last", "first", "prev", "NEXT"};
    fz_input in = {data, size};
    const char *want = rels[fz_byte(&in) % 5];
    /* a copy of exactly the header bytes, so ASan sees any over-read */
    char *h = malloc(in.n ? in.n : 1);
    if (!h) return 0;
    if (in.n) memcpy(h, in.p, in.n);
    size_t n = in.n;

    walk w = {h, n, want, 0, 0, NULL, 0};
    lmk_kind k = lmk_link_parse(h, n, on_link, &w);
    FZ_CHECK(k == LMK_OK || k == LMK_DECODE, "only OK or DECODE");

    lmk_buf out;
    lmk_buf_init(&out);
    int found = lmk_link_find(h, n, want, &out);
    FZ_CHECK(found == w.found, "find agrees with the walk");
    if (found)
        FZ_CHECK(out.len == w.first_len && memcmp(out.data, w.first, out.len) == 0,
                 "find returns the first target");
    lmk_buf_free(&out);

    size_t calls = 0;
    lmk_kind k2 = lmk_link_parse(h, n, stop_first, &calls);
    FZ_CHECK(calls <= 1, "a non-zero return stops the walk");
    if (calls == 0) FZ_CHECK(k2 == k && w.calls == 0, "same result without callbacks");
    free(h);
    return 0;
}
