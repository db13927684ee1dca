#include "daemon/glib_bridge.h"

#include <glib.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

struct gfd_watch {
    uv_poll_t poll;
    struct glib_bridge *bridge;
    int fd;
    int uv_events;   /* what we asked libuv for */
    int revents;     /* what libuv reported since the last check, as G_IO_* */
    bool used;       /* still in GLib's list after the last query */
    bool closing;
};

struct glib_bridge {
    uv_loop_t *loop;
    GMainContext *ctx;
    uv_prepare_t prepare;
    uv_check_t check;
    uv_timer_t timer;
    GPollFD *fds;
    int nfds, cap;
    gint max_priority;
    struct gfd_watch **watches;
    int nwatches;
    int open_handles;
    bool closing;
};

static void on_handle_closed(uv_handle_t *h)
{
    struct glib_bridge *b = h->data;
    if (--b->open_handles == 0) {
        free(b->fds);
        free(b->watches);
        free(b);
    }
}

static void on_watch_closed(uv_handle_t *h)
{
    struct gfd_watch *w = (struct gfd_watch *)h;
    struct glib_bridge *b = w->bridge;
    free(w);
    if (--b->open_handles == 0) {
        free(b->fds);
        free(b->watches);
        free(b);
    }
}

static void on_poll(uv_poll_t *p, int status, int events)
{
    struct gfd_watch *w = (struct gfd_watch *)p;
    if (status < 0) {
        w->revents |= G_IO_ERR;
        return;
    }
    if (events & UV_READABLE) w->revents |= G_IO_IN;
    if (events & UV_WRITABLE) w->revents |= G_IO_OUT;
    if (events & UV_DISCONNECT) w->revents |= G_IO_HUP;
}

static void on_timer(uv_timer_t *t)
{
    (void)t; /* only wakes the loop; the check phase dispatches */
}

static struct gfd_watch *watch_for(struct glib_bridge *b, int fd)
{
    for (int i = 0; i < b->nwatches; i++)
        if (b->watches[i]->fd == fd && !b->watches[i]->closing) return b->watches[i];
    struct gfd_watch *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    struct gfd_watch **v = realloc(b->watches, (size_t)(b->nwatches + 1) * sizeof *v);
    if (!v || uv_poll_init(b->loop, &w->poll, fd) < 0) {
        free(w);
        if (v) b->watches = v;
        return NULL;
    }
    b->watches = v;
    b->watches[b->nwatches++] = w;
    w->bridge = b;
    w->fd = fd;
    w->poll.data = b;
    b->open_handles++;
    return w;
}

static void on_prepare(uv_prepare_t *h)
{
    struct glib_bridge *b = h->data;
    gint timeout;
    g_main_context_prepare(b->ctx, &b->max_priority);
    for (;;) {
        b->nfds = g_main_context_query(b->ctx, b->max_priority, &timeout, b->fds, b->cap);
        if (b->nfds <= b->cap) break;
        GPollFD *f = realloc(b->fds, (size_t)b->nfds * sizeof *f);
        if (!f) {
            b->nfds = b->cap;
            break;
        }
        b->fds = f;
        b->cap = b->nfds;
    }
    for (int i = 0; i < b->nwatches; i++) b->watches[i]->used = false;
    for (int i = 0; i < b->nfds; i++) {
        struct gfd_watch *w = watch_for(b, b->fds[i].fd);
        if (!w) continue;
        int ev = 0;
        if (b->fds[i].events & (G_IO_IN | G_IO_PRI | G_IO_HUP | G_IO_ERR)) ev |= UV_READABLE;
        if (b->fds[i].events & G_IO_OUT) ev |= UV_WRITABLE;
        w->used = true;
        if (ev != w->uv_events) {
            w->uv_events = ev;
            if (ev)
                uv_poll_start(&w->poll, ev, on_poll);
            else
                uv_poll_stop(&w->poll);
        }
    }
    /* Drop watches for fds GLib no longer polls. */
    int k = 0;
    for (int i = 0; i < b->nwatches; i++) {
        struct gfd_watch *w = b->watches[i];
        if (w->used) {
            b->watches[k++] = w;
        } else {
            w->closing = true;
            uv_poll_stop(&w->poll);
            uv_close((uv_handle_t *)&w->poll, on_watch_closed);
        }
    }
    b->nwatches = k;
    if (timeout >= 0)
        uv_timer_start(&b->timer, on_timer, (uint64_t)timeout, 0);
    else
        uv_timer_stop(&b->timer);
}

static void on_check(uv_check_t *h)
{
    struct glib_bridge *b = h->data;
    for (int i = 0; i < b->nfds; i++) {
        b->fds[i].revents = 0;
        for (int j = 0; j < b->nwatches; j++)
            if (b->watches[j]->fd == b->fds[i].fd)
                b->fds[i].revents = (gushort)(b->watches[j]->revents & (b->fds[i].events | G_IO_ERR | G_IO_HUP));
    }
    for (int j = 0; j < b->nwatches; j++) b->watches[j]->revents = 0;
    if (g_main_context_check(b->ctx, b->max_priority, b->fds, b->nfds))
        g_main_context_dispatch(b->ctx);
}

struct glib_bridge *glib_bridge_new(uv_loop_t *loop)
{
    struct glib_bridge *b = calloc(1, sizeof *b);
    if (!b) return NULL;
    b->loop = loop;
    b->ctx = g_main_context_default();
    g_main_context_acquire(b->ctx);
    uv_prepare_init(loop, &b->prepare);
    uv_check_init(loop, &b->check);
    uv_timer_init(loop, &b->timer);
    b->prepare.data = b->check.data = b->timer.data = b;
    b->open_handles = 3;
    /* Prepare/check handles must not keep the loop alive on their own. */
    uv_unref((uv_handle_t *)&b->prepare);
    uv_unref((uv_handle_t *)&b->check);
    uv_unref((uv_handle_t *)&b->timer);
    uv_prepare_start(&b->prepare, on_prepare);
    uv_check_start(&b->check, on_check);
    return b;
}

void glib_bridge_close(struct glib_bridge *b)
{
    if (!b || b->closing) return;
    b->closing = true;
    g_main_context_release(b->ctx);
    for (int i = 0; i < b->nwatches; i++) {
        b->watches[i]->closing = true;
        uv_poll_stop(&b->watches[i]->poll);
        uv_close((uv_handle_t *)&b->watches[i]->poll, on_watch_closed);
    }
    b->nwatches = 0;
    uv_close((uv_handle_t *)&b->prepare, on_handle_closed);
    uv_close((uv_handle_t *)&b->check, on_handle_closed);
    uv_close((uv_handle_t *)&b->timer, on_handle_closed);
}
