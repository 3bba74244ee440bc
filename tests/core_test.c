/* core_test.c -- unit tests of the pure C core (no Lua): the Link parser,
 * the encoders, redaction, Retry-After, the rate limiter, URL origins,
 * the CSV reader (strict, with line numbers), UTF-8 checks and journals
 * (lock, torn last line), JWT signing (RFC 7515's example; RS256 and
 * ES256 verified with OpenSSL) and statuses to kinds, with the cases the fuzzers (fuzz/) found
 * interesting.
 * `make test-core` builds it under ASan + UBSan and runs it; the exit
 * status is the number of failed checks (capped at 100). */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "../src/core/lmskit.h"

#include "check.h"

/* ------------------------------------------------------------ Link */

typedef struct links {
    char rel[8][16];
    char uri[8][128];
    int n;
    int stop_after; /* 0: never */
} links;

/* Collects (rel, uri) pairs; stops after stop_after when set. */
static int collect(void *ud, const char *uri, size_t uri_len, const char *rel,
                   size_t rel_len) {
    links *l = ud;
    if (l->n < 8 && rel_len < 16 && uri_len < 128) {
        memcpy(l->rel[l->n], rel, rel_len);
        l->rel[l->n][rel_len] = '\0';
        memcpy(l->uri[l->n], uri, uri_len);
        l->uri[l->n][uri_len] = '\0';
    }
    l->n++;
    return l->stop_after && l->n >= l->stop_after;
}

/* Parses h into a fresh links table; returns the kind. */
static lmk_kind parse_links(const char *h, links *l) {
    memset(l, 0, sizeof *l);
    return lmk_link_parse(h, strlen(h), collect, l);
}

/* The first target lmk_link_find gives for rel ("" when none). */
static void find(const char *h, size_t n, const char *rel, char out[128]) {
    lmk_buf b;
    lmk_buf_init(&b);
    out[0] = '\0';
    if (lmk_link_find(h, n, rel, &b) && b.len < 128) memcpy(out, b.data, b.len + 1);
    lmk_buf_free(&b);
}

/* RFC 8288 headers: the Catalog doc's, quoting, folding, refusals. */
static void test_link(void) {
    /* verbatim from canvas-catalog-v1.txt, trailing spaces included */
    const char *doc =
        "<https://www.my-catalog.edu/api/v1/courses?page=4>; rel=\"next\",  \n"
        "      <https://www.my-catalog.edu/api/v1/courses?page=15>; rel=\"last\",\n"
        "      <https://www.my-catalog.edu/api/v1/courses?page=1>; rel=\"first\",\n"
        "      <https://www.my-catalog.edu/api/v1/courses?page=2>; rel=\"prev\"";
    links l;
    CHECK(parse_links(doc, &l) == LMK_OK);
    CHECK(l.n == 4);
    CHECK(strcmp(l.rel[0], "next") == 0 &&
          strcmp(l.uri[0], "https://www.my-catalog.edu/api/v1/courses?page=4") == 0);
    CHECK(strcmp(l.rel[3], "prev") == 0 &&
          strcmp(l.uri[3], "https://www.my-catalog.edu/api/v1/courses?page=2") == 0);
    char got[128];
    find(doc, strlen(doc), "last", got);
    CHECK(strcmp(got, "https://www.my-catalog.edu/api/v1/courses?page=15") == 0);
    find(doc, strlen(doc), "NEXT", got); /* relation types ignore case */
    CHECK(strcmp(got, "https://www.my-catalog.edu/api/v1/courses?page=4") == 0);

    /* commas and semicolons inside quotes and <...>; several relations */
    CHECK(parse_links("<https://h/a?x=1,2>; title=\"a, b; c\"; rel=next, "
                      "<https://h/b>;rel=\"last  first\";anchor=\"#x\"", &l) == LMK_OK);
    CHECK(l.n == 3 && strcmp(l.uri[0], "https://h/a?x=1,2") == 0 &&
          strcmp(l.rel[1], "last") == 0 && strcmp(l.rel[2], "first") == 0 &&
          strcmp(l.uri[2], "https://h/b") == 0);
    /* a quoted-pair is unescaped; a '>' inside quotes is text */
    CHECK(parse_links("<https://h/1>; title=\"a>b\"; rel=\"ne\\xt\"", &l) == LMK_OK);
    CHECK(l.n == 1 && strcmp(l.rel[0], "next") == 0);
    /* empty and comma-only headers; empty parameters; bare parameters */
    CHECK(parse_links("", &l) == LMK_OK && l.n == 0);
    CHECK(parse_links(" , ,\r\n ,", &l) == LMK_OK && l.n == 0);
    CHECK(parse_links("<https://h/1>;; rel=next;", &l) == LMK_OK && l.n == 1);
    CHECK(parse_links("<https://h/1>; crossorigin; rel=next", &l) == LMK_OK && l.n == 1);
    /* an empty relation value reports nothing; an empty target is reported
     * (the paging layer must not take "" for a new page) */
    CHECK(parse_links("<https://h/1>; rel=\"\"", &l) == LMK_OK && l.n == 0);
    CHECK(parse_links("<>; rel=next", &l) == LMK_OK && l.n == 1 && l.uri[0][0] == '\0');
    /* what is not a link list */
    const char *bad[] = {"https://h/1; rel=next", "<https://h/1", "<https://h/1>; rel=\"next",
                         "<https://h/1> garbage", "<https://h/1>; =next", "<https://h/1>; rel=next x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) CHECK(parse_links(bad[i], &l) == LMK_DECODE);
    /* links before an error were reported, and find keeps them */
    CHECK(parse_links("<https://h/1>; rel=next, junk", &l) == LMK_DECODE && l.n == 1);
    find("<https://h/1>; rel=next, junk", 29, "next", got);
    CHECK(strcmp(got, "https://h/1") == 0);
    find("junk, <https://h/1>; rel=next", 29, "next", got);
    CHECK(got[0] == '\0');
    /* the length is the header's end: nothing past it is read, NULs are text */
    const char with_nul[] = "<https://h/\0x>; rel=next";
    lmk_buf b;
    lmk_buf_init(&b);
    CHECK(lmk_link_find(with_nul, sizeof with_nul - 1, "next", &b) == 1 && b.len == 12);
    lmk_buf_free(&b);
    CHECK(lmk_link_parse("<https://h/1>; rel=next", 10, collect, &l) == LMK_DECODE);
    /* a non-zero return stops the walk */
    memset(&l, 0, sizeof l);
    l.stop_after = 1;
    CHECK(lmk_link_parse(doc, strlen(doc), collect, &l) == LMK_OK && l.n == 1);
}

/* ------------------------------------------------------------ encoders */

/* Supplies path parameters from a NULL-terminated name/value list. */
static lmk_kind param(void *ud, const char *name, size_t n, const char **value,
                      size_t *value_len) {
    const char *const *kv = ud;
    for (; kv[0]; kv += 2) {
        if (strlen(kv[0]) == n && memcmp(kv[0], name, n) == 0) {
            *value = kv[1];
            *value_len = strlen(kv[1]);
            return LMK_OK;
        }
    }
    return LMK_USAGE;
}

/* Expands route with kv into out; returns out's text: the result, or
 * "!" + the kind name on failure. */
static const char *expand(const char *route, const char *const *kv, lmk_buf *out) {
    const char *why = NULL;
    lmk_buf_reset(out);
    lmk_kind k = lmk_path_expand(out, route, param, (void *)kv, &why);
    if (k != LMK_OK) {
        lmk_buf_reset(out);
        lmk_buf_adds(out, "!");
        lmk_buf_adds(out, lmk_kind_name(k));
    }
    return out->data;
}


/* Percent-encoding, number text, path expansion, the query builder. */
static void test_encode(void) {
    lmk_buf b;
    lmk_buf_init(&b);
    CHECK(lmk_pct_encode(&b, "a b&c=d/e?#\r\n\xc3\xa9~._-", 19) == LMK_OK);
    CHECK_STR(&b, "a%20b%26c%3Dd%2Fe%3F%23%0D%0A%C3%A9~._-");
    lmk_buf_reset(&b);
    CHECK(lmk_pct_encode(&b, "\0\xff", 2) == LMK_OK);
    CHECK_STR(&b, "%00%FF");
    lmk_buf_reset(&b);
    CHECK(lmk_pct_encode(&b, "", 0) == LMK_OK && b.len == 0);

    char t[40];
    struct { double v; const char *want; } nums[] = {
        {3.0, "3"}, {17431949894.0, "17431949894"}, {-2.0, "-2"}, {0.1, "0.1"},
        {49.99, "49.99"}, {-0.0, "0"}, {9007199254740993.0, "9007199254740992"},
        {9.2e18, "9200000000000000000"},
    };
    for (size_t i = 0; i < sizeof nums / sizeof *nums; i++) {
        CHECK(lmk_number_text(nums[i].v, t) == LMK_OK);
        CHECK(strcmp(t, nums[i].want) == 0);
        if (strcmp(t, nums[i].want) != 0) fprintf(stderr, "  number %.17g: got %s\n", nums[i].v, t);
    }
    /* no exact integer text: refused, never "1e+300", "inf" or "nan" */
    const double refused[] = {1e300, 9223372036854775808.0, INFINITY, -INFINITY, NAN};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        CHECK(lmk_number_text(refused[i], t) == LMK_USAGE);
        CHECK(t[0] == '\0');
    }

    const char *kv[] = {"id", "4", "member", "17431949894", "slash", "1/../../catalogs",
                        "crlf", "1\r\nX-Evil: 1?a=b#f", "empty", "", "dot", ".", "dots", "..",
                        "dotted", "...", NULL};
    CHECK_STREQ(expand("/courses/:id/members/:member", kv, &b), "/courses/4/members/17431949894");
    CHECK_STREQ(expand("/courses/:slash", kv, &b), "/courses/1%2F..%2F..%2Fcatalogs");
    CHECK_STREQ(expand("/courses/:crlf", kv, &b), "/courses/1%0D%0AX-Evil%3A%201%3Fa%3Db%23f");
    CHECK_STREQ(expand("/courses/:empty", kv, &b), "!usage");
    CHECK_STREQ(expand("/courses/:dot", kv, &b), "!usage");
    CHECK_STREQ(expand("/courses/:dots/x", kv, &b), "!usage");
    CHECK_STREQ(expand("/courses/:dotted", kv, &b), "/courses/..."); /* "..." is an ordinary segment */
    CHECK_STREQ(expand("/courses/:missing", kv, &b), "!usage");
    CHECK_STREQ(expand(":id/x?y=:id", kv, &b), "4/x?y=:id"); /* a ':' only after '/' or first */
    CHECK_STREQ(expand("/a:id/:id?q", kv, &b), "/a:id/4?q");
    lmk_buf_free(&b);

    lmk_query q;
    lmk_query_init(&q);
    CHECK(lmk_query_value(&q, "x", 1) == LMK_USAGE);      /* a value needs a key */
    CHECK(lmk_query_push_array(&q) == LMK_USAGE);         /* an array needs a name */
    CHECK(lmk_query_push_key(&q, "grades", 6) == LMK_OK);
    CHECK(lmk_query_push_array(&q) == LMK_OK);
    CHECK(lmk_query_push_key(&q, "grade", 5) == LMK_OK);
    CHECK(lmk_query_value(&q, "B+", 2) == LMK_OK);
    lmk_query_pop(&q);
    CHECK(lmk_query_push_key(&q, "we&ird=", 7) == LMK_OK);
    CHECK(lmk_query_value(&q, "15%", 3) == LMK_OK);
    lmk_query_pop(&q);
    lmk_query_pop(&q);
    lmk_query_pop(&q);
    lmk_query_pop(&q); /* one too many: nothing happens */
    CHECK(q.depth == 0 && q.key.len == 0);
    CHECK_STR(&q.out, "grades[][grade]=B%2B&grades[][we%26ird%3D]=15%25");
    for (int i = 0; i < LMK_QUERY_MAX_DEPTH; i++) CHECK(lmk_query_push_key(&q, "k", 1) == LMK_OK);
    CHECK(lmk_query_push_key(&q, "k", 1) == LMK_USAGE);   /* depth is bounded */
    CHECK(lmk_query_push_array(&q) == LMK_USAGE);
    lmk_query_free(&q);
}

/* ------------------------------------------------------------ redaction */

/* Redacts text with the given secrets and the client's parameter names. */
static void redact(const char *text, const char *const *secrets, size_t n, lmk_buf *out) {
    static const char *const params[] = {"api_key", "token", "password"};
    lmk_buf_reset(out);
    CHECK(lmk_redact(out, text, strlen(text), secrets, n, params, 3) == LMK_OK);
}

/* Secrets and secret parameters; overlapping occurrences (fuzz_redact). */
static void test_redact(void) {
    lmk_buf b;
    lmk_buf_init(&b);
    const char *key[] = {"23-34-d315a3421"};
    redact("GET https://yourbusiness.matrixlms.com/api/get_version?api_key=23-34-d315a3421&x=1",
           key, 1, &b);
    CHECK_STR(&b, "GET https://yourbusiness.matrixlms.com/api/get_version?api_key=[REDACTED]&x=1");
    redact("key 23-34-d315a3421 echoed", key, 1, &b);
    CHECK_STR(&b, "key [REDACTED] echoed");
    /* a parameter's value is masked even when it is no known secret */
    redact("/x?token=abc123#frag and password=hunter2 'x'", NULL, 0, &b);
    CHECK_STR(&b, "/x?token=[REDACTED]#frag and password=[REDACTED] 'x'");
    redact("?api_key=&a=1", NULL, 0, &b); /* an empty value is marked too */
    CHECK_STR(&b, "?api_key=[REDACTED]&a=1");
    redact("my_api_key=1 xapi_key=2", NULL, 0, &b); /* only whole names */
    CHECK_STR(&b, "my_api_key=1 xapi_key=2");
    const char *tiny[] = {"ab", "", NULL};
    redact("ab cd", tiny, 3, &b); /* secrets under 3 bytes are ignored */
    CHECK_STR(&b, "ab cd");
    const char *two[] = {"abc", "xyz"};
    redact("abcxyz", two, 2, &b); /* adjacent, not overlapping: two marks */
    CHECK_STR(&b, "[REDACTED][REDACTED]");

    /* found by fuzz_redact: occurrences that overlap must leave nothing.
     * A secret whose end begins it again: */
    const char *periodic[] = {"abcXab"};
    redact("<abcXabcXab>", periodic, 1, &b);
    CHECK_STR(&b, "<[REDACTED]>");
    /* two secrets sharing bytes (the longer starts later) */
    const char *shared[] = {"xab", "abcdef"};
    redact("id=xabcdefgh", shared, 2, &b);
    CHECK_STR(&b, "id=[REDACTED]gh");
    /* a secret running into a secret parameter */
    const char *into[] = {"zz&tok"};
    redact("?a=zz&token=s3cr3t&b=1", into, 1, &b);
    CHECK_STR(&b, "?a=[REDACTED]&b=1");
    /* a secret that starts where a parameter name does */
    const char *same_start[] = {"api_key=12"};
    redact("?api_key=12345&b", same_start, 1, &b);
    CHECK_STR(&b, "?[REDACTED]&b");
    /* a secret starting inside the kept "name=" cuts it short */
    const char *in_name[] = {"key=12345"};
    redact("?api_key=12345&b", in_name, 1, &b);
    CHECK_STR(&b, "?api_[REDACTED]&b");
    lmk_buf_free(&b);
}

/* ------------------------------------------------------------ Retry-After */

/* Delta-seconds, HTTP-dates (libcurl), and what is neither. */
static void test_retry_after(void) {
    CHECK(lmk_retry_after("120") == 120);
    CHECK(lmk_retry_after(" \t30 ") == 30);
    CHECK(lmk_retry_after("+7") == 7);
    CHECK(lmk_retry_after("-5") == 0);
    CHECK(lmk_retry_after("0") == 0);
    CHECK(lmk_retry_after("99999999") == 99999999); /* capping is the caller's */
    CHECK(lmk_retry_after("99999999999999999999999") > 9e18);
    CHECK(lmk_retry_after("") == -1);
    CHECK(lmk_retry_after("soon") == -1);
    CHECK(lmk_retry_after(NULL) == -1);
    CHECK(lmk_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0); /* past */
    char date[64];
    time_t later = time(NULL) + 100;
    struct tm tm;
    gmtime_r(&later, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    double d = lmk_retry_after(date);
    CHECK(d >= 97 && d <= 100);
    strftime(date, sizeof date, "%A, %d-%b-%y %H:%M:%S GMT", &tm); /* RFC 850 */
    d = lmk_retry_after(date);
    CHECK(d >= 97 && d <= 100);
}

/* ------------------------------------------------------------ limiter */

/* The sliding window, lock-outs, and refused shapes. */
static void test_limiter(void) {
    lmk_limiter *l = NULL;
    CHECK(lmk_limiter_new(0, 60, &l) == LMK_USAGE && l == NULL);
    CHECK(lmk_limiter_new(3, 0, &l) == LMK_USAGE && l == NULL);
    CHECK(lmk_limiter_new(3, -1, &l) == LMK_USAGE && l == NULL);
    CHECK(lmk_limiter_new(3, NAN, &l) == LMK_USAGE && l == NULL);
    CHECK(lmk_limiter_new(3, 10, &l) == LMK_OK && l != NULL);
    for (int i = 0; i < 3; i++) {
        CHECK(lmk_limiter_delay(l, 100 + i) == 0);
        lmk_limiter_record(l, 100 + i);
    }
    CHECK(lmk_limiter_delay(l, 102.5) == 7.5); /* the oldest leaves at 110 */
    CHECK(lmk_limiter_delay(l, 110) == 0);
    lmk_limiter_record(l, 110);
    CHECK(lmk_limiter_delay(l, 110.5) == 0.5); /* now 101 is the oldest */
    lmk_limiter_block(l, 200);
    CHECK(lmk_limiter_delay(l, 150) == 50);
    lmk_limiter_block(l, 160); /* an earlier end does not shorten it */
    CHECK(lmk_limiter_delay(l, 150) == 50);
    CHECK(lmk_limiter_delay(l, 250) == 0);
    lmk_limiter_free(l);
    lmk_limiter_free(NULL);
    /* MATRIX: 120 calls a minute, started as fast as allowed */
    CHECK(lmk_limiter_new(120, 60, &l) == LMK_OK);
    double now = 0;
    int started = 0;
    while (now < 120) {
        double wait = lmk_limiter_delay(l, now);
        CHECK(wait >= 0);
        if (wait > 0) {
            now += wait;
            continue;
        }
        lmk_limiter_record(l, now);
        started++;
        now += 0.01;
    }
    CHECK(started == 240 || started == 241);
    lmk_limiter_free(l);
}

/* ------------------------------------------------------------ URLs */

/* A client for base with the given strategy (NULL when refused). */
static lmk_client *client(const char *base, lmk_auth_kind auth, int loopback) {
    lmk_client_opts o;
    memset(&o, 0, sizeof o);
    o.base_url = base;
    o.auth = auth;
    o.secret = "sandbox-matrix-key";
    o.param = "api_key";
    o.allow_http_loopback = loopback;
    lmk_client *c = NULL;
    const char *why = NULL;
    lmk_client_new(&o, &c, &why);
    return c;
}

/* Writes into out the URL a GET of target would use ("!" when refused);
 * returns out's text. */
static const char *request_url(lmk_client *c, const char *target, lmk_buf *out) {
    lmk_request_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.method = "GET";
    ro.target = target;
    lmk_request *r = NULL;
    const char *why = NULL;
    lmk_buf_reset(out);
    if (lmk_request_new(c, &ro, &r, &why) != LMK_OK) {
        lmk_buf_adds(out, "!");
        return out->data;
    }
    lmk_buf_adds(out, lmk_request_url(r));
    lmk_request_free(r);
    return out->data;
}


/* Base URLs, origins, resolution, and where requests go (fuzz_url). */
static void test_url(void) {
    lmk_client *c = client("https://www.my-catalog.edu", LMK_AUTH_BEARER, 0);
    CHECK(c != NULL);
    CHECK(lmk_client_same_origin(c, "https://www.my-catalog.edu/api/v1/courses?page=4"));
    CHECK(lmk_client_same_origin(c, "https://WWW.My-Catalog.edu:443/x"));
    CHECK(!lmk_client_same_origin(c, "https://www.my-catalog.edu:8443/x"));
    CHECK(!lmk_client_same_origin(c, "http://www.my-catalog.edu/x"));
    CHECK(!lmk_client_same_origin(c, "https://user@www.my-catalog.edu/x"));
    CHECK(!lmk_client_same_origin(c, "https://www.my-catalog.edu@evil.example/x"));
    CHECK(!lmk_client_same_origin(c, "https://www.my-catalog.edu.evil.example/x"));
    CHECK(!lmk_client_same_origin(c, "https://evil.example/https://www.my-catalog.edu/"));
    CHECK(!lmk_client_same_origin(c, "https://www.my-catalog.edu/\r\nX: y"));
    lmk_buf b;
    lmk_buf_init(&b);
    CHECK(lmk_url_resolve("https://www.my-catalog.edu/api/v1/courses?page=3", "?page=4", &b) == LMK_OK);
    CHECK_STR(&b, "https://www.my-catalog.edu/api/v1/courses?page=4");
    lmk_buf_reset(&b);
    CHECK(lmk_url_resolve("https://h.example/a/b", "../c", &b) == LMK_OK);
    CHECK_STR(&b, "https://h.example/c");
    lmk_buf_reset(&b);
    CHECK(lmk_url_resolve("https://h.example/a", "//evil.example/x", &b) == LMK_OK);
    CHECK_STR(&b, "https://evil.example/x"); /* same_origin then refuses it */
    CHECK(lmk_url_resolve("https://h.example/a", "/x\ny", &b) == LMK_USAGE);
    CHECK_STREQ(request_url(c, "/api/v1/courses", &b), "https://www.my-catalog.edu/api/v1/courses");
    CHECK_STREQ(request_url(c, "https://evil.example/api/v1/courses", &b), "!");
    CHECK_STREQ(request_url(c, "api/v1/courses", &b), "!");
    CHECK_STREQ(request_url(c, "/api/v1/courses x", &b), "!");
    lmk_client_free(c);

    /* found by fuzz_url: a fragment in a target hid the query credential
     * (it went after the '#', and a fragment is never sent) */
    c = client("https://yourbusiness.matrixlms.com", LMK_AUTH_QUERY, 0);
    CHECK(c != NULL);
    CHECK_STREQ(request_url(c, "/api/get_version", &b),
                "https://yourbusiness.matrixlms.com/api/get_version?api_key=sandbox-matrix-key");
    CHECK_STREQ(request_url(c, "/api/get_users_with_ids?user_ids[]=1#top", &b),
                "https://yourbusiness.matrixlms.com/api/get_users_with_ids?user_ids[]=1&api_key=sandbox-matrix-key");
    CHECK_STREQ(request_url(c, "https://yourbusiness.matrixlms.com/api/get_version#x?y", &b),
                "https://yourbusiness.matrixlms.com/api/get_version?api_key=sandbox-matrix-key");
    lmk_client_free(c);

    /* base URLs: https only; no credentials, query or fragment -- found by
     * fuzz_url: an empty fragment ("https://host#") passed, and every
     * path then went into the fragment */
    const char *refused[] = {"http://www.my-catalog.edu", "ftp://h.example", "https://u:p@h.example",
                             "https://h.example?x=1", "https://h.example?", "https://h.example#x",
                             "https://h.example#", "https://h.example/api#", "https://h.example/\n",
                             "not a url", ""};
    for (size_t i = 0; i < sizeof refused / sizeof *refused; i++) {
        c = client(refused[i], LMK_AUTH_BEARER, 0);
        CHECK(c == NULL);
        if (c) fprintf(stderr, "  accepted base_url \"%s\"\n", refused[i]);
        lmk_client_free(c);
    }
    c = client("http://127.0.0.1:18444/matrix", LMK_AUTH_QUERY, 0);
    CHECK(c == NULL);
    c = client("http://127.0.0.1:18444/matrix", LMK_AUTH_QUERY, 1);
    CHECK(c != NULL);
    lmk_client_free(c);
    c = client("http://10.0.0.1/matrix", LMK_AUTH_QUERY, 1);
    CHECK(c == NULL);
    lmk_buf_free(&b);
}

/* ------------------------------------------------------------ secret names */

/* The one list of secret names and its rule (secret_names.c); a client
 * redacts every listed name from the URLs it shows. */
static void test_secret_names(void) {
    size_t n = 0;
    const char *const *names = lmk_secret_names(&n);
    CHECK(n >= 10);
    int has_access_token = 0;
    for (size_t i = 0; i < n; i++) {
        CHECK(lmk_secret_name(names[i]));
        has_access_token |= strcmp(names[i], "access_token") == 0;
    }
    CHECK(has_access_token);
    const char *secret[] = {"password", "PassWord", "api_key", "x-api-key",
                            "new_password", "password_confirmation", "pwd",
                            "refresh_token", "Client-Secret", "private_key",
                            "key", "signing_key", "jwt-assertion", "Authorization"};
    for (size_t i = 0; i < sizeof secret / sizeof *secret; i++) {
        if (!lmk_secret_name(secret[i])) fprintf(stderr, "not secret: %s\n", secret[i]);
        CHECK(lmk_secret_name(secret[i]));
    }
    CHECK(!lmk_secret_name("key_id"));
    CHECK(!lmk_secret_name("keys"));
    CHECK(!lmk_secret_name("monkey"));
    CHECK(!lmk_secret_name("email"));
    CHECK(!lmk_secret_name("tokens"));
    CHECK(!lmk_secret_name("passwordless"));
    CHECK(!lmk_secret_name("xpassword"));
    CHECK(!lmk_secret_name(""));
    CHECK(!lmk_secret_name(NULL));

    /* a client redacts each listed name (and its own parameter) in URLs */
    lmk_client *c = client("https://h.example", LMK_AUTH_NONE, 0);
    CHECK(c != NULL);
    lmk_buf b;
    lmk_buf_init(&b);
    const char *url = "https://h.example/x?access_token=a1b2c3&passwd=hunter2&page=2";
    CHECK(lmk_client_redact(c, url, strlen(url), &b) == LMK_OK);
    CHECK_STR(&b, "https://h.example/x?access_token=[REDACTED]&passwd=[REDACTED]&page=2");
    lmk_buf_free(&b);
    lmk_client_free(c);
}

/* ------------------------------------------------------------ CSV */

/* Records of a small file: BOM, quotes, CRLF, blank lines. */
static void test_csv(void) {
    char path[] = "/tmp/lmskit-core-test-XXXXXX";
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return;
    const char text[] = "\xEF\xBB\xBF" "email,name\r\n\r\n"
                        "\"bob@school.example\",\"Smith, Bob\"\r\n"
                        "x,\"said \"\"hi\"\"\nthen left\"\n"
                        "nul,a\0b\n";
    CHECK(write(fd, text, sizeof text - 1) == (ssize_t)(sizeof text - 1));
    close(fd);
    lmk_csv *c = NULL;
    const char *why = NULL;
    CHECK(lmk_csv_open(path, &c, &why) == LMK_OK);
    size_t n;
    const char *const *f;
    const size_t *len;
    CHECK(lmk_csv_next(c, &n, &f, &len, &why) == 1 && n == 2 && strcmp(f[0], "email") == 0);
    CHECK(lmk_csv_line(c) == 1);
    CHECK(lmk_csv_next(c, &n, &f, &len, &why) == 1 && n == 2 && strcmp(f[1], "Smith, Bob") == 0);
    CHECK(lmk_csv_line(c) == 3); /* after the blank line 2 */
    CHECK(lmk_csv_next(c, &n, &f, &len, &why) == 1 && strcmp(f[1], "said \"hi\"\nthen left") == 0);
    CHECK(lmk_csv_line(c) == 4); /* where it starts: it spans lines 4 and 5 */
    CHECK(lmk_csv_next(c, &n, &f, &len, &why) == 1 && len[1] == 3 && memcmp(f[1], "a\0b", 4) == 0);
    CHECK(lmk_csv_line(c) == 6);
    CHECK(lmk_csv_record_number(c) == 4);
    CHECK(lmk_csv_next(c, &n, &f, &len, &why) == 0);
    CHECK(lmk_csv_next(c, &n, &f, &len, &why) == 0);
    lmk_csv_close(c);
    unlink(path);
    CHECK(lmk_csv_open("/nonexistent/lmskit.csv", &c, &why) == LMK_USAGE && c == NULL && why);
}

/* Writes text to a fresh temporary file; path receives its name. */
static int temp_file(char path[64], const char *text, size_t n) {
    strcpy(path, "/tmp/lmskit-core-test-XXXXXX");
    int fd = mkstemp(path);
    CHECK(fd >= 0);
    if (fd < 0) return 0;
    CHECK(write(fd, text, n) == (ssize_t)n);
    close(fd);
    return 1;
}

/* The line the first malformed record is found on, or 0 when none is. */
static size_t csv_error_line(const char *text) {
    char path[64];
    if (!temp_file(path, text, strlen(text))) return 0;
    lmk_csv *c = NULL;
    const char *why = NULL;
    size_t line = 0, n;
    const char *const *f;
    const size_t *len;
    CHECK(lmk_csv_open(path, &c, &why) == LMK_OK);
    int r;
    while ((r = lmk_csv_next(c, &n, &f, &len, &why)) == 1) {}
    if (r < 0) {
        CHECK(why != NULL);
        line = lmk_csv_line(c);
    }
    lmk_csv_close(c);
    unlink(path);
    return line;
}

/* Strict parsing: a stray quote, text after a closing quote and a quoted
 * field never closed are errors naming their line. */
static void test_csv_strict(void) {
    CHECK(csv_error_line("a,b\n1,2\n\"3\",\"4\"\n") == 0);
    CHECK(csv_error_line("a,b\n1,x\"y\n") == 2);
    CHECK(csv_error_line("a,b\n1,2\n\n3,\"4\"x\n") == 4);
    CHECK(csv_error_line("a,b\n1,2\n3,\"never\nclosed\n") == 3); /* where the record starts */
}

/* lmk_utf8_invalid: 0 for UTF-8, else 1 + the offset of the first bad byte. */
static void test_utf8(void) {
    CHECK(lmk_utf8_invalid("", 0) == 0);
    CHECK(lmk_utf8_invalid("Jos\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80", 14) == 0);
    CHECK(lmk_utf8_invalid("Jos\xE9", 4) == 4);             /* Latin-1 */
    CHECK(lmk_utf8_invalid("ab\xC3", 3) == 3);              /* cut short */
    CHECK(lmk_utf8_invalid("\xC0\x80", 2) == 1);            /* overlong NUL */
    CHECK(lmk_utf8_invalid("\xED\xA0\x80", 3) == 1);        /* a surrogate */
    CHECK(lmk_utf8_invalid("\xF4\x90\x80\x80", 4) == 1);    /* beyond U+10FFFF */
    CHECK(lmk_utf8_invalid("a\xC3\x28", 3) == 2);           /* bad continuation */
}

/* Journals: created 0600, locked by one job at a time (the holder's pid
 * told), a torn last line cut off on open and counted; SHA-256; realpath. */
static void test_journal(void) {
    char path[64];
    if (!temp_file(path, "", 0)) return;
    unlink(path);
    lmk_buf content;
    lmk_buf_init(&content);
    size_t torn = 99;
    long holder = -1;
    lmk_journal *j = NULL, *k = NULL;
    const char *why = NULL;
    CHECK(lmk_journal_open(path, &content, &torn, &holder, &j, &why) == LMK_OK && j);
    CHECK(content.len == 0 && torn == 0);
    CHECK(lmk_file_mode(path) == 0600);
    CHECK(lmk_journal_append(j, "{\"k\":\"1\"}", 9) == LMK_OK);
    /* a second job, even in this process, is refused and told who holds it */
    CHECK(lmk_journal_open(path, &content, &torn, &holder, &k, &why) == LMK_USAGE && !k);
    CHECK(why != NULL && holder == (long)getpid());
    lmk_journal_close(j);
    /* a record cut short by a crash */
    int fd = open(path, O_WRONLY | O_APPEND);
    CHECK(fd >= 0);
    if (fd >= 0) {
        CHECK(write(fd, "{\"k\":\"2", 7) == 7);
        close(fd);
    }
    j = NULL;
    CHECK(lmk_journal_open(path, &content, &torn, &holder, &j, &why) == LMK_OK && j);
    CHECK(torn == 7);
    CHECK_STR(&content, "{\"k\":\"1\"}\n");
    CHECK(lmk_journal_append(j, "{\"k\":\"3\"}", 9) == LMK_OK);
    lmk_journal_close(j);
    j = NULL;
    CHECK(lmk_journal_open(path, &content, &torn, &holder, &j, &why) == LMK_OK && j);
    CHECK(torn == 0);
    CHECK_STR(&content, "{\"k\":\"1\"}\n{\"k\":\"3\"}\n"); /* the next record on a line of its own */
    char *abs = lmk_realpath(path);
    CHECK(abs && strcmp(abs, path) == 0);
    free(abs);
    lmk_journal_close(j);
    unlink(path);
    CHECK(lmk_realpath(path) == NULL);
    CHECK(lmk_journal_open("/nonexistent/lmskit.journal", &content, &torn, &holder, &j, &why) ==
              LMK_USAGE && why);
    lmk_buf_free(&content);
    char hex[65];
    CHECK(lmk_sha256_hex("abc", 3, hex) == LMK_OK);
    CHECK(strcmp(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad") == 0);
}

/* JSON Web Signatures: RFC 7515 appendix A.1's HS256 example byte for
 * byte; short HMAC keys and "none" refused; RS256 and ES256 signatures
 * (keys made here) verified with OpenSSL, ES256's as JOSE r||s. */
static int verify_sig(EVP_PKEY *pkey, const char *jws, int ecdsa) {
    const char *dot = strrchr(jws, '.');
    unsigned char sig[600], der[128];
    size_t n = 0;
    int ok = 0;
    /* base64url -> bytes (OpenSSL's decoder wants standard base64) */
    char b64[900];
    size_t len = strlen(dot + 1), i;
    if (len + 4 >= sizeof b64) return 0;
    for (i = 0; i < len; i++)
        b64[i] = dot[1 + i] == '-' ? '+' : dot[1 + i] == '_' ? '/' : dot[1 + i];
    while (i % 4) b64[i++] = '=';
    b64[i] = 0;
    int got = EVP_DecodeBlock(sig, (unsigned char *)b64, (int)i);
    if (got < 0) return 0;
    n = (size_t)got - (len % 4 == 2 ? 2 : len % 4 == 3 ? 1 : 0);
    const unsigned char *to_verify = sig;
    size_t verify_len = n;
    if (ecdsa) { /* JOSE's r||s -> DER for OpenSSL */
        if (n != 64) return 0;
        ECDSA_SIG *es = ECDSA_SIG_new();
        ECDSA_SIG_set0(es, BN_bin2bn(sig, 32, NULL), BN_bin2bn(sig + 32, 32, NULL));
        unsigned char *p = der;
        int dlen = i2d_ECDSA_SIG(es, &p);
        ECDSA_SIG_free(es);
        if (dlen <= 0) return 0;
        to_verify = der;
        verify_len = (size_t)dlen;
    }
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    if (EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, pkey) == 1 &&
        EVP_DigestVerify(md, to_verify, verify_len, (const unsigned char *)jws,
                         (size_t)(dot - jws)) == 1)
        ok = 1;
    EVP_MD_CTX_free(md);
    return ok;
}

/* A PEM private key of a key made now (RSA 2048 or EC P-256). */
static EVP_PKEY *made_key(int ec, lmk_buf *pem) {
    EVP_PKEY *pkey = ec ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
                        : EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    BIO *bio = BIO_new(BIO_s_mem());
    char *data;
    PEM_write_bio_PrivateKey(bio, pkey, NULL, NULL, 0, NULL, NULL);
    long n = BIO_get_mem_data(bio, &data);
    lmk_buf_add(pem, data, (size_t)n);
    BIO_free(bio);
    return pkey;
}

static void test_jwt(void) {
    static const char key[] =
        "\x03\x23\x35\x4b\x2b\x0f\xa5\xbc\x83\x7e\x06\x65\x77\x7b\xa6\x8f"
        "\x5a\xb3\x28\xe6\xf0\x54\xc9\x28\xa9\x0f\x84\xb2\xd2\x50\x2e\xbf"
        "\xd3\xfb\x5a\x92\xd2\x06\x47\xef\x96\x8a\xb4\xc3\x77\x62\x3d\x22"
        "\x3d\x2e\x21\x72\x05\x2e\x4f\x08\xc0\xcd\x9a\xf5\x67\xd0\x80\xa3";
    static const char header[] = "{\"typ\":\"JWT\",\r\n \"alg\":\"HS256\"}";
    static const char payload[] =
        "{\"iss\":\"joe\",\r\n \"exp\":1300819380,\r\n \"http://example.com/is_root\":true}";
    lmk_buf out = {0};
    const char *why = NULL;
    lmk_jwt_alg alg;
    CHECK(lmk_jwt_alg_from_name("HS256", &alg) == LMK_OK && alg == LMK_JWT_HS256);
    CHECK(lmk_jwt_alg_from_name("none", &alg) == LMK_USAGE);
    CHECK(lmk_jwt_alg_from_name("hs256", &alg) == LMK_USAGE);
    CHECK(lmk_jwt_sign(LMK_JWT_HS256, key, 64, header, strlen(header), payload,
                       strlen(payload), &out, &why) == LMK_OK);
    CHECK_STR(&out, "eyJ0eXAiOiJKV1QiLA0KICJhbGciOiJIUzI1NiJ9."
                    "eyJpc3MiOiJqb2UiLA0KICJleHAiOjEzMDA4MTkzODAsDQogImh0dHA6Ly9leGFtcGxlLmNvbS9pc19yb290Ijp0cnVlfQ."
                    "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
    lmk_buf_free(&out);
    why = NULL;
    CHECK(lmk_jwt_sign(LMK_JWT_HS256, key, 31, "{}", 2, "{}", 2, &out, &why) == LMK_USAGE);
    CHECK(why && strstr(why, "shorter"));
    CHECK(lmk_jwt_sign(LMK_JWT_HS512, key, 63, "{}", 2, "{}", 2, &out, &why) == LMK_USAGE);
    lmk_buf_free(&out);
    for (int ec = 0; ec <= 1; ec++) {
        lmk_buf pem = {0};
        EVP_PKEY *pkey = made_key(ec, &pem);
        CHECK(lmk_jwt_sign(ec ? LMK_JWT_ES256 : LMK_JWT_RS256, pem.data, pem.len,
                           "{\"alg\":\"x\"}", 11, "{\"sub\":1}", 9, &out, &why) == LMK_OK);
        CHECK(out.data && verify_sig(pkey, out.data, ec));
        lmk_buf_free(&out);
        /* the wrong kind of key for the algorithm is refused */
        CHECK(lmk_jwt_sign(ec ? LMK_JWT_RS256 : LMK_JWT_ES256, pem.data, pem.len,
                           "{}", 2, "{}", 2, &out, &why) != LMK_OK);
        lmk_buf_free(&out);
        lmk_buf_free(&pem);
        EVP_PKEY_free(pkey);
    }
    CHECK(lmk_jwt_sign(LMK_JWT_RS256, "not a key", 9, "{}", 2, "{}", 2, &out, &why) != LMK_OK);
    lmk_buf_free(&out);
}

/* HTTP statuses to kinds (the table the binding raises errors by). */
static void test_kind_from_status(void) {
    CHECK(lmk_kind_from_status(200) == LMK_OK);
    CHECK(lmk_kind_from_status(401) == LMK_AUTH);
    CHECK(lmk_kind_from_status(403) == LMK_FORBIDDEN);
    CHECK(lmk_kind_from_status(404) == LMK_NOT_FOUND);
    CHECK(lmk_kind_from_status(422) == LMK_VALIDATION);
    CHECK(lmk_kind_from_status(429) == LMK_RATE_LIMITED);
    CHECK(lmk_kind_from_status(500) == LMK_SERVER);
    CHECK(lmk_kind_from_status(503) == LMK_SERVER);
    CHECK(strcmp(lmk_kind_name(LMK_RATE_LIMITED), "rate_limited") == 0);
}

int main(void) {
    test_link();
    test_encode();
    test_redact();
    test_secret_names();
    test_retry_after();
    test_limiter();
    test_url();
    test_csv();
    test_csv_strict();
    test_jwt();
    test_kind_from_status();
    test_utf8();
    test_journal();
    return check_summary("core tests");
}
