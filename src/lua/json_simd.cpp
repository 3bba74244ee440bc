// json_simd.cpp -- JSON text to Lua values over simdjson's DOM parser
// (Debian's libsimdjson-dev), for core.json_decode (l_json.c).  The only
// C++ in lmskit: simdjson has no C interface.  Built without exceptions;
// simdjson's error-code interface throws none, and every allocation here
// is nothrow.  A Lua error raised while pushing (out of memory) unwinds
// through lmk_simd_push's frames, whose objects are all trivially
// destructible (tape references and string views), so nothing is skipped.
#include <new>

#include <simdjson.h>

#include "json_simd.h" // (and lua.h, with C linkage)

using simdjson::dom::element;
using simdjson::dom::element_type;

// The parser (allocated on first use, and again after a trim) and the
// depth its documents may nest.
struct lmk_simd {
    simdjson::dom::parser *parser;
    int max_depth;
};

extern "C" lmk_simd *lmk_simd_new(int max_depth) {
    lmk_simd *s = new (std::nothrow) lmk_simd;
    if (s) {
        s->parser = nullptr;
        s->max_depth = max_depth;
    }
    return s;
}

extern "C" void lmk_simd_free(lmk_simd *s) {
    if (!s) return;
    delete s->parser;
    delete s;
}

extern "C" void lmk_simd_trim(lmk_simd *s, size_t keep) {
    if (s && s->parser && s->parser->capacity() > keep) {
        delete s->parser;
        s->parser = nullptr;
    }
}

extern "C" int lmk_simd_parse(lmk_simd *s, const char *text, size_t len) {
    if (!s->parser) {
        s->parser = new (std::nothrow) simdjson::dom::parser;
        if (!s->parser) return 0;
        if (s->parser->allocate(len < 4096 ? 4096 : len, (size_t)s->max_depth) != simdjson::SUCCESS) {
            delete s->parser;
            s->parser = nullptr;
            return 0;
        }
    }
    // the parser copies text into its own padded buffer, kept between parses
    return s->parser->parse(text, len, true).error() == simdjson::SUCCESS;
}

// Pushes e (and all it holds); 0 when a container nests past depth or
// the Lua stack has no room for one more level.
static int push_element(lua_State *L, lmk_json_keys *keys, element e, int depth) {
    switch (e.type()) {
    case element_type::ARRAY: {
        simdjson::dom::array a = e.get_array().value_unsafe();
        size_t n = a.size(); // saturates at 0xFFFFFF: only a size hint then
        int i = 0;
        if (depth <= 0 || !lua_checkstack(L, 4)) return 0;
        lua_createtable(L, n < 0xFFFFFF ? (int)n : 0, 0);
        for (element x : a) {
            if (!push_element(L, keys, x, depth - 1)) return 0;
            lua_rawseti(L, -2, ++i);
        }
        return 1;
    }
    case element_type::OBJECT: {
        simdjson::dom::object o = e.get_object().value_unsafe();
        size_t n = o.size();
        if (depth <= 0 || !lua_checkstack(L, 4)) return 0;
        lua_createtable(L, 0, n < 0xFFFFFF ? (int)n : 0);
        for (simdjson::dom::key_value_pair kv : o) { // in order: a repeated key's last value wins
            lmkL_json_push_key(L, keys, kv.key.data(), kv.key.size());
            if (!push_element(L, keys, kv.value, depth - 1)) return 0;
            lua_rawset(L, -3);
        }
        return 1;
    }
    case element_type::INT64: {
        int64_t v = e.get_int64().value_unsafe();
#if LUA_VERSION_NUM >= 503
        lua_pushinteger(L, (lua_Integer)v);
#else
        lua_pushnumber(L, (lua_Number)v);
#endif
        return 1;
    }
    case element_type::UINT64: // above 2^63 - 1: a float, as strtod reads it
        lua_pushnumber(L, (lua_Number)e.get_uint64().value_unsafe());
        return 1;
    case element_type::DOUBLE:
        lmkL_json_push_double(L, e.get_double().value_unsafe());
        return 1;
    case element_type::STRING: {
        std::string_view v = e.get_string().value_unsafe();
        lua_pushlstring(L, v.data(), v.size());
        return 1;
    }
    case element_type::BOOL:
        lua_pushboolean(L, e.get_bool().value_unsafe() ? 1 : 0);
        return 1;
    case element_type::NULL_VALUE:
        lua_pushlightuserdata(L, NULL); // lua-cjson's cjson.null
        return 1;
    }
    return 0;
}

extern "C" int lmk_simd_push(lmk_simd *s, lua_State *L, lmk_json_keys *keys) {
    if (!s->parser || !lua_checkstack(L, 4)) return 0;
    return push_element(L, keys, s->parser->doc.root(), s->max_depth);
}
