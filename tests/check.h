/* check.h -- the checks the C test programs share (core_test.c,
 * cursor_test.c, engine_loop_test.c): the counters, CHECK, CHECK_STR,
 * CHECK_STREQ and the summary line.  Each program includes it once;
 * a failed check prints where it failed on stderr and the program goes
 * on, its exit status being the number of failed checks (capped at 100). */
#ifndef LMK_TESTS_CHECK_H
#define LMK_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int checks, failures;

/* Counts a check; prints the failed ones. */
#define CHECK(cond)                                                        \
    do {                                                                   \
        checks++;                                                          \
        if (!(cond)) {                                                     \
            failures++;                                                    \
            fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__,     \
                    #cond);                                                \
        }                                                                  \
    } while (0)

/* Compares two strings (NULL shows as "(null)"), printing both when they
 * differ; got is evaluated once. */
#define CHECK_STREQ(got, want)                                             \
    do {                                                                   \
        checks++;                                                          \
        const char *g0_ = (got);                                           \
        const char *g_ = g0_ ? g0_ : "(null)";                             \
        if (strcmp(g_, want) != 0) {                                       \
            failures++;                                                    \
            fprintf(stderr, "%s:%d: FAILED: got \"%s\", want \"%s\"\n",    \
                    __FILE__, __LINE__, g_, want);                         \
        }                                                                  \
    } while (0)

/* Compares a buffer (an lmk_buf, empty when it holds nothing) with a
 * string. */
#define CHECK_STR(buf, want) CHECK_STREQ((buf)->data ? (buf)->data : "", want)

/* Prints "<name>: N checks, M failed"; returns the exit status: the
 * number of failed checks, capped at 100. */
static int check_summary(const char *name) {
    printf("%s: %d checks, %d failed\n", name, checks, failures);
    return failures > 100 ? 100 : failures;
}

#endif
