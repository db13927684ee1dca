/* The control protocol's commands: one table entry each, {name, handler}. */
#include "daemon/commands.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/log.h"
#include "daemon/daemon.h"
#include "time/span.h"
#include "time/timestamp.h"

typedef json_t *(*command_fn)(struct daemon *d, json_t *req, char *err, size_t errsz);

static json_t *seconds(usec_t t)
{
    if (t == USEC_INFINITY) return json_null();
    if (t % USEC_PER_SEC == 0) return json_integer((json_int_t)(t / USEC_PER_SEC));
    return json_real((double)t / 1e6);
}

static json_t *fail(char *err, size_t errsz, const char *fmt, const char *arg)
{
    snprintf(err, errsz, fmt, arg);
    return NULL;
}

/* A required string field. */
static const char *need_string(json_t *req, const char *k, char *err, size_t errsz)
{
    json_t *v = json_object_get(req, k);
    if (!json_is_string(v) || json_string_length(v) == 0) {
        snprintf(err, errsz, "\"%s\" must be a non-empty string", k);
        return NULL;
    }
    return json_string_value(v);
}

static json_t *cmd_status(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    (void)req, (void)err, (void)errsz;
    usec_t now = clock_now(clock_real());
    json_t *rules = json_array();
    for (size_t i = 0; i < d->files.n; i++) json_array_append_new(rules, json_string(d->files.paths[i]));
    return json_pack("{s:i, s:o, s:o, s:I, s:s, s:s, s:{s:o, s:b, s:o}}",
                     "pid", (int)getpid(),
                     "uptime", seconds((now - d->started) / USEC_PER_SEC * USEC_PER_SEC),
                     "rules", rules,
                     "reminders", (json_int_t)ruleset_reminder_count(d->rs),
                     "backend", notify_backend_current(d->backend),
                     "state", "",
                     "last_reload", "at", seconds(d->last_reload / USEC_PER_SEC * USEC_PER_SEC),
                     "ok", !d->last_reload_error[0],
                     "error", d->last_reload_error[0] ? json_string(d->last_reload_error) : json_null());
}

static void list_one(void *ud, const struct ruleset_reminder_info *r)
{
    json_array_append_new(ud, json_pack("{s:s, s:s, s:s, s:s, s:o}", "id", r->id, "kind", r->kind,
                                        "trigger", r->trigger, "expr", r->expr ? r->expr : "",
                                        "next", seconds(r->next)));
}

static json_t *cmd_list(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    (void)req, (void)err, (void)errsz;
    json_t *a = json_array();
    ruleset_each_reminder(d->rs, list_one, a);
    return json_pack("{s:o}", "reminders", a);
}

static json_t *cmd_fire(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    const char *id = need_string(req, "id", err, errsz);
    if (!id) return NULL;
    if (ruleset_fire_now(d->rs, id, err, errsz) < 0) return NULL;
    daemon_arm(d);
    return json_object();
}

static json_t *cmd_reload(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    (void)req;
    if (daemon_reload(d, "nudgectl reload", err, errsz) < 0) return NULL;
    return json_pack("{s:I}", "reminders", (json_int_t)ruleset_reminder_count(d->rs));
}

static json_t *cmd_emit(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    const char *name = need_string(req, "name", err, errsz);
    if (!name) return NULL;
    json_t *data = json_object_get(req, "data");
    if (data && !json_is_object(data) && !json_is_null(data))
        return fail(err, errsz, "%s", "\"data\" must be an object of strings");
    size_t n = data && json_is_object(data) ? json_object_size(data) : 0;
    if (n > 256) return fail(err, errsz, "%s", "\"data\" has too many keys (256 at most)");
    const char **kv = calloc(2 * n + 1, sizeof *kv);
    if (!kv) return fail(err, errsz, "%s", "out of memory");
    size_t i = 0;
    const char *k;
    json_t *v;
    if (n) json_object_foreach(data, k, v)
        {
            if (!json_is_string(v)) {
                free(kv);
                return fail(err, errsz, "\"data\".%s must be a string", k);
            }
            kv[2 * i] = k;
            kv[2 * i + 1] = json_string_value(v);
            i++;
        }
    size_t ran = ruleset_emit(d->rs, name, kv, n);
    free(kv);
    daemon_arm(d);
    return json_pack("{s:I}", "listeners", (json_int_t)ran);
}

static json_t *cmd_preview(struct daemon *d, json_t *req, char *err, size_t errsz)
{
    json_t *days = json_object_get(req, "days");
    json_int_t n = 7;
    if (days) {
        if (!json_is_integer(days) || json_integer_value(days) < 1 || json_integer_value(days) > 366)
            return fail(err, errsz, "%s", "\"days\" must be a whole number from 1 to 366");
        n = json_integer_value(days);
    }
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) return fail(err, errsz, "%s", "out of memory");
    usec_t now = clock_now(clock_real());
    struct preview_options po = {.from = now, .days = (int)n, .seed = d->seed, .json = true};
    int rc = preview_run(&d->files, d->rs, &po, f, err, errsz);
    fclose(f);
    if (rc != 0 && err[0]) {
        free(buf);
        return NULL;
    }
    json_t *a = json_array();
    for (char *line = buf, *nl; line && *line; line = nl + 1) {
        nl = strchr(line, '\n');
        if (!nl) break;
        json_t *o = json_loadb(line, (size_t)(nl - line), 0, NULL);
        if (o) json_array_append_new(a, o);
    }
    free(buf);
    return json_pack("{s:o}", "notifications", a);
}

static const struct {
    const char *name;
    command_fn fn;
} commands[] = {
    {"status", cmd_status}, {"list", cmd_list},     {"fire", cmd_fire},
    {"reload", cmd_reload}, {"emit", cmd_emit},     {"preview", cmd_preview},
};

json_t *commands_handle(void *ud, json_t *req, char *err, size_t errsz)
{
    struct daemon *d = ud;
    const char *cmd = json_string_value(json_object_get(req, "cmd"));
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (!strcmp(commands[i].name, cmd)) return commands[i].fn(d, req, err, errsz);
    snprintf(err, errsz, "unknown command \"%.100s\"", cmd);
    return NULL;
}
