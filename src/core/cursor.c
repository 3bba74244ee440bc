/* cursor.c -- a list walk's paging decisions (see lmskit.h "paging
 * cursor"): the next request(s), the window of pages in flight, the end,
 * the loop guard, and the order pages are handed back.  No I/O: the
 * caller sends, and reports what came back. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "page_guard.h"

/* A page asked and not yet taken; slot index % prefetch. */
typedef enum slot_state { SLOT_FREE, SLOT_ASKED, SLOT_ARRIVED, SLOT_FAILED } slot_state;

typedef struct slot {
    slot_state state;
    int ranged; /* asked by number inside a known range: no guard */
} slot;

struct lmk_cursor {
    lmk_cursor_opts o;       /* strings and caps point at the copies below */
    char *param;
    long *caps;
    slot *ring;              /* o.prefetch slots */
    size_t asked;            /* the last index asked */
    size_t head;             /* the next index to take */
    size_t end_at;           /* the walk's last page, 0: not known yet */
    size_t fail_at;          /* where the walk fails, 0: nowhere */
    lmk_buf error, error_url;
    int pending;             /* one at a time: the next request is known */
    lmk_page_by pending_by;
    long pending_n;
    long number;             /* the latest page number or offset asked */
    lmk_buf url;             /* LINK: the latest page's URL */
    lmk_buf next_url;        /* LINK: where rel="next" leads */
    int ranged;              /* pages by number up to range_last */
    long range_next, range_last;
    lmk_seen_set keys, marks;
};

/* Copies opts' strings and caps so the caller's may go. */
static lmk_kind copy_opts(lmk_cursor *c, const lmk_cursor_opts *o) {
    c->o = *o;
    if (o->page_param && !(c->param = strdup(o->page_param))) return LMK_NOMEM;
    c->o.page_param = c->param;
    if (o->ncaps) {
        if (!(c->caps = calloc(o->ncaps, sizeof *c->caps))) return LMK_NOMEM;
        memcpy(c->caps, o->caps, o->ncaps * sizeof *c->caps);
    }
    c->o.caps = c->caps;
    c->o.first_url = NULL; /* kept in c->url */
    return LMK_OK;
}

/* Makes a cursor whose first request is pending (see lmskit.h). */
lmk_kind lmk_cursor_new(const lmk_cursor_opts *o, lmk_cursor **out) {
    *out = NULL;
    if (o->prefetch < 1 || o->max_pages < 1) return LMK_USAGE;
    if (o->strategy == LMK_PAGING_LINK && (!o->follow || !o->first_url)) return LMK_USAGE;
    if (o->strategy > LMK_PAGING_OFFSET) return LMK_USAGE;
    lmk_cursor *c = calloc(1, sizeof *c);
    if (!c) return LMK_NOMEM;
    lmk_kind k = copy_opts(c, o);
    if (k == LMK_OK && !(c->ring = calloc(o->prefetch, sizeof *c->ring))) k = LMK_NOMEM;
    c->head = 1;
    c->pending = 1;
    c->pending_by = o->strategy == LMK_PAGING_LINK ? LMK_PAGE_FIRST
                  : (o->strategy == LMK_PAGING_OFFSET || o->by_offset) ? LMK_PAGE_OFFSET
                  : LMK_PAGE_NUMBER;
    c->pending_n = o->strategy == LMK_PAGING_PAGE && !o->by_offset ? 1 : o->first;
    if (k == LMK_OK && o->strategy == LMK_PAGING_LINK) {
        k = lmk_buf_adds(&c->url, o->first_url);
        lmk_buf key;
        lmk_buf_init(&key);
        if (k == LMK_OK) k = lmk_page_key(o->first_url, c->param, &key);
        if (k == LMK_OK && lmk_seen_put(&c->keys, key.data, key.len, 1, NULL) < 0) k = LMK_NOMEM;
        lmk_buf_free(&key);
    }
    if (k != LMK_OK) {
        lmk_cursor_free(c);
        return k;
    }
    *out = c;
    return LMK_OK;
}

/* Frees the cursor and everything it copied. */
void lmk_cursor_free(lmk_cursor *c) {
    if (!c) return;
    free(c->param);
    free(c->caps);
    free(c->ring);
    lmk_buf_free(&c->error);
    lmk_buf_free(&c->error_url);
    lmk_buf_free(&c->url);
    lmk_buf_free(&c->next_url);
    lmk_seen_free(&c->keys);
    lmk_seen_free(&c->marks);
    free(c);
}

/* The slot of page index. */
static slot *slot_at(lmk_cursor *c, size_t index) {
    return &c->ring[index % c->o.prefetch];
}

/* Pages asked and not yet taken. */
size_t lmk_cursor_in_flight(const lmk_cursor *c) { return c->asked - (c->head - 1); }

/* 1 while pages are asked by number inside a known range. */
int lmk_cursor_ahead(const lmk_cursor *c) { return c->ranged; }

/* Ends the walk after page index (the earliest end wins). */
static void end_at(lmk_cursor *c, size_t index) {
    if (!c->end_at || index < c->end_at) c->end_at = index;
}

/* Fails the walk at page index with message; url NULL names the caller's
 * own request.  The first failure wins.  LMK_NOMEM only. */
static lmk_kind fail_at(lmk_cursor *c, size_t index, const char *message, const char *url) {
    if (c->fail_at && c->fail_at <= index) return LMK_OK;
    c->fail_at = index;
    lmk_buf_reset(&c->error);
    lmk_buf_reset(&c->error_url);
    lmk_kind k = lmk_buf_adds(&c->error, message);
    if (k == LMK_OK && url) k = lmk_buf_adds(&c->error_url, url);
    return k;
}

/* 1 when a request may be sent now, with *ask filled. */
int lmk_cursor_ask(lmk_cursor *c, lmk_page_ask *ask) {
    size_t index = c->asked + 1;
    if ((c->fail_at && index >= c->fail_at) || (c->end_at && index > c->end_at)) return 0;
    if (lmk_cursor_in_flight(c) >= c->o.prefetch) return 0;
    memset(ask, 0, sizeof *ask);
    ask->index = index;
    if (c->ranged) {
        if (c->range_next > c->range_last) return 0;
        ask->by = LMK_PAGE_NUMBER;
        ask->n = c->range_next++;
    } else {
        if (!c->pending || lmk_cursor_in_flight(c) > 0) return 0;
        c->pending = 0;
        ask->by = c->pending_by;
        ask->n = c->number = c->pending_n;
        if (ask->by == LMK_PAGE_URL) {
            lmk_buf_reset(&c->url);
            if (lmk_buf_add(&c->url, c->next_url.data, c->next_url.len) != LMK_OK) {
                c->pending = 1;
                return 0;
            }
            ask->url = c->url.data;
        }
    }
    *slot_at(c, index) = (slot){ SLOT_ASKED, c->ranged };
    c->asked = index;
    return 1;
}

/* Makes the next request known: page `by n`, unless page index+1 would
 * pass max_pages (then the walk fails there, after page index). */
static lmk_kind then_ask(lmk_cursor *c, size_t index, lmk_page_by by, long n) {
    if ((long)index + 1 > c->o.max_pages) {
        char msg[128];
        snprintf(msg, sizeof msg,
                 "more than %ld pages and the server declares no end; stopped (max_pages)",
                 c->o.max_pages);
        return fail_at(c, by == LMK_PAGE_URL ? index : index + 1, msg, NULL);
    }
    c->pending = 1;
    c->pending_by = by;
    c->pending_n = n;
    return LMK_OK;
}

/* Asks the pages from..last by number next (a known range), page index
 * being the one that told it. */
static void ask_range(lmk_cursor *c, size_t index, long from, long last) {
    c->ranged = 1;
    c->range_next = from;
    c->range_last = last;
    end_at(c, last < from ? index : index + (size_t)(last - from) + 1);
}

/* rel="next" and rel="last" of a Link header, first occurrence each. */
typedef struct rels {
    lmk_buf next, last;
    int has_next, has_last;
} rels;

/* lmk_link_fn: keeps the first next and last (relation types are
 * case-insensitive, RFC 8288 section 2.1.1). */
static int keep_rel(void *ud, const char *uri, size_t uri_len, const char *rel,
                    size_t rel_len) {
    rels *r = ud;
    int is_next = rel_len == 4 && strncasecmp(rel, "next", 4) == 0;
    int is_last = rel_len == 4 && strncasecmp(rel, "last", 4) == 0;
    if (is_next && !r->has_next) {
        r->has_next = 1;
        if (lmk_buf_add(&r->next, uri, uri_len) != LMK_OK) return 1;
    } else if (is_last && !r->has_last) {
        r->has_last = 1;
        if (lmk_buf_add(&r->last, uri, uri_len) != LMK_OK) return 1;
    }
    return 0;
}

/* 1 when the first page's links name the last page by number, rel="next"
 * is the page after, and rel="last" stays on the origin: the rest can be
 * asked ahead by number. */
static int knows_last(lmk_cursor *c, size_t index, rels *r, long *last) {
    if (index != 1 || c->o.first <= 0 || !c->param || !r->has_last || !r->has_next) return 0;
    *last = lmk_page_param_number(r->last.data, c->param);
    if (*last < 0 || !lmk_page_param_is(r->next.data, c->param, c->o.first + 1)) return 0;
    lmk_buf where;
    lmk_buf_init(&where);
    int same = c->o.follow(c->o.follow_ud, c->url.data, r->last.data, &where);
    lmk_buf_free(&where);
    return same == 1;
}

/* LINK: the next page is where rel="next" leads (on the origin, not read
 * yet), or the rest by number when the first page names the last. */
static lmk_kind follow_links(lmk_cursor *c, size_t index, const lmk_page_seen *seen) {
    rels r;
    memset(&r, 0, sizeof r);
    lmk_buf_init(&r.next);
    lmk_buf_init(&r.last);
    if (seen->link && lmk_link_parse(seen->link, seen->link_len, keep_rel, &r) != LMK_OK)
        r.has_next = r.has_last = 0; /* a malformed header: no links (core.links) */
    if (r.has_next && !r.next.data) r.has_next = 0 == lmk_buf_add(&r.next, "", 0) ? 1 : 0;
    if (r.has_last && !r.last.data) r.has_last = 0 == lmk_buf_add(&r.last, "", 0) ? 1 : 0;
    long last = -1;
    lmk_kind k = LMK_OK;
    if (knows_last(c, index, &r, &last)) {
        ask_range(c, index, c->o.first + 1, last);
    } else if (!r.has_next) {
        end_at(c, index);
    } else {
        lmk_buf_reset(&c->next_url);
        if (c->o.follow(c->o.follow_ud, c->url.data, r.next.data, &c->next_url) != 1) {
            k = fail_at(c, index, "paging link leads to another origin; not followed", c->url.data);
        } else {
            lmk_buf key;
            lmk_buf_init(&key);
            k = lmk_page_key(c->next_url.data, c->param, &key);
            int seen_before = k == LMK_OK ? lmk_seen_put(&c->keys, key.data, key.len, 0, NULL) : 0;
            lmk_buf_free(&key);
            if (seen_before < 0) k = LMK_NOMEM;
            else if (seen_before) k = fail_at(c, index, "paging leads to a page already read; not followed (a loop)", NULL);
            else if (k == LMK_OK) k = then_ask(c, index, LMK_PAGE_URL, 0);
        }
    }
    lmk_buf_free(&r.next);
    lmk_buf_free(&r.last);
    return k;
}

/* What page index (asked one at a time) says about the next. */
static lmk_kind decide(lmk_cursor *c, size_t index, const lmk_page_seen *seen) {
    if (seen->count <= 0) {
        end_at(c, index);
        return LMK_OK;
    }
    if (seen->mark) {
        long before = 0;
        int r = lmk_seen_put(&c->marks, seen->mark, seen->mark_len, (long)index, &before);
        if (r < 0) return LMK_NOMEM;
        if (r == 1) {
            char msg[128];
            snprintf(msg, sizeof msg,
                     "page %zu repeats page %ld: the server does not move on; stopped",
                     index, before);
            return fail_at(c, index, msg, NULL);
        }
    }
    switch (c->o.strategy) {
    case LMK_PAGING_LINK:
        return follow_links(c, index, seen);
    case LMK_PAGING_PAGE_NUMBER:
        if (seen->total >= 0) {
            ask_range(c, index, c->number + 1, seen->total);
            return LMK_OK;
        }
        if (!seen->more) {
            end_at(c, index);
            return LMK_OK;
        }
        return then_ask(c, index, LMK_PAGE_NUMBER, c->number + 1);
    case LMK_PAGING_PAGE:
        return then_ask(c, index, c->o.by_offset ? LMK_PAGE_OFFSET : LMK_PAGE_NUMBER,
                        c->o.by_offset ? c->number + seen->count : c->number + 1);
    case LMK_PAGING_OFFSET: {
        int more = seen->count >= c->o.limit;
        for (size_t i = 0; !more && i < c->o.ncaps; i++) more = seen->count == c->o.caps[i];
        if (!more) {
            end_at(c, index);
            return LMK_OK;
        }
        return then_ask(c, index, LMK_PAGE_OFFSET, c->number + seen->count);
    }
    }
    return LMK_OK;
}

/* Page index came back (seen NULL: its request failed). */
lmk_kind lmk_cursor_arrived(lmk_cursor *c, size_t index, const lmk_page_seen *seen) {
    if (index < c->head || index > c->asked) return LMK_USAGE;
    slot *s = slot_at(c, index);
    if (s->state != SLOT_ASKED) return LMK_USAGE;
    if (!seen) {
        s->state = SLOT_FAILED;
        end_at(c, index);
        return LMK_OK;
    }
    s->state = SLOT_ARRIVED;
    if (s->ranged) {
        if (seen->count <= 0) end_at(c, index);
        return LMK_OK;
    }
    return decide(c, index, seen);
}

/* The next page in order, the walk's end, or its failure. */
int lmk_cursor_take(lmk_cursor *c, size_t *index) {
    *index = 0;
    /* past the end first: a page asked ahead of an empty one and failed
     * is not part of the walk */
    if (c->end_at && c->head > c->end_at) return -1;
    if (c->head <= c->asked && slot_at(c, c->head)->state == SLOT_FAILED) {
        *index = c->head;
        return -2;
    }
    if (c->fail_at && c->head >= c->fail_at) return -2;
    if (c->head > c->asked) return 0;
    slot *s = slot_at(c, c->head);
    if (s->state != SLOT_ARRIVED) return 0;
    s->state = SLOT_FREE;
    *index = c->head++;
    return 1;
}

/* The failure's message, "" when none. */
const char *lmk_cursor_error(const lmk_cursor *c) {
    return c->error.data ? c->error.data : "";
}

/* The URL the failure names, NULL for the caller's own request. */
const char *lmk_cursor_error_url(const lmk_cursor *c) {
    return c->error_url.len ? c->error_url.data : NULL;
}
