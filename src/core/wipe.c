/* wipe.c -- wiping memory that held a credential before it is released
 * (OPENSSL_cleanse: the compiler may not drop it as a dead store).
 *
 * Built with -DLMK_TEST_HOOKS (tests/test_wipe.c only, never the module),
 * every wipe is shown to lmk_test_wipe_hook twice: before, so the test
 * learns what was wiped, and after, so it can check the bytes are zero. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>

#include "lmskit.h"

#ifdef LMK_TEST_HOOKS
void lmk_test_wipe_hook(const void *p, size_t n, int after);
#endif

/* Overwrites n bytes at p with zeros (nothing for NULL). */
void lmk_wipe(void *p, size_t n) {
    if (!p || !n) return;
#ifdef LMK_TEST_HOOKS
    lmk_test_wipe_hook(p, n, 0);
#endif
    OPENSSL_cleanse(p, n);
#ifdef LMK_TEST_HOOKS
    lmk_test_wipe_hook(p, n, 1);
#endif
}

/* Wipes a NUL-terminated string, then frees it (NULL: nothing). */
void lmk_free_secret(char *s) {
    if (!s) return;
    lmk_wipe(s, strlen(s));
    free(s);
}
