/* lmskit_core.c -- luaopen_lmskit_core: assembles the module table from
 * the one list of its functions and each type's metatable.  The module
 * keeps no global state: per-state data lives in the registry. */
#include "binding.h"

#if defined(_WIN32)
#define LMKL_EXPORT __declspec(dllexport)
#else
#define LMKL_EXPORT __attribute__((visibility("default")))
#endif

/* Every function of the module, core.<name>: each is lmkL_<name> (or
 * lmkL_<type>_new) in the file binding.h names. */
static const luaL_Reg functions[] = {
    {"error", lmkL_error_new},           /* l_error.c */
    {"is_error", lmkL_is_error},
    {"kind_of_status", lmkL_kind_of_status},
    {"json_decode_yajl", lmkL_json_decode_yajl}, /* l_json.c (and json_decode) */
    {"json_needs_prepare", lmkL_json_needs_prepare},
    {"encode_query", lmkL_encode_query}, /* l_encode.c */
    {"expand", lmkL_expand},
    {"number_text", lmkL_number_text},
    {"links", lmkL_links},               /* l_links.c */
    {"engine", lmkL_engine},             /* l_engine.c */
    {"new_engine", lmkL_new_engine},
    {"now", lmkL_now},                   /* l_clock.c */
    {"retry_after", lmkL_retry_after},
    {"client", lmkL_client_new},         /* l_client.c */
    {"jwt_sign", lmkL_jwt_sign},         /* l_jwt.c */
    {"random_hex", lmkL_random_hex},
    {"csv_open", lmkL_csv_open},         /* l_csv.c */
    {"csv_quote", lmkL_csv_quote},
    {"utf8_invalid", lmkL_utf8_invalid},
    {"limiter", lmkL_limiter_new},       /* l_limiter.c */
    {"journal_open", lmkL_journal_open}, /* l_journal.c */
    {"isatty", lmkL_isatty},             /* l_files.c */
    {"file_mode", lmkL_file_mode},
    {"realpath", lmkL_realpath},
    {"sha256", lmkL_sha256},             /* l_hash.c */
    {"is_secret_name", lmkL_is_secret_name}, /* l_secret_names.c */
    {"catch_interrupts", lmkL_catch_interrupts}, /* l_interrupt.c */
    {"release_interrupts", lmkL_release_interrupts},
    {"interrupted", lmkL_interrupted},
    {NULL, NULL},
};

/* require "lmskit.core": initialises libcurl once, then builds the
 * module table: its functions, the metatable of each type (lmkL_open_*),
 * Error and the secret names. */
LMKL_EXPORT int luaopen_lmskit_core(lua_State *L) {
    if (lmk_global_init() != LMK_OK)
        return luaL_error(L, "lmskit: libcurl could not be initialised");
    lua_newtable(L);
    lua_pushliteral(L, LMK_VERSION);
    lua_setfield(L, -2, "version");
    luaL_setfuncs(L, functions, 0);
    lmkL_open_error(L);
    lmkL_open_json(L);
    lmkL_open_encode(L);
    lmkL_open_cursor(L);
    lmkL_open_engine(L);
    lmkL_open_request(L);
    lmkL_open_headers(L);
    lmkL_open_client(L);
    lmkL_open_csv(L);
    lmkL_open_limiter(L);
    lmkL_open_journal(L);
    lmkL_open_secret_names(L);
    return 1;
}
