/* l_jwt.c -- core.jwt_sign and core.random_hex for the Lua layer. */
#include "binding.h"

/* core.jwt_sign(header_json, payload_json, key, alg) -> compact JWS.
 * The JSON text is signed exactly as given (test vectors need the bytes);
 * lmskit.jwt.sign builds it from tables. */
int lmkL_jwt_sign(lua_State *L) {
    size_t hlen, plen, klen;
    const char *header = luaL_checklstring(L, 1, &hlen);
    const char *payload = luaL_checklstring(L, 2, &plen);
    const char *key = luaL_checklstring(L, 3, &klen);
    const char *alg_name = lmkL_check_cstring(L, 4, "the JWT algorithm");
    lmk_jwt_alg alg;
    if (lmk_jwt_alg_from_name(alg_name, &alg) != LMK_OK)
        return lmkL_raise(L, LMK_USAGE, 0,
                          "unsupported JWT algorithm (HS256, HS384, HS512, RS256, ES256)",
                          NULL, NULL);
    lmk_buf out;
    lmk_buf_init_secret(&out); /* the JWT is a credential: wiped when freed */
    const char *why = NULL;
    lmk_kind k = lmk_jwt_sign(alg, key, klen, header, hlen, payload, plen, &out, &why);
    if (k != LMK_OK) {
        lmk_buf_free(&out);
        return lmkL_raise(L, k, 0, why ? why : "signing failed", NULL, NULL);
    }
    lua_pushlstring(L, out.data, out.len);
    lmk_buf_free(&out);
    return 1;
}

/* core.random_hex(nbytes) -> 2*nbytes hex digits from the CSPRNG. */
int lmkL_random_hex(lua_State *L) {
    lua_Integer n = 16;
    if (!lua_isnoneornil(L, 1)) n = lmkL_check_integer(L, 1, "random_hex bytes", 1, 64);
    char out[129];
    if (lmk_random_hex(out, (size_t)n) != LMK_OK)
        return lmkL_raise(L, LMK_USAGE, 0, "the random generator failed", NULL, NULL);
    lua_pushstring(L, out);
    return 1;
}
