#include "daemon/wallclock.h"

#include <errno.h>
#include <stdint.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* Far enough to mean "no deadline", near enough for any time_t: keeps cancel-on-set armed. */
#define FAR_FUTURE_SEC ((time_t)4102444800) /* 2100-01-01 */

static void on_poll(uv_poll_t *p, int status, int events)
{
    struct wallclock *w = p->data;
    (void)events;
    uint64_t ticks;
    bool jumped = false;
    if (status < 0) return;
    ssize_t n = read(w->fd, &ticks, sizeof ticks);
    if (n < 0) {
        if (errno == EAGAIN || errno == EINTR) return;
        if (errno != ECANCELED) return;
        jumped = true;
    }
    w->cb(w, jumped);
}

int wallclock_init(struct wallclock *w, uv_loop_t *loop, wallclock_cb cb)
{
    w->fd = timerfd_create(CLOCK_REALTIME, TFD_NONBLOCK | TFD_CLOEXEC);
    if (w->fd < 0) return -errno;
    w->cb = cb;
    w->deadline = USEC_INFINITY;
    int r = uv_poll_init(loop, &w->poll, w->fd);
    if (r < 0) {
        close(w->fd);
        return r;
    }
    w->poll.data = w;
    uv_poll_start(&w->poll, UV_READABLE, on_poll);
    return wallclock_arm(w, USEC_INFINITY);
}

int wallclock_arm(struct wallclock *w, usec_t deadline)
{
    struct itimerspec its = {0};
    w->deadline = deadline;
    if (deadline == USEC_INFINITY || deadline / USEC_PER_SEC >= FAR_FUTURE_SEC) {
        its.it_value.tv_sec = FAR_FUTURE_SEC;
    } else if (deadline <= 0) {
        its.it_value.tv_nsec = 1; /* already due: expire at once (0 would disarm) */
    } else {
        its.it_value.tv_sec = (time_t)(deadline / USEC_PER_SEC);
        its.it_value.tv_nsec = (long)(deadline % USEC_PER_SEC) * 1000;
    }
    if (timerfd_settime(w->fd, TFD_TIMER_ABSTIME | TFD_TIMER_CANCEL_ON_SET, &its, NULL) < 0)
        return -errno;
    return 0;
}

static void on_closed(uv_handle_t *h)
{
    struct wallclock *w = h->data;
    close(w->fd);
    w->fd = -1;
}

void wallclock_close(struct wallclock *w)
{
    uv_poll_stop(&w->poll);
    uv_close((uv_handle_t *)&w->poll, on_closed);
}
