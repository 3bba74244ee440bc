/* minimal_host.c -- the README's "C host" example as a program: one call
 * to the sandbox's Cerego API, driven by lmk_engine_step.  Built through
 * pkg-config and run by make test-c-hosts. */
#include <lmskit.h>
#include <stdio.h>
#include <stdlib.h>

/* One GET /courses; prints the status and the body's first bytes. */
int main(void) {
    char base[512];
    snprintf(base, sizeof base, "%s/cerego/api/v3", getenv("LMSKIT_SANDBOX_URL"));
    lmk_client_opts o = { .base_url = base, .auth = LMK_AUTH_BEARER,
                          .secret = "sandbox-cerego-token",
                          .ca_file = getenv("LMSKIT_SANDBOX_CA") };
    lmk_client *c = NULL;  lmk_engine *e = NULL;  lmk_request *r = NULL;  const char *why = "";
    if (lmk_client_new(&o, &c, &why) || lmk_engine_new(&e) ||
        lmk_request_new(c, &(lmk_request_opts){ .method = "GET", .target = "/courses" }, &r, &why) ||
        lmk_engine_submit(e, r)) {
        fprintf(stderr, "minimal_host: %s\n", why);
        return 1;
    }
    while (!lmk_request_done(r)) lmk_engine_step(e, 100);
    lmk_engine_next_done(e);                          /* r, now off the engine */
    size_t len;  const char *body = lmk_request_body(r, &len);
    long status = lmk_request_status(r);
    printf("minimal_host: %ld %.40s...\n", status, body ? body : "");
    lmk_request_free(r);  lmk_engine_free(e);  lmk_client_free(c);
    return status != 200;
}
