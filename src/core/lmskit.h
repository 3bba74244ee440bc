/*
 * lmskit.h -- the pure C core of lmskit (no Lua here).
 *
 * The core owns everything that touches the wire: an engine over one libcurl
 * multi handle with a share handle, clients (origin, TLS policy, auth
 * strategy, secrets), requests, URL/query encoding, Link header parsing,
 * error kinds and redaction.  Every function reports failure as an lmk_kind
 * code; the Lua binding turns codes into lmskit.Error values.
 *
 * Ownership: every object returned by a *_new function is owned by the
 * caller and released by the matching *_free.  Requests and the engine may be
 * freed in either order (a garbage collector decides): each unlinks itself
 * from the other.  Nothing here keeps global mutable state; libcurl's global
 * init runs once, thread-safely, through lmk_global_init().
 */
#ifndef LMSKIT_H
#define LMSKIT_H

#include <stddef.h>

/* LMK_API marks the public functions.  liblmskit.so is built with
 * -fvisibility=hidden and LMK_BUILD_SHARED, so exactly these are exported;
 * the Lua module builds the same sources without it and exports only
 * luaopen_lmskit_core. */
#if defined(LMK_BUILD_SHARED) && defined(__GNUC__)
#define LMK_API __attribute__((visibility("default")))
#else
#define LMK_API
#endif

#ifdef __cplusplus
extern "C" {
#endif

#define LMK_VERSION "0.1.0"
#define LMK_USER_AGENT "lmskit/" LMK_VERSION

/* Error kinds, shared by every layer (DESIGN.md "Errors are values"). */
typedef enum lmk_kind {
    LMK_OK = 0,
    LMK_USAGE,        /* the caller asked for something impossible or unsafe */
    LMK_TRANSPORT,    /* connect refused, connection dropped, DNS ... */
    LMK_TLS,          /* certificate or handshake failure */
    LMK_TIMEOUT,      /* connect or total timeout */
    LMK_AUTH,         /* 401 */
    LMK_FORBIDDEN,    /* 403 */
    LMK_NOT_FOUND,    /* 404, 410 */
    LMK_VALIDATION,   /* 400, 409, 422 */
    LMK_RATE_LIMITED, /* 429 */
    LMK_SERVER,       /* 5xx and any other unexpected status */
    LMK_DECODE,       /* a body that is not what the vendor promised */
    LMK_NOMEM,        /* allocation failure */
    LMK_KIND_COUNT
} lmk_kind;

/* The stable, lower-case name of a kind ("not_found"). */
LMK_API const char *lmk_kind_name(lmk_kind kind);
/* The kind an HTTP status means; LMK_OK for statuses below 400. */
LMK_API lmk_kind lmk_kind_from_status(long status);

/* Runs curl_global_init exactly once per process (thread-safe; init.c). */
LMK_API lmk_kind lmk_global_init(void);

/* Seconds on a monotonic clock (clock.c). */
LMK_API double lmk_monotonic(void);
/* Seconds a Retry-After value asks for; -1 when unreadable (retry_after.c). */
LMK_API double lmk_retry_after(const char *value);

/* ---- rate limiting (limiter.c) ---- */

/* At most `calls` starts in any `per` seconds, plus lock-outs. */
typedef struct lmk_limiter lmk_limiter;
LMK_API lmk_kind lmk_limiter_new(size_t calls, double per, lmk_limiter **out);
LMK_API void lmk_limiter_free(lmk_limiter *l);
/* Seconds to wait before a call may start at `now` (0: go now). */
LMK_API double lmk_limiter_delay(const lmk_limiter *l, double now);
/* Records a call started at `now` (after a zero delay). */
LMK_API void lmk_limiter_record(lmk_limiter *l, double now);
/* Lets nothing start before `until` (a vendor's lock-out). */
LMK_API void lmk_limiter_block(lmk_limiter *l, double until);

/* ---- growable byte buffer: always NUL-terminated when data != NULL ---- */
typedef struct lmk_buf {
    char *data;
    size_t len;
    size_t cap;
    int secret;   /* 1: every block let go of is wiped first (see below) */
} lmk_buf;

LMK_API void lmk_buf_init(lmk_buf *b);
/* A buffer for credentials: growing, resetting and freeing it wipe the
 * memory it releases, so no copy of what it held is left in the heap. */
LMK_API void lmk_buf_init_secret(lmk_buf *b);
LMK_API void lmk_buf_free(lmk_buf *b);
LMK_API void lmk_buf_reset(lmk_buf *b);
/* Makes room for n more bytes at once (no growth until they are added). */
LMK_API lmk_kind lmk_buf_reserve(lmk_buf *b, size_t n);
LMK_API lmk_kind lmk_buf_add(lmk_buf *b, const void *p, size_t n);
LMK_API lmk_kind lmk_buf_adds(lmk_buf *b, const char *s);
/* Takes the buffer's memory: the caller frees the result (through
 * lmk_free_secret when the buffer was secret); b is emptied. */
LMK_API char *lmk_buf_take(lmk_buf *b);

/* ---- wiping (wipe.c) ---- */

/* Overwrites n bytes with zeros in a way the compiler keeps (OPENSSL_cleanse). */
LMK_API void lmk_wipe(void *p, size_t n);
/* Wipes a NUL-terminated string, then frees it; NULL is ignored. */
LMK_API void lmk_free_secret(char *s);

/* ---- encoding (encode.c) ---- */

/* Appends s percent-encoded: only RFC 3986 unreserved characters stay. */
LMK_API lmk_kind lmk_pct_encode(lmk_buf *out, const char *s, size_t n);

/* Formats a Lua number for a path, query or form: an integral value is
 * written as an integer (17431949894, never 1.7e+10 or 3.0).  LMK_USAGE
 * (out empty) for NaN, the infinities and integral values outside the
 * 64-bit range, which no id can be. */
LMK_API lmk_kind lmk_number_text(double value, char out[40]);

/* Supplies the value of a ":name" path parameter; returns LMK_OK with
 * *value set, or LMK_USAGE when the parameter is missing. */
typedef lmk_kind (*lmk_param_fn)(void *ud, const char *name, size_t name_len,
                                 const char **value, size_t *value_len);

/* Expands a route such as "/courses/:id": each ":name" segment becomes the
 * percent-encoded value (a "/" cannot add a segment, CR/LF cannot reach a
 * header).  Empty values and the dot segments "." and ".." are refused. */
LMK_API lmk_kind lmk_path_expand(lmk_buf *out, const char *route, lmk_param_fn fn,
                         void *ud, const char **why);

/* Builds application/x-www-form-urlencoded text (a query or a form body)
 * from nested data: the caller walks its tree and pushes key parts.
 * Scalars:  x=1.  Arrays: push_array -> x[]=1&x[]=2.  Tables: x[k]=v. */
#define LMK_QUERY_MAX_DEPTH 16
typedef struct lmk_query {
    lmk_buf out;                       /* the encoded text so far */
    lmk_buf key;                       /* the current key, encoded */
    size_t marks[LMK_QUERY_MAX_DEPTH]; /* key length before each push */
    size_t depth;
} lmk_query;

LMK_API void lmk_query_init(lmk_query *q);
LMK_API void lmk_query_free(lmk_query *q);
LMK_API lmk_kind lmk_query_push_key(lmk_query *q, const char *name, size_t n);
LMK_API lmk_kind lmk_query_push_array(lmk_query *q);
LMK_API void lmk_query_pop(lmk_query *q);
/* Emits "<current key>=<value>" (value percent-encoded). */
LMK_API lmk_kind lmk_query_value(lmk_query *q, const char *value, size_t n);

/* ---- Link header (link.c), RFC 8288 ---- */

/* Called once per relation type of each link-value: rel="next last" on one
 * link calls back twice.  A non-zero return stops the walk. */
typedef int (*lmk_link_fn)(void *ud, const char *uri, size_t uri_len,
                           const char *rel, size_t rel_len);

/* Walks a Link header value: several links, quoted or bare parameters,
 * commas inside quotes or <...>, any whitespace including line breaks.
 * Returns LMK_DECODE for a header that is not a link list. */
LMK_API lmk_kind lmk_link_parse(const char *header, size_t len, lmk_link_fn fn,
                        void *ud);

/* Finds the target of the first link with relation rel; 1 found, 0 not.
 * The binding walks with lmk_link_parse (core.links); this one-relation
 * look-up is kept as an oracle: fuzz/fuzz_link.c checks it agrees with a
 * full walk, and tests/core_test.c reads targets through it. */
LMK_API int lmk_link_find(const char *header, size_t len, const char *rel,
                  lmk_buf *uri_out);

/* ---- JSON Web Signatures (jwt.c) ---- */

typedef enum lmk_jwt_alg {
    LMK_JWT_HS256, LMK_JWT_HS384, LMK_JWT_HS512, LMK_JWT_RS256, LMK_JWT_ES256
} lmk_jwt_alg;

/* "HS256" -> LMK_JWT_HS256; LMK_USAGE for anything else ("none" included). */
LMK_API lmk_kind lmk_jwt_alg_from_name(const char *name, lmk_jwt_alg *out);
/* Appends the compact JWS base64url(header).base64url(payload).sig.
 * HMAC keys are raw bytes and must be at least the digest's length; RS256
 * and ES256 keys are PEM private keys (RSA >= 2048 bits, EC P-256). */
LMK_API lmk_kind lmk_jwt_sign(lmk_jwt_alg alg, const char *key, size_t key_len,
                      const char *header, size_t header_len,
                      const char *payload, size_t payload_len, lmk_buf *out,
                      const char **why);
/* Appends base64url without padding. */
LMK_API lmk_kind lmk_base64url(lmk_buf *out, const unsigned char *data, size_t n);
/* Writes 2*nbytes hex digits (+NUL) from OpenSSL's CSPRNG; nbytes <= 64. */
LMK_API lmk_kind lmk_random_hex(char *out, size_t nbytes);

/* ---- CSV (csv.c, through libcsv) ---- */

typedef struct lmk_csv lmk_csv;
/* Opens a CSV file for streaming; *why holds the system's reason. */
LMK_API lmk_kind lmk_csv_open(const char *path, lmk_csv **out, const char **why);
/* Next record: 1 with fields (valid until the next call), 0 at the end,
 * -1 on a malformed file (*why says why; lmk_csv_line where).  Blank
 * lines are skipped.  Strict: a stray quote is malformed. */
LMK_API int lmk_csv_next(lmk_csv *c, size_t *nfields, const char *const **fields,
                 const size_t **lengths, const char **why);
/* How many records lmk_csv_next has returned. */
LMK_API size_t lmk_csv_record_number(const lmk_csv *c);
/* The physical line (1-based) the record last returned starts on; after
 * lmk_csv_next returned -1, the line the error was found on. */
LMK_API size_t lmk_csv_line(const lmk_csv *c);
/* 0 when s is valid UTF-8 (no overlong forms, surrogates or code points
 * beyond U+10FFFF); else 1 + the offset of the first byte that is not. */
LMK_API size_t lmk_utf8_invalid(const char *s, size_t len);
LMK_API void lmk_csv_close(lmk_csv *c);

/* ---- journals (journal.c) ---- */

typedef struct lmk_journal lmk_journal;
/* Opens (creating, mode 0600) a journal for appending and takes its
 * exclusive lock.  content receives what the file holds, every line
 * whole: a last line without its newline (a torn record) is cut off the
 * file, and *torn says how many bytes it had.  A journal locked by
 * another job (any process, this one too): LMK_USAGE, *why saying so and
 * *holder the pid holding it (0 when it cannot be told). */
LMK_API lmk_kind lmk_journal_open(const char *path, lmk_buf *content, size_t *torn, long *holder,
                          lmk_journal **out, const char **why);
/* Appends one record (no newline inside) as one line, in one write(2). */
LMK_API lmk_kind lmk_journal_append(lmk_journal *j, const char *record, size_t len);
/* fdatasync: the records so far survive a power loss. */
LMK_API lmk_kind lmk_journal_sync(lmk_journal *j);
/* Syncs and closes. */
LMK_API void lmk_journal_close(lmk_journal *j);

/* ---- hashing (hash.c) ---- */

/* SHA-256 of data as 64 hex digits (+NUL): content hashes of rows. */
LMK_API lmk_kind lmk_sha256_hex(const void *data, size_t len, char out[65]);

/* ---- files and descriptors (files.c) ---- */

/* The absolute path with symlinks resolved (malloc'd), NULL when it
 * does not exist. */
LMK_API char *lmk_realpath(const char *path);
/* 1 when fd is a terminal (progress bars go only there). */
LMK_API int lmk_isatty(int fd);
/* The permission bits of a file, or -1 when it cannot be read. */
LMK_API int lmk_file_mode(const char *path);

/* ---- secret names (secret_names.c) ---- */

/* The one list of secret names (lower-case): the query parameters every
 * client redacts, the fields dry runs mask, the CSV columns bulk jobs
 * never key, journal or report; *n is set to its length. */
LMK_API const char *const *lmk_secret_names(size_t *n);
/* 1 when a name holds a secret: lower-cased, it is a listed name, or
 * starts or ends with one joined by "_" or "-"; "key" only as the whole
 * name or a suffix ("api_key", not "key_id").  NULL: 0. */
LMK_API int lmk_secret_name(const char *name);

/* ---- redaction (redact.c) ---- */

/* Copies text into out with every secret replaced by "[REDACTED]" and the
 * value of every query parameter named in params (e.g. "api_key")
 * replaced too.  Secrets shorter than 3 bytes are ignored (they would
 * mangle text without protecting anything). */
LMK_API lmk_kind lmk_redact(lmk_buf *out, const char *text, size_t len,
                    const char *const *secrets, size_t nsecrets,
                    const char *const *params, size_t nparams);
/* Appends s with control characters escaped (\r, \n, \t, \xNN; DEL is
 * \x7f): text from a server cannot forge a log line or a terminal escape. */
LMK_API lmk_kind lmk_escape_controls(lmk_buf *out, const char *s, size_t n);

/* ---- clients (client.c) ---- */

typedef enum lmk_auth_kind {
    LMK_AUTH_NONE = 0,
    LMK_AUTH_BEARER, /* Authorization: Bearer <secret> */
    LMK_AUTH_TOKEN,  /* Authorization: Token token="<secret>" */
    LMK_AUTH_BASIC,  /* HTTP Basic, user:secret (secret may be empty) */
    LMK_AUTH_QUERY   /* ?<param>=<secret> on every request */
} lmk_auth_kind;

typedef struct lmk_client_opts {
    const char *base_url;      /* https://host[:port][/prefix] */
    lmk_auth_kind auth;
    const char *secret;        /* token, key or password */
    const char *user;          /* Basic user */
    const char *param;         /* query parameter name for LMK_AUTH_QUERY */
    const char *ca_file;       /* trust only this CA bundle when set: a
                                  regular file with PEM certificates,
                                  checked by lmk_client_new (LMK_USAGE) */
    const char *user_agent;    /* NULL: LMK_USER_AGENT */
    const char *proxy;         /* e.g. http://proxy:3128; NULL: none */
    int proxy_from_env;        /* with no proxy: 1 honours https_proxy,
                                  ALL_PROXY, no_proxy... (libcurl's rules);
                                  0 (default) uses no proxy at all */
    size_t max_response;       /* most bytes a response body may have,
                                  counted after decompression (a gzip
                                  bomb stops there); 0: the default */
    long timeout_ms;           /* total per attempt; 0: 60 s */
    long connect_timeout_ms;   /* 0: 10 s */
    int http_version;          /* 0: HTTP/2 when offered; 1: HTTP/1.1 only */
    int allow_http_loopback;   /* tests only: http:// to 127.0.0.0/8, ::1 */
} lmk_client_opts;

/* The default max_response: 64 MiB. */
#define LMK_MAX_RESPONSE_DEFAULT ((size_t)64 * 1024 * 1024)

typedef struct lmk_client lmk_client;

/* Validates opts and copies everything it keeps.  On failure returns the
 * kind and sets *why to a static explanation. */
LMK_API lmk_kind lmk_client_new(const lmk_client_opts *opts, lmk_client **out,
                        const char **why);
LMK_API void lmk_client_free(lmk_client *c);

/* Adds a string that must never appear in messages, for the client's
 * life: a copy of it and of each form it takes on the wire or in a reply
 * (percent-encoded, JSON-escaped) is kept and wiped when the client is
 * freed.  Strings shorter than 3 bytes are ignored.  The client itself
 * registers its credential this way, and for Basic auth also the user,
 * base64("user:password") and "Basic <base64>". */
LMK_API lmk_kind lmk_client_add_secret(lmk_client *c, const char *secret);

/* How many per-attempt secrets a client remembers (see below). */
#define LMK_ATTEMPT_SECRETS 256

/* Adds a secret that lives for one attempt, such as a JWT minted for a
 * single request: it is masked like lmk_client_add_secret's, but only the
 * last LMK_ATTEMPT_SECRETS are kept (the oldest is wiped and forgotten),
 * so a job minting one per call keeps bounded memory.  In Lua:
 * client:add_secret(s) on a core client. */
LMK_API lmk_kind lmk_client_add_attempt_secret(lmk_client *c, const char *secret);
/* Redacts this client's secrets and secret query parameters from text. */
LMK_API lmk_kind lmk_client_redact(const lmk_client *c, const char *text, size_t len,
                           lmk_buf *out);
/* 1 when url has the client's scheme, host and port. */
LMK_API int lmk_client_same_origin(const lmk_client *c, const char *url);
/* The base URL the client was made with. */
LMK_API const char *lmk_client_base_url(const lmk_client *c);
/* Resolves a URI reference against an absolute base URL (RFC 3986) with
 * libcurl's URL parser; LMK_USAGE when either is malformed. */
LMK_API lmk_kind lmk_url_resolve(const char *base, const char *ref, lmk_buf *out);

/* ---- paging cursor (cursor.c, page_guard.c) ----
 *
 * One list walk's decisions, with no I/O: which page to ask next, how many
 * may be in flight, when the walk ends, and the order pages are handed
 * back.  The caller (the binding) sends what lmk_cursor_ask names, tells
 * lmk_cursor_arrived what each response said (the Link header as it came;
 * the item count, a declared total and a page mark from the decoded body),
 * and hands pages back as lmk_cursor_take releases them, strictly in order.
 *
 *   LINK         follow rel="next" (Canvas Catalog); when the first page
 *                is the caller's own (numbered) request and its rel="last"
 *                names the last page number, the rest is asked by number
 *   PAGE_NUMBER  page first, first+1, ... up to a declared total (Cerego
 *                meta.total-pages), else while the page says "more"
 *   PAGE         page 1, 2, ... (or an offset moved by each page's count)
 *                until an empty page (MATRIX)
 *   OFFSET       offset/limit until a page shorter than the limit whose
 *                length is not one of the vendor's caps (Coursepath)
 *
 * Pages are numbered 1, 2, ... in the order they are handed back.  Pages
 * whose range is known (a declared total, rel="last") are asked up to
 * `prefetch` ahead; the others one at a time, each once the one before it
 * has been taken (so a reader that stops early sends no extra request).
 * An empty page ends every walk.  A walk without a declared end is
 * guarded: a link to a page already read, a page whose mark (first id,
 * last id, count) repeats an earlier page's, more than max_pages pages, or
 * a rel="next" off the client's origin fail the walk with a message; the
 * failure is handed back in order, where the Lua walk raised it. */
typedef struct lmk_cursor lmk_cursor;

typedef enum lmk_paging {
    LMK_PAGING_LINK,
    LMK_PAGING_PAGE_NUMBER,
    LMK_PAGING_PAGE,
    LMK_PAGING_OFFSET
} lmk_paging;

/* Resolves ref against the absolute URL base into out; 1 when the result
 * is on the client's origin, 0 when it is elsewhere or malformed (the
 * binding: lmk_url_resolve and lmk_client_same_origin). */
typedef int (*lmk_cursor_follow_fn)(void *ud, const char *base,
                                    const char *ref, lmk_buf *out);

typedef struct lmk_cursor_opts {
    lmk_paging strategy;
    long first;              /* LINK: the first request's page number, 0
                                when it is an absolute URL (no asking
                                ahead); PAGE_NUMBER, PAGE: first page
                                number; OFFSET, PAGE by_offset: offset */
    int by_offset;           /* PAGE: move by offset, not page number */
    long limit;              /* OFFSET: items asked per page */
    const long *caps;        /* OFFSET: lengths the server may cap a page */
    size_t ncaps;            /*   at (a page that long is not the last) */
    const char *page_param;  /* LINK: the page parameter, NULL: none */
    const char *first_url;   /* LINK: the first request's URL */
    lmk_cursor_follow_fn follow; /* LINK: resolves links (required) */
    void *follow_ud;
    size_t prefetch;         /* most pages asked and not yet taken, >= 1 */
    long max_pages;          /* most pages of a walk with no declared end */
} lmk_cursor_opts;

/* How a request names its page. */
typedef enum lmk_page_by {
    LMK_PAGE_FIRST,   /* the caller's own request, as given */
    LMK_PAGE_NUMBER,  /* the caller's request with page number n */
    LMK_PAGE_OFFSET,  /* the caller's request with offset n */
    LMK_PAGE_URL      /* GET url (a followed rel="next") */
} lmk_page_by;

/* A request to send now. */
typedef struct lmk_page_ask {
    size_t index;     /* the page's place in the walk, from 1 */
    lmk_page_by by;
    long n;
    const char *url;  /* LMK_PAGE_URL: owned by the cursor, valid until
                         the next call on it */
} lmk_page_ask;

/* What a response said. */
typedef struct lmk_page_seen {
    const char *link;   /* the Link header, NULL when absent */
    size_t link_len;
    long count;         /* items on the page */
    long total;         /* PAGE_NUMBER: declared total pages, -1: none */
    int more;           /* PAGE_NUMBER: the page says more exist */
    const char *mark;   /* first id, last id, count; NULL: an item has */
    size_t mark_len;    /*   no id (no check) */
} lmk_page_seen;

/* Makes a cursor; LMK_USAGE for impossible options (prefetch or
 * max_pages below 1, LINK without follow or first_url). */
LMK_API lmk_kind lmk_cursor_new(const lmk_cursor_opts *opts, lmk_cursor **out);
LMK_API void lmk_cursor_free(lmk_cursor *c);
/* 1 and *ask filled when a request should be sent now; 0 when none may
 * be (the next is not known yet, the window is full, or the walk ends). */
LMK_API int lmk_cursor_ask(lmk_cursor *c, lmk_page_ask *ask);
/* Page index came back; seen NULL when its request failed (the failure is
 * handed back in its place and ends the walk).  LMK_NOMEM, or LMK_USAGE
 * for an index not in flight. */
LMK_API lmk_kind lmk_cursor_arrived(lmk_cursor *c, size_t index,
                                    const lmk_page_seen *seen);
/* The next page in order: 1 with *index when it has arrived (the caller
 * hands it back; its slot is free again), 0 when it has not yet (ask,
 * then wait for an answer), -1 when the walk is over (answers still in
 * flight are dropped), -2 when the walk fails here: *index is the page
 * whose request failed, or 0 for the cursor's own refusal (the message
 * from lmk_cursor_error, the URL from lmk_cursor_error_url). */
LMK_API int lmk_cursor_take(lmk_cursor *c, size_t *index);
/* The failure's message (decode kind), "" when none. */
LMK_API const char *lmk_cursor_error(const lmk_cursor *c);
/* The URL the failure names (the page that led there), NULL: the first. */
LMK_API const char *lmk_cursor_error_url(const lmk_cursor *c);
/* Pages asked and not yet taken. */
LMK_API size_t lmk_cursor_in_flight(const lmk_cursor *c);
/* 1 while the next pages are asked by number inside a known range (a
 * declared total, rel="last"): a caller may ask again as soon as it takes
 * a page, keeping the window full; 0 while each next request waits for the
 * page before it to be taken. */
LMK_API int lmk_cursor_ahead(const lmk_cursor *c);

/* ---- requests and the engine (request.c, engine.c) ---- */

typedef struct lmk_request lmk_request;
typedef struct lmk_engine lmk_engine;

typedef struct lmk_request_opts {
    const char *method;       /* GET POST PUT PATCH DELETE */
    const char *target;       /* path+query below the base URL, or an
                                 absolute URL on the client's own origin */
    const char *body;         /* NULL: no body */
    size_t body_len;
    const char *content_type; /* for the body */
    const char *const *headers; /* extra "Name: value" lines */
    size_t nheaders;
    int once;                 /* 1: transmit at most once, reads too (the
                                 request carries a single-use credential,
                                 such as a JWT with a jti); writes always are */
    long timeout_ms;          /* this attempt at most, when shorter than the
                                 client's timeout (a call's deadline); 0: none */
} lmk_request_opts;

/* Builds a request (not yet sent).  The request copies what it keeps and
 * borrows nothing from opts; it reads c only while it is built (c may be
 * freed while the request runs).  Header lines with CR/LF and targets on
 * another origin are refused. */
LMK_API lmk_kind lmk_request_new(lmk_client *c, const lmk_request_opts *opts,
                         lmk_request **out, const char **why);
LMK_API void lmk_request_free(lmk_request *r);

/* 1 once the transfer has finished (well or not). */
LMK_API int lmk_request_done(const lmk_request *r);
/* The outcome: LMK_OK when an HTTP response arrived (whatever its status),
 * otherwise the transport kind with a message in *detail; LMK_DECODE
 * ("response larger than N bytes") when the body passed the client's
 * max_response (declared or counted while receiving, after decoding),
 * with the status that came before it. */
LMK_API lmk_kind lmk_request_outcome(const lmk_request *r, const char **detail);
LMK_API long lmk_request_status(const lmk_request *r);
LMK_API const char *lmk_request_body(const lmk_request *r, size_t *len);
/* The effective URL (never redacted: callers redact before showing it). */
LMK_API const char *lmk_request_url(const lmk_request *r);
/* Appends to url the URL a request for target (a path below the base URL,
 * or an absolute URL on the client's origin; a query included) goes to,
 * with the query credential when the client sends one: the one place
 * that URL is made, for requests and for what messages, logs and dry runs
 * show (the caller redacts it; url should be a secret buffer).  LMK_USAGE
 * with why for a target that cannot be sent (another origin, no leading
 * '/', control characters). */
LMK_API lmk_kind lmk_client_url(lmk_client *c, const char *target, lmk_buf *url,
                                const char **why);
/* 1 when the request may have reached the server (bytes were sent). */
LMK_API int lmk_request_maybe_sent(const lmk_request *r);
/* 1 when it failed on a kept-alive connection that closed before any
 * answer, and libcurl's own second transmission was refused (a request
 * that goes at most once): the server may have closed the connection as
 * idle just as it was reused, so the request most likely never ran, but
 * only a caller that can check (or may repeat it) should send it again. */
LMK_API int lmk_request_stale(const lmk_request *r);
/* Iterates response headers: idx from 0; returns 0 past the end. */
LMK_API int lmk_request_header_at(const lmk_request *r, size_t idx,
                          const char **name, const char **value);
/* The response headers of a successful request as one block, each header
 * its name (as sent) and its value, NUL-terminated, in order; NULL (and
 * *len 0) when none.  It lives as long as the request. */
LMK_API const char *lmk_request_header_block(const lmk_request *r, size_t *len);
/* Steps through a header block from *pos (0 first): the name and value
 * of the header there, *pos moved past it; 0 at the end. */
LMK_API int lmk_headers_next(const char *block, size_t len, size_t *pos,
                             const char **name, const char **value);
/* Removes r from its engine (running or finished and not yet popped). */
LMK_API void lmk_request_detach(lmk_request *r);

LMK_API lmk_kind lmk_engine_new(lmk_engine **out);
/* Detaches every request still linked, then frees curl's handles. */
LMK_API void lmk_engine_free(lmk_engine *e);
/* Starts r on e; r must not be running already. */
LMK_API lmk_kind lmk_engine_submit(lmk_engine *e, lmk_request *r);
/* Advances transfers, waiting at most timeout_ms for activity (0: never
 * blocks).  Finished requests are queued for lmk_engine_next_done. */
LMK_API lmk_kind lmk_engine_step(lmk_engine *e, long timeout_ms);
/* Waits up to timeout_ms even when nothing runs (a pause that keeps
 * other transfers moving), then behaves as lmk_engine_step. */
LMK_API lmk_kind lmk_engine_wait(lmk_engine *e, long timeout_ms);
/* Pops one finished request (NULL when none). */
LMK_API lmk_request *lmk_engine_next_done(lmk_engine *e);
/* Number of requests submitted and not yet finished. */
LMK_API size_t lmk_engine_running(const lmk_engine *e);

/* Bounds the work of one lmk_engine_step or lmk_engine_wait: at most
 * `starts` submitted requests begin their transfer (connection, TLS
 * handshake, sending) in one call; the others wait, counted as running,
 * for the next calls, in the order they were submitted.  A frame-loop
 * host calling lmk_engine_step(e, 0) once a frame thus never does more
 * than `starts` new handshakes in one frame.  0 (the default, and what
 * the Lua binding uses) starts every request at once.  Requests already
 * started are not bounded.  Does not apply to a host loop (below), whose
 * own loop dispatches one socket at a time. */
LMK_API void lmk_engine_set_budget(lmk_engine *e, size_t starts);
/* Requests submitted and waiting for a step's budget to start them. */
LMK_API size_t lmk_engine_waiting(const lmk_engine *e);

/* ---- driving the engine from the host's own event loop (loop.c) ----
 *
 * Instead of calling lmk_engine_step, a host with an event loop (epoll,
 * libuv, a game engine's poll) hands lmskit's sockets and timer to it, as
 * libcurl's CURLMOPT_SOCKETFUNCTION and CURLMOPT_TIMERFUNCTION do:
 *
 *   watch(ud, fd, what)   start watching fd for LMK_WATCH_IN, _OUT or
 *                         both (_INOUT), replacing what was watched for
 *                         it; LMK_WATCH_REMOVE: stop watching fd.
 *   timer(ud, ms)         (re)arm the one timer to fire in ms
 *                         milliseconds (0: as soon as possible, from the
 *                         loop, never from inside the callback); -1:
 *                         disarm it.
 *
 * The host calls lmk_engine_socket_ready when a watched fd is ready and
 * lmk_engine_timer_fired when the timer fires; both advance transfers and
 * queue finished requests for lmk_engine_next_done.  The callbacks run
 * inside lmk_engine_submit, _socket_ready, _timer_fired, _free and
 * lmk_request_free/_detach, and must not call back into the engine.
 * Everything runs on the host's thread: one engine belongs to one thread. */
#define LMK_WATCH_IN 1
#define LMK_WATCH_OUT 2
#define LMK_WATCH_INOUT 3
#define LMK_WATCH_REMOVE 4
typedef void (*lmk_watch_fn)(void *ud, int fd, int what);
typedef void (*lmk_timer_fn)(void *ud, long timeout_ms);

/* Hands e's sockets and timer to the host's loop (both callbacks
 * required).  Only on an engine with nothing submitted yet (LMK_USAGE
 * otherwise); once set, lmk_engine_step and lmk_engine_wait refuse
 * (LMK_USAGE): the loop drives the engine. */
LMK_API lmk_kind lmk_engine_set_loop(lmk_engine *e, lmk_watch_fn watch,
                                     lmk_timer_fn timer, void *ud);
/* What a ready socket can do, for lmk_engine_socket_ready (may be or'ed). */
#define LMK_READY_IN 1
#define LMK_READY_OUT 2
#define LMK_READY_ERR 4
/* Tells e that fd is ready (events: LMK_READY_*) and advances it. */
LMK_API lmk_kind lmk_engine_socket_ready(lmk_engine *e, int fd, int events);
/* Tells e that its timer fired and advances what was due. */
LMK_API lmk_kind lmk_engine_timer_fired(lmk_engine *e);

#ifdef __cplusplus
}
#endif

#endif
