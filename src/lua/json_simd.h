/* json_simd.h -- the C face of json_simd.cpp: simdjson's DOM parser
 * (Debian's libsimdjson) reads a JSON text; a walk of its document then
 * pushes the Lua value.  l_json.c decodes with it first and falls back to
 * yajl for every text it refuses (invalid UTF-8, numbers beyond 64 bits
 * or out of double's range, nesting past the limit, any error), so what
 * it returns is exactly what yajl's path returns (fuzz/fuzz_json.c and
 * spec/json_decode_spec.lua check that they agree).  No C++ exception leaves it. */
#ifndef LMSKIT_JSON_SIMD_H
#define LMSKIT_JSON_SIMD_H

#include <stddef.h>

#ifdef __cplusplus
extern "C" {
#endif

#include <lua.h>

/* The object keys a decode remembers (l_json.c): a text of many objects
 * repeats their keys, so a key made once is kept in a stack slot (entry i
 * in slot i + 1, which keeps its bytes alive) and pushed again from there
 * without hashing it into Lua's string table.  The entries go in sets of
 * two, so two keys that hash alike ("id" and "type") both stay. */
#define LMK_JSON_KEY_SLOTS 128 /* a power of 2: 64 sets of two */
typedef struct lmk_json_keys {
    int slots; /* LMK_JSON_KEY_SLOTS, or 0: remember none */
    struct {
        const char *s;
        size_t len;
    } e[LMK_JSON_KEY_SLOTS];
} lmk_json_keys;

/* Pushes the key s[0..len), from keys when remembered (l_json.c); the
 * caller made room on the stack for it. */
void lmkL_json_push_key(lua_State *L, lmk_json_keys *keys, const char *s, size_t len);

/* Pushes a number simdjson or yajl read as a double (l_json.c: on 5.3+
 * an integral value below 2^53 becomes an integer). */
void lmkL_json_push_double(lua_State *L, double v);

/* A parser and the document it read last; one per Lua state (an upvalue
 * of core.json_decode), or one for a single decode. */
typedef struct lmk_simd lmk_simd;

/* A new parser for documents nesting at most max_depth levels, holding
 * no memory until its first parse; NULL when out of memory.
 * lmk_simd_free(NULL) is a no-op. */
lmk_simd *lmk_simd_new(int max_depth);
void lmk_simd_free(lmk_simd *s);

/* Reads text[0..len) into s's document: 1 when simdjson accepted it, 0
 * when not (the caller decodes with yajl).  Never touches a Lua state. */
int lmk_simd_parse(lmk_simd *s, const char *text, size_t len);

/* Pushes the document lmk_simd_parse accepted: 1 when pushed, 0 when it
 * holds what lmskit reads otherwise (nesting past the parser's depth, or
 * no room on the Lua stack), leaving what it had pushed so far.  May
 * raise a Lua memory error: l_json.c calls it under lua_pcall, whose
 * stack it then discards. */
int lmk_simd_push(lmk_simd *s, lua_State *L, lmk_json_keys *keys);

/* Gives back the memory of a parser that read more than keep bytes (it
 * reallocates on its next parse). */
void lmk_simd_trim(lmk_simd *s, size_t keep);

#ifdef __cplusplus
}
#endif

#endif
