/* frame_host.c -- a C frame-loop host (a game engine's main loop) with
 * Lua 5.4 embedded: Lua code makes CALLS calls to the sandbox's Catalog
 * API as lmskit tasks, and the host calls lmskit.step(0) once per 4 ms
 * frame, never blocking in lmskit.  Prints p50/p99/max of the time
 * lmskit took in a frame (printed only: timings depend on the machine).
 * Usage: frame_host LUA_DIR CPATH_DIR (lua/ and build/5.4/ of the tree).
 * make test-c-hosts runs it. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lua_paths.h"

#define CALLS 1000
#define FRAME_MS 4.0
#define MAX_FRAMES 200000

/* The Lua side: 16 tasks share CALLS calls and count the good answers. */
static const char *const lua_calls =
    "local lmskit = require 'lmskit'\n"
    "local url, ca, calls = ...\n"
    "lmskit.budget(8) -- at most 8 transfers (and TLS handshakes) start a frame\n"
    "local catalog = lmskit.catalog { base_url = url .. '/catalog',\n"
    "  token = 'sandbox-catalog-token', ca_file = ca, concurrency = 16 }\n"
    "local state = { started = 0, passed = 0, failed = 0 }\n"
    "for _ = 1, 16 do\n"
    "  lmskit.spawn(function()\n"
    "    while state.started < calls do\n"
    "      state.started = state.started + 1\n"
    "      local ok, body, _, status = pcall(catalog.request, catalog,\n"
    "        { method = 'GET', path = '/courses' })\n"
    "      if ok and status == 200 and type(body) == 'table' then\n"
    "        state.passed = state.passed + 1\n"
    "      else state.failed = state.failed + 1 end\n"
    "    end\n"
    "  end)\n"
    "end\n"
    "return state, function() return lmskit.step(0) end\n";

/* Milliseconds on the monotonic clock. */
static double now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

/* Sleeps until the monotonic time `until_ms`. */
static void sleep_until(double until_ms) {
    double left = until_ms - now_ms();
    if (left <= 0) return;
    struct timespec ts = {(time_t)(left / 1e3), (long)((left - (time_t)(left / 1e3) * 1e3) * 1e6)};
    nanosleep(&ts, NULL);
}

/* qsort order for doubles. */
static int cmp_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Reads an integer field of the table at idx. */
static long field_int(lua_State *L, int idx, const char *name) {
    lua_getfield(L, idx, name);
    long v = (long)lua_tointeger(L, -1);
    lua_pop(L, 1);
    return v;
}

/* Runs frames until every task is done; frame times into times[]. */
static int run_frames(lua_State *L, double *times, int *nframes) {
    int n = 0;
    double next = now_ms();
    for (;;) {
        double t0 = now_ms();
        lua_pushvalue(L, -1);                    /* the step function */
        if (lua_pcall(L, 0, 1, 0) != LUA_OK) {
            fprintf(stderr, "frame_host: %s\n", lua_tostring(L, -1));
            return 0;
        }
        long live = (long)lua_tointeger(L, -1);
        lua_pop(L, 1);
        if (n < MAX_FRAMES) times[n++] = now_ms() - t0;
        if (live == 0 || n >= MAX_FRAMES) break;
        next += FRAME_MS;                        /* the rest of the frame */
        sleep_until(next);
    }
    *nframes = n;
    return 1;
}

/* Embeds Lua, starts the calls, runs the frames, prints the numbers. */
int main(int argc, char **argv) {
    const char *url = getenv("LMSKIT_SANDBOX_URL"), *ca = getenv("LMSKIT_SANDBOX_CA");
    if (argc != 3 || !url || !ca) {
        fprintf(stderr, "usage: frame_host LUA_DIR CPATH_DIR (with LMSKIT_SANDBOX_URL/CA)\n");
        return 2;
    }
    double *times = malloc(sizeof *times * MAX_FRAMES);   /* owned, freed below */
    lua_State *L = luaL_newstate();                       /* owned, closed below */
    int ok = 0, nframes = 0;
    long passed = 0, failed = CALLS;
    if (times && L) {
        luaL_openlibs(L);
        set_paths(L, argv[1], argv[2]);
        int loaded = luaL_loadstring(L, lua_calls) == LUA_OK;
        lua_pushstring(L, url);
        lua_pushstring(L, ca);
        lua_pushinteger(L, CALLS);
        if (!loaded || lua_pcall(L, 3, 2, 0) != LUA_OK)  /* the message under the 3 args */
            fprintf(stderr, "frame_host: %s\n", lua_tostring(L, loaded ? -1 : -4));
        else if ((ok = run_frames(L, times, &nframes))) {
            passed = field_int(L, -2, "passed");
            failed = CALLS - passed;
        }
    }
    if (ok && nframes > 0) {
        qsort(times, (size_t)nframes, sizeof *times, cmp_double);
        printf("frame_host: %d frames of %.0f ms for %d calls; lmskit's time in a frame: "
               "p50 %.2f ms, p99 %.2f ms, max %.2f ms\n", nframes, FRAME_MS, CALLS,
               times[nframes / 2], times[(int)(nframes * 0.99)], times[nframes - 1]);
    }
    printf("frame_host: %ld passed, %ld failed\n", passed, failed);
    if (L) lua_close(L);
    free(times);
    return !(ok && failed == 0);
}
