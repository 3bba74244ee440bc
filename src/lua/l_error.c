/* l_error.c -- lmskit.Error: a table with kind, status, message, method
 * and url, whose metatable gives it a name and a readable tostring. */
#include "binding.h"

/* __tostring: "lmskit.Error not_found (404): message [GET url]".  The
 * parts are pushed on the stack and concatenated once (no luaL_Buffer:
 * its box must stay on top while in use, which interleaved pushes break). */
static int error_tostring(lua_State *L) {
    int base = lua_gettop(L);
    lua_pushliteral(L, "lmskit.Error ");
    lua_getfield(L, 1, "kind");
    if (!lua_isstring(L, -1)) {
        lua_pop(L, 1);
        lua_pushliteral(L, "?");
    }
    lua_getfield(L, 1, "status");
    lua_Integer status;
    if (lua_isnumber(L, -1) && lmkL_to_integer(L, -1, &status) &&
        status > -1000000 && status < 1000000) { /* no cast of NaN or 1e300 */
        lua_pushfstring(L, " (%d)", (int)status);
        lua_remove(L, -2);
    } else if (lua_isnumber(L, -1)) { /* shown as Lua writes it */
        lua_pushliteral(L, " (");
        lua_insert(L, -2);
        lua_pushliteral(L, ")");
        lua_concat(L, 3);
    } else {
        lua_pop(L, 1);
    }
    lua_getfield(L, 1, "message");
    if (lua_isstring(L, -1)) {
        lua_pushliteral(L, ": ");
        lua_insert(L, -2);
    } else {
        lua_pop(L, 1);
    }
    lua_getfield(L, 1, "method");
    lua_getfield(L, 1, "url");
    if (lua_isstring(L, -2) && lua_isstring(L, -1)) {
        lua_pushfstring(L, " [%s %s]", lua_tostring(L, -2), lua_tostring(L, -1));
        lua_replace(L, -3);
        lua_pop(L, 1);
    } else {
        lua_pop(L, 2);
    }
    lua_concat(L, lua_gettop(L) - base);
    return 1;
}

/* Sets t[name] = s when s is given. */
static void set_string(lua_State *L, const char *name, const char *s) {
    if (!s) return;
    lua_pushstring(L, s);
    lua_setfield(L, -2, name);
}

/* Pushes a new lmskit.Error table; status 0 and NULL fields are left out. */
void lmkL_push_error(lua_State *L, lmk_kind kind, long status,
                     const char *message, const char *method, const char *url) {
    lua_createtable(L, 0, 6);
    set_string(L, "kind", lmk_kind_name(kind));
    if (status > 0) {
        lua_pushinteger(L, (lua_Integer)status);
        lua_setfield(L, -2, "status");
    }
    set_string(L, "message", message);
    set_string(L, "method", method);
    set_string(L, "url", url);
    luaL_setmetatable(L, LMKL_ERROR_TYPE);
}

/* Raises a new lmskit.Error (never returns). */
int lmkL_raise(lua_State *L, lmk_kind kind, long status, const char *message,
               const char *method, const char *url) {
    lmkL_push_error(L, kind, status, message, method, url);
    return lua_error(L);
}

/* core.error{kind=, status=, message=, method=, url=}: builds an Error
 * from Lua (used by the Lua layer for errors it detects itself, such as
 * an undecodable body).  Fields are taken as given. */
int lmkL_error_new(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    luaL_setmetatable(L, LMKL_ERROR_TYPE);
    return 1;
}

/* core.is_error(v): true when v is an lmskit.Error. */
int lmkL_is_error(lua_State *L) {
    int is = 0;
    if (lua_type(L, 1) == LUA_TTABLE && lua_getmetatable(L, 1)) {
        luaL_getmetatable(L, LMKL_ERROR_TYPE);
        is = lua_rawequal(L, -1, -2);
    }
    lua_pushboolean(L, is);
    return 1;
}

/* core.kind_of_status(status): the kind name an HTTP status maps to. */
int lmkL_kind_of_status(lua_State *L) {
    lmk_kind k = lmk_kind_from_status((long)lmkL_check_integer(L, 1, "status", 0, 999));
    if (k == LMK_OK) lua_pushnil(L);
    else lua_pushstring(L, lmk_kind_name(k));
    return 1;
}

/* Registers the lmskit.Error metatable, as core.Error (core.error,
 * is_error and kind_of_status: lmskit_core.c). */
void lmkL_open_error(lua_State *L) {
    luaL_newmetatable(L, LMKL_ERROR_TYPE);
    lua_pushcfunction(L, error_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pushstring(L, LMKL_ERROR_TYPE);
    lua_setfield(L, -2, "__name");
    lua_setfield(L, -2, "Error");
}
