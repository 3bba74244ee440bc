/* buf.c -- the growable byte buffer every core module writes into.  A
 * buffer made with lmk_buf_init_secret wipes every block it lets go of
 * (on growth, reset and free), so a credential it held leaves no copy. */
#include <stdlib.h>
#include <string.h>

#include "lmskit.h"

/* Starts an empty buffer that owns nothing yet. */
void lmk_buf_init(lmk_buf *b) {
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
    b->secret = 0;
}

/* Starts an empty buffer whose memory is wiped before it is released. */
void lmk_buf_init_secret(lmk_buf *b) {
    lmk_buf_init(b);
    b->secret = 1;
}

/* Releases the buffer's memory (wiped first for a secret buffer); the
 * buffer is empty and reusable, and stays secret if it was. */
void lmk_buf_free(lmk_buf *b) {
    int secret = b->secret;
    if (secret) lmk_wipe(b->data, b->cap);
    free(b->data);
    lmk_buf_init(b);
    b->secret = secret;
}

/* Empties the buffer but keeps its memory for reuse. */
void lmk_buf_reset(lmk_buf *b) {
    if (b->secret) lmk_wipe(b->data, b->cap);
    b->len = 0;
    if (b->data) b->data[0] = '\0';
}

/* Moves the contents to a block of cap bytes: realloc, or for a secret
 * buffer a new block and the old one wiped (realloc would free it as is). */
static lmk_kind grow_to(lmk_buf *b, size_t cap) {
    if (!b->secret) {
        char *data = realloc(b->data, cap);
        if (!data) return LMK_NOMEM;
        b->data = data;
    } else {
        char *data = malloc(cap);
        if (!data) return LMK_NOMEM;
        if (b->data) {
            memcpy(data, b->data, b->len + 1);
            lmk_wipe(b->data, b->cap);
            free(b->data);
        }
        b->data = data;
    }
    b->cap = cap;
    return LMK_OK;
}

/* Makes room for n more bytes (and the NUL) without further growth. */
lmk_kind lmk_buf_reserve(lmk_buf *b, size_t n) {
    if (n >= (size_t)-1 - b->len - 1) return LMK_NOMEM;
    if (b->len + n + 1 <= b->cap) return LMK_OK;
    lmk_kind k = grow_to(b, b->len + n + 1);
    if (k == LMK_OK && b->len == 0) b->data[0] = '\0';
    return k;
}

/* Appends n bytes, growing geometrically; the result stays NUL-terminated. */
lmk_kind lmk_buf_add(lmk_buf *b, const void *p, size_t n) {
    if (n >= (size_t)-1 - b->len - 1) return LMK_NOMEM;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 64;
        while (cap < b->len + n + 1) {
            if (cap > (size_t)-1 / 2) return LMK_NOMEM;
            cap *= 2;
        }
        if (grow_to(b, cap) != LMK_OK) return LMK_NOMEM;
    }
    if (n) memcpy(b->data + b->len, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return LMK_OK;
}

/* Appends a NUL-terminated string. */
lmk_kind lmk_buf_adds(lmk_buf *b, const char *s) {
    return lmk_buf_add(b, s, strlen(s));
}

/* Hands the memory to the caller (an empty string when nothing was added):
 * from a secret buffer the caller wipes it (lmk_free_secret) when done. */
char *lmk_buf_take(lmk_buf *b) {
    char *data = b->data;
    int secret = b->secret;
    if (!data) {
        data = malloc(1);
        if (data) data[0] = '\0';
    }
    lmk_buf_init(b);
    b->secret = secret;
    return data;
}
