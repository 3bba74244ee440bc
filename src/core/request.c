/* request.c -- one HTTP request: a curl easy handle configured from its
 * client (TLS policy, auth, timeouts), the body it owns and the response
 * it collects. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "internal.h"

/* curl write callback: appends the body (decoded: libcurl inflates gzip
 * before it calls) to the request's buffer, refusing to pass the client's
 * max_response; a declared length is reserved at the first call, so the
 * body takes one allocation.  Returning 0 stops the transfer. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *ud) {
    lmk_request *r = ud;
    size_t n = size * nmemb;
    size_t max = r->max_response;
    if (n > max - r->response.len) { /* response.len <= max always */
        r->too_large = 1;
        return 0;
    }
    curl_off_t declared = -1;
    if (!r->response.cap &&
        curl_easy_getinfo(r->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T,
                          &declared) == CURLE_OK &&
        declared > 0 && (curl_off_t)max >= declared)
        lmk_buf_reserve(&r->response, (size_t)declared); /* a hint only */
    /* never grow past the cap: past a quarter of it, the next block is
     * exactly max + 1 bytes, so the old block copied into it is at most
     * half the cap (plain doubling could allocate and touch twice it) */
    if (r->response.len + n + 1 > r->response.cap &&
        r->response.cap > max / 4)
        lmk_buf_reserve(&r->response, max - r->response.len);
    return lmk_buf_add(&r->response, data, n) == LMK_OK ? n : 0;
}

/* curl pre-request callback, run each time libcurl is about to transmit
 * the request on a connection.  libcurl 7.88 sends a request again on a
 * new connection when a reused one dies before any response byte, even
 * after the server did the work (its Curl_retry_request); for a request
 * that must go at most once the second transmission is refused here, and
 * the transfer fails with an unknown outcome for the Lua layer to settle. */
static int on_prereq(void *ud, char *conn_ip, char *local_ip, int conn_port,
                     int local_port) {
    lmk_request *r = ud;
    (void)conn_ip, (void)local_ip, (void)conn_port, (void)local_port;
    r->transmissions++;
    if (r->once && r->transmissions > 1) {
        r->resend_refused = 1;
        return CURL_PREREQFUNC_ABORT;
    }
    return CURL_PREREQFUNC_OK;
}

/* A read (GET, HEAD): libcurl may repeat it on its own, and its answer
 * may be large, so it asks for a compressed one. */
static int is_read(const char *method) {
    return strcmp(method, "GET") == 0 || strcmp(method, "HEAD") == 0;
}

/* Only a read may be repeated by libcurl on its own: any other method is
 * sent once per attempt, and a second attempt is the Lua layer's choice.
 * A read too when it carries a single-use credential (opts->once). */
static int transmit_once(const char *method) {
    return !is_read(method);
}

/* Methods lmskit sends; anything else is a usage error. */
static int known_method(const char *m) {
    static const char *const methods[] = {"GET", "POST", "PUT", "PATCH",
                                          "DELETE", "HEAD"};
    for (size_t i = 0; i < sizeof methods / sizeof *methods; i++)
        if (strcmp(m, methods[i]) == 0) return 1;
    return 0;
}

/* Refuses bytes a URL or header line must never carry. */
static int has_unsafe_byte(const char *s, int allow_space) {
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c < 0x20 || c == 0x7f || (c == ' ' && !allow_space)) return 1;
    }
    return 0;
}

/* Builds the absolute URL for target, adding the query credential.  A
 * fragment is left out: it is never sent, and a query credential after
 * it would not be either. */
static lmk_kind build_url(lmk_client *c, const char *target, lmk_buf *url,
                          const char **why) {
    if (has_unsafe_byte(target, 0)) {
        *why = "the URL contains spaces or control characters";
        return LMK_USAGE;
    }
    size_t len = strcspn(target, "#");
    if (strstr(target, "://")) {
        if (!lmk_client_same_origin(c, target)) {
            *why = "refusing to send credentials to another origin";
            return LMK_USAGE;
        }
        if (lmk_buf_add(url, target, len) != LMK_OK) return LMK_NOMEM;
    } else {
        if (target[0] != '/') {
            *why = "a request path must start with '/'";
            return LMK_USAGE;
        }
        /* one allocation: the URL (a secret buffer copies as it grows) */
        if (lmk_buf_reserve(url, strlen(c->base_url) + len) != LMK_OK ||
            lmk_buf_adds(url, c->base_url) != LMK_OK ||
            lmk_buf_add(url, target, len) != LMK_OK)
            return LMK_NOMEM;
    }
    if (c->auth == LMK_AUTH_QUERY) {
        if (lmk_buf_adds(url, strchr(url->data, '?') ? "&" : "?") != LMK_OK ||
            lmk_pct_encode(url, c->param, strlen(c->param)) != LMK_OK ||
            lmk_buf_adds(url, "=") != LMK_OK ||
            lmk_pct_encode(url, c->secret, strlen(c->secret)) != LMK_OK)
            return LMK_NOMEM;
    }
    return LMK_OK;
}

/* The URL a request for target goes to (lmskit.h). */
lmk_kind lmk_client_url(lmk_client *c, const char *target, lmk_buf *url,
                        const char **why) {
    return build_url(c, target, url, why);
}

/* Checks the caller's header lines: the content type, and each extra
 * line "Name: value" without control characters. */
static lmk_kind check_headers(const lmk_request_opts *o, const char **why) {
    if (o->body && o->content_type && has_unsafe_byte(o->content_type, 1)) {
        *why = "content type contains control characters";
        return LMK_USAGE;
    }
    for (size_t i = 0; i < o->nheaders; i++) {
        const char *h = o->headers[i];
        const char *colon = strchr(h, ':');
        if (has_unsafe_byte(h, 1) || !colon || colon == h) {
            *why = "a header must be 'Name: value' without CR or LF";
            return LMK_USAGE;
        }
    }
    return LMK_OK;
}

/* Appends the line head + tail to the list in the block: node *i, its
 * text at *text. */
static void put_line(struct curl_slist *nodes, size_t *i, char **text,
                     const char *head, const char *tail) {
    size_t hn = strlen(head), tn = tail ? strlen(tail) : 0;
    nodes[*i].data = *text;
    nodes[*i].next = NULL;
    if (*i) nodes[*i - 1].next = &nodes[*i];
    memcpy(*text, head, hn);
    if (tn) memcpy(*text + hn, tail, tn);
    (*text)[hn + tn] = '\0';
    *text += hn + tn + 1;
    (*i)++;
}

/* Assembles the header list (Expect: off, Accept, auth, content type,
 * extras) in one block: its nodes, then their text.  libcurl only reads
 * the list, so it needs no curl_slist_append (an allocation per line).
 * A write's list also says "Accept-Encoding:", which stops libcurl from
 * sending its own Accept-Encoding line: a write's answer is a small
 * object, not worth compressing, and libcurl formats that line anew for
 * every request (about 9k instructions a POST over HTTP/2).  Decoding
 * stays on (CURLOPT_ACCEPT_ENCODING is set), so a server that compresses
 * anyway is still read. */
static lmk_kind build_headers(lmk_request *r, const lmk_request_opts *o,
                              const char **why) {
    static const char expect[] = "Expect:", accept[] = "Accept: application/json",
                      ctype[] = "Content-Type: ", no_encoding[] = "Accept-Encoding:";
    lmk_client *c = r->client;
    lmk_kind k = check_headers(o, why);
    if (k != LMK_OK) return k;
    int with_ct = o->body && o->content_type, writes = !is_read(o->method);
    size_t n = 2 + (c->auth_header != NULL) + (size_t)with_ct + (size_t)writes;
    size_t text = sizeof expect + sizeof accept + (writes ? sizeof no_encoding : 0);
    if (c->auth_header) text += strlen(c->auth_header) + 1;
    if (with_ct) text += sizeof ctype + strlen(o->content_type);
    for (size_t i = 0; i < o->nheaders; i++) {
        size_t len = strlen(o->headers[i]) + 1;
        if (n + 1 > ((size_t)-1 / 2) / sizeof(struct curl_slist) || len > (size_t)-1 / 2 - text)
            return LMK_NOMEM;
        n++;
        text += len;
    }
    size_t size = n * sizeof(struct curl_slist) + text;
    struct curl_slist *nodes = malloc(size);
    if (!nodes) return LMK_NOMEM;
    char *p = (char *)(nodes + n);
    size_t i = 0;
    put_line(nodes, &i, &p, expect, NULL);
    put_line(nodes, &i, &p, accept, NULL);
    if (writes) put_line(nodes, &i, &p, no_encoding, NULL);
    if (c->auth_header) put_line(nodes, &i, &p, c->auth_header, NULL);
    if (with_ct) put_line(nodes, &i, &p, ctype, o->content_type);
    for (size_t h = 0; h < o->nheaders; h++) put_line(nodes, &i, &p, o->headers[h], NULL);
    r->headers = nodes;
    r->headers_size = size;
    return LMK_OK;
}

#define SET(opt, val) if (rc == CURLE_OK) rc = curl_easy_setopt(e, opt, val)

/* Maps a setopt failure to a kind. */
static lmk_kind setopt_kind(CURLcode rc) {
    return rc == CURLE_OK ? LMK_OK : (rc == CURLE_OUT_OF_MEMORY ? LMK_NOMEM : LMK_USAGE);
}

/* Applies the client's policy to a new easy handle, once (the pool keeps
 * it for the client's next requests): TLS verification is always on,
 * only https (or loopback http in tests), no redirects. */
static lmk_kind configure_client(lmk_client *c, CURL *e) {
    CURLcode rc = CURLE_OK;
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_PROTOCOLS_STR, c->allow_http ? "http,https" : "https");
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_PATH_AS_IS, 1L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    SET(CURLOPT_SSLVERSION, (long)CURL_SSLVERSION_TLSv1_2);
    if (c->ca_file) {
        SET(CURLOPT_CAINFO, c->ca_file);
        SET(CURLOPT_CAPATH, NULL);
    }
    SET(CURLOPT_HTTP_VERSION, c->http_version == 1
                                  ? (long)CURL_HTTP_VERSION_1_1
                                  : (long)CURL_HTTP_VERSION_2TLS);
    SET(CURLOPT_PIPEWAIT, 1L);
    SET(CURLOPT_USERAGENT, c->user_agent);
    /* a proxy only when the client names one, or says to honour the
     * environment (NULL: libcurl reads https_proxy and the like); "" is
     * libcurl's "no proxy at all", whatever the environment holds */
    SET(CURLOPT_PROXY, c->proxy ? c->proxy : c->proxy_from_env ? NULL : "");
    /* a declared Content-Length over the cap fails before the body */
    SET(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)c->max_response);
    SET(CURLOPT_CONNECTTIMEOUT_MS, c->connect_timeout_ms);
    SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_PREREQFUNCTION, on_prereq);
    /* Basic auth travels in the client's own Authorization line (see
     * make_auth_header), so libcurl keeps no copy of the user or password */
    return setopt_kind(rc);
}

/* Sets what is this request's own on its handle, every option a request
 * before it on the same handle may have set included: the URL, where
 * callbacks write, the header list, the timeout, the method and body. */
static lmk_kind configure_request(lmk_request *r, const char *method) {
    lmk_client *c = r->client;
    CURL *e = r->easy;
    CURLcode rc = CURLE_OK;
    SET(CURLOPT_URL, r->url);
    SET(CURLOPT_PRIVATE, (void *)r);
    r->http1 = c->http_version == 1;
    SET(CURLOPT_TIMEOUT_MS, r->timeout_ms > 0 && r->timeout_ms < c->timeout_ms
                                ? r->timeout_ms : c->timeout_ms);
    SET(CURLOPT_ERRORBUFFER, r->errbuf);
    SET(CURLOPT_WRITEDATA, (void *)r);
    SET(CURLOPT_HTTPHEADER, r->headers);
    SET(CURLOPT_PREREQDATA, (void *)r);
#if LIBCURL_VERSION_NUM >= 0x081000 /* CURLOPT_FORBID_RETRY_ON_REUSE: 8.16 */
    SET(CURLOPT_FORBID_RETRY_ON_REUSE, r->once ? 1L : 0L);
#endif
    /* an earlier request's body and method are undone first: POSTFIELDS
     * (even NULL) makes it a POST, HTTPGET then makes it a plain GET again
     * (no upload, no NOBODY), and no custom method */
    SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)-1);
    SET(CURLOPT_POSTFIELDS, NULL);
    SET(CURLOPT_HTTPGET, 1L);
    SET(CURLOPT_CUSTOMREQUEST, NULL);
    if (strcmp(method, "HEAD") == 0) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") != 0) {
        if (strcmp(method, "POST") != 0) SET(CURLOPT_CUSTOMREQUEST, method);
        if (r->body || strcmp(method, "POST") == 0) {
            SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)r->body_len);
            SET(CURLOPT_POSTFIELDS, r->body ? r->body : "");
        }
    }
    return setopt_kind(rc);
}
#undef SET

/* Builds a request on client c from o (method, target, body, headers,
 * timeout); *why says what was refused. */
lmk_kind lmk_request_new(lmk_client *c, const lmk_request_opts *o,
                         lmk_request **out, const char **why) {
    *out = NULL;
    *why = NULL;
    if (!o->method || !known_method(o->method)) {
        *why = "unknown HTTP method";
        return LMK_USAGE;
    }
    if (!o->target) {
        *why = "a request needs a path";
        return LMK_USAGE;
    }
    lmk_request *r = calloc(1, sizeof *r);
    if (!r) return LMK_NOMEM;
    r->client = c;
    r->max_response = c->max_response;
    r->once = o->once || transmit_once(o->method);
    lmk_buf_init_secret(&r->response); /* an echo may carry a credential */
    lmk_buf_init(&r->head);
    r->timeout_ms = o->timeout_ms;
    lmk_buf url;
    lmk_buf_init_secret(&url); /* it may carry the query credential */
    lmk_kind k = build_url(c, o->target, &url, why);
    if (k == LMK_OK) {
        r->url = lmk_buf_take(&url);
        if (!r->url) k = LMK_NOMEM;
    }
    lmk_buf_free(&url);
    if (k == LMK_OK && o->body) { /* wiped when freed: it may hold a password */
        r->body = malloc(o->body_len + 1);
        if (!r->body) k = LMK_NOMEM;
        else {
            memcpy(r->body, o->body, o->body_len);
            r->body[o->body_len] = '\0';
            r->body_len = o->body_len;
        }
    }
    if (k == LMK_OK) k = build_headers(r, o, why);
    if (k == LMK_OK) {
        int fresh = 0;
        r->easy = lmk_handles_take(c->handles, &fresh);
        if (!r->easy) k = LMK_NOMEM;
        else {
            r->handles = c->handles;
            if (fresh) k = configure_client(c, r->easy);
        }
    }
    if (k == LMK_OK) k = configure_request(r, o->method);
    r->configured = k == LMK_OK;
    if (k != LMK_OK) {
        if (!*why) *why = k == LMK_NOMEM ? "out of memory" : "request refused";
        lmk_request_free(r);
        return k;
    }
    *out = r;
    return LMK_OK;
}

/* Wipes the header list's block (the Authorization line, a per-attempt
 * JWT) before it is freed. */
static void free_headers(lmk_request *r) {
    if (!r->headers) return;
    lmk_wipe(r->headers, r->headers_size);
    free(r->headers);
}

/* Frees the request; what may hold a credential (the URL with a query
 * credential, the header lines, the body, the response) is wiped first. */
void lmk_request_free(lmk_request *r) {
    if (!r) return;
    if (r->engine) lmk_engine_forget(r->engine, r);
    if (r->easy) {
        /* a handle refused its options may hold half of them: not reused;
         * a parked one keeps no pointer into this request */
        int reusable = !r->cut && r->configured;
        if (reusable) {
            curl_easy_setopt(r->easy, CURLOPT_ERRORBUFFER, NULL);
            curl_easy_setopt(r->easy, CURLOPT_HTTPHEADER, NULL);
        }
        lmk_handles_give(r->handles, r->easy, reusable);
    }
    free_headers(r);
    lmk_free_secret(r->url);
    if (r->body) {
        lmk_wipe(r->body, r->body_len);
        free(r->body);
    }
    lmk_buf_free(&r->response);
    lmk_buf_free(&r->head);
    free(r);
}

/* The kind a libcurl result means. */
lmk_kind lmk_kind_from_curl(CURLcode code) {
    switch (code) {
    case CURLE_OK: return LMK_OK;
    case CURLE_OPERATION_TIMEDOUT: return LMK_TIMEOUT;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CRL_BADFILE: return LMK_TLS;
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT: return LMK_USAGE;
    case CURLE_OUT_OF_MEMORY: return LMK_NOMEM;
    case CURLE_WRITE_ERROR: return LMK_NOMEM; /* our buffer refused */
    default: return LMK_TRANSPORT;
    }
}

/* Records how a transfer ended: status, outcome and its detail. */
void lmk_request_finish(lmk_request *r, CURLcode code) {
    if (code != CURLE_OK && (r->too_large || code == CURLE_FILESIZE_EXCEEDED)) {
        r->outcome = LMK_DECODE;
        r->status = 0;
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
        snprintf(r->errbuf, sizeof r->errbuf,
                 "response larger than %zu bytes (the client's max_response_size)",
                 r->max_response);
        r->detail = r->errbuf;
        lmk_buf_free(&r->response); /* the part received is of no use */
        return;
    }
    r->outcome = lmk_kind_from_curl(code);
    if (code == CURLE_OK && lmk_resp_headers_collect(r->easy, &r->head) != LMK_OK) {
        r->outcome = LMK_NOMEM;
        r->status = 0;
        r->detail = "out of memory reading the response headers";
    } else if (code == CURLE_OK) {
        curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &r->status);
        r->detail = NULL;
    } else if (r->resend_refused) {
        r->status = 0;
        r->detail = "the connection closed after the request was sent; its "
                    "outcome is unknown and it was not sent again";
    } else {
        r->status = 0;
        r->detail = r->errbuf[0] ? r->errbuf : curl_easy_strerror(code);
    }
}

/* 1 once the request has finished: queued as done, popped or detached. */
int lmk_request_done(const lmk_request *r) {
    return r->state == REQUEST_QUEUED || r->state == REQUEST_FINISHED;
}

/* The outcome's kind, and its detail when asked for. */
lmk_kind lmk_request_outcome(const lmk_request *r, const char **detail) {
    if (detail) *detail = r->detail;
    return r->outcome;
}

/* The HTTP status; 0 when none came. */
long lmk_request_status(const lmk_request *r) { return r->status; }

/* The response body ("" when none) and its length. */
const char *lmk_request_body(const lmk_request *r, size_t *len) {
    *len = r->response.len;
    return r->response.data ? r->response.data : "";
}

/* The effective URL, unredacted. */
const char *lmk_request_url(const lmk_request *r) { return r->url; }

/* 1 when the request may have reached the server (unknown counts). */
int lmk_request_maybe_sent(const lmk_request *r) {
    long sent = 0;
    if (r->resend_refused || r->transmissions > 1) return 1;
    /* never about to be transmitted: nothing went (a reused handle still
     * reports the size of its previous transfer's request) */
    if (r->transmissions == 0) return 0;
    if (!r->easy || curl_easy_getinfo(r->easy, CURLINFO_REQUEST_SIZE, &sent))
        return 1; /* unknown: assume it may have arrived */
    return sent > 0;
}

/* 1 when it failed after libcurl's own re-send on a new connection was
 * refused (a kept-alive connection closed before any answer). */
int lmk_request_stale(const lmk_request *r) {
    return r->outcome != LMK_OK && r->resend_refused;
}

/* The response headers of a successful request as one block (see
 * resp_headers.c); NULL when none. */
const char *lmk_request_header_block(const lmk_request *r, size_t *len) {
    *len = 0;
    if (!lmk_request_done(r) || r->outcome != LMK_OK || !r->head.len) return NULL;
    *len = r->head.len;
    return r->head.data;
}

/* The idx-th response header (from 0) of a successful request; 0 past
 * the end. */
int lmk_request_header_at(const lmk_request *r, size_t idx,
                          const char **name, const char **value) {
    size_t len, pos = 0;
    const char *block = lmk_request_header_block(r, &len);
    for (size_t i = 0; lmk_headers_next(block, len, &pos, name, value); i++)
        if (i == idx) return 1;
    return 0;
}

/* Unlinks r from its engine; a running one ends as cancelled. */
void lmk_request_detach(lmk_request *r) {
    if (!r->engine) return;
    int was_running = r->state == REQUEST_RUNNING;
    lmk_engine_forget(r->engine, r);
    if (was_running) {
        r->outcome = LMK_TRANSPORT;
        r->detail = "the request was cancelled";
    }
    r->state = REQUEST_FINISHED;
}
