/* csv.c -- streaming CSV records through libcsv (RFC 4180: quoted
 * fields, embedded commas, quotes and newlines, CRLF), with a leading
 * UTF-8 byte order mark skipped.  The reader owns its FILE, the parser
 * and the records parsed but not yet handed out.
 *
 * libcsv runs strict: a quote inside an unquoted field, text after a
 * closing quote and a quoted field never closed are errors, not silently
 * different fields.  The file is fed to libcsv one physical line at a
 * time, so each record knows the line it starts on and an error names
 * the line it was found on (records and lines differ once a quoted
 * field spans lines, or blank lines are skipped). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "lmskit.h"

typedef struct csv_record {
    size_t line;     /* the physical line it starts on (1-based) */
    lmk_buf text;    /* fields, each NUL-terminated, back to back */
    size_t *offsets; /* start of each field in text */
    size_t *lengths;
    size_t count, cap;
} csv_record;

struct lmk_csv {
    FILE *file;
    struct csv_parser parser;
    csv_record building;   /* the record libcsv is filling */
    csv_record *ready;     /* complete records, FIFO */
    size_t ready_head, ready_count, ready_cap;
    csv_record current;    /* the record last handed to the caller */
    const char **fields;   /* views into current, for the caller */
    int at_start, at_eof, failed;
    size_t line;           /* records seen so far */
    size_t lines;          /* physical lines fed to libcsv, whole */
    int at_line_start;     /* the next byte fed begins a line */
    size_t record_start;   /* the line the record being built starts on */
    size_t error_line;     /* the line a malformed record was found on */
    char chunk[65536];     /* read from the file, fed line by line */
    size_t chunk_at, chunk_len;
};

/* Frees what a record owns (the record itself is embedded). */
static void record_free(csv_record *r) {
    lmk_buf_free(&r->text);
    free(r->offsets);
    free(r->lengths);
    memset(r, 0, sizeof *r);
}

/* libcsv field callback: appends one field to the record being built. */
static void on_field(void *data, size_t len, void *ud) {
    lmk_csv *c = ud;
    csv_record *r = &c->building;
    if (c->failed) return;
    if (r->count == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        size_t *o = realloc(r->offsets, cap * sizeof *o);
        if (o) r->offsets = o;
        size_t *l = o ? realloc(r->lengths, cap * sizeof *l) : NULL;
        if (l) r->lengths = l;
        if (!o || !l) {
            c->failed = 1;
            return;
        }
        r->cap = cap;
    }
    r->offsets[r->count] = r->text.len;
    r->lengths[r->count] = len;
    if (lmk_buf_add(&r->text, data ? data : "", data ? len : 0) != LMK_OK ||
        lmk_buf_add(&r->text, "", 1) != LMK_OK) {
        c->failed = 1;
        return;
    }
    r->count++;
}

/* libcsv record callback: queues the finished record. */
static void on_record(int terminator, void *ud) {
    lmk_csv *c = ud;
    (void)terminator;
    if (c->failed) return;
    if (c->building.count == 0) return; /* blank line */
    if (c->ready_head + c->ready_count == c->ready_cap) {
        if (c->ready_head > 0) { /* slide down before growing */
            memmove(c->ready, c->ready + c->ready_head, c->ready_count * sizeof *c->ready);
            c->ready_head = 0;
        }
        if (c->ready_count == c->ready_cap) {
            size_t cap = c->ready_cap ? c->ready_cap * 2 : 32;
            csv_record *q = realloc(c->ready, cap * sizeof *q);
            if (!q) {
                c->failed = 1;
                return;
            }
            c->ready = q;
            c->ready_cap = cap;
        }
    }
    c->building.line = c->record_start;
    c->ready[c->ready_head + c->ready_count++] = c->building;
    memset(&c->building, 0, sizeof c->building);
}

/* Opens a CSV file for reading record by record. */
lmk_kind lmk_csv_open(const char *path, lmk_csv **out, const char **why) {
    *out = NULL;
    lmk_csv *c = calloc(1, sizeof *c);
    if (!c) return LMK_NOMEM;
    if (csv_init(&c->parser, CSV_APPEND_NULL | CSV_STRICT | CSV_STRICT_FINI) != 0) {
        free(c);
        return LMK_NOMEM;
    }
    c->file = fopen(path, "rb");
    if (!c->file) {
        *why = strerror(errno);
        csv_free(&c->parser);
        free(c);
        return LMK_USAGE;
    }
    c->at_start = 1;
    c->at_line_start = 1;
    c->record_start = 1;
    *out = c;
    return LMK_OK;
}

/* libcsv's state between records (ROW_NOT_BEGUN in libcsv.c). */
#define PARSER_BETWEEN_RECORDS 0

/* A libcsv error as a reason; *line is where it was found. */
static const char *parse_error(lmk_csv *c, size_t line) {
    c->error_line = line;
    if (csv_error(&c->parser) == CSV_EPARSE)
        return "malformed quotes (a quote inside an unquoted field, or text after a closing quote)";
    return csv_strerror(csv_error(&c->parser));
}

/* Feeds the parser until a record is ready or the file ends: one
 * physical line (or the rest of the chunk holding part of one) at a time. */
static lmk_kind fill(lmk_csv *c, const char **why) {
    while (c->ready_count == 0 && !c->at_eof && !c->failed) {
        if (c->chunk_at == c->chunk_len) {
            size_t n = fread(c->chunk, 1, sizeof c->chunk, c->file);
            c->chunk_at = 0;
            c->chunk_len = n;
            if (c->at_start && n >= 3 && memcmp(c->chunk, "\xEF\xBB\xBF", 3) == 0)
                c->chunk_at = 3; /* UTF-8 byte order mark, as spreadsheets write it */
            c->at_start = 0;
            if (n == 0) {
                if (ferror(c->file)) {
                    *why = "read error";
                    return LMK_DECODE;
                }
                c->at_eof = 1;
                if (csv_fini(&c->parser, on_field, on_record, c) != 0) {
                    if (csv_error(&c->parser) == CSV_EPARSE) {
                        c->error_line = c->record_start;
                        *why = "a quoted field is never closed";
                    } else {
                        *why = parse_error(c, c->lines + 1);
                    }
                    return LMK_DECODE;
                }
                break;
            }
            continue;
        }
        const char *p = c->chunk + c->chunk_at;
        size_t left = c->chunk_len - c->chunk_at;
        const char *nl = memchr(p, '\n', left);
        size_t n = nl ? (size_t)(nl - p) + 1 : left;
        if (c->at_line_start && c->parser.pstate == PARSER_BETWEEN_RECORDS)
            c->record_start = c->lines + 1; /* a record (or a blank line) begins here */
        if (csv_parse(&c->parser, p, n, on_field, on_record, c) != n) {
            *why = parse_error(c, c->lines + 1);
            return LMK_DECODE;
        }
        c->chunk_at += n;
        c->at_line_start = nl != NULL;
        if (nl) c->lines++;
    }
    return c->failed ? LMK_NOMEM : LMK_OK;
}

/* The next record's fields (views valid until the next call): 1, 0 at the
 * end, -1 with *why on a malformed record or no memory. */
int lmk_csv_next(lmk_csv *c, size_t *nfields, const char *const **fields,
                 const size_t **lengths, const char **why) {
    *why = NULL;
    lmk_kind k = fill(c, why);
    if (k != LMK_OK) {
        if (!*why) *why = "out of memory";
        return -1;
    }
    if (c->ready_count == 0) return 0;
    record_free(&c->current);
    c->current = c->ready[c->ready_head++];
    c->ready_count--;
    const char **views = realloc(c->fields, (c->current.count + 1) * sizeof *views);
    if (!views) {
        *why = "out of memory";
        return -1;
    }
    c->fields = views;
    for (size_t i = 0; i < c->current.count; i++)
        views[i] = c->current.text.data + c->current.offsets[i];
    c->line++;
    *nfields = c->current.count;
    *fields = views;
    *lengths = c->current.lengths;
    return 1;
}

/* How many records lmk_csv_next has returned. */
size_t lmk_csv_record_number(const lmk_csv *c) { return c->line; }

/* The line the last record starts on, or where an error was found. */
size_t lmk_csv_line(const lmk_csv *c) { return c->error_line ? c->error_line : c->current.line; }

/* 0 when s is valid UTF-8; else 1 + the offset of the first bad byte. */
size_t lmk_utf8_invalid(const char *s, size_t len) {
    const unsigned char *p = (const unsigned char *)s;
    size_t i = 0;
    while (i < len) {
        unsigned char b = p[i];
        size_t n;
        unsigned long cp, min;
        if (b < 0x80) {
            i++;
            continue;
        } else if ((b & 0xE0) == 0xC0) {
            n = 2, cp = b & 0x1F, min = 0x80;
        } else if ((b & 0xF0) == 0xE0) {
            n = 3, cp = b & 0x0F, min = 0x800;
        } else if ((b & 0xF8) == 0xF0) {
            n = 4, cp = b & 0x07, min = 0x10000;
        } else {
            return i + 1;
        }
        if (len - i < n) return i + 1;
        for (size_t k = 1; k < n; k++) {
            if ((p[i + k] & 0xC0) != 0x80) return i + 1;
            cp = (cp << 6) | (p[i + k] & 0x3F);
        }
        /* overlong forms, UTF-16 surrogates, beyond U+10FFFF */
        if (cp < min || (cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) return i + 1;
        i += n;
    }
    return 0;
}

/* Closes the file and frees every record; NULL is a no-op. */
void lmk_csv_close(lmk_csv *c) {
    if (!c) return;
    if (c->file) fclose(c->file);
    csv_free(&c->parser);
    record_free(&c->building);
    record_free(&c->current);
    for (size_t i = 0; i < c->ready_count; i++)
        record_free(&c->ready[c->ready_head + i]);
    free(c->ready);
    free(c->fields);
    free(c);
}
