/* Wall-clock deadlines on one timerfd (CLOCK_REALTIME, absolute, cancel-on-set), polled by libuv.
 * The deadline is a wall time, so a fire lands at the right time also after the clock is set or
 * the machine resumes; and the kernel tells us when the clock jumps (read() fails ECANCELED). */
#ifndef NUDGE_WALLCLOCK_H
#define NUDGE_WALLCLOCK_H

#include <stdbool.h>
#include <uv.h>

#include "common/usec.h"

struct wallclock;
/* Called on the loop thread when the deadline passed (jumped false) or the realtime clock was
 * set (jumped true; the deadline may or may not have passed). */
typedef void (*wallclock_cb)(struct wallclock *w, bool jumped);

struct wallclock {
    uv_poll_t poll;
    int fd;
    wallclock_cb cb;
    void *data;
    usec_t deadline;
};

/* Returns 0, or a negative errno (timerfd_create failed). */
int wallclock_init(struct wallclock *w, uv_loop_t *loop, wallclock_cb cb);

/* Arms for an absolute wall time; USEC_INFINITY keeps only the clock-jump watch. */
int wallclock_arm(struct wallclock *w, usec_t deadline);

/* Closes the handle; the struct must stay valid until the loop has run once more. */
void wallclock_close(struct wallclock *w);

#endif
