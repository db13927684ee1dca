/* net/http.c against a small HTTP server that runs on the same libuv loop as the client: if
 * the client ever blocked the loop, the server could not answer and the tests would time out.
 * Paths: /ok (200, a body, an ETag), /missing (404), /stall (read, never answered), /echo (200,
 * the request as received), /big (a Content-Length over the limit), /stream (a body with no
 * length, closed at the end), /n/K (answered only once every /n/ request has arrived). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <uv.h>

#include "net/http.h"

#define MAX_CONNS 16
#define PARALLEL 5

struct conn {
    uv_tcp_t tcp; /* first: the handle is the conn */
    struct server *srv;
    char buf[16384];
    size_t len;
    bool answered, closing;
    char path[128];
};

struct server {
    uv_tcp_t listener;
    int port;
    struct conn *conns[MAX_CONNS];
    struct conn *waiting[PARALLEL]; /* /n/ requests held back */
    int n_waiting;
};

struct got {
    bool called;
    enum http_result result;
    long status;
    char body[256];
    size_t body_len;
    char etag[64];
    char error[256];
    uint64_t at; /* uv_now when done ran */
};

struct fx {
    uv_loop_t loop;
    struct server srv;
    struct http *http;
    uv_timer_t guard;
    int expected, finished;
    bool guard_fired;
};

static void conn_closed(uv_handle_t *h)
{
    struct conn *c = (struct conn *)(void *)h;
    for (int i = 0; i < MAX_CONNS; i++)
        if (c->srv->conns[i] == c)
            c->srv->conns[i] = NULL;
    free(c);
}

static void conn_close(struct conn *c)
{
    if (!c->closing) {
        c->closing = true;
        uv_close((uv_handle_t *)&c->tcp, conn_closed);
    }
}

struct wreq {
    uv_write_t w;
    struct conn *c;
    char *data;
};

static void written(uv_write_t *w, int status)
{
    struct wreq *r = (struct wreq *)(void *)w;
    conn_close(r->c);
    free(r->data);
    free(r);
}

/* Sends data (taking it) and closes the connection after it. */
static void send_and_close(struct conn *c, char *data, size_t len)
{
    struct wreq *r = calloc(1, sizeof *r);
    assert_non_null(r);
    r->c = c;
    r->data = data;
    uv_buf_t b = uv_buf_init(data, (unsigned)len);
    c->answered = true;
    if (uv_write(&r->w, (uv_stream_t *)&c->tcp, &b, 1, written) != 0) {
        free(data);
        free(r);
        conn_close(c);
    }
}

static void reply(struct conn *c, const char *status, const char *extra, const char *body, size_t len)
{
    size_t cap = len + 512;
    char *out = malloc(cap);
    assert_non_null(out);
    int n = snprintf(out, cap, "HTTP/1.1 %s\r\nContent-Length: %zu\r\nConnection: close\r\n%s\r\n",
                     status, len, extra ? extra : "");
    memcpy(out + n, body, len);
    send_and_close(c, out, (size_t)n + len);
}

static void answer(struct conn *c)
{
    struct server *srv = c->srv;
    if (strcmp(c->path, "/ok") == 0) {
        const char *b = "hello from the test server";
        reply(c, "200 OK", "ETag: \"e-1\"\r\nContent-Type: text/plain\r\n", b, strlen(b));
    } else if (strcmp(c->path, "/missing") == 0) {
        reply(c, "404 Not Found", NULL, "no such thing", 13);
    } else if (strcmp(c->path, "/stall") == 0) {
        /* Read, then silence. */
    } else if (strcmp(c->path, "/echo") == 0) {
        reply(c, "200 OK", NULL, c->buf, c->len);
    } else if (strcmp(c->path, "/big") == 0) {
        char *out = malloc(256);
        assert_non_null(out);
        int n = snprintf(out, 256, "HTTP/1.1 200 OK\r\nContent-Length: %u\r\n\r\nxxxx",
                         HTTP_MAX_BODY + 1);
        send_and_close(c, out, (size_t)n);
    } else if (strcmp(c->path, "/stream") == 0) {
        size_t body = 5000;
        char *out = malloc(body + 128);
        assert_non_null(out);
        int n = snprintf(out, 128, "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n");
        memset(out + n, 'y', body);
        send_and_close(c, out, (size_t)n + body);
    } else if (strncmp(c->path, "/n/", 3) == 0) {
        srv->waiting[srv->n_waiting++] = c;
        if (srv->n_waiting == PARALLEL) {
            for (int i = 0; i < PARALLEL; i++) {
                struct conn *w = srv->waiting[i];
                reply(w, "200 OK", NULL, w->path + 3, strlen(w->path + 3));
            }
            srv->n_waiting = 0;
        }
    } else {
        reply(c, "400 Bad Request", NULL, "", 0);
    }
}

static void alloc_cb(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct conn *c = (struct conn *)(void *)h;
    buf->base = c->buf + c->len;
    buf->len = sizeof c->buf - c->len - 1;
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    struct conn *c = (struct conn *)(void *)s;
    if (nread < 0) {
        conn_close(c);
        return;
    }
    c->len += (size_t)nread;
    c->buf[c->len] = '\0';
    if (c->answered)
        return;
    char *end = strstr(c->buf, "\r\n\r\n");
    if (!end)
        return;
    const char *cl = strcasestr(c->buf, "\r\nContent-Length:");
    size_t want = cl && cl < end ? strtoul(cl + 17, NULL, 10) : 0;
    if (c->len < (size_t)(end + 4 - c->buf) + want)
        return;
    sscanf(c->buf, "%*s %127s", c->path);
    c->answered = true;
    answer(c);
}

static void on_connection(uv_stream_t *l, int status)
{
    struct server *srv = l->data;
    assert_int_equal(status, 0);
    struct conn *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->srv = srv;
    uv_tcp_init(l->loop, &c->tcp);
    assert_int_equal(uv_accept(l, (uv_stream_t *)&c->tcp), 0);
    for (int i = 0; i < MAX_CONNS; i++)
        if (!srv->conns[i]) {
            srv->conns[i] = c;
            break;
        }
    uv_read_start((uv_stream_t *)&c->tcp, alloc_cb, on_read);
}

static void on_guard(uv_timer_t *t)
{
    struct fx *f = t->data;
    f->guard_fired = true;
    uv_stop(&f->loop);
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    assert_non_null(f);
    assert_int_equal(uv_loop_init(&f->loop), 0);
    uv_tcp_init(&f->loop, &f->srv.listener);
    f->srv.listener.data = &f->srv;
    struct sockaddr_in a;
    uv_ip4_addr("127.0.0.1", 0, &a);
    assert_int_equal(uv_tcp_bind(&f->srv.listener, (const struct sockaddr *)&a, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&f->srv.listener, 16, on_connection), 0);
    int len = sizeof a;
    uv_tcp_getsockname(&f->srv.listener, (struct sockaddr *)&a, &len);
    f->srv.port = ntohs(a.sin_port);
    f->http = http_new(&f->loop);
    assert_non_null(f->http);
    uv_timer_init(&f->loop, &f->guard);
    f->guard.data = f;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    http_free(f->http);
    for (int i = 0; i < MAX_CONNS; i++)
        if (f->srv.conns[i])
            conn_close(f->srv.conns[i]);
    uv_close((uv_handle_t *)&f->srv.listener, NULL);
    uv_close((uv_handle_t *)&f->guard, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    /* Every handle the client opened is closed again. */
    assert_int_equal(uv_loop_close(&f->loop), 0);
    free(f);
    return 0;
}

static struct fx *current;

static void on_done(void *ud, const struct http_response *r)
{
    struct got *g = ud;
    assert_false(g->called);
    g->called = true;
    g->result = r->result;
    g->status = r->status;
    g->body_len = r->body_len;
    snprintf(g->body, sizeof g->body, "%.*s", (int)(r->body_len < 255 ? r->body_len : 255), r->body);
    snprintf(g->etag, sizeof g->etag, "%s", r->etag ? r->etag : "");
    snprintf(g->error, sizeof g->error, "%s", r->error);
    assert_null(strchr(r->error, '\n'));
    g->at = uv_now(&current->loop);
    if (++current->finished == current->expected)
        uv_stop(&current->loop);
}

static void url(struct fx *f, char *out, size_t n, const char *path)
{
    snprintf(out, n, "http://127.0.0.1:%d%s", f->srv.port, path);
}

/* Runs the loop until `expected` requests are done (fails after 10 s). */
static void run_until_done(struct fx *f, int expected)
{
    current = f;
    f->expected = expected;
    f->finished = 0;
    uv_timer_start(&f->guard, on_guard, 10000, 0);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    uv_timer_stop(&f->guard);
    assert_false(f->guard_fired);
    assert_int_equal(f->finished, expected);
}

static void get(struct fx *f, const char *path, struct got *g, unsigned timeout_ms, size_t max_body)
{
    char u[128];
    url(f, u, sizeof u, path);
    struct http_request req = {.url = u, .timeout_ms = timeout_ms, .max_body = max_body};
    assert_int_equal(http_send(f->http, &req, on_done, g), 0);
}

static void test_ok_with_body_and_etag(void **state)
{
    struct fx *f = *state;
    struct got g = {0};
    get(f, "/ok", &g, 0, 0);
    assert_false(g.called); /* never from inside http_send */
    assert_int_equal(http_pending(f->http), 1);
    run_until_done(f, 1);
    assert_int_equal(g.result, HTTP_DONE);
    assert_int_equal(g.status, 200);
    assert_string_equal(g.body, "hello from the test server");
    assert_string_equal(g.etag, "\"e-1\"");
    assert_string_equal(g.error, "");
    assert_int_equal(http_pending(f->http), 0);
}

static void test_not_found_is_a_reply(void **state)
{
    struct fx *f = *state;
    struct got g = {0};
    get(f, "/missing", &g, 0, 0);
    run_until_done(f, 1);
    assert_int_equal(g.result, HTTP_DONE);
    assert_int_equal(g.status, 404);
    assert_string_equal(g.body, "no such thing");
    assert_string_equal(g.etag, "");
}

static void test_method_auth_headers_body(void **state)
{
    struct fx *f = *state;
    struct got g = {0};
    char u[128];
    url(f, u, sizeof u, "/echo");
    const char *headers[] = {"If-Match: \"abc\"", "Depth: 1", "Content-Type: text/calendar", NULL};
    const char *body = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
    struct http_request req = {.method = "REPORT", .url = u, .user = "ann", .password = "s3cret",
                               .headers = headers, .body = body, .body_len = strlen(body)};
    assert_int_equal(http_send(f->http, &req, on_done, &g), 0);
    run_until_done(f, 1);
    assert_int_equal(g.status, 200);
    assert_true(strncmp(g.body, "REPORT /echo HTTP/1.1\r\n", 23) == 0);
    /* base64("ann:s3cret") */
    assert_non_null(strstr(g.body, "Authorization: Basic YW5uOnMzY3JldA==\r\n"));
    assert_non_null(strstr(g.body, "If-Match: \"abc\"\r\n"));
    assert_non_null(strstr(g.body, "Depth: 1\r\n"));
    assert_non_null(strstr(g.body, "Content-Type: text/calendar\r\n"));
    assert_null(strstr(g.body, "Expect:"));
    assert_non_null(strstr(g.body, "\r\n\r\nBEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n"));
}

static int ticks;
static void on_tick(uv_timer_t *t)
{
    ticks++;
}

static void test_stalled_server_times_out_while_the_loop_ticks(void **state)
{
    struct fx *f = *state;
    uv_timer_t ticker;
    uv_timer_init(&f->loop, &ticker);
    ticks = 0;
    uv_timer_start(&ticker, on_tick, 20, 20);
    struct got g = {0};
    uint64_t start = (uv_update_time(&f->loop), uv_now(&f->loop));
    get(f, "/stall", &g, 400, 0);
    run_until_done(f, 1);
    uv_close((uv_handle_t *)&ticker, NULL);
    assert_int_equal(g.result, HTTP_ERR_TIMEOUT);
    assert_int_equal(g.status, 0);
    assert_true(g.error[0] != '\0');
    uint64_t took = g.at - start;
    assert_true(took >= 350);
    assert_true(took < 5000);
    /* The ticker ran all along: about one tick per 20 ms of the wait. */
    assert_true(ticks >= (int)(took / 20) / 2);
    assert_true(ticks >= 8);
}

static void test_connection_refused(void **state)
{
    struct fx *f = *state;
    /* A port that was free a moment ago and has no listener. */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(s, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(s, (struct sockaddr *)&a, &len);
    close(s);
    char u[128];
    snprintf(u, sizeof u, "http://127.0.0.1:%d/ok", ntohs(a.sin_port));
    struct got g = {0};
    struct http_request req = {.url = u};
    assert_int_equal(http_send(f->http, &req, on_done, &g), 0);
    run_until_done(f, 1);
    assert_int_equal(g.result, HTTP_ERR_CONNECT);
    assert_int_equal(g.status, 0);
    assert_true(g.error[0] != '\0');
}

static void test_oversized_bodies(void **state)
{
    struct fx *f = *state;
    struct got declared = {0}, streamed = {0}, fits = {0};
    get(f, "/big", &declared, 0, 0);      /* Content-Length over HTTP_MAX_BODY */
    get(f, "/stream", &streamed, 0, 1000); /* 5000 bytes with no length, limit 1000 */
    get(f, "/stream", &fits, 0, 5000);     /* exactly at the limit */
    run_until_done(f, 3);
    assert_int_equal(declared.result, HTTP_ERR_TOO_LARGE);
    assert_int_equal(declared.body_len, 0);
    assert_non_null(strstr(declared.error, "larger than"));
    assert_int_equal(streamed.result, HTTP_ERR_TOO_LARGE);
    assert_int_equal(streamed.body_len, 0);
    assert_int_equal(fits.result, HTTP_DONE);
    assert_int_equal(fits.body_len, 5000);
}

static void test_parallel_requests(void **state)
{
    struct fx *f = *state;
    /* The server answers none until all have arrived: done one after the other, they would
     * never finish. */
    struct got g[PARALLEL] = {0};
    for (int i = 0; i < PARALLEL; i++) {
        char path[16];
        snprintf(path, sizeof path, "/n/%d", i);
        get(f, path, &g[i], 5000, 0);
    }
    assert_int_equal(http_pending(f->http), PARALLEL);
    run_until_done(f, PARALLEL);
    for (int i = 0; i < PARALLEL; i++) {
        char want[16];
        snprintf(want, sizeof want, "%d", i);
        assert_int_equal(g[i].result, HTTP_DONE);
        assert_string_equal(g[i].body, want);
    }
}

static void test_free_cancels(void **state)
{
    struct fx *f = *state;
    struct got a = {0}, b = {0};
    get(f, "/stall", &a, 0, 0);
    get(f, "/stall", &b, 0, 0);
    /* Let the requests reach the server first. */
    uv_run(&f->loop, UV_RUN_NOWAIT);
    current = f;
    f->expected = -1;
    http_free(f->http);
    assert_true(a.called);
    assert_true(b.called);
    assert_int_equal(a.result, HTTP_CANCELLED);
    assert_int_equal(b.result, HTTP_CANCELLED);
    /* teardown frees it again: make that a no-op with a fresh client. */
    f->http = http_new(&f->loop);
    assert_non_null(f->http);
}

static void test_bad_requests_refused(void **state)
{
    struct fx *f = *state;
    struct got g = {0};
    struct http_request req = {.url = "ftp://127.0.0.1/x"};
    assert_int_equal(http_send(f->http, &req, on_done, &g), -1);
    struct http_request none = {0};
    assert_int_equal(http_send(f->http, &none, on_done, &g), -1);
    assert_false(g.called);
    assert_int_equal(http_pending(f->http), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_ok_with_body_and_etag, setup, teardown),
        cmocka_unit_test_setup_teardown(test_not_found_is_a_reply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_method_auth_headers_body, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stalled_server_times_out_while_the_loop_ticks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connection_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oversized_bodies, setup, teardown),
        cmocka_unit_test_setup_teardown(test_parallel_requests, setup, teardown),
        cmocka_unit_test_setup_teardown(test_free_cancels, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_requests_refused, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
