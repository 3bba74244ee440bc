/* redact.c -- removes secrets from any text before it is shown, and
 * escapes the control characters a server may put in it. */
#include <stdlib.h>
#include <string.h>

#include "lmskit.h"

#define REDACTED "[REDACTED]"

/* Length of the longest secret that starts at text[i] (0: none); only
 * the secrets found somewhere in the text are passed here. */
static size_t secret_at(const char *text, size_t len, size_t i,
                        const char *const *secrets, const size_t *lens,
                        size_t nsecrets) {
    size_t best = 0;
    for (size_t s = 0; s < nsecrets; s++) {
        size_t n = lens[s];
        if (n > best && n <= len - i && text[i] == secrets[s][0] &&
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

/* Copies text to out, masking secrets and secret parameter values.  The
 * secrets that occur in the text at all are picked out first (one memmem
 * each), so a client with hundreds of per-attempt secrets still redacts
 * in one pass over the text. */
lmk_kind lmk_redact(lmk_buf *out, const char *text, size_t len,
                    const char *const *secrets, size_t nsecrets,
                    const char *const *params, size_t nparams) {
    const char **found = NULL;
    size_t *lens = NULL, nfound = 0;
    if (nsecrets) {
        found = malloc(nsecrets * sizeof *found);
        lens = malloc(nsecrets * sizeof *lens);
        if (!found || !lens) {
            free(found);
            free(lens);
            return LMK_NOMEM;
        }
        for (size_t s = 0; s < nsecrets; s++) {
            size_t n = secrets[s] ? strlen(secrets[s]) : 0;
            if (n >= 3 && n <= len && memmem(text, len, secrets[s], n)) {
                found[nfound] = secrets[s];
                lens[nfound++] = n;
            }
        }
    }
    lmk_kind k = LMK_OK;
    size_t i = 0, copied = 0;
    while (i < len) {
        size_t n = secret_at(text, len, i, found, lens, nfound);
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
            lmk_buf_adds(out, REDACTED) != LMK_OK) {
            k = LMK_NOMEM;
            break;
        }
        i += skip;
        copied = i;
    }
    if (k == LMK_OK && lmk_buf_add(out, text + copied, len - copied) != LMK_OK)
        k = LMK_NOMEM;
    free(found);
    free(lens);
    return k;
}

/* Appends s with every control character written out: \r, \n, \t, and
 * \xNN for the others (DEL included), so no line break or terminal
 * escape from a server reaches a message or a log line as is. */
lmk_kind lmk_escape_controls(lmk_buf *out, const char *s, size_t n) {
    static const char hex[] = "0123456789abcdef";
    size_t copied = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c >= 0x20 && c != 0x7f) continue;
        char esc[4] = {'\\', 'x', hex[c >> 4], hex[c & 15]};
        size_t esc_len = 4;
        if (c == '\r' || c == '\n' || c == '\t') {
            esc[1] = c == '\r' ? 'r' : c == '\n' ? 'n' : 't';
            esc_len = 2;
        }
        if (lmk_buf_add(out, s + copied, i - copied) != LMK_OK ||
            lmk_buf_add(out, esc, esc_len) != LMK_OK)
            return LMK_NOMEM;
        copied = i + 1;
    }
    return lmk_buf_add(out, s + copied, n - copied);
}
