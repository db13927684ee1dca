/* bench_time: throughput of the time language (calendar_parse, calendar_next).
 *
 * Prints "key value" lines for scripts/bench, which runs it several times and takes medians:
 *   bench_time [PARSES] [STEPS]    (defaults 1000000 and 200000)
 * Runs with whatever TZ the caller sets; scripts/bench sets TZ=Europe/Berlin. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "time/calendar.h"
#include "common/usec.h"

/* A realistic mix: what people put in OnCalendar= and crontabs. */
static const char *const mix[] = {
    /* shorthands */
    "daily", "hourly", "weekly", "monthly", "minutely", "yearly", "quarterly", "semiannually",
    /* plain and weekday-restricted times */
    "*-*-* 09:00", "*-*-* 20:30:00", "Mon..Fri *-*-* 09:00", "Sat,Sun 10:00",
    "Mon,Wed,Fri 18:30", "Tue..Thu *-*-* 12:15:30", "Mon..Fri 08..18:00",
    /* lists, ranges, repetitions */
    "*-*-* 08,12,18:00", "*-*-* *:0/15", "*-*-* 09..17:00/30", "*-*-01 10:00",
    "*-01,04,07,10-01 00:00", "2026-*-* 07:45", "Mon *-*-1..7 19:00", "*:0/5",
    "*-*-* 00/2:00", "Mon *-*-* 06:00:00/20",
    /* last days of the month */
    "*-*~1 18:00", "*-02~03 09:00", "Fri *-*~7 17:00",
    /* zone suffixes */
    "*-*-* 09:00 Europe/Berlin", "Mon..Fri 08:30 America/New_York", "daily UTC",
    "*-*-* 20:00 Asia/Tokyo", "Sat 11:00 Australia/Sydney",
    /* cron lines */
    "30 20 * * 1-5", "0 9 * * mon-fri", "*/15 * * * *", "0 0 1 * *", "5 4 * jan,jul sun",
    "0 8-18/2 * * *", "@daily", "@weekly", "@hourly", "15 10 1,15 * 5",
};
#define N_MIX (sizeof mix / sizeof mix[0])

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void die_parse(const char *s, const char *err)
{
    fprintf(stderr, "bench_time: cannot parse \"%s\": %s\n", s, err);
    exit(1);
}

/* Steps c forward `steps` times from a fixed base; prints steps per second under `key`. */
static void bench_next(const char *key, const char *expr, long steps)
{
    struct calendar *c;
    char err[512];
    if (calendar_parse(expr, &c, err, sizeof err) < 0) die_parse(expr, err);
    usec_t t = (usec_t)1767225600 * USEC_PER_SEC; /* 2026-01-01 00:00 UTC */
    long done = 0;
    double t0 = now_s();
    for (; done < steps; done++) {
        usec_t next;
        if (calendar_next(c, t, &next) < 0) break;
        t = next;
    }
    double dt = now_s() - t0;
    calendar_free(c);
    if (done == 0) {
        fprintf(stderr, "bench_time: \"%s\" never elapses\n", expr);
        exit(1);
    }
    printf("%s %.0f\n", key, (double)done / dt);
}

int main(int argc, char **argv)
{
    long parses = argc > 1 ? atol(argv[1]) : 1000000;
    long steps = argc > 2 ? atol(argv[2]) : 200000;
    char err[512];

    /* Every entry must parse: a bench of error paths would measure the wrong thing. */
    for (size_t i = 0; i < N_MIX; i++) {
        struct calendar *c;
        if (calendar_parse(mix[i], &c, err, sizeof err) < 0) die_parse(mix[i], err);
        calendar_free(c);
    }

    unsigned long sink = 0;
    double t0 = now_s();
    for (long i = 0; i < parses; i++) {
        struct calendar *c;
        if (calendar_parse(mix[(size_t)i % N_MIX], &c, err, sizeof err) < 0) die_parse(mix[(size_t)i % N_MIX], err);
        sink += calendar_is_cron(c);
        calendar_free(c);
    }
    double dt = now_s() - t0;
    printf("parse_ns %.1f\n", dt * 1e9 / (double)parses);
    printf("parse_per_s %.0f\n", (double)parses / dt);

    /* The same mix without the zone suffixes: what they cost shows as the difference. */
    long nozone = 0;
    t0 = now_s();
    for (long i = 0; i < parses; i++) {
        const char *s = mix[(size_t)i % N_MIX];
        if (strchr(s, '/') && strchr(s, '/')[1] >= 'A') continue;
        if (!strcmp(s, "daily UTC")) continue;
        struct calendar *c;
        if (calendar_parse(s, &c, err, sizeof err) < 0) die_parse(s, err);
        sink += calendar_is_cron(c);
        calendar_free(c);
        nozone++;
    }
    dt = now_s() - t0;
    printf("parse_nozone_ns %.1f\n", dt * 1e9 / (double)nozone);

    bench_next("next_local_per_s", "Mon..Fri *-*-* 09:00", steps);
    bench_next("next_minutes_per_s", "*-*-* *:0/15", steps);
    bench_next("next_zone_per_s", "*-*-* 20:30 America/New_York", steps);
    bench_next("next_cron_per_s", "30 20 * * 1-5", steps);
    if (sink == 42) fputs("", stderr); /* keep the loop from being optimised away */
    return 0;
}
