/* lmkL_links.c -- core.links(header): a Link header (RFC 8288) as a table
 * from relation type to target, over the core's lmk_link_parse. */
#include <ctype.h>

#include "binding.h"

/* lmk_link_fn: t[rel] = uri, first occurrence wins.  Relation types are
 * case-insensitive (RFC 8288 section 2.1.1): keys are lower-cased. */
static int link_into_table(void *ud, const char *uri, size_t uri_len,
                           const char *rel, size_t rel_len) {
    lua_State *L = ud;
    char lower[64];
    if (rel_len >= sizeof lower) return 0; /* no registered type is this long */
    for (size_t i = 0; i < rel_len; i++)
        lower[i] = (char)tolower((unsigned char)rel[i]);
    lua_pushlstring(L, lower, rel_len);
    lua_rawget(L, -2);
    int seen = !lua_isnil(L, -1);
    lua_pop(L, 1);
    if (!seen) {
        lua_pushlstring(L, lower, rel_len);
        lua_pushlstring(L, uri, uri_len);
        lua_rawset(L, -3);
    }
    return 0;
}

/* core.links(header): { next = uri, last = uri, ... }; nil, msg when the
 * header is not a link list. */
int lmkL_links(lua_State *L) {
    size_t len;
    const char *h = luaL_checklstring(L, 1, &len);
    lua_newtable(L);
    if (lmk_link_parse(h, len, link_into_table, L) != LMK_OK) {
        lua_pushnil(L);
        lua_pushliteral(L, "malformed Link header");
        return 2;
    }
    return 1;
}
