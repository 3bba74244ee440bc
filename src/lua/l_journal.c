/* l_journal.c -- lmskit.Journal: core.journal_open(path) -> journal with
 * :append(record), :sync() and :close(); and core.isatty(fd). */
#include "binding.h"

#define LMK_JOURNAL_TYPE "lmskit.Journal"

typedef struct l_journal {
    lmk_journal *journal;
} l_journal;

static int journal_destroy(lua_State *L) {
    l_journal *j = luaL_checkudata(L, 1, LMK_JOURNAL_TYPE);
    if (j->journal) {
        lmk_journal_close(j->journal);
        j->journal = NULL;
    }
    return 0;
}

static lmk_journal *check_journal(lua_State *L) {
    l_journal *j = luaL_checkudata(L, 1, LMK_JOURNAL_TYPE);
    if (!j->journal) luaL_argerror(L, 1, "journal is closed");
    return j->journal;
}

static int l_journal_open(lua_State *L) {
    const char *path = lmk_check_cstring(L, 1, "journal path");
    l_journal *j = lua_newuserdata(L, sizeof *j);
    j->journal = NULL;
    luaL_setmetatable(L, LMK_JOURNAL_TYPE);
    const char *why = NULL;
    if (lmk_journal_open(path, &j->journal, &why) != LMK_OK) {
        lua_pushfstring(L, "journal %s: %s", path, why ? why : "cannot open");
        return lmk_raise(L, LMK_USAGE, 0, lua_tostring(L, -1), NULL, NULL);
    }
    return 1;
}

/* journal:append(record): one line, written through to the kernel. */
static int journal_append(lua_State *L) {
    lmk_journal *j = check_journal(L);
    size_t len;
    const char *record = luaL_checklstring(L, 2, &len);
    lmk_kind k = lmk_journal_append(j, record, len);
    if (k == LMK_USAGE) return luaL_argerror(L, 2, "a record may not contain a newline");
    if (k != LMK_OK) return lmk_raise(L, k, 0, "cannot write the journal", NULL, NULL);
    return 0;
}

/* journal:sync(): records so far survive a power loss. */
static int journal_sync(lua_State *L) {
    if (lmk_journal_sync(check_journal(L)) != LMK_OK)
        return lmk_raise(L, LMK_TRANSPORT, 0, "cannot sync the journal", NULL, NULL);
    return 0;
}

static int journal_tostring(lua_State *L) {
    l_journal *j = luaL_checkudata(L, 1, LMK_JOURNAL_TYPE);
    lua_pushstring(L, j->journal ? "lmskit.Journal" : "lmskit.Journal (closed)");
    return 1;
}

/* core.isatty(fd) -> true when fd is a terminal. */
static int l_isatty(lua_State *L) {
    lua_pushboolean(L, lmk_isatty((int)lmk_check_integer(L, 1, "fd", 0, 65535)));
    return 1;
}

/* core.file_mode(path) -> permission bits (e.g. 384 for 0600), or nil. */
static int l_file_mode(lua_State *L) {
    int mode = lmk_file_mode(lmk_check_cstring(L, 1, "path"));
    if (mode < 0) lua_pushnil(L);
    else lua_pushinteger(L, mode);
    return 1;
}

void lmk_open_journal(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"append", journal_append},
        {"sync", journal_sync},
        {NULL, NULL},
    };
    lmk_create_meta(L, LMK_JOURNAL_TYPE, methods, journal_destroy, journal_tostring);
    lua_pushcfunction(L, l_journal_open);
    lua_setfield(L, -2, "journal_open");
    lua_pushcfunction(L, l_isatty);
    lua_setfield(L, -2, "isatty");
    lua_pushcfunction(L, l_file_mode);
    lua_setfield(L, -2, "file_mode");
}
