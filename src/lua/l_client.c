/* l_client.c -- lmskit.Client: one vendor origin (core lmk_client) bound
 * to an engine.  Builds requests from Lua specs, runs them blocking or
 * submitted, and turns outcomes into results or lmskit.Error values with
 * every secret redacted. */
#include <ctype.h>
#include <string.h>

#include "binding.h"

/* Frees the core client once; shared by __gc, __close and close(). */
static int client_destroy(lua_State *L) {
    lmk_client_free(lmkL_take_box(L, 1, LMKL_CLIENT_TYPE));
    return 0;
}

/* The open Client at idx; a closed one is an argument error. */
static lmk_client *check_client(lua_State *L, int idx) {
    return lmkL_check_box(L, idx, LMKL_CLIENT_TYPE, "client");
}

/* The core client of the open Client at idx (l_cursor.c follows links). */
lmk_client *lmkL_check_client(lua_State *L, int idx) { return check_client(L, idx); }

/* Redacts len bytes of text with the client's secrets and pushes the
 * result.  For an error (escape), control characters are escaped first
 * (\r, \n, \xNN: a server cannot forge a log line), and the escaped text
 * is what gets redacted, so nothing escaping makes can form a secret. */
static const char *push_redacted_len(lua_State *L, lmk_client *c,
                                     const char *s, size_t len, int escape) {
    lmk_buf escaped, out;
    lmk_buf_init_secret(&escaped);
    lmk_buf_init(&out);
    lmk_kind k = LMK_OK;
    if (escape) {
        k = lmk_escape_controls(&escaped, s, len);
        s = escaped.data ? escaped.data : "";
        len = escaped.len;
    }
    if (k == LMK_OK) k = lmk_client_redact(c, s, len, &out);
    lmk_buf_free(&escaped);
    if (k != LMK_OK) {
        lmk_buf_free(&out);
        lua_pushliteral(L, "[REDACTED]");
    } else {
        lua_pushlstring(L, out.data ? out.data : "", out.len);
        lmk_buf_free(&out);
    }
    return lua_tostring(L, -1);
}

/* Redacts (and escapes) a C string for an error; nil for NULL. */
static const char *push_redacted(lua_State *L, lmk_client *c, const char *s) {
    if (!s) {
        lua_pushnil(L);
        return NULL;
    }
    return push_redacted_len(L, c, s, strlen(s), 1);
}

/* Redacts (and escapes) len bytes of s for an error; nil for NULL. */
static const char *push_redacted_text(lua_State *L, lmk_client *c,
                                      const char *s, size_t len) {
    if (!s) {
        lua_pushnil(L);
        return NULL;
    }
    return push_redacted_len(L, c, s, len, 1);
}

/* Raises an Error whose message and url pass through redaction. */
static int raise_redacted(lua_State *L, lmk_client *c, lmk_kind kind,
                          long status, const char *message, const char *method,
                          const char *url) {
    const char *m = push_redacted(L, c, message);
    const char *u = push_redacted(L, c, url);
    return lmkL_raise(L, kind, status, m, method, u);
}

/* Reads an optional string field of the table at idx.  The value is left
 * on the stack (the caller's lua_settop drops it): a field made by an
 * __index metamethod is referenced by nothing else, and its text must
 * stay alive while C uses it.  A NUL inside is refused (C would cut the
 * string short there). */
static const char *opt_string_field(lua_State *L, int idx, const char *name) {
    luaL_checkstack(L, 2, "options");
    lua_getfield(L, idx, name);
    if (lua_isnil(L, -1)) return NULL;
    size_t len;
    if (lua_type(L, -1) != LUA_TSTRING)
        lmkL_usage(L, "option '%s' must be a string", name);
    const char *s = lua_tolstring(L, -1, &len);
    if (strlen(s) != len)
        lmkL_usage(L, "option '%s' may not contain a NUL byte", name);
    return s;
}

/* Reads an optional text field (a server's message: a NUL inside is
 * kept, and escaped later), left on the stack like opt_string_field;
 * nil pushes nil and returns NULL. */
static const char *opt_text_field(lua_State *L, int idx, const char *name,
                                  size_t *len) {
    luaL_checkstack(L, 2, "options");
    lua_getfield(L, idx, name);
    *len = 0;
    if (lua_isnil(L, -1)) return NULL;
    if (lua_type(L, -1) != LUA_TSTRING)
        lmkL_usage(L, "field '%s' must be a string", name);
    return lua_tolstring(L, -1, len);
}

/* Redacts (and escapes) a text field read by opt_text_field; nil for NULL. */
static const char *push_redacted_text(lua_State *L, lmk_client *c,
                                      const char *s, size_t len);

/* Reads an optional duration in seconds as milliseconds (0: default):
 * a positive finite number no larger than LMKL_MAX_SECONDS, checked
 * before the conversion (casting NaN or 1e300 is undefined). */
static long opt_ms_field(lua_State *L, int idx, const char *name) {
    lua_getfield(L, idx, name);
    long ms = 0;
    if (!lua_isnil(L, -1)) {
        lua_pushfstring(L, "option '%s'", name);
        lua_Number s = lmkL_check_seconds(L, -2, lua_tostring(L, -1), 0, 1);
        lua_pop(L, 1);
        ms = (long)(s * 1000);
        if (ms < 1) ms = 1;
    }
    lua_pop(L, 1);
    return ms;
}

/* The boolean t[name] of the table at idx; dflt when absent. */
static int opt_bool_field(lua_State *L, int idx, const char *name, int dflt) {
    lua_getfield(L, idx, name);
    int v = lua_isnil(L, -1) ? dflt : lua_toboolean(L, -1);
    lua_pop(L, 1);
    return v;
}

/* The auth strategy named name; an unknown one raises usage. */
static lmk_auth_kind auth_kind(lua_State *L, const char *name) {
    static const char *const names[] = {"none", "bearer", "token", "basic",
                                        "query", NULL};
    for (int i = 0; names[i]; i++)
        if (strcmp(name, names[i]) == 0) return (lmk_auth_kind)i;
    lmkL_usage(L, "unknown auth strategy '%s'", name);
    return LMK_AUTH_NONE;
}

/* core.client{ base_url=, auth=, secret=, user=, param=, ca_file=,
 *              user_agent=, proxy=, proxy_from_env=, max_response_size=,
 *              timeout=, connect_timeout=, http2=, allow_http_loopback=,
 *              secrets={...}, engine= } */
int lmkL_client_new(lua_State *L) {
    luaL_checktype(L, 1, LUA_TTABLE);
    lua_settop(L, 1);
    luaL_checkstack(L, 24, "options");
    lmk_client_opts o;
    memset(&o, 0, sizeof o);
    /* each string stays on the stack (opt_string_field) until the core
     * client has copied it */
    o.base_url = opt_string_field(L, 1, "base_url");
    const char *auth = opt_string_field(L, 1, "auth");
    o.auth = auth ? auth_kind(L, auth) : LMK_AUTH_NONE;
    o.secret = opt_string_field(L, 1, "secret");
    o.user = opt_string_field(L, 1, "user");
    o.param = opt_string_field(L, 1, "param");
    o.ca_file = opt_string_field(L, 1, "ca_file");
    o.user_agent = opt_string_field(L, 1, "user_agent");
    o.proxy = opt_string_field(L, 1, "proxy");
    o.timeout_ms = opt_ms_field(L, 1, "timeout");
    o.connect_timeout_ms = opt_ms_field(L, 1, "connect_timeout");
    o.http_version = opt_bool_field(L, 1, "http2", 1) ? 0 : 1;
    o.allow_http_loopback = opt_bool_field(L, 1, "allow_http_loopback", 0);
    o.proxy_from_env = opt_bool_field(L, 1, "proxy_from_env", 0);
    lua_getfield(L, 1, "max_response_size");
    if (!lua_isnil(L, -1)) /* bytes, checked before the cast */
        o.max_response = (size_t)lmkL_check_integer(
            L, -1, "option 'max_response_size'", 1, (lua_Integer)1 << 53);
    lua_pop(L, 1);
    lua_getfield(L, 1, "engine");
    if (lua_isnil(L, -1)) {
        lua_pop(L, 1);
        lmkL_default_engine(L);
    } else {
        lmkL_check_engine(L, -1);
    }
    int engine_idx = lua_gettop(L);

    lmkL_box *box = lmkL_new_box(L, LMKL_CLIENT_TYPE);
    lua_createtable(L, 0, 1);
    lua_pushvalue(L, engine_idx);
    lua_setfield(L, -2, "engine");
    lua_setuservalue(L, -2);

    const char *why = NULL;
    lmk_client *c = NULL;
    lmk_kind k = lmk_client_new(&o, &c, &why);
    if (k != LMK_OK) {
        /* the message names the problem, never the secret */
        return lmkL_raise(L, k, 0, why, NULL, NULL);
    }
    box->ptr = c;
    lua_getfield(L, 1, "secrets");
    if (lua_type(L, -1) == LUA_TTABLE) {
        for (int i = 1;; i++) {
            lua_rawgeti(L, -1, i);
            if (lua_isnil(L, -1)) {
                lua_pop(L, 1);
                break;
            }
            if (lua_type(L, -1) == LUA_TSTRING &&
                lmk_client_add_secret(
                    c, lmkL_check_cstring(L, -1, "a secret")) != LMK_OK)
                return lmkL_raise(L, LMK_NOMEM, 0, "out of memory", NULL, NULL);
            lua_pop(L, 1);
        }
    }
    lua_pop(L, 1);
    return 1;
}

/* Pushes the target (path or absolute url, plus query) of a spec. */
static void push_target(lua_State *L, int spec) {
    lua_getfield(L, spec, "url");
    if (!lua_isnil(L, -1)) {
        lmkL_check_cstring(L, -1, "url");
    } else {
        lua_pop(L, 1);
        const char *route = opt_string_field(L, spec, "path");
        if (!route) lmkL_usage(L, "a request needs a path or a url");
        int route_idx = lua_gettop(L);
        lua_getfield(L, spec, "params");
        if (lua_isnil(L, -1)) {
            lua_pop(L, 1);
            lua_newtable(L);
        }
        lmk_buf path;
        lmk_buf_init(&path);
        lmkL_expand_route(L, route, -1, &path);
        lua_settop(L, route_idx - 1); /* the params table and the route */
        lua_pushlstring(L, path.data ? path.data : "", path.len);
        lmk_buf_free(&path);
    }
    lua_getfield(L, spec, "query");
    if (lua_type(L, -1) == LUA_TTABLE) {
        lmk_buf q;
        lmk_buf_init_secret(&q);
        lmkL_encode_table(L, -1, &q);
        lua_pop(L, 1);
        if (q.len) {
            lua_pushstring(L, strchr(lua_tostring(L, -1), '?') ? "&" : "?");
            lua_pushlstring(L, q.data, q.len);
            lua_concat(L, 3);
        }
        lmk_buf_free(&q);
    } else {
        lua_pop(L, 1);
    }
}

/* Reads the spec's optional `timeout` (seconds, this attempt only: what
 * is left of a call's deadline) as milliseconds, 0 when absent; anything
 * but a finite number above 0 is a usage error. */
static long attempt_timeout_ms(lua_State *L, int spec) {
    lua_getfield(L, spec, "timeout");
    long ms = 0;
    if (!lua_isnil(L, -1)) {
        lua_Number s = lua_type(L, -1) == LUA_TNUMBER ? lua_tonumber(L, -1) : -1;
        if (!(s > 0 && s < 1e9))
            lmkL_raise(L, LMK_USAGE, 0, "a request's timeout must be a positive number of seconds",
                       NULL, NULL);
        ms = (long)(s * 1000);
        if (ms < 1) ms = 1;
    }
    lua_pop(L, 1);
    return ms;
}

/* Builds a core request from a spec table:
 *   { method=, path=, params=, url=, query=, body=, content_type=,
 *     form=, headers={ "Name: value", ... }, once=, timeout= }
 * and pushes it as a Request userdata (not yet submitted). */
static lmk_request *build_request(lua_State *L, int client_idx, int spec) {
    lmk_client *c = check_client(L, client_idx);
    luaL_checktype(L, spec, LUA_TTABLE);
    luaL_checkstack(L, 12, "request");
    lmk_request_opts o;
    memset(&o, 0, sizeof o);
    /* strings read here stay on the stack until lua_settop(L, spec) */
    o.method = opt_string_field(L, spec, "method");
    if (!o.method) o.method = "GET";
    o.once = opt_bool_field(L, spec, "once", 0);
    o.timeout_ms = attempt_timeout_ms(L, spec);
    push_target(L, spec);
    o.target = lua_tostring(L, -1);

    lua_getfield(L, spec, "form");
    if (lua_type(L, -1) == LUA_TTABLE) {
        lmk_buf form;
        lmk_buf_init_secret(&form); /* a form may carry a password */
        lmkL_encode_table(L, -1, &form);
        lua_pop(L, 1);
        lua_pushlstring(L, form.data ? form.data : "", form.len);
        lmk_buf_free(&form);
        o.content_type = "application/x-www-form-urlencoded";
    } else {
        lua_pop(L, 1);
        lua_getfield(L, spec, "body");
        if (!lua_isnil(L, -1) && lua_type(L, -1) != LUA_TSTRING)
            lmkL_usage(L, "request body must be a string");
        int body_idx = lua_gettop(L);
        o.content_type = opt_string_field(L, spec, "content_type");
        lua_pushvalue(L, body_idx); /* the body back on top */
    }
    if (lua_type(L, -1) == LUA_TSTRING) o.body = lua_tolstring(L, -1, &o.body_len);

    lua_getfield(L, spec, "headers");
    const char **lines = NULL;
    if (lua_type(L, -1) == LUA_TTABLE) {
        size_t n = (size_t)lua_rawlen(L, -1);
        lines = lua_newuserdata(L, (n ? n : 1) * sizeof *lines);
        for (size_t i = 0; i < n; i++) {
            lua_rawgeti(L, -2, (lua_Integer)i + 1);
            if (lua_type(L, -1) != LUA_TSTRING)
                lmkL_usage(L, "headers must be 'Name: value' strings");
            lines[i] = lmkL_check_cstring(L, -1, "a header");
            lua_pop(L, 1); /* kept alive by the headers table (a raw get) */
        }
        o.headers = lines;
        o.nheaders = n;
    }
    /* the Request userdata exists before the core request, so a raise
     * (out of memory) can never leave the core request unowned */
    lmkL_push_request(L, NULL, client_idx);
    int req_idx = lua_gettop(L);
    lua_getuservalue(L, req_idx);
    lua_pushstring(L, o.method);
    lua_setfield(L, -2, "method");
    lua_pop(L, 1);
    lmk_request *req = NULL;
    const char *why = NULL;
    lmk_kind k = lmk_request_new(c, &o, &req, &why);
    if (k != LMK_OK)
        raise_redacted(L, c, k, 0, why, o.method, o.target);
    lmkL_set_request(L, req_idx, req);
    lua_replace(L, spec + 1); /* the strings read above are no longer used */
    lua_settop(L, spec + 1);
    return req;
}

/* client:submit(spec) -> Request, already running on the client's engine. */
static int client_submit(lua_State *L) {
    build_request(L, 1, 2);
    lua_getuservalue(L, 1);
    lua_getfield(L, -1, "engine");
    lmkL_submit(L, -1, -3);
    lua_pop(L, 2);
    return 1;
}

/* request:result() -> status, body, headers (an lmskit.Headers, read by
 * name: l_headers.c); a failure raises an
 * lmskit.Error redacted with the client's secrets (hence here).  Read
 * once: the request's C resources are freed then and it is closed. */
int lmkL_request_result(lua_State *L) {
    lmk_request *r = lmkL_to_request(L, 1);
    if (!lmk_request_done(r)) luaL_argerror(L, 1, "request has not finished");
    const char *detail = NULL;
    lmk_kind k = lmk_request_outcome(r, &detail);
    if (k != LMK_OK) {
        lua_getuservalue(L, 1);
        lua_getfield(L, -1, "client");
        lmk_client *c = check_client(L, -1);
        lua_getfield(L, -2, "method");
        const char *method = lua_tostring(L, -1);
        const char *m = push_redacted(L, c, detail);
        const char *u = push_redacted(L, c, lmk_request_url(r));
        /* a status is known when the body was refused (too large) */
        lmkL_push_error(L, k, lmk_request_status(r), m, method, u);
        /* sent = false: it surely never left (safe to send again);
         * sent = "unknown": it went out and no answer came, so it may
         * have taken effect (a write is settled, never blindly re-sent) */
        if (lmk_request_maybe_sent(r)) lua_pushliteral(L, "unknown");
        else lua_pushboolean(L, 0);
        lua_setfield(L, -2, "sent");
        /* stale = true: a kept-alive connection closed as it was reused
         * (the Lua layer may send it once more: lmskit.retry.reconnects) */
        if (lmk_request_stale(r)) {
            lua_pushboolean(L, 1);
            lua_setfield(L, -2, "stale");
        }
        lmkL_release_request(L, 1); /* its outcome is read: freed now */
        return lua_error(L);
    }
    size_t len;
    const char *body = lmk_request_body(r, &len);
    lua_pushinteger(L, (lua_Integer)lmk_request_status(r));
    lua_pushlstring(L, body, len);
    const char *block = lmk_request_header_block(r, &len);
    lmkL_push_headers(L, block, len);
    lmkL_release_request(L, 1); /* its outcome is read: freed now */
    return 3;
}

/* client:request(spec) -> status, body, headers.  Blocks until the
 * response, driving the engine (other requests advance too).  HTTP error
 * statuses are returned, not raised: the Lua layer reads the vendor's
 * message first.  Transport failures raise lmskit.Error. */
static int client_request(lua_State *L) {
    lmk_request *r = build_request(L, 1, 2);
    int req_idx = lua_gettop(L);
    lua_getuservalue(L, 1);
    lua_getfield(L, -1, "engine");
    int engine_idx = lua_gettop(L);
    lmk_engine *e = lmkL_check_engine(L, engine_idx);
    lmkL_submit(L, engine_idx, req_idx);
    while (!lmk_request_done(r)) {
        if (lmk_engine_step(e, 1000) != LMK_OK) break;
    }
    lmk_request_detach(r);
    lmkL_forget(L, engine_idx, r);
    lua_settop(L, req_idx);
    lua_replace(L, 1);
    lua_settop(L, 1);
    return lmkL_request_result(L);
}

/* client:fail{kind=, status=, message=, method=, url=, code=, sent=}
 * raises an lmskit.Error; kind defaults to what the status means; message
 * and url are redacted; sent ("unknown") says the write may have happened. */
static int client_fail(lua_State *L) {
    lmk_client *c = check_client(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    lua_settop(L, 2);
    luaL_checkstack(L, 16, "error");
    lua_getfield(L, 2, "status");
    long status = 0;
    if (!lua_isnil(L, -1)) /* checked before any cast */
        status = (long)lmkL_check_integer(L, -1, "status", 0, 999);
    lua_pop(L, 1);
    lmk_kind kind = lmk_kind_from_status(status);
    const char *kind_name = opt_string_field(L, 2, "kind");
    if (kind_name) {
        kind = LMK_KIND_COUNT;
        for (int i = 1; i < LMK_KIND_COUNT; i++)
            if (strcmp(kind_name, lmk_kind_name((lmk_kind)i)) == 0)
                kind = (lmk_kind)i;
        if (kind == LMK_KIND_COUNT) lmkL_usage(L, "unknown error kind '%s'", kind_name);
    }
    if (kind == LMK_OK) kind = LMK_SERVER;
    /* every field is read (and kept on the stack) before the error is built */
    size_t message_len, url_len, method_len, code_len;
    const char *message = opt_text_field(L, 2, "message", &message_len);
    const char *url = opt_text_field(L, 2, "url", &url_len);
    const char *method = opt_text_field(L, 2, "method", &method_len);
    const char *code = opt_text_field(L, 2, "code", &code_len);
    /* every string field is escaped and redacted: a server that echoes
     * the request may put the credential in any of them (err.code is
     * written to bulk results files) */
    const char *m = push_redacted_text(L, c, message, message_len);
    const char *u = push_redacted_text(L, c, url, url_len);
    const char *me = push_redacted_text(L, c, method, method_len);
    const char *co = push_redacted_text(L, c, code, code_len);
    lmkL_push_error(L, kind, status, m, me, u);
    if (co) { /* the vendor's machine-readable code, e.g. Coggno's */
        lua_pushstring(L, co);
        lua_setfield(L, -2, "code");
    }
    lua_getfield(L, 2, "sent");
    lua_setfield(L, -2, "sent");
    return lua_error(L);
}

/* client:url_of(spec) -> the URL a request of spec goes to, redacted:
 * what messages, logs and dry runs show (the core makes it, as for the
 * request itself).  An absolute URL on another origin, which no request
 * is sent to, is shown as it is (redacted). */
static int client_url_of(lua_State *L) {
    lmk_client *c = check_client(L, 1);
    luaL_checktype(L, 2, LUA_TTABLE);
    push_target(L, 2);
    const char *target = lua_tostring(L, -1);
    lmk_buf url;
    lmk_buf_init_secret(&url); /* it may carry the query credential */
    const char *why = NULL;
    lmk_kind k = lmk_client_url(c, target, &url, &why);
    if (k == LMK_OK) {
        push_redacted_len(L, c, url.data ? url.data : "", url.len, 0);
        lmk_buf_free(&url);
        return 1;
    }
    lmk_buf_free(&url);
    if (k == LMK_USAGE && strstr(target, "://")) {
        push_redacted_len(L, c, target, strlen(target), 0);
        return 1;
    }
    lmkL_push_error(L, k, 0, why ? why : lmk_kind_name(k), NULL, NULL);
    return lua_error(L);
}

/* client:redact(text) -> text with every secret masked (all of it: a
 * NUL inside does not end the text). */
static int client_redact(lua_State *L) {
    lmk_client *c = check_client(L, 1);
    size_t len;
    const char *text = luaL_checklstring(L, 2, &len);
    push_redacted_len(L, c, text, len, 0);
    return 1;
}

/* 1 when the string at idx hides a NUL (C would see a shorter string). */
static int has_nul(lua_State *L, int idx) {
    size_t len;
    const char *s = lua_tolstring(L, idx, &len);
    return strlen(s) != len;
}

/* client:add_secret(s): masks s (and its encoded forms) in everything
 * this client shows, for a credential that lives one attempt (a JWT
 * minted per request); only the last LMK_ATTEMPT_SECRETS (256) are kept,
 * so memory stays bounded however many are added. */
static int client_add_secret(lua_State *L) {
    lmk_client *c = check_client(L, 1);
    const char *s = lmkL_check_cstring(L, 2, "a secret");
    if (lmk_client_add_attempt_secret(c, s) != LMK_OK)
        return lmkL_raise(L, LMK_NOMEM, 0, "out of memory", NULL, NULL);
    return 0;
}

/* client:same_origin(url) -> true when url is on the client's origin. */
static int client_same_origin(lua_State *L) {
    lmk_client *c = check_client(L, 1);
    const char *url = luaL_checkstring(L, 2);
    lua_pushboolean(L, !has_nul(L, 2) && lmk_client_same_origin(c, url));
    return 1;
}

/* client:base_url() -> the base URL (it holds no secret). */
static int client_base_url(lua_State *L) {
    lua_pushstring(L, lmk_client_base_url(check_client(L, 1)));
    return 1;
}

/* client:resolve(ref, base) -> ref resolved against base (RFC 3986),
 * through libcurl's URL parser; nil when either is malformed. */
static int client_resolve(lua_State *L) {
    check_client(L, 1);
    const char *ref = luaL_checkstring(L, 2);
    const char *base = luaL_checkstring(L, 3);
    lmk_buf out;
    lmk_buf_init(&out);
    if (has_nul(L, 2) || has_nul(L, 3) ||
        lmk_url_resolve(base, ref, &out) != LMK_OK) {
        lmk_buf_free(&out);
        lua_pushnil(L);
        return 1;
    }
    lua_pushlstring(L, out.data, out.len);
    lmk_buf_free(&out);
    return 1;
}

/* client:engine() -> the Engine this client runs on. */
static int client_engine(lua_State *L) {
    check_client(L, 1);
    lua_getuservalue(L, 1);
    lua_getfield(L, -1, "engine");
    return 1;
}

/* tostring(client): "lmskit.Client (base URL)" or "(closed)". */
static int client_tostring(lua_State *L) {
    lmk_client *c = lmkL_box_object(L, 1, LMKL_CLIENT_TYPE);
    if (c)
        lua_pushfstring(L, "lmskit.Client (%s)", lmk_client_base_url(c));
    else
        lua_pushliteral(L, "lmskit.Client (closed)");
    return 1;
}

/* Registers the lmskit.Client metatable (core.client: lmskit_core.c). */
void lmkL_open_client(lua_State *L) {
    static const luaL_Reg methods[] = {
        {"request", client_request},
        {"submit", client_submit},
        {"fail", client_fail},
        {"redact", client_redact},
        {"url_of", client_url_of},
        {"add_secret", client_add_secret},
        {"same_origin", client_same_origin},
        {"base_url", client_base_url},
        {"engine", client_engine},
        {"resolve", client_resolve},
        {NULL, NULL},
    };
    lmkL_create_meta(L, LMKL_CLIENT_TYPE, methods, client_destroy, client_tostring);
}
