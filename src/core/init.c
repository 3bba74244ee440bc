/* init.c -- the process-wide setup the core needs before any request:
 * curl_global_init, run once whichever thread or lua_State asks first. */
#include <pthread.h>

#include <curl/curl.h>

#include "lmskit.h"

/* The once guard and what curl_global_init answered under it. */
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
