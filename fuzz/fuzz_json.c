/* fuzz_json.c -- core.json_decode (src/lua/l_json.c: simdjson's DOM
 * walked into Lua values, json_simd.cpp, and yajl's event parser for the
 * texts simdjson refuses, members waiting on the Lua stack in chunks), run
 * in a Lua 5.4 state over response bodies (servers: hostile input).
 *
 * Input: the JSON text.  Invariants:
 *   - json_decode and json_decode_yajl (yajl's path alone) give the same
 *     results: the same value (number subtypes too), or nil and the same
 *     message;
 *   - the call leaves the stack as it found it, and returns either one
 *     value or nil and a message ending " at byte N of LEN" with N <= LEN;
 *   - yajl's own tree parser is the oracle: when it reads the text (no NUL
 *     inside, none escaped as \u0000: its strings end at a NUL; no "//" or
 *     "/\*": it reads comments, which JSON has not), json_decode reads it too, unless it nests past 1000 levels,
 *     and gives the same value: same strings, integers for its integers,
 *     floats equal to its doubles (integral ones below 2^53 as integers),
 *     (but -2^63, which yajl's tree reads as a double, an integer),
 *     arrays as sequences of exactly their length, objects with each
 *     distinct key once and its last value. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <math.h>
#include <yajl/yajl_tree.h>

#include "fuzz.h"

int luaopen_lmskit_core(lua_State *L);

static lua_State *L;

/* Checks that the Lua value at idx is what yajl's tree holds in v. */
static void same(int idx, yajl_val v, int depth) {
    idx = lua_absindex(L, idx);
    FZ_CHECK(lua_checkstack(L, 8), "stack room");
    if (YAJL_IS_NULL(v)) {
        FZ_CHECK(lua_islightuserdata(L, idx) && !lua_touserdata(L, idx), "null");
    } else if (YAJL_IS_TRUE(v) || YAJL_IS_FALSE(v)) {
        FZ_CHECK(lua_type(L, idx) == LUA_TBOOLEAN &&
                     lua_toboolean(L, idx) == (YAJL_IS_TRUE(v) ? 1 : 0),
                 "boolean");
    } else if (YAJL_IS_STRING(v)) {
        size_t n;
        const char *s = lua_tolstring(L, idx, &n);
        FZ_CHECK(lua_type(L, idx) == LUA_TSTRING, "string type");
        FZ_CHECK(n == strlen(v->u.string) && memcmp(s, v->u.string, n) == 0, "string bytes");
    } else if (YAJL_IS_INTEGER(v)) {
        FZ_CHECK(lua_isinteger(L, idx), "integer type");
        FZ_CHECK(lua_tointeger(L, idx) == (lua_Integer)YAJL_GET_INTEGER(v), "integer value");
    } else if (YAJL_IS_DOUBLE(v)) {
        double d = YAJL_GET_DOUBLE(v);
        FZ_CHECK(lua_type(L, idx) == LUA_TNUMBER, "number type");
        if (d == -9223372036854775808.0 && lua_isinteger(L, idx)) {
            /* yajl's own integer reader refuses -2^63 (ERANGE), strtoll
             * reads it: json_decode's exact integer is the right value */
            FZ_CHECK(lua_tointeger(L, idx) == LUA_MININTEGER, "-2^63 as an integer");
        } else if (d > -9007199254740992.0 && d < 9007199254740992.0 && d == floor(d)) {
            FZ_CHECK(lua_isinteger(L, idx), "integral double as integer");
            FZ_CHECK(lua_tointeger(L, idx) == (lua_Integer)d, "integral double value");
        } else {
            FZ_CHECK(!lua_isinteger(L, idx) && lua_tonumber(L, idx) == d, "double value");
        }
    } else if (YAJL_IS_NUMBER(v)) {
        FZ_CHECK(lua_type(L, idx) == LUA_TNUMBER, "number out of range still a number");
    } else if (YAJL_IS_ARRAY(v)) {
        size_t n = v->u.array.len, count = 0;
        FZ_CHECK(lua_type(L, idx) == LUA_TTABLE, "array is a table");
        FZ_CHECK(lua_rawlen(L, idx) == n, "array length");
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, idx, (lua_Integer)i + 1);
            same(-1, v->u.array.values[i], depth + 1);
            lua_pop(L, 1);
        }
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            count++;
            lua_pop(L, 1);
        }
        FZ_CHECK(count == n, "array holds nothing else");
    } else if (YAJL_IS_OBJECT(v)) {
        size_t n = v->u.object.len, distinct = 0, count = 0;
        FZ_CHECK(lua_type(L, idx) == LUA_TTABLE, "object is a table");
        lua_newtable(L); /* keys already compared: the last occurrence wins */
        for (size_t i = n; i-- > 0;) {
            const char *k = v->u.object.keys[i];
            lua_pushstring(L, k);
            lua_rawget(L, -2);
            int seen = lua_toboolean(L, -1);
            lua_pop(L, 1);
            if (seen) continue;
            distinct++;
            lua_pushstring(L, k);
            lua_pushboolean(L, 1);
            lua_rawset(L, -3);
            lua_pushstring(L, k);
            lua_rawget(L, idx);
            same(-1, v->u.object.values[i], depth + 1);
            lua_pop(L, 1);
        }
        lua_pop(L, 1);
        lua_pushnil(L);
        while (lua_next(L, idx)) {
            count++;
            lua_pop(L, 1);
        }
        FZ_CHECK(count == distinct, "object holds each distinct key once");
    }
}

/* Checks that the Lua values at a and b are the same, number subtypes
 * and table contents included (both ways). */
static void equal(int a, int b, int depth) {
    a = lua_absindex(L, a);
    b = lua_absindex(L, b);
    FZ_CHECK(depth <= 1001 && lua_checkstack(L, 8), "stack room");
    FZ_CHECK(lua_type(L, a) == lua_type(L, b), "same type on both paths");
    switch (lua_type(L, a)) {
    case LUA_TNUMBER:
        FZ_CHECK(lua_isinteger(L, a) == lua_isinteger(L, b), "same number subtype on both paths");
        FZ_CHECK(lua_isinteger(L, a) ? lua_tointeger(L, a) == lua_tointeger(L, b)
                                     : lua_tonumber(L, a) == lua_tonumber(L, b),
                 "same number on both paths");
        break;
    case LUA_TTABLE:
        for (int pass = 0; pass < 2; pass++) {
            int from = pass ? b : a, to = pass ? a : b;
            lua_pushnil(L);
            while (lua_next(L, from)) {
                lua_pushvalue(L, -2);
                lua_rawget(L, to);
                if (pass) FZ_CHECK(!lua_isnil(L, -1), "no key only on one path");
                else equal(-2, -1, depth + 1);
                lua_pop(L, 2);
            }
        }
        break;
    default:
        FZ_CHECK(lua_rawequal(L, a, b), "same value on both paths");
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    if (!L) {
        L = luaL_newstate();
        luaL_openlibs(L);
        luaL_requiref(L, "lmskit.core", luaopen_lmskit_core, 0);
        lua_getfield(L, -1, "json_decode");
        lua_setglobal(L, "json_decode");
        lua_getfield(L, -1, "json_decode_yajl");
        lua_setglobal(L, "json_decode_yajl");
        lua_settop(L, 0);
    }
    lua_getglobal(L, "json_decode");
    lua_pushlstring(L, (const char *)data, size);
    FZ_CHECK(lua_pcall(L, 1, 2, 0) == LUA_OK, "json_decode raises only for misuse");
    FZ_CHECK(lua_gettop(L) == 2, "two results");
    int decoded = !lua_isnil(L, 1);
    if (!decoded) {
        const char *msg = lua_tostring(L, 2);
        unsigned long at = 0, len = 0;
        const char *tail = msg ? strstr(msg, " at byte ") : NULL;
        FZ_CHECK(tail && sscanf(tail, " at byte %lu of %lu", &at, &len) == 2, "message names the byte");
        FZ_CHECK(len == size && at <= len, "byte within the text");
    } else {
        FZ_CHECK(lua_isnil(L, 2), "one value");
    }
    lua_getglobal(L, "json_decode_yajl");
    lua_pushlstring(L, (const char *)data, size);
    FZ_CHECK(lua_pcall(L, 1, 2, 0) == LUA_OK, "json_decode_yajl raises only for misuse");
    equal(1, 3, 0);
    equal(2, 4, 0);
    lua_settop(L, 2);

    if (!memchr(data, '\0', size) && !memmem(data, size, "\\u0000", 6) &&
        !memmem(data, size, "//", 2) && !memmem(data, size, "/*", 2)) {
        char *text = fz_cstr(data, size);
        char err[128];
        yajl_val tree = yajl_tree_parse(text, err, sizeof err);
        if (tree) {
            if (!decoded) {
                const char *msg = lua_tostring(L, 2);
                FZ_CHECK(strstr(msg, "nested too deep"), "what yajl's tree reads, json_decode reads");
            } else {
                same(1, tree, 0);
            }
            yajl_tree_free(tree);
        }
        free(text);
    }
    lua_settop(L, 0);
    return 0;
}
