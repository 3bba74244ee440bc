/* kind.c -- error kinds: names, the meaning of HTTP statuses, global init. */
#include <pthread.h>

#include <curl/curl.h>

#include "lmskit.h"

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

static pthread_once_t global_once = PTHREAD_ONCE_INIT;
static CURLcode global_result = CURLE_FAILED_INIT;

/* Body of the one-time init; its result is read after pthread_once. */
static void global_init_once(void) {
    global_result = curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* Initialises libcurl once per process, whichever thread or lua_State asks
 * first.  (The result is written once, before any reader, under the once.) */
lmk_kind lmk_global_init(void) {
    if (pthread_once(&global_once, global_init_once) != 0) return LMK_NOMEM;
    return global_result == CURLE_OK ? LMK_OK : LMK_NOMEM;
}
