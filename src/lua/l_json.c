/* l_json.c -- core.integerize(t): the walk over a decoded JSON table that
 * turns integral floats back into integers (Lua 5.3+), so ids print as 4,
 * not 4.0.  Decoding itself is lua-cjson's (lua/lmskit/json.lua). */
#include "binding.h"

/* Rewrites integral floats in the table at idx (recursively) as integers,
 * so decoded ids print as 4, not 4.0.  Only values whose magnitude is
 * below 2^53 are touched: they are exact either way. */
static void integerize(lua_State *L, int idx, int depth) {
#if LUA_VERSION_NUM >= 503
    if (depth > 1000) lmkL_usage(L, "JSON nested too deep");
    luaL_checkstack(L, 4, "JSON nested too deep");
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int t = lua_type(L, -1);
        if (t == LUA_TNUMBER && !lua_isinteger(L, -1)) {
            lua_Number n = lua_tonumber(L, -1);
            lua_Integer i;
            if (n > -9007199254740992.0 && n < 9007199254740992.0 &&
                lua_numbertointeger(n, &i) && (lua_Number)i == n) {
                lua_pushvalue(L, -2);
                lua_pushinteger(L, i);
                lua_rawset(L, idx);
            }
        } else if (t == LUA_TTABLE) {
            integerize(L, lua_gettop(L), depth + 1);
        }
        lua_pop(L, 1);
    }
#else
    (void)L; (void)idx; (void)depth;
#endif
}

/* core.integerize(t) -> t, with integral floats made integers in place. */
int lmkL_integerize(lua_State *L) {
    if (lua_type(L, 1) == LUA_TTABLE) integerize(L, 1, 0);
    lua_settop(L, 1);
    return 1;
}
