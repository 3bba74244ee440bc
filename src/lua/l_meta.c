/* l_meta.c -- the one way the binding makes a userdata type: its
 * metatable (lmkL_create_meta) and its box (lmkL_box), shared by Client,
 * Engine, Request, CsvReader, Journal and Limiter. */
#include "binding.h"

/* tostring of a box without a tostring of its own: "<type>" or
 * "<type> (closed)"; the type's name is upvalue 1. */
static int box_tostring(lua_State *L) {
    const char *type = lua_tostring(L, lua_upvalueindex(1));
    lmkL_box *b = luaL_checkudata(L, 1, type);
    if (b->ptr)
        lua_pushstring(L, type);
    else
        lua_pushfstring(L, "%s (closed)", type);
    return 1;
}

/* Creates a metatable in liolib's style: __name, __index methods, __gc and
 * __close sharing one idempotent destroy (also the close() method), and
 * __tostring (NULL: box_tostring). */
void lmkL_create_meta(lua_State *L, const char *name, const luaL_Reg *methods,
                      lua_CFunction destroy, lua_CFunction tostring) {
    luaL_newmetatable(L, name);
    lua_pushcfunction(L, destroy);
    lua_setfield(L, -2, "__gc");
    lua_pushcfunction(L, destroy);
    lua_setfield(L, -2, "__close");
    if (tostring) {
        lua_pushcfunction(L, tostring);
    } else {
        lua_pushstring(L, name);
        lua_pushcclosure(L, box_tostring, 1);
    }
    lua_setfield(L, -2, "__tostring");
    lua_newtable(L);
    luaL_setfuncs(L, methods, 0);
    lua_pushcfunction(L, destroy);
    lua_setfield(L, -2, "close");
    lua_setfield(L, -2, "__index");
    lua_pop(L, 1);
}

/* Pushes a new, empty box of that type (its maker sets ptr). */
lmkL_box *lmkL_new_box(lua_State *L, const char *type) {
    lmkL_box *b = lua_newuserdata(L, sizeof *b);
    b->ptr = NULL;
    luaL_setmetatable(L, type);
    return b;
}

/* Takes the object out of the box at idx (NULL when it is closed already):
 * a type's destroy frees what it gets, so the object is freed once. */
void *lmkL_take_box(lua_State *L, int idx, const char *type) {
    lmkL_box *b = luaL_checkudata(L, idx, type);
    void *p = b->ptr;
    b->ptr = NULL;
    return p;
}

/* The object of the open box at idx; a closed box is an argument error
 * ("<what> is closed"). */
void *lmkL_check_box(lua_State *L, int idx, const char *type, const char *what) {
    lmkL_box *b = luaL_checkudata(L, idx, type);
    if (!b->ptr) luaL_argerror(L, idx, lua_pushfstring(L, "%s is closed", what));
    return b->ptr;
}

/* The object of the box at idx, NULL when it is closed. */
void *lmkL_box_object(lua_State *L, int idx, const char *type) {
    return ((lmkL_box *)luaL_checkudata(L, idx, type))->ptr;
}
