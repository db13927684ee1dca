/* An asynchronous HTTP client on a libuv loop: libcurl's multi interface with its sockets
 * watched by uv_poll handles and its time-outs by one uv_timer, so a slow or dead server
 * never blocks the loop (SPEC 7). TLS is verified, redirects are not followed, no signals are
 * used, every request has a connect and a total time-out, and a reply body is bounded. */
#ifndef NUDGE_HTTP_H
#define NUDGE_HTTP_H

#include <stddef.h>

#include <uv.h>

/* The largest body a reply may have by default (a CalDAV listing of a few hundred tasks is
 * well under a megabyte). */
#define HTTP_MAX_BODY (8u * 1024 * 1024)
#define HTTP_CONNECT_TIMEOUT_MS 10000u
#define HTTP_TIMEOUT_MS 30000u
/* Longest ETag kept (longer ones are reported as absent rather than cut). */
#define HTTP_MAX_ETAG 255

struct http;

struct http_request {
    const char *method;               /* "GET" when NULL; any token: PUT, DELETE, REPORT ... */
    const char *url;                  /* http:// or https:// only */
    const char *user;                 /* basic auth when non-NULL */
    const char *password;
    const char *const *headers;       /* NULL-terminated "Name: value" lines, or NULL */
    const char *body;                 /* copied; NULL for none */
    size_t body_len;
    unsigned connect_timeout_ms;      /* 0: HTTP_CONNECT_TIMEOUT_MS */
    unsigned timeout_ms;              /* the whole exchange; 0: HTTP_TIMEOUT_MS */
    size_t max_body;                  /* 0: HTTP_MAX_BODY */
};

enum http_result {
    HTTP_DONE,          /* the server answered: see status (any code, 404 and 500 too) */
    HTTP_ERR_CONNECT,   /* no connection: refused, unreachable, name not resolved */
    HTTP_ERR_TIMEOUT,   /* connect or total time-out */
    HTTP_ERR_TLS,       /* certificate or TLS handshake refused */
    HTTP_ERR_TOO_LARGE, /* the body passed max_body */
    HTTP_ERR_NETWORK,   /* anything else on the way (connection dropped, bad reply ...) */
    HTTP_CANCELLED,     /* http_free ran before the reply came */
};

/* Valid only during the done callback. */
struct http_response {
    enum http_result result;
    long status;         /* the HTTP status code; 0 when the server gave none */
    const char *body;    /* NUL-terminated, body_len bytes (may hold NULs); "" when none */
    size_t body_len;
    const char *etag;    /* the ETag header as sent (quotes kept), or NULL */
    const char *error;   /* one line saying what went wrong; "" for HTTP_DONE */
};

typedef void http_done_fn(void *ud, const struct http_response *resp);

/* A client on loop; NULL when out of memory or libcurl failed to start. */
struct http *http_new(uv_loop_t *loop);

/* Ends every request still under way: their done callbacks run now, inside http_free, with
 * HTTP_CANCELLED (so their owners can free what ud points to; http_send on this client from
 * such a callback fails). The handles close on the loop's next turn, so run the loop once more
 * before closing it. May be called from a done callback. NULL is fine. */
void http_free(struct http *h);

/* Starts req. done runs exactly once, later, from the loop (never from inside http_send).
 * Returns 0, or -1 with nothing started (bad request, out of memory, client being freed). */
int http_send(struct http *h, const struct http_request *req, http_done_fn *done, void *ud);

/* How many requests are under way. */
size_t http_pending(const struct http *h);

/* A short name for a result ("timeout", "connect", ...), for logs and tests. */
const char *http_result_name(enum http_result r);

#endif
