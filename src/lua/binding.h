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

/* The module's functions (core.<name>: lmskit_core.c lists them all) are
 * lua_CFunctions named lmkL_<name>, declared below with their files. */

/* l_error.c: the lmskit.Error type; core.error, is_error, kind_of_status */
void lmkL_open_error(lua_State *L);
int lmkL_error_new(lua_State *L);
int lmkL_is_error(lua_State *L);
int lmkL_kind_of_status(lua_State *L);
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

/* l_encode.c: core.encode_query, expand, number_text */
void lmkL_open_encode(lua_State *L);
int lmkL_encode_query(lua_State *L);
int lmkL_expand(lua_State *L);
int lmkL_number_text(lua_State *L);
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
int lmkL_isatty(lua_State *L);
int lmkL_file_mode(lua_State *L);
int lmkL_realpath(lua_State *L);

/* l_hash.c: core.sha256 */
int lmkL_sha256(lua_State *L);

/* l_secret_names.c: core.secret_names (the list), core.is_secret_name */
void lmkL_open_secret_names(lua_State *L);
int lmkL_is_secret_name(lua_State *L);

/* l_headers.c: lmskit.Headers (a response's headers, read by name) and
 * core.header_table */
void lmkL_open_headers(lua_State *L);
void lmkL_push_headers(lua_State *L, const char *block, size_t len);

/* l_json.c: core.json_decode (set by lmkL_open_json: a closure over the
 * state's simdjson parser), json_decode_yajl, json_needs_prepare */
void lmkL_open_json(lua_State *L);
int lmkL_json_decode_yajl(lua_State *L);
int lmkL_json_needs_prepare(lua_State *L);

/* l_links.c: core.links */
int lmkL_links(lua_State *L);

/* l_meta.c: the userdata types. */
/* The userdata of a type that owns one core object (Client, Engine,
 * Request, CsvReader, Journal, Limiter), as liolib's LStream: the object,
 * NULL once closed. */
typedef struct lmkL_box {
    void *ptr;
} lmkL_box;
/* Creates a metatable in liolib's style: __name, __index methods, __gc and
 * __close sharing one idempotent destroy (also the close() method),
 * __tostring (NULL: "<name>" or "<name> (closed)"). */
void lmkL_create_meta(lua_State *L, const char *name, const luaL_Reg *methods,
                      lua_CFunction destroy, lua_CFunction tostring);
/* Pushes a new, empty box of that type (its maker sets ptr). */
lmkL_box *lmkL_new_box(lua_State *L, const char *type);
/* Takes the object out of the box at idx (NULL when closed already). */
void *lmkL_take_box(lua_State *L, int idx, const char *type);
/* The object of the open box at idx; closed: "<what> is closed". */
void *lmkL_check_box(lua_State *L, int idx, const char *type, const char *what);
/* The object of the box at idx, NULL when it is closed. */
void *lmkL_box_object(lua_State *L, int idx, const char *type);

/* l_engine.c: the lmskit.Engine type; core.engine, new_engine */
void lmkL_open_engine(lua_State *L);
int lmkL_engine(lua_State *L);
int lmkL_new_engine(lua_State *L);
/* Pushes this state's default engine, creating it on first use. */
void lmkL_default_engine(lua_State *L);
/* The core engine of the open Engine at idx; raises a usage lmskit.Error
 * otherwise. */
lmk_engine *lmkL_check_engine(lua_State *L, int idx);
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
int lmkL_now(lua_State *L);
int lmkL_retry_after(lua_State *L);

/* l_journal.c: the lmskit.Journal type; core.journal_open */
void lmkL_open_journal(lua_State *L);
int lmkL_journal_open(lua_State *L);

/* l_limiter.c: the lmskit.Limiter type; core.limiter */
void lmkL_open_limiter(lua_State *L);
int lmkL_limiter_new(lua_State *L);

/* l_csv.c: the lmskit.CsvReader type; core.csv_open, csv_quote,
 * utf8_invalid */
void lmkL_open_csv(lua_State *L);
int lmkL_csv_open(lua_State *L);
int lmkL_csv_quote(lua_State *L);
int lmkL_utf8_invalid(lua_State *L);

/* l_jwt.c: core.jwt_sign, core.random_hex */
int lmkL_jwt_sign(lua_State *L);
int lmkL_random_hex(lua_State *L);

/* l_interrupt.c: core.catch_interrupts, release_interrupts, interrupted */
int lmkL_catch_interrupts(lua_State *L);
int lmkL_release_interrupts(lua_State *L);
int lmkL_interrupted(lua_State *L);

/* l_client.c: the lmskit.Client type; core.client */
void lmkL_open_client(lua_State *L);
int lmkL_client_new(lua_State *L);
/* request:result() -> status, body, headers; raises lmskit.Error. */
int lmkL_request_result(lua_State *L);
/* The core client of the open Client at idx; raises when closed. */
lmk_client *lmkL_check_client(lua_State *L, int idx);

/* l_cursor.c: core.cursor (a list walk's paging decisions) */
void lmkL_open_cursor(lua_State *L);

#endif
