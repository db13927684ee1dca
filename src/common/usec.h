/* Time values: microseconds, as systemd counts them. Instants are since the epoch (UTC). */
#ifndef NUDGE_USEC_H
#define NUDGE_USEC_H

#include <stdint.h>

typedef int64_t usec_t;

#define USEC_PER_SEC ((usec_t)1000000)
#define USEC_PER_MINUTE (60 * USEC_PER_SEC)
#define USEC_PER_HOUR (60 * USEC_PER_MINUTE)
#define USEC_PER_DAY (24 * USEC_PER_HOUR)
#define USEC_INFINITY INT64_MAX

#endif
