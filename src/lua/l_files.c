/* l_files.c -- questions about files and descriptors, over the core's
 * files.c: core.isatty, core.file_mode, core.realpath. */
#include <stdlib.h>

#include "binding.h"

/* core.isatty(fd) -> true when fd is a terminal. */
int lmkL_isatty(lua_State *L) {
    lua_pushboolean(L, lmk_isatty((int)lmkL_check_integer(L, 1, "fd", 0, 65535)));
    return 1;
}

/* core.file_mode(path) -> permission bits (e.g. 384 for 0600), or nil. */
int lmkL_file_mode(lua_State *L) {
    int mode = lmk_file_mode(lmkL_check_cstring(L, 1, "path"));
    if (mode < 0) lua_pushnil(L);
    else lua_pushinteger(L, mode);
    return 1;
}

/* core.realpath(path) -> the absolute path, symlinks resolved; nil when
 * the file does not exist. */
int lmkL_realpath(lua_State *L) {
    char *abs = lmk_realpath(lmkL_check_cstring(L, 1, "path"));
    if (!abs) return 0;
    lua_pushstring(L, abs);
    free(abs);
    return 1;
}
