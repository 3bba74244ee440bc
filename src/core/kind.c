/* kind.c -- error kinds: their stable names and the kind an HTTP status
 * means. */
#include "lmskit.h"

/* Names by kind, in lmk_kind order (err.kind in Lua). */
static const char *const kind_names[LMK_KIND_COUNT] = {
    "ok",       "usage",    "transport",  "tls",          "timeout",
    "auth",     "forbidden", "not_found", "validation",   "rate_limited",
    "server",   "decode",   "nomem",
};

/* Returns the stable name used in Lua (err.kind). */
const char *lmk_kind_name(lmk_kind kind) {
    if ((int)kind < 0 || kind >= LMK_KIND_COUNT) return "server";
    return kind_names[kind];
}

/* Maps an HTTP status to the kind a caller can act on. */
lmk_kind lmk_kind_from_status(long status) {
    if (status < 400) return LMK_OK;
    switch (status) {
    case 401: return LMK_AUTH;
    case 403: return LMK_FORBIDDEN;
    case 404:
    case 410: return LMK_NOT_FOUND;
    case 400:
    case 409:
    case 422: return LMK_VALIDATION;
    case 429: return LMK_RATE_LIMITED;
    default: return LMK_SERVER;
    }
}
