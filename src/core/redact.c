/* redact.c -- removes secrets from any text before it is shown. */
#include <string.h>

#include "lmskit.h"

#define REDACTED "[REDACTED]"

/* Length of the longest secret that starts at text[i] (0: none). */
static size_t secret_at(const char *text, size_t len, size_t i,
                        const char *const *secrets, size_t nsecrets) {
    size_t best = 0;
    for (size_t s = 0; s < nsecrets; s++) {
        size_t n = secrets[s] ? strlen(secrets[s]) : 0;
        if (n >= 3 && n > best && n <= len - i &&
            memcmp(text + i, secrets[s], n) == 0)
            best = n;
    }
    return best;
}

/* Length of "name=" when a secret query parameter starts at text[i]. */
static size_t param_at(const char *text, size_t len, size_t i,
                       const char *const *params, size_t nparams) {
    if (i > 0 && text[i - 1] != '?' && text[i - 1] != '&' &&
        text[i - 1] != ' ' && text[i - 1] != ';')
        return 0;
    for (size_t p = 0; p < nparams; p++) {
        size_t n = strlen(params[p]);
        if (n + 1 <= len - i && memcmp(text + i, params[p], n) == 0 &&
            text[i + n] == '=')
            return n + 1;
    }
    return 0;
}

/* Copies text to out, masking secrets and secret parameter values. */
lmk_kind lmk_redact(lmk_buf *out, const char *text, size_t len,
                    const char *const *secrets, size_t nsecrets,
                    const char *const *params, size_t nparams) {
    size_t i = 0, copied = 0;
    while (i < len) {
        size_t n = secret_at(text, len, i, secrets, nsecrets);
        size_t skip = n;
        size_t keep = 0;
        if (!n) {
            keep = param_at(text, len, i, params, nparams);
            if (keep) {
                skip = keep;
                while (i + skip < len && text[i + skip] != '&' &&
                       text[i + skip] != '#' && text[i + skip] != ' ' &&
                       text[i + skip] != '"' && text[i + skip] != '\'')
                    skip++;
            }
        }
        if (!skip) {
            i++;
            continue;
        }
        if (lmk_buf_add(out, text + copied, i + keep - copied) != LMK_OK ||
            lmk_buf_adds(out, REDACTED) != LMK_OK)
            return LMK_NOMEM;
        i += skip;
        copied = i;
    }
    if (lmk_buf_add(out, text + copied, len - copied) != LMK_OK)
        return LMK_NOMEM;
    return LMK_OK;
}
