/* engine.c -- one curl multi handle plus a share handle (connections, TLS
 * sessions, DNS) per HTTP version.  The engine links the requests it runs but owns none of
 * them: a request and the engine may be freed in either order.  A host
 * loop (loop.c) may drive it instead of lmk_engine_step. */
#include <stdlib.h>

#include "internal.h"

/* Appends r at the tail of list l. */
static void list_push(request_list *l, lmk_request *r) {
    r->prev = l->tail;
    r->next = NULL;
    if (l->tail) l->tail->next = r;
    else l->head = r;
    l->tail = r;
    l->count++;
}

/* Unlinks r from list l. */
static void list_remove(request_list *l, lmk_request *r) {
    if (r->prev) r->prev->next = r->next;
    else l->head = r->next;
    if (r->next) r->next->prev = r->prev;
    else l->tail = r->prev;
    r->prev = r->next = NULL;
    l->count--;
}

/* Drops the engine's links to r: out of the multi, out of the lists, off
 * the share handle (so the share can be cleaned up while r lives on). */
void lmk_engine_forget(lmk_engine *e, lmk_request *r) {
    if (r->state == REQUEST_RUNNING && r->waiting) {
        list_remove(&e->pending, r);
        r->waiting = 0;
    } else if (r->state == REQUEST_RUNNING) {
        curl_multi_remove_handle(e->multi, r->easy);
        r->cut = 1; /* its handle may hold a transfer's state: not reused */
        list_remove(&e->running, r);
    } else if (r->state == REQUEST_QUEUED) {
        list_remove(&e->done, r);
    }
    curl_easy_setopt(r->easy, CURLOPT_SHARE, NULL);
    r->engine = NULL;
}

/* A multi handle (HTTP/2 multiplexing) and one share handle per HTTP
 * version (DNS, TLS sessions, connections). */
lmk_kind lmk_engine_new(lmk_engine **out) {
    *out = NULL;
    if (lmk_global_init() != LMK_OK) return LMK_NOMEM;
    lmk_engine *e = calloc(1, sizeof *e);
    if (!e) return LMK_NOMEM;
    e->multi = curl_multi_init();
    if (!e->multi || curl_multi_setopt(e->multi, CURLMOPT_PIPELINING,
                                       (long)CURLPIPE_MULTIPLEX)) {
        lmk_engine_free(e);
        return LMK_NOMEM;
    }
    for (int v = 0; v < 2; v++) {
        CURLSH *s = e->share[v] = curl_share_init();
        if (!s ||
            curl_share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) ||
            curl_share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) ||
            curl_share_setopt(s, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT)) {
            lmk_engine_free(e);
            return LMK_NOMEM;
        }
    }
    *out = e;
    return LMK_OK;
}

/* Finishes every request still linked (running ones as cancelled), then
 * frees curl's handles; NULL is a no-op. */
void lmk_engine_free(lmk_engine *e) {
    if (!e) return;
    while (e->running.head || e->pending.head) {
        lmk_request *r = e->running.head ? e->running.head : e->pending.head;
        lmk_engine_forget(e, r);
        r->state = REQUEST_FINISHED;
        r->outcome = LMK_TRANSPORT;
        r->detail = "the engine was closed before the response arrived";
    }
    while (e->done.head) {
        lmk_request *r = e->done.head;
        lmk_engine_forget(e, r);
        r->state = REQUEST_FINISHED;
    }
    if (e->multi) curl_multi_cleanup(e->multi);
    for (int v = 0; v < 2; v++)
        if (e->share[v]) curl_share_cleanup(e->share[v]);
    free(e);
}

/* Starts an idle request on e (with a budget set and no host loop, queues
 * it for the next step); LMK_USAGE when it ran already. */
lmk_kind lmk_engine_submit(lmk_engine *e, lmk_request *r) {
    if (r->state != REQUEST_IDLE) return LMK_USAGE;
    if (curl_easy_setopt(r->easy, CURLOPT_SHARE, e->share[!r->http1]) !=
        CURLE_OK)
        return LMK_NOMEM;
    r->state = REQUEST_RUNNING;
    r->engine = e;
    if (e->budget && !e->watch) {
        r->waiting = 1;
        list_push(&e->pending, r);
        return LMK_OK;
    }
    if (curl_multi_add_handle(e->multi, r->easy) != CURLM_OK) {
        curl_easy_setopt(r->easy, CURLOPT_SHARE, NULL);
        r->state = REQUEST_IDLE;
        r->engine = NULL;
        return LMK_NOMEM;
    }
    list_push(&e->running, r);
    e->added = 1;
    return LMK_OK;
}

/* Sets how many pending requests one step may start (0: all at once). */
void lmk_engine_set_budget(lmk_engine *e, size_t starts) { e->budget = starts; }

/* Requests waiting for a step's budget. */
size_t lmk_engine_waiting(const lmk_engine *e) { return e->pending.count; }

/* Moves up to the budget of pending requests into the multi handle; one
 * curl refuses stays first in line for the next step. */
static void start_pending(lmk_engine *e) {
    for (size_t n = 0; e->pending.head && (!e->budget || n < e->budget); n++) {
        lmk_request *r = e->pending.head;
        if (curl_multi_add_handle(e->multi, r->easy) != CURLM_OK) return;
        list_remove(&e->pending, r);
        r->waiting = 0;
        list_push(&e->running, r);
        e->added = 1;
    }
}

/* Before the engine blocks in a poll: one more curl_multi_perform when
 * transfers were added since the last such check.  libcurl 7.88 may leave
 * a new HTTP/2 stream's request unsent by the perform that starts it (seen
 * when that perform also reads other streams' responses) and asks for
 * nothing that would run it again (no socket wish, no timeout), so a poll
 * then left the request unsent until the connection had something to
 * read: with 16 POSTs of 20 ms in flight, one call in ten took 40 ms
 * (spec/transport_send_spec.lua).  A step that returns without polling
 * needs none: the next step performs first. */
static CURLMcode settle(lmk_engine *e, int *still) {
    if (!e->added) return CURLM_OK;
    e->added = 0;
    CURLMcode rc = curl_multi_perform(e->multi, still);
    lmk_engine_collect(e);
    return rc;
}

/* Moves every transfer curl reports finished to the done list. */
void lmk_engine_collect(lmk_engine *e) {
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(e->multi, &left))) {
        if (msg->msg != CURLMSG_DONE) continue;
        lmk_request *r = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&r);
        if (!r || r->state != REQUEST_RUNNING) continue;
        CURLcode code = msg->data.result;
        curl_multi_remove_handle(e->multi, r->easy);
        list_remove(&e->running, r);
        lmk_request_finish(r, code);
        r->state = REQUEST_QUEUED;
        list_push(&e->done, r);
    }
}

/* Advances transfers, polling up to timeout_ms only while some run and
 * none has finished; finished ones are queued. */
lmk_kind lmk_engine_step(lmk_engine *e, long timeout_ms) {
    int still = 0;
    if (e->watch) return LMK_USAGE;
    start_pending(e);
    if (curl_multi_perform(e->multi, &still) != CURLM_OK) return LMK_TRANSPORT;
    lmk_engine_collect(e);
    if (still && !e->done.head && timeout_ms > 0) {
        int numfds = 0;
        if (settle(e, &still) != CURLM_OK) return LMK_TRANSPORT;
        if (!still || e->done.head) return LMK_OK;
        if (curl_multi_poll(e->multi, NULL, 0, (int)timeout_ms, &numfds) !=
            CURLM_OK)
            return LMK_TRANSPORT;
        if (curl_multi_perform(e->multi, &still) != CURLM_OK)
            return LMK_TRANSPORT;
        lmk_engine_collect(e);
    }
    return LMK_OK;
}

/* Polls up to timeout_ms even when nothing runs, then advances. */
lmk_kind lmk_engine_wait(lmk_engine *e, long timeout_ms) {
    int numfds = 0, still = 0;
    if (e->watch) return LMK_USAGE;
    start_pending(e);
    if (e->added) { /* a new transfer's two performs come before the poll */
        if (curl_multi_perform(e->multi, &still) != CURLM_OK) return LMK_TRANSPORT;
        if (settle(e, &still) != CURLM_OK) return LMK_TRANSPORT;
        if (e->done.head) return LMK_OK;
    }
    if (timeout_ms > 0 &&
        curl_multi_poll(e->multi, NULL, 0, (int)timeout_ms, &numfds) != CURLM_OK)
        return LMK_TRANSPORT;
    if (curl_multi_perform(e->multi, &still) != CURLM_OK) return LMK_TRANSPORT;
    lmk_engine_collect(e);
    return LMK_OK;
}

/* Pops one finished request, unlinked from e; NULL when none. */
lmk_request *lmk_engine_next_done(lmk_engine *e) {
    lmk_request *r = e->done.head;
    if (!r) return NULL;
    lmk_engine_forget(e, r);
    r->state = REQUEST_FINISHED;
    return r;
}

/* Requests submitted and not yet finished. */
size_t lmk_engine_running(const lmk_engine *e) {
    return e->running.count + e->pending.count;
}
