/* --check and --preview: the real engine on a simulated clock, notifications captured. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "common/log.h"
#include "daemon/answers.h"
#include "daemon/modes.h"
#include "daemon/host.h"
#include "engine/clock.h"
#include "ledger/journal.h"
#include "ledger/ledger.h"
#include "lua/ruleset.h"
#include "notify/notify.h"
#include "store/store.h"

static void print_list(FILE *f, const struct strlist *l, const char *prefix)
{
    for (size_t i = 0; i < l->n; i++) fprintf(f, "%s%s\n", prefix, l->v[i]);
}

int mode_check(const struct rule_files *files)
{
    struct clock_sim sim;
    clock_sim_init(&sim, clock_now(clock_real()));
    /* Notifications raised while loading go nowhere: checking shows nothing. */
    FILE *devnull = fopen("/dev/null", "w");
    if (!devnull) return 1;
    struct notify_backend *capture = notify_capture_new(devnull, false);
    struct strlist errors = {0}, warnings = {0};
    /* A state of its own, in memory: checking records nothing anywhere. */
    struct store *st = NULL;
    struct ledger *lg = NULL;
    char serr[256];
    if (store_open_memory(&st, serr, sizeof serr) < 0)
        strlist_add(&errors, "cannot create an in-memory state: %s", serr);
    else if (!(lg = ledger_new(st)))
        strlist_add(&errors, "cannot set up the ledger: not enough memory");
    struct backend_host host = {.backend = capture, .clock = &sim.base};
    struct ruleset_host rhost = backend_host_for(&host);
    struct ruleset_options o = {.paths = (const char *const *)files->paths,
                                .n_paths = files->n,
                                .clock = &sim.base,
                                .host = &rhost,
                                .seed = 0,
                                .ledger = lg,
                                .check = true};
    struct ruleset *rs = lg ? ruleset_load(&o, &errors, &warnings) : NULL;
    print_list(stderr, &errors, "");
    /* "file:line: warning: ..." keeps the place first, like a compiler. */
    for (size_t i = 0; i < warnings.n; i++) {
        const char *w = warnings.v[i];
        const char *sep = strstr(w, ": ");
        if (sep)
            fprintf(stderr, "%.*s: warning: %s\n", (int)(sep - w), w, sep + 2);
        else
            fprintf(stderr, "warning: %s\n", w);
    }
    int rc = rs ? 0 : 1;
    if (rs)
        printf("ok: %zu reminder%s from %zu file%s\n", ruleset_reminder_count(rs),
               ruleset_reminder_count(rs) == 1 ? "" : "s", files->n, files->n == 1 ? "" : "s");
    ruleset_free(rs);
    ledger_free(lg);
    store_close(st);
    strlist_free(&errors);
    strlist_free(&warnings);
    notify_backend_free(capture);
    fclose(devnull);
    return rc;
}

/* An answer the script gives to a notification the preview showed. */
struct pending_answer {
    usec_t due;
    uint32_t id; /* the backend's notification id */
    const char *action;
};

/* Between the host and the capture: sees each notification shown, for --answers. */
struct replay_backend {
    struct notify_backend base;
    struct notify_backend *capture;
    struct preview_sim *ps;
};

struct preview_sim {
    struct clock_sim sim;
    struct replay_backend replay;
    const struct answers *answers;
    uint64_t rng;
    size_t next_event;
    struct pending_answer *pending; /* by due time */
    size_t n_pending, cap_pending;
    struct store *snap;
    struct ledger *ledger; /* over snap; the simulation records nothing in it */
    struct backend_host host;
    struct ruleset_host rhost;
    struct ruleset *rs;
    usec_t end;
};

static bool offers_action(void *ud, const char *action)
{
    const struct notification *n = ud;
    for (size_t i = 0; i < n->n_actions; i++)
        if (!strcmp(n->actions[i].id, action)) return true;
    return false;
}

/* Queues the script's answer to what was just shown, if a line of it answers. */
static void plan_answer(struct preview_sim *ps, const struct notification *n, uint32_t id, usec_t at)
{
    const struct answers_rule *r = answers_match(ps->answers, n->reminder_id ? n->reminder_id : "",
                                                 at, offers_action, (void *)n, &ps->rng);
    if (!r) return; /* no line answers it: it stays open, as an unanswered bubble */
    if (ps->n_pending == ps->cap_pending) {
        size_t cap = ps->cap_pending ? 2 * ps->cap_pending : 16;
        struct pending_answer *v = realloc(ps->pending, cap * sizeof *v);
        if (!v) {
            log_warn("--answers: out of memory; a fire of '%s' stays open", n->reminder_id);
            return;
        }
        ps->pending = v;
        ps->cap_pending = cap;
    }
    struct pending_answer a = {at + r->after, id, r->action};
    size_t k = ps->n_pending;
    while (k > 0 && ps->pending[k - 1].due > a.due) {
        ps->pending[k] = ps->pending[k - 1];
        k--;
    }
    ps->pending[k] = a;
    ps->n_pending++;
}

static int replay_show(struct notify_backend *self, const struct notification *n, usec_t at,
                       uint32_t *id, char *err, size_t errsz)
{
    struct replay_backend *b = (struct replay_backend *)self;
    int r = b->capture->show(b->capture, n, at, id, err, errsz);
    if (r == 0) plan_answer(b->ps, n, *id, at);
    return r;
}

struct preview_sim *preview_sim_new(const struct rule_files *files, struct ruleset *live,
                                    const struct preview_options *po,
                                    struct notify_backend *capture, char *err, size_t errsz)
{
    struct preview_sim *ps = calloc(1, sizeof *ps);
    if (!ps) {
        if (err && errsz) snprintf(err, errsz, "out of memory");
        return NULL;
    }
    clock_sim_init(&ps->sim, po->from);
    /* The real state, read through a private copy: nothing a preview does reaches the file. */
    struct store *snap = NULL;
    char serr[1024];
    if (po->live_store ? store_copy(po->live_store, &snap, serr, sizeof serr) < 0
                       : po->state_dir &&
                             store_open_snapshot(po->state_dir, &snap, serr, sizeof serr) < 0) {
        if (err && errsz) snprintf(err, errsz, "%s", serr);
        if (!live) fprintf(stderr, "%s\n", serr);
        free(ps);
        return NULL;
    }
    /* No state to start from: an empty one in memory. */
    if (!snap && store_open_memory(&snap, serr, sizeof serr) < 0) {
        if (err && errsz) snprintf(err, errsz, "cannot create an in-memory state: %s", serr);
        if (!live) fprintf(stderr, "cannot create an in-memory state: %s\n", serr);
        free(ps);
        return NULL;
    }
    if (!(ps->ledger = ledger_new(snap))) {
        if (err && errsz) snprintf(err, errsz, "out of memory");
        store_close(snap);
        free(ps);
        return NULL;
    }
    struct notify_backend *shows = capture;
    if (po->answers) {
        ps->answers = po->answers;
        ps->rng = po->seed ^ 0x616e737765727321ULL; /* its own stream beside nudge.random's */
        ps->replay = (struct replay_backend){.base = {.name = "replay", .show = replay_show},
                                             .capture = capture,
                                             .ps = ps};
        shows = &ps->replay.base;
    }
    /* With a script, each fire is recorded in the snapshot's ledger, as the daemon records it,
     * so its answer counts in what follows (streaks, re-asks). Without, nothing is recorded. */
    ps->host = (struct backend_host){.backend = shows,
                                     .clock = &ps->sim.base,
                                     .ledger = po->answers ? ps->ledger : NULL,
                                     .simulated = ps->ledger};
    ps->rhost = backend_host_for(&ps->host);
    struct strlist errors = {0}, warnings = {0};
    struct ruleset_options o = {.paths = (const char *const *)files->paths,
                                .n_paths = files->n,
                                .clock = &ps->sim.base,
                                .host = &ps->rhost,
                                .seed = po->seed,
                                .ledger = ps->ledger,
                                /* A replayed history keeps what the daemon keeps (shown
                                 * snoozes, fired one-shots), in the snapshot only. */
                                .record_history = po->answers != NULL,
                                .texts_of = live};
    struct ruleset *rs = ruleset_load(&o, &errors, &warnings);
    if (!live) {
        print_list(stderr, &errors, "");
        for (size_t i = 0; i < warnings.n; i++) log_warn("%s", warnings.v[i]);
    }
    if (err && errsz) snprintf(err, errsz, "%s", errors.n ? errors.v[0] : "");
    strlist_free(&errors);
    strlist_free(&warnings);
    if (!rs) {
        ledger_free(ps->ledger);
        store_close(snap);
        free(ps);
        return NULL;
    }
    /* From a live daemon: start from its plans, so the preview shows what it will do. The
     * simulation owns everything it uses from here on: a reload may free `live`. When adopting
     * fails (a run-time reminder that cannot be carried) the preview plans from the files. */
    if (live) ruleset_adopt(rs, live, NULL, NULL, 0);
    ps->snap = snap;
    ps->rs = rs;
    ps->end = po->from + (usec_t)po->days * USEC_PER_DAY;
    return ps;
}

/* Which check-in a scripted check-in is for: the one named, else the ledger's pick, as
 * nudgectl checkin does. */
struct checkin_candidates {
    struct ledger_checkin_candidate v[64];
    size_t n;
};

static void checkin_candidate(void *ud, const struct ruleset_reminder_info *r)
{
    struct checkin_candidates *c = ud;
    if (strcmp(r->kind, "checkin") || c->n == sizeof c->v / sizeof c->v[0]) return;
    c->v[c->n++] = (struct ledger_checkin_candidate){r->id, r->next == USEC_INFINITY ? 0 : r->next};
}

static void replay_event(struct preview_sim *ps, const struct answers_event *e, usec_t now)
{
    char err[512] = "";
    if (e->emit) {
        if (ruleset_emit(ps->rs, e->id, (const char *const *)e->kv, e->n_kv, NULL, NULL, err,
                         sizeof err) < 0)
            log_warn("--answers line %d: emit %s: %s", e->line, e->id, err);
        return;
    }
    struct checkin_candidates c = {0};
    ruleset_each_reminder(ps->rs, checkin_candidate, &c);
    const struct ledger_checkin_candidate *t = NULL;
    for (size_t i = 0; e->id && i < c.n; i++)
        if (!strcmp(c.v[i].reminder, e->id)) t = &c.v[i];
    if (e->id && !t) {
        log_warn("--answers line %d: no check-in '%s' in the rules: logged on its own", e->line,
                 e->id);
    } else if (!e->id) {
        size_t k;
        if (ledger_checkin_pick(ps->ledger, c.v, c.n, now, &k) == 0) t = &c.v[k];
    }
    struct ledger_checkin_result res = {0};
    int r = t ? ledger_checkin_log(ps->ledger, t->reminder, t->next, e->mood, e->note, now, &res,
                                   err, sizeof err)
              : ledger_checkin_add(ps->ledger, now, e->mood, e->note, &res.entry);
    if (r < 0) log_warn("--answers line %d: checkin: %s", e->line, *err ? err : "not logged");
    ruleset_snoozes_sync(ps->rs);
}

/* The click the script gives, through the ledger as the daemon's does. */
static void replay_answer(struct preview_sim *ps, const struct pending_answer *a, usec_t now)
{
    int r = ledger_answer_shown(ps->ledger, a->id, a->action, now);
    if (r > 0) ruleset_snoozes_sync(ps->rs);
}

/* Settled fires close their bubbles in the daemon; a preview has none, so the queue is only
 * emptied (it would grow for the whole simulation). */
static void drop_settled(struct preview_sim *ps)
{
    int64_t ids[64];
    while (ledger_settled_take(ps->ledger, ids, sizeof ids / sizeof ids[0]) > 0) {
    }
}

/* The next instant anything happens: the schedule, a scripted answer or event. */
static usec_t next_instant(struct preview_sim *ps)
{
    usec_t next = schedule_next_deadline(ruleset_schedule(ps->rs));
    if (ps->n_pending && ps->pending[0].due < next) next = ps->pending[0].due;
    if (ps->answers && ps->next_event < ps->answers->n_events &&
        ps->answers->events[ps->next_event].at < next)
        next = ps->answers->events[ps->next_event].at;
    return next;
}

bool preview_sim_step(struct preview_sim *ps, size_t max_instants)
{
    /* Script lines before the preview begins are history already past: not replayed. */
    while (ps->answers && ps->next_event < ps->answers->n_events &&
           ps->answers->events[ps->next_event].at < ps->sim.t)
        ps->next_event++;
    for (size_t i = 0; i < max_instants; i++) {
        usec_t next = next_instant(ps);
        if (next >= ps->end) return true;
        if (next > ps->sim.t) ps->sim.t = next;
        /* What the script does at this instant comes before the rules' fires of it: an answer
         * due now was given before the next prompt shows. */
        bool scripted = false;
        while (ps->answers && ps->next_event < ps->answers->n_events &&
               ps->answers->events[ps->next_event].at <= ps->sim.t) {
            replay_event(ps, &ps->answers->events[ps->next_event++], ps->sim.t);
            scripted = true;
        }
        while (ps->n_pending && ps->pending[0].due <= ps->sim.t) {
            struct pending_answer a = ps->pending[0];
            memmove(ps->pending, ps->pending + 1, --ps->n_pending * sizeof *ps->pending);
            replay_answer(ps, &a, ps->sim.t);
            scripted = true;
        }
        if (!scripted) ruleset_run_due(ps->rs);
        drop_settled(ps);
    }
    return next_instant(ps) >= ps->end;
}

usec_t preview_sim_time(const struct preview_sim *ps)
{
    return ps->sim.t;
}

void preview_sim_free(struct preview_sim *ps)
{
    if (!ps) return;
    ruleset_free(ps->rs);
    ledger_free(ps->ledger);
    store_close(ps->snap);
    free(ps->pending);
    free(ps);
}

/* --preview: the whole simulation on stdout. Exit code 1 when a rule failed to load or a
 * callback failed during the simulation (each logged), else 0. */
int mode_preview(const struct rule_files *files, const struct preview_options *po)
{
    struct notify_backend *capture = notify_capture_new(stdout, po->json);
    unsigned long errors_before = log_error_count();
    struct preview_sim *ps = preview_sim_new(files, NULL, po, capture, NULL, 0);
    if (!ps) {
        notify_backend_free(capture);
        return 1;
    }
    while (!preview_sim_step(ps, SIZE_MAX)) {
    }
    fflush(stdout);
    preview_sim_free(ps);
    notify_backend_free(capture);
    return log_error_count() > errors_before ? 1 : 0;
}
