/* l_json.c -- core.json_decode(text): JSON text to Lua values in one pass.
 * simdjson reads the text first (json_simd.cpp: its DOM, walked into Lua
 * values); every text it refuses goes to yajl's event parser (libyajl,
 * Debian's libyajl2), which is the reference: invalid UTF-8 passes
 * through, integers beyond 64 bits become floats, errors get their
 * message here.  Both make integral numbers Lua integers while decoding
 * (5.3+), with no second walk, and each object or array at its final
 * size: on yajl's path its members wait on the Lua stack until it closes
 * (or until DECODE_CHUNK of them are waiting), then go into a table
 * created for that many.  lua-cjson still encodes (lua/lmskit/json.lua);
 * it decodes every number as a float and grows each table one rehash at
 * a time. */
#include "binding.h"
#include "json_simd.h"

#include <errno.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <yajl/yajl_parse.h>

#define DECODE_MAX_DEPTH 1000  /* lua-cjson's default limit */
#define ENCODE_MAX_DEPTH 200   /* json.lua's prepare raises past this */
#define DECODE_CHUNK 64        /* members waiting before they go into the table */
#define DECODE_STACK_SOFT 4000 /* stack slots in use beyond which a container
                                * empties its waiting members before nesting
                                * (Lua 5.1 and LuaJIT give a C function 8000) */
#define DECODE_NUMBER_MAX 64   /* longer numbers are read from a heap copy */
#define KEY_MAX_LEN 40         /* longer keys are not remembered (Lua's short strings) */
#define KEY_MIN_TEXT 1024      /* shorter texts remember no keys: few repeat there */
#define SIMD_KEEP (256u << 10) /* a parser sized for a longer text gives its memory back */

/* One open object or array: where its waiting members start on the Lua
 * stack, the stack index of its table once made (0 before), and for an
 * array the number of elements already in the table. */
typedef struct decode_frame {
    int base;
    int table;
    int n;
    int is_map;
} decode_frame;

/* Open containers a decode keeps on the C stack; deeper bodies move the
 * frames to the heap (doubling, up to DECODE_MAX_DEPTH). */
#define DECODE_LOCAL_FRAMES 32

/* One decode: the Lua state the callbacks push onto, the open containers,
 * the keys it remembers, and a message of our own when a callback stops
 * the parse.  `frames` is `local` until a body nests deeper; then a heap
 * array the decode owns (json_decode frees it on every path). */
typedef struct decoder {
    lua_State *L;
    int depth;
    int room; /* pushes lua_checkstack has made room for, still unused */
    const char *why;
    yajl_handle h;
    const char *text;
    size_t len;
    decode_frame *frames;
    int cap;
    decode_frame local[DECODE_LOCAL_FRAMES];
    lmk_json_keys keys;
} decoder;

/* Values pushed per lua_checkstack: 5.2+ keep the room a C function asked
 * for until it returns; LuaJIT's collector may shrink a stack to little
 * above its top whatever was asked, so 5.1's API asks at every push. */
#if LUA_VERSION_NUM >= 502
#define DECODE_ROOM 56
#else
#define DECODE_ROOM 1
#endif

/* Room for one more value on the stack, plus 8 slots for flush's own
 * pushes; false (and why) when Lua has none left. */
static int reserve(decoder *d) {
    if (d->room > 0) {
        d->room--;
        return 1;
    }
    if (lua_checkstack(d->L, DECODE_ROOM + 8)) {
        d->room = DECODE_ROOM - 1;
        return 1;
    }
    d->why = "JSON too large for the Lua stack";
    return 0;
}

/* Moves the waiting members of frame f into its table (made now, for that
 * many, when there is none yet).  An object's last key, when its value has
 * not come yet, stays waiting. */
static void flush(decoder *d, decode_frame *f) {
    lua_State *L = d->L;
    int top = lua_gettop(L);
    int first = f->table ? f->table + 1 : f->base;
    int waiting = top - first + 1;
    if (waiting <= 0 && f->table) return;
    if (f->is_map && !f->table && waiting > 0 && waiting % 2 == 0) {
        /* the common case, an object closing: its table is made above the
         * members, filled, then moved down to where they began */
        int pairs = waiting / 2, i, t;
        lua_createtable(L, 0, pairs);
        t = top + 1;
        for (i = 0; i < pairs; i++) { /* in order: a repeated key's last value wins */
            lua_pushvalue(L, first + 2 * i);
            lua_pushvalue(L, first + 2 * i + 1);
            lua_rawset(L, t);
        }
        lua_replace(L, f->base);
        lua_settop(L, f->base);
        f->table = f->base;
    } else if (f->is_map) {
        int pairs = waiting / 2, i;
        if (!f->table) {
            lua_createtable(L, 0, pairs);
            lua_insert(L, f->base);
            f->table = f->base;
            first++;
            top++;
        }
        for (i = 0; i < pairs; i++) {
            lua_pushvalue(L, first + 2 * i);
            lua_pushvalue(L, first + 2 * i + 1);
            lua_rawset(L, f->table);
        }
        if (waiting % 2) {
            lua_pushvalue(L, top);
            lua_replace(L, first);
            lua_settop(L, first);
        } else {
            lua_settop(L, f->table);
        }
    } else {
        int j;
        if (!f->table) {
            lua_createtable(L, waiting, 0);
            lua_insert(L, f->base);
            f->table = f->base;
            first++;
            top++;
        }
        for (j = top; j >= first; j--) lua_rawseti(L, f->table, f->n + (j - first) + 1);
        f->n += waiting;
    }
}

/* After a value was pushed: an open container with DECODE_CHUNK members
 * waiting moves them into its table.  Always continues the parse. */
static int added(decoder *d) {
    if (d->depth > 0) {
        decode_frame *f = &d->frames[d->depth - 1];
        int first = f->table ? f->table + 1 : f->base;
        int waiting = lua_gettop(d->L) - first + 1;
        if (waiting >= (f->is_map ? 2 * DECODE_CHUNK : DECODE_CHUNK)) flush(d, f);
    }
    return 1;
}

static int on_null(void *ctx) {
    decoder *d = ctx;
    if (!reserve(d)) return 0;
    lua_pushlightuserdata(d->L, NULL); /* lua-cjson's cjson.null */
    return added(d);
}

static int on_boolean(void *ctx, int b) {
    decoder *d = ctx;
    if (!reserve(d)) return 0;
    lua_pushboolean(d->L, b);
    return added(d);
}

/* strtod in the "C" locale's notation whatever the process's locale: when
 * the locale's decimal point is not '.', the text is read again with it. */
static double read_double(char *s) {
    char *end;
    double v = strtod(s, &end);
    if (*end == '.') {
        const char *point = localeconv()->decimal_point;
        if (point && point[0] && point[0] != '.' && !point[1]) {
            *end = point[0];
            v = strtod(s, &end);
        }
    }
    return v;
}

/* Pushes a number JSON wrote with a fraction or an exponent, or an
 * integer literal beyond 64 bits: on 5.3+ an integral value below 2^53
 * (`9107199261.0`) as an integer, any other as a float. */
void lmkL_json_push_double(lua_State *L, double v) {
#if LUA_VERSION_NUM >= 503
    if (v > -9007199254740992.0 && v < 9007199254740992.0 && v == floor(v)) {
        lua_pushinteger(L, (lua_Integer)v);
        return;
    }
#endif
    lua_pushnumber(L, (lua_Number)v);
}

/* Pushes the number in s (valid JSON syntax, NUL-terminated, writable):
 * on 5.3+ an integer literal within 64 bits is an integer; the rest go
 * through lmkL_json_push_double. */
static void push_number(lua_State *L, char *s, size_t len) {
#if LUA_VERSION_NUM >= 503
    if (!strpbrk(s, ".eE")) {
        char *end;
        long long i;
        errno = 0;
        i = strtoll(s, &end, 10);
        if (errno == 0 && (size_t)(end - s) == len) {
            lua_pushinteger(L, (lua_Integer)i);
            return;
        }
    }
#else
    (void)len;
#endif
    lmkL_json_push_double(L, read_double(s));
}

static int on_number(void *ctx, const char *s, size_t len) {
    decoder *d = ctx;
    char small[DECODE_NUMBER_MAX];
    char *copy = small;
    if (!reserve(d)) return 0;
    if (len >= sizeof small) {
        copy = malloc(len + 1);
        if (!copy) {
            d->why = "out of memory reading a number";
            return 0;
        }
    }
    memcpy(copy, s, len);
    copy[len] = '\0';
    push_number(d->L, copy, len); /* raises only for memory: copy is small then */
    if (copy != small) free(copy);
    return added(d);
}

static int on_string(void *ctx, const unsigned char *s, size_t len) {
    decoder *d = ctx;
    if (!reserve(d)) return 0;
    lua_pushlstring(d->L, (const char *)s, len);
    return added(d);
}

/* Remembers keys for a text of len bytes: in one of KEY_MIN_TEXT bytes
 * or more (the objects of a list repeat their keys); none in a shorter. */
static void keys_init(lmk_json_keys *k, size_t len) {
    k->slots = len >= KEY_MIN_TEXT ? LMK_JSON_KEY_SLOTS : 0;
    if (k->slots) memset(k->e, 0, sizeof k->e);
}

/* Pushes a key: a remembered one (found by its length and three of its
 * bytes, in either entry of its set) from its stack slot; any other made
 * and remembered first in its set, the set's first key moving second (so
 * the set keeps the two keys met last). */
void lmkL_json_push_key(lua_State *L, lmk_json_keys *k, const char *s, size_t len) {
    int set;
    if (len == 0 || len > KEY_MAX_LEN || !k->slots) {
        lua_pushlstring(L, s, len);
        return;
    }
    set = (int)((len * 7u + (unsigned char)s[0] * 3u + (unsigned char)s[len / 2] +
                 (unsigned char)s[len - 1] * 5u) & (LMK_JSON_KEY_SLOTS - 2));
    if (k->e[set].len == len && memcmp(k->e[set].s, s, len) == 0) {
        lua_pushvalue(L, set + 1);
        return;
    }
    if (k->e[set + 1].len == len && memcmp(k->e[set + 1].s, s, len) == 0) {
        lua_pushvalue(L, set + 2);
        return;
    }
    lua_pushvalue(L, set + 1); /* the first moves second */
    lua_replace(L, set + 2);
    k->e[set + 1] = k->e[set];
    lua_pushlstring(L, s, len);
    lua_pushvalue(L, -1);
    lua_replace(L, set + 1);
    k->e[set].s = lua_tostring(L, -1);
    k->e[set].len = len;
}

/* A key waits on the stack for its value. */
static int on_key(void *ctx, const unsigned char *s, size_t len) {
    decoder *d = ctx;
    if (!reserve(d)) return 0;
    lmkL_json_push_key(d->L, &d->keys, (const char *)s, len);
    return 1;
}

/* Room for one more open container: doubles the frames (moving them off
 * the C stack the first time); false (and why) when out of memory. */
static int grow_frames(decoder *d) {
    int cap = d->cap * 2 > DECODE_MAX_DEPTH ? DECODE_MAX_DEPTH : d->cap * 2;
    decode_frame *f = d->frames == d->local ? malloc(cap * sizeof *f)
                                             : realloc(d->frames, cap * sizeof *f);
    if (!f) {
        d->why = "out of memory for the JSON decoder's nesting";
        return 0;
    }
    if (d->frames == d->local) memcpy(f, d->local, sizeof d->local);
    d->frames = f;
    d->cap = cap;
    return 1;
}

/* Opens a container; past DECODE_STACK_SOFT slots in use, the one around
 * it first moves its waiting members into its table, so deep nesting
 * costs two slots a level. */
static int open_container(decoder *d, int is_map) {
    decode_frame *f;
    if (d->depth >= DECODE_MAX_DEPTH) {
        d->why = "JSON nested too deep (more than 1000 levels)";
        return 0;
    }
    if (d->depth == d->cap && !grow_frames(d)) return 0;
    if (!reserve(d)) return 0;
    if (d->depth > 0 && lua_gettop(d->L) > DECODE_STACK_SOFT)
        flush(d, &d->frames[d->depth - 1]);
    f = &d->frames[d->depth++];
    f->base = lua_gettop(d->L) + 1;
    f->table = 0;
    f->n = 0;
    f->is_map = is_map;
    return 1;
}

/* Closes a container: its table, made at its final size, is the value. */
static int close_container(decoder *d) {
    decode_frame *f = &d->frames[--d->depth];
    if (!reserve(d)) return 0;
    flush(d, f);
    return added(d);
}

static int on_start_map(void *ctx) { return open_container(ctx, 1); }
static int on_start_array(void *ctx) { return open_container(ctx, 0); }
static int on_end(void *ctx) { return close_container(ctx); }

static const yajl_callbacks decode_callbacks = {
    on_null, on_boolean, NULL, NULL, on_number, on_string,
    on_start_map, on_key, on_end, on_start_array, on_end,
};

/* Runs the parse (under lua_pcall, so that a memory error raised while
 * pushing still lets json_decode free the parser); returns the value, or
 * nil and a message. */
static int decode_protected(lua_State *L) {
    decoder *d = lua_touserdata(L, 1);
    yajl_status st;
    size_t at;
    lua_settop(L, 0);
    if (!lua_checkstack(L, d->keys.slots + 8)) return luaL_error(L, "JSON too large for the Lua stack");
    lua_settop(L, d->keys.slots); /* the remembered keys' slots, nil until used */
    st = yajl_parse(d->h, (const unsigned char *)d->text, d->len);
    at = yajl_get_bytes_consumed(d->h); /* where a failed parse stopped */
    if (st == yajl_status_ok) {
        st = yajl_complete_parse(d->h);
        at = d->len; /* the text ended too soon */
    }
    if (st == yajl_status_ok && lua_gettop(L) == d->keys.slots + 1) return 1;
    lua_settop(L, 0);
    lua_pushnil(L);
    if (d->why) {
        lua_pushstring(L, d->why);
    } else {
        unsigned char *msg = yajl_get_error(d->h, 0, NULL, 0);
        size_t n = msg ? strcspn((const char *)msg, "\n") : 0;
        lua_pushlstring(L, msg ? (const char *)msg : "invalid JSON", msg ? n : 12);
        if (msg) yajl_free_error(d->h, msg);
    }
    lua_pushfstring(L, " at byte %d of %d", (int)at, (int)d->len);
    lua_concat(L, 2);
    return 2;
}

/* Decodes text with yajl's parser: pushes the value, or nil and a
 * message; the parser is freed on every path. */
static int decode_yajl(lua_State *L, const char *text, size_t len) {
    decoder dec, *d = &dec;
    int rc;
    d->L = L;
    d->depth = 0;
    d->room = 0;
    d->why = NULL;
    d->text = text;
    d->len = len;
    d->frames = d->local;
    d->cap = DECODE_LOCAL_FRAMES;
    keys_init(&d->keys, len);
    d->h = yajl_alloc(&decode_callbacks, NULL, d);
    if (!d->h) return lmkL_raise(L, LMK_NOMEM, 0, "out of memory", NULL, NULL);
    yajl_config(d->h, yajl_dont_validate_strings, 1); /* as lua-cjson: bytes as they came */
    lua_pushcfunction(L, decode_protected);
    lua_pushlightuserdata(L, d);
    rc = lua_pcall(L, 1, 2, 0);
    yajl_free(d->h);
    if (d->frames != d->local) free(d->frames);
    if (rc != 0) return lua_error(L);
    return 2;
}

/* The simdjson parser core.json_decode keeps for its Lua state (its
 * upvalue), created on first use; `busy` while its document is being
 * pushed, when a decode from a finalizer must use a parser of its own. */
typedef struct json_parser {
    lmk_simd *simd;
    int busy;
} json_parser;

/* Pushes simdjson's document (under lua_pcall, so that a memory error
 * still lets decode_simd clear `busy`): true and the value, or false. */
static int simd_protected(lua_State *L) {
    lmk_simd *s = lua_touserdata(L, 1);
    lmk_json_keys *keys = lua_touserdata(L, 2);
    lua_settop(L, 0);
    if (!lua_checkstack(L, keys->slots + 8)) return 0;
    lua_settop(L, keys->slots); /* the remembered keys' slots */
    if (!lmk_simd_push(s, L, keys)) {
        lua_pushboolean(L, 0);
        return 1;
    }
    lua_pushboolean(L, 1);
    lua_insert(L, -2);
    return 2;
}

/* Decodes text with simdjson: 1 and the value pushed, or 0 and nothing
 * pushed when simdjson refused it (yajl's path decides then). */
static int decode_simd(lua_State *L, json_parser *jp, const char *text, size_t len) {
    lmk_simd *own = NULL, *s;
    lmk_json_keys keys;
    int rc, pushed = 0;
    if (!jp->simd && !jp->busy) jp->simd = lmk_simd_new(DECODE_MAX_DEPTH);
    s = jp->busy ? (own = lmk_simd_new(DECODE_MAX_DEPTH)) : jp->simd;
    if (!s) return 0;
    if (lmk_simd_parse(s, text, len)) {
        keys_init(&keys, len);
        if (!own) jp->busy = 1;
        lua_pushcfunction(L, simd_protected);
        lua_pushlightuserdata(L, s);
        lua_pushlightuserdata(L, &keys);
        rc = lua_pcall(L, 2, 2, 0);
        if (!own) jp->busy = 0;
        if (rc != 0) {
            lmk_simd_free(own);
            return lua_error(L);
        }
        pushed = lua_toboolean(L, -2);
        if (pushed) lua_remove(L, -2);
        else lua_pop(L, 2);
    }
    lmk_simd_free(own);
    if (!jp->busy) lmk_simd_trim(jp->simd, SIMD_KEEP); /* (busy: a decode outside reads it) */
    return pushed;
}

/* core.json_decode(text) -> value | nil, message.  Nulls are lua-cjson's
 * null (a NULL light userdata). */
static int json_decode(lua_State *L) {
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    if (decode_simd(L, lua_touserdata(L, lua_upvalueindex(1)), text, len)) return 1;
    return decode_yajl(L, text, len);
}

/* core.json_decode_yajl(text) -> value | nil, message: yajl's path alone,
 * the reference the specs and fuzz_json hold json_decode to. */
int lmkL_json_decode_yajl(lua_State *L) {
    size_t len;
    const char *text = luaL_checklstring(L, 1, &len);
    return decode_yajl(L, text, len);
}

/* __gc of the parser holder: frees the simdjson parser once. */
static int json_parser_gc(lua_State *L) {
    json_parser *jp = lua_touserdata(L, 1);
    lmk_simd_free(jp->simd);
    jp->simd = NULL;
    return 0;
}

/* Sets core.json_decode (module table on top): a closure over this
 * state's parser holder. */
void lmkL_open_json(lua_State *L) {
    json_parser *jp = lua_newuserdata(L, sizeof *jp);
    jp->simd = NULL;
    jp->busy = 0;
    if (luaL_newmetatable(L, "lmskit.JsonParser")) {
        lua_pushcfunction(L, json_parser_gc);
        lua_setfield(L, -2, "__gc");
    }
    lua_setmetatable(L, -2);
    lua_pushcclosure(L, json_decode, 1);
    lua_setfield(L, -2, "json_decode");
}

/* True when the number at idx is an integer lua-cjson's "%.14g" would
 * write wrongly: at least 1e14 in size (on 5.3+ by its subtype; floats
 * integral and below 2^63). */
static int big_integer(lua_State *L, int idx) {
    lua_Number v;
#if LUA_VERSION_NUM >= 503
    if (lua_isinteger(L, idx)) {
        lua_Integer i = lua_tointeger(L, idx);
        return i >= 100000000000000LL || i <= -100000000000000LL;
    }
#endif
    v = lua_tonumber(L, idx);
    return v == floor(v) && fabs(v) >= 1e14 && fabs(v) < 9223372036854775808.0;
}

/* True when the table at idx, depth levels down, holds something
 * lua-cjson would write wrongly or json.lua's prepare must see: a big
 * integer, an empty table marked as an array (the metatable at stack
 * index 2), a table with another metatable, nesting past
 * ENCODE_MAX_DEPTH; true also when the stack has no room to look. */
static int needs_prepare(lua_State *L, int idx, int depth) {
    if (depth > ENCODE_MAX_DEPTH || !lua_checkstack(L, 4)) return 1;
    if (lua_getmetatable(L, idx)) {
        int other = !lua_rawequal(L, -1, 2);
        lua_pop(L, 1);
        if (other) return 1;
        lua_pushnil(L);
        if (!lua_next(L, idx)) return 1; /* an empty array */
        lua_pop(L, 2);
    }
    lua_pushnil(L);
    while (lua_next(L, idx)) {
        int t = lua_type(L, -1);
        if ((t == LUA_TNUMBER && big_integer(L, -1)) ||
            (t == LUA_TTABLE && needs_prepare(L, lua_gettop(L), depth + 1))) {
            lua_pop(L, 2);
            return 1;
        }
        lua_pop(L, 1);
    }
    return 0;
}

/* core.json_needs_prepare(t, array_mt) -> boolean: whether json.lua must
 * rewrite t before lua-cjson writes it (the walk json.encode does on every
 * body, in C). */
int lmkL_json_needs_prepare(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    lua_pushboolean(L, needs_prepare(L, 1, 0));
    return 1;
}
