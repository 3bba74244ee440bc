/* l_csv.c -- lmskit.CsvReader: core.csv_open(path) -> reader whose
 * :next() returns the next record as an array of strings (nil at the
 * end) and :line() the line it starts on; core.utf8_invalid(s).  Errors
 * raise lmskit.Error with kind "decode" (or "usage" when the file cannot
 * be opened). */
#include <csv.h>

#include "binding.h"

#define LMKL_CSV_TYPE "lmskit.CsvReader"

/* The userdata: the core reader it owns (NULL once closed). */
typedef struct l_csv {
    lmk_csv *csv;
} l_csv;

/* Closes the core reader once; shared by __gc, __close and close(). */
static int csv_destroy(lua_State *L) {
    l_csv *c = luaL_checkudata(L, 1, LMKL_CSV_TYPE);
    if (c->csv) {
        lmk_csv_close(c->csv);
        c->csv = NULL;
    }
    return 0;
}

/* core.csv_open(path) -> an lmskit.CsvReader. */
static int l_csv_open(lua_State *L) {
    const char *path = lmkL_check_cstring(L, 1, "CSV path");
    l_csv *c = lua_newuserdata(L, sizeof *c);
    c->csv = NULL;
    luaL_setmetatable(L, LMKL_CSV_TYPE);
    const char *why = NULL;
    lmk_kind k = lmk_csv_open(path, &c->csv, &why);
    if (k != LMK_OK) {
        lua_pushfstring(L, "%s: %s", path, why ? why : "cannot open");
        return lmkL_raise(L, k, 0, lua_tostring(L, -1), NULL, NULL);
    }
    return 1;
}

/* reader:next() -> { field, ... } or nil at the end. */
static int csv_next(lua_State *L) {
    l_csv *c = luaL_checkudata(L, 1, LMKL_CSV_TYPE);
    if (!c->csv) return luaL_argerror(L, 1, "reader is closed");
    size_t n;
    const char *const *fields;
    const size_t *lengths;
    const char *why = NULL;
    int r = lmk_csv_next(c->csv, &n, &fields, &lengths, &why);
    if (r < 0) {
        lua_pushfstring(L, "line %d: %s", (int)lmk_csv_line(c->csv), why);
        return lmkL_raise(L, LMK_DECODE, 0, lua_tostring(L, -1), NULL, NULL);
    }
    if (r == 0) return 0;
    lua_createtable(L, (int)n, 0);
    for (size_t i = 0; i < n; i++) {
        lua_pushlstring(L, fields[i], lengths[i]);
        lua_rawseti(L, -2, (lua_Integer)i + 1);
    }
    return 1;
}

/* reader:number() -> records read so far (1 for the header). */
static int csv_number(lua_State *L) {
    l_csv *c = luaL_checkudata(L, 1, LMKL_CSV_TYPE);
    lua_pushinteger(L, c->csv ? (lua_Integer)lmk_csv_record_number(c->csv) : 0);
    return 1;
}

/* reader:line() -> the line the record last read starts on (after an
 * error: the line it was found on). */
static int csv_line(lua_State *L) {
    l_csv *c = luaL_checkudata(L, 1, LMKL_CSV_TYPE);
    lua_pushinteger(L, c->csv ? (lua_Integer)lmk_csv_line(c->csv) : 0);
    return 1;
}

/* tostring(reader): "lmskit.CsvReader" or "(closed)". */
static int csv_tostring(lua_State *L) {
    l_csv *c = luaL_checkudata(L, 1, LMKL_CSV_TYPE);
    lua_pushstring(L, c->csv ? "lmskit.CsvReader" : "lmskit.CsvReader (closed)");
    return 1;
}

/* core.csv_quote(s) -> s as one CSV field, always quoted (libcsv). */
static int l_csv_quote(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    size_t need = csv_write(NULL, 0, s, len);
    luaL_Buffer b;
    char *out = luaL_buffinitsize(L, &b, need);
    csv_write(out, need, s, len);
    luaL_pushresultsize(&b, need);
    return 1;
}

/* core.utf8_invalid(s) -> nil when s is UTF-8, else the (1-based)
 * position of the first byte that is not. */
static int l_utf8_invalid(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    size_t at = lmk_utf8_invalid(s, len);
    if (at == 0) return 0;
    lua_pushinteger(L, (lua_Integer)at);
    return 1;
}

/* Registers the lmskit.CsvReader metatable, csv_open, csv_quote and
 * utf8_invalid. */
void lmkL_open_csv(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"next", csv_next},
        {"number", csv_number},
        {"line", csv_line},
        {NULL, NULL},
    };
    lmkL_create_meta(L, LMKL_CSV_TYPE, methods, csv_destroy, csv_tostring);
    lua_pushcfunction(L, l_csv_open);
    lua_setfield(L, -2, "csv_open");
    lua_pushcfunction(L, l_csv_quote);
    lua_setfield(L, -2, "csv_quote");
    lua_pushcfunction(L, l_utf8_invalid);
    lua_setfield(L, -2, "utf8_invalid");
}
