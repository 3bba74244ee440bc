/* handles.c -- a client's pool of curl easy handles, configured once with
 * the client's constant options (TLS policy, proxy, timeouts, callbacks)
 * and reused by its requests: a request takes one when it is built and
 * gives it back when it is freed, so a call costs no curl_easy_init, no
 * constant setopt and no curl_easy_cleanup.
 *
 * Ownership: the pool is counted: one reference for its client, one per
 * request holding a handle, so a client and its requests may be freed in
 * either order.  Handles parked here are owned by the pool; a handle
 * taken is owned by its request until given back.  Closing the client
 * cleans up the parked ones; a handle given back after that, or one
 * whose transfer was cut off, is cleaned up at once.  A client and its
 * requests are used by one thread (as an engine is). */
#include <stdlib.h>

#include "internal.h"

/* Handles kept parked at most (each holds libcurl's buffers). */
#define LMK_HANDLES_MAX 32

struct lmk_handles {
    CURL *parked[LMK_HANDLES_MAX]; /* configured, not in use */
    size_t nparked;
    size_t refs;                   /* the client + requests holding one */
    int closed;                    /* the client is gone */
};

/* A new pool, referenced by its client; NULL when out of memory. */
lmk_handles *lmk_handles_new(void) {
    lmk_handles *p = calloc(1, sizeof *p);
    if (p) p->refs = 1;
    return p;
}

/* Drops one reference; the last frees the pool. */
static void unref(lmk_handles *p) {
    if (--p->refs == 0) free(p);
}

/* A handle for a request: a parked one (*fresh = 0: already configured)
 * or a new one (*fresh = 1); NULL when out of memory.  The pool gains a
 * reference until the handle is given back. */
CURL *lmk_handles_take(lmk_handles *p, int *fresh) {
    CURL *e;
    if (p->nparked) {
        e = p->parked[--p->nparked];
        *fresh = 0;
    } else {
        e = curl_easy_init();
        *fresh = 1;
        if (!e) return NULL;
    }
    p->refs++;
    return e;
}

/* Takes back a handle lmk_handles_take gave out: parked when `reusable`
 * (its transfer ended or never started), the client is open and there
 * is room; cleaned up otherwise. */
void lmk_handles_give(lmk_handles *p, CURL *e, int reusable) {
    if (reusable && !p->closed && p->nparked < LMK_HANDLES_MAX)
        p->parked[p->nparked++] = e;
    else
        curl_easy_cleanup(e);
    unref(p);
}

/* The client is closed: its parked handles are cleaned up, and those
 * its requests still hold will be when given back. */
void lmk_handles_close(lmk_handles *p) {
    if (!p) return;
    p->closed = 1;
    while (p->nparked) curl_easy_cleanup(p->parked[--p->nparked]);
    unref(p);
}
