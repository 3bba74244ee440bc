/* l_hash.c -- core.sha256(s), over the core's hash.c: the content hash a
 * bulk journal keeps for each row. */
#include "binding.h"

/* core.sha256(s) -> 64 hex digits. */
int lmkL_sha256(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    char hex[65];
    if (lmk_sha256_hex(s, len, hex) != LMK_OK)
        return lmkL_raise(L, LMK_NOMEM, 0, "SHA-256 failed", NULL, NULL);
    lua_pushstring(L, hex);
    return 1;
}
