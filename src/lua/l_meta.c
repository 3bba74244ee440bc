/* l_meta.c -- the one way the binding makes a userdata metatable
 * (lmkL_create_meta), shared by Client, Engine, Request, CsvReader,
 * Journal and Limiter. */
#include "binding.h"

/* Creates a metatable in liolib's style: __name, __index methods, __gc and
 * __close sharing one idempotent destroy (also the close() method), and
 * __tostring. */
void lmkL_create_meta(lua_State *L, const char *name, const luaL_Reg *methods,
                      lua_CFunction destroy, lua_CFunction tostring) {
    luaL_newmetatable(L, name);
    lua_pushcfunction(L, destroy);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, destroy);
    lua_setfield(L, -2, "__close");
    lua_pushcfunction(L, tostring);
    lua_setfield(L, -2, "__tostring");
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_pushcfunction(L, destroy);
    lua_setfield(L, -2, "close");
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}
