/* l_secret_names.c -- core.secret_names and core.is_secret_name(name),
 * over the core's secret_names.c: the one list of secret names, which
 * lua/lmskit/secret_names.lua reads. */
#include "binding.h"

/* core.is_secret_name(name) -> true when a field, column or query
 * parameter of this name holds a secret (lmk_secret_name); anything but
 * a string is not one. */
int lmkL_is_secret_name(lua_State *L) {
    const char *name = lua_type(L, 1) == LUA_TSTRING ? lua_tostring(L, 1) : NULL;
    lua_pushboolean(L, lmk_secret_name(name));
    return 1;
}

/* Adds secret_names, a list of the names, to the module table on the
 * stack (core.is_secret_name: lmskit_core.c). */
void lmkL_open_secret_names(lua_State *L) {
    size_t n;
    const char *const *names = lmk_secret_names(&n);
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushstring(L, names[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    lua_setfield(L, -2, "secret_names");
}
