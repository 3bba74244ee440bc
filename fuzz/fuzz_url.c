/* fuzz_url.c -- URL resolution and origin checks: lmk_url_resolve,
 * lmk_client_same_origin, lmk_client_new's base_url checks and the URL
 * lmk_request_new builds (a target comes from a Link header or a JSON
 * links.next of a hostile server).  No request is ever sent.
 *
 * Input: a mode byte, then either a reference (modes 0-5: resolved
 * against one of the fixed clients below) or a base_url (mode 6-7: a
 * client is built from it).  Invariants:
 *   - a resolved URL has no byte <= 0x20 or 0x7f;
 *   - same_origin agrees with a plain reading of the resolved URL:
 *     exactly the client's "scheme://host" followed by "/", "?", "#",
 *     the end, or the default port the same way;
 *   - every request lmk_request_new accepts goes to the client's origin
 *     (same_origin of its URL), an absolute target is used as given up
 *     to any fragment, which is left out (a query credential after it
 *     would never be sent);
 *   - a client accepts only https (http only on loopback when allowed),
 *     and its own base_url is on its origin. */
#include <strings.h>

#include "../src/core/lmskit.h"
#include "fuzz.h"

typedef struct fixed {
    const char *base;
    const char *origin;  /* scheme://host as curl writes it */
    const char *port;    /* the default port written out, or NULL */
    lmk_auth_kind auth;
    int loopback_http;
} fixed;

static const fixed clients[] = {
    {"https://www.my-catalog.edu", "https://www.my-catalog.edu", ":443", LMK_AUTH_TOKEN, 0},
    {"https://academy123xxx.coursepath.com/api/v1", "https://academy123xxx.coursepath.com", ":443", LMK_AUTH_BEARER, 0},
    {"https://yourbusiness.matrixlms.com", "https://yourbusiness.matrixlms.com", ":443", LMK_AUTH_QUERY, 0},
    {"https://127.0.0.1:27443/cerego", "https://127.0.0.1:27443", NULL, LMK_AUTH_BEARER, 0},
    {"https://[::1]:8443/coggno-live/capp", "https://[::1]:8443", NULL, LMK_AUTH_BASIC, 0},
    {"http://127.0.0.1:27444/matrix", "http://127.0.0.1:27444", NULL, LMK_AUTH_QUERY, 1},
};
#define NCLIENTS (sizeof clients / sizeof *clients)
#define SECRET "sEcReT-key-0123456789"

/* Builds a client for base with the given strategy (NULL on refusal). */
static lmk_client *make_client(const char *base, lmk_auth_kind auth,
                               int loopback_http) {
    lmk_client_opts o;
    memset(&o, 0, sizeof o);
    o.base_url = base;
    o.auth = auth;
    o.secret = SECRET;
    o.user = "user";
    o.param = "api_key";
    o.allow_http_loopback = loopback_http;
    lmk_client *c = NULL;
    const char *why = NULL;
    if (lmk_client_new(&o, &c, &why) != LMK_OK) {
        FZ_CHECK(c == NULL && why != NULL, "a refusal says why");
        return NULL;
    }
    return c;
}

/* The plain reading: url starts with origin (+ optional default port)
 * and then ends or goes on with '/', '?' or '#'. */
static int plain_same_origin(const char *url, const fixed *f) {
    size_t n = strlen(f->origin);
    if (strncasecmp(url, f->origin, n) != 0) return 0;
    const char *rest = url + n;
    if (f->port && strncmp(rest, f->port, strlen(f->port)) == 0)
        rest += strlen(f->port);
    return *rest == '\0' || *rest == '/' || *rest == '?' || *rest == '#';
}

/* No byte a request line or header must not carry. */
static int clean(const char *s) {
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || *s == 0x7f) return 0;
    return 1;
}

/* Builds a GET for target; checks where the request would go. */
static void check_request(lmk_client *c, const char *target, int query_auth) {
    lmk_request_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.method = "GET";
    ro.target = target;
    lmk_request *r = NULL;
    const char *why = NULL;
    if (lmk_request_new(c, &ro, &r, &why) != LMK_OK) {
        FZ_CHECK(r == NULL && why != NULL, "a refused request says why");
        return;
    }
    const char *url = lmk_request_url(r);
    FZ_CHECK(lmk_client_same_origin(c, url), "requests stay on the origin");
    size_t len = strcspn(target, "#");
    if (strstr(target, "://"))
        FZ_CHECK(strncmp(url, target, len) == 0 && strlen(url) >= len,
                 "an absolute target is used as given, up to any fragment");
    FZ_CHECK(!strchr(url, '#'), "no fragment");
    if (query_auth) {
        static const char cred[] = "api_key=" SECRET;
        size_t n = strlen(url), cn = sizeof cred - 1;
        FZ_CHECK(n > cn && strcmp(url + n - cn, cred) == 0 &&
                     (url[n - cn - 1] == '?' || url[n - cn - 1] == '&') &&
                     strchr(url, '?') <= url + n - cn - 1,
                 "the query credential ends the query");
    }
    lmk_request_free(r);
}

/* Resolves ref against a fixed client and checks every view of it. */
static void fuzz_ref(const fixed *f, const char *ref) {
    lmk_client *c = make_client(f->base, f->auth, f->loopback_http);
    FZ_CHECK(c != NULL, "the fixed clients are valid");
    lmk_buf full;
    lmk_buf_init(&full);
    if (lmk_url_resolve(f->base, ref, &full) == LMK_OK) {
        FZ_CHECK(full.data && clean(full.data), "a resolved URL is clean");
        FZ_CHECK(lmk_client_same_origin(c, full.data) == plain_same_origin(full.data, f),
                 "same_origin agrees with the plain reading");
        check_request(c, full.data, f->auth == LMK_AUTH_QUERY);
    }
    lmk_buf_free(&full);
    (void)lmk_client_same_origin(c, ref);
    check_request(c, ref, f->auth == LMK_AUTH_QUERY);
    lmk_client_free(c);
}

/* Builds a client from a fuzzed base_url and checks what it accepts. */
static void fuzz_base(const char *base, int loopback_http) {
    static const lmk_auth_kind auths[] = {LMK_AUTH_BEARER, LMK_AUTH_QUERY};
    lmk_client *c = make_client(base, auths[loopback_http], loopback_http);
    if (!c) return;
    const char *own = lmk_client_base_url(c);
    FZ_CHECK(clean(own), "a base_url is clean");
    /* (libcurl also reads "https:/host" and "https:///host") */
    int https = strncasecmp(own, "https:", 6) == 0;
    FZ_CHECK(https || (loopback_http && strncasecmp(own, "http:", 5) == 0),
             "only https (loopback http when allowed)");
    FZ_CHECK(lmk_client_same_origin(c, own), "the base_url is on its own origin");
    check_request(c, "/api/v1/courses?page=2", loopback_http);
    lmk_client_free(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_input in = {data, size};
    uint8_t mode = fz_byte(&in) % 8;
    char *s = fz_cstr(in.p, in.n);
    if (!s) return 0;
    if (strlen(s) == in.n) { /* a C string: no NUL inside */
        if (mode < NCLIENTS) fuzz_ref(&clients[mode], s);
        else fuzz_base(s, mode == 7);
    }
    free(s);
    return 0;
}
