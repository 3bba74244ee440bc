/* l_limiter.c -- lmskit.Limiter: core.limiter(calls, per) -> limiter
 * with :take() (0 and the call is counted, or the seconds to wait) and
 * :block(seconds).  Times come from the core's monotonic clock. */
#include "binding.h"

#define LMKL_LIMITER_TYPE "lmskit.Limiter"

/* Frees the core limiter once; shared by __gc, __close and close(). */
static int limiter_destroy(lua_State *L) {
    lmk_limiter_free(lmkL_take_box(L, 1, LMKL_LIMITER_TYPE));
    return 0;
}

/* The open limiter at 1; a closed one is an argument error. */
static lmk_limiter *check_limiter(lua_State *L) {
    return lmkL_check_box(L, 1, LMKL_LIMITER_TYPE, "limiter");
}

/* core.limiter(calls, per) -> an lmskit.Limiter. */
int lmkL_limiter_new(lua_State *L) {
    lua_Integer calls = lmkL_check_integer(L, 1, "calls", 1, 1000000);
    lua_Number per = lmkL_check_seconds(L, 2, "per", 0, 1);
    lmkL_box *box = lmkL_new_box(L, LMKL_LIMITER_TYPE);
    lmk_limiter *l = NULL;
    if (lmk_limiter_new((size_t)calls, (double)per, &l) != LMK_OK)
        return lmkL_raise(L, LMK_NOMEM, 0, "cannot create the rate limiter", NULL, NULL);
    box->ptr = l;
    return 1;
}

/* limiter:take() -> 0 when a call may start now (it is counted), else
 * the seconds to wait before asking again. */
static int limiter_take(lua_State *L) {
    lmk_limiter *l = check_limiter(L);
    double now = lmk_monotonic();
    double delay = lmk_limiter_delay(l, now);
    if (delay <= 0) lmk_limiter_record(l, now);
    lua_pushnumber(L, delay > 0 ? delay : 0);
    return 1;
}

/* limiter:block(seconds): nothing starts for that long (a lock-out). */
static int limiter_block(lua_State *L) {
    lmk_limiter *l = check_limiter(L);
    lua_Number seconds = lmkL_check_seconds(L, 2, "limiter:block", 0, 0);
    lmk_limiter_block(l, lmk_monotonic() + (double)seconds);
    return 0;
}

/* Registers the lmskit.Limiter metatable (core.limiter: lmskit_core.c). */
void lmkL_open_limiter(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"take", limiter_take},
        {"block", limiter_block},
        {NULL, NULL},
    };
    lmkL_create_meta(L, LMKL_LIMITER_TYPE, methods, limiter_destroy, NULL);
}
