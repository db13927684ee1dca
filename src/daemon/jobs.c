/* Work that runs in slices on the loop and answers later: the preview engine for `preview`,
 * `export --ics` and the CalDAV sync's coming fires. */
#include "daemon/jobs.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "daemon/daemon.h"
#include "daemon/reply.h"
#include "engine/clock.h"
#include "ledger/uid.h"
#include "time/timestamp.h"

/* A preview is bounded in what it keeps and in the work it does, and it runs a few
 * milliseconds per turn of the loop, so other clients and the live reminders go on meanwhile.
 * Past any bound the reply carries "truncated": true and "until" (how far it got). */

/* 10,000 notifications is more than a year of a reminder every hour: enough to see a plan,
 * and its JSON (4 MiB at most) stays well under the reply limit. */
#define PREVIEW_ENTRIES_MAX 10000
#define PREVIEW_BYTES_MAX ((size_t)4 << 20)
/* Instants of the simulated clock with nothing to show still cost a callback each. */
#define PREVIEW_INSTANTS_MAX 1000000
#define PREVIEW_WORK_MAX_NS (10 * (uint64_t)1000000000) /* 10 s of the loop's time in all */
#define PREVIEW_SLICE_NS (5 * (uint64_t)1000000)        /* per turn of the loop, shared */
/* Each preview holds a rule set and a copy of the state: a few at once, not one per client. */
#define PREVIEW_JOBS_MAX 4

static unsigned preview_jobs; /* running on the loop now */

struct preview_job {
    struct notify_backend capture; /* first: the simulation shows into it */
    struct daemon *d;
    struct control_client *cl; /* NULL: run to the end at once (control_reply) */
    jobs_fires_fn *fires_done; /* or: the coming fires for the sync, in slices */
    void *fires_ud;
    struct preview_sim *sim;
    uv_idle_t turn; /* one slice per turn of the loop; the poll in between does not wait */
    json_t *entries;
    size_t bytes, instants;
    uint64_t work_ns;
    uint32_t next_id;
    usec_t full_at; /* the first notification left out */
    bool full, truncated, export;
};

static int capture_show(struct notify_backend *self, const struct notification *n, usec_t at,
                        uint32_t *id, char *err, size_t errsz)
{
    struct preview_job *j = (struct preview_job *)self;
    (void)err, (void)errsz;
    *id = ++j->next_id;
    if (j->full) return 0;
    /* What the JSON will take, near enough: the strings and the fields around them. */
    size_t size = 96 + len0(n->reminder_id) + len0(n->kind) + len0(n->title) + len0(n->body);
    for (size_t i = 0; i < n->n_actions; i++) size += 4 + len0(n->actions[i].id);
    if (json_array_size(j->entries) >= PREVIEW_ENTRIES_MAX || j->bytes + size > PREVIEW_BYTES_MAX) {
        j->full = j->truncated = true;
        j->full_at = at;
        return 0;
    }
    json_t *o;
    if (j->export) {
        /* `at` in epoch seconds, so the calendar can be written in UTC without knowing the
         * rule set's zone. */
        /* A re-shown snooze carries no UID: its time is its own, so the plain rule holds. */
        char uid[LEDGER_UID_MAX];
        if (!n->uid) ledger_fire_uid(n->reminder_id, at, false, uid, sizeof uid);
        o = json_pack("{s:I, s:o, s:o, s:o, s:o, s:o}", "at", (json_int_t)(at / USEC_PER_SEC),
                      "id", reply_text(n->reminder_id), "uid", reply_text(n->uid ? n->uid : uid), "kind",
                      reply_text(n->kind), "title", reply_text(n->title), "body", reply_text(n->body));
    } else {
        o = notification_preview_json(n, at); /* what `nudged --preview --json` prints */
    }
    if (o) json_array_append_new(j->entries, o);
    j->bytes += size;
    return 0;
}

static void capture_destroy(struct notify_backend *self)
{
    (void)self; /* part of the job */
}

static void job_free_handle(uv_handle_t *h)
{
    free(h->data);
}

/* Frees the job (its timer's close callback frees the memory). */
static void job_free(struct preview_job *j)
{
    preview_sim_free(j->sim);
    j->sim = NULL;
    json_decref(j->entries);
    j->entries = NULL;
    if (j->cl || j->fires_done) {
        preview_jobs--;
        uv_idle_stop(&j->turn);
        uv_close((uv_handle_t *)&j->turn, job_free_handle);
    } else {
        free(j);
    }
}

static void job_cancel(void *job)
{
    job_free(job);
}

/* Runs the simulation for up to budget_ns; true when it is over (ended or truncated). */
static bool job_run(struct preview_job *j, uint64_t budget_ns)
{
    uint64_t start = uv_hrtime();
    bool done = false;
    while (!done) {
        done = preview_sim_step(j->sim, 16);
        j->instants += 16;
        if (j->full || j->instants >= PREVIEW_INSTANTS_MAX) {
            j->truncated = !done || j->full;
            done = true;
        }
        uint64_t spent = uv_hrtime() - start;
        if (j->work_ns + spent >= PREVIEW_WORK_MAX_NS) {
            j->truncated = !done || j->full;
            done = true;
        }
        if (spent >= budget_ns) break;
    }
    j->work_ns += uv_hrtime() - start;
    return done;
}

/* The reply of a finished job. */
static json_t *job_reply(struct preview_job *j)
{
    json_t *r = json_pack("{s:o}", j->export ? "fires" : "notifications", j->entries);
    j->entries = NULL;
    if (!r) return NULL;
    json_object_set_new(r, "truncated", json_boolean(j->truncated));
    if (j->truncated) {
        char until[64];
        /* Everything before `until` is in the reply. */
        timestamp_format_iso(j->full ? j->full_at : preview_sim_time(j->sim), until, sizeof until);
        json_object_set_new(r, "until", json_string(until));
        json_object_set_new(r, "limit", json_integer(PREVIEW_ENTRIES_MAX));
    }
    return r;
}


/* An idle handle, not a zero timer: libuv runs a timer re-armed to 0 from its own callback
 * again before polling, which would starve every client. */
static void on_job_turn(uv_idle_t *h)
{
    struct preview_job *j = h->data;
    if (j->d->stopping) return; /* the control socket closes and cancels us */
    /* The jobs share one slice per turn, so other clients wait no longer with more of them. */
    if (!job_run(j, PREVIEW_SLICE_NS / (preview_jobs ? preview_jobs : 1))) return;
    if (j->fires_done) {
        jobs_fires_fn *done = j->fires_done;
        void *ud = j->fires_ud;
        bool truncated = j->truncated;
        json_t *fires = j->entries;
        j->entries = NULL;
        job_free(j);
        done(ud, fires, truncated, fires ? NULL : "out of memory");
        json_decref(fires);
        return;
    }
    json_t *r = job_reply(j);
    reply_check(j->export ? "export" : "preview", r);
    struct control_client *cl = j->cl;
    job_free(j);
    control_answer(cl, r, "out of memory");
}

/* Starts a preview of `days` for cl (or runs it at once without cl). Returns the reply, or
 * NULL with err set, or NULL after control_defer(). */
static struct preview_job *job_new(struct daemon *d, int days, bool export, char *err,
                                   size_t errsz)
{
    struct preview_job *j = calloc(1, sizeof *j);
    if (!j) return snprintf(err, errsz, "out of memory"), NULL;
    j->capture.name = "capture";
    j->capture.show = capture_show;
    j->capture.destroy = capture_destroy;
    j->d = d;
    j->export = export;
    j->entries = json_array();
    usec_t now = clock_now(clock_real());
    /* The daemon's state as it is now (fired one-shots, snoozes), through a private copy made
     * with the daemon's own connection: opening nudge.db again would drop its locks. */
    struct preview_options po = {.from = now, .days = days, .seed = d->seed, .json = true,
                                 .live_store = d->store};
    err[0] = 0;
    j->sim = preview_sim_new(&d->files, d->rs, &po, &j->capture, err, errsz);
    if (!j->sim || !j->entries) {
        if (!err[0]) snprintf(err, errsz, "out of memory");
        job_free(j);
        return NULL;
    }
    return j;
}

/* Runs j in slices, one per turn of the loop. */
static void job_start(struct preview_job *j)
{
    preview_jobs++;
    uv_idle_init(j->d->loop, &j->turn);
    j->turn.data = j;
    uv_idle_start(&j->turn, on_job_turn);
}

void *jobs_coming_fires(struct daemon *d, int days, jobs_fires_fn *done, void *ud,
                            char *err, size_t errsz)
{
    struct preview_job *j = job_new(d, days, true, err, errsz);
    if (!j) return NULL;
    j->fires_done = done;
    j->fires_ud = ud;
    job_start(j);
    return j;
}

void jobs_cancel_fires(void *job)
{
    job_free(job);
}

json_t *jobs_preview(struct daemon *d, struct control_client *cl, int days, bool export,
                             char *err, size_t errsz)
{
    if (cl && preview_jobs >= PREVIEW_JOBS_MAX) {
        snprintf(err, errsz, "%u previews or exports are running already: try again when one has "
                             "finished", preview_jobs);
        return NULL;
    }
    struct preview_job *j = job_new(d, days, export, err, errsz);
    if (!j) return NULL;
    if (!cl) {
        while (!job_run(j, UINT64_MAX)) {
        }
        json_t *r = job_reply(j);
        job_free(j);
        if (!r) snprintf(err, errsz, "out of memory");
        return r;
    }
    j->cl = cl;
    job_start(j);
    control_defer(cl, job_cancel, j);
    return NULL;
}

