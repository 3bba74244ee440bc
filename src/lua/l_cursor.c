/* l_cursor.c -- lmskit.Cursor: a list walk's paging decisions (the core's
 * lmk_cursor, lmskit.h "paging cursor") for paging.lua, which sends what
 * it asks and reports what came back:
 *
 *   cur = core.cursor(client, { strategy = "link" | "page_number" | "page"
 *           | "offset", first =, by_offset =, limit =, caps = {...},
 *           page_param =, first_url =, prefetch =, max_pages = })
 *   cur:ask()             -> index, "first" | "number" | "offset" | "url",
 *                            n or url; nil when nothing is to be sent now
 *   cur:arrived(index, seen) seen = { link =, count =, total =, more =,
 *                            mark = }, nil when the request failed
 *   cur:take()            -> "page", index | "over" | "fail", index or
 *                            false, message, url or false
 *   cur:ahead()           -> true while pages are asked ahead by number
 *
 * rel="next" and rel="last" are resolved and checked against the origin
 * of the lmskit.Client given (kept in the cursor's uservalue table). */
#include <string.h>

#include "binding.h"

#define LMKL_CURSOR_TYPE "lmskit.Cursor"

/* The userdata: the core cursor it owns (NULL once closed) and, during
 * cur:arrived only, the client its links are checked against. */
typedef struct l_cursor {
    lmk_cursor *cursor;
    lmk_client *client;
} l_cursor;

/* Frees the core cursor once; shared by __gc, __close and close(). */
static int cursor_destroy(lua_State *L) {
    l_cursor *c = luaL_checkudata(L, 1, LMKL_CURSOR_TYPE);
    lmk_cursor_free(c->cursor);
    c->cursor = NULL;
    return 0;
}

/* The open cursor at 1. */
static l_cursor *check_cursor(lua_State *L) {
    l_cursor *c = luaL_checkudata(L, 1, LMKL_CURSOR_TYPE);
    if (!c->cursor) luaL_argerror(L, 1, "cursor is closed");
    return c;
}

/* lmk_cursor_follow_fn over the client: resolved, then on its origin. */
static int follow(void *ud, const char *base, const char *ref, lmk_buf *out) {
    l_cursor *c = ud;
    if (!c->client || lmk_url_resolve(base, ref, out) != LMK_OK) return 0;
    return lmk_client_same_origin(c->client, out->data) ? 1 : 0;
}

/* opts[name] as an integer (def when absent). */
static long opt_integer(lua_State *L, const char *name, long lo, long def) {
    lua_getfield(L, 2, name);
    long v = def;
    if (!lua_isnil(L, -1)) {
        lua_Integer n;
        if (!lmkL_to_integer(L, -1, &n) || n < lo)
            lmkL_usage(L, "core.cursor: %s must be an integer >= %d", name, (int)lo);
        v = (long)n;
    }
    lua_pop(L, 1);
    return v;
}

/* opts[name] as a string, NULL when absent (kept alive by opts). */
static const char *opt_string(lua_State *L, const char *name) {
    lua_getfield(L, 2, name);
    const char *s = lua_isnil(L, -1) ? NULL : lmkL_check_cstring(L, -1, name);
    lua_pop(L, 1);
    return s;
}

/* core.cursor(client, opts) -> an lmskit.Cursor. */
static int l_cursor_new(lua_State *L) {
    static const char *const strategies[] = {"link", "page_number", "page", "offset", NULL};
    lmkL_check_client(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lmk_cursor_opts o;
    memset(&o, 0, sizeof o);
    lua_getfield(L, 2, "strategy");
    o.strategy = (lmk_paging)luaL_checkoption(L, -1, NULL, strategies);
    lua_pop(L, 1);
    o.first = opt_integer(L, "first", -2147483647, 0);
    o.limit = opt_integer(L, "limit", 0, 0);
    o.prefetch = (size_t)opt_integer(L, "prefetch", 1, 1);
    o.max_pages = opt_integer(L, "max_pages", 1, 10000);
    lua_getfield(L, 2, "by_offset");
    o.by_offset = lua_toboolean(L, -1);
    lua_pop(L, 1);
    o.page_param = opt_string(L, "page_param");
    o.first_url = opt_string(L, "first_url");
    long caps[16];
    lua_getfield(L, 2, "caps");
    if (lua_istable(L, -1)) {
        for (int i = 1;; i++) {
            lua_rawgeti(L, -1, i);
            if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
                break;
            }
            if (i > 16) lmkL_usage(L, "core.cursor: at most 16 caps");
            lua_Integer n;
            if (!lmkL_to_integer(L, -1, &n)) lmkL_usage(L, "core.cursor: caps must be integers");
            caps[o.ncaps++] = (long)n;
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    o.caps = caps;
    l_cursor *c = lua_newuserdata(L, sizeof *c);
    c->cursor = NULL;
    c->client = NULL;
    luaL_setmetatable(L, LMKL_CURSOR_TYPE);
    o.follow = follow;
    o.follow_ud = c;
    lmk_kind k = lmk_cursor_new(&o, &c->cursor);
    if (k == LMK_USAGE) return lmkL_usage(L, "core.cursor: impossible options");
    if (k != LMK_OK) return lmkL_raise(L, LMK_NOMEM, 0, "out of memory", NULL, NULL);
    lua_createtable(L, 0, 1); /* { client = }: 5.1's uservalue is a table */
    lua_pushvalue(L, 1);
    lua_setfield(L, -2, "client");
    lua_setuservalue(L, -2);
    return 1;
}

/* cur:ask() -> index, how, n or url; nil when nothing is to be sent now. */
static int cursor_ask(lua_State *L) {
    static const char *const how[] = {"first", "number", "offset", "url"};
    l_cursor *c = check_cursor(L);
    lmk_page_ask a;
    if (!lmk_cursor_ask(c->cursor, &a)) return 0;
    lua_pushinteger(L, (lua_Integer)a.index);
    lua_pushstring(L, how[a.by]);
    if (a.by == LMK_PAGE_URL) lua_pushstring(L, a.url);
    else lua_pushinteger(L, (lua_Integer)a.n);
    return 3;
}

/* seen[name] as an integer, def when absent or not a number. */
static long seen_integer(lua_State *L, const char *name, long def) {
    lua_getfield(L, 3, name);
    long v = def;
    if (lua_type(L, -1) == LUA_TNUMBER) v = (long)lua_tonumber(L, -1);
    lua_pop(L, 1);
    return v;
}

/* cur:arrived(index, seen): what page index said (seen nil: it failed). */
static int cursor_arrived(lua_State *L) {
    l_cursor *c = check_cursor(L);
    lua_Integer index = lmkL_check_integer(L, 2, "index", 1, 2147483647);
    lmk_page_seen seen;
    memset(&seen, 0, sizeof seen);
    int failed = lua_isnoneornil(L, 3);
    if (!failed) {
        luaL_checktype(L, 3, LUA_TTABLE);
        seen.count = seen_integer(L, "count", 0);
        seen.total = seen_integer(L, "total", -1);
        lua_getfield(L, 3, "more");
        seen.more = lua_toboolean(L, -1);
        lua_getfield(L, 3, "link");
        if (lua_type(L, -1) == LUA_TSTRING) seen.link = lua_tolstring(L, -1, &seen.link_len);
        lua_getfield(L, 3, "mark");
        if (lua_type(L, -1) == LUA_TSTRING) seen.mark = lua_tolstring(L, -1, &seen.mark_len);
    }
    lua_getuservalue(L, 1);
    lua_getfield(L, -1, "client");
    c->client = lmkL_check_client(L, lua_gettop(L));
    lmk_kind k = lmk_cursor_arrived(c->cursor, (size_t)index, failed ? NULL : &seen);
    c->client = NULL;
    if (k == LMK_USAGE) return lmkL_usage(L, "cursor:arrived: page %d is not in flight", (int)index);
    if (k != LMK_OK) return lmkL_raise(L, LMK_NOMEM, 0, "out of memory", NULL, NULL);
    return 0;
}

/* cur:take() -> "page", index | "over" | "fail", index or false, message,
 * url or false (false: the caller's own request). */
static int cursor_take(lua_State *L) {
    l_cursor *c = check_cursor(L);
    size_t index;
    int r = lmk_cursor_take(c->cursor, &index);
    if (r == 1) {
        lua_pushliteral(L, "page");
        lua_pushinteger(L, (lua_Integer)index);
        return 2;
    }
    if (r == 0) return 0;
    if (r == -1) {
        lua_pushliteral(L, "over");
        return 1;
    }
    lua_pushliteral(L, "fail");
    if (index) lua_pushinteger(L, (lua_Integer)index);
    else lua_pushboolean(L, 0);
    lua_pushstring(L, lmk_cursor_error(c->cursor));
    const char *url = lmk_cursor_error_url(c->cursor);
    if (url) lua_pushstring(L, url);
    else lua_pushboolean(L, 0);
    return 4;
}

/* tostring(cursor): "lmskit.Cursor" or "(closed)". */
static int cursor_tostring(lua_State *L) {
    l_cursor *c = luaL_checkudata(L, 1, LMKL_CURSOR_TYPE);
    lua_pushstring(L, c->cursor ? "lmskit.Cursor" : "lmskit.Cursor (closed)");
    return 1;
}

/* cur:ahead() -> true while pages are asked ahead inside a known range. */
static int cursor_ahead(lua_State *L) {
    lua_pushboolean(L, lmk_cursor_ahead(check_cursor(L)->cursor));
    return 1;
}

/* Registers the lmskit.Cursor metatable and core.cursor. */
void lmkL_open_cursor(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"ask", cursor_ask},
        {"arrived", cursor_arrived},
        {"take", cursor_take},
        {"ahead", cursor_ahead},
        {NULL, NULL},
    };
    lmkL_create_meta(L, LMKL_CURSOR_TYPE, methods, cursor_destroy, cursor_tostring);
    lua_pushcfunction(L, l_cursor_new);
    lua_setfield(L, -2, "cursor");
}
