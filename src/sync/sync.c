/* One sync, step by step on the loop:
 *   password -> coming fires -> listing -> answers taken -> plan -> requests, one at a time
 * A step that fails ends the run with a class (offline, auth, ...) that decides when the next
 * one comes: `every` after a success, a growing back-off while the server cannot be reached,
 * none after a refused password until the user acts (nudgectl sync, --login, a reload). */
#include "sync/sync.h"

#include <errno.h>
#include <stdarg.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "caldav/caldav.h"
#include "common/log.h"
#include "ledger/ledger.h"
#include "ledger/promise.h"
#include "ledger/sync.h"
#include "net/http.h"
#include "sync/password.h"
#include "sync/plan.h"
#include "time/timestamp.h"

/* A change syncs this soon (answers often come in bursts). */
#define SOON_USEC (3 * USEC_PER_SEC)
/* First retry after a failure; doubled each time, at most `every`. */
#define BACKOFF_FIRST_USEC (30 * USEC_PER_SEC)
/* Settled tasks stay on the server this long after their time, then leave. */
#define KEEP_PAST_USEC (7 * USEC_PER_DAY)
/* A fire due this recently that has not come yet may still come (catch-up, a slow loop). */
#define MAY_COME_USEC USEC_PER_DAY
/* Re-listing after conflicting edits: once per run. */
#define PROMISE_UID_PREFIX "promise-"
#define UID_SUFFIX "@nudge"

enum failure {
    FAIL_NONE,
    FAIL_OFFLINE, /* no answer: back off quietly */
    FAIL_AUTH,    /* no or wrong password: wait for the user */
    FAIL_ERROR,   /* the server or our side failed otherwise: back off */
};

struct waiter {
    struct waiter *next;
    sync_done_fn *done;
    void *ud;
    unsigned run; /* the first run whose end answers it */
};

struct fire_copy {
    char *uid, *reminder, *kind, *title, *body;
    usec_t at;
};

struct sync {
    uv_loop_t *loop;
    struct ledger *lg;
    struct sync_hooks h;
    struct http *http;
    struct caldav *cd;
    uv_timer_t timer;
    bool on, freeing;

    /* the settings in force, and new ones waiting for the run under way to end */
    char *url, *user;
    usec_t every;
    int days;
    bool pending_cfg, pending_on;
    char *pending_url, *pending_user;
    usec_t pending_every;
    int pending_days;

    /* the run under way */
    bool running, again, relisted;
    unsigned runs; /* started so far */
    struct sync_password_op *pw_op;
    void *fires_job;
    struct fire_copy *fires;
    size_t n_fires;
    bool fires_truncated;
    struct sync_plan plan;
    size_t op_next;
    unsigned conflicts, failed_ops;
    size_t skipped_said; /* unreadable entries the log has mentioned */
    char op_error[512];
    usec_t run_started;
    unsigned sent, removed, received, unchanged;
    struct waiter *waiters;
    char *login; /* a password to store before the next run */
    char tag[9]; /* this install's, in promise UIDs (from the kept seed) */

    /* what status shows */
    const char *password_where;
    char password[SYNC_PASSWORD_MAX];
    enum failure failure;
    unsigned failures; /* in a row, for the back-off */
    bool has_last, last_ok;
    usec_t last_at, last_error_at, next_at;
    unsigned last_took_ms, last_sent, last_removed, last_received, last_unchanged;
    char last_error[512], last_run_error[512];
    char warned[512]; /* the last partial success's message the log has said */
};

static void run_start(struct sync *s);
static void run_finish(struct sync *s, enum failure f, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void next_op(struct sync *s);

static usec_t now_of(struct sync *s)
{
    return s->h.now(s->h.ud);
}

static char *dup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* ---- settings and timing ---- */

static void on_timer(uv_timer_t *t)
{
    struct sync *s = t->data;
    s->next_at = 0;
    if (s->on && !s->running) run_start(s);
}

static void plan_next(struct sync *s, usec_t after)
{
    uv_timer_stop(&s->timer);
    s->next_at = 0;
    if (!s->on) return;
    s->next_at = now_of(s) + after;
    uv_timer_start(&s->timer, on_timer, after / 1000, 0);
}

struct sync *sync_new(uv_loop_t *loop, struct ledger *lg, const struct sync_hooks *hooks)
{
    struct sync *s = calloc(1, sizeof *s);
    if (!s) return NULL;
    s->loop = loop;
    s->lg = lg;
    s->h = *hooks;
    s->http = http_new(loop);
    if (!s->http) {
        free(s);
        return NULL;
    }
    uv_timer_init(loop, &s->timer);
    s->timer.data = s;
    /* From the seed the state keeps (the daemon's, or a fresh one stored now), hashed: the
     * seed itself stays private. */
    uint64_t seed;
    ledger_seed(lg, uv_hrtime() ^ (uint64_t)(uintptr_t)s, &seed);
    snprintf(s->tag, sizeof s->tag, "%08" PRIx32, (uint32_t)((seed * 0x9e3779b97f4a7c15ull) >> 32));
    return s;
}

static void free_fires(struct sync *s)
{
    for (size_t i = 0; i < s->n_fires; i++) {
        struct fire_copy *f = &s->fires[i];
        free(f->uid), free(f->reminder), free(f->kind), free(f->title), free(f->body);
    }
    free(s->fires);
    s->fires = NULL;
    s->n_fires = 0;
}

/* Answers the waiters the run that ended is for (all of them when `all`); true when some wait
 * for the next run. */
static bool answer_waiters(struct sync *s, bool all)
{
    struct sync_status st;
    sync_get_status(s, &st);
    struct waiter *w = s->waiters, *later = NULL;
    s->waiters = NULL;
    while (w) {
        struct waiter *next = w->next;
        if (all || w->run <= s->runs) {
            w->done(w->ud, &st);
            free(w);
        } else {
            w->next = later;
            later = w;
        }
        w = next;
    }
    s->waiters = later;
    return later != NULL;
}

static void timer_closed(uv_handle_t *h)
{
    free(h->data);
}

void sync_free(struct sync *s)
{
    if (!s) return;
    s->freeing = true;
    sync_password_cancel(s->pw_op);
    if (s->fires_job) s->h.cancel_fires(s->h.ud, s->fires_job);
    caldav_free(s->cd);
    http_free(s->http); /* its callbacks see `freeing` and return */
    if (s->running) {
        snprintf(s->last_run_error, sizeof s->last_run_error, "the daemon is stopping");
        s->running = false;
        s->has_last = true;
        s->last_ok = false;
    }
    answer_waiters(s, true);
    free_fires(s);
    sync_plan_free(&s->plan);
    free(s->url), free(s->user), free(s->pending_url), free(s->pending_user);
    if (s->login) explicit_bzero(s->login, strlen(s->login));
    free(s->login);
    explicit_bzero(s->password, sizeof s->password);
    uv_timer_stop(&s->timer);
    uv_close((uv_handle_t *)&s->timer, timer_closed);
}

static bool same0(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

/* Puts the pending settings in force (between runs). */
static void apply_settings(struct sync *s)
{
    bool changed = s->on != s->pending_on || !same0(s->url, s->pending_url) ||
                   !same0(s->user, s->pending_user);
    free(s->url), free(s->user);
    s->url = s->pending_url;
    s->user = s->pending_user;
    s->pending_url = s->pending_user = NULL;
    s->every = s->pending_every;
    s->days = s->pending_days;
    s->on = s->pending_on;
    s->pending_cfg = false;
    if (!s->on) {
        uv_timer_stop(&s->timer);
        s->next_at = 0;
        return;
    }
    if (changed) {
        /* Another server or user: what the last one said is no guide. */
        s->failure = FAIL_NONE;
        s->failures = 0;
        s->password_where = NULL;
        log_info("sync: tasks go to %s%s%s", s->url, s->user ? " as " : "", s->user ? s->user : "");
    }
    if (changed || s->failure == FAIL_AUTH || !s->next_at) plan_next(s, SOON_USEC);
}

int sync_configure(struct sync *s, const struct sync_config *cfg, char *err, size_t errsz)
{
    if (cfg && strncmp(cfg->url, "http://", 7) && strncmp(cfg->url, "https://", 8)) {
        snprintf(err, errsz, "sync: '%s' is no http:// or https:// URL", cfg->url);
        return -1;
    }
    free(s->pending_url), free(s->pending_user);
    s->pending_url = s->pending_user = NULL;
    s->pending_on = cfg != NULL;
    if (cfg) {
        s->pending_url = strdup(cfg->url);
        s->pending_user = cfg->user && *cfg->user ? strdup(cfg->user) : NULL;
        s->pending_every = cfg->every;
        s->pending_days = cfg->days;
        if (!s->pending_url || (cfg->user && *cfg->user && !s->pending_user)) {
            snprintf(err, errsz, "sync: out of memory");
            return -1;
        }
    }
    bool same = s->pending_on == s->on && same0(s->pending_url, s->url) &&
                same0(s->pending_user, s->user) && (!cfg || (s->pending_every == s->every &&
                                                              s->pending_days == s->days));
    if (same) {
        /* Back to the settings in force (A -> B -> A during a run): nothing waits any more. */
        free(s->pending_url), free(s->pending_user);
        s->pending_url = s->pending_user = NULL;
        s->pending_cfg = false;
        return 0;
    }
    s->pending_cfg = true;
    if (!s->running) apply_settings(s);
    return 0;
}

bool sync_configured(const struct sync *s)
{
    return s->on;
}

void sync_soon(struct sync *s)
{
    if (!s || !s->on || s->failure != FAIL_NONE) return; /* a back-off or a password waits */
    if (s->running) {
        s->again = true;
        return;
    }
    usec_t now = now_of(s);
    if (!s->next_at || s->next_at > now + SOON_USEC) plan_next(s, SOON_USEC);
}

/* ---- status ---- */

static const char *state_name(const struct sync *s)
{
    if (s->running) return "running";
    switch (s->failure) {
    case FAIL_OFFLINE: return "offline";
    case FAIL_AUTH: return "auth";
    case FAIL_ERROR: return "error";
    case FAIL_NONE: break;
    }
    return "idle";
}

void sync_get_status(const struct sync *s, struct sync_status *out)
{
    memset(out, 0, sizeof *out);
    out->configured = s->on;
    out->url = s->url;
    out->user = s->user;
    out->every = s->every;
    out->days = s->days;
    out->state = state_name(s);
    out->password = s->password_where;
    out->has_last = s->has_last;
    out->last.at = s->last_at;
    out->last.ok = s->last_ok;
    out->last.took_ms = s->last_took_ms;
    out->last.sent = s->last_sent;
    out->last.removed = s->last_removed;
    out->last.received = s->last_received;
    out->last.unchanged = s->last_unchanged;
    out->last.error = s->last_run_error[0] ? s->last_run_error : NULL; /* ok: what was left */
    out->last_error_at = s->last_error_at;
    out->last_error = s->last_error_at ? s->last_error : NULL;
    out->next = s->next_at;
}

/* ---- the end of a run ---- */

static void run_finish(struct sync *s, enum failure f, const char *fmt, ...)
{
    char msg[512] = "";
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(msg, sizeof msg, fmt, ap);
        va_end(ap);
    }
    usec_t now = now_of(s);
    enum failure before = s->failure;
    s->running = false;
    s->pw_op = NULL;
    free_fires(s);
    sync_plan_free(&s->plan);
    explicit_bzero(s->password, sizeof s->password);
    s->has_last = true;
    s->last_ok = f == FAIL_NONE;
    s->last_at = s->run_started;
    s->last_took_ms = (unsigned)((now - s->run_started) / 1000);
    s->last_sent = s->sent;
    s->last_removed = s->removed;
    s->last_received = s->received;
    s->last_unchanged = s->unchanged;
    snprintf(s->last_run_error, sizeof s->last_run_error, "%s", msg);
    s->failure = f;
    if (f == FAIL_NONE) {
        s->failures = 0;
        if (msg[0] && strcmp(msg, s->warned)) log_warn("sync: %s", msg);
        snprintf(s->warned, sizeof s->warned, "%s", msg);
        if (before == FAIL_OFFLINE || before == FAIL_ERROR)
            log_info("sync: %s answers again", s->url);
        if (s->sent || s->removed || s->received)
            log_info("sync: %u sent, %u removed, %u answer%s received, %u unchanged", s->sent,
                     s->removed, s->received, s->received == 1 ? "" : "s", s->unchanged);
        else
            log_debug("sync: nothing changed (%u tasks)", s->unchanged);
    } else {
        s->failures++;
        /* When this trouble began: retries of the same one do not move it. */
        if (f != before) s->last_error_at = now;
        snprintf(s->last_error, sizeof s->last_error, "%s", msg);
    }
    if (s->pending_cfg) apply_settings(s);
    if (!s->on) {
        answer_waiters(s, true);
        return;
    }
    usec_t next = s->every;
    if (f == FAIL_OFFLINE || f == FAIL_ERROR) {
        next = BACKOFF_FIRST_USEC;
        for (unsigned i = 1; i < s->failures && next < s->every; i++) next *= 2;
        if (next > s->every) next = s->every;
    }
    /* One line when a trouble starts (or changes), not one per retry. */
    if (f == FAIL_AUTH) {
        if (before != FAIL_AUTH) log_error("sync: %s", msg);
        uv_timer_stop(&s->timer);
        s->next_at = 0;
    } else {
        if (f != FAIL_NONE && (f != before || s->failures == 1))
            log_warn("sync: %s (trying again quietly, first in %" PRIu64 " s)", msg,
                     (uint64_t)(next / USEC_PER_SEC));
        else if (f != FAIL_NONE)
            log_debug("sync: still failing: %s", msg);
        plan_next(s, s->again && f == FAIL_NONE ? SOON_USEC : next);
    }
    s->again = false;
    /* A `nudgectl sync --login` that came during this run waits for the next one, which uses
     * its password, whatever this one's outcome. */
    if (answer_waiters(s, false)) plan_next(s, 0);
}

static enum failure failure_of(enum caldav_result r)
{
    switch (r) {
    case CALDAV_OFFLINE:
    case CALDAV_TIMEOUT: return FAIL_OFFLINE;
    case CALDAV_AUTH: return FAIL_AUTH;
    default: return FAIL_ERROR;
    }
}

/* ---- steps ---- */

static void after_list(void *ud, const struct caldav_reply *r);

static void list_now(struct sync *s)
{
    if (caldav_list(s->cd, after_list, s) < 0)
        run_finish(s, FAIL_ERROR, "%s: the listing could not be sent (out of memory)", s->url);
}

static void got_password(void *ud, int rc, const char *password, const char *where,
                         const char *err)
{
    struct sync *s = ud;
    s->pw_op = NULL;
    if (s->freeing) return;
    if (rc < 0) {
        s->password_where = NULL; /* none was used: status must not blame the server */
        run_finish(s, FAIL_AUTH, "%s", err && *err ? err : "no password");
        return;
    }
    s->password_where = where;
    snprintf(s->password, sizeof s->password, "%s", password ? password : "");
    /* The tasks remembered are another server's (or user's) after a change of settings. */
    char account[2048];
    snprintf(account, sizeof account, "%s\n%s", s->url, s->user ? s->user : "");
    int fresh = ledger_sync_account(s->lg, account);
    if (fresh < 0) {
        run_finish(s, FAIL_ERROR, "the state database failed");
        return;
    }
    if (fresh) log_debug("sync: %s: a task list new to this nudge", s->url);
    caldav_free(s->cd);
    struct caldav_config cfg = {.url = s->url, .user = s->user, .password = s->user ? s->password : NULL};
    char e[256];
    s->cd = caldav_new(s->http, &cfg, e, sizeof e);
    if (!s->cd) {
        run_finish(s, FAIL_ERROR, "%s", e);
        return;
    }
    char ferr[256] = "";
    s->fires_job = s->h.coming_fires(s->h.ud, s, s->days, ferr, sizeof ferr);
    if (!s->fires_job) run_finish(s, FAIL_ERROR, "the coming fires: %s", ferr);
}

static void stored_login(void *ud, int rc, const char *password, const char *where,
                         const char *err)
{
    struct sync *s = ud;
    (void)password;
    s->pw_op = NULL;
    if (s->freeing) return;
    if (rc < 0) {
        run_finish(s, FAIL_AUTH, "%s", err && *err ? err : "the password could not be stored");
        return;
    }
    log_info("sync: password for %s stored (%s)", s->url, where);
    struct sync_password_op *op = sync_password_lookup(s->url, s->user, got_password, s);
    if (op) s->pw_op = op;
}

static void run_start(struct sync *s)
{
    s->runs++;
    uv_timer_stop(&s->timer);
    s->next_at = 0;
    s->running = true;
    s->again = s->relisted = false;
    s->sent = s->removed = s->received = s->unchanged = 0;
    s->conflicts = s->failed_ops = 0;
    s->op_error[0] = 0;
    s->run_started = now_of(s);
    if (s->login) {
        char *login = s->login;
        s->login = NULL;
        struct sync_password_op *op = sync_password_store(s->url, s->user, login, stored_login, s);
        if (op) s->pw_op = op; /* NULL: answered already (and maybe a lookup under way) */
        explicit_bzero(login, strlen(login));
        free(login);
        return;
    }
    if (!s->user) {
        got_password(s, 0, "", NULL, NULL);
        return;
    }
    struct sync_password_op *op = sync_password_lookup(s->url, s->user, got_password, s);
    if (op) s->pw_op = op;
}

void sync_fires_ready(struct sync *s, const struct sync_fire *fires, size_t n, bool truncated,
                      const char *err)
{
    s->fires_job = NULL;
    if (err) {
        run_finish(s, FAIL_ERROR, "the coming fires: %s", err);
        return;
    }
    free_fires(s);
    s->fires = calloc(n ? n : 1, sizeof *s->fires);
    if (!s->fires) {
        run_finish(s, FAIL_ERROR, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        const struct sync_fire *f = &fires[i];
        /* A promise's reminders are not tasks of their own: the promise's task carries its
         * due and alarm. */
        if (!f->uid || !*f->uid || (f->kind && !strcmp(f->kind, "promise"))) continue;
        struct fire_copy *c = &s->fires[s->n_fires];
        *c = (struct fire_copy){dup0(f->uid), dup0(f->reminder), dup0(f->kind), dup0(f->title),
                                dup0(f->body), f->at};
        s->n_fires++;
        if (!c->uid || (f->reminder && !c->reminder) || (f->kind && !c->kind) ||
            (f->title && !c->title) || (f->body && !c->body)) {
            run_finish(s, FAIL_ERROR, "out of memory");
            return;
        }
    }
    s->fires_truncated = truncated;
    list_now(s);
}

/* ---- what the server's tasks answer ---- */

static const struct fire_copy *coming(const struct sync *s, const char *uid)
{
    for (size_t i = 0; i < s->n_fires; i++)
        if (!strcmp(s->fires[i].uid, uid)) return &s->fires[i];
    return NULL;
}

/* A promise's UID: its id, which only this database gives out, and this install's tag, so
 * another install's promise 12 (or this one's before the state was started afresh) is never
 * taken for ours: "promise-12-1a2b3c4d@nudge". */
static void promise_uid(const struct sync *s, int64_t id, char *buf, size_t bufsz)
{
    snprintf(buf, bufsz, PROMISE_UID_PREFIX "%" PRId64 "-%s" UID_SUFFIX, id, s->tag);
}

/* "promise-12-TAG@nudge" of this install -> 12; 0 for any other UID. */
static int64_t promise_of_uid(const struct sync *s, const char *uid)
{
    size_t pl = strlen(PROMISE_UID_PREFIX), n = strlen(uid);
    if (n <= pl || strncmp(uid, PROMISE_UID_PREFIX, pl)) return 0;
    int64_t id = 0;
    size_t i = pl;
    for (; uid[i] >= '0' && uid[i] <= '9'; i++) {
        if (id > INT64_MAX / 10 - 9) return 0;
        id = id * 10 + (uid[i] - '0');
    }
    char want[64];
    promise_uid(s, id, want, sizeof want);
    return i > pl && !strcmp(uid, want) ? id : 0;
}

struct known_list {
    struct sync_known *v;
    size_t n, cap;
};

static int known_cb(void *ud, const struct ledger_sync_item *it)
{
    struct known_list *l = ud;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        struct sync_known *v = realloc(l->v, cap * sizeof *v);
        if (!v) return -ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    struct sync_known *k = &l->v[l->n];
    *k = (struct sync_known){dup0(it->uid), dup0(it->href), dup0(it->etag), it->due};
    if (!k->uid || !k->href || (it->etag && !k->etag)) {
        free((char *)k->uid), free((char *)k->href), free((char *)k->etag);
        return -ENOMEM;
    }
    l->n++;
    return 0;
}

static void known_free(struct known_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        free((char *)l->v[i].uid), free((char *)l->v[i].href), free((char *)l->v[i].etag);
    free(l->v);
}

static int known_cmp(const void *a, const void *b)
{
    return strcmp(((const struct sync_known *)a)->uid, ((const struct sync_known *)b)->uid);
}

/* l sorted by UID (known_sort). */
static const struct sync_known *known_find(const struct known_list *l, const char *uid)
{
    struct sync_known key = {.uid = uid};
    return l->n ? bsearch(&key, l->v, l->n, sizeof *l->v, known_cmp) : NULL;
}

static void known_sort(struct known_list *l)
{
    if (l->n) qsort(l->v, l->n, sizeof *l->v, known_cmp);
}

static void say_answer(const char *what, const char *answer, usec_t at)
{
    char when[64];
    timestamp_format(at, when, sizeof when);
    log_info("sync: %s answered %s on another device (%s)", what, answer, when);
}

/* A task completed or cancelled on another device answers its fire or promise, unless the
 * desktop answered first. */
static void take_answer(struct sync *s, const struct caldav_item *it, const struct known_list *known,
                        usec_t now)
{
    const struct ical_todo *t = &it->todo;
    if (!t->ours || t->status == ICAL_TODO_OPEN) return;
    const struct sync_known *k = known_find(known, t->uid);
    /* Still the version nudge wrote: its state is nudge's own. */
    if (k && k->etag && it->etag && !strcmp(k->etag, it->etag)) return;
    bool completed = t->status == ICAL_TODO_COMPLETED;
    usec_t at = completed && t->completed ? t->completed : t->last_modified ? t->last_modified : now;
    if (at > now) at = now;
    int64_t pid = promise_of_uid(s, t->uid);
    if (pid) {
        /* A completion a year old or more is no phone's (a COMPLETED of 1970): the time it
         * was read is the truest left. */
        if (at + 366 * USEC_PER_DAY < now) at = now;
        const char *state = completed ? "kept" : "broken";
        if (ledger_sync_promise(s->lg, pid, state, at, now) == 0) {
            s->received++;
            char what[64];
            snprintf(what, sizeof what, "promise %" PRId64, pid);
            say_answer(what, state, at);
        }
        return;
    }
    const char *answer = completed ? "done" : "skipped";
    const struct fire_copy *f = coming(s, t->uid);
    const char *reminder = f ? f->reminder : NULL;
    struct ledger_fire_state st;
    if (!reminder) {
        if (ledger_fire_by_uid(s->lg, t->uid, &st) < 0 || st.answer[0]) return;
        reminder = st.reminder;
        /* No task of it existed a day before it was due: an older time is not the phone's. */
        if (at + MAY_COME_USEC < st.scheduled) at = now;
    } else {
        if (at + MAY_COME_USEC < f->at) at = now;
        const char *held;
        usec_t held_at;
        if (ledger_sync_held(s->lg, t->uid, &held, &held_at) == 0) return; /* taken before */
    }
    int r = ledger_sync_answer(s->lg, t->uid, reminder, answer, at, now);
    if (r >= 0) {
        s->received++;
        char what[300];
        snprintf(what, sizeof what, "'%s'", reminder);
        say_answer(what, answer, at);
    }
}

/* ---- what nudge wants on the server ---- */

struct wants {
    struct sync_want *v;
    size_t n, cap;
    char **owned; /* strings made here */
    size_t n_owned, cap_owned;
};

static struct sync_want *want_add(struct wants *w)
{
    if (w->n == w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 32;
        struct sync_want *v = realloc(w->v, cap * sizeof *v);
        if (!v) return NULL;
        w->v = v;
        w->cap = cap;
    }
    struct sync_want *x = &w->v[w->n++];
    memset(x, 0, sizeof *x);
    return x;
}

static char *own(struct wants *w, char *str)
{
    if (!str) return NULL;
    if (w->n_owned == w->cap_owned) {
        size_t cap = w->cap_owned ? w->cap_owned * 2 : 32;
        char **v = realloc(w->owned, cap * sizeof *v);
        if (!v) {
            free(str);
            return NULL;
        }
        w->owned = v;
        w->cap_owned = cap;
    }
    return w->owned[w->n_owned++] = str;
}

static void wants_free(struct wants *w)
{
    for (size_t i = 0; i < w->n_owned; i++) free(w->owned[i]);
    free(w->owned);
    free(w->v);
}

static bool want_exists(const struct wants *w, const char *uid)
{
    for (size_t i = 0; i < w->n; i++)
        if (!strcmp(w->v[i].todo.uid, uid)) return true;
    return false;
}

/* The task state an answer gives. false when the fire's task should leave the server (its
 * re-show is a task of its own, or it was never shown: a pause, quiet hours). */
static bool state_of_answer(const char *answer, usec_t at, struct ical_todo *t)
{
    if (!*answer) {
        t->status = ICAL_TODO_OPEN;
    } else if (!strcmp(answer, "done") || !strcmp(answer, "kept")) {
        t->status = ICAL_TODO_COMPLETED;
        t->completed = at;
    } else if (!strcmp(answer, "skipped") || !strcmp(answer, "broken") ||
               !strcmp(answer, "expired")) {
        t->status = ICAL_TODO_CANCELLED;
    } else {
        return false;
    }
    return true;
}

static int add_coming(struct sync *s, struct wants *w)
{
    for (size_t i = 0; i < s->n_fires; i++) {
        const struct fire_copy *f = &s->fires[i];
        if (want_exists(w, f->uid)) continue; /* one task per UID: the first fire of that day */
        /* Come meanwhile (the preview ran before the listing): its own state says, below. */
        struct ledger_fire_state st;
        if (ledger_fire_by_uid(s->lg, f->uid, &st) == 0) continue;
        struct sync_want *x = want_add(w);
        if (!x) return -ENOMEM;
        x->mode = SYNC_WANT_FULL;
        x->create = true;
        x->todo = (struct ical_todo){.uid = f->uid, .summary = f->title, .description = f->body,
                                     .kind = f->kind, .due = f->at, .status = ICAL_TODO_OPEN};
        const char *held;
        usec_t at;
        if (ledger_sync_held(s->lg, f->uid, &held, &at) == 0) state_of_answer(held, at, &x->todo);
    }
    return 0;
}

/* Tasks made before, no longer coming: their fires' states, or nothing (they leave). */
static int add_known(struct sync *s, struct wants *w, const struct known_list *known, usec_t now)
{
    for (size_t i = 0; i < known->n; i++) {
        const struct sync_known *k = &known->v[i];
        if (promise_of_uid(s, k->uid) || want_exists(w, k->uid)) continue;
        struct ledger_fire_state st;
        struct ical_todo t = {.uid = (char *)k->uid, .due = k->due};
        enum sync_want_mode mode = SYNC_WANT_STATUS;
        int r = ledger_fire_by_uid(s->lg, k->uid, &st);
        if (r == -EIO) return -EIO;
        if (r == 0) {
            if (st.answer[0] && st.scheduled + KEEP_PAST_USEC < now) continue;
            if (!st.answer[0] && st.scheduled + KEEP_PAST_USEC < now) continue;
            if (!state_of_answer(st.answer, st.answered, &t)) continue;
        } else {
            const char *held;
            usec_t at;
            if (ledger_sync_held(s->lg, k->uid, &held, &at) == 0) {
                state_of_answer(held, at, &t);
            } else if (k->due > now) {
                /* Not coming any more (a rule edited, a pause), unless the preview stopped
                 * short of it. */
                if (!s->fires_truncated) continue;
                mode = SYNC_WANT_KEEP;
            } else if (k->due + MAY_COME_USEC > now) {
                mode = SYNC_WANT_KEEP;
            } else {
                continue;
            }
        }
        struct sync_want *x = want_add(w);
        if (!x) return -ENOMEM;
        x->mode = mode;
        x->todo = t;
    }
    return 0;
}

struct promise_ctx {
    struct sync *s;
    struct wants *w;
    const struct known_list *known;
    usec_t now;
    int err;
};

static int promise_cb(void *ud, const struct ledger_promise *p)
{
    struct promise_ctx *c = ud;
    char uid[64];
    promise_uid(c->s, p->id, uid, sizeof uid);
    bool open = !strcmp(p->state, "open");
    if (!open && (!known_find(c->known, uid) || !strcmp(p->state, "deleted") ||
                  p->answered + KEEP_PAST_USEC < c->now))
        return 0;
    struct sync_want *x = want_add(c->w);
    char *u = own(c->w, strdup(uid));
    if (!x || !u) return c->err = -ENOMEM;
    x->todo.uid = u;
    x->todo.due = p->due;
    if (open) {
        char desc[512];
        char due[64];
        timestamp_format(p->due, due, sizeof due);
        snprintf(desc, sizeof desc,
                 "A promise you made, due %s. Mark this task done when you have kept it.", due);
        x->mode = SYNC_WANT_FULL;
        x->create = true;
        x->todo.summary = own(c->w, strdup(p->text));
        x->todo.description = own(c->w, strdup(desc));
        x->todo.kind = "promise";
        x->todo.status = ICAL_TODO_OPEN;
        if (!x->todo.summary || !x->todo.description) return c->err = -ENOMEM;
    } else {
        x->mode = SYNC_WANT_STATUS;
        state_of_answer(p->state, p->answered, &x->todo);
    }
    return 0;
}

/* ---- requests ---- */

static void after_op(void *ud, const struct caldav_reply *r)
{
    struct sync *s = ud;
    if (s->freeing || !s->running) return;
    struct sync_op *op = &s->plan.ops[s->op_next - 1];
    if (r->result == CALDAV_OK) {
        if (op->kind == SYNC_OP_DELETE) {
            ledger_sync_item_delete(s->lg, op->uid);
            s->removed++;
        } else {
            struct ledger_sync_item it = {op->uid, op->href, r->etag, op->due};
            ledger_sync_item_put(s->lg, &it);
            s->sent++;
        }
    } else if (r->result == CALDAV_NOT_FOUND && op->kind == SYNC_OP_DELETE) {
        ledger_sync_item_delete(s->lg, op->uid); /* gone already */
    } else if (r->result == CALDAV_CONFLICT || r->result == CALDAV_NOT_FOUND) {
        /* Changed (or removed) on the server meanwhile: listed again at the end. */
        s->conflicts++;
    } else if (r->result == CALDAV_REFUSED || r->result == CALDAV_MALFORMED) {
        /* One task refused does not stop the others. */
        s->failed_ops++;
        snprintf(s->op_error, sizeof s->op_error, "%s", r->error);
    } else {
        run_finish(s, failure_of(r->result), "%s", r->error);
        return;
    }
    next_op(s);
}

static void next_op(struct sync *s)
{
    while (s->op_next < s->plan.n) {
        struct sync_op *op = &s->plan.ops[s->op_next++];
        struct ledger_sync_item it = {op->uid, op->href, op->etag, op->due};
        int r = 0;
        switch (op->kind) {
        case SYNC_OP_REMEMBER:
        case SYNC_OP_TOMBSTONE: ledger_sync_item_put(s->lg, &it); continue;
        case SYNC_OP_FORGET: ledger_sync_item_delete(s->lg, op->uid); continue;
        case SYNC_OP_CREATE:
            free(op->href);
            op->href = caldav_href(s->cd, op->uid);
            r = op->href ? caldav_put(s->cd, op->href, NULL, op->ics, strlen(op->ics), after_op, s)
                         : -1;
            break;
        case SYNC_OP_UPDATE:
            r = caldav_put(s->cd, op->href, op->etag, op->ics, strlen(op->ics), after_op, s);
            break;
        case SYNC_OP_DELETE: r = caldav_delete(s->cd, op->href, op->etag, after_op, s); break;
        }
        if (r < 0) {
            /* This task cannot be written (out of memory, an href or ETag refused): the
             * others still can. */
            s->failed_ops++;
            snprintf(s->op_error, sizeof s->op_error, "the request for %s could not be made",
                     op->uid);
            continue;
        }
        return; /* after_op goes on */
    }
    if (s->conflicts && !s->relisted) {
        /* Edited on another device while we wrote: read again, then decide again. */
        s->relisted = true;
        s->conflicts = 0;
        sync_plan_free(&s->plan);
        list_now(s);
        return;
    }
    /* Both leave the rest synced: the run counts as done (no back-off, quick syncs go on), and
     * the status says what was left. */
    if (s->conflicts)
        run_finish(s, FAIL_NONE, "%u tasks changed on the server during the sync; they are read "
                                 "again next time", s->conflicts);
    else if (s->failed_ops)
        run_finish(s, FAIL_NONE, "%u task%s refused by the server: %s", s->failed_ops,
                   s->failed_ops == 1 ? "" : "s", s->op_error);
    else
        run_finish(s, FAIL_NONE, NULL);
}

/* By UID, then by place in the listing (the todos lie in one array, in listing order). */
static int remote_cmp(const void *a, const void *b)
{
    const struct sync_remote *x = a, *y = b;
    int c = strcmp(x->todo->uid, y->todo->uid);
    return c ? c : (x->todo > y->todo) - (x->todo < y->todo);
}

static void after_list(void *ud, const struct caldav_reply *r)
{
    struct sync *s = ud;
    if (s->freeing || !s->running) return;
    if (r->result != CALDAV_OK) {
        run_finish(s, failure_of(r->result), "%s", r->error);
        return;
    }
    /* Said when it changes, not at every sync while the same broken entries sit there. */
    if (r->skipped && r->skipped != s->skipped_said)
        log_warn("sync: %s: %zu entries could not be read as tasks and were left alone", s->url,
                 r->skipped);
    s->skipped_said = r->skipped;
    usec_t now = now_of(s);
    struct known_list known = {0};
    struct wants w = {0};
    struct sync_remote *remotes = calloc(r->n_items ? r->n_items : 1, sizeof *remotes);
    int err = remotes ? ledger_sync_items(s->lg, known_cb, &known) : -ENOMEM;
    if (err < 0) goto fail;
    known_sort(&known);

    unsigned before = s->received;
    for (size_t i = 0; i < r->n_items; i++) take_answer(s, &r->items[i], &known, now);
    /* A held answer whose fire never came (the rule changed, a pause) is not kept forever. */
    ledger_sync_drop_held(s->lg, now - MAY_COME_USEC);
    if (s->received != before) s->h.answered(s->h.ud);

    struct promise_ctx pc = {s, &w, &known, now, 0};
    if ((err = add_coming(s, &w)) < 0 || (err = add_known(s, &w, &known, now)) < 0 ||
        (err = ledger_promises_each(s->lg, promise_cb, &pc)) < 0 || (err = pc.err) < 0)
        goto fail;
    /* Several server entries with one UID: the first listed is the task, the rest are left
     * alone. Sorted by UID, then by place in the listing (a large listing costs n log n). */
    for (size_t i = 0; i < r->n_items; i++)
        remotes[i] = (struct sync_remote){r->items[i].href, r->items[i].etag, &r->items[i].todo};
    if (r->n_items) qsort(remotes, r->n_items, sizeof *remotes, remote_cmp);
    size_t n_remotes = 0;
    for (size_t i = 0; i < r->n_items; i++)
        if (!n_remotes || strcmp(remotes[n_remotes - 1].todo->uid, remotes[i].todo->uid))
            remotes[n_remotes++] = remotes[i];
    sync_plan_free(&s->plan);
    /* Entries the server listed but nudge could not read may be its own tasks: none of what it
     * remembers is taken for deleted on such a listing. */
    err = sync_plan_build(w.v, w.n, remotes, n_remotes, known.v, known.n, r->skipped > 0, now,
                          &s->plan);
    if (err < 0) goto fail;
    s->unchanged = s->plan.unchanged;
    s->op_next = 0;
    wants_free(&w);
    known_free(&known);
    free(remotes);
    next_op(s);
    return;
fail:
    wants_free(&w);
    known_free(&known);
    free(remotes);
    run_finish(s, FAIL_ERROR, "%s", err == -ENOMEM ? "out of memory" : "the state database failed");
}

/* ---- nudgectl sync ---- */

int sync_now(struct sync *s, const char *login, sync_done_fn *done, void *ud, void **job,
             char *err, size_t errsz)
{
    if (!s->on) {
        snprintf(err, errsz, "sync is not configured: add nudge.config{ sync = { caldav = URL, "
                             "user = NAME } } to the rules");
        return -1;
    }
    if (login && !s->user) {
        snprintf(err, errsz, "sync: the rules name no user for %s, so no password is used",
                 s->url);
        return -1;
    }
    struct waiter *w = calloc(1, sizeof *w);
    if (!w) {
        free(w);
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    if (login) {
        if (s->login) explicit_bzero(s->login, strlen(s->login));
        free(s->login);
        if (!(s->login = strdup(login))) {
            free(w);
            snprintf(err, errsz, "out of memory");
            return -1;
        }
    }
    w->done = done;
    w->ud = ud;
    /* The run under way answers a plain `sync`; a new password needs a run of its own. */
    w->run = s->running && !login ? s->runs : s->runs + 1;
    w->next = s->waiters;
    s->waiters = w;
    *job = w;
    /* Started from the loop, never inside this call: the caller has not deferred its reply yet. */
    if (!s->running) plan_next(s, 0);
    else if (!login) s->again = true; /* this run's answer, then one more for what changed */
    return 0;
}

void sync_cancel_now(struct sync *s, void *job)
{
    for (struct waiter **p = &s->waiters; *p; p = &(*p)->next) {
        if (*p == job) {
            struct waiter *w = *p;
            *p = w->next;
            free(w);
            return;
        }
    }
}
