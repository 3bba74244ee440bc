/* buf.c -- the growable byte buffer every core module writes into. */
#include <stdlib.h>
#include <string.h>

#include "lmskit.h"

/* Starts an empty buffer that owns nothing yet. */
void lmk_buf_init(lmk_buf *b) {
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

/* Releases the buffer's memory; the buffer is empty and reusable. */
void lmk_buf_free(lmk_buf *b) {
    free(b->data);
    lmk_buf_init(b);
}

/* Empties the buffer but keeps its memory for reuse. */
void lmk_buf_reset(lmk_buf *b) {
    b->len = 0;
    if (b->data) b->data[0] = '\0';
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
        char *data = realloc(b->data, cap);
        if (!data) return LMK_NOMEM;
        b->data = data;
        b->cap = cap;
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

/* Hands the memory to the caller (an empty string when nothing was added). */
char *lmk_buf_take(lmk_buf *b) {
    char *data = b->data;
    if (!data) {
        data = malloc(1);
        if (data) data[0] = '\0';
    }
    lmk_buf_init(b);
    return data;
}
