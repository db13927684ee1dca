#include "engine/clock.h"

#include <time.h>

static usec_t real_now(struct clock *self)
{
    (void)self;
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (usec_t)ts.tv_sec * USEC_PER_SEC + ts.tv_nsec / 1000;
}

static struct clock real_clock = {real_now};

struct clock *clock_real(void)
{
    return &real_clock;
}

static usec_t sim_now(struct clock *self)
{
    return ((struct clock_sim *)self)->t;
}

void clock_sim_init(struct clock_sim *c, usec_t start)
{
    c->base.now = sim_now;
    c->t = start;
}
