/* l_request.c -- lmskit.Request userdata: one HTTP request, made by a
 * Client (l_client.c) and run by an Engine (l_engine.c), with :done(),
 * :result() and :close().  A request's uservalue table keeps its client
 * alive (the core request borrows the client). */
#include "binding.h"

/* Frees the core request once; shared by __gc, __close and close(). */
static int request_destroy(lua_State *L) {
    lmk_request_free(lmkL_take_box(L, 1, LMKL_REQUEST_TYPE));
    return 0;
}

/* The core request of the open Request at idx; a closed one is an
 * argument error. */
lmk_request *lmkL_to_request(lua_State *L, int idx) {
    return lmkL_check_box(L, idx, LMKL_REQUEST_TYPE, "request");
}

/* Pushes a Request userdata taking ownership of req (NULL: given later
 * by lmkL_set_request); the value at client_idx is kept alive by it. */
void lmkL_push_request(lua_State *L, lmk_request *req, int client_idx) {
    client_idx = lua_absindex(L, client_idx);
    lmkL_new_box(L, LMKL_REQUEST_TYPE)->ptr = req;
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, client_idx);
    lua_setfield(L, -2, "client");
    lua_setuservalue(L, -2);
}

/* Gives the Request userdata at idx (made with a NULL request) its core
 * request, which it owns from then on. */
void lmkL_set_request(lua_State *L, int idx, lmk_request *req) {
    lmkL_box *r = luaL_checkudata(L, idx, LMKL_REQUEST_TYPE);
    r->ptr = req;
}

/* Frees the core request of the Request at idx now (its easy handle,
 * request and response buffers), as __gc would later: result() calls it
 * once the outcome is on the Lua stack, so a long job's memory does not
 * wait for the collector, which cannot see it.  The Request is closed. */
void lmkL_release_request(lua_State *L, int idx) {
    lmkL_to_request(L, idx); /* raises when it is closed */
    lmk_request_free(lmkL_take_box(L, idx, LMKL_REQUEST_TYPE));
}

/* request:done() -> true once the response (or a failure) is in. */
static int request_done(lua_State *L) {
    lua_pushboolean(L, lmk_request_done(lmkL_to_request(L, 1)));
    return 1;
}

/* tostring(request): "lmskit.Request", "(done)" or "(closed)". */
static int request_tostring(lua_State *L) {
    lmk_request *r = lmkL_box_object(L, 1, LMKL_REQUEST_TYPE);
    lua_pushstring(L, !r ? "lmskit.Request (closed)"
                      : lmk_request_done(r) ? "lmskit.Request (done)"
                                            : "lmskit.Request");
    return 1;
}

/* Registers the lmskit.Request metatable (result() lives in l_client.c). */
void lmkL_open_request(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"done", request_done},
        {"result", lmkL_request_result},
        {NULL, NULL},
    };
    lmkL_create_meta(L, LMKL_REQUEST_TYPE, methods, request_destroy, request_tostring);
}
