/* The engine's only source of "now": the real clock in the daemon, a simulated one in
 * --preview and in tests. */
#ifndef NUDGE_CLOCK_H
#define NUDGE_CLOCK_H

#include "common/usec.h"

struct clock {
    usec_t (*now)(struct clock *self);
};

/* CLOCK_REALTIME. A static object; never freed. */
struct clock *clock_real(void);

/* A clock that only moves when told. */
struct clock_sim {
    struct clock base;
    usec_t t;
};

void clock_sim_init(struct clock_sim *c, usec_t start);

static inline usec_t clock_now(struct clock *c)
{
    return c->now(c);
}

#endif
