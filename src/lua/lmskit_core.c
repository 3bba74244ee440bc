/* lmskit_core.c -- luaopen_lmskit_core: assembles the module table.  The
 * module keeps no global state: per-state data lives in the registry. */
#include "binding.h"

#if defined(_WIN32)
#define LMK_EXPORT __declspec(dllexport)
#else
#define LMK_EXPORT __attribute__((visibility("default")))
#endif

LMK_EXPORT int luaopen_lmskit_core(lua_State *L) {
    if (lmk_global_init() != LMK_OK)
        return luaL_error(L, "lmskit: libcurl could not be initialised");
    lua_newtable(L);
    lua_pushliteral(L, LMK_VERSION);
    lua_setfield(L, -2, "version");
    lmk_open_error(L);
    lmk_open_encode(L);
    lmk_open_engine(L);
    lmk_open_client(L);
    lmk_open_jwt(L);
    lmk_open_csv(L);
    lmk_open_limiter(L);
    lmk_open_journal(L);
    lmk_open_interrupt(L);
    return 1;
}
