/* SPEC 2.3: calendar export and sync use UIDs stable across restarts. One function, so the
 * export and the sync cannot disagree about which event is which. */
#include "ledger/uid.h"

#include <stdio.h>
#include <time.h>

#include "common/notification.h"
#include "ledger/sync.h"

#define UID_ID_MAX 256

char *ledger_fire_uid(const char *reminder_id, usec_t scheduled, bool by_day, char *buf,
                      size_t bufsz)
{
    char id[UID_ID_MAX + 1], when[32];
    const char *src = reminder_id && *reminder_id ? reminder_id : "notify";
    size_t n = 0;
    for (; src[n] && n < UID_ID_MAX; n++) {
        char c = src[n];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '-' || c == ':';
        id[n] = ok ? c : '-';
    }
    id[n] = 0;
    time_t t = (time_t)(scheduled / USEC_PER_SEC);
    struct tm tm;
    /* The date of the day in the user's zone (a window is local time); the instant in UTC. */
    struct tm *ok = by_day ? localtime_r(&t, &tm) : gmtime_r(&t, &tm);
    if (!ok || !strftime(when, sizeof when, by_day ? "%Y%m%d" : "%Y%m%dT%H%M%SZ", &tm))
        snprintf(when, sizeof when, "%lld", (long long)t);
    snprintf(buf, bufsz, "%s-%s@nudge", id, when);
    return buf;
}

/* Here rather than in sync.c: recording a fire names it too (ledger_record_fire). */
const char *ledger_sync_fire_uid(const struct notification *n, usec_t scheduled, char *buf,
                                 size_t bufsz)
{
    if (n->uid && *n->uid) {
        snprintf(buf, bufsz, "%s", n->uid);
        return buf;
    }
    return ledger_fire_uid(n->reminder_id, scheduled, false, buf, bufsz);
}
