/* same_origin.h -- the Link follower the paging cursor's test and fuzzer
 * (tests/cursor_test.c, fuzz/fuzz_cursor.c) share: their fake servers
 * live at https://h. */
#ifndef LMK_TESTS_SAME_ORIGIN_H
#define LMK_TESTS_SAME_ORIGIN_H

#include <string.h>

#include "../src/core/lmskit.h"

/* Resolves against https://h: "/x" and "https://h/x" stay (1), others
 * are written as they are and leave (0). */
static int follow(void *ud, const char *base, const char *ref, lmk_buf *out) {
    (void)ud;
    (void)base;
    if (ref[0] == '/') {
        lmk_buf_adds(out, "https://h");
        lmk_buf_adds(out, ref);
        return 1;
    }
    lmk_buf_adds(out, ref);
    return strncmp(ref, "https://h/", 10) == 0;
}

#endif
