/* retry_after.c -- the meaning of a Retry-After header (RFC 9110 section
 * 10.2.3): delta-seconds or an HTTP-date, as seconds to wait.  Whether to
 * retry at all is the Lua layer's decision (lua/lmskit/retry.lua). */
#include <stdlib.h>
#include <time.h>

#include <curl/curl.h>

#include "lmskit.h"

/* Seconds to wait from a Retry-After value; -1 when it cannot be read.
 * Dates are parsed by libcurl (curl_getdate), never by hand. */
double lmk_retry_after(const char *value) {
    if (!value) return -1;
    while (*value == ' ' || *value == '\t') value++;
    char *end = NULL;
    long seconds = strtol(value, &end, 10);
    if (end != value) {
        while (*end == ' ' || *end == '\t') end++;
        if (*end == '\0') return seconds < 0 ? 0 : (double)seconds;
    }
    time_t when = curl_getdate(value, NULL);
    if (when == -1) return -1;
    double delta = difftime(when, time(NULL));
    return delta < 0 ? 0 : delta;
}
