/* fuzz_cursor.c -- lmk_cursor (the paging cursor) driven by a fuzzed
 * server: the strategy and options, then, step by step, which page in
 * flight answers and what it says (count, total, "more", a mark, a Link
 * header carved from the input, or a failure).
 *
 * Input: seven option bytes (strategy, prefetch, max_pages, first,
 * limit, caps, by_offset), then per answer: which page in flight, a kind
 * byte (count in its low bits; 0x08 a mark, 0x10 the Link header, 0x20
 * no total, 0x40 "more"; 0xff a failed request), a total byte, a mark
 * byte, and the Link header up to a newline.  The seeds in
 * fuzz/corpus/cursor/ are written by hand (link, link with rel=last,
 * page number, offset), not by make_seeds.lua.
 *
 * Invariants:
 *   - pages are taken 1, 2, 3, ... with no gap and each once;
 *   - a page is taken only after it arrived;
 *   - pages asked and not taken never exceed prefetch;
 *   - once take says over (-1) or failed (-2) it keeps saying so, and
 *     nothing more is asked;
 *   - a walk with no declared end never takes more than max_pages pages;
 *   - lmk_page_key never fails on any URL and is the same when asked
 *     twice. */
#include "../src/core/lmskit.h"
#include "../src/core/page_guard.h"
#include "fuzz.h"
#include "../tests/same_origin.h"

/* Page keys of a fuzzed URL agree with themselves. */
static void check_key(const char *url) {
    lmk_buf a, b;
    lmk_buf_init(&a);
    lmk_buf_init(&b);
    FZ_CHECK(lmk_page_key(url, "page", &a) == LMK_OK, "a key for any URL");
    FZ_CHECK(lmk_page_key(url, "page", &b) == LMK_OK, "a key again");
    FZ_CHECK(a.len == b.len && memcmp(a.data, b.data, a.len) == 0, "the same key");
    lmk_buf_free(&a);
    lmk_buf_free(&b);
    (void)lmk_page_param_number(url, "page");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    fz_input in = { data, size };
    lmk_cursor_opts o;
    memset(&o, 0, sizeof o);
    o.strategy = (lmk_paging)(fz_byte(&in) % 4);
    o.prefetch = 1 + fz_byte(&in) % 8;
    o.max_pages = 1 + fz_byte(&in) % 20;
    o.first = fz_byte(&in) % 4;
    o.limit = fz_byte(&in) % 6;
    long caps[2] = { 2, 3 };
    o.caps = caps;
    o.ncaps = fz_byte(&in) % 3;
    o.by_offset = fz_byte(&in) & 1;
    o.page_param = "page";
    o.first_url = "https://h/items";
    o.follow = follow;
    lmk_cursor *c;
    FZ_CHECK(lmk_cursor_new(&o, &c) == LMK_OK, "valid options make a cursor");
    size_t flight[16], nflight = 0, taken = 0;
    int arrived[512] = {0}, ended = 0, ranged_seen = 0;
    for (int step = 0; step < 400; step++) {
        size_t idx;
        int t = lmk_cursor_take(c, &idx);
        if (ended) FZ_CHECK(t < 0, "an ended walk stays ended");
        if (t == 1) {
            FZ_CHECK(idx == taken + 1 && idx < 512 && arrived[idx], "in order, after it arrived");
            taken = idx;
            continue;
        }
        if (t < 0) ended = 1;
        lmk_page_ask a;
        while (lmk_cursor_ask(c, &a)) {
            FZ_CHECK(!ended, "nothing asked once the walk ended");
            FZ_CHECK(nflight < 16 && a.index < 512, "bounded");
            if (a.by == LMK_PAGE_NUMBER && o.strategy == LMK_PAGING_LINK) ranged_seen = 1;
            if (a.by == LMK_PAGE_URL) check_key(a.url);
            flight[nflight++] = a.index;
        }
        FZ_CHECK(lmk_cursor_in_flight(c) <= o.prefetch, "at most prefetch in flight");
        if (nflight == 0 || in.n == 0) break;
        size_t pick = fz_byte(&in) % nflight;
        uint8_t kind = fz_byte(&in);
        lmk_page_seen seen;
        memset(&seen, 0, sizeof seen);
        seen.count = kind % 5;
        seen.total = (kind & 0x20) ? -1 : fz_byte(&in) % 12;
        seen.more = (kind & 0x40) != 0;
        char mark[8];
        snprintf(mark, sizeof mark, "m%u", (unsigned)(fz_byte(&in) % 6));
        if (kind & 0x08) {
            seen.mark = mark;
            seen.mark_len = strlen(mark);
        }
        size_t link_len;
        const uint8_t *link = fz_take(&in, '\n', &link_len);
        char *header = fz_cstr(link, link_len);
        if (header && (kind & 0x10)) {
            seen.link = header;
            seen.link_len = strlen(header);
        }
        size_t index = flight[pick];
        flight[pick] = flight[--nflight];
        FZ_CHECK(lmk_cursor_arrived(c, index, kind == 0xff ? NULL : &seen) == LMK_OK,
                 "an answer in flight is taken");
        arrived[index] = 1;
        free(header);
    }
    int declared = o.strategy == LMK_PAGING_PAGE_NUMBER || ranged_seen;
    if (!declared) FZ_CHECK((long)taken <= o.max_pages, "max_pages holds");
    lmk_cursor_free(c);
    return 0;
}
