/* page_guard.c -- the pieces of a paging cursor's loop guard: a set of
 * strings seen (page keys, page marks) with the page that first showed
 * each, a page URL's identity, and the page number a URL names. */
#include <ctype.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page_guard.h"

struct lmk_seen_entry {
    char *key;  /* NULL: empty slot */
    size_t len;
    long value;
};

/* FNV-1a over the key's bytes. */
static size_t hash_of(const char *key, size_t len) {
    size_t h = (size_t)2166136261u;
    for (size_t i = 0; i < len; i++) h = (h ^ (unsigned char)key[i]) * 16777619u;
    return h;
}

/* The slot holding key, or the empty slot where it would go. */
static struct lmk_seen_entry *slot_of(struct lmk_seen_entry *slots, size_t cap,
                                      const char *key, size_t len) {
    size_t i = hash_of(key, len) & (cap - 1);
    while (slots[i].key &&
           !(slots[i].len == len && memcmp(slots[i].key, key, len) == 0))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

/* Doubles the table (16 slots at first), moving every entry. */
static int grow(lmk_seen_set *s) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    struct lmk_seen_entry *slots = calloc(cap, sizeof *slots);
    if (!slots) return -1;
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].key)
            *slot_of(slots, cap, s->slots[i].key, s->slots[i].len) = s->slots[i];
    free(s->slots);
    s->slots = slots;
    s->cap = cap;
    return 0;
}

/* Adds key (copied) with value unless present; 1 present, 0 added. */
int lmk_seen_put(lmk_seen_set *s, const char *key, size_t len, long value,
                 long *before) {
    if ((s->used + 1) * 2 > s->cap && grow(s) != 0) return -1;
    struct lmk_seen_entry *e = slot_of(s->slots, s->cap, key, len);
    if (e->key) {
        if (before) *before = e->value;
        return 1;
    }
    e->key = malloc(len + 1);
    if (!e->key) return -1;
    memcpy(e->key, key, len);
    e->key[len] = '\0';
    e->len = len;
    e->value = value;
    s->used++;
    return 0;
}

/* Frees every key and the table; the set is empty again. */
void lmk_seen_free(lmk_seen_set *s) {
    for (size_t i = 0; i < s->cap; i++) free(s->slots[i].key);
    free(s->slots);
    memset(s, 0, sizeof *s);
}

/* A query piece ("name=value"), for sorting. */
typedef struct piece {
    const char *p;
    size_t n;
} piece;

/* Byte order of two pieces (Lua's table.sort on strings in the C locale). */
static int piece_cmp(const void *a, const void *b) {
    const piece *x = a, *y = b;
    size_t n = x->n < y->n ? x->n : y->n;
    int c = memcmp(x->p, y->p, n);
    return c ? c : (x->n > y->n) - (x->n < y->n);
}

/* Appends the page number value as its key: digits lose leading zeros
 * (tostring(tonumber(v)) in Lua), anything else stays as it is. */
static lmk_kind add_number(lmk_buf *out, const char *v, size_t n) {
    size_t i = 0;
    while (i < n && isdigit((unsigned char)v[i])) i++;
    if (n == 0 || i < n) return lmk_buf_add(out, v, n);
    size_t z = 0;
    while (z + 1 < n && v[z] == '0') z++;
    return lmk_buf_add(out, v + z, n - z);
}

/* path?sorted-query-without-param#page-number. */
lmk_kind lmk_page_key(const char *url, const char *param, lmk_buf *out) {
    size_t base = strcspn(url, "?#");
    const char *q = url + base, *qend;
    if (*q == '?') q++;
    else q = url + base; /* no query: an empty one */
    qend = q + strcspn(q, "#");
    size_t max = 1;
    for (const char *p = q; p < qend; p++) max += *p == '&';
    piece *pieces = calloc(max, sizeof *pieces);
    if (!pieces) return LMK_NOMEM;
    size_t np = 0, plen = param ? strlen(param) : 0;
    const char *num = "1";
    size_t numlen = 1;
    for (const char *p = q; p < qend;) {
        size_t n = (size_t)(memchr(p, '&', (size_t)(qend - p))
                                ? (const char *)memchr(p, '&', (size_t)(qend - p)) - p
                                : qend - p);
        if (n > 0) {
            size_t name = strcspn(p, "=");
            if (name > n) name = n;
            if (param && name == plen && memcmp(p, param, plen) == 0) {
                num = name < n ? p + name + 1 : p + n;
                numlen = name < n ? n - name - 1 : 0;
            } else {
                pieces[np].p = p;
                pieces[np++].n = n;
            }
        }
        p += n + (p + n < qend);
    }
    qsort(pieces, np, sizeof *pieces, piece_cmp);
    lmk_kind k = lmk_buf_add(out, url, base);
    if (k == LMK_OK) k = lmk_buf_add(out, "?", 1);
    for (size_t i = 0; k == LMK_OK && i < np; i++) {
        if (i > 0) k = lmk_buf_add(out, "&", 1);
        if (k == LMK_OK) k = lmk_buf_add(out, pieces[i].p, pieces[i].n);
    }
    if (k == LMK_OK) k = lmk_buf_add(out, "#", 1);
    if (k == LMK_OK) k = add_number(out, num, numlen);
    free(pieces);
    return k;
}

/* Where "[?&]param=" starts at or after from, or NULL. */
static const char *find_param(const char *from, const char *param) {
    size_t plen = strlen(param);
    for (const char *p = from; (p = strpbrk(p, "?&")) != NULL; p++)
        if (strncmp(p + 1, param, plen) == 0 && p[1 + plen] == '=') return p + plen + 2;
    return NULL;
}

/* The first "[?&]param=<digits>" in url, as a number; -1 when none. */
long lmk_page_param_number(const char *url, const char *param) {
    for (const char *v = find_param(url, param); v; v = find_param(v, param)) {
        if (!isdigit((unsigned char)*v)) continue;
        long n = 0;
        for (; isdigit((unsigned char)*v); v++) {
            if (n > (LONG_MAX - 9) / 10) return -1;
            n = n * 10 + (*v - '0');
        }
        return n;
    }
    return -1;
}

/* 1 when url has "[?&]param=<n>" and no digit right after it. */
int lmk_page_param_is(const char *url, const char *param, long n) {
    char want[32];
    int w = snprintf(want, sizeof want, "%ld", n);
    for (const char *v = find_param(url, param); v; v = find_param(v, param))
        if (strncmp(v, want, (size_t)w) == 0 && !isdigit((unsigned char)v[w])) return 1;
    return 0;
}
