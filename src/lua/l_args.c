/* l_args.c -- argument checks shared by the binding: numbers are turned
 * into integers only when the value fits (a cast of NaN, an infinity or
 * 1e300 is undefined behaviour in C), strings handed to C as C strings
 * may not hide a NUL, and misuse raises a usage lmskit.Error. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "binding.h"

/* Raises a usage lmskit.Error with a formatted message (never returns). */
int lmkL_usage(lua_State *L, const char *fmt, ...) {
    va_list ap;
    va_start(ap, fmt);
    const char *message = lua_pushvfstring(L, fmt, ap);
    va_end(ap);
    return lmkL_raise(L, LMK_USAGE, 0, message, NULL, NULL);
}

/* 1 and *out set when n is an integer lua_Integer can hold exactly:
 * the range test comes first, so the cast is always defined. */
int lmkL_number_to_integer(lua_Number n, lua_Integer *out) {
    /* 2^(bits-1): the first value past the largest lua_Integer */
    const lua_Number limit = ldexp(1.0, (int)(sizeof(lua_Integer) * 8 - 1));
    if (!(n >= -limit && n < limit) || floor(n) != n) return 0; /* NaN too */
    *out = (lua_Integer)n;
    return 1;
}

/* 1 and *out set when the value at idx is a number (or a numeric string)
 * with an exact integer value; never casts a float that does not fit. */
int lmkL_to_integer(lua_State *L, int idx, lua_Integer *out) {
#if LUA_VERSION_NUM >= 503
    if (lua_type(L, idx) == LUA_TNUMBER && lua_isinteger(L, idx)) {
        *out = lua_tointeger(L, idx);
        return 1;
    }
#endif
    if (!lua_isnumber(L, idx)) return 0;
    return lmkL_number_to_integer(lua_tonumber(L, idx), out);
}

/* The integer argument at idx, within [lo, hi]; raises usage otherwise. */
lua_Integer lmkL_check_integer(lua_State *L, int idx, const char *what,
                               lua_Integer lo, lua_Integer hi) {
    lua_Integer v = 0;
    if (!lmkL_to_integer(L, idx, &v) || v < lo || v > hi) {
        char range[64]; /* lua_pushfstring has no integer format in 5.1 */
        snprintf(range, sizeof range, "from %lld to %lld", (long long)lo,
                 (long long)hi);
        lmkL_usage(L, "%s must be an integer %s", what, range);
    }
    return v;
}

/* A number of seconds at idx: finite, at least lo and at most
 * LMKL_MAX_SECONDS (its milliseconds fit a 32-bit int); raises usage. */
lua_Number lmkL_check_seconds(lua_State *L, int idx, const char *what,
                              lua_Number lo, int lo_open) {
    lua_Number s = lua_isnumber(L, idx) ? lua_tonumber(L, idx) : NAN;
    int low_ok = lo_open ? s > lo : s >= lo;
    if (!low_ok || !(s <= LMKL_MAX_SECONDS)) {
        char range[64];
        snprintf(range, sizeof range, "%s %g and at most %g",
                 lo_open ? ">" : ">=", (double)lo, (double)LMKL_MAX_SECONDS);
        lmkL_usage(L, "%s must be a number of seconds %s", what, range);
    }
    return s;
}

/* The string at idx as a C string: raises usage when it is not a string
 * or when a NUL inside would cut it short once in C. */
const char *lmkL_check_cstring(lua_State *L, int idx, const char *what) {
    size_t len = 0;
    if (lua_type(L, idx) != LUA_TSTRING)
        lmkL_usage(L, "%s must be a string", what);
    const char *s = lua_tolstring(L, idx, &len);
    if (strlen(s) != len) lmkL_usage(L, "%s may not contain a NUL byte", what);
    return s;
}
