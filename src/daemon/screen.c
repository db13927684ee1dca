/* What is on the screen follows what happened (SPEC 2.3): a fire that settles, by any route,
 * leaves the screen, and so does the daemon's own "rules not loaded" once it is no longer
 * true. The ledger says which fires settled; this closes the notifications showing them. */
#include <stdio.h>

#include "common/log.h"
#include "daemon/daemon.h"
#include "ledger/ledger.h"
#include "daemon/sync_glue.h"

/* A fire shows in one notification, a few at most (a rule that shows the same fire again). */
#define NOTIFICATIONS_PER_FIRE 8

static void close_notification(struct daemon *d, uint32_t id)
{
    char err[256];
    if (notify_close(d->backend, id, err, sizeof err) < 0)
        log_warn("cannot close notification %u: %s", id, err);
}

void daemon_close_fire(struct daemon *d, int64_t fire_id)
{
    uint32_t ids[NOTIFICATIONS_PER_FIRE];
    size_t n = ledger_notifications_of_fire(d->ledger, fire_id, ids, NOTIFICATIONS_PER_FIRE);
    for (size_t i = 0; i < n; i++) {
        log_debug("fire %lld settled: closing notification %u", (long long)fire_id, ids[i]);
        close_notification(d, ids[i]);
    }
}

void daemon_close_settled(struct daemon *d)
{
    int64_t fires[32];
    size_t n;
    bool any = false;
    while ((n = ledger_settled_take(d->ledger, fires, sizeof fires / sizeof fires[0])) > 0) {
        any = true;
        for (size_t i = 0; i < n; i++) daemon_close_fire(d, fires[i]);
    }
    /* An answer (or an expiry) changes what the fire's task says. */
    if (any) daemon_sync_soon(d);
}

void daemon_close_notice(struct daemon *d)
{
    if (!d->notice_not_loaded) return;
    close_notification(d, d->notice_not_loaded);
    d->notice_not_loaded = 0;
}
