/* sandbox_client.h -- what the C host examples share: a client for the
 * sandbox's Cerego API (LMSKIT_SANDBOX_URL, trusting LMSKIT_SANDBOX_CA
 * only), a call submitted on an engine and the check of one answer.  Header-only, static functions. */
#ifndef LMSKIT_EXAMPLES_SANDBOX_CLIENT_H
#define LMSKIT_EXAMPLES_SANDBOX_CLIENT_H

#include <lmskit.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A client for $LMSKIT_SANDBOX_URL/cerego/api/v3 (Bearer token); NULL
 * (with a message) when the sandbox is not set up.  The caller frees it
 * with lmk_client_free. */
static lmk_client *sandbox_cerego_client(void) {
    const char *url = getenv("LMSKIT_SANDBOX_URL");
    const char *ca = getenv("LMSKIT_SANDBOX_CA");
    if (!url || !ca) {
        fprintf(stderr, "LMSKIT_SANDBOX_URL and LMSKIT_SANDBOX_CA must be set (sandbox/with)\n");
        return NULL;
    }
    char base[512];
    snprintf(base, sizeof base, "%s/cerego/api/v3", url);
    lmk_client_opts o;
    memset(&o, 0, sizeof o);
    o.base_url = base;
    o.auth = LMK_AUTH_BEARER;
    o.secret = "sandbox-cerego-token";
    o.ca_file = ca;
    lmk_client *c = NULL;
    const char *why = "";
    lmk_kind k = lmk_client_new(&o, &c, &why);
    if (k != LMK_OK) {
        fprintf(stderr, "client: %s: %s\n", lmk_kind_name(k), why);
        return NULL;
    }
    return c;
}

/* A new GET /courses on c (the caller owns it); NULL on failure. */
static lmk_request *sandbox_courses_request(lmk_client *c) {
    lmk_request_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.method = "GET";
    ro.target = "/courses";
    lmk_request *r = NULL;
    const char *why = "";
    if (lmk_request_new(c, &ro, &r, &why) != LMK_OK) {
        fprintf(stderr, "request: %s\n", why);
        return NULL;
    }
    return r;
}

/* Submits one more GET /courses on e (the engine's caller owns it, as
 * lmk_engine_next_done hands it back); 1 on success. */
static int sandbox_submit_courses(lmk_engine *e, lmk_client *c) {
    lmk_request *r = sandbox_courses_request(c);
    if (!r) return 0;
    if (lmk_engine_submit(e, r) != LMK_OK) {
        lmk_request_free(r);
        return 0;
    }
    return 1;
}

/* 1 when r finished with a 200 and a JSON:API list of courses. */
static int sandbox_answer_ok(const lmk_request *r) {
    const char *detail = NULL;
    lmk_kind k = lmk_request_outcome(r, &detail);
    size_t len = 0;
    const char *body = lmk_request_body(r, &len);
    if (k == LMK_OK && lmk_request_status(r) == 200 && body &&
        strstr(body, "\"type\":\"courses\""))
        return 1;
    fprintf(stderr, "bad answer: %s %ld %s\n", lmk_kind_name(k),
            lmk_request_status(r), detail ? detail : "");
    return 0;
}

#endif
