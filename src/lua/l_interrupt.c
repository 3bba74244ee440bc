/* l_interrupt.c -- Ctrl-C for programs that ask for it (the lmskit command):
 * core.catch_interrupts() makes SIGINT set a flag instead of stopping Lua,
 * core.interrupted() reads it, core.release_interrupts() restores the
 * handler that was there before.  A bulk job polls the flag, starts no new
 * row, lets the calls in flight finish and keeps its journal; a second
 * Ctrl-C stops the process at once (the default action).
 *
 * Signals are per process, so this is the one piece of process-wide state
 * in lmskit, and a library never installs it by itself: a host (nginx, a
 * game engine) keeps its own handlers unless it calls catch_interrupts(). */
#include <signal.h>
#include <string.h>

#include "binding.h"

static volatile sig_atomic_t interrupts; /* SIGINTs since catch_interrupts */
static struct sigaction previous;        /* restored by release_interrupts */
static int catching;

/* The handler: counts; the second SIGINT gets the default action.  Only
 * async-signal-safe calls (sigaction, raise). */
static void on_sigint(int sig) {
    if (++interrupts >= 2) {
        struct sigaction dfl;
        memset(&dfl, 0, sizeof dfl);
        dfl.sa_handler = SIG_DFL;
        sigemptyset(&dfl.sa_mask);
        sigaction(sig, &dfl, NULL);
        raise(sig);
    }
}

/* core.catch_interrupts() -> true; raises lmskit.Error when it cannot. */
int lmkL_catch_interrupts(lua_State *L) {
    if (!catching) {
        struct sigaction act;
        memset(&act, 0, sizeof act);
        act.sa_handler = on_sigint;
        sigemptyset(&act.sa_mask);
        /* no SA_RESTART: a wait in poll(2) ends early with EINTR, so the
         * job sees the flag without waiting for its next response */
        if (sigaction(SIGINT, &act, &previous) != 0)
            lmkL_raise(L, LMK_TRANSPORT, 0, "cannot catch SIGINT", NULL, NULL);
        catching = 1;
    }
    interrupts = 0;
    lua_pushboolean(L, 1);
    return 1;
}

/* core.release_interrupts(): the handler from before catch_interrupts. */
int lmkL_release_interrupts(lua_State *L) {
    (void)L;
    if (catching) {
        sigaction(SIGINT, &previous, NULL);
        catching = 0;
    }
    interrupts = 0;
    return 0;
}

/* core.interrupted() -> the number of SIGINTs caught (0: none). */
int lmkL_interrupted(lua_State *L) {
    lua_pushinteger(L, (lua_Integer)interrupts);
    return 1;
}
