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

/* End of what must be masked from text[i]: the furthest of a secret
 * starting there and a secret parameter's value (i when neither).
 * *secret receives the secret's length, *keep the length of the
 * parameter's "name=" (0 when a secret starts there too: its bytes are
 * the secret's).  Only the secrets found in the text are passed. */
static size_t mask_end(const char *text, size_t len, size_t i,
                       const char *const *secrets, const size_t *lens,
                       size_t nsecrets, const char *const *params,
                       size_t nparams, size_t *secret, size_t *keep) {
    *secret = secret_at(text, len, i, secrets, lens, nsecrets);
    size_t end = i + *secret;
    size_t name = param_at(text, len, i, params, nparams);
    *keep = *secret ? 0 : name;
    if (name) {
        size_t e = i + name;
        while (e < len && text[e] != '&' && text[e] != '#' && text[e] != ' ' &&
               text[e] != '"' && text[e] != '\'')
            e++;
        if (e > end) end = e;
    }
    return end;
}

/* Copies text to out, masking secrets and secret parameter values.  The
 * secrets that occur in the text at all are picked out first (one memmem
 * each), so a client with hundreds of per-attempt secrets still redacts
 * in one pass over the text.  Occurrences that overlap (a secret whose
 * end begins it again, two secrets sharing bytes, a secret running into a
 * parameter) are masked as one run, so no byte of any of them comes
 * through. */
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
        size_t secret, keep, inner_secret, inner_keep;
        size_t end = mask_end(text, len, i, found, lens, nfound, params,
                              nparams, &secret, &keep);
        if (end == i) { /* (a parameter ends past its "name=") */
            i++;
            continue;
        }
        /* grow the run while another occurrence starts inside it; a
         * secret starting inside the kept "name=" cuts it short */
        for (size_t j = i + 1; j < end; j++) {
            size_t e = mask_end(text, len, j, found, lens, nfound, params,
                                nparams, &inner_secret, &inner_keep);
            if (inner_secret && j < i + keep) keep = j - i;
            if (e > end) end = e;
        }
        if (lmk_buf_add(out, text + copied, i + keep - copied) != LMK_OK ||
            lmk_buf_adds(out, REDACTED) != LMK_OK) {
            k = LMK_NOMEM;
            break;
        }
        i = copied = end;
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
