/* test_wipe.c -- checks that the core wipes what held a credential before
 * freeing it.  Built with -DLMK_TEST_HOOKS against the core sources (make
 * test-wipe), so src/core/wipe.c shows every wipe to lmk_test_wipe_hook:
 * before it (the hook copies what is about to be wiped) and after it (the
 * hook checks the bytes are zero).  Clients and requests of every auth
 * strategy are made and freed, without any network; then the test asks
 * whether each form of each credential was among the wiped texts.
 *
 * What it proves: every buffer listed below is wiped, with zeros, before
 * it is freed.  What it cannot prove: that no other copy exists (libcurl
 * and OpenSSL keep their own, outside lmskit's reach). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/core/lmskit.h"

#define MAX_SEEN 8192

/* Every text wiped so far (copies, owned by the test) and the count of
 * wipes that did not leave zeros. */
static char *seen[MAX_SEEN];
static size_t seen_len[MAX_SEEN];
static size_t nseen;
static size_t not_zero;
static size_t failures;

/* The hook wipe.c calls around OPENSSL_cleanse. */
void lmk_test_wipe_hook(const void *p, size_t n, int after);
void lmk_test_wipe_hook(const void *p, size_t n, int after) {
    const unsigned char *b = p;
    if (after) {
        for (size_t i = 0; i < n; i++)
            if (b[i]) {
                not_zero++;
                break;
            }
        return;
    }
    if (nseen == MAX_SEEN) return;
    char *copy = malloc(n + 1);
    if (!copy) abort();
    memcpy(copy, p, n);
    copy[n] = '\0';
    seen_len[nseen] = n;
    seen[nseen++] = copy;
}

/* 1 when some wiped block holds needle, anywhere in its bytes (a block
 * may hold more than text: a header list's nodes come before its lines). */
static int was_wiped(const char *needle) {
    size_t k = strlen(needle);
    for (size_t i = 0; i < nseen; i++)
        for (size_t at = 0; at + k <= seen_len[i]; at++)
            if (memcmp(seen[i] + at, needle, k) == 0) return 1;
    return 0;
}

/* Records a failed expectation. */
static void expect(int ok, const char *what) {
    printf("%s - %s\n", ok ? "ok" : "not ok", what);
    if (!ok) failures++;
}

/* Forgets what was seen (between cases). */
static void forget(void) {
    for (size_t i = 0; i < nseen; i++) free(seen[i]);
    nseen = 0;
}

/* Builds one request on c (never sent) and frees it. */
static void one_request(lmk_client *c, const char *method, const char *target,
                        const char *body, const char *header) {
    lmk_request_opts o;
    memset(&o, 0, sizeof o);
    o.method = method;
    o.target = target;
    o.body = body;
    o.body_len = body ? strlen(body) : 0;
    o.content_type = body ? "application/x-www-form-urlencoded" : NULL;
    const char *headers[1] = {header};
    o.headers = headers;
    o.nheaders = header ? 1 : 0;
    lmk_request *r = NULL;
    const char *why = NULL;
    if (lmk_request_new(c, &o, &r, &why) != LMK_OK) {
        printf("# request refused: %s\n", why ? why : "?");
        failures++;
        return;
    }
    lmk_request_free(r);
}

/* Makes a client of https://h.example with the given options (its auth
 * and credentials) or fails the test. */
static lmk_client *client(lmk_client_opts o) {
    o.base_url = "https://h.example";
    lmk_client *c = NULL;
    const char *why = NULL;
    if (lmk_client_new(&o, &c, &why) != LMK_OK) {
        printf("# client refused: %s\n", why ? why : "?");
        exit(1);
    }
    return c;
}

/* Frees c after forgetting what was seen: what is seen next is what
 * freeing it wiped. */
static void free_client(lmk_client *c) {
    forget();
    lmk_client_free(c);
}

/* Bearer token, a per-attempt JWT header, a form body with a password,
 * the ring of per-attempt secrets. */
static void bearer_case(void) {
    lmk_client *c = client((lmk_client_opts){
        .auth = LMK_AUTH_BEARER, .secret = "bearer-SECRET/token\"1",
        .proxy = "http://proxyuser:proxy-PW@127.0.0.1:3128"});
    char jwt[64];
    for (int i = 0; i < 300; i++) { /* the first 44 are pushed out of the ring */
        if (i == 256) forget(); /* the ring is full: what follows evicts */
        snprintf(jwt, sizeof jwt, "jwt-%03d-attempt-credential", i);
        lmk_client_add_attempt_secret(c, jwt);
    }
    expect(was_wiped("jwt-000-attempt-credential") &&
               was_wiped("jwt-043-attempt-credential") &&
               !was_wiped("jwt-044-attempt-credential"),
           "bearer: a per-attempt secret is wiped when the ring forgets it");
    one_request(c, "POST", "/users", "login=a&password=PASSWORD-in-body",
                "Authorization: Bearer eyJ.per-attempt.JWT");
    expect(was_wiped("password=PASSWORD-in-body"), "bearer: the request body");
    expect(was_wiped("Authorization: Bearer eyJ.per-attempt.JWT"),
           "bearer: a per-request header line (a JWT)");
    expect(was_wiped("Authorization: Bearer bearer-SECRET/token\"1"),
           "bearer: the Authorization line in the request's header list");
    free_client(c);
    expect(was_wiped("bearer-SECRET/token\"1"), "bearer: the secret");
    expect(was_wiped("bearer-SECRET%2Ftoken%221"), "bearer: its percent-encoded form");
    expect(was_wiped("bearer-SECRET\\/token\\\"1"), "bearer: its JSON-escaped form");
    expect(was_wiped("Authorization: Bearer bearer-SECRET/token\"1"),
           "bearer: the client's Authorization line");
    expect(was_wiped("proxy-PW"), "bearer: the proxy URL with its password");
    expect(was_wiped("jwt-299-attempt-credential") &&
               was_wiped("jwt-044-attempt-credential"),
           "bearer: the per-attempt secrets still in the ring");
    forget();
}

/* HTTP Basic: the user, the password, base64("user:password"), the
 * Authorization line. */
static void basic_case(void) {
    lmk_client *c = client((lmk_client_opts){
        .auth = LMK_AUTH_BASIC, .user = "basic-USER-key", .secret = "basic-PASSWORD"});
    /* base64("basic-USER-key:basic-PASSWORD") */
    const char *b64 = "YmFzaWMtVVNFUi1rZXk6YmFzaWMtUEFTU1dPUkQ=";
    expect(was_wiped("basic-USER-key:basic-PASSWORD"),
           "basic: the joined user:password, once encoded");
    one_request(c, "GET", "/x", NULL, NULL);
    expect(was_wiped(b64), "basic: the Authorization line in the request's header list");
    free_client(c);
    expect(was_wiped("basic-USER-key"), "basic: the user (Coggno's key)");
    expect(was_wiped("basic-PASSWORD"), "basic: the password");
    char value[128];
    snprintf(value, sizeof value, "Basic %s", b64);
    expect(was_wiped(value), "basic: base64 and \"Basic <base64>\"");
    forget();
}

/* Query auth: the URL carrying api_key=<secret>. */
static void query_case(void) {
    lmk_client *c = client((lmk_client_opts){
        .auth = LMK_AUTH_QUERY, .param = "api_key", .secret = "query KEY/1"});
    one_request(c, "GET", "/api/get_users?page=2", NULL, NULL);
    expect(was_wiped("https://h.example/api/get_users?page=2&api_key=query%20KEY%2F1"),
           "query: the request URL with the credential");
    free_client(c);
    expect(was_wiped("query KEY/1") && was_wiped("query%20KEY%2F1"),
           "query: the secret and its percent-encoded form");
    forget();
}

/* A secret buffer wipes the blocks it outgrows. */
static void buffer_case(void) {
    lmk_buf b;
    lmk_buf_init_secret(&b);
    lmk_buf_adds(&b, "grown-SECRET-");
    for (int i = 0; i < 20; i++) lmk_buf_adds(&b, "0123456789");
    expect(was_wiped("grown-SECRET-"), "buffer: a secret buffer wipes the block it outgrew");
    forget();
    lmk_buf_free(&b);
    expect(was_wiped("grown-SECRET-0123456789"), "buffer: and its last block when freed");
    forget();
    lmk_buf plain;
    lmk_buf_init(&plain);
    lmk_buf_adds(&plain, "not a secret");
    lmk_buf_free(&plain);
    expect(nseen == 0, "buffer: a plain buffer is not wiped (no cost where no secret is)");
}

/* Runs every case; exit status 0 when all held. */
int main(void) {
    if (lmk_global_init() != LMK_OK) return 1;
    bearer_case();
    basic_case();
    query_case();
    buffer_case();
    expect(not_zero == 0, "every wipe left only zeros");
    forget();
    printf("%s: %zu failed\n", failures ? "FAIL" : "PASS", failures);
    return failures ? 1 : 0;
}
