#include "daemon/control.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/paths.h"
#include "common/utf8.h"

#define LINE_MAX_BYTES ((size_t)1 << 20)
#define CLIENTS_MAX 512
/* A request must be complete within this long of its first byte (or of the connection). */
#define REQUEST_TIMEOUT_MS 10000
/* A connection with nothing to do is closed after this long. */
#define IDLE_TIMEOUT_MS 60000
/* A reply the client has not taken a byte of for this long: the client does not read. */
#define STALL_TIMEOUT_MS 10000
/* The largest reply sent: every bounded reply (preview's 10,000 notifications, history, the
 * report) stays under it with room to spare; a larger one is answered with an error instead. */
#define REPLY_MAX_BYTES ((size_t)6 << 20)
/* What one client may have unsent (one largest reply and a few small ones pipelined behind it)
 * before it is dropped, and what all clients together may hold. */
#define CLIENT_OUTPUT_MAX ((size_t)8 << 20)
#define TOTAL_OUTPUT_MAX ((size_t)64 << 20)

struct client {
    uv_pipe_t pipe;
    uv_timer_t timer; /* request, idle and stall timeouts: one deadline at a time */
    struct control *ctl;
    char *buf;
    size_t len, cap;
    size_t pos;          /* buf[0..pos) is handled */
    size_t out_bytes;    /* replies queued and not yet written */
    size_t stall_queue;  /* the write queue when the stall timer was armed */
    uint64_t request_started, last_active; /* uv_now() */
    int open_handles;
    int writes_pending;
    bool closing;
    bool reading;
    bool eof; /* the peer has sent all it will: close once the replies are out */
    bool deferred;
    void (*cancel)(void *job);
    void *job;
    struct client *prev, *next;
};

struct control {
    uv_loop_t *loop;
    uv_pipe_t server;
    char *path;
    control_handler handler;
    void *ud;
    struct client *clients;
    int n_clients;
    size_t out_total;
    uint64_t evict_logged; /* uv_now() of the last "dropped an idle connection" line */
    unsigned long evicted;
    bool closing;
    bool server_closed;
};

static void maybe_free_control(struct control *c)
{
    if (c->closing && c->server_closed && !c->clients) {
        free(c->path);
        free(c);
    }
}

static void on_client_handle_closed(uv_handle_t *h)
{
    struct client *cl = h->data;
    if (--cl->open_handles > 0) return;
    struct control *c = cl->ctl;
    if (cl->prev)
        cl->prev->next = cl->next;
    else
        c->clients = cl->next;
    if (cl->next) cl->next->prev = cl->prev;
    c->n_clients--;
    free(cl->buf);
    free(cl);
    maybe_free_control(c);
}

static void client_close(struct client *cl)
{
    if (cl->closing) return;
    cl->closing = true;
    if (cl->deferred) {
        /* The answer has nobody to go to: the job stops and frees itself. */
        cl->deferred = false;
        cl->cancel(cl->job);
    }
    uv_timer_stop(&cl->timer);
    uv_close((uv_handle_t *)&cl->timer, on_client_handle_closed);
    uv_close((uv_handle_t *)&cl->pipe, on_client_handle_closed); /* queued writes: ECANCELED */
}

static size_t write_queue(struct client *cl)
{
    return uv_stream_get_write_queue_size((uv_stream_t *)&cl->pipe);
}

static void on_timer(uv_timer_t *t);

/* Re-arms the client's one timer for what it is doing now. */
static void client_rearm(struct client *cl)
{
    if (cl->closing) return;
    uint64_t now = uv_now(cl->ctl->loop);
    if (cl->deferred) {
        uv_timer_stop(&cl->timer); /* the job is bounded on its own */
    } else if (write_queue(cl) > 0) {
        cl->stall_queue = write_queue(cl);
        uv_timer_start(&cl->timer, on_timer, STALL_TIMEOUT_MS, 0);
    } else if (cl->len > cl->pos || cl->request_started) {
        /* Waiting for the rest of a request: from its first byte, not from the last one, so
         * a byte now and then does not keep a connection. */
        uint64_t start = cl->request_started ? cl->request_started : now;
        uint64_t end = start + REQUEST_TIMEOUT_MS;
        uv_timer_start(&cl->timer, on_timer, end > now ? end - now : 0, 0);
    } else {
        uv_timer_start(&cl->timer, on_timer, IDLE_TIMEOUT_MS, 0);
    }
}

struct write_req {
    uv_write_t req;
    char *data;
    size_t len;
    bool close_after;
};

static void client_process(struct client *cl);

static void on_written(uv_write_t *w, int status)
{
    struct write_req *wr = (struct write_req *)w;
    struct client *cl = w->data;
    free(wr->data);
    bool close_after = wr->close_after;
    cl->out_bytes -= wr->len;
    cl->ctl->out_total -= wr->len;
    free(wr);
    cl->writes_pending--;
    if (cl->closing) return;
    /* status < 0: the peer left mid-reply, fine. */
    if (status < 0 || close_after) {
        client_close(cl);
        return;
    }
    cl->last_active = uv_now(cl->ctl->loop);
    client_process(cl); /* the replies are out: the next requests may go on */
}

/* Drops a client whose unsent replies pass the cap. */
static void drop_slow(struct client *cl, const char *why)
{
    log_warn("control socket: dropped a client that does not read its replies (%zu bytes unsent%s)",
             cl->out_bytes, why);
    client_close(cl);
}

static void send_text(struct client *cl, char *text, size_t n, bool close_after)
{
    struct control *c = cl->ctl;
    struct write_req *wr = malloc(sizeof *wr);
    if (!wr) {
        free(text);
        client_close(cl);
        return;
    }
    wr->data = text;
    wr->len = n;
    wr->close_after = close_after;
    wr->req.data = cl;
    uv_buf_t b = uv_buf_init(text, (unsigned)n);
    if (uv_write(&wr->req, (uv_stream_t *)&cl->pipe, &b, 1, on_written) < 0) {
        free(text);
        free(wr);
        client_close(cl);
        return;
    }
    cl->writes_pending++;
    cl->out_bytes += n;
    c->out_total += n;
    if (cl->out_bytes > CLIENT_OUTPUT_MAX) {
        drop_slow(cl, "");
        return;
    }
    /* Many clients that each stay under their cap: drop the one holding the most. */
    while (c->out_total > TOTAL_OUTPUT_MAX) {
        struct client *worst = NULL;
        for (struct client *o = c->clients; o; o = o->next)
            if (!o->closing && (!worst || o->out_bytes > worst->out_bytes)) worst = o;
        if (!worst || !worst->out_bytes) break;
        drop_slow(worst, ", all clients together hold too much");
    }
}

static void send_error(struct client *cl, const char *msg, bool close_after);

static void send_line(struct client *cl, json_t *reply, bool close_after)
{
    char *text = json_dumps(reply, JSON_COMPACT);
    if (!text) {
        client_close(cl);
        return;
    }
    size_t n = strlen(text);
    if (n + 1 > REPLY_MAX_BYTES) {
        free(text);
        log_warn("control socket: a reply of %zu bytes is over the %zu MiB limit", n,
                 REPLY_MAX_BYTES >> 20);
        send_error(cl, "the reply is too large (over 6 MiB): ask for less", close_after);
        return;
    }
    char *data = realloc(text, n + 1);
    if (!data) {
        free(text);
        client_close(cl);
        return;
    }
    data[n] = '\n';
    send_text(cl, data, n + 1, close_after);
}

/* {"ok":false,"error":msg}, msg cut to size and made valid UTF-8. */
static json_t *error_reply(const char *msg)
{
    char clean[1024];
    snprintf(clean, sizeof clean, "%s", msg);
    utf8_repair_inplace(clean, sizeof clean);
    json_t *r = json_pack("{s:b, s:s}", "ok", 0, "error", clean);
    if (!r) r = json_pack("{s:b, s:s}", "ok", 0, "error", "request failed");
    return r;
}

static void send_error(struct client *cl, const char *msg, bool close_after)
{
    json_t *r = error_reply(msg);
    if (r) {
        send_line(cl, r, close_after);
        json_decref(r);
    } else {
        client_close(cl);
    }
}

/* The reply to a handler's result: ok added, or the error object. Steals reply. */
static json_t *finish_reply(json_t *reply, const char *err)
{
    if (!reply) return error_reply(err && err[0] ? err : "request failed");
    if (!json_object_get(reply, "ok")) json_object_set_new(reply, "ok", json_true());
    return reply;
}

static json_t *reply_to(control_handler handler, void *ud, struct control_client *cl,
                        const char *line, size_t len)
{
    json_error_t je;
    char err[1024];
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' ')) len--;
    if (len == 0) return NULL; /* blank lines are keep-alives */
    json_t *req = json_loadb(line, len, JSON_REJECT_DUPLICATES, &je);
    if (!req) {
        snprintf(err, sizeof err, "not JSON: %s (column %d)", je.text, je.column);
        return error_reply(err);
    }
    if (!json_is_object(req)) {
        json_decref(req);
        return error_reply("a request must be a JSON object with \"cmd\"");
    }
    if (!json_is_string(json_object_get(req, "cmd"))) {
        json_decref(req);
        return error_reply("missing \"cmd\" (a string)");
    }
    err[0] = 0;
    json_t *reply = handler(ud, req, cl, err, sizeof err);
    json_decref(req);
    if (cl && ((struct client *)cl)->deferred) {
        json_decref(reply);
        return NULL; /* control_answer() sends it */
    }
    return finish_reply(reply, err);
}

json_t *control_reply(control_handler handler, void *ud, const char *line, size_t len)
{
    return reply_to(handler, ud, NULL, line, len);
}

void control_defer(struct control_client *ccl, void (*cancel)(void *job), void *job)
{
    struct client *cl = (struct client *)ccl;
    cl->deferred = true;
    cl->cancel = cancel;
    cl->job = job;
}

void control_answer(struct control_client *ccl, json_t *reply, const char *err)
{
    struct client *cl = (struct client *)ccl;
    cl->deferred = false;
    cl->cancel = NULL;
    cl->job = NULL;
    json_t *r = finish_reply(reply, err);
    if (r) {
        send_line(cl, r, false);
        json_decref(r);
    }
    if (cl->closing) return;
    cl->last_active = uv_now(cl->ctl->loop);
    client_process(cl);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct client *cl = h->data;
    (void)suggested;
    if (cl->pos) {
        /* Squeeze out what is handled, once per read rather than once per line. */
        memmove(cl->buf, cl->buf + cl->pos, cl->len - cl->pos);
        cl->len -= cl->pos;
        cl->pos = 0;
    }
    if (cl->cap - cl->len < 65536) {
        size_t cap = cl->cap ? cl->cap * 2 : 65536;
        if (cap > LINE_MAX_BYTES + 65536) cap = LINE_MAX_BYTES + 65536;
        char *b = cap > cl->cap ? realloc(cl->buf, cap) : NULL;
        if (b) {
            cl->buf = b;
            cl->cap = cap;
        }
    }
    *buf = uv_buf_init(cl->buf + cl->len, (unsigned)(cl->cap - cl->len));
}

static void on_timer(uv_timer_t *t)
{
    struct client *cl = t->data;
    if (cl->closing || cl->deferred) return;
    size_t q = write_queue(cl);
    if (q > 0) {
        if (q < cl->stall_queue) {
            client_rearm(cl); /* slow, but reading */
            return;
        }
        drop_slow(cl, ", nothing taken for 10 s");
        return;
    }
    client_close(cl); /* idle, or a request that never ended */
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf);

/* After EOF: whether the peer closed for good (POLLHUP) rather than only its sending side
 * (shutdown(SHUT_WR), which still wants the replies). */
static bool peer_gone(struct client *cl)
{
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)&cl->pipe, &fd) < 0) return true;
    struct pollfd p = {.fd = fd, .events = POLLOUT};
    return poll(&p, 1, 0) == 1 && (p.revents & (POLLHUP | POLLERR));
}

/* Handles the complete requests in the buffer, one at a time: while a reply is deferred or
 * waits for the client to take it, the rest wait too, and nothing more is read (the client's
 * own socket buffer fills and it blocks). */
static void client_process(struct client *cl)
{
    while (!cl->closing && !cl->deferred && write_queue(cl) == 0) {
        char *start = cl->buf + cl->pos;
        char *nl = cl->len > cl->pos ? memchr(start, '\n', cl->len - cl->pos) : NULL;
        if (!nl) break;
        cl->pos = (size_t)(nl - cl->buf) + 1;
        cl->request_started = 0;
        cl->last_active = uv_now(cl->ctl->loop);
        json_t *reply = reply_to(cl->ctl->handler, cl->ctl->ud, (struct control_client *)cl, start,
                                 (size_t)(nl - start));
        if (reply) {
            send_line(cl, reply, false);
            json_decref(reply);
        }
    }
    if (cl->closing) return;
    if (cl->len > cl->pos && !cl->request_started) cl->request_started = uv_now(cl->ctl->loop);
    bool blocked = cl->deferred || write_queue(cl) > 0;
    bool pending = cl->len > cl->pos && memchr(cl->buf + cl->pos, '\n', cl->len - cl->pos);
    if (cl->eof) {
        /* A half-close (echo ... | socat) still gets the rest of its replies; a peer gone for
         * good gets nothing more, and its work is cancelled. */
        if ((!blocked && !pending && cl->writes_pending == 0) || (blocked && peer_gone(cl))) {
            client_close(cl);
            return;
        }
    } else if (blocked && pending) {
        /* While blocked, reading goes on until the next request is complete: so a client
         * leaving mid-job is seen (and its job cancelled), and at most a buffer of requests
         * waits here, the rest in the client's own socket. */
        if (cl->reading) {
            uv_read_stop((uv_stream_t *)&cl->pipe);
            cl->reading = false;
        }
    } else if (!cl->reading) {
        if (uv_read_start((uv_stream_t *)&cl->pipe, on_alloc, on_read) < 0) {
            client_close(cl);
            return;
        }
        cl->reading = true;
    }
    client_rearm(cl);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct client *cl = s->data;
    (void)buf;
    if (cl->closing) return;
    if (n == UV_EOF) {
        uv_read_stop(s);
        cl->reading = false;
        cl->eof = true;
        client_process(cl);
        return;
    }
    if (n < 0) {
        client_close(cl);
        return;
    }
    if (n == 0) return;
    cl->len += (size_t)n;
    cl->last_active = uv_now(cl->ctl->loop);
    client_process(cl);
    if (cl->closing) return;
    /* The request still being read (after the last newline) is what must stay under the cap;
     * complete ones waiting behind a deferred reply are bounded by the buffer. */
    const char *last = cl->len > cl->pos ? memrchr(cl->buf + cl->pos, '\n', cl->len - cl->pos) : NULL;
    size_t partial = cl->len - (last ? (size_t)(last - cl->buf) + 1 : cl->pos);
    if (partial > LINE_MAX_BYTES) {
        uv_read_stop(s);
        cl->reading = false;
        cl->eof = true; /* nothing more is read from it */
        send_error(cl, "request line longer than 1 MiB", true);
    }
}

static bool peer_is_us(uv_pipe_t *p)
{
    uv_os_fd_t fd;
    struct ucred cred;
    socklen_t len = sizeof cred;
    if (uv_fileno((uv_handle_t *)p, &fd) < 0) return false;
    if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) < 0) return false;
    return cred.uid == getuid();
}

/* The client idle the longest (no request in progress, no job running): with the table full,
 * it makes room, so connections left open cannot lock every nudgectl out. */
static struct client *longest_idle(struct control *c, struct client *except)
{
    struct client *best = NULL;
    for (struct client *o = c->clients; o; o = o->next)
        if (o != except && !o->closing && !o->deferred &&
            (!best || o->last_active < best->last_active))
            best = o;
    return best;
}

static void on_connection(uv_stream_t *server, int status)
{
    struct control *c = server->data;
    if (status < 0) return;
    struct client *cl = calloc(1, sizeof *cl);
    if (!cl) return;
    cl->ctl = c;
    uv_pipe_init(c->loop, &cl->pipe, 0);
    uv_timer_init(c->loop, &cl->timer);
    cl->pipe.data = cl->timer.data = cl;
    cl->open_handles = 2;
    cl->next = c->clients;
    if (c->clients) c->clients->prev = cl;
    c->clients = cl;
    c->n_clients++;
    cl->last_active = cl->request_started = uv_now(c->loop);
    if (uv_accept(server, (uv_stream_t *)&cl->pipe) < 0) {
        client_close(cl);
        return;
    }
    if (!peer_is_us(&cl->pipe)) {
        log_warn("control socket: refused a connection from another user");
        client_close(cl);
        return;
    }
    int open = 0;
    for (struct client *o = c->clients; o; o = o->next) open += !o->closing;
    if (open > CLIENTS_MAX) {
        struct client *victim = longest_idle(c, cl);
        if (!victim) {
            send_error(cl, "too many clients", true);
            return;
        }
        client_close(victim);
        c->evicted++;
        uint64_t now = uv_now(c->loop);
        if (!c->evict_logged || now - c->evict_logged >= 10000) {
            log_warn("control socket: %d connections open; closed the one idle longest (%lu so far)",
                     CLIENTS_MAX, c->evicted);
            c->evict_logged = now;
        }
    }
    client_process(cl); /* starts reading and the request timer */
}

/* Makes the socket's folder (and its parents: the fallback under the state folder has
 * several) ours and private: 0700, not a link, owned by us. */
static int prepare_dir(const char *path, char *err, size_t errsz)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) return 0;
    *slash = 0;
    return paths_make_private_dir(dir, err, errsz);
}

/* A socket file left by a daemon that died: remove it. One that answers is a live daemon. */
static int clear_stale(const char *path, char *err, size_t errsz)
{
    struct stat st;
    if (lstat(path, &st) < 0) return 0;
    if (!S_ISSOCK(st.st_mode))
        return snprintf(err, errsz, "%s: exists and is not a socket", path), -EEXIST;
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -errno;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", path);
    int r = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    close(fd);
    if (r == 0)
        return snprintf(err, errsz, "%s: another nudged is already running", path), -EADDRINUSE;
    unlink(path);
    return 0;
}

static void on_server_closed(uv_handle_t *h)
{
    struct control *c = h->data;
    c->server_closed = true;
    maybe_free_control(c);
}

int control_open(uv_loop_t *loop, const char *path, control_handler handler, void *ud,
                 struct control **out, char *err, size_t errsz)
{
    int r;
    /* A client that leaves mid-reply must cost an EPIPE, not the daemon (uv_spawn resets
     * signal dispositions in children). */
    signal(SIGPIPE, SIG_IGN);
    if ((r = prepare_dir(path, err, errsz)) < 0) return r;
    if ((r = clear_stale(path, err, errsz)) < 0) return r;
    struct control *c = calloc(1, sizeof *c);
    if (!c) return -ENOMEM;
    c->loop = loop;
    c->handler = handler;
    c->ud = ud;
    c->path = strdup(path);
    uv_pipe_init(loop, &c->server, 0);
    c->server.data = c;
    mode_t old = umask(0177); /* the socket is born 0600 */
    r = uv_pipe_bind(&c->server, path);
    umask(old);
    if (r == 0) r = uv_listen((uv_stream_t *)&c->server, 256, on_connection);
    if (r < 0) {
        snprintf(err, errsz, "%s: %s", path, uv_strerror(r));
        c->closing = true;
        uv_close((uv_handle_t *)&c->server, on_server_closed); /* frees c once closed */
        return r;
    }
    chmod(path, 0600);
    *out = c;
    return 0;
}

void control_close(struct control *c)
{
    if (!c || c->closing) return;
    c->closing = true;
    unlink(c->path);
    for (struct client *cl = c->clients; cl; cl = cl->next) client_close(cl);
    uv_close((uv_handle_t *)&c->server, on_server_closed);
}
