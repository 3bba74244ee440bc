/* client.c -- a client is one vendor origin with its TLS policy, auth
 * strategy and secrets.  It owns copies of every string it keeps. */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "internal.h"

/* strdup that accepts NULL. */
static char *copy_or_null(const char *s, int *failed) {
    if (!s) return NULL;
    char *c = strdup(s);
    if (!c) *failed = 1;
    return c;
}

/* 1 when the string has a byte that could end a header line. */
static int has_control(const char *s) {
    for (; s && *s; s++)
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 1;
    return 0;
}

/* 127.0.0.0/8, ::1 and "localhost" are loopback. */
static int is_loopback_host(const char *host) {
    if (strcasecmp(host, "localhost") == 0) return 1;
    unsigned char addr[16];
    if (inet_pton(AF_INET, host, addr) == 1) return addr[0] == 127;
    size_t n = strlen(host);
    if (n > 2 && host[0] == '[' && host[n - 1] == ']') {
        char inner[64];
        if (n - 2 >= sizeof inner) return 0;
        memcpy(inner, host + 1, n - 2);
        inner[n - 2] = '\0';
        static const unsigned char v6_loopback[16] = {[15] = 1};
        return inet_pton(AF_INET6, inner, addr) == 1 &&
               memcmp(addr, v6_loopback, 16) == 0;
    }
    return 0;
}

typedef struct origin {
    char *scheme, *host, *port, *query, *fragment, *user;
} origin;

/* Frees what url_origin filled in. */
static void origin_free(origin *o) {
    curl_free(o->scheme);
    curl_free(o->host);
    curl_free(o->port);
    curl_free(o->query);
    curl_free(o->fragment);
    curl_free(o->user);
    memset(o, 0, sizeof *o);
}

/* Splits url with libcurl's own parser; the host is lower-cased and the
 * port always present, so origins compare as plain strings. */
static lmk_kind url_origin(const char *url, origin *o) {
    memset(o, 0, sizeof *o);
    CURLU *u = curl_url();
    if (!u) return LMK_NOMEM;
    lmk_kind k = LMK_OK;
    if (curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &o->scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &o->host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PORT, &o->port, CURLU_DEFAULT_PORT) !=
            CURLUE_OK)
        k = LMK_USAGE;
    if (k == LMK_OK) {
        curl_url_get(u, CURLUPART_QUERY, &o->query, 0);
        curl_url_get(u, CURLUPART_FRAGMENT, &o->fragment, 0);
        curl_url_get(u, CURLUPART_USER, &o->user, 0);
        for (char *h = o->host; *h; h++) *h = (char)tolower((unsigned char)*h);
        for (char *s = o->scheme; *s; s++) *s = (char)tolower((unsigned char)*s);
    }
    curl_url_cleanup(u);
    if (k != LMK_OK) origin_free(o);
    return k;
}

/* Checks the base URL: https (or loopback http when allowed), no
 * credentials, query or fragment.  On success o holds the parts (the
 * caller frees them); on failure nothing is left to free. */
static lmk_kind check_base(const lmk_client_opts *opts, origin *o,
                           const char **why) {
    if (!opts->base_url || has_control(opts->base_url)) {
        *why = "base_url is missing or malformed";
        return LMK_USAGE;
    }
    if (url_origin(opts->base_url, o) != LMK_OK) {
        *why = "base_url is not a valid URL";
        return LMK_USAGE;
    }
    if (o->query || o->fragment || o->user || strchr(opts->base_url, '#')) {
        /* (an empty fragment, "https://host#", reads as none) */
        *why = "base_url may not carry credentials, a query or a fragment";
    } else if (strcmp(o->scheme, "https") == 0 ||
               (strcmp(o->scheme, "http") == 0 && opts->allow_http_loopback &&
                is_loopback_host(o->host))) {
        return LMK_OK;
    } else {
        *why = strcmp(o->scheme, "http") == 0
                   ? "http:// is refused: credentials would travel in the "
                     "clear (use https://)"
                   : "only https:// URLs are supported";
    }
    origin_free(o);
    return LMK_USAGE;
}

/* Appends the standard base64 (with padding) of n bytes. */
static lmk_kind add_base64(lmk_buf *out, const char *data, size_t n) {
    if (n > (size_t)0x3fffffff) return LMK_NOMEM;
    size_t need = 4 * ((n + 2) / 3);
    if (lmk_buf_reserve(out, need) != LMK_OK) return LMK_NOMEM;
    int written = EVP_EncodeBlock((unsigned char *)out->data + out->len,
                                  (const unsigned char *)data, (int)n);
    out->len += (size_t)written;
    out->data[out->len] = '\0';
    return LMK_OK;
}

/* Builds the Basic credential: base64("user:secret") into b64, in secret
 * buffers (the joined text is wiped on the way). */
static lmk_kind basic_credential(const lmk_client *c, lmk_buf *b64) {
    lmk_buf joined;
    lmk_buf_init_secret(&joined);
    lmk_kind k = lmk_buf_adds(&joined, c->user);
    if (k == LMK_OK) k = lmk_buf_adds(&joined, ":");
    if (k == LMK_OK) k = lmk_buf_adds(&joined, c->secret);
    if (k == LMK_OK) k = add_base64(b64, joined.data, joined.len);
    lmk_buf_free(&joined);
    return k;
}

/* Builds the Authorization header line for header-based strategies (all
 * but query auth) and registers the encoded forms it carries: for Basic,
 * base64("user:password") and "Basic <base64>". */
static lmk_kind make_auth_header(lmk_client *c, const char **why) {
    lmk_buf b, b64;
    lmk_buf_init_secret(&b);
    lmk_buf_init_secret(&b64);
    lmk_kind k = LMK_OK;
    if (c->auth == LMK_AUTH_BEARER) {
        k = lmk_buf_adds(&b, "Authorization: Bearer ");
        if (k == LMK_OK) k = lmk_buf_adds(&b, c->secret);
    } else if (c->auth == LMK_AUTH_TOKEN) {
        if (strpbrk(c->secret, "\"\\")) {
            *why = "the token may not contain quotes or backslashes";
            return LMK_USAGE;
        }
        k = lmk_buf_adds(&b, "Authorization: Token token=\"");
        if (k == LMK_OK) k = lmk_buf_adds(&b, c->secret);
        if (k == LMK_OK) k = lmk_buf_adds(&b, "\"");
    } else if (c->auth == LMK_AUTH_BASIC) {
        k = basic_credential(c, &b64);
        if (k == LMK_OK) k = lmk_buf_adds(&b, "Authorization: Basic ");
        if (k == LMK_OK) k = lmk_buf_add(&b, b64.data, b64.len);
        if (k == LMK_OK) k = lmk_client_add_secret(c, b64.data);
        /* "Basic <base64>": the whole value, as an echo may show it */
        if (k == LMK_OK) k = lmk_client_add_secret(c, b.data + strlen("Authorization: "));
    } else {
        return LMK_OK;
    }
    lmk_buf_free(&b64);
    if (k != LMK_OK) {
        lmk_buf_free(&b);
        return k;
    }
    c->auth_header = lmk_buf_take(&b);
    return c->auth_header ? LMK_OK : LMK_NOMEM;
}

/* Checks that the auth options fit the chosen strategy. */
static lmk_kind check_auth(const lmk_client_opts *opts, const char **why) {
    if (opts->auth == LMK_AUTH_NONE) return LMK_OK;
    if (opts->auth < LMK_AUTH_NONE || opts->auth > LMK_AUTH_QUERY) {
        *why = "unknown auth strategy";
        return LMK_USAGE;
    }
    if (!opts->secret || (!*opts->secret && opts->auth != LMK_AUTH_BASIC)) {
        *why = "a credential is required";
        return LMK_USAGE;
    }
    if (has_control(opts->secret) || has_control(opts->user)) {
        *why = "credentials may not contain control characters (CR, LF)";
        return LMK_USAGE;
    }
    if (opts->auth == LMK_AUTH_BASIC && (!opts->user || strchr(opts->user, ':'))) {
        *why = "Basic auth needs a user without ':'";
        return LMK_USAGE;
    }
    if (opts->auth == LMK_AUTH_QUERY && (!opts->param || !*opts->param)) {
        *why = "query auth needs a parameter name";
        return LMK_USAGE;
    }
    return LMK_OK;
}

/* Checks a CA bundle the way it will be used: a regular file holding at
 * least one PEM certificate, every certificate in it well formed.  A
 * mistake shows here, as a usage error, instead of at the first call as
 * a TLS failure.  OpenSSL's error queue is left empty. */
static lmk_kind check_ca_file(const char *path, const char **why) {
    struct stat st;
    if (stat(path, &st) != 0) {
        *why = errno == ENOENT || errno == ENOTDIR
                   ? "ca_file is missing (no such file)"
                   : "ca_file cannot be read";
        return LMK_USAGE;
    }
    if (!S_ISREG(st.st_mode)) {
        *why = "ca_file is not a regular file (a directory?)";
        return LMK_USAGE;
    }
    BIO *bio = BIO_new_file(path, "r");
    if (!bio) {
        ERR_clear_error();
        *why = "ca_file cannot be read";
        return LMK_USAGE;
    }
    size_t certs = 0;
    X509 *x;
    /* _AUX also reads "TRUSTED CERTIFICATE" blocks, as libcurl does */
    while ((x = PEM_read_bio_X509_AUX(bio, NULL, NULL, NULL))) {
        certs++;
        X509_free(x);
    }
    /* the loop ends at the end of the file ("no start line") or at a
     * block that is not a certificate */
    unsigned long err = ERR_peek_last_error();
    int clean_end = ERR_GET_LIB(err) == ERR_LIB_PEM &&
                    ERR_GET_REASON(err) == PEM_R_NO_START_LINE;
    ERR_clear_error();
    BIO_free(bio);
    if (!clean_end) {
        *why = "ca_file has a malformed certificate";
        return LMK_USAGE;
    }
    if (!certs) {
        *why = "ca_file holds no PEM certificate";
        return LMK_USAGE;
    }
    return LMK_OK;
}

/* Builds a client from opts: origin, TLS policy, auth and the secrets to
 * redact; *why says what was refused. */
lmk_kind lmk_client_new(const lmk_client_opts *opts, lmk_client **out,
                        const char **why) {
    *out = NULL;
    *why = NULL;
    if (lmk_global_init() != LMK_OK) {
        *why = "libcurl could not be initialised";
        return LMK_NOMEM;
    }
    origin o;
    lmk_kind k = check_base(opts, &o, why);
    if (k != LMK_OK) return k;
    k = check_auth(opts, why);
    if (k == LMK_OK && (has_control(opts->user_agent) || has_control(opts->ca_file) ||
                        has_control(opts->proxy))) {
        *why = "user_agent, ca_file and proxy may not contain control characters";
        k = LMK_USAGE;
    }
    if (k == LMK_OK && opts->ca_file) k = check_ca_file(opts->ca_file, why);
    if (k != LMK_OK) {
        origin_free(&o);
        return k;
    }
    lmk_client *c = calloc(1, sizeof *c);
    if (!c) {
        origin_free(&o);
        return LMK_NOMEM;
    }
    int failed = 0;
    size_t base_len = strlen(opts->base_url);
    while (base_len && opts->base_url[base_len - 1] == '/') base_len--;
    c->base_url = strndup(opts->base_url, base_len);
    failed |= !c->base_url;
    c->scheme = copy_or_null(o.scheme, &failed);
    c->host = copy_or_null(o.host, &failed);
    c->port = copy_or_null(o.port, &failed);
    origin_free(&o);
    c->auth = opts->auth;
    c->secret = copy_or_null(opts->secret, &failed);
    c->user = copy_or_null(opts->user, &failed);
    c->param = copy_or_null(opts->param, &failed);
    c->ca_file = copy_or_null(opts->ca_file, &failed);
    c->user_agent = copy_or_null(opts->user_agent ? opts->user_agent
                                                  : LMK_USER_AGENT, &failed);
    c->proxy = copy_or_null(opts->proxy, &failed);
    c->proxy_from_env = opts->proxy_from_env;
    c->max_response = opts->max_response ? opts->max_response
                                         : LMK_MAX_RESPONSE_DEFAULT;
    c->timeout_ms = opts->timeout_ms > 0 ? opts->timeout_ms : 60000;
    c->connect_timeout_ms =
        opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
    c->http_version = opts->http_version;
    c->allow_http = opts->allow_http_loopback;
    size_t nsecret; /* the one list of secret names (secret_names.c) */
    const char *const *secret_params = lmk_secret_names(&nsecret);
    c->params = malloc((nsecret + 1) * sizeof *c->params);
    failed |= !c->params;
    c->handles = lmk_handles_new();
    failed |= !c->handles;
    if (!failed) {
        for (size_t i = 0; i < nsecret; i++)
            c->params[c->nparams++] = secret_params[i];
        if (c->param) c->params[c->nparams++] = c->param;
    }
    if (!failed && c->secret) k = lmk_client_add_secret(c, c->secret);
    if (!failed && k == LMK_OK && c->auth == LMK_AUTH_BASIC) /* the key, for Coggno */
        k = lmk_client_add_secret(c, c->user);
    if (!failed && k == LMK_OK) k = make_auth_header(c, why);
    if (!failed && k == LMK_OK && c->proxy) /* it may carry credentials */
        k = lmk_client_add_secret(c, c->proxy);
    if (failed || k != LMK_OK) {
        lmk_client_free(c);
        return failed ? LMK_NOMEM : k;
    }
    *out = c;
    return LMK_OK;
}

/* Frees the client; every string that held or may hold a credential is
 * wiped first (the secret, the user, the Authorization line, the proxy
 * URL, each registered form). */
void lmk_client_free(lmk_client *c) {
    if (!c) return;
    free(c->base_url);
    free(c->scheme);
    free(c->host);
    free(c->port);
    lmk_free_secret(c->secret);
    lmk_free_secret(c->user);
    free(c->param);
    lmk_free_secret(c->auth_header);
    free(c->ca_file);
    free(c->user_agent);
    lmk_free_secret(c->proxy);
    for (size_t i = 0; i < c->nsecrets; i++) lmk_free_secret(c->secrets[i]);
    free(c->secrets);
    for (size_t i = 0; i < LMK_ATTEMPT_SECRETS; i++)
        for (size_t f = 0; f < LMK_SECRET_FORMS; f++)
            lmk_free_secret(c->attempt[i][f]);
    free(c->params);
    lmk_handles_close(c->handles);
    free(c);
}

/* Appends s JSON-escaped as a string's contents: quote, backslash and
 * control characters always, "/" as "\/" only when slash_too. */
static lmk_kind json_escape(lmk_buf *out, const char *s, int slash_too) {
    static const char hex[] = "0123456789abcdef";
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        if (ch == '"' || ch == '\\' || (ch == '/' && slash_too)) esc[1] = (char)ch;
        else if (ch == '\n') esc[1] = 'n';
        else if (ch == '\r') esc[1] = 'r';
        else if (ch == '\t') esc[1] = 't';
        else if (ch == '\b') esc[1] = 'b';
        else if (ch == '\f') esc[1] = 'f';
        else if (ch < 0x20) {
            memcpy(esc, "\\u00", 4);
            esc[4] = hex[ch >> 4];
            esc[5] = hex[ch & 15];
            n = 6;
        } else {
            esc[0] = (char)ch;
            n = 1;
        }
        if (lmk_buf_add(out, esc, n) != LMK_OK) return LMK_NOMEM;
    }
    return LMK_OK;
}

/* Fills forms[] with new copies of the forms of secret: as given,
 * percent-encoded, JSON-escaped with and without "\/".  A form equal to
 * an earlier one stays NULL.  On failure nothing is left allocated. */
static lmk_kind secret_forms(const char *secret, char *forms[LMK_SECRET_FORMS]) {
    lmk_buf b;
    lmk_kind k = LMK_OK;
    for (size_t f = 0; f < LMK_SECRET_FORMS; f++) forms[f] = NULL;
    for (size_t f = 0; k == LMK_OK && f < LMK_SECRET_FORMS; f++) {
        lmk_buf_init_secret(&b);
        if (f == 0) k = lmk_buf_adds(&b, secret);
        else if (f == 1) k = lmk_pct_encode(&b, secret, strlen(secret));
        else k = json_escape(&b, secret, f == 2);
        int seen = 0;
        for (size_t g = 0; k == LMK_OK && g < f; g++)
            if (forms[g] && strcmp(forms[g], b.data ? b.data : "") == 0) seen = 1;
        if (k == LMK_OK && !seen) {
            forms[f] = lmk_buf_take(&b);
            if (!forms[f]) k = LMK_NOMEM;
        }
        lmk_buf_free(&b);
    }
    if (k != LMK_OK)
        for (size_t f = 0; f < LMK_SECRET_FORMS; f++) {
            lmk_free_secret(forms[f]);
            forms[f] = NULL;
        }
    return k;
}

/* Keeps the secret's forms for the client's life. */
lmk_kind lmk_client_add_secret(lmk_client *c, const char *secret) {
    if (!secret || strlen(secret) < 3) return LMK_OK;
    char *forms[LMK_SECRET_FORMS];
    lmk_kind k = secret_forms(secret, forms);
    if (k != LMK_OK) return k;
    size_t n = 0;
    for (size_t f = 0; f < LMK_SECRET_FORMS; f++) n += forms[f] != NULL;
    char **grown = realloc(c->secrets, (c->nsecrets + n) * sizeof *grown);
    if (!grown) {
        for (size_t f = 0; f < LMK_SECRET_FORMS; f++) lmk_free_secret(forms[f]);
        return LMK_NOMEM;
    }
    c->secrets = grown;
    for (size_t f = 0; f < LMK_SECRET_FORMS; f++)
        if (forms[f]) c->secrets[c->nsecrets++] = forms[f];
    return LMK_OK;
}

/* Keeps the secret's forms in the ring slot of the oldest one, which is
 * wiped and forgotten. */
lmk_kind lmk_client_add_attempt_secret(lmk_client *c, const char *secret) {
    if (!secret || strlen(secret) < 3) return LMK_OK;
    char *forms[LMK_SECRET_FORMS];
    lmk_kind k = secret_forms(secret, forms);
    if (k != LMK_OK) return k;
    char **slot = c->attempt[c->attempt_next];
    for (size_t f = 0; f < LMK_SECRET_FORMS; f++) {
        lmk_free_secret(slot[f]);
        slot[f] = forms[f];
    }
    c->attempt_next = (c->attempt_next + 1) % LMK_ATTEMPT_SECRETS;
    return LMK_OK;
}

/* Redacts with the lasting secrets and the per-attempt ring together. */
lmk_kind lmk_client_redact(const lmk_client *c, const char *text, size_t len,
                           lmk_buf *out) {
    size_t most = c->nsecrets + LMK_ATTEMPT_SECRETS * LMK_SECRET_FORMS;
    const char **all = malloc(most * sizeof *all);
    if (!all) return LMK_NOMEM;
    size_t n = 0;
    for (size_t i = 0; i < c->nsecrets; i++) all[n++] = c->secrets[i];
    for (size_t i = 0; i < LMK_ATTEMPT_SECRETS; i++)
        for (size_t f = 0; f < LMK_SECRET_FORMS; f++)
            if (c->attempt[i][f]) all[n++] = c->attempt[i][f];
    lmk_kind k = lmk_redact(out, text, len, all, n, c->params, c->nparams);
    free(all);
    return k;
}

/* 1 when url has the client's scheme, host and port and no userinfo. */
int lmk_client_same_origin(const lmk_client *c, const char *url) {
    origin o;
    if (has_control(url) || url_origin(url, &o) != LMK_OK) return 0;
    int same = strcmp(o.scheme, c->scheme) == 0 &&
               strcmp(o.host, c->host) == 0 && strcmp(o.port, c->port) == 0 &&
               !o.user;
    origin_free(&o);
    return same;
}

/* The base URL the client was made with. */
const char *lmk_client_base_url(const lmk_client *c) { return c->base_url; }

/* Resolves ref against base (RFC 3986, through curl's URL API) into out. */
lmk_kind lmk_url_resolve(const char *base, const char *ref, lmk_buf *out) {
    if (has_control(base) || has_control(ref)) return LMK_USAGE;
    CURLU *u = curl_url();
    if (!u) return LMK_NOMEM;
    char *full = NULL;
    lmk_kind k = LMK_OK;
    if (curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_URL, ref, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK)
        k = LMK_USAGE;
    if (k == LMK_OK && lmk_buf_adds(out, full) != LMK_OK) k = LMK_NOMEM;
    curl_free(full);
    curl_url_cleanup(u);
    return k;
}
