/* lua_paths.h -- what the C hosts that embed Lua (frame_host.c,
 * threads_lua_host.c) share: a new state's search paths pointed at this
 * tree.  Header-only, static functions. */
#ifndef LMSKIT_EXAMPLES_LUA_PATHS_H
#define LMSKIT_EXAMPLES_LUA_PATHS_H

#include <lauxlib.h>
#include <lua.h>

/* Puts the tree's lua/ and the module's dir first in package.path and
 * package.cpath (lua-cjson and the rest stay found where they are). */
static void set_paths(lua_State *L, const char *lua_dir, const char *cdir) {
    lua_getglobal(L, "package");
    lua_getfield(L, -1, "path");
    lua_pushfstring(L, "%s/?.lua;%s/?/init.lua;%s", lua_dir, lua_dir, lua_tostring(L, -1));
    lua_setfield(L, -3, "path");
    lua_pop(L, 1);
    lua_getfield(L, -1, "cpath");
    lua_pushfstring(L, "%s/?.so;%s", cdir, lua_tostring(L, -1));
    lua_setfield(L, -3, "cpath");
    lua_pop(L, 2);
}

#endif
