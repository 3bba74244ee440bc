/* fuzz_csv.c -- the CSV reader (lmk_csv_*, over libcsv): the rows of a
 * bulk job, from any spreadsheet or export.
 *
 * The input is the file, handed over through a memory file
 * (memfd_create + /proc/self/fd/N, made once and refilled: nothing
 * touches the disk).  When its
 * first byte is 0xB0 it is dropped and the rest is placed after filler
 * records, so that it straddles the reader's 64 KiB read size.
 * Invariants:
 *   - every field is NUL-terminated at its length, and the fields of all
 *     records together are no longer than the file;
 *   - records are counted (lmk_csv_record_number) and the end stays the
 *     end;
 *   - each record starts on a line of the file (lmk_csv_line), none
 *     before the record ahead of it (a lone CR ends a record inside a
 *     line); an error names a line of the file too;
 *   - lmk_utf8_invalid points inside the field it refuses;
 *   - round trip: the records written back as CSV (every field quoted,
 *     quotes doubled) read back as exactly the same records. */
#include <sys/mman.h>
#include <unistd.h>

#include "../src/core/lmskit.h"
#include "fuzz.h"

typedef struct table {
    lmk_buf text;    /* fields back to back */
    lmk_buf lengths; /* size_t per field */
    lmk_buf counts;  /* size_t fields per record */
    size_t records;
} table;

/* Fills memory file `which` (0 or 1, made once, kept for the process)
 * with data and writes a path that opens it. */
static void memory_file(int which, const void *data, size_t n, char path[64]) {
    static int fds[2] = {-1, -1};
    if (fds[which] < 0) fds[which] = memfd_create("fuzz-csv", 0);
    int fd = fds[which];
    FZ_CHECK(fd >= 0 && ftruncate(fd, 0) == 0, "memory file");
    size_t done = 0;
    while (done < n) {
        ssize_t w = pwrite(fd, (const char *)data + done, n - done, (off_t)done);
        FZ_CHECK(w > 0, "memory file written");
        done += (size_t)w;
    }
    snprintf(path, 64, "/proc/self/fd/%d", fd);
}

/* Reads every record of data; 0 when the reader refused the file. */
static int read_all(int which, const void *data, size_t n, table *t) {
    char path[64];
    memory_file(which, data, n, path);
    lmk_csv *c = NULL;
    const char *why = NULL;
    FZ_CHECK(lmk_csv_open(path, &c, &why) == LMK_OK, "opens");
    size_t lines = 1, last_line = 0; /* the file's lines: 1 + its newlines */
    for (const char *p = data, *end = p + n; (p = memchr(p, '\n', (size_t)(end - p))); p++) lines++;
    int ok = 1;
    for (;;) {
        size_t nf = 0;
        const char *const *fields;
        const size_t *lens;
        int r = lmk_csv_next(c, &nf, &fields, &lens, &why);
        if (r < 0) {
            FZ_CHECK(why != NULL, "an error says why");
            FZ_CHECK(lmk_csv_line(c) >= 1 && lmk_csv_line(c) <= lines, "an error names a line of the file");
            ok = 0;
            break;
        }
        if (r == 0) {
            FZ_CHECK(lmk_csv_next(c, &nf, &fields, &lens, &why) == 0, "the end stays the end");
            break;
        }
        FZ_CHECK(nf > 0, "no empty records");
        t->records++;
        FZ_CHECK(lmk_csv_record_number(c) == t->records, "records are counted");
        size_t line = lmk_csv_line(c);
        FZ_CHECK(line >= last_line && line >= 1 && line <= lines, "records start in order, on a line of the file");
        last_line = line;
        lmk_buf_add(&t->counts, &nf, sizeof nf);
        for (size_t i = 0; i < nf; i++) {
            FZ_CHECK(fields[i][lens[i]] == '\0', "NUL-terminated at its length");
            size_t bad = lmk_utf8_invalid(fields[i], lens[i]);
            FZ_CHECK(bad <= lens[i] && (bad == 0 || (unsigned char)fields[i][bad - 1] >= 0x80),
                     "a byte refused as UTF-8 is in the field and not ASCII");
            lmk_buf_add(&t->text, fields[i], lens[i]);
            lmk_buf_add(&t->lengths, &lens[i], sizeof lens[i]);
        }
    }
    lmk_csv_close(c);
    return ok;
}

/* Writes t back as CSV, every field quoted. */
static void write_back(const table *t, lmk_buf *out) {
    const size_t *counts = (const size_t *)(const void *)t->counts.data;
    const size_t *lens = (const size_t *)(const void *)t->lengths.data;
    const char *p = t->text.data;
    size_t f = 0;
    for (size_t r = 0; r < t->records; r++) {
        for (size_t i = 0; i < counts[r]; i++, f++) {
            if (i) lmk_buf_add(out, ",", 1);
            lmk_buf_add(out, "\"", 1);
            const char *q = p, *end = p + lens[f], *quote;
            while ((quote = memchr(q, '"', (size_t)(end - q)))) {
                lmk_buf_add(out, q, (size_t)(quote - q) + 1); /* through the quote */
                lmk_buf_add(out, "\"", 1);                    /* doubled */
                q = quote + 1;
            }
            lmk_buf_add(out, q, (size_t)(end - q));
            lmk_buf_add(out, "\"", 1);
            p += lens[f];
        }
        lmk_buf_add(out, "\r\n", 2);
    }
}

/* Frees what a table holds. */
static void table_free(table *t) {
    lmk_buf_free(&t->text);
    lmk_buf_free(&t->lengths);
    lmk_buf_free(&t->counts);
}

/* 1 when both tables hold the same records. */
static int same(const table *a, const table *b) {
    return a->records == b->records && a->text.len == b->text.len &&
           a->lengths.len == b->lengths.len && a->counts.len == b->counts.len &&
           (!a->text.len || !memcmp(a->text.data, b->text.data, a->text.len)) &&
           (!a->lengths.len || !memcmp(a->lengths.data, b->lengths.data, a->lengths.len)) &&
           (!a->counts.len || !memcmp(a->counts.data, b->counts.data, a->counts.len));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    lmk_buf file;
    lmk_buf_init(&file);
    if (size && data[0] == 0xB0) {
        /* records of 1 KiB, then the input from just before 64 KiB on */
        static char filler[65536];
        size_t at = 65536 - (size > 1 ? data[1] % 64 : 0) - 8;
        memset(filler, 'x', at);
        for (size_t i = 1023; i < at; i += 1024) filler[i] = '\n';
        filler[at - 1] = '\n';
        lmk_buf_add(&file, filler, at);
        lmk_buf_add(&file, data + 1, size - 1);
    } else {
        lmk_buf_add(&file, data, size);
    }
    table t = {0};
    lmk_buf_init(&t.text);
    lmk_buf_init(&t.lengths);
    lmk_buf_init(&t.counts);
    if (read_all(0, file.data, file.len, &t)) {
        FZ_CHECK(t.text.len <= file.len, "fields are no longer than the file");
        lmk_buf again;
        lmk_buf_init(&again);
        write_back(&t, &again);
        table u = {0};
        FZ_CHECK(read_all(1, again.data ? again.data : "", again.len, &u), "written CSV reads");
        FZ_CHECK(same(&t, &u), "round trip");
        table_free(&u);
        lmk_buf_free(&again);
    }
    table_free(&t);
    lmk_buf_free(&file);
    return 0;
}
