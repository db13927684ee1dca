/* CalDAV sync (SPEC 7): the coming fires and open promises as tasks in a CalDAV collection,
 * and answers given on another device taken back as answers. One sync is a chain of steps on
 * the daemon's loop (password, listing, answers taken, the coming fires, the changes sent),
 * each waiting for its reply without blocking anything; the ledger decides what an answer
 * means (ledger/sync.h), the plan (sync/plan.c) decides what to send. */
#ifndef NUDGE_SYNC_H
#define NUDGE_SYNC_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "common/usec.h"

struct ledger;
struct sync;

/* The rules' settings (nudge.config{sync}). */
struct sync_config {
    const char *url;
    const char *user; /* NULL or "": no authentication */
    usec_t every;
    int days;
};

/* One coming fire, as the daemon's preview engine sees it. */
struct sync_fire {
    const char *uid, *reminder, *kind, *title, *body;
    usec_t at;
};

struct sync_hooks {
    /* Starts working out the fires of the next `days` days; the answer goes to
     * sync_fires_ready(s, ...), always later (from the loop). Returns a handle for cancel_fires, or NULL
     * with err set (then sync_fires_ready is not called). */
    void *(*coming_fires)(void *ud, struct sync *s, int days, char *err, size_t errsz);
    void (*cancel_fires)(void *ud, void *job);
    /* Answers from the server were recorded: close their bubbles and re-plan. */
    void (*answered)(void *ud);
    usec_t (*now)(void *ud);
    void *ud;
};

/* NULL when out of memory. */
struct sync *sync_new(uv_loop_t *loop, struct ledger *lg, const struct sync_hooks *hooks);
/* Cancels what is under way; waiting `nudgectl sync`s are answered with the status (the
 * daemon closes their clients first when it stops). */
void sync_free(struct sync *s);

/* The rules' settings, or NULL: sync is off. Unchanged settings change nothing; new ones
 * sync soon. Returns 0, or -1 with one line in err (a URL that is no http(s) URL). */
int sync_configure(struct sync *s, const struct sync_config *cfg, char *err, size_t errsz);
bool sync_configured(const struct sync *s);

/* The preview engine's answer to hooks->coming_fires (err non-NULL: it failed). */
void sync_fires_ready(struct sync *s, const struct sync_fire *fires, size_t n, bool truncated,
                      const char *err);

/* Something the tasks show changed (an answer, a pause, a promise, a reload): sync within a
 * few seconds, unless sync is off or waits for a password. */
void sync_soon(struct sync *s);

/* What `nudgectl status` and `nudgectl sync` show. */
struct sync_status {
    bool configured;
    const char *url, *user; /* user NULL when none */
    usec_t every;
    int days;
    const char *state;    /* "idle", "running", "offline", "auth", "error" */
    const char *password; /* "file", "secret-service", or NULL (none used yet) */
    bool has_last;
    struct {
        usec_t at;
        bool ok;
        unsigned took_ms;
        unsigned sent, removed, received, unchanged;
        const char *error; /* NULL when ok */
    } last;
    usec_t last_error_at; /* 0: none yet */
    const char *last_error;
    usec_t next; /* 0: none planned */
};
/* Strings valid until the next call into s. */
void sync_get_status(const struct sync *s, struct sync_status *out);

/* One sync now: login (non-NULL) is stored as the password first (Secret Service). done runs
 * once when it ends, with the status; or never, when cancel_now(job) runs first. Returns 0,
 * or -1 with err ("sync is not configured: ..."); done is never called from inside this call.
 * A sync under way is joined, and when done
 * reports it, one more runs if something changed meanwhile. */
typedef void sync_done_fn(void *ud, const struct sync_status *st);
int sync_now(struct sync *s, const char *login, sync_done_fn *done, void *ud, void **job,
             char *err, size_t errsz);
void sync_cancel_now(struct sync *s, void *job);

#endif
