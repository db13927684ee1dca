/* A small seeded PRNG (xoshiro256**, seeded through splitmix64): the same seed gives the same
 * jitter, window times and nudge.random() draws, which is what makes --preview --seed repeatable. */
#ifndef NUDGE_PRNG_H
#define NUDGE_PRNG_H

#include <stdint.h>

struct prng {
    uint64_t s[4];
};

void prng_seed(struct prng *p, uint64_t seed);
uint64_t prng_next(struct prng *p);
/* Uniform in [0, n); n == 0 gives 0. Unbiased (rejection sampling). */
uint64_t prng_below(struct prng *p, uint64_t n);
/* Uniform in [0, 1). */
double prng_double(struct prng *p);

#endif
