/* lmskit_core.c -- luaopen_lmskit_core: assembles the module table.  The
 * module keeps no global state: per-state data lives in the registry. */
#include "binding.h"

#if defined(_WIN32)
#define LMKL_EXPORT __declspec(dllexport)
#else
#define LMKL_EXPORT __attribute__((visibility("default")))
#endif

/* require "lmskit.core": initialises libcurl once, then builds the
 * module table from each file's lmkL_open_*. */
LMKL_EXPORT int luaopen_lmskit_core(lua_State *L) {
    if (lmk_global_init() != LMK_OK)
        return luaL_error(L, "lmskit: libcurl could not be initialised");
    lua_newtable(L);
    lua_pushliteral(L, LMK_VERSION);
    lua_setfield(L, -2, "version");
    lmkL_open_error(L);
    lmkL_open_json(L);
    lmkL_open_encode(L);
    lmkL_open_links(L);
    lmkL_open_engine(L);
    lmkL_open_request(L);
    lmkL_open_headers(L);
    lmkL_open_clock(L);
    lmkL_open_client(L);
    lmkL_open_jwt(L);
    lmkL_open_csv(L);
    lmkL_open_limiter(L);
    lmkL_open_journal(L);
    lmkL_open_files(L);
    lmkL_open_hash(L);
    lmkL_open_interrupt(L);
    return 1;
}
