/* resp_headers.c -- a response's headers as one block the request owns
 * ("Name\0value\0" per header, in order), copied once from libcurl's
 * header API when the transfer ends: libcurl has parsed them (the final
 * response's headers, CURLH_HEADER of the last request: no 1xx, no
 * proxy CONNECT answer, no trailers; folded lines joined, values
 * trimmed); nothing here reads HTTP.  Read by name with one pass over the
 * block (l_headers.c), never through curl_easy_nextheader again, whose
 * walk counts every header of the same name for each one. */
#include <string.h>

#include "internal.h"

/* Copies the last response's headers of easy into b (emptied first);
 * LMK_NOMEM when b cannot grow.  No headers (none came, or libcurl has
 * none to give) leaves b empty. */
lmk_kind lmk_resp_headers_collect(CURL *easy, lmk_buf *b) {
    struct curl_header *h, *prev = NULL;
    b->len = 0;
    while ((h = curl_easy_nextheader(easy, CURLH_HEADER, -1, prev))) {
        if (!b->cap && lmk_buf_reserve(b, 512) != LMK_OK) return LMK_NOMEM;
        if (lmk_buf_add(b, h->name, strlen(h->name) + 1) != LMK_OK ||
            lmk_buf_add(b, h->value, strlen(h->value) + 1) != LMK_OK)
            return LMK_NOMEM;
        prev = h;
    }
    return LMK_OK;
}

/* Steps through a header block: the header at *pos (its name and value),
 * moving *pos past it; 0 at the end. */
int lmk_headers_next(const char *block, size_t len, size_t *pos,
                     const char **name, const char **value) {
    if (!block || *pos >= len) return 0;
    *name = block + *pos;
    *value = *name + strlen(*name) + 1;
    *pos = (size_t)(*value - block) + strlen(*value) + 1;
    return 1;
}
