/* fuzz.h -- helpers shared by the libFuzzer targets in fuzz/.
 *
 * Each target checks invariants of the code it drives, not only that it
 * does not crash: a broken invariant calls FZ_CHECK, which prints what
 * failed and aborts, so libFuzzer saves the input as a crash artifact.
 * Inputs are carved into parts by fz_take/fz_rest; nothing here allocates
 * except fz_cstr, whose result the caller frees. */
#ifndef LMSKIT_FUZZ_H
#define LMSKIT_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FZ_CHECK(cond, what)                                               \
    do {                                                                   \
        if (!(cond)) {                                                     \
            fprintf(stderr, "invariant broken: %s [%s] at %s:%d\n", what,  \
                    #cond, __FILE__, __LINE__);                            \
            abort();                                                       \
        }                                                                  \
    } while (0)

/* The unread rest of an input. */
typedef struct fz_input {
    const uint8_t *p;
    size_t n;
} fz_input;

/* Reads one byte (0 once the input is used up). */
static inline uint8_t fz_byte(fz_input *in) {
    if (in->n == 0) return 0;
    in->n--;
    return *in->p++;
}

/* Takes the bytes up to the next sep (not included, and consumed) or to
 * the end; *len receives their count. */
static inline const uint8_t *fz_take(fz_input *in, uint8_t sep, size_t *len) {
    const uint8_t *start = in->p;
    const uint8_t *hit = in->n ? memchr(in->p, sep, in->n) : NULL;
    size_t n = hit ? (size_t)(hit - in->p) : in->n;
    *len = n;
    in->p += n + (hit ? 1 : 0);
    in->n -= n + (hit ? 1 : 0);
    return start;
}

/* A NUL-terminated copy of n bytes (the caller frees it); NULL only when
 * memory runs out. */
static inline char *fz_cstr(const void *p, size_t n) {
    char *s = malloc(n + 1);
    if (!s) return NULL;
    if (n) memcpy(s, p, n);
    s[n] = '\0';
    return s;
}

/* 1 when haystack holds needle (lengths given; NULs allowed). */
static inline int fz_contains(const char *hay, size_t hn, const char *needle,
                              size_t nn) {
    if (nn == 0) return 1;
    for (size_t i = 0; i + nn <= hn; i++)
        if (memcmp(hay + i, needle, nn) == 0) return 1;
    return 0;
}

/* RFC 3986 unreserved (the bytes lmk_pct_encode leaves as they are). */
static inline int fz_unreserved(unsigned char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
           (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' ||
           c == '~';
}

/* Value of an upper-case hex digit, -1 for anything else. */
static inline int fz_hex(unsigned char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Decodes s (only unreserved bytes and %XX with upper-case digits) into
 * out (room for n bytes); returns the decoded length, or (size_t)-1 when
 * s holds any other byte or a broken escape. */
static inline size_t fz_pct_decode(const char *s, size_t n, char *out) {
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (fz_unreserved(c)) {
            out[o++] = (char)c;
        } else if (c == '%' && i + 2 < n) {
            int hi = fz_hex((unsigned char)s[i + 1]);
            int lo = fz_hex((unsigned char)s[i + 2]);
            if (hi < 0 || lo < 0) return (size_t)-1;
            out[o++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            return (size_t)-1;
        }
    }
    return o;
}

#endif
