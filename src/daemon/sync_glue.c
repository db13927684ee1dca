/* The daemon's side of CalDAV sync: the rules' settings in, the preview engine's coming fires,
 * answers taken from the server put on the screen (bubbles closed), and the status object the
 * control protocol shows. */
#include "daemon/sync_glue.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/jobs.h"
#include "daemon/daemon.h"
#include "engine/clock.h"
#include "sync/module.h"
#include "sync/sync.h"

static void fires_done(void *ud, json_t *fires, bool truncated, const char *err)
{
    struct daemon *d = ud;
    if (!fires) {
        d->sync_mod->fires_ready(d->sync, NULL, 0, false, err ? err : "out of memory");
        return;
    }
    size_t n = json_array_size(fires);
    struct sync_fire *v = calloc(n ? n : 1, sizeof *v);
    if (!v) {
        d->sync_mod->fires_ready(d->sync, NULL, 0, false, "out of memory");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *f = json_array_get(fires, i);
        v[i] = (struct sync_fire){
            .uid = json_string_value(json_object_get(f, "uid")),
            .reminder = json_string_value(json_object_get(f, "id")),
            .kind = json_string_value(json_object_get(f, "kind")),
            .title = json_string_value(json_object_get(f, "title")),
            .body = json_string_value(json_object_get(f, "body")),
            .at = (usec_t)json_integer_value(json_object_get(f, "at")) * USEC_PER_SEC,
        };
    }
    d->sync_mod->fires_ready(d->sync, v, n, truncated, NULL);
    free(v);
}

static void *coming_fires(void *ud, struct sync *s, int days, char *err, size_t errsz)
{
    (void)s;
    return jobs_coming_fires(ud, days, fires_done, ud, err, errsz);
}

static void cancel_fires(void *ud, void *job)
{
    (void)ud;
    jobs_cancel_fires(job);
}

static usec_t now_real(void *ud)
{
    (void)ud;
    return clock_now(clock_real());
}

#ifdef NUDGE_SYNC_LINKED
/* A build with sync/ linked in (the control fuzzer's daemon): no module to load. */
static const struct sync_module *load_module(char *err, size_t errsz)
{
    (void)err, (void)errsz;
    return sync_module_linked();
}
#else
#include "build_id.h"

static void module_log(enum log_level level, const char *line)
{
    log_msg(level, "%s", line);
}

/* The module of this nudged: the one beside it (a build folder), else the one installed with
 * it (found from nudged's own folder, so a moved prefix still works), else the one at the
 * configured path. Never a path from the environment or the rules: loading it runs its code. */
static void module_path(char *out, size_t outsz)
{
    char exe[PATH_MAX];
    ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
    snprintf(out, outsz, "%s", NUDGE_SYNC_MODULE_INSTALLED);
    if (n <= 0) return;
    exe[n] = 0;
    char *slash = strrchr(exe, '/');
    if (!slash) return;
    *slash = 0;
    char p[PATH_MAX + 64];
    snprintf(p, sizeof p, "%s/nudge-sync.so", exe);
    if (access(p, R_OK) != 0) snprintf(p, sizeof p, "%s/%s", exe, NUDGE_SYNC_MODULE_REL);
    if (access(p, R_OK) == 0) snprintf(out, outsz, "%s", p);
}

static const struct sync_module *load_module(char *err, size_t errsz)
{
    static const struct sync_module *loaded;
    if (loaded) return loaded;
    char path[PATH_MAX + 64];
    module_path(path, sizeof path);
    /* Kept loaded for good (never dlclose'd): libcurl and GLib keep global state. */
    void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!h) {
        snprintf(err, errsz, "the CalDAV module could not be loaded: %s", dlerror());
        return NULL;
    }
    sync_module_entry_fn *entry = (sync_module_entry_fn *)dlsym(h, NUDGE_SYNC_MODULE_ENTRY);
    const struct sync_module *m = entry ? entry(module_log) : NULL;
    if (!m || !m->build_id || strcmp(m->build_id, NUDGE_SYNC_BUILD_ID) != 0) {
        snprintf(err, errsz, "%.200s is from another build of nudge (upgraded while nudged "
                             "ran?): restart nudged", path);
        dlclose(h);
        return NULL;
    }
    loaded = m;
    return m;
}
#endif

/* Made the first time the rules configure sync: a daemon that never syncs never loads it. */
int daemon_sync_open(struct daemon *d, char *err, size_t errsz)
{
    if (d->sync) return 0;
    const struct sync_module *m = load_module(err, errsz);
    if (!m) return -1;
    struct sync_hooks h = {.coming_fires = coming_fires,
                           .cancel_fires = cancel_fires,
                           .answered = d->sync_answered,
                           .now = now_real,
                           .ud = d};
    d->sync = m->create(d->loop, d->ledger, &h);
    if (!d->sync) {
        snprintf(err, errsz, "out of memory");
        return -1;
    }
    d->sync_mod = m;
    return 0;
}

void daemon_sync_configure(struct daemon *d)
{
    const struct ruleset_sync *rc = d->rs ? ruleset_sync(d->rs) : NULL;
    d->sync_error[0] = 0;
    if (!rc && !d->sync) return;
    if (rc && daemon_sync_open(d, d->sync_error, sizeof d->sync_error) < 0) {
        d->sync_error_at = clock_now(clock_real());
        log_error("sync: %s", d->sync_error);
        return;
    }
    struct sync_config c;
    if (rc) c = (struct sync_config){.url = rc->url, .user = rc->user, .every = rc->every,
                                     .days = rc->days};
    char err[256];
    if (d->sync_mod->configure(d->sync, rc ? &c : NULL, err, sizeof err) < 0) log_error("%s", err);
}

void daemon_sync_soon(struct daemon *d)
{
    if (d->sync) d->sync_mod->soon(d->sync);
}

void daemon_sync_status(struct daemon *d, struct sync_status *st)
{
    if (d->sync) {
        d->sync_mod->get_status(d->sync, st);
        return;
    }
    memset(st, 0, sizeof *st);
    /* Asked for by the rules, but the module is missing: say so rather than "off". */
    const struct ruleset_sync *rc = d->rs ? ruleset_sync(d->rs) : NULL;
    if (!rc || !d->sync_error[0]) return;
    *st = (struct sync_status){.configured = true, .url = rc->url, .user = rc->user,
                               .every = rc->every, .days = rc->days, .state = "error",
                               .last_error_at = d->sync_error_at, .last_error = d->sync_error};
}

int daemon_sync_now(struct daemon *d, const char *login, sync_done_fn *done, void *ud,
                    void **job, char *err, size_t errsz)
{
    if (!d->sync) {
        if (d->sync_error[0])
            snprintf(err, errsz, "sync: %s", d->sync_error);
        else
            snprintf(err, errsz, "sync is not configured: add nudge.config{ sync = { caldav = URL, "
                                 "user = NAME } } to the rules");
        return -1;
    }
    return d->sync_mod->now(d->sync, login, done, ud, job, err, errsz);
}

void daemon_sync_cancel_now(struct daemon *d, void *job)
{
    if (d->sync) d->sync_mod->cancel_now(d->sync, job);
}

void daemon_sync_close(struct daemon *d)
{
    if (d->sync) d->sync_mod->destroy(d->sync);
    d->sync = NULL;
}

static json_t *secs(usec_t t)
{
    return t ? json_integer((json_int_t)(t / USEC_PER_SEC)) : json_null();
}

static json_t *str0(const char *s)
{
    return s ? json_string(s) : json_null();
}

json_t *daemon_sync_status_json(const struct sync_status *st)
{
    if (!st->configured) return json_null();
    json_t *last = json_null();
    if (st->has_last)
        last = json_pack("{s:o, s:b, s:I, s:I, s:I, s:I, s:I, s:o}", "at", secs(st->last.at), "ok",
                         st->last.ok, "took_ms", (json_int_t)st->last.took_ms, "sent",
                         (json_int_t)st->last.sent, "removed", (json_int_t)st->last.removed,
                         "received", (json_int_t)st->last.received, "unchanged",
                         (json_int_t)st->last.unchanged, "error", str0(st->last.error));
    json_t *lerr = st->last_error_at
                       ? json_pack("{s:o, s:s}", "at", secs(st->last_error_at), "message",
                                   st->last_error ? st->last_error : "")
                       : json_null();
    return json_pack("{s:s, s:o, s:I, s:i, s:s, s:o, s:o, s:o, s:o}", "url", st->url ? st->url : "",
                     "user", str0(st->user), "every", (json_int_t)(st->every / USEC_PER_SEC),
                     "days", st->days, "state", st->state, "password", str0(st->password),
                     "last", last ? last : json_null(), "last_error", lerr ? lerr : json_null(),
                     "next", secs(st->next));
}
