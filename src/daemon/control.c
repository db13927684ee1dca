#include "daemon/control.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "common/log.h"
#include "common/utf8.h"

#define LINE_MAX_BYTES ((size_t)1 << 20)
#define CLIENTS_MAX 512
#define IDLE_TIMEOUT_MS 30000

struct client {
    uv_pipe_t pipe;
    uv_timer_t idle;
    struct control *ctl;
    char *buf;
    size_t len, cap;
    int open_handles;
    int writes_pending;
    bool closing;
    bool eof; /* the peer has sent all it will: close once the replies are out */
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
    uv_timer_stop(&cl->idle);
    uv_close((uv_handle_t *)&cl->idle, on_client_handle_closed);
    uv_close((uv_handle_t *)&cl->pipe, on_client_handle_closed);
}

struct write_req {
    uv_write_t req;
    char *data;
    bool close_after;
};

static void on_written(uv_write_t *w, int status)
{
    struct write_req *wr = (struct write_req *)w;
    struct client *cl = w->data;
    free(wr->data);
    bool close_after = wr->close_after;
    free(wr);
    cl->writes_pending--;
    /* status < 0: the peer left mid-reply, fine. */
    if (status < 0 || close_after || (cl->eof && cl->writes_pending == 0)) client_close(cl);
}

static void send_line(struct client *cl, json_t *reply, bool close_after)
{
    char *text = json_dumps(reply, JSON_COMPACT);
    if (!text) {
        client_close(cl);
        return;
    }
    size_t n = strlen(text);
    struct write_req *wr = malloc(sizeof *wr);
    char *data = malloc(n + 1);
    if (!wr || !data) {
        free(wr);
        free(data);
        free(text);
        client_close(cl);
        return;
    }
    memcpy(data, text, n);
    data[n] = '\n';
    free(text);
    wr->data = data;
    wr->close_after = close_after;
    wr->req.data = cl;
    uv_buf_t b = uv_buf_init(data, (unsigned)(n + 1));
    if (uv_write(&wr->req, (uv_stream_t *)&cl->pipe, &b, 1, on_written) < 0) {
        free(data);
        free(wr);
        client_close(cl);
        return;
    }
    cl->writes_pending++;
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

json_t *control_reply(control_handler handler, void *ud, const char *line, size_t len)
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
    json_t *reply = handler(ud, req, err, sizeof err);
    json_decref(req);
    if (!reply) return error_reply(err[0] ? err : "request failed");
    if (!json_object_get(reply, "ok")) json_object_set_new(reply, "ok", json_true());
    return reply;
}

static void handle_line(struct client *cl, const char *line, size_t len)
{
    json_t *reply = control_reply(cl->ctl->handler, cl->ctl->ud, line, len);
    if (!reply) return;
    send_line(cl, reply, false);
    json_decref(reply);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    struct client *cl = h->data;
    (void)suggested;
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

static void on_idle(uv_timer_t *t)
{
    client_close(t->data);
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    struct client *cl = s->data;
    (void)buf;
    if (n == UV_EOF && !cl->closing) {
        /* A half-close (echo ... | socat) still gets the rest of its replies. */
        uv_read_stop(s);
        cl->eof = true;
        if (cl->writes_pending == 0) client_close(cl);
        return;
    }
    if (n < 0) {
        client_close(cl);
        return;
    }
    if (cl->closing || n == 0) return;
    cl->len += (size_t)n;
    uv_timer_again(&cl->idle);
    size_t start = 0;
    for (;;) {
        char *nl = memchr(cl->buf + start, '\n', cl->len - start);
        if (!nl) break;
        handle_line(cl, cl->buf + start, (size_t)(nl - (cl->buf + start)));
        start = (size_t)(nl - cl->buf) + 1;
        if (cl->closing) return;
    }
    memmove(cl->buf, cl->buf + start, cl->len - start);
    cl->len -= start;
    if (cl->len > LINE_MAX_BYTES) {
        uv_read_stop(s);
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

static void on_connection(uv_stream_t *server, int status)
{
    struct control *c = server->data;
    if (status < 0) return;
    struct client *cl = calloc(1, sizeof *cl);
    if (!cl) return;
    cl->ctl = c;
    uv_pipe_init(c->loop, &cl->pipe, 0);
    uv_timer_init(c->loop, &cl->idle);
    cl->pipe.data = cl->idle.data = cl;
    cl->open_handles = 2;
    cl->next = c->clients;
    if (c->clients) c->clients->prev = cl;
    c->clients = cl;
    c->n_clients++;
    if (uv_accept(server, (uv_stream_t *)&cl->pipe) < 0) {
        client_close(cl);
        return;
    }
    if (!peer_is_us(&cl->pipe)) {
        log_warn("control socket: refused a connection from another user");
        client_close(cl);
        return;
    }
    if (c->n_clients > CLIENTS_MAX) {
        send_error(cl, "too many clients", true);
        return;
    }
    uv_timer_start(&cl->idle, on_idle, IDLE_TIMEOUT_MS, IDLE_TIMEOUT_MS);
    uv_read_start((uv_stream_t *)&cl->pipe, on_alloc, on_read);
}

/* Makes the socket's folder ours and private. */
static int prepare_dir(const char *path, char *err, size_t errsz)
{
    char dir[256];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash) return 0;
    *slash = 0;
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        int e = errno;
        /* The parent may be missing too (/tmp/nudge-UID has one level; XDG one). */
        return snprintf(err, errsz, "%s: %s", dir, strerror(e)), -e;
    }
    struct stat st;
    if (lstat(dir, &st) < 0) return snprintf(err, errsz, "%s: %s", dir, strerror(errno)), -errno;
    if (!S_ISDIR(st.st_mode) || st.st_uid != getuid())
        return snprintf(err, errsz, "%s: not a folder of ours", dir), -EPERM;
    if ((st.st_mode & 077) && chmod(dir, 0700) < 0)
        return snprintf(err, errsz, "%s: %s", dir, strerror(errno)), -errno;
    return 0;
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
