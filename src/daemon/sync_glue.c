/* The daemon's side of CalDAV sync: the rules' settings in, the preview engine's coming fires,
 * answers taken from the server put on the screen (bubbles closed), and the status object the
 * control protocol shows. */
#include "daemon/sync_glue.h"

#include <stdio.h>
#include <stdlib.h>

#include "common/log.h"
#include "daemon/jobs.h"
#include "daemon/daemon.h"
#include "engine/clock.h"
#include "sync/sync.h"

static void fires_done(void *ud, json_t *fires, bool truncated, const char *err)
{
    struct daemon *d = ud;
    if (!fires) {
        sync_fires_ready(d->sync, NULL, 0, false, err ? err : "out of memory");
        return;
    }
    size_t n = json_array_size(fires);
    struct sync_fire *v = calloc(n ? n : 1, sizeof *v);
    if (!v) {
        sync_fires_ready(d->sync, NULL, 0, false, "out of memory");
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
    sync_fires_ready(d->sync, v, n, truncated, NULL);
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

struct sync_hooks daemon_sync_hooks(struct daemon *d)
{
    return (struct sync_hooks){.coming_fires = coming_fires,
                               .cancel_fires = cancel_fires,
                               .now = now_real,
                               .ud = d};
}

void daemon_sync_configure(struct daemon *d)
{
    const struct ruleset_sync *rc = d->rs ? ruleset_sync(d->rs) : NULL;
    struct sync_config c;
    if (rc) c = (struct sync_config){.url = rc->url, .user = rc->user, .every = rc->every,
                                     .days = rc->days};
    char err[256];
    if (sync_configure(d->sync, rc ? &c : NULL, err, sizeof err) < 0) log_error("%s", err);
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
