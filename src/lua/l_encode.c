/* l_encode.c -- walks Lua tables into the core's query builder and route
 * expander, and exposes them for the Lua layer: core.encode_query,
 * core.expand, core.number_text. */
#include <stdio.h>
#include <string.h>

#include "binding.h"

/* The value at idx as query or path text: strings as they are, integers
 * in decimal, floats through lmk_number_text, booleans, cjson.null as
 * ""; NULL with *why for anything else. */
const char *lmkL_scalar_text(lua_State *L, int idx, char scratch[40],
                             size_t *len, const char **why) {
    *why = NULL;
    switch (lua_type(L, idx)) {
    case LUA_TSTRING:
        return lua_tolstring(L, idx, len);
    case LUA_TNUMBER:
#if LUA_VERSION_NUM >= 503
        if (lua_isinteger(L, idx)) {
            snprintf(scratch, 40, "%lld", (long long)lua_tointeger(L, idx));
            *len = strlen(scratch);
            return scratch;
        }
#endif
        /* a float (every number before 5.3): NaN, an infinity or an
         * integral value beyond 64 bits is refused, never cast */
        if (lmk_number_text((double)lua_tonumber(L, idx), scratch) != LMK_OK) {
            *why = "is not a finite number an integer can hold";
            return NULL;
        }
        *len = strlen(scratch);
        return scratch;
    case LUA_TBOOLEAN:
        strcpy(scratch, lua_toboolean(L, idx) ? "true" : "false");
        *len = strlen(scratch);
        return scratch;
    case LUA_TLIGHTUSERDATA: /* cjson.null: an empty value */
        if (lua_touserdata(L, idx) == NULL) {
            scratch[0] = '\0';
            *len = 0;
            return scratch;
        }
        *why = "cannot be encoded (a light userdata)";
        return NULL;
    default:
        *why = "cannot be encoded";
        return NULL;
    }
}

#define LMKL_WALK_TYPE "lmskit.QueryWalk"

/* Owns the builder during a walk so a raise in the middle frees it. */
typedef struct walk {
    lmk_query q;
} walk;

/* __gc of a walk: frees the builder, finished or not. */
static int walk_gc(lua_State *L) {
    walk *w = lua_touserdata(L, 1);
    lmk_query_free(&w->q);
    return 0;
}

/* 1 when the table at idx is a non-empty sequence 1..n and nothing else.
 * Keys are read without a float-to-integer cast (1e300 is no index). */
static int is_array(lua_State *L, int idx, lua_Integer *n) {
    lua_Integer count = 0, max = 0, key = 0;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        if (lua_type(L, -1) != LUA_TNUMBER || !lmkL_to_integer(L, -1, &key) ||
            key < 1) {
            lua_pop(L, 1);
            return 0;
        }
        if (key > max) max = key;
        count++;
    }
    *n = count;
    return count > 0 && count == max;
}

static void walk_value(lua_State *L, walk *w, int idx, int depth);

/* Pushes the table's keys as strings, sorted, in a new array on the stack
 * (a stable order makes requests reproducible). */
static void sorted_keys(lua_State *L, int idx) {
    lua_newtable(L);
    int keys = lua_gettop(L);
    lua_Integer n = 0;
    char scratch[40];
    const char *why;
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        lua_pop(L, 1);
        size_t len;
        const char *k = lmkL_scalar_text(L, -1, scratch, &len, &why);
        if (!k || lua_type(L, -1) == LUA_TBOOLEAN)
            lmkL_usage(L, "query keys must be strings or finite numbers");
        lua_pushlstring(L, k, len);
        lua_rawseti(L, keys, ++n);
    }
    lua_getglobal(L, "table");
    lua_getfield(L, -1, "sort");
    lua_pushvalue(L, keys);
    lua_call(L, 1, 0);
    lua_pop(L, 1);
}

/* Emits one table level: arrays as name[]=, maps as name[key]=. */
static void walk_table(lua_State *L, walk *w, int idx, int depth) {
    lua_Integer n;
    if (depth >= LMK_QUERY_MAX_DEPTH) lmkL_usage(L, "query nested too deep");
    luaL_checkstack(L, 6, "query nested too deep");
    if (is_array(L, idx, &n)) {
        if (w->q.depth == 0) lmkL_usage(L, "a query cannot be a bare array");
        if (lmk_query_push_array(&w->q) != LMK_OK) lmkL_raise(L, LMK_NOMEM, 0, "out of memory", NULL, NULL);
        for (lua_Integer i = 1; i <= n; i++) {
            lua_rawgeti(L, idx, i);
            walk_value(L, w, lua_gettop(L), depth + 1);
            lua_pop(L, 1);
        }
        lmk_query_pop(&w->q);
        return;
    }
    sorted_keys(L, idx);
    int keys = lua_gettop(L);
    lua_Integer nkeys = (lua_Integer)lua_rawlen(L, keys);
    for (lua_Integer i = 1; i <= nkeys; i++) {
        lua_rawgeti(L, keys, i);
        size_t klen;
        const char *k = lua_tolstring(L, -1, &klen);
        lua_pushvalue(L, -1);
        lua_gettable(L, idx);
        if (lua_isnil(L, -1)) { /* a numeric key read back as a string */
            lua_pop(L, 1);
            lua_pushnumber(L, lua_tonumber(L, -1));
            lua_gettable(L, idx);
        }
        if (lmk_query_push_key(&w->q, k, klen) != LMK_OK)
            lmkL_raise(L, LMK_NOMEM, 0, "out of memory", NULL, NULL);
        walk_value(L, w, lua_gettop(L), depth + 1);
        lmk_query_pop(&w->q);
        lua_pop(L, 2);
    }
    lua_pop(L, 1);
}

/* Emits a scalar as key=value or descends into a table. */
static void walk_value(lua_State *L, walk *w, int idx, int depth) {
    if (lua_type(L, idx) == LUA_TTABLE) {
        walk_table(L, w, idx, depth);
        return;
    }
    char scratch[40];
    size_t len;
    const char *why;
    const char *v = lmkL_scalar_text(L, idx, scratch, &len, &why);
    if (!v)
        lmkL_usage(L, "query value %s (%s)", why, luaL_typename(L, idx));
    if (lmk_query_value(&w->q, v, len) != LMK_OK) lmkL_raise(L, LMK_NOMEM, 0, "out of memory", NULL, NULL);
}

/* Encodes the table at idx as form/query text, appended to out. */
void lmkL_encode_table(lua_State *L, int idx, lmk_buf *out) {
    idx = lua_absindex(L, idx);
    walk *w = lua_newuserdata(L, sizeof *w);
    lmk_query_init(&w->q);
    luaL_setmetatable(L, LMKL_WALK_TYPE); /* made once, in lmkL_open_encode */
    walk_table(L, w, idx, 0);
    if (w->q.out.len && lmk_buf_add(out, w->q.out.data, w->q.out.len) != LMK_OK)
        lmkL_raise(L, LMK_NOMEM, 0, "out of memory", NULL, NULL);
    lmk_query_free(&w->q);
    lua_pop(L, 1);
}

/* core.encode_query(t): "a=1&b[]=x&c[k]=v" (keys sorted). */
int lmkL_encode_query(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lmk_buf out;
    lmk_buf_init(&out);
    /* out is filled only after the walk succeeded, so a raise leaks nothing */
    lmkL_encode_table(L, 1, &out);
    lua_pushlstring(L, out.data ? out.data : "", out.len);
    lmk_buf_free(&out);
    return 1;
}

typedef struct route_params {
    lua_State *L;
    int idx;
    char scratch[40];
    const char *why;          /* why the last parameter was refused */
    const char *name;         /* and its name (inside the route) */
    size_t name_len;
} route_params;

/* lmk_param_fn reading params[name] from the Lua table.  Never raises
 * (lmk_path_expand's caller owns a buffer): a refusal is noted in p.
 * The value stays on the stack (an __index may have made it) until
 * lmkL_expand_route is done, so the text handed out stays alive. */
static lmk_kind route_param(void *ud, const char *name, size_t name_len,
                            const char **value, size_t *value_len) {
    route_params *p = ud;
    p->name = name;
    p->name_len = name_len;
    p->why = "is missing";
    lua_pushlstring(p->L, name, name_len);
    lua_gettable(p->L, p->idx);
    int t = lua_type(p->L, -1);
    const char *v = NULL;
    if (t == LUA_TSTRING || t == LUA_TNUMBER)
        v = lmkL_scalar_text(p->L, -1, p->scratch, value_len, &p->why);
    if (!v) return LMK_USAGE;
    p->why = NULL;
    *value = v;
    return LMK_OK;
}

/* Expands route's :name parameters from the table at idx into out;
 * raises with the parameter's name when one is missing or refused. */
void lmkL_expand_route(lua_State *L, const char *route, int idx, lmk_buf *out) {
    route_params p;
    p.L = L;
    p.idx = lua_absindex(L, idx);
    p.why = NULL;
    p.name = NULL;
    p.name_len = 0;
    const char *why = NULL;
    int params = 0;
    for (const char *c = route; *c; c++) params += *c == ':';
    /* one slot per parameter's value, grown before the expander runs */
    luaL_checkstack(L, params + 4, "route has too many parameters");
    int top = lua_gettop(L);
    lmk_kind k = lmk_path_expand(out, route, route_param, &p, &why);
    if (k != LMK_OK) {
        lmk_buf_free(out);
        if (p.why) { /* the parameter's own reason, with its name */
            lua_pushlstring(L, p.name, p.name_len);
            lua_pushfstring(L, "path parameter :%s %s", lua_tostring(L, -1),
                            p.why);
            why = lua_tostring(L, -1);
        }
        lmkL_raise(L, k, 0, why ? why : "cannot expand route", NULL, route);
    }
    lua_settop(L, top);
}

/* core.expand(route, params): "/courses/:id" -> "/courses/4". */
int lmkL_expand(lua_State *L) {
    const char *route = lmkL_check_cstring(L, 1, "route");
    luaL_checktype(L, 2, LUA_TTABLE);
    lmk_buf out;
    lmk_buf_init(&out);
    lmkL_expand_route(L, route, 2, &out);
    lua_pushlstring(L, out.data ? out.data : "", out.len);
    lmk_buf_free(&out);
    return 1;
}

/* core.number_text(n): how a number is written into a path or query. */
int lmkL_number_text(lua_State *L) {
    char scratch[40];
    size_t len;
    const char *why;
    if (lua_type(L, 1) != LUA_TNUMBER) return lmkL_usage(L, "a number expected");
    const char *s = lmkL_scalar_text(L, 1, scratch, &len, &why);
    if (!s) return lmkL_usage(L, "the number %s", why);
    lua_pushlstring(L, s, len);
    return 1;
}

/* Registers the walk's metatable (core.encode_query, expand and
 * number_text: lmskit_core.c). */
void lmkL_open_encode(lua_State *L) {
    luaL_newmetatable(L, LMKL_WALK_TYPE);
    lua_pushcfunction(L, walk_gc);
    lua_setfield(L, -2, "__gc");
    lua_pop(L, 1);
}
