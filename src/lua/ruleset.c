/* The rule set: loading the files, running what is due, and its accessors. */
#include "lua/internal.h"


#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "common/heldfiles.h"
#include "common/log.h"
#include "ledger/ledger.h"
#include "ledger/pause.h"
#include "lua/prelude.h"
#include "lua/sandbox.h"

/* What a path is, for "PATH: is a named pipe (FIFO), not a rule file". */
static const char *file_kind(mode_t m)
{
    if (S_ISDIR(m)) return "a folder";
    if (S_ISFIFO(m)) return "a named pipe (FIFO)";
    if (S_ISSOCK(m)) return "a socket";
    if (S_ISCHR(m) || S_ISBLK(m)) return "a device";
    return "not a regular file";
}

/* Reads a rule file whole. Only a regular file is read: a FIFO or device could block the loop
 * (a reload) forever or have effects when opened, so its kind is checked by name first, the
 * open cannot block (O_NONBLOCK), and the opened file is checked again. Links are followed (rule
 * files are often symlinked dotfiles). A file this process holds locks on (the state database)
 * is never opened: closing it would drop those locks. At most RULE_FILE_MAX bytes. */
static int read_file(const char *path, char **buf, size_t *len, char *err, size_t errsz)
{
    struct stat st, fst;
    if (stat(path, &st) < 0)
        return snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno)), -1;
    if (!S_ISREG(st.st_mode))
        return snprintf(err, errsz, "%s: is %s, not a rule file (rule files must be regular files)",
                        path, file_kind(st.st_mode)),
               -1;
    if (heldfiles_contains(st.st_dev, st.st_ino))
        return snprintf(err, errsz, "%s: is nudge's state database, not a rule file", path), -1;
    if ((uintmax_t)st.st_size > RULE_FILE_MAX)
        return snprintf(err, errsz, "%s: too large for a rule file (over %zu MiB)", path,
                        RULE_FILE_MAX >> 20),
               -1;
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (fd < 0) return snprintf(err, errsz, "%s: cannot open: %s", path, strerror(errno)), -1;
    if (fstat(fd, &fst) < 0 || !S_ISREG(fst.st_mode) || fst.st_dev != st.st_dev ||
        fst.st_ino != st.st_ino) {
        close(fd);
        return snprintf(err, errsz, "%s: changed while being opened; not read", path), -1;
    }
    size_t cap = (size_t)fst.st_size + 1, n = 0;
    char *b = malloc(cap);
    while (b) {
        if (n == cap) {
            if (cap > RULE_FILE_MAX) break;
            cap = cap * 2 > RULE_FILE_MAX + 1 ? RULE_FILE_MAX + 1 : cap * 2;
            char *nb = realloc(b, cap);
            if (!nb) {
                free(b);
                b = NULL;
                break;
            }
            b = nb;
        }
        ssize_t r = read(fd, b + n, cap - n);
        if (r < 0 && errno == EINTR) continue;
        if (r < 0) {
            int e = errno;
            free(b);
            close(fd);
            return snprintf(err, errsz, "%s: read error: %s", path, strerror(e)), -1;
        }
        if (r == 0) break;
        n += (size_t)r;
    }
    close(fd);
    if (!b) return snprintf(err, errsz, "%s: not enough memory to read it", path), -1;
    /* Grown while read: the cap still holds. */
    if (n > RULE_FILE_MAX) {
        free(b);
        return snprintf(err, errsz, "%s: too large for a rule file (over %zu MiB)", path,
                        RULE_FILE_MAX >> 20),
               -1;
    }
    *buf = b;
    *len = n;
    return 0;
}

/* The latest elapse after the last one m fired for (in an earlier run), if one is already past:
 * every elapse missed meanwhile folds into it, and late_cancel is judged on it (as for a fire
 * made late by sleep), so a daily reminder down for three days still catches up yesterday's. */
static bool missed_elapse(struct ruleset *rs, struct lrem *m, usec_t now, usec_t *missed)
{
    /* A named `at` that came due while nudged was down (it has not fired: the oneshots table
     * was checked first). An unnamed one cannot be told apart from one that did fire. */
    if (m->r.trigger == TRIGGER_AT) {
        if (!m->named || m->r.at > now) return false;
        *missed = m->r.at;
        return true;
    }
    usec_t last_sched, last_fired;
    if (ledger_last_fire(rs->ledger, m->r.id, &last_sched, &last_fired) < 0) return false;
    usec_t e, f;
    if (m->r.trigger == TRIGGER_CALENDAR) {
        if (reminder_calendar_next(&m->r, last_sched, &e) < 0 || e > now) return false;
        /* Walk only the last late_cancel, so a minutely event after months away ends fast. */
        usec_t from = now - m->r.late_cancel - 1;
        if (from > e && reminder_calendar_next(&m->r, from, &f) == 0 && f <= now) e = f;
        for (int i = 0; i < 100000 && reminder_calendar_next(&m->r, e, &f) == 0 && f <= now; i++)
            e = f;
    } else if (m->r.trigger == TRIGGER_EVERY) {
        if (m->r.span <= 0 || last_sched > now - m->r.span) return false;
        e = last_sched + (now - last_sched) / m->r.span * m->r.span;
    } else {
        return false; /* one-shots: the oneshots table decides */
    }
    *missed = e;
    return true;
}

/* The compiled chunk a previous rule set kept for `path`, or NULL. */
static const struct compiled *previous_chunk(const struct ruleset *prev, const char *path)
{
    if (!prev || !prev->compiled) return NULL;
    for (size_t i = 0; i < prev->n_paths; i++)
        if (!strcmp(prev->paths[i], path) && prev->compiled[i].dump) return &prev->compiled[i];
    return NULL;
}

/* A rule set with the nudge module and the toolkit, before any rule file. NULL with an error
 * in errs when it cannot be made; a toolkit error is added to errs but the set is returned. */
static struct ruleset *ruleset_new(const struct ruleset_options *o, struct strlist *warnings,
                                   struct strlist *errs)
{
    struct ruleset *rs = calloc(1, sizeof *rs);
    if (!rs) {
        strlist_add(errs, "not enough memory");
        return NULL;
    }
    rs->clock = o->clock;
    ledger_phases_default(&rs->phases);
    rs->interactive = o->interactive;
    rs->loading = true;
    rs->warnings = warnings;
    if (o->host) rs->host = *o->host;
    rs->ledger = o->ledger;
    rs->record_history = o->record_history;
    snprintf(rs->backend_name, sizeof rs->backend_name, "auto");
    snprintf(rs->app_name, sizeof rs->app_name, "nudge");
    schedule_init(&rs->sched, o->clock, o->seed);
    rs->L = sandbox_new();
    if (!rs->L) {
        strlist_add(errs, "cannot create a Lua state: not enough memory");
        free(rs);
        return NULL;
    }
    rs->ctl_promise_ref = rs->dummy_ref = rs->samples_ref = LUA_NOREF;
    rs->check_bodies = o->check;
    char api_err[512];
    if (lcall_protected(rs, api_open, rs, api_err, sizeof api_err) < 0) {
        strlist_add(errs, "cannot set up the nudge module: %s", api_err);
        ruleset_free(rs);
        return NULL;
    }
    /* The trust toolkit (nudge.checkin, gesture, ...) is Lua shipped inside the binary. */
    for (const struct prelude_chunk *c = nudge_prelude; c->name; c++) {
        char msg[2048], name[128];
        snprintf(name, sizeof name, "prelude/%s.lua", c->name);
        if (sandbox_load(rs->L, c->source, c->len, name, msg, sizeof msg) < 0 ||
            sandbox_pcall(rs->L, 0, 0, msg, sizeof msg, NULL, 0) < 0)
            strlist_add(errs, "internal error in the toolkit: %s", msg);
    }
    if (lcall_protected(rs, api_keep_toolkit, rs, api_err, sizeof api_err) < 0)
        strlist_add(errs, "internal error in the toolkit: %s", api_err);
    if (lcall_protected(rs, loadcheck_open, rs, api_err, sizeof api_err) < 0)
        strlist_add(errs, "internal error in the toolkit: %s", api_err);
    return rs;
}

/* A copy of the text `rs` loaded from path: 0, or -ENOENT when it loaded no such file. */
static int loaded_text(const struct ruleset *rs, const char *path, char **buf, size_t *len)
{
    for (size_t i = 0; rs && rs->compiled && i < rs->n_paths; i++) {
        const struct compiled *c = &rs->compiled[i];
        if (strcmp(rs->paths[i], path) || !c->source) continue;
        if (!(*buf = malloc(c->source_len ? c->source_len : 1))) return -ENOMEM;
        memcpy(*buf, c->source, c->source_len);
        *len = c->source_len;
        return 0;
    }
    return -ENOENT;
}

/* Compiles rule file i (or reuses the previous set's chunk of the same text) and runs its top
 * level. Errors go to errs. */
static void load_file(struct ruleset *rs, const struct ruleset_options *o, size_t i,
                      struct strlist *errs)
{
    char msg[2048], trace[4096];
    char *buf;
    size_t len;
    if (loaded_text(o->texts_of, o->paths[i], &buf, &len) < 0 &&
        read_file(o->paths[i], &buf, &len, msg, sizeof msg) < 0) {
        strlist_add(errs, "%s", msg);
        return;
    }
    int rc = -1;
    const struct compiled *prev = previous_chunk(o->previous, o->paths[i]);
    bool reused = false;
    if (prev && prev->source_len == len && !memcmp(prev->source, buf, len))
        reused = (rc = sandbox_load_dump(rs->L, prev->dump, prev->dump_len, o->paths[i])) == 0;
    if (rc < 0) rc = sandbox_load(rs->L, buf, len, o->paths[i], msg, sizeof msg);
    char hint[600];
    bool hinted = false;
    if (rc < 0) {
        lconv_unshorten(rs, msg, sizeof msg);
        hinted = syntax_hint(msg, o->paths[i], buf, len, hint, sizeof hint);
    }
    if (rc == 0 && rs->compiled) {
        struct compiled *c = &rs->compiled[i];
        if (reused && (c->dump = malloc(prev->dump_len))) {
            memcpy(c->dump, prev->dump, prev->dump_len);
            c->dump_len = prev->dump_len;
        } else {
            c->dump = sandbox_dump(rs->L, &c->dump_len);
        }
        c->source = buf;
        c->source_len = len;
        buf = NULL;
    }
    free(buf);
    if (rc < 0) {
        strlist_add(errs, "%s", msg);
        if (hinted) strlist_add(errs, "%s", hint);
        return;
    }
    /* An API call that fails records its error in errs and the file goes on (loadcheck.c);
     * any other error stops it here. */
    rs->load_errs = errs;
    rs->load_errs_from = errs->n;
    int ran = sandbox_pcall(rs->L, 0, 0, msg, sizeof msg, trace, sizeof trace);
    rs->load_errs = NULL;
    if (ran < 0) {
        lconv_unshorten(rs, msg, sizeof msg);
        strlist_add(errs, "%s", msg);
        log_debug("%s", trace);
    }
    loadcheck_run_samples(rs, errs);
}

/* The line number of an error "path:LINE: ..." of file `path`, or -1. */
static long error_line(const char *e, const char *path)
{
    size_t pl = strlen(path);
    if (strncmp(e, path, pl) || e[pl] != ':') return -1;
    char *end;
    long line = strtol(e + pl + 1, &end, 10);
    return end > e + pl + 1 && *end == ':' ? line : -1;
}

/* Puts the errors a file gave (errs->v[from..]) in the order of their lines, so they read top
 * to bottom whatever order the file ran them in; left as they are when one names no line. */
static void sort_file_errors(struct strlist *errs, size_t from, const char *path)
{
    for (size_t i = from; i < errs->n; i++)
        if (error_line(errs->v[i], path) < 0) return;
    for (size_t i = from + 1; i < errs->n; i++) { /* stable: few, nearly sorted */
        char *e = errs->v[i];
        long line = error_line(e, path);
        size_t j = i;
        for (; j > from && error_line(errs->v[j - 1], path) > line; j--) errs->v[j] = errs->v[j - 1];
        errs->v[j] = e;
    }
}

/* Queues reminder m, registered while loading: a fired named `at` never again, a missed
 * elapse caught up, a plan the previous set (prev, sorted by id) hands over left to
 * ruleset_adopt(), anything else planned from now. */
static void plan_loaded(struct ruleset *rs, struct lrem *m, struct lrem **prev, size_t n_prev,
                        usec_t now)
{
    m->pending = false;
    bool fired;
    /* A named `at` fires once ever; an `after` counts from each start of the daemon (a
     * reload keeps its timer and its fired state, see ruleset_adopt). */
    if (m->r.trigger == TRIGGER_AT && m->named &&
        ledger_oneshot_fired(rs->ledger, m->r.id, &fired) == 0 && fired) {
        reminder_release(rs, m); /* fired in an earlier run: never again */
        return;
    }
    usec_t missed;
    if (m->r.catch_up && missed_elapse(rs, m, now, &missed)) {
        if (now - missed <= m->r.late_cancel) {
            log_info("%s: '%s' missed its elapse at %s while nudged was not running; "
                     "catching up now", m->where, m->r.id, lconv_fmt_time(missed).s);
            schedule_add_due(&rs->sched, &m->r, missed);
            m->caught_up = missed;
            return;
        }
        log_info("%s: '%s' missed its elapse at %s, more than late_cancel ago; dropped",
                 m->where, m->r.id, lconv_fmt_time(missed).s);
    }
    if (prev) {
        struct lrem key_m = {.r = {.id = m->r.id}}, *key = &key_m;
        struct lrem **p = bsearch(&key, prev, n_prev, sizeof *prev, reminder_cmp_id);
        if (p && reminder_same_definition(m, *p)) {
            m->deferred = true;
            /* Its place among equal times, as schedule_add() would give it. */
            m->r.seq = rs->sched.seq++;
            return;
        }
    }
    if (schedule_add(&rs->sched, &m->r) == -ENOENT) {
        /* A plan names a reminder for each phase; once a phase is over, its reminder has
         * nothing left to do, which is the plan working, not a mistake to warn about. */
        if (m->r.nsegs)
            log_info("%s: '%s' has no fires left: the phases its 'when' names are over (%s)",
                     m->where, m->r.id, m->expr);
        else if (rs->warnings && m->r.trigger == TRIGGER_CALENDAR)
            strlist_add(rs->warnings, "%s: calendar event \"%s\" never elapses", m->where, m->expr);
        else if (rs->warnings && m->r.trigger == TRIGGER_AT)
            strlist_add(rs->warnings, "%s: time %s is in the past, so \"%s\" never fires",
                        m->where, m->expr, m->r.id);
        reminder_release(rs, m);
    }
}

/* Schedules what the files registered, in registration order, so the PRNG draws (and the
 * preview) never vary. Returns 0, or -ENOMEM. */
static int plan_all_loaded(struct ruleset *rs, const struct ruleset *previous)
{
    rs->loading = false;
    size_t n = rs->n_regs;
    struct lrem **in_order = malloc((n ? n : 1) * sizeof *in_order);
    if (!in_order) return -ENOMEM;
    if (n) memcpy(in_order, rs->regs, n * sizeof *in_order); /* regs is NULL when nothing registered */
    /* On a reload, a reminder whose plan ruleset_adopt() will bring over is not planned here:
     * that is a calendar computation per reminder thrown away. */
    size_t n_prev = 0;
    struct lrem **prev = NULL;
    if (previous && !reload_quiet_changed(rs, previous))
        prev = reload_live_by_id(previous, &n_prev);
    usec_t now = clock_now(rs->clock);
    for (size_t i = 0; i < n; i++)
        if (in_order[i] && in_order[i]->pending) plan_loaded(rs, in_order[i], prev, n_prev, now);
    free(in_order);
    free(prev);
    return 0;
}

struct ruleset *ruleset_load(const struct ruleset_options *o, struct strlist *errors,
                             struct strlist *warnings)
{
    struct strlist local = {0};
    struct strlist *errs = errors ? errors : &local;
    size_t errs_before = errs->n;
    struct ruleset *rs = ruleset_new(o, warnings, errs);
    if (!rs) {
        strlist_free(&local);
        return NULL;
    }
    rs->paths = calloc(o->n_paths ? o->n_paths : 1, sizeof *rs->paths);
    rs->compiled = calloc(o->n_paths ? o->n_paths : 1, sizeof *rs->compiled);
    for (size_t i = 0; rs->paths && i < o->n_paths; i++)
        if ((rs->paths[i] = strdup(o->paths[i]))) rs->n_paths = i + 1;
    /* Loading makes objects that live on (reminders, closures), hardly any garbage: collect
     * rarely meanwhile (at 4x the live size instead of 2x). The memory cap still holds. */
    lua_gc(rs->L, LUA_GCINC, 400, 0, 0);
    for (size_t i = 0; i < o->n_paths; i++) {
        size_t from = errs->n;
        load_file(rs, o, i, errs);
        sort_file_errors(errs, from, o->paths[i]);
    }
    loadcheck_close(rs);
    lua_gc(rs->L, LUA_GCINC, 200, 0, 0); /* back to the default pause */
    if (errs->n > errs_before) {
        ruleset_free(rs);
        strlist_free(&local);
        return NULL;
    }
    if (plan_all_loaded(rs, o->previous) < 0) {
        strlist_add(errs, "not enough memory");
        ruleset_free(rs);
        strlist_free(&local);
        return NULL;
    }
    if (api_publish_pauses(rs) < 0) {
        strlist_add(errs, "not enough memory");
        ruleset_free(rs);
        strlist_free(&local);
        return NULL;
    }
    ruleset_snoozes_sync(rs); /* pending snoozes get their timers */
    return rs;
}

void ruleset_free(struct ruleset *rs)
{
    if (!rs) return;
    /* The Lua state closes first, while everything its finalizers could reach is whole: a
     * finalizer calling h:cancel() or nudge.* gets a no-op or an error (ruleset_of, lrem_gone). */
    rs->closing = true;
    for (size_t i = 0; i < rs->n_regs; i++)
        if (rs->regs[i]) rs->regs[i]->rs = NULL; /* their __gc need not leave the schedule */
    schedule_free(&rs->sched); /* empties the heap while what it points to is alive */
    sandbox_close(rs->L);
    rs->L = NULL;
    while (rs->snoozes) snooze_free(rs, rs->snoozes);
    calcache_free(rs); /* after the Lua state: its reminders pointed into the cache */
    for (size_t i = 0; rs->compiled && i < rs->n_paths; i++) {
        free(rs->compiled[i].source);
        free(rs->compiled[i].dump);
    }
    free(rs->compiled);
    for (size_t i = 0; i < rs->n_paths; i++) free(rs->paths[i]);
    free(rs->paths);
    free(rs->regs);
    free(rs->pauses);
    free(rs);
}

struct schedule *ruleset_schedule(struct ruleset *rs)
{
    return &rs->sched;
}

size_t ruleset_reminder_count(const struct ruleset *rs)
{
    return rs->n_live;
}

const char *ruleset_backend_name(const struct ruleset *rs)
{
    return rs->backend_name;
}

const char *ruleset_app_name(const struct ruleset *rs)
{
    return rs->app_name;
}

const struct ruleset_sync *ruleset_sync(const struct ruleset *rs)
{
    return rs->has_sync ? &rs->sync : NULL;
}

/* fire_reminder(m, now): marks a one-shot fired, builds ev and calls m's function. Inside the
 * protected call, so running out of memory for them is the rule's failure, not a Lua panic
 * that aborts the daemon. */
static int fire_reminder(lua_State *L)
{
    struct lrem *m = lua_touserdata(L, 1);
    usec_t now = (usec_t)lua_tointeger(L, 2);
    bool by_hand = lua_toboolean(L, 3); /* nudgectl fire: an extra fire, not its own */
    lua_settop(L, 0);
    if (!by_hand && (m->r.trigger == TRIGGER_AT || m->r.trigger == TRIGGER_AFTER)) {
        /* A one-shot fires once per id, also across reloads. */
        lua_rawgeti(L, LUA_REGISTRYINDEX, m->rs->fired_ref);
        lua_pushboolean(L, 1);
        lua_setfield(L, -2, m->r.id);
        lua_pop(L, 1);
    }
    lua_rawgeti(L, LUA_REGISTRYINDEX, m->fn_ref);
    /* Most callbacks ignore ev: skip building it (a table per fire) for them. */
    if (m->wants_ev) lconv_push_event(L, m->rs, m, now);
    lua_call(L, m->wants_ev ? 1 : 0, 0);
    return 0;
}

/* Whether a pause silences a fire of `kind` due now (SPEC 2.4). Decided here, for every kind
 * at once, so a toolkit kind added later is silenced without touching the prelude. */
static bool pause_silences(struct ruleset *rs, const char *kind, usec_t now)
{
    struct ledger_pause how;
    return ledger_paused_at(rs->ledger, now, &how) && ledger_pause_silences(&how, kind);
}

/* A snooze whose re-show a pause silences: recorded "silenced" (source "pause") instead of
 * shown, and gone. false when it is to show. */
static bool snooze_silenced(struct ruleset *rs, struct snooze *z, usec_t now)
{
    struct notification n;
    if (notification_decode(z->blob, z->len, &n) < 0) return false; /* snooze_fire says why */
    bool silenced = pause_silences(rs, n.kind, now);
    if (silenced) {
        log_debug("snoozed '%s' not shown again: paused", n.reminder_id);
        if (rs->record_history) {
            ruleset_record_silenced(rs, n.reminder_id, n.kind, n.title, z->r.at, z->r.at, false,
                                    "pause", now);
            ledger_snooze_shown(rs->ledger, z->id);
        }
        snooze_free(rs, z);
    }
    notification_clear(&n);
    return silenced;
}

size_t ruleset_run_due(struct ruleset *rs)
{
    size_t fired = 0;
    usec_t now = clock_now(rs->clock);
    struct reminder *r;
    ruleset_record_quiet_drops(rs, now);
    while ((r = schedule_pop_due(&rs->sched, now))) {
        if (r->owner_data == &snooze_tag) {
            if (snooze_silenced(rs, (struct snooze *)r, now)) continue;
            snooze_fire(rs, (struct snooze *)r, now);
            fired++;
            continue;
        }
        struct lrem *m = (struct lrem *)r; /* r is the first member */
        lua_State *L = rs->L;
        /* Far later than planned (sleep, a clock step): older than late_cancel is dropped. */
        if (now - m->r.next > LATE_GRACE &&
            now - schedule_latest_elapse(&m->r, now) > m->r.late_cancel) {
            log_info("%s: '%s' was due at %s, more than late_cancel ago; skipped", m->where,
                     m->r.id, lconv_fmt_time(m->r.next).s);
            if (schedule_rearm(&rs->sched, &m->r) < 0) reminder_release(rs, m);
            continue;
        }
        fired++;
        if (m->r.trigger == TRIGGER_AT || m->r.trigger == TRIGGER_AFTER) {
            /* A derived id names the call, not the user's intent: once per run only. */
            if (m->named && m->r.trigger == TRIGGER_AT) ledger_oneshot_mark(rs->ledger, m->r.id, now);
        } else if (m->r.catch_up && rs->record_history)
            ledger_set_last_fire(rs->ledger, m->r.id, m->r.base, now);
        if (pause_silences(rs, m->r.kind, now)) {
            /* Not run, and not caught up when the pause ends: a pause gives space, it does
             * not save the prompts for later. */
            usec_t sched = m->caught_up ? m->caught_up : m->r.next;
            usec_t base = m->caught_up ? m->caught_up : m->r.base;
            m->caught_up = 0;
            log_debug("%s: '%s' silenced: paused", m->where, m->r.id);
            if (rs->record_history)
                ruleset_record_silenced(rs, m->r.id, m->r.kind, NULL, sched, base,
                                        m->r.has_window || m->r.jitter > 0, "pause", now);
            if (schedule_rearm(&rs->sched, &m->r) < 0) reminder_release(rs, m);
            continue;
        }
        rs->current_sched = m->caught_up ? m->caught_up : m->r.next;
        /* What this fire draws (nudge.random: a gesture's text) is the same in a preview. */
        prng_seed(&rs->sched.prng, schedule_draw_seed(&rs->sched, m->r.id, rs->current_sched));
        rs->current_base = m->caught_up ? m->caught_up : m->r.base;
        m->caught_up = 0;
        char what[300];
        snprintf(what, sizeof what, "reminder '%s'", m->r.id);
        if (!lcall_pin(rs, m)) {
            log_error("%s: memory limit exceeded (%s)", m->where, what);
            if (schedule_rearm(&rs->sched, &m->r) < 0) reminder_release(rs, m);
            continue;
        }
        int pinned = lua_gettop(L);
        rs->current = m;
        /* Pushing these allocates nothing, so a state at its memory cap cannot panic here. */
        lua_pushcfunction(L, fire_reminder);
        lua_pushlightuserdata(L, m);
        lua_pushinteger(L, (lua_Integer)now);
        lcall_guarded(rs, m, 2, what);
        rs->current = NULL;
        /* Cancelled or disabled by its own callback: done; else it fires again. */
        if (!m->r.done && schedule_rearm(&rs->sched, &m->r) < 0) reminder_release(rs, m);
        lua_settop(L, pinned - 1); /* m may be collected from here on */
    }
    return fired;
}

struct emit_args {
    struct ruleset *rs;
    const char *name;
    const char *const *kv;
    size_t n;
    void (*cb)(void *ud, const struct ruleset_listener_result *r);
    void *ud;
    int ran;
};

/* Pushes the ev of an emit: {name, fired, data}. */
static void push_emit_event(lua_State *L, const struct emit_args *a)
{
    lua_createtable(L, 0, 3);
    lua_pushstring(L, a->name);
    lua_setfield(L, -2, "name");
    lconv_push_seconds(L, clock_now(a->rs->clock));
    lua_setfield(L, -2, "fired");
    lua_createtable(L, 0, (int)a->n);
    for (size_t k = 0; k < a->n; k++) {
        lua_pushstring(L, a->kv[2 * k + 1]);
        lua_setfield(L, -2, a->kv[2 * k]);
    }
    lua_setfield(L, -2, "data");
}

/* Runs listener li (its userdata on top of the stack, where it stays: li lives while the
 * call runs) and counts its failures as lcall_guarded counts a reminder's. */
static void emit_one(lua_State *L, struct emit_args *a, struct llisten *li)
{
    struct ruleset_listener_result res = {.where = li->where, .disabled = li->disabled};
    char msg[2048] = "";
    if (li->disabled) {
        res.outcome = RULESET_LISTENER_DISABLED;
    } else {
        lua_getiuservalue(L, -1, 1);
        push_emit_event(L, a);
        char what[300];
        snprintf(what, sizeof what, "listener for '%s'", a->name);
        a->ran++;
        if (lcall_try(a->rs, 1, what, msg, sizeof msg) == 0) {
            li->failures = 0;
        } else {
            res.outcome = RULESET_LISTENER_FAILED;
            res.error = msg;
            if (++li->failures >= FAILURES_TO_DISABLE) {
                char id[300];
                snprintf(id, sizeof id, "listen:%s", a->name);
                li->disabled = res.disabled = true;
                lcall_disabled(a->rs, "listener", id, li->where, li->failures, msg);
            }
        }
    }
    if (a->cb) a->cb(a->ud, &res);
}

/* The body of ruleset_emit, run as a protected C function: building ev at the memory cap
 * must be an error, not a Lua panic. Each listener still runs in its own guarded call. */
static int emit_protected(lua_State *L)
{
    struct emit_args *a = lua_touserdata(L, 1);
    lua_rawgeti(L, LUA_REGISTRYINDEX, a->rs->listeners_ref);
    if (lua_getfield(L, -1, a->name) != LUA_TTABLE) return 0;
    int list = lua_gettop(L);
    lua_Integer count = (lua_Integer)lua_rawlen(L, list);
    for (lua_Integer i = 1; i <= count; i++) {
        lua_rawgeti(L, list, i);
        struct llisten *li = lua_touserdata(L, -1);
        if (li) emit_one(L, a, li);
        lua_settop(L, list);
    }
    return 0;
}

int ruleset_emit(struct ruleset *rs, const char *name, const char *const *kv, size_t n,
                 void (*cb)(void *ud, const struct ruleset_listener_result *r), void *ud,
                 char *err, size_t errsz)
{
    struct emit_args a = {rs, name, kv, n, cb, ud, 0};
    char why[512];
    if (lcall_protected(rs, emit_protected, &a, why, sizeof why) < 0) {
        log_error("event '%s': %s", name, why);
        if (err && errsz) snprintf(err, errsz, "event '%s': %s", name, why);
        return -ENOMEM;
    }
    return a.ran;
}

void ruleset_each_reminder(struct ruleset *rs,
                           void (*cb)(void *ud, const struct ruleset_reminder_info *info), void *ud)
{
    static const char *const triggers[] = {"on", "every", "after", "at"};
    for (size_t i = 0; i < rs->n_regs; i++) {
        struct lrem *m = rs->regs[i];
        if (!m || m->r.done) continue;
        struct ruleset_reminder_info info = {
            .id = m->r.id,
            .kind = m->r.kind,
            .trigger = triggers[m->r.trigger],
            .expr = m->expr,
            .where = m->where,
            .next = m->r.heap_idx != SIZE_MAX ? m->r.next : USEC_INFINITY,
        };
        cb(ud, &info);
    }
}

int ruleset_fire_now(struct ruleset *rs, const char *id, char *err, size_t errsz)
{
    struct lrem *m = reminder_find(rs, id);
    if (!m) return snprintf(err, errsz, "no reminder '%s' (see nudgectl list)", id), -ENOENT;
    lua_State *L = rs->L;
    usec_t now = clock_now(rs->clock);
    if (!lcall_pin(rs, m)) return snprintf(err, errsz, "the rules are at their memory limit"), -ENOMEM;
    int pinned = lua_gettop(L);
    struct lrem *saved = rs->current;
    usec_t saved_sched = rs->current_sched, saved_base = rs->current_base;
    rs->current = m;
    rs->current_sched = now;
    rs->current_base = 0;
    rs->current_by_hand = true;
    size_t shown = rs->shown;
    /* Its schedule stays as it is: this is an extra, on-demand fire. ev is built inside the
     * protected call (at the memory cap that fails as the callback's error). */
    lua_pushcfunction(L, fire_reminder);
    lua_pushlightuserdata(L, m);
    lua_pushinteger(L, (lua_Integer)now);
    lua_pushboolean(L, 1);
    char what[300];
    snprintf(what, sizeof what, "reminder '%s' (fired by hand)", m->r.id);
    unsigned long before = log_error_count();
    lcall_guarded(rs, NULL, 3, what);
    rs->current = saved;
    rs->current_sched = saved_sched;
    rs->current_base = saved_base;
    rs->current_by_hand = false;
    lua_settop(L, pinned - 1);
    if (log_error_count() != before) return snprintf(err, errsz, "its callback failed: see the log"), -EIO;
    return (int)(rs->shown - shown > INT_MAX ? INT_MAX : rs->shown - shown);
}

const struct ledger_phases *ruleset_phases(const struct ruleset *rs)
{
    return &rs->phases;
}

bool ruleset_since(const struct ruleset *rs, usec_t *since)
{
    if (rs->has_since) *since = rs->since;
    return rs->has_since;
}

struct promise_args {
    struct ruleset *rs;
    int64_t id;
};

static int promise_added_body(lua_State *L)
{
    const struct promise_args *a = lua_touserdata(L, 1);
    if (lua_rawgeti(L, LUA_REGISTRYINDEX, a->rs->ctl_promise_ref) != LUA_TFUNCTION)
        return luaL_error(L, "the toolkit is not loaded");
    lua_pushinteger(L, a->id);
    lcall_guarded(a->rs, NULL, 1, "scheduling a promise's reminders");
    return 0;
}

void ruleset_promise_changed(struct ruleset *rs, int64_t id)
{
    struct promise_args a = {rs, id};
    char err[512];
    if (lcall_protected(rs, promise_added_body, &a, err, sizeof err) < 0)
        log_error("scheduling the reminders of promise %lld: %s", (long long)id, err);
}

void ruleset_promise_added(struct ruleset *rs, int64_t id)
{
    ruleset_promise_changed(rs, id);
}

size_t ruleset_time_changed(struct ruleset *rs)
{
    schedule_replan_all(&rs->sched);
    return ruleset_run_due(rs);
}
