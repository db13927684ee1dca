/* The control commands: the one table, and the checks both sides run against it. */
#include "protocol/protocol.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/errbuf.h"
#include "time/span.h"
#include "time/timestamp.h"

/* Epoch seconds a request may give for a timestamp: past them a double overflows usec_t. */
#define EPOCH_SECONDS_MAX 253402300799.0
/* A snooze is asked again within a lifetime; far past that the due time overflows. */
#define SNOOZE_SECONDS_MAX (100LL * 31557600)
/* pause SPAN: ten years is "until I resume" said another way. */
#define PAUSE_SECONDS_MAX (10LL * 31557600)
/* history: rows per reply (its bytes are bounded by the daemon too). */
#define HISTORY_LIMIT_MAX 100000
/* emit: what a rule's ev.data may hold. */
#define EMIT_KEYS_MAX 256
#define EMIT_KEY_BYTES_MAX 255

/* The table reads as a table: one command a block, its arguments and reply under it. */
/* clang-format off */
#define ID_ARG()                                                                           \
    {.name = "id", .cli = "ID", .type = PROTOCOL_STRING, .required = true, .min_len = 1}
#define FIRE_REPLY                                                                         \
    {{"fire", PROTOCOL_J_OBJECT, false}, {"due", PROTOCOL_J_SECONDS, true}}
#define DAYS_ARG(dflt_, max_)                                                              \
    {.name = "days", .cli = "--days", .type = PROTOCOL_INTEGER, .min = 1, .max = (max_),   \
     .has_default = true, .dflt = (dflt_)}
#define PLAN_REPLY(list)                                                                   \
    {{list, PROTOCOL_J_ARRAY, false},                                                      \
     {"truncated", PROTOCOL_J_BOOL, false},                                                \
     {"until", PROTOCOL_J_STRING, true},                                                   \
     {"limit", PROTOCOL_J_INTEGER, true}}

const struct protocol_command protocol_commands[PROTOCOL_COMMANDS] = {
    [PROTOCOL_STATUS] = {PROTOCOL_STATUS, "status", "status", "status", false, {{0}},
                         {{"pid", PROTOCOL_J_INTEGER, false},
                          {"uptime", PROTOCOL_J_SECONDS | PROTOCOL_J_NULL, false},
                          {"rules", PROTOCOL_J_ARRAY, false},
                          {"reminders", PROTOCOL_J_INTEGER, false},
                          {"backend", PROTOCOL_J_STRING, false},
                          {"state", PROTOCOL_J_STRING, false},
                          {"last_reload", PROTOCOL_J_OBJECT, false},
                          /* the pause running now (PAUSE_REPLY's object), or null */
                          {"pause", PROTOCOL_J_OBJECT | PROTOCOL_J_NULL, false},
                          /* the CalDAV sync (SYNC, see PROTOCOL_SYNC), or null: not configured */
                          {"sync", PROTOCOL_J_OBJECT | PROTOCOL_J_NULL, false}}},
    [PROTOCOL_LIST] = {PROTOCOL_LIST, "list", "list", "list", false, {{0}},
                       {{"reminders", PROTOCOL_J_ARRAY, false},
                        {"truncated", PROTOCOL_J_BOOL, false},
                        {"total", PROTOCOL_J_INTEGER, false}}},
    [PROTOCOL_PREVIEW] = {PROTOCOL_PREVIEW, "preview", "preview", "preview [--days N]", true,
                          {DAYS_ARG(7, 366)}, PLAN_REPLY("notifications")},
    [PROTOCOL_FIRE] = {PROTOCOL_FIRE, "fire", "fire", "fire ID", false, {ID_ARG()},
                       {{"shown", PROTOCOL_J_INTEGER, false}}},
    [PROTOCOL_RELOAD] = {PROTOCOL_RELOAD, "reload", "reload", "reload", false, {{0}},
                         {{"reminders", PROTOCOL_J_INTEGER, false}}},
    [PROTOCOL_DONE] = {PROTOCOL_DONE, "done", "done", "done ID", false, {ID_ARG()}, FIRE_REPLY},
    [PROTOCOL_SKIP] = {PROTOCOL_SKIP, "skip", "skip", "skip ID", false, {ID_ARG()}, FIRE_REPLY},
    [PROTOCOL_SNOOZE] = {PROTOCOL_SNOOZE, "snooze", "snooze", "snooze ID [SPAN]", false,
                         {ID_ARG(),
                          {.name = "span", .cli = "SPAN", .type = PROTOCOL_SPAN, .min = 1,
                           .max = SNOOZE_SECONDS_MAX}},
                         FIRE_REPLY},
    [PROTOCOL_CHECKIN] = {PROTOCOL_CHECKIN, "checkin", "checkin",
                          "checkin [ID] [--mood 1..5] [--note TEXT]", false,
                          {{.name = "mood", .cli = "--mood", .type = PROTOCOL_INTEGER, .min = 1,
                            .max = 5},
                           {.name = "note", .cli = "--note", .type = PROTOCOL_STRING},
                           {.name = "id", .cli = "ID", .type = PROTOCOL_STRING, .min_len = 1}},
                          {{"id", PROTOCOL_J_INTEGER, false}, {"at", PROTOCOL_J_SECONDS, false},
                           /* the check-in it was for (null: the rules have none), and what it
                            * did: settled that fire, or silenced the prompt due then */
                           {"reminder", PROTOCOL_J_STRING | PROTOCOL_J_NULL, false},
                           {"settled", PROTOCOL_J_INTEGER, true},
                           {"silenced", PROTOCOL_J_SECONDS, true},
                           {"cancelled", PROTOCOL_J_INTEGER, false}}},
    /* The check-ins logged, oldest first: {"id", "at", "mood" (1..5 or null), "note" (or
     * null)}; "days" is the range asked for. */
    [PROTOCOL_JOURNAL] = {PROTOCOL_JOURNAL, "journal", "journal", "journal [--days N]", false,
                          {DAYS_ARG(PROTOCOL_JOURNAL_DAYS_DEFAULT, PROTOCOL_JOURNAL_DAYS_MAX)},
                          {{"entries", PROTOCOL_J_ARRAY, false},
                           {"days", PROTOCOL_J_INTEGER, false},
                           {"truncated", PROTOCOL_J_BOOL, false}}},
    [PROTOCOL_PROMISE_ADD] = {PROTOCOL_PROMISE_ADD, "promise_add", "promise add",
                              "promise add TEXT --due TIMESTAMP", false,
                              {{.name = "text", .cli = "TEXT", .type = PROTOCOL_STRING,
                                .required = true, .min_len = 1},
                               {.name = "due", .cli = "--due", .type = PROTOCOL_TIMESTAMP,
                                .required = true}},
                              {{"id", PROTOCOL_J_INTEGER, false},
                               {"due", PROTOCOL_J_SECONDS | PROTOCOL_J_NULL, false}}},
    [PROTOCOL_PROMISE_LIST] = {PROTOCOL_PROMISE_LIST, "promise_list", "promise list",
                               "promise list", false, {{0}},
                               {{"promises", PROTOCOL_J_ARRAY, false},
                                {"truncated", PROTOCOL_J_BOOL, false}}},
    [PROTOCOL_PROMISE_KEPT] = {PROTOCOL_PROMISE_KEPT, "promise_kept", "promise kept",
                               "promise kept ID", false,
                               {{.name = "id", .cli = "ID", .type = PROTOCOL_INTEGER,
                                 .required = true, .min = 1, .max = LLONG_MAX}},
                               {{0}}},
    [PROTOCOL_PROMISE_BROKEN] = {PROTOCOL_PROMISE_BROKEN, "promise_broken", "promise broken",
                                 "promise broken ID", false,
                                 {{.name = "id", .cli = "ID", .type = PROTOCOL_INTEGER,
                                   .required = true, .min = 1, .max = LLONG_MAX}},
                                 {{0}}},
    [PROTOCOL_PROMISE_REOPEN] = {PROTOCOL_PROMISE_REOPEN, "promise_reopen", "promise reopen",
                                 "promise reopen ID", false,
                                 {{.name = "id", .cli = "ID", .type = PROTOCOL_INTEGER,
                                   .required = true, .min = 1, .max = LLONG_MAX}},
                                 {{0}}},
    [PROTOCOL_PROMISE_EDIT] = {PROTOCOL_PROMISE_EDIT, "promise_edit", "promise edit",
                               "promise edit ID [--text TEXT] [--due TIMESTAMP]", false,
                               {{.name = "id", .cli = "ID", .type = PROTOCOL_INTEGER,
                                 .required = true, .min = 1, .max = LLONG_MAX},
                                {.name = "text", .cli = "--text", .type = PROTOCOL_STRING,
                                 .min_len = 1},
                                {.name = "due", .cli = "--due", .type = PROTOCOL_TIMESTAMP}},
                               {{"text", PROTOCOL_J_STRING, false},
                                {"due", PROTOCOL_J_SECONDS, false}}},
    [PROTOCOL_PROMISE_DELETE] = {PROTOCOL_PROMISE_DELETE, "promise_delete", "promise delete",
                                 "promise delete ID", false,
                                 {{.name = "id", .cli = "ID", .type = PROTOCOL_INTEGER,
                                   .required = true, .min = 1, .max = LLONG_MAX}},
                                 {{0}}},
    [PROTOCOL_HISTORY] = {PROTOCOL_HISTORY, "history", "history",
                          "history [-n N] [--since TIMESTAMP]", false,
                          {{.name = "limit", .cli = "-n", .type = PROTOCOL_INTEGER, .min = 1,
                            .max = HISTORY_LIMIT_MAX, .has_default = true, .dflt = 20},
                           {.name = "since", .cli = "--since", .type = PROTOCOL_TIMESTAMP, .past = true}},
                          {{"entries", PROTOCOL_J_ARRAY, false},
                           {"truncated", PROTOCOL_J_BOOL, false}}},
    [PROTOCOL_EMIT] = {PROTOCOL_EMIT, "emit", "emit", "emit NAME [KEY=VALUE...]", false,
                       {{.name = "name", .cli = "NAME", .type = PROTOCOL_STRING,
                         .required = true, .min_len = 1},
                        {.name = "data", .cli = "KEY=VALUE data", .type = PROTOCOL_STRINGS,
                         .max = EMIT_KEYS_MAX, .max_len = EMIT_KEY_BYTES_MAX}},
                       {{"listeners", PROTOCOL_J_INTEGER, false},
                        {"failed", PROTOCOL_J_INTEGER, false},
                        {"outcomes", PROTOCOL_J_ARRAY, false}}},
    [PROTOCOL_REPORT] = {PROTOCOL_REPORT, "report", "report",
                         "report [--days N] [--svg FILE] [--html FILE]", false,
                         {DAYS_ARG(PROTOCOL_REPORT_DAYS_DEFAULT, PROTOCOL_REPORT_DAYS_MAX)},
                         {{"now", PROTOCOL_J_SECONDS, false},
                          {"since", PROTOCOL_J_SECONDS | PROTOCOL_J_NULL, false},
                          {"phase", PROTOCOL_J_STRING | PROTOCOL_J_NULL, false},
                          {"days", PROTOCOL_J_ARRAY, false},
                          {"streak", PROTOCOL_J_INTEGER, false},
                          {"best_streak", PROTOCOL_J_INTEGER, false},
                          {"promises", PROTOCOL_J_ARRAY, false},
                          /* the range's journal entries with a mood or a note, oldest first */
                          {"notes", PROTOCOL_J_ARRAY, false},
                          {"truncated", PROTOCOL_J_BOOL, false},
                          /* the pauses overlapping the days: {from, until, all, note, origin} */
                          {"pauses", PROTOCOL_J_ARRAY, false}}},
    [PROTOCOL_EXPORT] = {PROTOCOL_EXPORT, "export", "export", "export --ics [--days N]", true,
                         {DAYS_ARG(30, 366)}, PLAN_REPLY("fires")},
    /* SPEC 2.4. "pause" is {from, until (null: until resumed), all, note (or null), origin
     * ("ctl" or "rules")}; "cancelled" counts the snoozes the pause called off. */
    [PROTOCOL_PAUSE] = {PROTOCOL_PAUSE, "pause", "pause",
                        "pause [SPAN | --until TIMESTAMP] [--all] [--note TEXT]", false,
                        {{.name = "span", .cli = "SPAN", .type = PROTOCOL_SPAN, .min = 60,
                          .max = PAUSE_SECONDS_MAX},
                         {.name = "until", .cli = "--until", .type = PROTOCOL_TIMESTAMP},
                         {.name = "all", .cli = "--all", .type = PROTOCOL_BOOLEAN},
                         {.name = "note", .cli = "--note", .type = PROTOCOL_STRING, .min_len = 1,
                          .max_len = PROTOCOL_PAUSE_NOTE_MAX}},
                        {{"pause", PROTOCOL_J_OBJECT, false},
                         {"cancelled", PROTOCOL_J_INTEGER, false}}},
    /* "pause": the nudgectl pause it ended (until: now), or null when nothing was paused. */
    [PROTOCOL_RESUME] = {PROTOCOL_RESUME, "resume", "resume", "resume", false, {{0}},
                         {{"pause", PROTOCOL_J_OBJECT | PROTOCOL_J_NULL, false}}},
    /* SPEC 7: one sync now, answered when it ends. "login" is the password (nudgectl --login
     * prompts for it; never on the command line), stored in the Secret Service first. SYNC is
     * {url, user (or null), every (seconds), days, state ("idle", "running", "offline",
     * "auth", "error"), password ("file", "secret-service" or null), last (null or {at, ok,
     * took_ms, sent, removed, received, unchanged, error (or null)}), last_error (null or {at,
     * message}), next (seconds or null)}. */
    [PROTOCOL_SYNC] = {PROTOCOL_SYNC, "sync", "sync", "sync [--login]", true,
                       {{.name = "login", .cli = "--login", .type = PROTOCOL_STRING, .min_len = 1,
                         .max_len = PROTOCOL_SYNC_LOGIN_MAX}},
                       {{"sync", PROTOCOL_J_OBJECT, false}}},
};
/* clang-format on */

const struct protocol_command *protocol_find(const char *name)
{
    for (size_t i = 0; name && i < PROTOCOL_COMMANDS; i++)
        if (!strcmp(protocol_commands[i].name, name)) return &protocol_commands[i];
    return NULL;
}

const struct protocol_arg *protocol_arg_find(const struct protocol_command *c, const char *name)
{
    for (const struct protocol_arg *a = c->args; a->name; a++)
        if (!strcmp(a->name, name)) return a;
    return NULL;
}

size_t protocol_arg_describe(const struct protocol_arg *a, char *buf, size_t bufsz)
{
    char lo[64], hi[64];
    switch (a->type) {
    case PROTOCOL_INTEGER:
        if (a->max == LLONG_MAX)
            return (size_t)snprintf(buf, bufsz, "a whole number from %lld up", a->min);
        return (size_t)snprintf(buf, bufsz, "a whole number from %lld to %lld", a->min, a->max);
    case PROTOCOL_STRING:
        if (a->max_len)
            return (size_t)snprintf(buf, bufsz, "a %sstring of at most %zu bytes",
                                    a->min_len ? "non-empty " : "", a->max_len);
        return (size_t)snprintf(buf, bufsz, "a %sstring", a->min_len ? "non-empty " : "");
    case PROTOCOL_TIMESTAMP:
        return (size_t)snprintf(buf, bufsz, a->past ? "a timestamp" : "a timestamp or a calendar event");
    case PROTOCOL_SPAN:
        span_format((usec_t)a->min * USEC_PER_SEC, lo, sizeof lo);
        span_format((usec_t)a->max * USEC_PER_SEC, hi, sizeof hi);
        return (size_t)snprintf(buf, bufsz, "a span from %s to %s", lo, hi);
    case PROTOCOL_STRINGS:
        return (size_t)snprintf(buf, bufsz,
                                "an object of at most %lld strings, keys of at most %zu bytes",
                                a->max, a->max_len);
    case PROTOCOL_BOOLEAN:
        return (size_t)snprintf(buf, bufsz, "true or false");
    }
    return (size_t)snprintf(buf, bufsz, "?");
}

/* `"limit"` on the wire, `-n` on nudgectl's command line. */
static void arg_label(const struct protocol_arg *a, unsigned flags, char *buf, size_t bufsz)
{
    if (flags & PROTOCOL_CHECK_CLI)
        snprintf(buf, bufsz, "%s", a->cli);
    else
        snprintf(buf, bufsz, "\"%s\"", a->name);
}

static int must_be(const struct protocol_arg *a, unsigned flags, char *err, size_t errsz)
{
    char label[64], what[160];
    arg_label(a, flags, label, sizeof label);
    protocol_arg_describe(a, what, sizeof what);
    return errbuf_set(err, errsz, EINVAL, "%s must be %s", label, what);
}

static int check_span(const struct protocol_arg *a, json_t *v, unsigned flags, char *err,
                      size_t errsz)
{
    if (!json_is_string(v)) return must_be(a, flags, err, errsz);
    if (!(flags & PROTOCOL_CHECK_TIME)) return 0;
    usec_t span;
    int r = span_parse(json_string_value(v), &span, err, errsz);
    if (r < 0) return r;
    if (span < (usec_t)a->min * USEC_PER_SEC || span > (usec_t)a->max * USEC_PER_SEC)
        return must_be(a, flags, err, errsz);
    return 0;
}

static int check_strings(const struct protocol_arg *a, json_t *v, unsigned flags, char *err,
                         size_t errsz)
{
    if (!json_is_object(v) || json_object_size(v) > (size_t)a->max)
        return must_be(a, flags, err, errsz);
    const char *k;
    json_t *x;
    json_object_foreach(v, k, x)
    {
        if (!json_is_string(x) || strlen(k) > a->max_len) return must_be(a, flags, err, errsz);
    }
    return 0;
}

int protocol_arg_check(const struct protocol_arg *a, json_t *v, unsigned flags, usec_t now,
                       char *err, size_t errsz)
{
    switch (a->type) {
    case PROTOCOL_INTEGER: {
        if (!json_is_integer(v)) return must_be(a, flags, err, errsz);
        long long n = json_integer_value(v);
        if (n < a->min || n > a->max) {
            int r = must_be(a, flags, err, errsz);
            size_t len = strlen(err);
            if (len < errsz) snprintf(err + len, errsz - len, ", not %lld", n);
            return r;
        }
        return 0;
    }
    case PROTOCOL_STRING: {
        if (!json_is_string(v)) return must_be(a, flags, err, errsz);
        size_t len = json_string_length(v);
        if (len < a->min_len || (a->max_len && len > a->max_len) ||
            strlen(json_string_value(v)) != len) /* a NUL inside would be cut by C */
            return must_be(a, flags, err, errsz);
        return 0;
    }
    case PROTOCOL_TIMESTAMP: {
        if (!json_is_number(v) && !(json_is_string(v) && json_string_length(v)))
            return must_be(a, flags, err, errsz);
        if (!(flags & PROTOCOL_CHECK_TIME) && json_is_string(v)) return 0;
        usec_t t;
        return protocol_timestamp_value(a, v, now, &t, err, errsz);
    }
    case PROTOCOL_SPAN:
        return check_span(a, v, flags, err, errsz);
    case PROTOCOL_STRINGS:
        return check_strings(a, v, flags, err, errsz);
    case PROTOCOL_BOOLEAN:
        return json_is_boolean(v) ? 0 : must_be(a, flags, err, errsz);
    }
    return must_be(a, flags, err, errsz);
}

int protocol_timestamp_value(const struct protocol_arg *a, json_t *v, usec_t now, usec_t *out,
                             char *err, size_t errsz)
{
    if (json_is_number(v)) {
        double sec = json_number_value(v);
        if (!(sec >= -EPOCH_SECONDS_MAX && sec <= EPOCH_SECONDS_MAX)) {
            char label[64];
            arg_label(a, 0, label, sizeof label);
            return errbuf_set(err, errsz, ERANGE, "%s is out of range", label);
        }
        *out = (usec_t)(sec * 1e6);
        return 0;
    }
    if (!json_is_string(v)) return must_be(a, 0, err, errsz);
    const char *s = json_string_value(v);
    return a->past ? timestamp_parse_past(s, now, out, err, errsz)
                   : timestamp_parse_next(s, now, out, err, errsz);
}

int protocol_request_check(const struct protocol_command *c, json_t *req, unsigned flags,
                           usec_t now, char *err, size_t errsz)
{
    for (const struct protocol_arg *a = c->args; a->name; a++) {
        json_t *v = json_object_get(req, a->name);
        if (json_is_null(v)) {
            json_object_del(req, a->name);
            v = NULL;
        }
        if (!v) {
            if (a->has_default) {
                json_object_set_new(req, a->name, json_integer(a->dflt));
            } else if (a->required) {
                char label[64], what[160];
                arg_label(a, flags, label, sizeof label);
                protocol_arg_describe(a, what, sizeof what);
                return errbuf_set(err, errsz, EINVAL, "%s is required (%s)", label, what);
            }
            continue;
        }
        int r = protocol_arg_check(a, v, flags, now, err, errsz);
        if (r < 0) return r;
    }
    return 0;
}

json_t *protocol_arg_from_cli(const struct protocol_arg *a, const char *s, char *err, size_t errsz)
{
    char label[64];
    arg_label(a, PROTOCOL_CHECK_CLI, label, sizeof label);
    if (a->type == PROTOCOL_BOOLEAN) {
        /* A flag is there (s NULL or "true") or not ("false"). */
        if (!s || !strcmp(s, "true")) return json_true();
        if (!strcmp(s, "false")) return json_false();
        errbuf_set(err, errsz, EINVAL, "%s takes no value, not \"%.100s\"", label, s);
        return NULL;
    }
    if (a->type == PROTOCOL_INTEGER) {
        char *end, what[160];
        errno = 0;
        long long n = *s ? strtoll(s, &end, 10) : 0;
        if (!*s || errno || *end) {
            protocol_arg_describe(a, what, sizeof what);
            errbuf_set(err, errsz, EINVAL, "%s must be %s, not \"%.100s\"", label, what, s);
            return NULL;
        }
        return json_integer(n);
    }
    json_t *v = json_string(s);
    if (!v) errbuf_set(err, errsz, EINVAL, "%s is not valid UTF-8", label);
    return v;
}

static unsigned json_kind(json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_NULL:
        return PROTOCOL_J_NULL;
    case JSON_TRUE:
    case JSON_FALSE:
        return PROTOCOL_J_BOOL;
    case JSON_INTEGER:
        return PROTOCOL_J_INTEGER;
    case JSON_REAL:
        return PROTOCOL_J_REAL;
    case JSON_STRING:
        return PROTOCOL_J_STRING;
    case JSON_ARRAY:
        return PROTOCOL_J_ARRAY;
    case JSON_OBJECT:
        return PROTOCOL_J_OBJECT;
    }
    return 0;
}

int protocol_reply_check(const struct protocol_command *c, json_t *reply, char *err, size_t errsz)
{
    if (!json_is_object(reply))
        return errbuf_set(err, errsz, EINVAL, "the reply to %s is not an object", c->name);
    for (const struct protocol_field *f = c->reply; f->name; f++) {
        json_t *v = json_object_get(reply, f->name);
        if (!v && !f->optional)
            return errbuf_set(err, errsz, EINVAL, "the reply to %s lacks \"%s\"", c->name, f->name);
        if (v && !(json_kind(v) & f->types))
            return errbuf_set(err, errsz, EINVAL, "the reply to %s has \"%s\" of the wrong type",
                              c->name, f->name);
    }
    const char *k;
    json_t *v;
    json_object_foreach(reply, k, v)
    {
        const struct protocol_field *f = c->reply;
        while (f->name && strcmp(f->name, k))
            f++;
        if (!f->name && strcmp(k, "ok"))
            return errbuf_set(err, errsz, EINVAL,
                              "the reply to %s has \"%s\", which the table "
                              "does not name",
                              c->name, k);
    }
    return 0;
}
