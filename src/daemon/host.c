#include "daemon/host.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "ledger/ledger.h"
#include "ledger/sync.h"
#include "ledger/uid.h"

/* A fire answered on another device before it came (CalDAV, SPEC 7) is not shown: recorded
 * answered where fires are recorded (ledger_sync_take_held), only skipped in a simulation that
 * records nothing. true when it is not to show. */
static bool answered_elsewhere(struct backend_host *h, const struct notification *n,
                               usec_t scheduled, usec_t now)
{
    struct ledger *lg = h->ledger ? h->ledger : h->simulated;
    char uid[LEDGER_UID_MAX];
    const char *answer;
    usec_t at;
    if (!lg || !n->reminder_id || !*n->reminder_id) return false;
    /* A simulation only asks for a held answer: none held, nothing to look up. */
    if (!h->ledger && ledger_sync_none_held(lg)) return false;
    ledger_sync_fire_uid(n, scheduled, uid, sizeof uid);
    if (ledger_sync_held(lg, uid, &answer, &at) < 0) {
        /* A second notification of a fire the phone answered: the fire is settled, not shown. */
        struct ledger_fire_state st;
        return h->ledger && ledger_fire_by_uid(h->ledger, uid, &st) == 0 &&
               st.scheduled == scheduled && !strcmp(st.source, "sync");
    }
    if (h->ledger && ledger_sync_take_held(h->ledger, n, scheduled, now) <= 0) return false;
    time_t s = (time_t)(at / USEC_PER_SEC), t = (time_t)(now / USEC_PER_SEC);
    struct tm a, b;
    char when[32] = "?";
    if (localtime_r(&s, &a) && localtime_r(&t, &b))
        strftime(when, sizeof when,
                 a.tm_year == b.tm_year && a.tm_yday == b.tm_yday ? "%H:%M" : "%Y-%m-%d %H:%M", &a);
    /* A preview's simulated fire is not news for the daemon's log. */
    log_msg(h->simulated ? LOG_LVL_DEBUG : LOG_LVL_INFO,
            "'%s' not shown: answered on another device at %s", n->reminder_id, when);
    return true;
}

static int host_show(void *ud, const struct notification *n, usec_t scheduled, uint32_t *id,
                     char *err, size_t errsz)
{
    struct backend_host *h = ud;
    usec_t now = clock_now(h->clock);
    /* Not shown: *id 0 tells the rule set (nudge.notify returns nil, keeps no callbacks). */
    *id = 0;
    if (answered_elsewhere(h, n, scheduled, now)) return 0;
    int r = h->backend->show(h->backend, n, now, id, err, errsz);
    if (r < 0 || !h->ledger) return r;
    /* Shown: now it is a fire of its reminder, and a click on it answers that fire. */
    int64_t fire_id = ledger_record_fire(h->ledger, n, scheduled, now);
    ledger_remember_shown(h->ledger, *id, fire_id, n->reminder_id);
    return 0;
}

/* Shown, not recorded: a notice about the rules is no fire of theirs. Returns its id, 0 when
 * it could not be shown (the log has said why already). */
static uint32_t show_notice(struct notify_backend *b, usec_t now, const char *app_name,
                            const char *reminder_id, const char *title, const char *body)
{
    struct notification n = {.app_name = app_name,
                             .reminder_id = reminder_id,
                             .kind = "notify",
                             .title = title,
                             .body = body,
                             .urgency = URGENCY_CRITICAL,
                             .timeout_ms = -1};
    uint32_t id;
    char err[256];
    return b->show(b, &n, now, &id, err, sizeof err) < 0 ? 0 : id;
}

/* Says which rule and where it was written, so the user can find it (SPEC 2.3). */
static void host_rule_disabled(void *ud, const char *app_name, const char *reminder_id,
                               const char *where, int failures, const char *last_error)
{
    struct backend_host *h = ud;
    char title[300], body[2600];
    snprintf(title, sizeof title, "nudge: a rule was disabled: %s", reminder_id);
    snprintf(body, sizeof body, "\"%s\" (%s) failed %d times in a row and is off until the rules "
                                "are reloaded. Last error: %s",
             reminder_id, where ? where : "?", failures, last_error);
    show_notice(h->backend, clock_now(h->clock), app_name, reminder_id, title, body);
}

static int host_spawn(void *ud, const char *const *argv, char *err, size_t errsz)
{
    struct backend_host *h = ud;
    return h->spawn(h->spawn_ud, argv, err, errsz);
}

struct ruleset_host backend_host_for(struct backend_host *h)
{
    return (struct ruleset_host){.show = host_show,
                                 .rule_disabled = host_rule_disabled,
                                 .spawn = h->spawn ? host_spawn : NULL,
                                 .ud = h};
}

uint32_t notice_rules_not_loaded(struct notify_backend *b, usec_t now, const char *why,
                                 bool previous_running)
{
    char body[1024];
    snprintf(body, sizeof body, "%s%s", why,
             previous_running ? "\nThe previous rules keep running." : "");
    return show_notice(b, now, "nudge", "", "nudge: rules not loaded", body);
}
