/* l_csv.c -- lmskit.CsvReader: core.csv_open(path) -> reader whose
 * :next() returns the next record as an array of strings (nil at the
 * end) and :line() the line it starts on; core.utf8_invalid(s).  Errors
 * raise lmskit.Error with kind "decode" (or "usage" when the file cannot
 * be opened). */
#include <csv.h>

#include "binding.h"

#define LMKL_CSV_TYPE "lmskit.CsvReader"

/* Closes the core reader once; shared by __gc, __close and close(). */
static int csv_destroy(lua_State *L) {
    lmk_csv *c = lmkL_take_box(L, 1, LMKL_CSV_TYPE);
    if (c) lmk_csv_close(c);
    return 0;
}

/* core.csv_open(path) -> an lmskit.CsvReader. */
int lmkL_csv_open(lua_State *L) {
    const char *path = lmkL_check_cstring(L, 1, "CSV path");
    lmkL_box *box = lmkL_new_box(L, LMKL_CSV_TYPE);
    lmk_csv *c = NULL;
    const char *why = NULL;
    lmk_kind k = lmk_csv_open(path, &c, &why);
    if (k != LMK_OK) {
        lua_pushfstring(L, "%s: %s", path, why ? why : "cannot open");
        return lmkL_raise(L, k, 0, lua_tostring(L, -1), NULL, NULL);
    }
    box->ptr = c;
    return 1;
}

/* reader:next() -> { field, ... } or nil at the end. */
static int csv_next(lua_State *L) {
    lmk_csv *c = lmkL_check_box(L, 1, LMKL_CSV_TYPE, "reader");
    size_t n;
    const char *const *fields;
    const size_t *lengths;
    const char *why = NULL;
    int r = lmk_csv_next(c, &n, &fields, &lengths, &why);
    if (r < 0) {
        lua_pushfstring(L, "line %d: %s", (int)lmk_csv_line(c), why);
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
    lmk_csv *c = lmkL_box_object(L, 1, LMKL_CSV_TYPE);
    lua_pushinteger(L, c ? (lua_Integer)lmk_csv_record_number(c) : 0);
    return 1;
}

/* reader:line() -> the line the record last read starts on (after an
 * error: the line it was found on). */
static int csv_line(lua_State *L) {
    lmk_csv *c = lmkL_box_object(L, 1, LMKL_CSV_TYPE);
    lua_pushinteger(L, c ? (lua_Integer)lmk_csv_line(c) : 0);
    return 1;
}

/* core.csv_quote(s) -> s as one CSV field, always quoted (libcsv). */
int lmkL_csv_quote(lua_State *L) {
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
int lmkL_utf8_invalid(lua_State *L) {
    size_t len;
    const char *s = luaL_checklstring(L, 1, &len);
    size_t at = lmk_utf8_invalid(s, len);
    if (at == 0) return 0;
    lua_pushinteger(L, (lua_Integer)at);
    return 1;
}

/* Registers the lmskit.CsvReader metatable (core.csv_open, csv_quote and
 * utf8_invalid: lmskit_core.c). */
void lmkL_open_csv(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"next", csv_next},
        {"number", csv_number},
        {"line", csv_line},
        {NULL, NULL},
    };
    lmkL_create_meta(L, LMKL_CSV_TYPE, methods, csv_destroy, NULL);
}
