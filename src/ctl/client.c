#include "ctl/client.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Waits for fd to be ready for `events` before the deadline. 0, or -ETIMEDOUT / -errno. */
static int wait_fd(int fd, short events, long long deadline)
{
    for (;;) {
        long long left = deadline - now_ms();
        if (left <= 0) return -ETIMEDOUT;
        struct pollfd p = {.fd = fd, .events = events};
        int r = poll(&p, 1, left > 1000000 ? 1000000 : (int)left);
        if (r > 0) return 0;
        if (r == 0) return -ETIMEDOUT;
        if (errno != EINTR) return -errno;
    }
}

static int send_all(int fd, const char *p, size_t n, long long deadline)
{
    while (n) {
        ssize_t w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
        if (w < 0) {
            if (errno == EINTR) continue;
            if (errno != EAGAIN && errno != EWOULDBLOCK) return -errno;
            int r = wait_fd(fd, POLLOUT, deadline);
            if (r < 0) return r;
            continue;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

/* Reads up to the first newline. Returns the line length, or a negative errno (-EPIPE for a
 * connection closed before a full line, -EMSGSIZE past CLIENT_REPLY_MAX). */
static ssize_t read_line(int fd, char **out, long long deadline)
{
    size_t len = 0, cap = 0;
    char *buf = NULL;
    for (;;) {
        if (cap - len < 65536) {
            size_t ncap = cap ? cap * 2 : 65536;
            if (ncap > CLIENT_REPLY_MAX + 1) ncap = CLIENT_REPLY_MAX + 1;
            if (ncap <= len) {
                free(buf);
                return -EMSGSIZE;
            }
            char *b = realloc(buf, ncap);
            if (!b) {
                free(buf);
                return -ENOMEM;
            }
            buf = b;
            cap = ncap;
        }
        int r = wait_fd(fd, POLLIN, deadline);
        if (r < 0) {
            free(buf);
            return r;
        }
        ssize_t n = recv(fd, buf + len, cap - len, MSG_DONTWAIT);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) continue;
            int e = errno;
            free(buf);
            return -e;
        }
        if (n == 0) {
            free(buf);
            return -EPIPE;
        }
        char *nl = memchr(buf + len, '\n', (size_t)n);
        len += (size_t)n;
        if (nl) {
            *nl = 0;
            *out = buf;
            return nl - buf;
        }
        if (len > CLIENT_REPLY_MAX) {
            free(buf);
            return -EMSGSIZE;
        }
    }
}

enum client_status client_request(const char *path, json_t *request, int timeout_ms, char **line,
                                  json_t **reply, char *err, size_t errsz)
{
    long long deadline = now_ms() + timeout_ms;
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof sa.sun_path) {
        snprintf(err, errsz, "socket path too long: %s", path);
        return CLIENT_FAILED;
    }
    memcpy(sa.sun_path, path, strlen(path) + 1);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errsz, "socket: %s", strerror(errno));
        return CLIENT_FAILED;
    }
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        int e = errno;
        close(fd);
        if (e == ENOENT || e == ECONNREFUSED || e == ENOTDIR) {
            snprintf(err, errsz, "nudged is not running (no socket at %s)", path);
            return CLIENT_NOT_RUNNING;
        }
        snprintf(err, errsz, "cannot connect to %s: %s", path, strerror(e));
        return CLIENT_FAILED;
    }
    char *text = json_dumps(request, JSON_COMPACT);
    if (!text) {
        close(fd);
        snprintf(err, errsz, "cannot encode the request");
        return CLIENT_FAILED;
    }
    size_t n = strlen(text);
    text[n] = '\n'; /* json_dumps' terminator becomes the line's end */
    int r = send_all(fd, text, n + 1, deadline);
    free(text);
    if (r < 0) {
        close(fd);
        snprintf(err, errsz, "sending to nudged: %s", strerror(-r));
        return CLIENT_FAILED;
    }
    char *buf = NULL;
    ssize_t len = read_line(fd, &buf, deadline);
    close(fd);
    if (len < 0) {
        if (len == -ETIMEDOUT)
            snprintf(err, errsz, "no reply from nudged within %d s", timeout_ms / 1000);
        else if (len == -EPIPE || len == -ECONNRESET)
            snprintf(err, errsz, "nudged closed the connection without a reply");
        else if (len == -EMSGSIZE)
            snprintf(err, errsz, "reply from nudged longer than %zu MiB", CLIENT_REPLY_MAX >> 20);
        else
            snprintf(err, errsz, "reading from nudged: %s", strerror((int)-len));
        return CLIENT_FAILED;
    }
    json_error_t je;
    json_t *o = json_loadb(buf, (size_t)len, 0, &je);
    if (!o || !json_is_object(o) || !json_is_boolean(json_object_get(o, "ok"))) {
        json_decref(o);
        free(buf);
        snprintf(err, errsz, "nudged sent a reply that is not a protocol object");
        return CLIENT_FAILED;
    }
    *line = buf;
    *reply = o;
    return CLIENT_OK;
}
