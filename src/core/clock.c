/* clock.c -- the core's one clock: seconds on CLOCK_MONOTONIC, which never
 * jumps when the wall clock is set (core.now, the rate limiter's times). */
#include <time.h>

#include "lmskit.h"

/* Seconds on a clock that never jumps (CLOCK_MONOTONIC). */
double lmk_monotonic(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}
