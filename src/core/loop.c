/* loop.c -- the engine driven by the host's own event loop: libcurl's
 * socket and timer callbacks passed on to the host's watch and timer
 * functions, and the host's readiness and timer events passed back to
 * curl_multi_socket_action. */
#include "internal.h"

/* CURLMOPT_SOCKETFUNCTION: passes curl's wish for fd on to the host
 * (CURL_POLL_IN/OUT/INOUT/REMOVE have the LMK_WATCH_* values). */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp,
                     void *socketp) {
    (void)easy;
    (void)socketp;
    lmk_engine *e = userp;
    int w = what == CURL_POLL_REMOVE ? LMK_WATCH_REMOVE
          : what == CURL_POLL_INOUT  ? LMK_WATCH_INOUT
          : what == CURL_POLL_OUT    ? LMK_WATCH_OUT
                                     : LMK_WATCH_IN;
    e->watch(e->loop_ud, (int)fd, w);
    return 0;
}

/* CURLMOPT_TIMERFUNCTION: passes curl's timeout (-1: none) to the host. */
static int on_timer(CURLM *multi, long timeout_ms, void *userp) {
    (void)multi;
    lmk_engine *e = userp;
    e->timer(e->loop_ud, timeout_ms < 0 ? -1 : timeout_ms);
    return 0;
}

/* Installs the host's callbacks on e's multi handle; e must be unused. */
lmk_kind lmk_engine_set_loop(lmk_engine *e, lmk_watch_fn watch,
                             lmk_timer_fn timer, void *ud) {
    if (!watch || !timer || e->watch || e->running.count ||
        e->pending.count || e->done.count)
        return LMK_USAGE;
    if (curl_multi_setopt(e->multi, CURLMOPT_SOCKETFUNCTION, on_socket) ||
        curl_multi_setopt(e->multi, CURLMOPT_SOCKETDATA, e) ||
        curl_multi_setopt(e->multi, CURLMOPT_TIMERFUNCTION, on_timer) ||
        curl_multi_setopt(e->multi, CURLMOPT_TIMERDATA, e))
        return LMK_NOMEM;
    e->watch = watch;
    e->timer = timer;
    e->loop_ud = ud;
    return LMK_OK;
}

/* Runs curl on one socket (or the timeout), then queues what finished. */
static lmk_kind act(lmk_engine *e, curl_socket_t fd, int mask) {
    int still = 0;
    if (!e->watch) return LMK_USAGE;
    if (curl_multi_socket_action(e->multi, fd, mask, &still) != CURLM_OK)
        return LMK_TRANSPORT;
    lmk_engine_collect(e);
    return LMK_OK;
}

/* The host saw fd ready: LMK_READY_* map to CURL_CSELECT_IN/OUT/ERR. */
lmk_kind lmk_engine_socket_ready(lmk_engine *e, int fd, int events) {
    int mask = 0;
    if (events & LMK_READY_IN) mask |= CURL_CSELECT_IN;
    if (events & LMK_READY_OUT) mask |= CURL_CSELECT_OUT;
    if (events & LMK_READY_ERR) mask |= CURL_CSELECT_ERR;
    return act(e, (curl_socket_t)fd, mask);
}

/* The host's timer fired. */
lmk_kind lmk_engine_timer_fired(lmk_engine *e) {
    return act(e, CURL_SOCKET_TIMEOUT, 0);
}
