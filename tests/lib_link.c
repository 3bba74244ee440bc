/* lib_link.c -- a C program built against the installed liblmskit through
 * pkg-config (make test-c-lib), also as C++: the header is self-contained,
 * the library links and loads, and a few calls work without Lua or a
 * network. */
#include <lmskit.h>
#include <stdio.h>
#include <string.h>

/* Runs the checks; prints "lib_link: N passed, 0 failed" or fails. */
int main(void) {
    int passed = 0, failed = 0;
#define CHECK(c) do { if (c) passed++; else { failed++; printf("not ok: %s\n", #c); } } while (0)
    CHECK(strcmp(lmk_kind_name(LMK_NOT_FOUND), "not_found") == 0);
    CHECK(lmk_kind_from_status(429) == LMK_RATE_LIMITED);
    CHECK(lmk_global_init() == LMK_OK);

    lmk_buf b;
    lmk_buf_init(&b);
    CHECK(lmk_pct_encode(&b, "a b/c", 5) == LMK_OK && strcmp(b.data, "a%20b%2Fc") == 0);
    lmk_buf_free(&b);

    lmk_engine *e = NULL;
    CHECK(lmk_engine_new(&e) == LMK_OK && e != NULL);
    lmk_client_opts o;
    memset(&o, 0, sizeof o);
    o.base_url = "https://lms.example.org/api";
    o.auth = LMK_AUTH_BEARER;
    o.secret = "not-a-real-token";
    lmk_client *c = NULL;
    const char *why = NULL;
    CHECK(lmk_client_new(&o, &c, &why) == LMK_OK);
    lmk_request_opts ro;
    memset(&ro, 0, sizeof ro);
    ro.method = "GET";
    ro.target = "/courses";
    lmk_request *r = NULL;
    CHECK(c && lmk_request_new(c, &ro, &r, &why) == LMK_OK);
    CHECK(r && lmk_request_url(r) && strcmp(lmk_request_url(r), "https://lms.example.org/api/courses") == 0);
    CHECK(lmk_engine_running(e) == 0);
    lmk_request_free(r);
    lmk_client_free(c);
    lmk_engine_free(e);
    printf("lib_link: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
