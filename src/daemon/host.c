#include "daemon/host.h"

#include <stdio.h>

#include "ledger/ledger.h"

static int host_show(void *ud, const struct notification *n, usec_t scheduled, uint32_t *id,
                     char *err, size_t errsz)
{
    struct backend_host *h = ud;
    usec_t now = clock_now(h->clock);
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
