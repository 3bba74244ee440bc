/* page_guard.h -- what a paging cursor (cursor.c) uses to refuse a walk
 * that does not move on: a page URL's identity and a set of strings seen
 * (page keys, page marks), each with the page that first showed it.
 * Private to src/core/; no libcurl. */
#ifndef LMSKIT_PAGE_GUARD_H
#define LMSKIT_PAGE_GUARD_H

#include "lmskit.h"

/* Strings seen so far, each with a value (a page number); open addressing
 * over FNV-1a, owned copies.  Zeroed memory is an empty set. */
typedef struct lmk_seen_set {
    struct lmk_seen_entry *slots;
    size_t cap, used;
} lmk_seen_set;

/* Adds key with value; when key was already there, *before receives its
 * first value (left as is) and 1 is returned, else 0 (-1: no memory). */
int lmk_seen_put(lmk_seen_set *s, const char *key, size_t len, long value,
                 long *before);
void lmk_seen_free(lmk_seen_set *s);

/* The identity of a page URL: its path and its sorted query with the page
 * parameter (1 when absent, leading zeros dropped) kept apart, so
 * "?per_page=1" and "?page=1&per_page=1" are the same page.  param may be
 * NULL (no page parameter). */
lmk_kind lmk_page_key(const char *url, const char *param, lmk_buf *out);

/* The number after the first "[?&]param=" that has digits in url; -1
 * when none (Lua: url:match("[?&]" .. param .. "=(%d+)")). */
long lmk_page_param_number(const char *url, const char *param);
/* 1 when url has "[?&]param=<n>" not followed by another digit. */
int lmk_page_param_is(const char *url, const char *param, long n);

#endif
