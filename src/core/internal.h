/* internal.h -- structures shared by client.c, request.c and engine.c.
 * Not installed; the public surface is lmskit.h. */
#ifndef LMSKIT_INTERNAL_H
#define LMSKIT_INTERNAL_H

#include <curl/curl.h>

#include "lmskit.h"

/* Forms of one secret that are masked: as given, percent-encoded, and
 * JSON-escaped with and without "\/" (encoders differ). */
#define LMK_SECRET_FORMS 4

/* A client's pool of configured easy handles (handles.c). */
typedef struct lmk_handles lmk_handles;
lmk_handles *lmk_handles_new(void);
CURL *lmk_handles_take(lmk_handles *p, int *fresh);
void lmk_handles_give(lmk_handles *p, CURL *e, int reusable);
void lmk_handles_close(lmk_handles *p);

struct lmk_client {
    char *base_url;           /* no trailing slash */
    char *scheme, *host, *port;
    lmk_auth_kind auth;
    char *secret, *user, *param;
    char *auth_header;        /* "Authorization: ..." for bearer/token */
    char *ca_file;
    char *user_agent;
    char *proxy;
    int proxy_from_env;       /* no proxy given: 1 honours the environment */
    size_t max_response;      /* most bytes of a decoded body */
    long timeout_ms, connect_timeout_ms;
    int http_version;
    int allow_http;
    char **secrets;           /* every form of every lasting secret, owned */
    size_t nsecrets;
    /* per-attempt secrets (a JWT minted for one attempt): a ring of the
     * last LMK_ATTEMPT_SECRETS, each with its forms (NULL: none), owned */
    char *attempt[LMK_ATTEMPT_SECRETS][LMK_SECRET_FORMS];
    size_t attempt_next;      /* the slot the next one takes (the oldest) */
    const char **params;      /* secret query parameter names */
    size_t nparams;
    lmk_handles *handles;     /* configured easy handles, shared with the
                                 requests holding one (handles.c) */
};

typedef enum request_state {
    REQUEST_IDLE = 0,  /* built, never submitted */
    REQUEST_RUNNING,   /* in the engine's multi handle */
    REQUEST_QUEUED,    /* finished, waiting in the engine's done list */
    REQUEST_FINISHED   /* finished and handed out; engine forgot it */
} request_state;

struct lmk_request {
    lmk_client *client;       /* borrowed; read only while the request is built */
    CURL *easy;               /* taken from handles, given back when freed */
    lmk_handles *handles;     /* its client's pool (a reference) */
    int cut;                  /* removed from the multi mid-transfer: the
                                 handle is cleaned up, not reused */
    int configured;           /* every option was set on the handle */
    struct curl_slist *headers; /* one block (request.c build_headers) */
    size_t headers_size;      /* its bytes, wiped when freed */
    char *url;
    char *body;
    size_t body_len;
    lmk_buf response;
    lmk_buf head;             /* the response headers (resp_headers.c) */
    long status;
    lmk_kind outcome;
    const char *detail;       /* static text or errbuf */
    char errbuf[CURL_ERROR_SIZE];
    request_state state;
    int once;                 /* never let libcurl transmit it a second time */
    unsigned transmissions;   /* times libcurl was about to send it */
    int resend_refused;       /* libcurl wanted to re-send it; refused */
    size_t max_response;      /* the client's, copied: a client closed
                                 while the request runs is never read */
    int too_large;            /* the body passed max_response */
    long timeout_ms;          /* > 0: this attempt's own, shorter timeout */
    int http1;                /* asks for HTTP/1.1 only (picks the pool) */
    int waiting;              /* RUNNING but not yet in the multi handle:
                                 in the engine's pending list (budget) */
    lmk_engine *engine;       /* set while RUNNING or QUEUED */
    lmk_request *prev, *next; /* links in one of the engine's lists */
};

typedef struct request_list {
    lmk_request *head, *tail;
    size_t count;
} request_list;

/* Connections are pooled in the share handles, one per HTTP version:
 * libcurl 7.88 keeps one "can multiplex" mark per host in a pool, and once
 * an HTTP/2 connection sets it, a transfer asking for HTTP/2 may be put on
 * a pooled HTTP/1.1 connection beside another and get that one's response
 * (a row reported with another row's outcome, a write sent twice). */
struct lmk_engine {
    CURLM *multi;
    CURLSH *share[2];         /* [0] HTTP/1.1 requests, [1] HTTP/2 */
    request_list running;     /* in the multi handle */
    request_list pending;     /* submitted, waiting for a step's budget */
    request_list done;
    size_t budget;            /* transfers a step may start; 0: no limit */
    int added;                /* transfers added since settle last ran
                               * (engine.c); read by step and wait only,
                               * so a host loop (watch set) never reads it */
    lmk_watch_fn watch;       /* the host's loop (loop.c); NULL: none */
    lmk_timer_fn timer;
    void *loop_ud;
};

/* Copies the last response's headers of easy into a header block
 * (resp_headers.c). */
lmk_kind lmk_resp_headers_collect(CURL *easy, lmk_buf *b);

/* Maps a transfer's CURLcode to a kind. */
lmk_kind lmk_kind_from_curl(CURLcode code);
/* Marks r finished with an outcome decided from its CURLcode. */
void lmk_request_finish(lmk_request *r, CURLcode code);
/* Unlinks r from whichever engine list holds it (engine.c). */
void lmk_engine_forget(lmk_engine *e, lmk_request *r);
/* Moves every transfer curl reports finished to the done list (engine.c). */
void lmk_engine_collect(lmk_engine *e);

#endif
