/* cursor_test.c -- unit tests of the paging cursor (src/core/cursor.c,
 * page_guard.c) against fake servers, no network: every strategy, pages
 * arriving out of order, the window of pages in flight, loops, repeated
 * pages, short and capped pages, max_pages, origins, failed requests.
 * `make test-core` builds it under ASan + UBSan and runs it; the exit
 * status is the number of failed checks (capped at 100). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/lmskit.h"
#include "../src/core/page_guard.h"

#include "check.h"
#include "same_origin.h"

/* ------------------------------------------------------- fake servers */

/* A response: what the binding would report from it. */
typedef struct reply {
    long count, total;
    int more;
    char link[256];
    char mark[64];   /* "" : no mark */
    int failed;      /* the request failed */
} reply;

typedef struct server server;
typedef void (*server_fn)(server *s, const lmk_page_ask *ask, reply *r);

/* A fake server: its answer function and its knobs. */
struct server {
    server_fn answer;
    long pages;        /* numbered: pages with items */
    long per_page;
    int declare_total; /* numbered: meta total-pages */
    long items;        /* offset: items in the collection */
    long cap;          /* offset: most items a page holds, 0: none */
    long fail_page;    /* this page's request fails, 0: none */
    int same_mark;     /* every page has the same mark */
    const char *link_of[8]; /* link: the Link header of page n (1..7) */
    long link_page;    /* link: the page the latest URL asked names */
};

/* The log of one walk: what was asked, what was taken, how it ended. */
typedef struct walk_log {
    char asked[64][96];
    int nasked;
    size_t taken[64];
    int ntaken;
    int result;        /* -1 over, -2 failed, 99 stuck */
    size_t failed_index;
    size_t max_flight;
    int ahead;         /* lmk_cursor_ahead said 1 at some point */
} walk_log;

/* Writes what an ask names: "F", "N3", "O10", "U<url>". */
static void describe(const lmk_page_ask *a, char *out, size_t n) {
    switch (a->by) {
    case LMK_PAGE_FIRST: snprintf(out, n, "F"); break;
    case LMK_PAGE_NUMBER: snprintf(out, n, "N%ld", a->n); break;
    case LMK_PAGE_OFFSET: snprintf(out, n, "O%ld", a->n); break;
    case LMK_PAGE_URL: snprintf(out, n, "U%s", a->url); break;
    }
}

/* Drives a cursor as the binding would: takes pages in order, asks all
 * it may when the next is not in, and delivers one answer at a time
 * (the newest first when reverse: out-of-order arrival). */
static void walk(lmk_cursor *c, server *s, int reverse, walk_log *log) {
    struct { size_t index; reply r; } inflight[16];
    int n = 0;
    memset(log, 0, sizeof *log);
    for (int guard = 0; guard < 200; guard++) {
        size_t idx;
        int t = lmk_cursor_take(c, &idx);
        if (t == 1) {
            log->taken[log->ntaken++] = idx;
            continue;
        }
        if (t < 0) {
            log->result = t;
            log->failed_index = idx;
            return;
        }
        lmk_page_ask a;
        while (lmk_cursor_ask(c, &a)) {
            describe(&a, log->asked[log->nasked++], sizeof log->asked[0]);
            inflight[n].index = a.index;
            memset(&inflight[n].r, 0, sizeof inflight[n].r);
            inflight[n].r.total = -1;
            s->answer(s, &a, &inflight[n].r);
            n++;
        }
        if (lmk_cursor_in_flight(c) > log->max_flight) log->max_flight = lmk_cursor_in_flight(c);
        if (n == 0) {
            log->result = 99;
            return;
        }
        int pick = reverse ? n - 1 : 0;
        reply *r = &inflight[pick].r;
        lmk_page_seen seen = { r->link[0] ? r->link : NULL, strlen(r->link), r->count,
                               r->total, r->more, r->mark[0] ? r->mark : NULL, strlen(r->mark) };
        CHECK(lmk_cursor_arrived(c, inflight[pick].index, r->failed ? NULL : &seen) == LMK_OK);
        if (lmk_cursor_ahead(c)) log->ahead = 1;
        memmove(&inflight[pick], &inflight[pick + 1], (size_t)(n - pick - 1) * sizeof inflight[0]);
        n--;
    }
    log->result = 99;
}

/* Pages 1..pages hold per_page items each, later pages none. */
static void numbered(server *s, const lmk_page_ask *a, reply *r) {
    long page = a->by == LMK_PAGE_NUMBER ? a->n : 1;
    r->count = page <= s->pages ? s->per_page : 0;
    if (s->declare_total) r->total = s->pages;
    r->more = page < s->pages;
    r->failed = page == s->fail_page;
    if (s->same_mark) snprintf(r->mark, sizeof r->mark, "1\x1f" "2\x1f" "2");
    else if (r->count) snprintf(r->mark, sizeof r->mark, "%ld\x1f%ld\x1f%ld", page * 10, page * 10 + 1, r->count);
}

/* `items` items read by offset; limit is the cursor's, capped at cap. */
static long offset_limit;
static void by_offset(server *s, const lmk_page_ask *a, reply *r) {
    long left = s->items - a->n, want = offset_limit;
    if (s->cap && want > s->cap) want = s->cap;
    r->count = left < 0 ? 0 : left < want ? left : want;
    if (r->count) snprintf(r->mark, sizeof r->mark, "%ld\x1f%ld\x1f%ld", a->n, a->n + r->count - 1, r->count);
}

/* Link pages: page n's header is link_of[n]; a URL asks page=N in it. */
static void linked(server *s, const lmk_page_ask *a, reply *r) {
    long page = 1;
    if (a->by == LMK_PAGE_NUMBER) page = a->n;
    if (a->by == LMK_PAGE_URL) {
        const char *p = strstr(a->url, "page=");
        page = p ? atol(p + 5) : 1;
    }
    r->count = 2;
    r->failed = page == s->fail_page;
    snprintf(r->mark, sizeof r->mark, "%ld\x1f%ld\x1f" "2", page * 10, page * 10 + 1);
    if (page >= 1 && page < 8 && s->link_of[page]) snprintf(r->link, sizeof r->link, "%s", s->link_of[page]);
}

/* A cursor over opts; NULL fails the test. */
static lmk_cursor *cursor(lmk_cursor_opts o) {
    lmk_cursor *c = NULL;
    CHECK(lmk_cursor_new(&o, &c) == LMK_OK && c);
    return c;
}

/* A link cursor on page numbers ("page") from first_url, three pages in
 * flight at the most; first: the first page's number (0: unknown). */
static lmk_cursor *link_cursor(const char *first_url, long first, long max_pages) {
    return cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_LINK, .first = first,
                                     .page_param = "page", .first_url = first_url,
                                     .follow = follow, .prefetch = 3, .max_pages = max_pages });
}

/* -------------------------------------------------------------- tests */

/* The helpers of the loop guard: page identity, page numbers, the set. */
static void test_guard(void) {
    lmk_buf b;
    lmk_buf_init(&b);
    CHECK(lmk_page_key("https://h/a?per_page=1", "page", &b) == LMK_OK);
    CHECK_STREQ(b.data, "https://h/a?per_page=1#1");
    lmk_buf_reset(&b);
    CHECK(lmk_page_key("https://h/a?page=01&z=1&per_page=1#f", "page", &b) == LMK_OK);
    CHECK_STREQ(b.data, "https://h/a?per_page=1&z=1#1");
    lmk_buf_reset(&b);
    CHECK(lmk_page_key("https://h/a", NULL, &b) == LMK_OK);
    CHECK_STREQ(b.data, "https://h/a?#1");
    lmk_buf_reset(&b);
    CHECK(lmk_page_key("https://h/a?page=x&&b", "page", &b) == LMK_OK);
    CHECK_STREQ(b.data, "https://h/a?b#x");
    lmk_buf_free(&b);
    CHECK(lmk_page_param_number("https://h/a?page=x&page=12&b=1", "page") == 12);
    CHECK(lmk_page_param_number("https://h/a?per_page=12", "page") == -1);
    CHECK(lmk_page_param_is("https://h/a?page=2&x", "page", 2));
    CHECK(lmk_page_param_is("https://h/a?x=1&page=2", "page", 2));
    CHECK(!lmk_page_param_is("https://h/a?page=21", "page", 2));
    lmk_seen_set s;
    memset(&s, 0, sizeof s);
    long before = 0;
    char key[16];
    for (int i = 0; i < 100; i++) {
        snprintf(key, sizeof key, "k%d", i);
        CHECK(lmk_seen_put(&s, key, strlen(key), i, NULL) == 0);
    }
    CHECK(lmk_seen_put(&s, "k42", 3, 7, &before) == 1 && before == 42);
    lmk_seen_free(&s);
}

/* Impossible options are refused. */
static void test_usage(void) {
    lmk_cursor *c;
    lmk_cursor_opts o = { .strategy = LMK_PAGING_PAGE, .prefetch = 0, .max_pages = 5 };
    CHECK(lmk_cursor_new(&o, &c) == LMK_USAGE && !c);
    o.prefetch = 1;
    o.max_pages = 0;
    CHECK(lmk_cursor_new(&o, &c) == LMK_USAGE);
    o.max_pages = 1;
    o.strategy = LMK_PAGING_LINK;
    CHECK(lmk_cursor_new(&o, &c) == LMK_USAGE);
}

/* page_number: a declared total is read ahead, `prefetch` at a time,
 * and handed back in order whatever order the pages arrive in. */
static void test_page_number(void) {
    server s = { .answer = numbered, .pages = 5, .per_page = 2, .declare_total = 1 };
    walk_log w;
    for (int reverse = 0; reverse < 2; reverse++) {
        lmk_cursor *c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_PAGE_NUMBER,
                                                  .first = 1, .prefetch = 3, .max_pages = 100 });
        walk(c, &s, reverse, &w);
        CHECK(w.result == -1 && w.ntaken == 5 && w.nasked == 5 && w.max_flight == 3 && w.ahead);
        for (int i = 0; i < w.ntaken; i++) CHECK(w.taken[i] == (size_t)i + 1);
        CHECK_STREQ(w.asked[0], "N1");
        CHECK_STREQ(w.asked[4], "N5");
        lmk_cursor_free(c);
    }
    /* no total: one at a time while the page says more */
    s.declare_total = 0;
    lmk_cursor *c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_PAGE_NUMBER,
                                              .first = 2, .prefetch = 3, .max_pages = 100 });
    walk(c, &s, 1, &w);
    CHECK(w.result == -1 && w.ntaken == 4 && w.max_flight == 1 && !w.ahead);
    CHECK_STREQ(w.asked[0], "N2");
    CHECK_STREQ(w.asked[3], "N5");
    lmk_cursor_free(c);
    /* a declared total whose page 3 is empty: the walk ends there */
    s = (server){ .answer = numbered, .pages = 2, .per_page = 2, .declare_total = 1 };
    c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_PAGE_NUMBER, .first = 1,
                                  .prefetch = 2, .max_pages = 100 });
    lmk_page_ask a;
    lmk_page_seen seen = { .count = 2, .total = 9 };
    size_t idx;
    CHECK(lmk_cursor_ask(c, &a) == 1 && a.index == 1);
    CHECK(lmk_cursor_arrived(c, 1, &seen) == LMK_OK);
    CHECK(lmk_cursor_ask(c, &a) == 1 && a.n == 2);
    CHECK(lmk_cursor_ask(c, &a) == 0); /* page 1 not taken: the window is full */
    CHECK(lmk_cursor_take(c, &idx) == 1 && idx == 1);
    CHECK(lmk_cursor_ask(c, &a) == 1 && a.n == 3 && a.index == 3);
    seen.count = 0;
    CHECK(lmk_cursor_arrived(c, 3, &seen) == LMK_OK);
    CHECK(lmk_cursor_ask(c, &a) == 0);
    CHECK(lmk_cursor_take(c, &idx) == 0);
    seen.count = 2;
    CHECK(lmk_cursor_arrived(c, 2, &seen) == LMK_OK);
    CHECK(lmk_cursor_arrived(c, 2, &seen) == LMK_USAGE);
    CHECK(lmk_cursor_take(c, &idx) == 1 && idx == 2);
    CHECK(lmk_cursor_take(c, &idx) == 1 && idx == 3);
    CHECK(lmk_cursor_take(c, &idx) == -1);
    lmk_cursor_free(c);
}

/* page: numbers until an empty page, or offsets moved by each count. */
static void test_page(void) {
    server s = { .answer = numbered, .pages = 3, .per_page = 100 };
    walk_log w;
    lmk_cursor *c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_PAGE, .first = 7,
                                              .prefetch = 4, .max_pages = 100 });
    walk(c, &s, 0, &w);
    CHECK(w.result == -1 && w.ntaken == 4 && w.nasked == 4 && w.max_flight == 1);
    CHECK_STREQ(w.asked[0], "N1"); /* page walks start at 1 */
    CHECK_STREQ(w.asked[3], "N4");
    lmk_cursor_free(c);
    offset_limit = 1000;
    s = (server){ .answer = by_offset, .items = 25, .cap = 10 };
    c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_PAGE, .by_offset = 1, .first = 5,
                                  .prefetch = 4, .max_pages = 100 });
    walk(c, &s, 0, &w);
    CHECK(w.result == -1 && w.ntaken == 3);
    CHECK_STREQ(w.asked[0], "O5");
    CHECK_STREQ(w.asked[1], "O15");
    CHECK_STREQ(w.asked[2], "O25");
    lmk_cursor_free(c);
}

/* offset: until a short page, unless its length is one of the caps. */
static void test_offset(void) {
    walk_log w;
    long caps[] = { 5 };
    offset_limit = 5;
    server s = { .answer = by_offset, .items = 12 };
    lmk_cursor *c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_OFFSET, .limit = 5,
                                              .prefetch = 2, .max_pages = 100 });
    walk(c, &s, 0, &w);
    CHECK(w.result == -1 && w.ntaken == 3 && w.nasked == 3);
    CHECK_STREQ(w.asked[2], "O10");
    lmk_cursor_free(c);
    /* the server caps silently at 5 of 10 asked: 5 is not the end */
    offset_limit = 10;
    s = (server){ .answer = by_offset, .items = 12, .cap = 5 };
    c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_OFFSET, .limit = 10, .caps = caps,
                                  .ncaps = 1, .prefetch = 2, .max_pages = 100 });
    walk(c, &s, 0, &w);
    CHECK(w.result == -1 && w.ntaken == 3);
    CHECK_STREQ(w.asked[1], "O5");
    CHECK_STREQ(w.asked[2], "O10");
    lmk_cursor_free(c);
    /* ... and an empty page after a capped one ends it */
    s.items = 10;
    c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_OFFSET, .limit = 10, .caps = caps,
                                  .ncaps = 1, .prefetch = 2, .max_pages = 100 });
    walk(c, &s, 0, &w);
    CHECK(w.result == -1 && w.ntaken == 3 && w.nasked == 3);
    lmk_cursor_free(c);
}

/* The guard: max_pages, a page repeating an earlier one, failed requests. */
static void test_guard_walks(void) {
    walk_log w;
    server s = { .answer = numbered, .pages = 1000, .per_page = 2 };
    lmk_cursor *c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_PAGE, .prefetch = 2,
                                              .max_pages = 3 });
    walk(c, &s, 0, &w);
    CHECK(w.result == -2 && w.ntaken == 3 && w.nasked == 3 && w.failed_index == 0);
    CHECK_STREQ(lmk_cursor_error(c),
                "more than 3 pages and the server declares no end; stopped (max_pages)");
    CHECK(lmk_cursor_error_url(c) == NULL);
    lmk_cursor_free(c);
    s.same_mark = 1;
    c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_PAGE, .prefetch = 2, .max_pages = 30 });
    walk(c, &s, 0, &w);
    CHECK(w.result == -2 && w.ntaken == 1 && w.nasked == 2);
    CHECK_STREQ(lmk_cursor_error(c), "page 2 repeats page 1: the server does not move on; stopped");
    lmk_cursor_free(c);
    /* a failed request in a known range: the pages before it, then it */
    s = (server){ .answer = numbered, .pages = 6, .per_page = 2, .declare_total = 1, .fail_page = 4 };
    c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_PAGE_NUMBER, .first = 1,
                                  .prefetch = 4, .max_pages = 2 });
    walk(c, &s, 1, &w);
    CHECK(w.result == -2 && w.ntaken == 3 && w.failed_index == 4);
    lmk_cursor_free(c);
    /* ... but one past an empty page is not part of the walk */
    c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_PAGE_NUMBER, .first = 1,
                                  .prefetch = 3, .max_pages = 2 });
    lmk_page_ask a;
    lmk_page_seen seen = { .count = 2, .total = 9 };
    size_t idx;
    CHECK(lmk_cursor_ask(c, &a) == 1 && lmk_cursor_arrived(c, 1, &seen) == LMK_OK);
    CHECK(lmk_cursor_take(c, &idx) == 1 && idx == 1);
    CHECK(lmk_cursor_ask(c, &a) == 1 && lmk_cursor_ask(c, &a) == 1 && a.index == 3);
    CHECK(lmk_cursor_arrived(c, 3, NULL) == LMK_OK);
    seen.count = 0;
    CHECK(lmk_cursor_arrived(c, 2, &seen) == LMK_OK);
    CHECK(lmk_cursor_take(c, &idx) == 1 && idx == 2);
    CHECK(lmk_cursor_take(c, &idx) == -1);
    lmk_cursor_free(c);
}

/* link: rel="next" one at a time; with rel="last" on the first page, the
 * rest by number; loops, other origins and max_pages refused. */
static void test_link(void) {
    walk_log w;
    server s = { .answer = linked };
    s.link_of[1] = "</items?page=2&per_page=2>; rel=\"next\"";
    s.link_of[2] = "<https://h/items?page=3&per_page=2>; REL=next, </x>; rel=next";
    lmk_cursor *c = link_cursor("https://h/items?per_page=2", 1, 10);
    walk(c, &s, 1, &w);
    CHECK(w.result == -1 && w.ntaken == 3 && w.nasked == 3 && w.max_flight == 1);
    CHECK_STREQ(w.asked[0], "F");
    CHECK_STREQ(w.asked[1], "Uhttps://h/items?page=2&per_page=2");
    CHECK_STREQ(w.asked[2], "Uhttps://h/items?page=3&per_page=2");
    lmk_cursor_free(c);
    /* the last page known from the first: pages 2..5 by number, ahead */
    s.link_of[1] = "<https://h/items?page=2>; rel=next, <https://h/items?page=5>; rel=last";
    c = link_cursor("https://h/items", 1, 2);
    walk(c, &s, 1, &w);
    CHECK(w.result == -1 && w.ntaken == 5 && w.nasked == 5 && w.max_flight == 3);
    CHECK_STREQ(w.asked[1], "N2");
    CHECK_STREQ(w.asked[4], "N5");
    for (int i = 0; i < w.ntaken; i++) CHECK(w.taken[i] == (size_t)i + 1);
    lmk_cursor_free(c);
    /* rel="last" elsewhere, or a first request given as a URL: one at a time */
    s.link_of[1] = "<https://h/items?page=2>; rel=next, <https://e/items?page=5>; rel=last";
    s.link_of[2] = NULL;
    c = link_cursor("https://h/items", 1, 10);
    walk(c, &s, 0, &w);
    CHECK(w.result == -1 && w.ntaken == 2);
    CHECK_STREQ(w.asked[1], "Uhttps://h/items?page=2");
    lmk_cursor_free(c);
    /* a loop back to the first page (the same page: page=1 is implied) */
    s.link_of[1] = "</items?page=2&per_page=1>; rel=next";
    s.link_of[2] = "</items?page=1&per_page=1>; rel=next";
    c = link_cursor("https://h/items?per_page=1", 0, 10);
    walk(c, &s, 0, &w);
    CHECK(w.result == -2 && w.ntaken == 1 && w.nasked == 2);
    CHECK_STREQ(lmk_cursor_error(c), "paging leads to a page already read; not followed (a loop)");
    lmk_cursor_free(c);
    /* a next link to another origin */
    s.link_of[1] = "<https://evil/items?page=2>; rel=next";
    c = link_cursor("https://h/items", 0, 10);
    walk(c, &s, 0, &w);
    CHECK(w.result == -2 && w.ntaken == 0 && w.nasked == 1);
    CHECK_STREQ(lmk_cursor_error(c), "paging link leads to another origin; not followed");
    CHECK_STREQ(lmk_cursor_error_url(c), "https://h/items");
    lmk_cursor_free(c);
    /* endless links: max_pages counts the first page */
    for (int i = 1; i < 8; i++) s.link_of[i] = NULL;
    s.link_of[1] = "</items?page=2>; rel=next";
    s.link_of[2] = "</items?page=3>; rel=next";
    s.link_of[3] = "</items?page=4>; rel=next";
    c = link_cursor("https://h/items", 0, 2);
    walk(c, &s, 0, &w);
    CHECK(w.result == -2 && w.ntaken == 1 && w.nasked == 2);
    CHECK_STREQ(lmk_cursor_error(c),
                "more than 2 pages and the server declares no end; stopped (max_pages)");
    lmk_cursor_free(c);
    /* a malformed header is no links */
    s.link_of[1] = "<https://h/items?page=2; rel=next";
    c = cursor((lmk_cursor_opts){ .strategy = LMK_PAGING_LINK, .first_url = "https://h/items",
                                  .follow = follow, .prefetch = 1, .max_pages = 2 });
    walk(c, &s, 0, &w);
    CHECK(w.result == -1 && w.ntaken == 1);
    lmk_cursor_free(c);
}

int main(void) {
    test_guard();
    test_usage();
    test_page_number();
    test_page();
    test_offset();
    test_guard_walks();
    test_link();
    return check_summary("cursor tests");
}
