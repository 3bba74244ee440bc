/* secret_names.c -- the one list of secret names: the query parameters
 * every client redacts from URLs (client.c), and, read by Lua through the
 * binding, the fields dry runs mask and the CSV columns a bulk job never
 * keys, journals or reports (lua/lmskit/secret_names.lua). */
#include <string.h>

#include "lmskit.h"

/* The names, lower-case; "key" counts only as a whole name or a suffix
 * (lmk_secret_name). */
static const char *const names[] = {
    "password", "passwd", "pwd", "passphrase", "secret", "token",
    "access_token", "api_key", "apikey", "key", "jwt", "authorization",
    "credential", "credentials", "private_key",
};
#define NNAMES (sizeof names / sizeof names[0])

/* The list and its length (the binding hands it to Lua). */
const char *const *lmk_secret_names(size_t *n) {
    *n = NNAMES;
    return names;
}

/* ASCII lower case, whatever the locale (Lua's string.lower in "C"). */
static int lower(int c) {
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

/* 1 when the n bytes at s are word (lower-case) ignoring ASCII case. */
static int same(const char *s, const char *word, size_t n) {
    for (size_t i = 0; i < n; i++)
        if (lower((unsigned char)s[i]) != word[i]) return 0;
    return 1;
}

/* 1 when c joins words in a name ("_" or "-"). */
static int joiner(char c) {
    return c == '_' || c == '-';
}

/* 1 when a field, column or query parameter of this name holds a secret:
 * lower-cased, it is a listed name, or starts or ends with one joined by
 * "_" or "-" (`new_password`, `x-api-key`); "key" only as the whole name
 * or a suffix (`api_key`, but not `key_id`). */
int lmk_secret_name(const char *name) {
    if (!name) return 0;
    size_t n = strlen(name);
    for (size_t i = 0; i < NNAMES; i++) {
        const char *w = names[i];
        size_t wl = strlen(w);
        if (n == wl && same(name, w, wl)) return 1;
        if (n <= wl) continue;
        if (joiner(name[n - wl - 1]) && same(name + n - wl, w, wl)) return 1;
        if (strcmp(w, "key") != 0 && joiner(name[wl]) && same(name, w, wl))
            return 1;
    }
    return 0;
}
