/* l_engine.c -- lmskit.Engine userdata: core.engine(), core.new_engine(),
 * engine:step/wait/running/closed, and submitting Requests to it.
 *
 * An engine's uservalue is a table mapping each in-flight request (as a
 * light userdata key) to its Request userdata (l_request.c), so requests
 * stay alive while curl runs them and step() can hand finished ones back
 * to Lua. */
#include "binding.h"

/* Registry key of this state's default engine. */
static const char default_engine_key = 'e';

/* Frees the core engine once; shared by __gc, __close and close(). */
static int engine_destroy(lua_State *L) {
    lmk_engine_free(lmkL_take_box(L, 1, LMKL_ENGINE_TYPE));
    return 0;
}

/* The core engine of the open Engine at idx; anything else (a string,
 * another userdata, a closed engine) is a usage lmskit.Error. */
lmk_engine *lmkL_check_engine(lua_State *L, int idx) {
    lmkL_box *e = luaL_testudata(L, idx, LMKL_ENGINE_TYPE);
    if (!e) lmkL_usage(L, "an lmskit.Engine expected as engine, got %s",
                       luaL_typename(L, idx));
    if (!e->ptr) lmkL_usage(L, "the engine is closed");
    return e->ptr;
}

/* Pushes a new engine userdata. */
static void push_engine(lua_State *L) {
    lmkL_box *e = lmkL_new_box(L, LMKL_ENGINE_TYPE);
    lua_newtable(L);
    lua_setuservalue(L, -2);
    lmk_engine *engine = NULL;
    if (lmk_engine_new(&engine) != LMK_OK)
        lmkL_raise(L, LMK_NOMEM, 0, "cannot create the HTTP engine", NULL, NULL);
    e->ptr = engine;
}

/* Pushes this state's default engine (kept in the registry), creating
 * it on first use. */
void lmkL_default_engine(lua_State *L) {
    lua_rawgetp(L, LUA_REGISTRYINDEX, &default_engine_key);
    if (!lua_isnil(L, -1)) return;
    lua_pop(L, 1);
    push_engine(L);
    lua_pushvalue(L, -1);
    lua_rawsetp(L, LUA_REGISTRYINDEX, &default_engine_key);
}

/* core.engine(): this state's default engine.  core.new_engine(): another. */
int lmkL_engine(lua_State *L) {
    lmkL_default_engine(L);
    return 1;
}

/* core.new_engine(): an engine of its own. */
int lmkL_new_engine(lua_State *L) {
    push_engine(L);
    return 1;
}

/* Submits the Request at req_idx to the engine at engine_idx and records
 * it in the engine's in-flight table. */
void lmkL_submit(lua_State *L, int engine_idx, int req_idx) {
    lmk_engine *e = lmkL_check_engine(L, engine_idx);
    lmk_request *req = lmkL_to_request(L, req_idx);
    req_idx = lua_absindex(L, req_idx);
    if (lmk_engine_submit(e, req) != LMK_OK)
        luaL_argerror(L, req_idx, "request cannot be submitted twice");
    lua_getuservalue(L, engine_idx);
    lua_pushvalue(L, req_idx);
    lua_rawsetp(L, -2, req);
    lua_pop(L, 1);
}

/* Forgets a finished request in the engine's in-flight table. */
void lmkL_forget(lua_State *L, int engine_idx, lmk_request *req) {
    lua_getuservalue(L, engine_idx);
    lua_pushnil(L);
    lua_rawsetp(L, -2, req);
    lua_pop(L, 1);
}

/* engine:step([timeout_seconds]) -> array of finished Requests.  Never
 * blocks longer than the timeout (default 0: does not block). */
static int engine_step(lua_State *L) {
    lmk_engine *e = lmkL_check_engine(L, 1);
    lua_Number timeout = 0;
    if (!lua_isnoneornil(L, 2)) /* checked before the cast */
        timeout = lmkL_check_seconds(L, 2, "engine:step timeout", 0, 0);
    if (lmk_engine_step(e, (long)(timeout * 1000)) != LMK_OK)
        lmkL_raise(L, LMK_TRANSPORT, 0, "the HTTP engine failed", NULL, NULL);
    lua_newtable(L);
    lua_getuservalue(L, 1);
    lua_Integer n = 0;
    lmk_request *done;
    while ((done = lmk_engine_next_done(e))) {
        lua_rawgetp(L, -1, done);
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            continue;
        }
        lua_rawseti(L, -3, ++n);
        lua_pushnil(L);
        lua_rawsetp(L, -2, done);
    }
    lua_pop(L, 1);
    return 1;
}

/* engine:wait(seconds): pauses up to seconds while transfers keep
 * moving; returns early when one finishes.  Callers loop on core.now(). */
static int engine_wait(lua_State *L) {
    lmk_engine *e = lmkL_check_engine(L, 1);
    lua_Number seconds = lmkL_check_seconds(L, 2, "engine:wait", 0, 0);
    if (lmk_engine_wait(e, (long)(seconds * 1000)) != LMK_OK)
        lmkL_raise(L, LMK_TRANSPORT, 0, "the HTTP engine failed", NULL, NULL);
    return 0;
}

/* engine:running() -> number of requests in flight. */
static int engine_running(lua_State *L) {
    lmk_engine *e = lmkL_check_engine(L, 1);
    lua_pushinteger(L, (lua_Integer)lmk_engine_running(e));
    return 1;
}

/* engine:budget(n): at most n submitted requests start their transfer
 * (connection, TLS handshake) in one step or wait; 0 starts all at once. */
static int engine_budget(lua_State *L) {
    lmk_engine *e = lmkL_check_engine(L, 1);
    lua_Integer n;
    if (!lmkL_to_integer(L, 2, &n) || n < 0)
        lmkL_usage(L, "engine:budget(n): n must be an integer >= 0");
    lmk_engine_set_budget(e, (size_t)n);
    return 0;
}

/* engine:waiting() -> requests submitted and waiting for a step's budget. */
static int engine_waiting(lua_State *L) {
    lmk_engine *e = lmkL_check_engine(L, 1);
    lua_pushinteger(L, (lua_Integer)lmk_engine_waiting(e));
    return 1;
}

/* engine:closed() -> true once close() (or __close) freed it. */
static int engine_closed(lua_State *L) {
    lua_pushboolean(L, lmkL_box_object(L, 1, LMKL_ENGINE_TYPE) == NULL);
    return 1;
}

/* tostring(engine): "lmskit.Engine (n running)" or "(closed)". */
static int engine_tostring(lua_State *L) {
    lmk_engine *e = lmkL_box_object(L, 1, LMKL_ENGINE_TYPE);
    if (e)
        lua_pushfstring(L, "lmskit.Engine (%d running)", (int)lmk_engine_running(e));
    else
        lua_pushliteral(L, "lmskit.Engine (closed)");
    return 1;
}

/* Registers the lmskit.Engine metatable (core.engine and new_engine:
 * lmskit_core.c). */
void lmkL_open_engine(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"step", engine_step},
        {"running", engine_running},
        {"budget", engine_budget},
        {"waiting", engine_waiting},
        {"closed", engine_closed},
        {"wait", engine_wait},
        {NULL, NULL},
    };
    lmkL_create_meta(L, LMKL_ENGINE_TYPE, methods, engine_destroy, engine_tostring);
}
