/* csv.c -- streaming CSV records through libcsv (RFC 4180: quoted
 * fields, embedded commas, quotes and newlines, CRLF), with a leading
 * UTF-8 byte order mark skipped.  The reader owns its FILE, the parser
 * and the records parsed but not yet handed out. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <csv.h>

#include "lmskit.h"

typedef struct csv_record {
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
};

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
    c->ready[c->ready_head + c->ready_count++] = c->building;
    memset(&c->building, 0, sizeof c->building);
}

lmk_kind lmk_csv_open(const char *path, lmk_csv **out, const char **why) {
    *out = NULL;
    lmk_csv *c = calloc(1, sizeof *c);
    if (!c) return LMK_NOMEM;
    if (csv_init(&c->parser, CSV_APPEND_NULL) != 0) {
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
    *out = c;
    return LMK_OK;
}

/* Feeds the parser until a record is ready or the file ends. */
static lmk_kind fill(lmk_csv *c, const char **why) {
    char chunk[65536];
    while (c->ready_count == 0 && !c->at_eof && !c->failed) {
        size_t n = fread(chunk, 1, sizeof chunk, c->file);
        const char *p = chunk;
        if (c->at_start && n >= 3 && memcmp(chunk, "\xEF\xBB\xBF", 3) == 0) {
            p += 3; /* UTF-8 byte order mark, as spreadsheets write it */
            n -= 3;
        }
        c->at_start = 0;
        if (n > 0 && csv_parse(&c->parser, p, n, on_field, on_record, c) != n) {
            *why = csv_strerror(csv_error(&c->parser));
            return LMK_DECODE;
        }
        if (n == 0 || feof(c->file)) {
            if (ferror(c->file)) {
                *why = "read error";
                return LMK_DECODE;
            }
            c->at_eof = 1;
            if (csv_fini(&c->parser, on_field, on_record, c) != 0) {
                *why = csv_strerror(csv_error(&c->parser));
                return LMK_DECODE;
            }
        }
    }
    return c->failed ? LMK_NOMEM : LMK_OK;
}

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

size_t lmk_csv_record_number(const lmk_csv *c) { return c->line; }

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
