/* threads_host.c -- a C host with THREADS threads, each owning its own
 * lmskit engine and client (nothing shared but the process), all making
 * calls to the sandbox's Cerego API at once with lmk_engine_step.  Built
 * from the core's sources under ThreadSanitizer and, separately,
 * AddressSanitizer by make test-c-hosts, which fails on any report. */
#include <pthread.h>

#include "sandbox_client.h"

#define THREADS 8
#define CALLS_PER_THREAD 25
#define CONCURRENCY 4

/* One thread's tally; written by that thread only, read after join. */
typedef struct tally {
    int passed, failed;
} tally;

/* A thread: its own engine and client, CALLS_PER_THREAD calls. */
static void *run_thread(void *arg) {
    tally *t = arg;
    lmk_client *c = sandbox_cerego_client();     /* owned, freed below */
    lmk_engine *e = NULL;                        /* owned, freed below */
    if (!c || lmk_engine_new(&e) != LMK_OK) {
        t->failed = CALLS_PER_THREAD;
        lmk_client_free(c);
        return NULL;
    }
    int submitted = 0;
    for (int turns = 0; t->passed + t->failed < CALLS_PER_THREAD && turns < 5000; turns++) {
        while (submitted < CALLS_PER_THREAD &&
               (int)lmk_engine_running(e) < CONCURRENCY && sandbox_submit_courses(e, c))
            submitted++;
        if (lmk_engine_step(e, 100) != LMK_OK) break;
        lmk_request *r;
        while ((r = lmk_engine_next_done(e))) {
            if (sandbox_answer_ok(r)) t->passed++;
            else t->failed++;
            lmk_request_free(r);
        }
    }
    t->failed = CALLS_PER_THREAD - t->passed;
    lmk_engine_free(e);
    lmk_client_free(c);
    return NULL;
}

/* Starts the threads, joins them, prints the total. */
int main(void) {
    pthread_t th[THREADS];
    tally tallies[THREADS];
    memset(tallies, 0, sizeof tallies);
    int started = 0;
    for (; started < THREADS; started++)
        if (pthread_create(&th[started], NULL, run_thread, &tallies[started]) != 0) break;
    int passed = 0, failed = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        passed += tallies[i].passed;
        failed += tallies[i].failed;
    }
    failed += (THREADS - started) * CALLS_PER_THREAD;
    printf("threads_host: %d threads, each its own engine, %d calls each\n", THREADS,
           CALLS_PER_THREAD);
    printf("threads_host: %d passed, %d failed\n", passed, failed);
    return failed != 0;
}
