/* bench/peers/c_libcurl.c JOB COUNT: the floor of any client built on
 * Debian's libcurl: a C program that does the enroll jobs with nothing
 * above libcurl's multi interface.
 *
 * The same libcurl 7.88 + OpenSSL as lmskit, the same requests (POST
 * /api/v1/enrollments with the same JSON body and Authorization,
 * Content-Type and Accept lines), 16 in flight, HTTP/2 (one connection;
 * BENCH_H1=1: HTTP/1.1, 16 connections), TLS verified against BENCH_CA.
 * Each of the 16 easy handles is configured once and reused; a reply is
 * collected into the handle's buffer and checked (status 201 and the
 * user's id), not decoded.  It validates nothing, keeps no journal and
 * schedules nothing: what it costs a request is what libcurl, OpenSSL,
 * nghttp2 and libc cost, the part of lmskit's count no Lua layer can cut.
 *
 * Jobs: enroll, cpu (the same at BENCH_URL; run under callgrind) and
 * enroll_slow (BENCH_URL/slow).  Prints one result line:
 * {"peer":...,"job":...,"items":N,"seconds":S,"notes":...}. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define IN_FLIGHT 16

/* One easy handle and what its current request owns. */
struct slot {
    CURL *easy;
    char body[96];   /* the request's JSON */
    char reply[1024];/* the answer, truncated past its size (checked short) */
    size_t len;
    long id;         /* the canvas_user_id sent */
};

/* curl write callback: keeps the first bytes of the answer. */
static size_t on_body(char *data, size_t size, size_t nmemb, void *ud) {
    struct slot *s = ud;
    size_t n = size * nmemb, room = sizeof s->reply - 1 - s->len;
    size_t k = n < room ? n : room;
    memcpy(s->reply + s->len, data, k);
    s->len += k;
    s->reply[s->len] = '\0';
    return n;
}

static double now(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, const char *detail) {
    fprintf(stderr, "c_libcurl: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
    exit(1);
}

/* Points slot s's handle at request number id and adds it to multi. */
static void start(CURLM *multi, struct slot *s, long id) {
    s->id = id;
    s->len = 0;
    s->reply[0] = '\0';
    snprintf(s->body, sizeof s->body, "{\"enrollment\":{\"listing_id\":1,\"canvas_user_id\":%ld}}", id);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDS, s->body);
    curl_easy_setopt(s->easy, CURLOPT_POSTFIELDSIZE, (long)strlen(s->body));
    if (curl_multi_add_handle(multi, s->easy) != CURLM_OK) die("curl_multi_add_handle", NULL);
}

/* Checks the finished request of slot s: status 201, the user's id. */
static void check(struct slot *s, CURLcode rc, char *errbuf) {
    long status = 0;
    char want[48];
    if (rc != CURLE_OK) die(curl_easy_strerror(rc), errbuf);
    curl_easy_getinfo(s->easy, CURLINFO_RESPONSE_CODE, &status);
    if (status != 201) die("unexpected status", s->reply);
    snprintf(want, sizeof want, "\"user\":{\"id\":%ld}", s->id);
    if (!strstr(s->reply, want) || !strstr(s->reply, "\"status\":\"active\""))
        die("bad enrollment reply", s->reply);
}

int main(int argc, char **argv) {
    if (argc < 3) die("usage: c_libcurl JOB COUNT", NULL);
    const char *job = argv[1], *url = getenv("BENCH_URL"), *ca = getenv("BENCH_CA");
    long count = atol(argv[2]);
    int h1 = getenv("BENCH_H1") != NULL;
    if (!url || !ca) die("BENCH_URL and BENCH_CA must be set", NULL);
    if (count < 1) die("COUNT must be at least 1", NULL);
    const char *prefix = strcmp(job, "enroll_slow") == 0 ? "/slow" : "";
    if (strcmp(job, "enroll") && strcmp(job, "cpu") && strcmp(job, "enroll_slow"))
        die("unknown job", job);
    char target[512];
    snprintf(target, sizeof target, "%s%s/api/v1/enrollments", url, prefix);

    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) die("curl_global_init", NULL);
    CURLM *multi = curl_multi_init();
    if (!multi) die("curl_multi_init", NULL);
    curl_multi_setopt(multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    struct curl_slist *headers = NULL;
    headers = curl_slist_append(headers, "Authorization: Token token=\"bench-token\"");
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers, "Accept: application/json");
    headers = curl_slist_append(headers, "Expect:");
    static struct slot slots[IN_FLIGHT];
    static char errbuf[IN_FLIGHT][CURL_ERROR_SIZE];
    for (int i = 0; i < IN_FLIGHT; i++) {
        CURL *e = slots[i].easy = curl_easy_init();
        if (!e) die("curl_easy_init", NULL);
        curl_easy_setopt(e, CURLOPT_URL, target);
        curl_easy_setopt(e, CURLOPT_CAINFO, ca);
        curl_easy_setopt(e, CURLOPT_CAPATH, NULL);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(e, CURLOPT_HTTP_VERSION,
                         h1 ? (long)CURL_HTTP_VERSION_1_1 : (long)CURL_HTTP_VERSION_2TLS);
        curl_easy_setopt(e, CURLOPT_PIPEWAIT, 1L);
        curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers);
        curl_easy_setopt(e, CURLOPT_TIMEOUT, 30L);
        curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(e, CURLOPT_WRITEDATA, &slots[i]);
        curl_easy_setopt(e, CURLOPT_PRIVATE, &slots[i]);
        curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf[i]);
    }

    double t0 = now();
    long next = 1, done = 0;
    for (int i = 0; i < IN_FLIGHT && next <= count; i++) start(multi, &slots[i], next++);
    /* performs_due: performs still owed before the next poll.  libcurl
     * 7.88 may leave a new HTTP/2 stream's request unsent by the perform
     * that starts it, and then asks for nothing that would run it again,
     * so requests just added get two performs before a poll (lmskit's
     * engine does the same: src/core/engine.c, settle).  The first ones
     * were added before the loop, whose first perform counts as one. */
    int running = 1, performs_due = 1;
    while (done < count) {
        if (curl_multi_perform(multi, &running) != CURLM_OK) die("curl_multi_perform", NULL);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(multi, &left))) {
            if (m->msg != CURLMSG_DONE) continue;
            struct slot *s;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&s);
            curl_multi_remove_handle(multi, s->easy);
            check(s, m->data.result, errbuf[s - slots]);
            done++;
            if (next <= count) {
                start(multi, s, next++);
                performs_due = 2;
            }
        }
        if (performs_due) {
            performs_due--;
            continue;
        }
        if (done < count && curl_multi_poll(multi, NULL, 0, 1000, NULL) != CURLM_OK)
            die("curl_multi_poll", NULL);
    }
    double seconds = now() - t0;

    for (int i = 0; i < IN_FLIGHT; i++) curl_easy_cleanup(slots[i].easy);
    curl_slist_free_all(headers);
    curl_multi_cleanup(multi);
    curl_global_cleanup();
    printf("{\"peer\":\"c-libcurl%s\",\"job\":\"%s\",\"items\":%ld,\"seconds\":%.6f,"
           "\"notes\":\"%s, libcurl multi + OpenSSL, %d in flight, no validation or decoding\"}\n",
           h1 ? "-h1" : "", job, done, seconds, h1 ? "HTTP/1.1" : "HTTP/2", IN_FLIGHT);
    return 0;
}
