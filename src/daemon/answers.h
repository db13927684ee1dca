/* `nudged --preview --answers FILE`: a scripted history of answers, check-ins and events that
 * the preview replays, so a plan can be judged with a life lived along it. The format is in
 * nudged(1). Parsing only here; preview.c gives the answers through the ledger. */
#ifndef NUDGE_ANSWERS_H
#define NUDGE_ANSWERS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/usec.h"

/* Bounds: a script is a hand-written file, not a database. */
#define ANSWERS_LINES_MAX 10000
#define ANSWERS_LINE_MAX 4096
#define ANSWERS_KV_MAX 32

enum answers_days { ANSWERS_ANY_DAY, ANSWERS_DATES, ANSWERS_WEEKDAYS };

/* DAYS REMINDER ANSWER [PERCENT%] [after SPAN] */
struct answers_rule {
    int line;
    enum answers_days days;
    int first, last;      /* ANSWERS_DATES: yyyymmdd, inclusive */
    unsigned weekdays;    /* ANSWERS_WEEKDAYS: bit 0 Sunday .. bit 6 Saturday */
    char *reminder;       /* an id, "*", or a prefix ending in '*' */
    const char *action;   /* the notification action it clicks: "done", "skip", "snooze", ... */
    int percent;          /* 1..100 */
    usec_t after;         /* how long after the fire shows */
};

/* TIMESTAMP checkin [ID] [mood=N] [note="..."] | TIMESTAMP emit NAME [K=V...] */
struct answers_event {
    int line;
    usec_t at;
    bool emit;
    char *id;   /* checkin: the check-in (NULL: the nearest, as nudgectl checkin); emit: NAME */
    int mood;   /* 0: none */
    char *note; /* NULL: none */
    char **kv;  /* emit: 2 * n_kv strings */
    size_t n_kv;
};

struct answers {
    struct answers_rule *rules;
    size_t n_rules;
    struct answers_event *events; /* by time (file order among equal times) */
    size_t n_events;
};

/* Reads the script at `path` into *out (release it with answers_free). `now` is what relative
 * timestamps count from. Returns 0, or -1 with err "PATH:LINE: message" (or "PATH: ..." when
 * the file cannot be read); *out then holds nothing. */
int answers_load(const char *path, usec_t now, struct answers *out, char *err, size_t errsz);
/* The same over text already in memory; `name` stands for the file in messages. */
int answers_parse(const char *text, size_t len, const char *name, usec_t now, struct answers *out,
                  char *err, size_t errsz);
void answers_free(struct answers *a);

/* The first rule that answers a fire of `reminder` shown at `at` (local date and weekday) whose
 * notification offers the rule's action (`has_action` says which it offers), or NULL. A rule
 * with a PERCENT applies when a draw from *rng (advanced) falls in its share; otherwise the
 * following rules are tried. */
const struct answers_rule *answers_match(const struct answers *a, const char *reminder, usec_t at,
                                         bool (*has_action)(void *ud, const char *action), void *ud,
                                         uint64_t *rng);

#endif
