/* l_headers.c -- lmskit.Headers: a response's headers, copied from its
 * request's header block (resp_headers.c) when the result is read, and
 * read by name only when asked: h["content-type"] looks the name up in
 * the block (names in lower case, as the table of every header it
 * replaces had them; several headers of one name joined by ", ").
 * core.header_table(h) makes that whole table, for a caller who gets the
 * headers (Client:send). */
#include <ctype.h>
#include <string.h>

#include "binding.h"

/* The userdata: the block, "Name\0value\0" per header. */
typedef struct l_headers {
    size_t len;
    char block[];
} l_headers;

/* Names this long or longer are left out (the table never held them). */
#define NAME_MAX_LEN 128

/* Pushes a Headers userdata holding a copy of block (len bytes). */
void lmkL_push_headers(lua_State *L, const char *block, size_t len) {
#if LUA_VERSION_NUM >= 504
    l_headers *h = lua_newuserdatauv(L, sizeof *h + len, 0);
#else
    l_headers *h = lua_newuserdata(L, sizeof *h + len);
#endif
    h->len = len;
    if (len) memcpy(h->block, block, len);
    luaL_setmetatable(L, LMKL_HEADERS_TYPE);
}

/* 1 when name in lower case is exactly key (klen bytes). */
static int name_is(const char *name, const char *key, size_t klen) {
    for (size_t i = 0; i < klen; i++)
        if (!name[i] || (char)tolower((unsigned char)name[i]) != key[i]) return 0;
    return name[klen] == '\0';
}

/* h[name] -> the value (every header of that lower-case name, joined by
 * ", "), or nil. */
static int headers_index(lua_State *L) {
    l_headers *h = luaL_checkudata(L, 1, LMKL_HEADERS_TYPE);
    size_t klen, pos = 0;
    const char *key = lua_type(L, 2) == LUA_TSTRING ? lua_tolstring(L, 2, &klen) : NULL;
    const char *name, *value;
    int found = 0;
    if (!key || klen >= NAME_MAX_LEN) return 0;
    while (lmk_headers_next(h->block, h->len, &pos, &name, &value)) {
        if (!name_is(name, key, klen)) continue;
        if (found++) {
            lua_pushliteral(L, ", ");
            lua_pushstring(L, value);
            lua_concat(L, 3);
        } else {
            lua_pushstring(L, value);
        }
    }
    if (!found) lua_pushnil(L);
    return 1;
}

/* core.header_table(h) -> { lower-case name = value, ... }: every header
 * (names of 128 bytes or more left out); a table is returned as it is. */
static int header_table(lua_State *L) {
    if (lua_type(L, 1) == LUA_TTABLE) {
        lua_settop(L, 1);
        return 1;
    }
    l_headers *h = luaL_checkudata(L, 1, LMKL_HEADERS_TYPE);
    size_t pos = 0;
    const char *name, *value;
    char lower[NAME_MAX_LEN];
    lua_newtable(L);
    while (lmk_headers_next(h->block, h->len, &pos, &name, &value)) {
        size_t n = strlen(name);
        if (n >= sizeof lower) continue;
        for (size_t j = 0; j <= n; j++)
            lower[j] = (char)tolower((unsigned char)name[j]);
        lua_getfield(L, -1, lower);
        if (lua_isstring(L, -1)) {
            lua_pushliteral(L, ", ");
            lua_pushstring(L, value);
            lua_concat(L, 3);
        } else {
            lua_pop(L, 1);
            lua_pushstring(L, value);
        }
        lua_setfield(L, -2, lower);
    }
    return 1;
}

/* tostring(h): "lmskit.Headers". */
static int headers_tostring(lua_State *L) {
    lua_pushliteral(L, "lmskit.Headers");
    return 1;
}

/* Registers the lmskit.Headers metatable and adds header_table to the
 * module table on the stack. */
void lmkL_open_headers(lua_State *L) {
    luaL_newmetatable(L, LMKL_HEADERS_TYPE);
    lua_pushcfunction(L, headers_index);
    lua_setfield(L, -2, "__index");
    lua_pushcfunction(L, headers_tostring);
    lua_setfield(L, -2, "__tostring");
    lua_pop(L, 1);
    lua_pushcfunction(L, header_table);
    lua_setfield(L, -2, "header_table");
}
