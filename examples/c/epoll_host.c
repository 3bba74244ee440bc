/* epoll_host.c -- a C host without Lua whose own epoll loop drives
 * lmskit: the engine names the sockets to watch and the timeout it needs
 * (lmk_engine_set_loop), the loop reports readiness and the timer back.
 * Makes CALLS calls to the sandbox's Cerego API, CONCURRENCY at a time,
 * and checks every answer.  make test-c-hosts runs it. */
#include <errno.h>
#include <sys/epoll.h>
#include <time.h>
#include <unistd.h>

#include "sandbox_client.h"

#define CALLS 200
#define CONCURRENCY 16

/* The host's loop: an epoll set and the one timer lmskit asked for. */
typedef struct host_loop {
    int epfd;
    double deadline;  /* monotonic seconds the timer fires at; < 0: none */
} host_loop;

/* Seconds on the monotonic clock. */
static double now_s(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* lmskit's watch callback: add, change or drop fd in the epoll set. */
static void on_watch(void *ud, int fd, int what) {
    host_loop *h = ud;
    if (what == LMK_WATCH_REMOVE) {
        epoll_ctl(h->epfd, EPOLL_CTL_DEL, fd, NULL); /* may be closed: fine */
        return;
    }
    struct epoll_event ev;
    memset(&ev, 0, sizeof ev);
    ev.events = (what & LMK_WATCH_IN ? EPOLLIN : 0) |
                (what & LMK_WATCH_OUT ? EPOLLOUT : 0);
    ev.data.fd = fd;
    if (epoll_ctl(h->epfd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
        epoll_ctl(h->epfd, EPOLL_CTL_ADD, fd, &ev);
}

/* lmskit's timer callback: arm (ms from now) or disarm (-1) the timer. */
static void on_timer(void *ud, long ms) {
    host_loop *h = ud;
    h->deadline = ms < 0 ? -1 : now_s() + ms / 1000.0;
}

/* One turn of the loop: wait for a socket or the timer, tell lmskit. */
static int loop_turn(host_loop *h, lmk_engine *e) {
    int wait_ms = 1000;
    if (h->deadline >= 0) {
        double left = (h->deadline - now_s()) * 1000.0;
        wait_ms = left <= 0 ? 0 : (int)left + 1;
    }
    struct epoll_event evs[32];
    int n = epoll_wait(h->epfd, evs, 32, wait_ms);
    if (n < 0 && errno != EINTR) return 0;
    for (int i = 0; i < n; i++) {
        int ready = (evs[i].events & EPOLLIN ? LMK_READY_IN : 0) |
                    (evs[i].events & EPOLLOUT ? LMK_READY_OUT : 0) |
                    (evs[i].events & (EPOLLERR | EPOLLHUP) ? LMK_READY_ERR : 0);
        if (lmk_engine_socket_ready(e, evs[i].data.fd, ready) != LMK_OK) return 0;
    }
    if (h->deadline >= 0 && now_s() >= h->deadline) {
        h->deadline = -1;
        if (lmk_engine_timer_fired(e) != LMK_OK) return 0;
    }
    return 1;
}

/* Runs CALLS calls at CONCURRENCY on the epoll loop; prints the count. */
int main(void) {
    host_loop h = {epoll_create1(0), -1};
    lmk_client *c = sandbox_cerego_client();
    lmk_engine *e = NULL;
    if (h.epfd < 0 || !c || lmk_engine_new(&e) != LMK_OK ||
        lmk_engine_set_loop(e, on_watch, on_timer, &h) != LMK_OK) {
        fprintf(stderr, "epoll_host: setup failed\n");
        return 1;
    }
    int submitted = 0, passed = 0, failed = 0;
    double start = now_s();
    while (passed + failed < CALLS && now_s() - start < 120) {
        while (submitted < CALLS && (int)lmk_engine_running(e) < CONCURRENCY &&
               sandbox_submit_courses(e, c))
            submitted++;
        if (!loop_turn(&h, e)) break;
        lmk_request *r;
        while ((r = lmk_engine_next_done(e))) {
            if (sandbox_answer_ok(r)) passed++;
            else failed++;
            lmk_request_free(r);
        }
    }
    failed += CALLS - passed - failed;
    printf("epoll_host: %d calls at concurrency %d in %.2f s on the host's epoll loop\n",
           CALLS, CONCURRENCY, now_s() - start);
    printf("epoll_host: %d passed, %d failed\n", passed, failed);
    lmk_engine_free(e);
    lmk_client_free(c);
    close(h.epfd);
    return failed != 0;
}
