/* libcurl's multi interface driven by libuv: curl says which sockets to watch
 * (CURLMOPT_SOCKETFUNCTION: one uv_poll each) and when to wake it (CURLMOPT_TIMERFUNCTION: one
 * uv_timer); the loop hands every event back through curl_multi_socket_action, and finished
 * transfers come out of curl_multi_info_read. Nothing here waits. */
#include "net/http.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>

/* The uv_poll is a struct sock's first member. */
#define SOCK_OF(p) ((struct sock *)(void *)(p))

struct xfer {
    struct http *h;
    CURL *easy;
    struct curl_slist *headers;
    http_done_fn *done;
    void *ud;
    char *body;
    size_t len, cap, max;
    bool too_large;
    char etag[HTTP_MAX_ETAG + 1];
    char error[CURL_ERROR_SIZE];
    struct xfer *next, *prev;
};

struct sock {
    uv_poll_t poll;
    struct http *h;
    curl_socket_t fd;
};

struct http {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    struct xfer *xfers;  /* under way */
    size_t pending;
    unsigned open_handles; /* the timer and every uv_poll not yet closed */
    int dispatching;       /* inside check_done: a done callback may call http_free */
    bool freeing;
};

static void maybe_release(struct http *h)
{
    if (h->freeing && h->open_handles == 0 && h->dispatching == 0)
        free(h);
}

static void handle_closed(uv_handle_t *handle)
{
    struct http *h = handle->data;
    if (handle->type == UV_POLL)
        free(SOCK_OF(handle));
    h->open_handles--;
    maybe_release(h);
}

static void xfer_unlink(struct xfer *x)
{
    struct http *h = x->h;
    if (x->prev)
        x->prev->next = x->next;
    else
        h->xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
    h->pending--;
}

static void xfer_free(struct xfer *x)
{
    curl_slist_free_all(x->headers);
    free(x->body);
    free(x);
}

static enum http_result classify(const struct xfer *x, CURLcode rc)
{
    switch (rc) {
    case CURLE_OK:
        return HTTP_DONE;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return HTTP_ERR_CONNECT;
    case CURLE_OPERATION_TIMEDOUT:
        return HTTP_ERR_TIMEOUT;
    case CURLE_FILESIZE_EXCEEDED:
        return HTTP_ERR_TOO_LARGE;
    case CURLE_WRITE_ERROR:
        return x->too_large ? HTTP_ERR_TOO_LARGE : HTTP_ERR_NETWORK;
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
        return HTTP_ERR_TLS;
    default:
        return HTTP_ERR_NETWORK;
    }
}

static void finish(struct xfer *x, enum http_result result, long status, const char *error)
{
    struct http_response resp = {
        .result = result,
        .status = status,
        .body = x->body ? x->body : "",
        .body_len = x->body ? x->len : 0,
        .etag = x->etag[0] ? x->etag : NULL,
        .error = error,
    };
    x->done(x->ud, &resp);
}

/* Hands every finished transfer to its owner. */
static void check_done(struct http *h)
{
    CURLMsg *msg;
    int left;
    h->dispatching++;
    while (!h->freeing && (msg = curl_multi_info_read(h->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        struct xfer *x = NULL;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
        CURLcode rc = msg->data.result;
        long status = 0;
        curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
        enum http_result result = classify(x, rc);
        char line[CURL_ERROR_SIZE + 64];
        if (result == HTTP_DONE)
            line[0] = '\0';
        else if (result == HTTP_ERR_TOO_LARGE)
            snprintf(line, sizeof line, "the reply is larger than %zu bytes", x->max);
        else
            snprintf(line, sizeof line, "%s", x->error[0] ? x->error : curl_easy_strerror(rc));
        /* curl's messages end in a newline now and then: one line. */
        line[strcspn(line, "\r\n")] = '\0';
        curl_multi_remove_handle(h->multi, x->easy);
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
        xfer_unlink(x);
        if (result != HTTP_DONE)
            x->len = 0;
        finish(x, result, result == HTTP_DONE ? status : 0, line);
        xfer_free(x);
    }
    h->dispatching--;
    maybe_release(h);
}

static void on_timer(uv_timer_t *t)
{
    struct http *h = t->data;
    int running;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    check_done(h);
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    struct sock *s = SOCK_OF(p);
    struct http *h = s->h;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    if (events & UV_READABLE)
        flags |= CURL_CSELECT_IN;
    if (events & UV_WRITABLE)
        flags |= CURL_CSELECT_OUT;
    int running;
    curl_multi_socket_action(h->multi, s->fd, flags, &running);
    check_done(h);
}

/* CURLMOPT_SOCKETFUNCTION */
static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
    struct http *h = userp;
    struct sock *s = socketp;
    if (what == CURL_POLL_REMOVE) {
        if (s) {
            uv_poll_stop(&s->poll);
            uv_close((uv_handle_t *)&s->poll, handle_closed);
            curl_multi_assign(h->multi, fd, NULL);
        }
        return 0;
    }
    if (!s) {
        s = calloc(1, sizeof *s);
        if (!s)
            return -1;
        s->h = h;
        s->fd = fd;
        if (uv_poll_init_socket(h->loop, &s->poll, fd) != 0) {
            free(s);
            return -1;
        }
        s->poll.data = h;
        h->open_handles++;
        curl_multi_assign(h->multi, fd, s);
    }
    int events = 0;
    if (what & CURL_POLL_IN)
        events |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        events |= UV_WRITABLE;
    return uv_poll_start(&s->poll, events, on_poll) == 0 ? 0 : -1;
}

/* CURLMOPT_TIMERFUNCTION: -1 stops the timer, else one wake-up after timeout_ms. */
static int on_timer_change(CURLM *multi, long timeout_ms, void *userp)
{
    struct http *h = userp;
    if (timeout_ms < 0)
        uv_timer_stop(&h->timer);
    else
        uv_timer_start(&h->timer, on_timer, (uint64_t)timeout_ms, 0);
    return 0;
}

static size_t on_body(char *data, size_t size, size_t nmemb, void *userp)
{
    struct xfer *x = userp;
    size_t n = size * nmemb;
    if (n > x->max - x->len) {
        x->too_large = true;
        return 0; /* curl ends the transfer with CURLE_WRITE_ERROR */
    }
    if (x->len + n + 1 > x->cap) {
        size_t cap = x->cap ? x->cap : 4096;
        while (cap < x->len + n + 1)
            cap *= 2;
        char *b = realloc(x->body, cap);
        if (!b)
            return 0;
        x->body = b;
        x->cap = cap;
    }
    memcpy(x->body + x->len, data, n);
    x->len += n;
    x->body[x->len] = '\0';
    return n;
}

static size_t on_header(char *data, size_t size, size_t nmemb, void *userp)
{
    struct xfer *x = userp;
    size_t n = size * nmemb;
    /* A new status line (after a 100 Continue, say): the headers before it are not the reply's. */
    if (n >= 5 && memcmp(data, "HTTP/", 5) == 0)
        x->etag[0] = '\0';
    if (n > 5 && strncasecmp(data, "etag:", 5) == 0) {
        const char *v = data + 5, *end = data + n;
        while (v < end && (*v == ' ' || *v == '\t'))
            v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
            end--;
        size_t len = (size_t)(end - v);
        if (len > 0 && len <= HTTP_MAX_ETAG && !memchr(v, '\0', len)) {
            memcpy(x->etag, v, len);
            x->etag[len] = '\0';
        } else {
            x->etag[0] = '\0';
        }
    }
    return n;
}

struct http *http_new(uv_loop_t *loop)
{
    /* Thread-safe and counted since curl 7.84; the daemon has one client anyway. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return NULL;
    struct http *h = calloc(1, sizeof *h);
    if (!h)
        return NULL;
    h->loop = loop;
    h->multi = curl_multi_init();
    if (!h->multi) {
        free(h);
        return NULL;
    }
    uv_timer_init(loop, &h->timer);
    h->timer.data = h;
    h->open_handles = 1;
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_timer_change);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    return h;
}

void http_free(struct http *h)
{
    if (!h || h->freeing)
        return;
    h->freeing = true;
    /* Detach every transfer first (curl reports their sockets removed: their polls close),
     * then tell the owners, so a callback sees a client with nothing under way. */
    struct xfer *list = h->xfers;
    h->xfers = NULL;
    for (struct xfer *x = list; x; x = x->next) {
        curl_multi_remove_handle(h->multi, x->easy);
        curl_easy_cleanup(x->easy);
        x->easy = NULL;
    }
    h->pending = 0;
    h->dispatching++;
    for (struct xfer *x = list, *next; x; x = next) {
        next = x->next;
        x->len = 0;
        finish(x, HTTP_CANCELLED, 0, "cancelled: the HTTP client was shut down");
        xfer_free(x);
    }
    h->dispatching--;
    curl_multi_cleanup(h->multi);
    h->multi = NULL;
    uv_timer_stop(&h->timer);
    uv_close((uv_handle_t *)&h->timer, handle_closed);
    maybe_release(h);
}

int http_send(struct http *h, const struct http_request *req, http_done_fn *done, void *ud)
{
    if (!h || h->freeing || !req || !req->url || !done)
        return -1;
    if (strncasecmp(req->url, "http://", 7) != 0 && strncasecmp(req->url, "https://", 8) != 0)
        return -1;
    struct xfer *x = calloc(1, sizeof *x);
    if (!x)
        return -1;
    x->h = h;
    x->done = done;
    x->ud = ud;
    x->max = req->max_body ? req->max_body : HTTP_MAX_BODY;
    x->easy = curl_easy_init();
    if (!x->easy)
        goto fail;
    CURL *e = x->easy;
    bool ok = true;
    ok &= curl_easy_setopt(e, CURLOPT_URL, req->url) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https") == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                           (long)(req->connect_timeout_ms ? req->connect_timeout_ms
                                                          : HTTP_CONNECT_TIMEOUT_MS)) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS,
                           (long)(req->timeout_ms ? req->timeout_ms : HTTP_TIMEOUT_MS)) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)x->max) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, on_body) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_WRITEDATA, x) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, on_header) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_HEADERDATA, x) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->error) == CURLE_OK;
    ok &= curl_easy_setopt(e, CURLOPT_PRIVATE, x) == CURLE_OK;
    if (req->method && strcmp(req->method, "GET") != 0)
        ok &= curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, req->method) == CURLE_OK;
    if (req->body) {
        ok &= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len) == CURLE_OK;
        ok &= curl_easy_setopt(e, CURLOPT_COPYPOSTFIELDS, req->body) == CURLE_OK;
    }
    if (req->user) {
        ok &= curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC) == CURLE_OK;
        ok &= curl_easy_setopt(e, CURLOPT_USERNAME, req->user) == CURLE_OK;
        ok &= curl_easy_setopt(e, CURLOPT_PASSWORD, req->password ? req->password : "") == CURLE_OK;
    }
    /* No "Expect: 100-continue" round trip before a body. */
    struct curl_slist *l = curl_slist_append(NULL, "Expect:");
    for (const char *const *hd = req->headers; l && hd && *hd; hd++) {
        struct curl_slist *n = curl_slist_append(l, *hd);
        if (!n)
            curl_slist_free_all(l);
        l = n;
    }
    x->headers = l;
    ok &= l != NULL;
    ok &= curl_easy_setopt(e, CURLOPT_HTTPHEADER, l) == CURLE_OK;
    if (!ok || curl_multi_add_handle(h->multi, e) != CURLM_OK)
        goto fail;
    x->next = h->xfers;
    if (x->next)
        x->next->prev = x;
    h->xfers = x;
    h->pending++;
    return 0;
fail:
    if (x->easy)
        curl_easy_cleanup(x->easy);
    xfer_free(x);
    return -1;
}

size_t http_pending(const struct http *h)
{
    return h ? h->pending : 0;
}

const char *http_result_name(enum http_result r)
{
    switch (r) {
    case HTTP_DONE: return "done";
    case HTTP_ERR_CONNECT: return "connect";
    case HTTP_ERR_TIMEOUT: return "timeout";
    case HTTP_ERR_TLS: return "tls";
    case HTTP_ERR_TOO_LARGE: return "too-large";
    case HTTP_ERR_NETWORK: return "network";
    case HTTP_CANCELLED: return "cancelled";
    }
    return "unknown";
}
