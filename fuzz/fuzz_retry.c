/* fuzz_retry.c -- lmk_retry_after: a Retry-After value from a server
 * (delta-seconds, or an HTTP-date read by libcurl's curl_getdate).
 *
 * Input: the header value (up to its first NUL).  Invariants:
 *   - the result is -1 (unreadable) or a finite number >= 0, never NaN;
 *   - a plain number of up to 9 digits, with optional sign and spaces or
 *     tabs around it, means exactly that many seconds (0 when negative);
 *   - the answer does not change when read twice (a date may only be
 *     closer the second time, by at most a few seconds). */
#include <math.h>

#include "../src/core/lmskit.h"
#include "fuzz.h"

/* The seconds a short plain number means, or -2 when s is not one. */
static double plain_seconds(const char *s) {
    while (*s == ' ' || *s == '\t') s++;
    int negative = 0;
    if (*s == '-' || *s == '+') negative = *s++ == '-';
    double v = 0;
    int digits = 0;
    while (*s >= '0' && *s <= '9' && digits < 10) {
        v = v * 10 + (*s++ - '0');
        digits++;
    }
    while (*s == ' ' || *s == '\t') s++;
    if (digits == 0 || digits > 9 || *s) return -2;
    return negative ? 0 : v;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *s = fz_cstr(data, size);
    if (!s) return 0;
    double r = lmk_retry_after(s);
    FZ_CHECK(!isnan(r) && isfinite(r), "finite");
    FZ_CHECK(r == -1 || r >= 0, "-1 or a wait");
    double plain = plain_seconds(s);
    if (plain != -2) FZ_CHECK(r == plain, "a plain number means its seconds");
    double again = lmk_retry_after(s);
    if (r == -1) FZ_CHECK(again == -1, "unreadable stays unreadable");
    else FZ_CHECK(again >= 0 && again <= r && r - again <= 5, "stable");
    FZ_CHECK(lmk_retry_after(NULL) == -1, "NULL is unreadable");
    free(s);
    return 0;
}
