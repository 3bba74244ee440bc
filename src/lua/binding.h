/* binding.h -- declarations shared by the files of the lmskit.core binding.
 * Lua 5.1-5.3 and LuaJIT build through Debian's lua-compat53 headers. */
#ifndef LMSKIT_BINDING_H
#define LMSKIT_BINDING_H

#include <lauxlib.h>
#include <lua.h>

#if LUA_VERSION_NUM < 503
#define COMPAT53_PREFIX lmskit_compat
#include <compat-5.3.h>
#endif

#include "../core/lmskit.h"

#define LMK_ERROR_TYPE "lmskit.Error"
#define LMK_CLIENT_TYPE "lmskit.Client"
#define LMK_ENGINE_TYPE "lmskit.Engine"
#define LMK_REQUEST_TYPE "lmskit.Request"

/* l_error.c */
void lmk_open_error(lua_State *L);
/* Pushes a new lmskit.Error with the given fields (status 0: absent). */
void lmk_push_error(lua_State *L, lmk_kind kind, long status,
                    const char *message, const char *method, const char *url);
/* Raises an lmskit.Error (never returns). */
int lmk_raise(lua_State *L, lmk_kind kind, long status, const char *message,
              const char *method, const char *url);

/* l_args.c: argument checks; each raises a usage lmskit.Error. */
/* The longest timeout or wait, in seconds: its milliseconds fit an int. */
#define LMK_MAX_SECONDS 2147483.0
/* Raises a usage lmskit.Error with a lua_pushfstring message. */
int lmk_usage(lua_State *L, const char *fmt, ...);
/* 1 and *out set when n is an integer lua_Integer holds exactly. */
int lmk_number_to_integer(lua_Number n, lua_Integer *out);
/* 1 and *out set when the value at idx has an exact integer value. */
int lmk_to_integer(lua_State *L, int idx, lua_Integer *out);
/* The integer at idx within [lo, hi]. */
lua_Integer lmk_check_integer(lua_State *L, int idx, const char *what,
                              lua_Integer lo, lua_Integer hi);
/* Finite seconds at idx, > lo (lo_open) or >= lo, at most LMK_MAX_SECONDS. */
lua_Number lmk_check_seconds(lua_State *L, int idx, const char *what,
                             lua_Number lo, int lo_open);
/* The string at idx, refused when it is not a string or hides a NUL. */
const char *lmk_check_cstring(lua_State *L, int idx, const char *what);

/* l_encode.c */
void lmk_open_encode(lua_State *L);
/* Encodes the table at idx as form/query text into out; raises on misuse. */
void lmk_encode_table(lua_State *L, int idx, lmk_buf *out);
/* Expands a route with the parameters in the table at idx into out. */
void lmk_expand_route(lua_State *L, const char *route, int idx, lmk_buf *out);
/* Writes the value at idx (string, number, boolean) as text; NULL with
 * *why set when it cannot be written (a table, NaN, an infinity, an
 * integral float beyond the 64-bit range). */
const char *lmk_scalar_text(lua_State *L, int idx, char scratch[40],
                            size_t *len, const char **why);

/* l_engine.c */
void lmk_open_engine(lua_State *L);
typedef struct l_engine {
    lmk_engine *engine;
} l_engine;
/* Pushes this state's default engine, creating it on first use. */
l_engine *lmk_default_engine(lua_State *L);
l_engine *lmk_check_engine(lua_State *L, int idx);

void lmk_push_request(lua_State *L, lmk_request *req, int client_idx);
void lmk_set_request(lua_State *L, int idx, lmk_request *req);
lmk_request *lmk_to_request(lua_State *L, int idx);
void lmk_submit(lua_State *L, int engine_idx, int req_idx);
void lmk_forget(lua_State *L, int engine_idx, lmk_request *req);
/* Creates a metatable in liolib's style: __name, __index methods, __gc and
 * __close sharing one idempotent destroy (also the close() method). */
void lmk_create_meta(lua_State *L, const char *name, const luaL_Reg *methods,
                     lua_CFunction destroy, lua_CFunction tostring);

/* l_journal.c */
void lmk_open_journal(lua_State *L);

/* l_limiter.c */
void lmk_open_limiter(lua_State *L);

/* l_csv.c */
void lmk_open_csv(lua_State *L);

/* l_jwt.c */
void lmk_open_jwt(lua_State *L);

/* l_interrupt.c */
void lmk_open_interrupt(lua_State *L);

/* l_client.c */
void lmk_open_client(lua_State *L);
/* request:result() -> status, body, headers; raises lmskit.Error. */
int lmk_request_result(lua_State *L);

#endif
