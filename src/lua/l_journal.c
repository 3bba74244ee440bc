/* l_journal.c -- lmskit.Journal: core.journal_open(path) -> journal with
 * :append(record), :sync() and :close() (and what it holds). */
#include "binding.h"

#define LMKL_JOURNAL_TYPE "lmskit.Journal"

/* Closes the core journal once; shared by __gc, __close and close(). */
static int journal_destroy(lua_State *L) {
    lmk_journal *j = lmkL_take_box(L, 1, LMKL_JOURNAL_TYPE);
    if (j) lmk_journal_close(j);
    return 0;
}

/* The open journal at 1; a closed one is an argument error. */
static lmk_journal *check_journal(lua_State *L) {
    return lmkL_check_box(L, 1, LMKL_JOURNAL_TYPE, "journal");
}

/* core.journal_open(path) -> journal, content, torn: the journal locked
 * for this job, the records it holds (whole lines), and how many bytes
 * of a torn last line were cut off (0: none).  A journal in use by
 * another job raises a usage error naming it and the pid holding it. */
int lmkL_journal_open(lua_State *L) {
    const char *path = lmkL_check_cstring(L, 1, "journal path");
    lmkL_box *j = lmkL_new_box(L, LMKL_JOURNAL_TYPE);
    const char *why = NULL;
    size_t torn = 0;
    long holder = 0;
    lmk_buf content;
    lmk_buf_init(&content);
    lmk_journal *journal = NULL;
    lmk_kind k = lmk_journal_open(path, &content, &torn, &holder, &journal, &why);
    if (k != LMK_OK) {
        lmk_buf_free(&content);
        if (holder > 0)
            lua_pushfstring(L, "journal %s: %s (pid %d); wait for it to finish or use another journal",
                            path, why, (int)holder);
        else
            lua_pushfstring(L, "journal %s: %s", path, why ? why : "cannot open");
        return lmkL_raise(L, k == LMK_NOMEM ? LMK_NOMEM : LMK_USAGE, 0, lua_tostring(L, -1), NULL,
                          NULL);
    }
    j->ptr = journal;
    lua_pushlstring(L, content.data ? content.data : "", content.len);
    lmk_buf_free(&content);
    lua_pushinteger(L, (lua_Integer)torn);
    return 3;
}

/* journal:append(record): one line, written through to the kernel. */
static int journal_append(lua_State *L) {
    lmk_journal *j = check_journal(L);
    size_t len;
    const char *record = luaL_checklstring(L, 2, &len);
    lmk_kind k = lmk_journal_append(j, record, len);
    if (k == LMK_USAGE) return luaL_argerror(L, 2, "a record may not contain a newline");
    if (k != LMK_OK) return lmkL_raise(L, k, 0, "cannot write the journal", NULL, NULL);
    return 0;
}

/* journal:sync(): records so far survive a power loss. */
static int journal_sync(lua_State *L) {
    if (lmk_journal_sync(check_journal(L)) != LMK_OK)
        return lmkL_raise(L, LMK_TRANSPORT, 0, "cannot sync the journal", NULL, NULL);
    return 0;
}

/* Registers the lmskit.Journal metatable (core.journal_open:
 * lmskit_core.c). */
void lmkL_open_journal(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"append", journal_append},
        {"sync", journal_sync},
        {NULL, NULL},
    };
    lmkL_create_meta(L, LMKL_JOURNAL_TYPE, methods, journal_destroy, NULL);
}
