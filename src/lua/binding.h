/* binding.h -- declarations shared by the files of the lmskit.core binding.
 * The binding's own names carry the prefix lmkL_ (macros LMKL_), as Lua's
 * auxiliary library uses luaL_; lmk_ (LMK_) is the core's API, lmskit.h.
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

#define LMKL_ERROR_TYPE "lmskit.Error"
#define LMKL_CLIENT_TYPE "lmskit.Client"
#define LMKL_ENGINE_TYPE "lmskit.Engine"
#define LMKL_REQUEST_TYPE "lmskit.Request"
#define LMKL_HEADERS_TYPE "lmskit.Headers"

/* l_error.c */
void lmkL_open_error(lua_State *L);
/* Pushes a new lmskit.Error with the given fields (status 0: absent). */
void lmkL_push_error(lua_State *L, lmk_kind kind, long status,
                     const char *message, const char *method, const char *url);
/* Raises an lmskit.Error (never returns). */
int lmkL_raise(lua_State *L, lmk_kind kind, long status, const char *message,
               const char *method, const char *url);

/* l_args.c: argument checks; each raises a usage lmskit.Error. */
/* The longest timeout or wait, in seconds: its milliseconds fit an int. */
#define LMKL_MAX_SECONDS 2147483.0
/* Raises a usage lmskit.Error with a lua_pushfstring message. */
int lmkL_usage(lua_State *L, const char *fmt, ...);
/* 1 and *out set when n is an integer lua_Integer holds exactly. */
int lmkL_number_to_integer(lua_Number n, lua_Integer *out);
/* 1 and *out set when the value at idx has an exact integer value. */
int lmkL_to_integer(lua_State *L, int idx, lua_Integer *out);
/* The integer at idx within [lo, hi]. */
lua_Integer lmkL_check_integer(lua_State *L, int idx, const char *what,
                               lua_Integer lo, lua_Integer hi);
/* Finite seconds at idx, > lo (lo_open) or >= lo, at most LMKL_MAX_SECONDS. */
lua_Number lmkL_check_seconds(lua_State *L, int idx, const char *what,
                              lua_Number lo, int lo_open);
/* The string at idx, refused when it is not a string or hides a NUL. */
const char *lmkL_check_cstring(lua_State *L, int idx, const char *what);

/* l_encode.c */
void lmkL_open_encode(lua_State *L);
/* Encodes the table at idx as form/query text into out; raises on misuse. */
void lmkL_encode_table(lua_State *L, int idx, lmk_buf *out);
/* Expands a route with the parameters in the table at idx into out. */
void lmkL_expand_route(lua_State *L, const char *route, int idx, lmk_buf *out);
/* Writes the value at idx (string, number, boolean) as text; NULL with
 * *why set when it cannot be written (a table, NaN, an infinity, an
 * integral float beyond the 64-bit range). */
const char *lmkL_scalar_text(lua_State *L, int idx, char scratch[40],
                             size_t *len, const char **why);

/* l_files.c: core.isatty, core.file_mode, core.realpath */
void lmkL_open_files(lua_State *L);

/* l_hash.c: core.sha256 */
void lmkL_open_hash(lua_State *L);

/* l_headers.c: lmskit.Headers (a response's headers, read by name) and
 * core.header_table */
void lmkL_open_headers(lua_State *L);
void lmkL_push_headers(lua_State *L, const char *block, size_t len);

/* l_json.c: core.integerize */
void lmkL_open_json(lua_State *L);

/* l_links.c: core.links */
void lmkL_open_links(lua_State *L);

/* l_meta.c */
/* Creates a metatable in liolib's style: __name, __index methods, __gc and
 * __close sharing one idempotent destroy (also the close() method). */
void lmkL_create_meta(lua_State *L, const char *name, const luaL_Reg *methods,
                      lua_CFunction destroy, lua_CFunction tostring);

/* l_engine.c */
void lmkL_open_engine(lua_State *L);
typedef struct l_engine {
    lmk_engine *engine;
} l_engine;
/* Pushes this state's default engine, creating it on first use. */
l_engine *lmkL_default_engine(lua_State *L);
/* The open Engine at idx; raises a usage lmskit.Error otherwise. */
l_engine *lmkL_check_engine(lua_State *L, int idx);
/* Submits the Request at req_idx to the Engine at engine_idx and keeps it
 * in the engine's in-flight table. */
void lmkL_submit(lua_State *L, int engine_idx, int req_idx);
/* Drops req from the in-flight table of the Engine at engine_idx. */
void lmkL_forget(lua_State *L, int engine_idx, lmk_request *req);

/* l_request.c */
void lmkL_open_request(lua_State *L);
/* Pushes a Request owning req (NULL: set later), keeping client_idx alive. */
void lmkL_push_request(lua_State *L, lmk_request *req, int client_idx);
/* Gives the Request at idx, made with NULL, its core request. */
void lmkL_set_request(lua_State *L, int idx, lmk_request *req);
/* The core request of the open Request at idx (raises when closed). */
lmk_request *lmkL_to_request(lua_State *L, int idx);
void lmkL_release_request(lua_State *L, int idx);

/* l_clock.c: core.now, core.retry_after */
void lmkL_open_clock(lua_State *L);

/* l_journal.c */
void lmkL_open_journal(lua_State *L);

/* l_limiter.c */
void lmkL_open_limiter(lua_State *L);

/* l_csv.c */
void lmkL_open_csv(lua_State *L);

/* l_jwt.c */
void lmkL_open_jwt(lua_State *L);

/* l_interrupt.c */
void lmkL_open_interrupt(lua_State *L);

/* l_client.c */
void lmkL_open_client(lua_State *L);
/* request:result() -> status, body, headers; raises lmskit.Error. */
int lmkL_request_result(lua_State *L);

#endif
