/* l_clock.c -- time for the Lua layer: core.now() (the core's monotonic
 * clock) and core.retry_after(value) (a Retry-After header read). */
#include "binding.h"

/* core.now() -> seconds on a monotonic clock. */
int lmkL_now(lua_State *L) {
    lua_pushnumber(L, (lua_Number)lmk_monotonic());
    return 1;
}

/* core.retry_after(value) -> seconds, or nil when unreadable. */
int lmkL_retry_after(lua_State *L) {
    double s = lmk_retry_after(luaL_checkstring(L, 1));
    if (s < 0) lua_pushnil(L);
    else lua_pushnumber(L, (lua_Number)s);
    return 1;
}
