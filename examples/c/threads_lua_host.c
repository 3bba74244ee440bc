/* threads_lua_host.c -- a C host with THREADS threads, each owning its
 * own lua_State with lmskit loaded (Lua 5.4), all making calls to the
 * sandbox's Catalog API at once with lmskit.run.  make test-c-hosts
 * builds it and the lmskit.core module under ThreadSanitizer and,
 * separately, AddressSanitizer, and fails on any report.
 * Usage: threads_lua_host LUA_DIR CPATH_DIR. */
#include <lauxlib.h>
#include <lua.h>
#include <lualib.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "lua_paths.h"

#define THREADS 8
#define CALLS_PER_THREAD 25

/* Each state's script: CALLS_PER_THREAD calls at concurrency 4; returns
 * how many answered 200 with a list of courses. */
static const char *const lua_calls =
    "local lmskit = require 'lmskit'\n"
    "local url, ca, calls = ...\n"
    "local catalog = lmskit.catalog { base_url = url .. '/catalog',\n"
    "  token = 'sandbox-catalog-token', ca_file = ca }\n"
    "local passed = 0\n"
    "lmskit.run({ concurrency = 4 }, function(spawn)\n"
    "  for _ = 1, calls do spawn(function()\n"
    "    local body, _, status = catalog:request { method = 'GET', path = '/courses' }\n"
    "    if status == 200 and type(body) == 'table' then passed = passed + 1 end\n"
    "  end) end\n"
    "end)\n"
    "return passed\n";

/* What a thread needs and what it reports (written by it, read after join). */
typedef struct job {
    const char *lua_dir, *cdir, *url, *ca;
    long passed;
} job;

/* A thread: its own lua_State (created, used and closed here). */
static void *run_thread(void *arg) {
    job *j = arg;
    lua_State *L = luaL_newstate();
    if (!L) return NULL;
    luaL_openlibs(L);
    set_paths(L, j->lua_dir, j->cdir);
    if (luaL_loadstring(L, lua_calls) != LUA_OK) {
        fprintf(stderr, "threads_lua_host: %s\n", lua_tostring(L, -1));
    } else {
        lua_pushstring(L, j->url);
        lua_pushstring(L, j->ca);
        lua_pushinteger(L, CALLS_PER_THREAD);
        if (lua_pcall(L, 3, 1, 0) != LUA_OK)
            fprintf(stderr, "threads_lua_host: %s\n", lua_tostring(L, -1));
        else
            j->passed = (long)lua_tointeger(L, -1);
    }
    lua_close(L);
    return NULL;
}

/* Starts the threads, joins them, prints the total. */
int main(int argc, char **argv) {
    const char *url = getenv("LMSKIT_SANDBOX_URL"), *ca = getenv("LMSKIT_SANDBOX_CA");
    if (argc != 3 || !url || !ca) {
        fprintf(stderr, "usage: threads_lua_host LUA_DIR CPATH_DIR (with LMSKIT_SANDBOX_URL/CA)\n");
        return 2;
    }
    pthread_t th[THREADS];
    job jobs[THREADS];
    int started = 0;
    for (; started < THREADS; started++) {
        jobs[started] = (job){argv[1], argv[2], url, ca, 0};
        if (pthread_create(&th[started], NULL, run_thread, &jobs[started]) != 0) break;
    }
    long passed = 0;
    for (int i = 0; i < started; i++) {
        pthread_join(th[i], NULL);
        passed += jobs[i].passed;
    }
    long failed = (long)THREADS * CALLS_PER_THREAD - passed;
    printf("threads_lua_host: %d threads, each its own lua_State, %d calls each\n",
           THREADS, CALLS_PER_THREAD);
    printf("threads_lua_host: %ld passed, %ld failed\n", passed, failed);
    return failed != 0;
}
