/* limiter.c -- a sliding-window rate limiter: at most `calls` calls in
 * any window of `per` seconds (the log of the last `calls` start times is
 * kept), plus an optional block (a vendor lock-out) during which nothing
 * may start.  The limiter owns its ring of timestamps. */
#include <stdlib.h>

#include "lmskit.h"

/* The window's settings, its ring of start times and the block. */
struct lmk_limiter {
    size_t calls;
    double per;
    double *stamps;   /* ring of the last `calls` start times */
    size_t head;      /* the oldest stamp */
    size_t count;
    double blocked_until;
};

/* A limiter for calls per `per` seconds; LMK_USAGE for 0 or per <= 0. */
lmk_kind lmk_limiter_new(size_t calls, double per, lmk_limiter **out) {
    *out = NULL;
    if (calls == 0 || !(per > 0)) return LMK_USAGE;
    lmk_limiter *l = calloc(1, sizeof *l);
    if (!l) return LMK_NOMEM;
    l->stamps = calloc(calls, sizeof *l->stamps);
    if (!l->stamps) {
        free(l);
        return LMK_NOMEM;
    }
    l->calls = calls;
    l->per = per;
    *out = l;
    return LMK_OK;
}

/* Frees the limiter; NULL is a no-op. */
void lmk_limiter_free(lmk_limiter *l) {
    if (!l) return;
    free(l->stamps);
    free(l);
}

/* Seconds to wait from now before the next call may start (0: now). */
double lmk_limiter_delay(const lmk_limiter *l, double now) {
    if (now < l->blocked_until) return l->blocked_until - now;
    if (l->count < l->calls) return 0;
    double free_at = l->stamps[l->head] + l->per;
    return free_at > now ? free_at - now : 0;
}

/* Notes a call started at now. */
void lmk_limiter_record(lmk_limiter *l, double now) {
    if (l->count < l->calls) {
        l->stamps[(l->head + l->count++) % l->calls] = now;
    } else {
        l->stamps[l->head] = now; /* the oldest leaves the window */
        l->head = (l->head + 1) % l->calls;
    }
}

/* Lets nothing start before until (a later block extends it). */
void lmk_limiter_block(lmk_limiter *l, double until) {
    if (until > l->blocked_until) l->blocked_until = until;
}
