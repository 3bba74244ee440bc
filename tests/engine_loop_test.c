/* engine_loop_test.c -- the engine driven two ways without the network
 * beyond loopback (every request goes to https://127.0.0.1:1, which
 * refuses): the per-step budget (pending requests start a few a step, in
 * order, and can be freed while they wait) and a host loop (poll(2) here)
 * fed through lmk_engine_set_loop's callbacks.  White-box: it reads the
 * engine's lists.  make test-core runs it under ASan + UBSan. */
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "../src/core/internal.h"

#include "check.h"

/* A new request to the refusing port; NULL on failure (caller frees). */
static lmk_request *refused(lmk_client *c) {
    lmk_request_opts o;
    memset(&o, 0, sizeof o);
    o.method = "GET";
    o.target = "/x";
    lmk_request *r = NULL;
    const char *why = NULL;
    return lmk_request_new(c, &o, &r, &why) == LMK_OK ? r : NULL;
}

/* Budget 1: three submitted, one started per step, all end refused. */
static void test_budget(lmk_client *c) {
    lmk_engine *e = NULL;
    CHECK(lmk_engine_new(&e) == LMK_OK);
    lmk_engine_set_budget(e, 1);
    lmk_request *r[4];
    for (int i = 0; i < 4; i++) {
        r[i] = refused(c);
        CHECK(r[i] && lmk_engine_submit(e, r[i]) == LMK_OK);
    }
    CHECK(lmk_engine_running(e) == 4 && e->pending.count == 4 && e->running.count == 0);
    lmk_request_free(r[3]);                      /* freed while it waits */
    CHECK(lmk_engine_running(e) == 3 && e->pending.count == 3);
    CHECK(lmk_engine_step(e, 0) == LMK_OK);
    CHECK(e->pending.count == 2 && e->pending.head == r[1]);
    int finished = 0;
    for (int turn = 0; turn < 2000 && finished < 3; turn++) {
        CHECK(lmk_engine_step(e, 10) == LMK_OK);
        lmk_request *d;
        while ((d = lmk_engine_next_done(e))) {
            CHECK(d == r[finished]);             /* in the order submitted */
            CHECK(lmk_request_outcome(d, NULL) == LMK_TRANSPORT);
            finished++;
        }
    }
    CHECK(finished == 3 && lmk_engine_running(e) == 0);
    for (int i = 0; i < 3; i++) lmk_request_free(r[i]);
    lmk_engine_free(e);
}

/* The host's loop: the fds lmskit asked to watch and its timer. */
typedef struct host {
    struct pollfd fds[16];
    int nfds, adds, removes, timer_calls;
    long timer_ms;   /* -1: disarmed */
} host;

/* Watch callback: keeps h->fds in step with what lmskit asks. */
static void on_watch(void *ud, int fd, int what) {
    host *h = ud;
    int i = 0;
    while (i < h->nfds && h->fds[i].fd != fd) i++;
    if (what == LMK_WATCH_REMOVE) {
        if (i < h->nfds) h->fds[i] = h->fds[--h->nfds];
        h->removes++;
        return;
    }
    if (i == h->nfds) {
        if (h->nfds == 16) return;
        h->nfds++;
        h->adds++;
    }
    h->fds[i].fd = fd;
    h->fds[i].events = (short)((what & LMK_WATCH_IN ? POLLIN : 0) |
                               (what & LMK_WATCH_OUT ? POLLOUT : 0));
}

/* Timer callback: remembers the timeout asked for. */
static void on_timer(void *ud, long ms) {
    host *h = ud;
    h->timer_ms = ms;
    h->timer_calls++;
}

/* One turn of a poll(2) loop feeding the engine. */
static void host_turn(host *h, lmk_engine *e) {
    int n = poll(h->fds, (nfds_t)h->nfds, h->timer_ms < 0 ? 100 : (int)h->timer_ms);
    if (n == 0 && h->timer_ms >= 0) {
        h->timer_ms = -1;
        CHECK(lmk_engine_timer_fired(e) == LMK_OK);
        return;
    }
    struct pollfd ready[16];
    int nready = 0;
    for (int i = 0; i < h->nfds; i++)
        if (h->fds[i].revents) ready[nready++] = h->fds[i];
    for (int i = 0; i < nready; i++) {
        short ev = ready[i].revents;
        CHECK(lmk_engine_socket_ready(e, ready[i].fd,
              (ev & POLLIN ? LMK_READY_IN : 0) | (ev & POLLOUT ? LMK_READY_OUT : 0) |
              (ev & (POLLERR | POLLHUP) ? LMK_READY_ERR : 0)) == LMK_OK);
    }
}

/* A host loop: refusals around it, then two requests to their end. */
static void test_loop(lmk_client *c) {
    host h;
    memset(&h, 0, sizeof h);
    h.timer_ms = -1;
    lmk_engine *e = NULL;
    CHECK(lmk_engine_new(&e) == LMK_OK);
    CHECK(lmk_engine_set_loop(e, NULL, on_timer, &h) == LMK_USAGE);
    CHECK(lmk_engine_timer_fired(e) == LMK_USAGE);   /* no loop yet */
    CHECK(lmk_engine_set_loop(e, on_watch, on_timer, &h) == LMK_OK);
    CHECK(lmk_engine_set_loop(e, on_watch, on_timer, &h) == LMK_USAGE);
    CHECK(lmk_engine_step(e, 0) == LMK_USAGE);
    CHECK(lmk_engine_wait(e, 0) == LMK_USAGE);
    lmk_engine_set_budget(e, 1);                     /* not for a host loop */
    lmk_request *r[2] = {refused(c), refused(c)};
    for (int i = 0; i < 2; i++) CHECK(r[i] && lmk_engine_submit(e, r[i]) == LMK_OK);
    CHECK(h.timer_calls > 0 && h.timer_ms == 0 && e->pending.count == 0);
    int finished = 0;
    for (int turn = 0; turn < 2000 && finished < 2; turn++) {
        host_turn(&h, e);
        lmk_request *d;
        while ((d = lmk_engine_next_done(e))) {
            CHECK(lmk_request_outcome(d, NULL) == LMK_TRANSPORT);
            finished++;
        }
    }
    CHECK(finished == 2 && lmk_engine_running(e) == 0);
    CHECK(h.adds > 0 && h.removes == h.adds && h.nfds == 0);
    for (int i = 0; i < 2; i++) lmk_request_free(r[i]);
    lmk_engine_free(e);
}

/* Runs both; the exit status is the failure count (at most 100). */
int main(void) {
    lmk_client_opts o;
    memset(&o, 0, sizeof o);
    o.base_url = "https://127.0.0.1:1";
    o.connect_timeout_ms = 2000;
    lmk_client *c = NULL;
    const char *why = NULL;
    CHECK(lmk_client_new(&o, &c, &why) == LMK_OK);
    if (c) {
        test_budget(c);
        test_loop(c);
    }
    lmk_client_free(c);
    return check_summary("engine loop tests");
}
