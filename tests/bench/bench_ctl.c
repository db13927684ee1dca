/* bench_ctl: control-socket round trips per second against a running nudged.
 *
 *   bench_ctl SOCKET CLIENTS REQUESTS [REQUEST_JSON]
 *
 * Starts CLIENTS threads, each with its own connection to SOCKET; once all are connected
 * they start together and each sends REQUESTS requests (default {"cmd":"status"}), one at a
 * time: write the line, read the whole reply line, check it has "ok":true, send the next.
 * Prints "rps N" (replies per second over all clients, wall time from the common start to
 * the last reply) and "us_per_rt N" (mean microseconds per round trip seen by one client).
 * Exits 1 on any error, so a wrong figure is never printed. */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static const char *sock_path;
static const char *request = "{\"cmd\":\"status\"}\n";
static long n_requests;
static pthread_barrier_t start;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

struct worker {
    pthread_t th;
    int fd;
    double elapsed;
    int failed;
    char err[200];
};

static void *run(void *arg)
{
    struct worker *w = arg;
    size_t req_len = strlen(request);
    char buf[65536];
    size_t have = 0;
    pthread_barrier_wait(&start);
    double t0 = now();
    for (long i = 0; i < n_requests; i++) {
        size_t off = 0;
        while (off < req_len) {
            ssize_t k = write(w->fd, request + off, req_len - off);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) {
                snprintf(w->err, sizeof w->err, "write: %s", strerror(errno));
                w->failed = 1;
                return NULL;
            }
            off += (size_t)k;
        }
        /* Read one reply line (replies are small; a reply never runs into the next because
         * the next request is sent only after this reply is complete). */
        char *nl;
        while (!(nl = memchr(buf, '\n', have))) {
            if (have == sizeof buf) {
                snprintf(w->err, sizeof w->err, "reply longer than %zu bytes", sizeof buf);
                w->failed = 1;
                return NULL;
            }
            ssize_t k = read(w->fd, buf + have, sizeof buf - have);
            if (k < 0 && errno == EINTR) continue;
            if (k <= 0) {
                snprintf(w->err, sizeof w->err, "read: %s", k == 0 ? "daemon closed the connection" : strerror(errno));
                w->failed = 1;
                return NULL;
            }
            have += (size_t)k;
        }
        *nl = 0;
        if (!strstr(buf, "\"ok\":true")) {
            snprintf(w->err, sizeof w->err, "reply not ok: %.150s", buf);
            w->failed = 1;
            return NULL;
        }
        size_t used = (size_t)(nl + 1 - buf);
        memmove(buf, nl + 1, have - used);
        have -= used;
    }
    w->elapsed = now() - t0;
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 4 || argc > 5) {
        fprintf(stderr, "usage: bench_ctl SOCKET CLIENTS REQUESTS [REQUEST_JSON]\n");
        return 2;
    }
    sock_path = argv[1];
    int n_clients = atoi(argv[2]);
    n_requests = atol(argv[3]);
    if (n_clients < 1 || n_requests < 1) {
        fprintf(stderr, "bench_ctl: CLIENTS and REQUESTS must be positive\n");
        return 2;
    }
    if (argc == 5) {
        char *r = malloc(strlen(argv[4]) + 2);
        if (!r) return 1;
        sprintf(r, "%s\n", argv[4]);
        request = r;
    }
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    if (strlen(sock_path) >= sizeof sa.sun_path) {
        fprintf(stderr, "bench_ctl: socket path too long\n");
        return 2;
    }
    strcpy(sa.sun_path, sock_path);
    struct worker *ws = calloc((size_t)n_clients, sizeof *ws);
    if (!ws) return 1;
    for (int i = 0; i < n_clients; i++) {
        ws[i].fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (ws[i].fd < 0 || connect(ws[i].fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
            fprintf(stderr, "bench_ctl: connect %s: %s\n", sock_path, strerror(errno));
            return 1;
        }
    }
    pthread_barrier_init(&start, NULL, (unsigned)n_clients + 1);
    for (int i = 0; i < n_clients; i++)
        if (pthread_create(&ws[i].th, NULL, run, &ws[i]) != 0) {
            fprintf(stderr, "bench_ctl: pthread_create failed\n");
            return 1;
        }
    double t0 = now();
    pthread_barrier_wait(&start);
    int failed = 0;
    double sum = 0;
    for (int i = 0; i < n_clients; i++) {
        pthread_join(ws[i].th, NULL);
        if (ws[i].failed) {
            fprintf(stderr, "bench_ctl: client %d: %s\n", i, ws[i].err);
            failed = 1;
        }
        sum += ws[i].elapsed;
    }
    double wall = now() - t0;
    if (failed) return 1;
    printf("rps %.1f\n", (double)n_clients * (double)n_requests / wall);
    printf("us_per_rt %.2f\n", sum / n_clients / (double)n_requests * 1e6);
    return 0;
}
