/* Parsed calendars shared by the reminders of a rule set. */
#include "lua/internal.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>


/* FNV-1a: short keys, no adversary that matters (the rule file is the user's own). */
static size_t hash_str(const char *s)
{
    size_t h = 1469598103934665603ULL;
    for (; *s; s++) h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static int calcache_grow(struct ruleset *rs)
{
    size_t cap = rs->calcache_cap ? rs->calcache_cap * 2 : 256;
    struct calcache_entry *v = calloc(cap, sizeof *v);
    if (!v) return -ENOMEM;
    for (size_t i = 0; i < rs->calcache_cap; i++) {
        struct calcache_entry *e = &rs->calcache[i];
        if (!e->expr) continue;
        size_t j = hash_str(e->expr) & (cap - 1);
        while (v[j].expr) j = (j + 1) & (cap - 1);
        v[j] = *e;
    }
    free(rs->calcache);
    rs->calcache = v;
    rs->calcache_cap = cap;
    return 0;
}

/* The parsed calendar for expr (parsed now if new), or NULL with err set. */
#define CALENDAR_EXPR_MAX 1024
#define CALENDAR_CACHE_MAX (1 << 20)

const struct calcache_entry *calcache_get(struct ruleset *rs, const char *expr, char *err,
                                                 size_t errsz)
{
    if (rs->calcache_n * 2 >= rs->calcache_cap && calcache_grow(rs) < 0)
        return snprintf(err, errsz, "not enough memory"), NULL;
    size_t j = hash_str(expr) & (rs->calcache_cap - 1);
    while (rs->calcache[j].expr) {
        if (!strcmp(rs->calcache[j].expr, expr)) return &rs->calcache[j];
        j = (j + 1) & (rs->calcache_cap - 1);
    }
    /* The parsed events are C memory the rules' memory cap does not see, kept for the rule
     * set's life: bounded here, so a callback making new expressions in a loop cannot grow
     * the daemon (attack finding: 560 MB from 80 KB expressions). */
    size_t len = strlen(expr);
    if (len > CALENDAR_EXPR_MAX)
        return snprintf(err, errsz, "calendar event \"%.40s...\" is longer than %d bytes", expr,
                        CALENDAR_EXPR_MAX), NULL;
    if (rs->calcache_bytes + len > CALENDAR_CACHE_MAX)
        return snprintf(err, errsz, "too many different calendar events in these rules (over %d KiB "
                                    "of them): reuse one expression for reminders that share it",
                        CALENDAR_CACHE_MAX >> 10), NULL;
    struct calendar *cal;
    if (calendar_parse(expr, &cal, err, errsz) < 0) return NULL;
    if (calendar_repeats_within(cal, SCHEDULE_MIN_GAP)) {
        calendar_free(cal);
        return snprintf(err, errsz, "calendar event \"%s\" repeats more often than every %llds "
                                    "(the shortest interval between fires)",
                        expr, (long long)(SCHEDULE_MIN_GAP / USEC_PER_SEC)), NULL;
    }
    /* The normalised form is the reminder's definition across reloads and its default id, so it
     * must be whole and mean the same as expr; where systemd's form drops fires, keep expr. */
    char *norm = NULL;
    size_t n = calendar_format(cal, NULL, 0);
    if (calendar_format_is_lossless(cal) && (norm = malloc(n + 1))) calendar_format(cal, norm, n + 1);
    else if (!calendar_format_is_lossless(cal)) norm = strdup(expr);
    struct calcache_entry e = {strdup(expr), norm, cal};
    if (!e.expr || !e.norm) {
        free(e.expr);
        free(e.norm);
        calendar_free(cal);
        return snprintf(err, errsz, "not enough memory"), NULL;
    }
    rs->calcache[j] = e;
    rs->calcache_n++;
    rs->calcache_bytes += len;
    return &rs->calcache[j];
}

void calcache_free(struct ruleset *rs)
{
    for (size_t i = 0; i < rs->calcache_cap; i++) {
        free(rs->calcache[i].expr);
        free(rs->calcache[i].norm);
        calendar_free(rs->calcache[i].cal);
    }
    free(rs->calcache);
    rs->calcache = NULL;
    rs->calcache_cap = rs->calcache_n = rs->calcache_bytes = 0;
}
