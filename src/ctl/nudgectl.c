/* nudgectl: the control socket's client. One table entry per command of the protocol table
 * {command, exec}; each exec builds a request from its arguments (checked against the protocol
 * table, as the daemon will check them) and prints the reply for people. */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "common/paths.h"
#include "ctl/client.h"
#include "ctl/ics.h"
#include "ctl/report.h"
#include "ctl/table.h"
#include "protocol/protocol.h"
#include "time/iso8601.h"
#include "time/span.h"
#include "time/timestamp.h"

enum { EXIT_OK = 0, EXIT_REFUSED = 1, EXIT_USAGE = 2, EXIT_NOT_RUNNING = 3 };

#define TIMEOUT_MS 30000
#define PREVIEW_TIMEOUT_MS 120000 /* a year of a large plan takes seconds */

struct command;

struct invocation {
    const struct command *cmd;
    int argc; /* the command's arguments, after its name */
    char **argv;
    bool json;
    const char *subject; /* the ID or NAME the command acts on, for its printer */
    usec_t now;
    const char *svg, *html; /* report: where to write the pictures */
    int print_rc;           /* a printer that failed (a file it could not write) sets this */
    /* A reply that is "ok" and still means failure (emit: a listener failed), text or --json. */
    int (*reply_rc)(json_t *reply);
};

typedef int (*command_exec)(struct invocation *inv);

struct command {
    const struct protocol_command *proto; /* its name, usage and arguments */
    command_exec exec;
};

static const struct command commands[];

/* ---- errors ---- */

static int usage_error(struct invocation *inv, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static int usage_error(struct invocation *inv, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("nudgectl: ", stderr);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    if (inv && inv->cmd)
        fprintf(stderr, "\nusage: nudgectl %s\n", inv->cmd->proto->usage);
    else
        fputs("\nTry 'nudgectl --help'.\n", stderr);
    return EXIT_USAGE;
}

/* ---- arguments ---- */

struct opt {
    const char *long_name;  /* "--days" */
    const char *short_name; /* "-n", or NULL */
    const char **value;     /* set to the option's argument */
};

/* Splits args into options (each taking one value: "--days 3", "--days=3", "-n3") and up to
 * max_pos positionals (at least min_pos); "--" ends options, "--json" and "--help" are accepted
 * anywhere. Returns -1 to go on, else an exit code (help printed, or a usage error). */
static int parse_args(struct invocation *inv, const struct opt *opts, const char **pos, int min_pos,
                      int max_pos, int *npos)
{
    int n = 0;
    bool only_pos = false;
    for (int i = 0; i < inv->argc; i++) {
        const char *a = inv->argv[i];
        if (only_pos || a[0] != '-' || !a[1]) {
            if (n == max_pos) return usage_error(inv, "unexpected argument \"%s\"", a);
            pos[n++] = a;
            continue;
        }
        if (!strcmp(a, "--")) {
            only_pos = true;
            continue;
        }
        if (!strcmp(a, "--json")) {
            inv->json = true;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            printf("usage: nudgectl %s\n", inv->cmd->proto->usage);
            return EXIT_OK;
        }
        const struct opt *o = NULL;
        const char *val = NULL;
        for (const struct opt *p = opts; p && p->long_name; p++) {
            size_t ln = strlen(p->long_name);
            if (!strncmp(a, p->long_name, ln) && (a[ln] == 0 || a[ln] == '=')) {
                o = p;
                val = a[ln] == '=' ? a + ln + 1 : NULL;
                break;
            }
            if (p->short_name && !strncmp(a, p->short_name, 2)) {
                o = p;
                val = a[2] ? a + 2 : NULL;
                break;
            }
        }
        if (!o) return usage_error(inv, "unknown option \"%s\"", a);
        if (!val) {
            if (i + 1 >= inv->argc) return usage_error(inv, "%s needs a value", o->long_name);
            val = inv->argv[++i];
        }
        *o->value = val;
    }
    if (n < min_pos) return usage_error(inv, "missing argument");
    *npos = n;
    return -1;
}

/* Sets the request's argument `name` from the command-line word s, as the protocol table
 * types it (a number for an integer); a word that is not one is a usage error. */
static bool set_arg(struct invocation *inv, json_t *req, const char *name, const char *s, int *rc)
{
    char err[512];
    json_t *v = protocol_arg_from_cli(protocol_arg_find(inv->cmd->proto, name), s, err, sizeof err);
    if (!v) {
        *rc = usage_error(inv, "%s", err);
        return false;
    }
    json_object_set_new(req, name, v);
    return true;
}

/* ---- time for people ---- */

static bool reply_time(json_t *v, usec_t *out)
{
    if (!json_is_number(v)) return false;
    double s = json_number_value(v);
    if (!(s > 0) || s > 9.2e12) return false;
    *out = (usec_t)llround(s * 1e6);
    return true;
}

/* "Mon 2026-11-23 20:30:00 CET", or "-" for null/0. */
static const char *fmt_time(json_t *v, char *buf, size_t bufsz)
{
    usec_t t;
    if (!reply_time(v, &t)) return "-";
    timestamp_format(t, buf, bufsz);
    return buf;
}

/* "in 3h 20min" / "5min ago", rounded to minutes. */
static const char *fmt_relative(usec_t t, usec_t now, char *buf, size_t bufsz)
{
    usec_t d = t > now ? t - now : now - t;
    usec_t m = (d + USEC_PER_MINUTE / 2) / USEC_PER_MINUTE;
    if (m == 0) {
        snprintf(buf, bufsz, "%s", t >= now ? "in less than a minute" : "just now");
        return buf;
    }
    char s[128];
    span_format(m * USEC_PER_MINUTE, s, sizeof s);
    snprintf(buf, bufsz, t > now ? "in %s" : "%s ago", s);
    return buf;
}

/* "2026-11-23T20:30:00+01:00" (or "Z") as preview objects carry it. */
static bool parse_iso(const char *s, usec_t *out)
{
    struct iso8601 t;
    if (!s || iso8601_parse(s, &t, NULL, 0) < 0 || !t.has_time) return false;
    *out = iso8601_usec(&t);
    return true;
}

static const char *str_or(json_t *o, const char *key, const char *dflt)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s && *s ? s : dflt;
}

/* ---- talking to the daemon ---- */

typedef void (*reply_printer)(struct invocation *inv, json_t *reply);

/* Sends req (consumed), then prints the reply: raw with --json, else through print. */
/* The daemon bounds its longer replies; say so when one was cut (on stderr, so what is on
 * stdout stays a table, JSON or a calendar). */
static void say_truncated(const char *cmd, json_t *reply)
{
    if (!json_is_true(json_object_get(reply, "truncated"))) return;
    if (!strcmp(cmd, "preview") || !strcmp(cmd, "export")) {
        json_t *a = json_object_get(reply, !strcmp(cmd, "preview") ? "notifications" : "fires");
        const char *until = json_string_value(json_object_get(reply, "until"));
        char when[128] = "";
        usec_t t;
        if (until && parse_iso(until, &t)) timestamp_format(t, when, sizeof when);
        fprintf(stderr,
                "nudgectl: truncated: only the %zu notifications before %s are %s (the daemon "
                "stops at 10000 or a bounded amount of work); ask for fewer --days\n",
                json_array_size(a), when[0] ? when : (until ? until : "the end"),
                !strcmp(cmd, "preview") ? "shown" : "exported");
    } else if (!strcmp(cmd, "history")) {
        fprintf(stderr, "nudgectl: truncated: only the newest %zu entries fit in one reply; ask "
                        "for fewer with -n or --since\n",
                json_array_size(json_object_get(reply, "entries")));
    } else if (!strcmp(cmd, "promise_list")) {
        fprintf(stderr, "nudgectl: truncated: only %zu promises fit in one reply\n",
                json_array_size(json_object_get(reply, "promises")));
    } else if (!strcmp(cmd, "report")) {
        fprintf(stderr, "nudgectl: truncated: only the newest %zu promises and %zu journal notes "
                        "fit in one reply\n",
                json_array_size(json_object_get(reply, "promises")),
                json_array_size(json_object_get(reply, "notes")));
    } else if (!strcmp(cmd, "journal")) {
        fprintf(stderr, "nudgectl: truncated: only the newest %zu entries fit in one reply; ask "
                        "for fewer --days\n",
                json_array_size(json_object_get(reply, "entries")));
    } else {
        fprintf(stderr, "nudgectl: truncated: the daemon sent only part of the answer\n");
    }
}

static int run(struct invocation *inv, json_t *req, reply_printer print)
{
    char path[256], err[512];
    if (!req) {
        fputs("nudgectl: out of memory\n", stderr);
        return EXIT_REFUSED;
    }
    /* The limits the daemon checks, checked here first with the same words. */
    if (protocol_request_check(inv->cmd->proto, req, PROTOCOL_CHECK_CLI, 0, err, sizeof err) < 0) {
        json_decref(req);
        return usage_error(inv, "%s", err);
    }
    if (paths_control_socket(path, sizeof path) < 0) {
        json_decref(req);
        fprintf(stderr,
                "nudgectl: %s: path too long for a Unix socket (over %d bytes); set "
                "XDG_RUNTIME_DIR to a shorter folder\n",
                path, PATHS_SOCKET_MAX);
        return EXIT_NOT_RUNNING;
    }
    const char *cmd = json_string_value(json_object_get(req, "cmd"));
    int timeout = inv->cmd->proto->slow ? PREVIEW_TIMEOUT_MS : TIMEOUT_MS;
    char *line = NULL, cmd_name[32];
    json_t *reply = NULL;
    snprintf(cmd_name, sizeof cmd_name, "%s", cmd ? cmd : "");
    enum client_status st = client_request(path, req, timeout, &line, &reply, err, sizeof err);
    json_decref(req);
    if (st != CLIENT_OK) {
        fprintf(stderr, "nudgectl: %s\n", err);
        return st == CLIENT_NOT_RUNNING ? EXIT_NOT_RUNNING : EXIT_REFUSED;
    }
    inv->now = (usec_t)time(NULL) * USEC_PER_SEC;
    int rc = EXIT_OK;
    if (inv->json) {
        puts(line);
        if (!json_is_true(json_object_get(reply, "ok"))) rc = EXIT_REFUSED;
    } else if (!json_is_true(json_object_get(reply, "ok"))) {
        const char *e = str_or(reply, "error", "the daemon refused the request");
        fputs("nudgectl: ", stderr);
        for (const char *p = e; *p; p++)
            fputc(*p == '\n' || *p == '\r' ? ' ' : *p, stderr);
        fputc('\n', stderr);
        rc = EXIT_REFUSED;
    } else {
        print(inv, reply);
        if (inv->print_rc) rc = inv->print_rc;
    }
    if (json_is_true(json_object_get(reply, "ok"))) say_truncated(cmd_name, reply);
    if (rc == EXIT_OK && json_is_true(json_object_get(reply, "ok")) && inv->reply_rc)
        rc = inv->reply_rc(reply);
    free(line);
    json_decref(reply);
    if (fflush(stdout) != 0 && rc == EXIT_OK) rc = EXIT_REFUSED;
    return rc;
}

/* ---- commands ---- */

/* ---- pause ---- */

static int run_plain(struct invocation *inv, const char *cmd, reply_printer print);

/* "Sun 27 Dec 09:00" (with the year when not this year's), local time. */
static const char *fmt_day_time(usec_t t, usec_t now, char *buf, size_t bufsz)
{
    time_t a = (time_t)(t / USEC_PER_SEC), b = (time_t)(now / USEC_PER_SEC);
    struct tm ta, tb;
    localtime_r(&a, &ta);
    localtime_r(&b, &tb);
    strftime(buf, bufsz, ta.tm_year == tb.tm_year ? "%a %-d %b %H:%M" : "%a %-d %b %Y %H:%M", &ta);
    return buf;
}

/* One warm line for a pause object: until when, and what rests. */
static void pause_line(struct invocation *inv, json_t *p, char *buf, size_t bufsz)
{
    char when[96], until[160];
    usec_t t;
    if (reply_time(json_object_get(p, "until"), &t))
        snprintf(until, sizeof until, "until %s", fmt_day_time(t, inv->now, when, sizeof when));
    else
        snprintf(until, sizeof until, "until you resume (nudgectl resume)");
    bool all = json_is_true(json_object_get(p, "all"));
    const char *note = json_string_value(json_object_get(p, "note"));
    snprintf(buf, bufsz, "%s: %s%s%s%s%s", until,
             all ? "every reminder rests, promises included"
                 : "check-ins, gestures and the plan's other prompts rest; promises still come",
             !strcmp(str_or(p, "origin", ""), "rules") ? " (from your rule file)" : "",
             note ? " (note: " : "", note ? note : "", note ? ")" : "");
}

/* Takes a flag without a value (parse_args' options all take one) out of the arguments before
 * "--": whether it was there. */
static bool take_flag(struct invocation *inv, const char *flag)
{
    bool found = false;
    int k = 0, i = 0;
    for (; i < inv->argc && strcmp(inv->argv[i], "--"); i++) {
        if (!strcmp(inv->argv[i], flag))
            found = true;
        else
            inv->argv[k++] = inv->argv[i];
    }
    for (; i < inv->argc; i++) inv->argv[k++] = inv->argv[i];
    inv->argc = k;
    return found;
}

static void print_pause(struct invocation *inv, json_t *r)
{
    char line[1024];
    pause_line(inv, json_object_get(r, "pause"), line, sizeof line);
    printf("Paused %s.\n", line);
    json_int_t n = json_integer_value(json_object_get(r, "cancelled"));
    if (n == 1) printf("A snoozed reminder will not come back meanwhile.\n");
    if (n > 1) printf("%lld snoozed reminders will not come back meanwhile.\n", (long long)n);
}

static int exec_pause(struct invocation *inv)
{
    const char *until = NULL, *note = NULL, *pos[1];
    bool all = take_flag(inv, "--all");
    struct opt opts[] = {{"--until", NULL, &until}, {"--note", NULL, &note}, {0}};
    int n, rc = parse_args(inv, opts, pos, 0, 1, &n);
    if (rc >= 0) return rc;
    if (n == 1 && until) return usage_error(inv, "give a SPAN or --until, not both");
    json_t *req = json_pack("{s:s}", "cmd", "pause");
    if ((n == 1 && !set_arg(inv, req, "span", pos[0], &rc)) ||
        (until && !set_arg(inv, req, "until", until, &rc)) ||
        (note && !set_arg(inv, req, "note", note, &rc)))
        return json_decref(req), rc;
    if (all) json_object_set_new(req, "all", json_true());
    return run(inv, req, print_pause);
}

static void print_resume(struct invocation *inv, json_t *r)
{
    char when[96];
    usec_t from;
    json_t *p = json_object_get(r, "pause");
    if (!json_is_object(p)) {
        printf("Nothing was paused: reminders come as planned.\n");
        return;
    }
    if (reply_time(json_object_get(p, "from"), &from))
        printf("Resumed: reminders come as planned again (paused since %s).\n",
               fmt_day_time(from, inv->now, when, sizeof when));
    else
        printf("Resumed: reminders come as planned again.\n");
}

static int exec_resume(struct invocation *inv)
{
    return run_plain(inv, "resume", print_resume);
}

/* ---- sync (SPEC 7) ---- */

/* "20:41" today, else as fmt_day_time. */
static const char *fmt_clock(usec_t t, usec_t now, char *buf, size_t bufsz)
{
    time_t a = (time_t)(t / USEC_PER_SEC), b = (time_t)(now / USEC_PER_SEC);
    struct tm ta, tb;
    localtime_r(&a, &ta);
    localtime_r(&b, &tb);
    if (ta.tm_year != tb.tm_year || ta.tm_yday != tb.tm_yday) return fmt_day_time(t, now, buf, bufsz);
    strftime(buf, bufsz, "%H:%M", &ta);
    return buf;
}

static long long int_or(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* The status line of a sync object: what it did last and when it runs next, or why it
 * cannot. */
static void sync_line(struct invocation *inv, json_t *s, char *buf, size_t bufsz)
{
    const char *state = str_or(s, "state", "idle");
    json_t *last = json_object_get(s, "last"), *lerr = json_object_get(s, "last_error");
    const char *msg = str_or(lerr, "message", "unknown error");
    char next[96] = "", at[96] = "";
    usec_t t;
    if (reply_time(json_object_get(s, "next"), &t)) fmt_clock(t, inv->now, next, sizeof next);
    if (!strcmp(state, "auth")) {
        /* The daemon's own words (a file's mode, no keyring, a 401 or 403), then the way out. */
        bool none = json_is_null(json_object_get(s, "password"));
        const char *why = json_string_value(json_object_get(lerr, "message"));
        snprintf(buf, bufsz, "%.1000s: run nudgectl sync --login",
                 why ? why : none ? "no password" : "wrong password");
    } else if (!strcmp(state, "offline") || !strcmp(state, "error")) {
        if (reply_time(json_object_get(lerr, "at"), &t)) fmt_clock(t, inv->now, at, sizeof at);
        snprintf(buf, bufsz, "%s%s%s (%.1000s)%s%s", !strcmp(state, "offline") ? "offline" : "failed",
                 *at ? (!strcmp(state, "offline") ? " since " : " at ") : "", at, msg,
                 *next ? (!strcmp(state, "offline") ? ", retrying " : ", next ") : "", next);
    } else {
        const char *user = json_string_value(json_object_get(s, "user"));
        int n = snprintf(buf, bufsz, "%.1100s%s%.300s: ", str_or(s, "url", "?"),
                         user ? " as " : "", user ? user : "");
        if (n < 0 || (size_t)n >= bufsz) return;
        buf += n, bufsz -= (size_t)n;
        if (!strcmp(state, "running"))
            n = snprintf(buf, bufsz, "running now");
        else if (json_is_object(last) && reply_time(json_object_get(last, "at"), &t))
            n = snprintf(buf, bufsz, "last %s (%lld sent, %lld removed, %lld received)",
                         fmt_clock(t, inv->now, at, sizeof at), int_or(last, "sent"),
                         int_or(last, "removed"), int_or(last, "received"));
        else
            n = snprintf(buf, bufsz, "not synced yet");
        if (n < 0 || (size_t)n >= bufsz) return;
        if (*next) n += snprintf(buf + n, bufsz - (size_t)n, ", next %s", next);
        /* Synced, but with tasks left (refused by the server, changed meanwhile). */
        const char *left = json_string_value(json_object_get(last, "error"));
        if (left && n >= 0 && (size_t)n < bufsz && !strcmp(state, "idle"))
            snprintf(buf + n, bufsz - (size_t)n, "; %.600s", left);
    }
}

/* Exit 1 when the sync the reply reports failed (text or --json). */
static int sync_rc(json_t *r)
{
    json_t *last = json_object_get(json_object_get(r, "sync"), "last");
    return json_is_false(json_object_get(last, "ok")) ? EXIT_REFUSED : EXIT_OK;
}

static void print_sync(struct invocation *inv, json_t *r)
{
    json_t *s = json_object_get(r, "sync"), *last = json_object_get(s, "last");
    if (!json_is_object(last)) {
        char line[2048];
        sync_line(inv, s, line, sizeof line);
        printf("sync: %s\n", line);
        return;
    }
    if (json_is_false(json_object_get(last, "ok"))) {
        fputs("nudgectl: sync failed: ", stderr);
        for (const char *p = str_or(last, "error", "unknown error"); *p; p++)
            fputc(*p == '\n' || *p == '\r' ? ' ' : *p, stderr);
        fputc('\n', stderr);
        return;
    }
    long long recv = int_or(last, "received");
    printf("synced %s: %lld sent, %lld removed, %lld answer%s received, %lld unchanged (%.1f s)\n",
           str_or(s, "url", "?"), int_or(last, "sent"), int_or(last, "removed"), recv,
           recv == 1 ? "" : "s", int_or(last, "unchanged"),
           (double)int_or(last, "took_ms") / 1000.0);
}

/* The daemon's status reply (to learn the sync's url and user before asking for a password),
 * or NULL with an exit code in *rc, the reason said. */
static json_t *ask_status(int *rc)
{
    char path[256], err[512], *line = NULL;
    json_t *reply = NULL, *req = json_pack("{s:s}", "cmd", "status");
    if (paths_control_socket(path, sizeof path) < 0) {
        json_decref(req);
        fprintf(stderr, "nudgectl: %s: path too long for a Unix socket\n", path);
        *rc = EXIT_NOT_RUNNING;
        return NULL;
    }
    enum client_status st = client_request(path, req, TIMEOUT_MS, &line, &reply, err, sizeof err);
    json_decref(req);
    free(line);
    if (st != CLIENT_OK) {
        fprintf(stderr, "nudgectl: %s\n", err);
        *rc = st == CLIENT_NOT_RUNNING ? EXIT_NOT_RUNNING : EXIT_REFUSED;
        return NULL;
    }
    if (!json_is_true(json_object_get(reply, "ok"))) {
        fprintf(stderr, "nudgectl: %s\n", str_or(reply, "error", "the daemon refused the request"));
        json_decref(reply);
        *rc = EXIT_REFUSED;
        return NULL;
    }
    return reply;
}

/* Reads the password: from the terminal without echo (the prompt on stderr), else one line of
 * stdin. 0, or -1 when none could be read. */
static int read_password(const char *prompt, char *buf, size_t bufsz)
{
    struct termios old, quiet;
    bool tty = isatty(STDIN_FILENO) && tcgetattr(STDIN_FILENO, &old) == 0;
    if (tty) {
        fputs(prompt, stderr);
        fflush(stderr);
        quiet = old;
        quiet.c_lflag &= ~(tcflag_t)ECHO;
        quiet.c_lflag |= ECHONL;
        tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
    }
    bool got = fgets(buf, (int)bufsz, stdin) != NULL;
    if (tty) tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
    if (!got) return -1;
    size_t n = strcspn(buf, "\n");
    bool whole = buf[n] == '\n' || feof(stdin);
    if (n && buf[n - 1] == '\r') n--;
    buf[n] = 0;
    /* A line longer than the buffer: refused below as too long, never cut to a wrong one. */
    if (!whole) memset(buf, 'x', bufsz - 1), buf[bufsz - 1] = 0;
    return 0;
}

static int exec_sync(struct invocation *inv)
{
    bool login = take_flag(inv, "--login");
    int n, rc = parse_args(inv, NULL, NULL, 0, 0, &n);
    if (rc >= 0) return rc;
    inv->reply_rc = sync_rc;
    json_t *req = json_pack("{s:s}", "cmd", "sync");
    if (!login) return run(inv, req, print_sync);
    json_t *status = ask_status(&rc);
    if (!status) return json_decref(req), rc;
    json_t *s = json_object_get(status, "sync");
    const char *url = json_string_value(json_object_get(s, "url"));
    const char *user = json_string_value(json_object_get(s, "user"));
    if (!url) {
        fputs("nudgectl: sync is not configured: add nudge.config{sync = {caldav = URL, user = "
              "NAME}} to the rules (nudge-rules(5))\n",
              stderr);
        json_decref(status);
        json_decref(req);
        return EXIT_REFUSED;
    }
    /* The sync could not even be made (its module is missing): no password can help. */
    const char *state = json_string_value(json_object_get(s, "state"));
    json_t *lerr = json_object_get(s, "last_error");
    if (state && !strcmp(state, "error") && json_is_null(json_object_get(s, "last")) &&
        json_string_value(json_object_get(lerr, "message"))) {
        fprintf(stderr, "nudgectl: sync: %s\n", json_string_value(json_object_get(lerr, "message")));
        json_decref(status);
        json_decref(req);
        return EXIT_REFUSED;
    }
    if (!user) {
        fprintf(stderr,
                "nudgectl: the sync to %s has no user, so no password: add user = NAME to "
                "nudge.config{sync} if the server asks for a login\n",
                url);
        json_decref(status);
        json_decref(req);
        return EXIT_REFUSED;
    }
    char prompt[2048], pw[PROTOCOL_SYNC_LOGIN_MAX + 2];
    snprintf(prompt, sizeof prompt, "CalDAV password for %.300s at %.1200s: ", user, url);
    json_decref(status);
    if (read_password(prompt, pw, sizeof pw) < 0 || !pw[0]) {
        explicit_bzero(pw, sizeof pw);
        json_decref(req);
        return usage_error(inv, "no password given: nothing was sent");
    }
    json_object_set_new(req, "login", json_string(pw));
    explicit_bzero(pw, sizeof pw);
    if (!json_object_get(req, "login")) {
        json_decref(req);
        return usage_error(inv, "the password is not valid UTF-8");
    }
    return run(inv, req, print_sync);
}

static void print_status(struct invocation *inv, json_t *r)
{
    char buf[256], rel[160];
    struct table *t = table_new(2);
    if (!t) return;
    snprintf(buf, sizeof buf, "%lld", (long long)json_integer_value(json_object_get(r, "pid")));
    table_add(t, (const char *[]){"pid", buf});
    double up = json_number_value(json_object_get(r, "uptime"));
    if (up >= 1) {
        span_format((usec_t)up * USEC_PER_SEC, buf, sizeof buf);
    } else {
        snprintf(buf, sizeof buf, "0s");
    }
    table_add(t, (const char *[]){"uptime", buf});
    table_add(t, (const char *[]){"backend", str_or(r, "backend", "-")});
    json_t *rules = json_object_get(r, "rules");
    size_t i;
    json_t *v;
    if (!json_array_size(rules)) table_add(t, (const char *[]){"rules", "-"});
    json_array_foreach(rules, i, v)
    {
        table_add(t, (const char *[]){i ? "" : "rules", json_string_value(v)});
    }
    snprintf(buf, sizeof buf, "%lld",
             (long long)json_integer_value(json_object_get(r, "reminders")));
    table_add(t, (const char *[]){"reminders", buf});
    table_add(t, (const char *[]){"state", str_or(r, "state", "-")});
    json_t *lr = json_object_get(r, "last_reload");
    usec_t at;
    char line[2400];
    if (!json_is_object(lr) || !reply_time(json_object_get(lr, "at"), &at)) {
        snprintf(line, sizeof line, "-");
    } else {
        timestamp_format(at, buf, sizeof buf);
        fmt_relative(at, inv->now, rel, sizeof rel);
        if (json_is_false(json_object_get(lr, "ok")))
            snprintf(line, sizeof line, "%s (%s): failed: %.1000s", buf, rel,
                     str_or(lr, "error", "unknown error"));
        else
            snprintf(line, sizeof line, "%s (%s): ok", buf, rel);
    }
    table_add(t, (const char *[]){"last reload", line});
    json_t *p = json_object_get(r, "pause");
    if (json_is_object(p)) {
        pause_line(inv, p, line, sizeof line);
        table_add(t, (const char *[]){"paused", line});
    }
    json_t *sy = json_object_get(r, "sync");
    if (json_is_object(sy)) {
        sync_line(inv, sy, line, sizeof line);
        table_add(t, (const char *[]){"sync", line});
    }
    table_print_free(t, stdout);
}

/* A command without arguments: {"cmd": cmd}, printed by print. */
static int run_plain(struct invocation *inv, const char *cmd, reply_printer print)
{
    int n, rc = parse_args(inv, NULL, NULL, 0, 0, &n);
    if (rc >= 0) return rc;
    return run(inv, json_pack("{s:s}", "cmd", cmd), print);
}

static int exec_status(struct invocation *inv)
{
    return run_plain(inv, "status", print_status);
}

static void print_list(struct invocation *inv, json_t *r)
{
    json_t *a = json_object_get(r, "reminders");
    if (!json_array_size(a)) {
        puts("no reminders");
        return;
    }
    struct table *t = table_new(6);
    if (!t) return;
    table_add(t, (const char *[]){"ID", "KIND", "TRIGGER", "WHEN", "NEXT", ""});
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        char abs[128], rel[160];
        usec_t next;
        bool has = reply_time(json_object_get(v, "next"), &next);
        if (has) timestamp_format(next, abs, sizeof abs);
        table_add(t, (const char *[]){str_or(v, "id", "?"), str_or(v, "kind", "-"),
                                      str_or(v, "trigger", "-"), str_or(v, "expr", "-"),
                                      has ? abs : "-",
                                      has ? fmt_relative(next, inv->now, rel, sizeof rel) : ""});
    }
    table_print_free(t, stdout);
    /* The daemon sends the first 1000; "total" says how many there are. */
    json_int_t total = json_integer_value(json_object_get(r, "total"));
    if (json_is_true(json_object_get(r, "truncated")) && total > (json_int_t)json_array_size(a))
        printf("... and %lld more (%lld reminders in all)\n",
               (long long)(total - (json_int_t)json_array_size(a)), (long long)total);
}

static int exec_list(struct invocation *inv)
{
    return run_plain(inv, "list", print_list);
}

static void print_preview(struct invocation *inv, json_t *r)
{
    json_t *a = json_object_get(r, "notifications");
    if (!json_array_size(a)) {
        puts("nothing to show in that time");
        return;
    }
    struct table *t = table_new(3);
    if (!t) return;
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        char when[128], what[2048];
        usec_t at;
        const char *at_s = str_or(v, "at", "-");
        if (parse_iso(at_s, &at))
            timestamp_format(at, when, sizeof when);
        else
            snprintf(when, sizeof when, "%s", at_s);
        const char *title = str_or(v, "title", str_or(v, "kind", ""));
        const char *body = str_or(v, "body", NULL);
        if (body)
            snprintf(what, sizeof what, "%s: %s", title, body);
        else
            snprintf(what, sizeof what, "%s", title);
        table_add(t, (const char *[]){when, str_or(v, "id", "-"), what});
    }
    table_print_free(t, stdout);
}

static int exec_preview(struct invocation *inv)
{
    const char *days = NULL;
    struct opt opts[] = {{"--days", NULL, &days}, {0}};
    int n, rc = parse_args(inv, opts, NULL, 0, 0, &n);
    if (rc >= 0) return rc;
    json_t *req = json_pack("{s:s}", "cmd", "preview");
    if (days && !set_arg(inv, req, "days", days, &rc)) return json_decref(req), rc;
    return run(inv, req, print_preview);
}

/* Commands taking one reminder id: fire, done, skip. */
static int exec_reminder_id(struct invocation *inv, const char *cmd, reply_printer print)
{
    const char *pos[1];
    int n, rc = parse_args(inv, NULL, pos, 1, 1, &n);
    if (rc >= 0) return rc;
    json_t *req = json_pack("{s:s}", "cmd", cmd);
    if (!set_arg(inv, req, "id", pos[0], &rc)) return json_decref(req), rc;
    inv->subject = pos[0];
    return run(inv, req, print);
}

static void print_fire(struct invocation *inv, json_t *r)
{
    json_int_t shown = json_integer_value(json_object_get(r, "shown"));
    if (shown > 0)
        printf("fired %s\n", inv->subject);
    else
        printf("ran %s: its callback showed nothing\n", inv->subject);
}

static int exec_fire(struct invocation *inv)
{
    return exec_reminder_id(inv, "fire", print_fire);
}

/* The fire an answer went to: "evening (Evening check-in), fired Mon 2026-11-23 20:30:00 CET". */
static void describe_fire(json_t *f, char *buf, size_t bufsz)
{
    char when[128];
    const char *title = str_or(f, "title", NULL);
    snprintf(buf, bufsz, "%s%s%s%s, fired %s", str_or(f, "reminder", "?"), title ? " (" : "",
             title ? title : "", title ? ")" : "",
             fmt_time(json_object_get(f, "fired"), when, sizeof when));
}

static void print_answer(struct invocation *inv, json_t *r, const char *verb)
{
    char what[1200];
    describe_fire(json_object_get(r, "fire"), what, sizeof what);
    printf("%s: %s\n", verb, what);
}

static void print_done(struct invocation *inv, json_t *r)
{
    print_answer(inv, r, "done");
}

static void print_skip(struct invocation *inv, json_t *r)
{
    print_answer(inv, r, "skipped");
}

static int exec_done(struct invocation *inv)
{
    return exec_reminder_id(inv, "done", print_done);
}

static int exec_skip(struct invocation *inv)
{
    return exec_reminder_id(inv, "skip", print_skip);
}

static void print_snooze(struct invocation *inv, json_t *r)
{
    char what[1200], when[128], rel[160];
    describe_fire(json_object_get(r, "fire"), what, sizeof what);
    usec_t due;
    if (reply_time(json_object_get(r, "due"), &due)) {
        timestamp_format(due, when, sizeof when);
        printf("snoozed: %s\nagain at %s (%s)\n", what, when,
               fmt_relative(due, inv->now, rel, sizeof rel));
    } else {
        printf("snoozed: %s\n", what);
    }
}

static int exec_snooze(struct invocation *inv)
{
    const char *pos[2];
    int n, rc = parse_args(inv, NULL, pos, 1, 2, &n);
    if (rc >= 0) return rc;
    json_t *req = json_pack("{s:s}", "cmd", "snooze");
    if (!set_arg(inv, req, "id", pos[0], &rc)) return json_decref(req), rc;
    if (n == 2 && !set_arg(inv, req, "span", pos[1], &rc)) return json_decref(req), rc;
    return run(inv, req, print_snooze);
}

static void print_checkin(struct invocation *inv, json_t *r)
{
    char when[128];
    const char *reminder = str_or(r, "reminder", NULL);
    printf("check-in %lld logged at %s", (long long)json_integer_value(json_object_get(r, "id")),
           fmt_time(json_object_get(r, "at"), when, sizeof when));
    printf(reminder ? " for '%s'\n" : "\n", reminder);
    if (json_object_get(r, "settled")) printf("its open prompt is answered: done\n");
    if (json_object_get(r, "silenced"))
        printf("its next prompt (%s) is silenced\n",
               fmt_time(json_object_get(r, "silenced"), when, sizeof when));
    json_int_t cancelled = json_integer_value(json_object_get(r, "cancelled"));
    if (cancelled > 0) printf("its snooze is cancelled\n");
}

static int exec_checkin(struct invocation *inv)
{
    const char *mood = NULL, *note = NULL;
    struct opt opts[] = {{"--mood", NULL, &mood}, {"--note", NULL, &note}, {0}};
    const char *pos[1];
    int n, rc = parse_args(inv, opts, pos, 0, 1, &n);
    if (rc >= 0) return rc;
    json_t *req = json_pack("{s:s}", "cmd", "checkin");
    if (n == 1 && !set_arg(inv, req, "id", pos[0], &rc)) return json_decref(req), rc;
    if ((mood && !set_arg(inv, req, "mood", mood, &rc)) ||
        (note && !set_arg(inv, req, "note", note, &rc)))
        return json_decref(req), rc;
    return run(inv, req, print_checkin);
}

/* "4 good", or "-" when no mood was given. */
static const char *mood_str(json_t *v, char *buf, size_t bufsz)
{
    json_int_t m = json_is_integer(v) ? json_integer_value(v) : 0;
    const char *word = report_mood_word((int)m);
    if (!word) return "-";
    snprintf(buf, bufsz, "%d %s", (int)m, word);
    return buf;
}

static void print_journal(struct invocation *inv, json_t *r)
{
    (void)inv;
    json_t *a = json_object_get(r, "entries");
    json_int_t days = json_integer_value(json_object_get(r, "days"));
    if (!json_array_size(a)) {
        printf("Nothing in the journal from the last %lld day%s yet. After a talk, note how it "
               "went: nudgectl checkin --mood 4 --note \"what stayed with you\" (both are "
               "optional).\n",
               (long long)days, days == 1 ? "" : "s");
        return;
    }
    printf("Journal, last %lld day%s (mood: 1 hard, 2 low, 3 okay, 4 good, 5 great)\n",
           (long long)days, days == 1 ? "" : "s");
    struct table *t = table_new(4);
    if (!t) return;
    table_add(t, (const char *[]){"WHEN", "ID", "MOOD", "NOTE"});
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        char when[128], id[32], mood[32];
        snprintf(id, sizeof id, "%lld", (long long)json_integer_value(json_object_get(v, "id")));
        table_add(t, (const char *[]){fmt_time(json_object_get(v, "at"), when, sizeof when), id,
                                      mood_str(json_object_get(v, "mood"), mood, sizeof mood),
                                      str_or(v, "note", "-")});
    }
    table_print_free(t, stdout);
}

static int exec_journal(struct invocation *inv)
{
    const char *days = NULL;
    struct opt opts[] = {{"--days", NULL, &days}, {0}};
    int n, rc = parse_args(inv, opts, NULL, 0, 0, &n);
    if (rc >= 0) return rc;
    json_t *req = json_pack("{s:s}", "cmd", "journal");
    if (days && !set_arg(inv, req, "days", days, &rc)) return json_decref(req), rc;
    return run(inv, req, print_journal);
}

static void print_promise_add(struct invocation *inv, json_t *r)
{
    char when[128], rel[160];
    usec_t due;
    bool has = reply_time(json_object_get(r, "due"), &due);
    if (has) timestamp_format(due, when, sizeof when);
    printf("promise %lld added, due %s%s%s%s\n",
           (long long)json_integer_value(json_object_get(r, "id")), has ? when : "-",
           has ? " (" : "", has ? fmt_relative(due, inv->now, rel, sizeof rel) : "",
           has ? ")" : "");
}

static int exec_promise_add(struct invocation *inv)
{
    const char *due = NULL, *pos[1];
    struct opt opts[] = {{"--due", NULL, &due}, {0}};
    int n, rc = parse_args(inv, opts, pos, 1, 1, &n);
    if (rc >= 0) return rc;
    json_t *req = json_pack("{s:s}", "cmd", "promise_add");
    if (!set_arg(inv, req, "text", pos[0], &rc) || (due && !set_arg(inv, req, "due", due, &rc)))
        return json_decref(req), rc;
    return run(inv, req, print_promise_add);
}

static void print_promise_list(struct invocation *inv, json_t *r)
{
    json_t *a = json_object_get(r, "promises");
    if (!json_array_size(a)) {
        puts("no promises");
        return;
    }
    struct table *t = table_new(7);
    if (!t) return;
    table_add(t, (const char *[]){"ID", "STATE", "DUE", "", "SETTLED", "SOURCE", "TEXT"});
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        char id[32], when[128], rel[160], settled[128] = "";
        usec_t due, at;
        bool has = reply_time(json_object_get(v, "due"), &due);
        /* When it was kept or broken (here or on a synced phone). */
        if (reply_time(json_object_get(v, "answered"), &at)) timestamp_format(at, settled, sizeof settled);
        json_t *idv = json_object_get(v, "id");
        if (json_is_integer(idv))
            snprintf(id, sizeof id, "%lld", (long long)json_integer_value(idv));
        else
            snprintf(id, sizeof id, "%.31s", str_or(v, "id", "?"));
        if (has) timestamp_format(due, when, sizeof when);
        table_add(t, (const char *[]){id, str_or(v, "state", "-"), has ? when : "-",
                                      has ? fmt_relative(due, inv->now, rel, sizeof rel) : "",
                                      settled, str_or(v, "source", "-"), str_or(v, "text", "")});
    }
    table_print_free(t, stdout);
}

static int exec_promise_list(struct invocation *inv)
{
    return run_plain(inv, "promise_list", print_promise_list);
}

/* promise kept|broken|reopen|delete ID. */
static int exec_promise_answer(struct invocation *inv, const char *cmd, reply_printer print)
{
    const char *pos[1];
    int n, rc = parse_args(inv, NULL, pos, 1, 1, &n);
    if (rc >= 0) return rc;
    json_t *req = json_pack("{s:s}", "cmd", cmd);
    if (!set_arg(inv, req, "id", pos[0], &rc)) return json_decref(req), rc;
    inv->subject = pos[0];
    return run(inv, req, print);
}

static void print_promise_kept(struct invocation *inv, json_t *r)
{
    printf("promise %s kept\n", inv->subject);
}

static void print_promise_broken(struct invocation *inv, json_t *r)
{
    printf("promise %s broken\n", inv->subject);
}

static int exec_promise_kept(struct invocation *inv)
{
    return exec_promise_answer(inv, "promise_kept", print_promise_kept);
}

static int exec_promise_broken(struct invocation *inv)
{
    return exec_promise_answer(inv, "promise_broken", print_promise_broken);
}

static void print_promise_reopen(struct invocation *inv, json_t *r)
{
    (void)r;
    printf("promise %s is open again\n", inv->subject);
}

static void print_promise_delete(struct invocation *inv, json_t *r)
{
    (void)r;
    printf("promise %s deleted\n", inv->subject);
}

static int exec_promise_reopen(struct invocation *inv)
{
    return exec_promise_answer(inv, "promise_reopen", print_promise_reopen);
}

static int exec_promise_delete(struct invocation *inv)
{
    return exec_promise_answer(inv, "promise_delete", print_promise_delete);
}

static void print_promise_edit(struct invocation *inv, json_t *r)
{
    char when[128], rel[160];
    usec_t due;
    bool has = reply_time(json_object_get(r, "due"), &due);
    if (has) timestamp_format(due, when, sizeof when);
    printf("promise %s: %s, due %s%s%s%s\n", inv->subject, str_or(r, "text", ""),
           has ? when : "-", has ? " (" : "", has ? fmt_relative(due, inv->now, rel, sizeof rel) : "",
           has ? ")" : "");
}

/* promise edit ID [--text TEXT] [--due TIMESTAMP] */
static int exec_promise_edit(struct invocation *inv)
{
    const char *text = NULL, *due = NULL, *pos[1];
    struct opt opts[] = {{"--text", NULL, &text}, {"--due", NULL, &due}, {0}};
    int n, rc = parse_args(inv, opts, pos, 1, 1, &n);
    if (rc >= 0) return rc;
    json_t *req = json_pack("{s:s}", "cmd", "promise_edit");
    if (!set_arg(inv, req, "id", pos[0], &rc) || (text && !set_arg(inv, req, "text", text, &rc)) ||
        (due && !set_arg(inv, req, "due", due, &rc)))
        return json_decref(req), rc;
    inv->subject = pos[0];
    return run(inv, req, print_promise_edit);
}

static void print_history(struct invocation *inv, json_t *r)
{
    json_t *a = json_object_get(r, "entries");
    if (!json_array_size(a)) {
        puts("no history yet");
        return;
    }
    struct table *t = table_new(5);
    if (!t) return;
    table_add(t, (const char *[]){"FIRED", "REMINDER", "KIND", "TITLE", "ANSWER"});
    size_t i;
    json_t *v;
    json_array_foreach(a, i, v)
    {
        char fired[128], answered[128], answer[320];
        fmt_time(json_object_get(v, "fired"), fired, sizeof fired);
        const char *ans = str_or(v, "answer", NULL);
        usec_t at;
        const char *why = str_or(v, "reason", NULL);
        if (ans && reply_time(json_object_get(v, "answered"), &at)) {
            timestamp_format(at, answered, sizeof answered);
            snprintf(answer, sizeof answer, "%.100s%s%.20s%s at %s", ans, why ? " (" : "",
                     why ? why : "", why ? ")" : "", answered);
        } else {
            snprintf(answer, sizeof answer, "%.100s", ans ? ans : "-");
        }
        usec_t f;
        table_add(t, (const char *[]){reply_time(json_object_get(v, "fired"), &f) ? fired : "-",
                                      str_or(v, "reminder", "-"), str_or(v, "kind", "-"),
                                      str_or(v, "title", "-"), answer});
    }
    table_print_free(t, stdout);
}

static int exec_history(struct invocation *inv)
{
    const char *limit = NULL, *since = NULL;
    struct opt opts[] = {{"--limit", "-n", &limit}, {"--since", NULL, &since}, {0}};
    int n, rc = parse_args(inv, opts, NULL, 0, 0, &n);
    if (rc >= 0) return rc;
    json_t *req = json_pack("{s:s}", "cmd", "history");
    if ((limit && !set_arg(inv, req, "limit", limit, &rc)) ||
        (since && !set_arg(inv, req, "since", since, &rc)))
        return json_decref(req), rc;
    return run(inv, req, print_history);
}

/* One listener that failed or did not run, on stderr: its error, where it was registered. */
static void print_listener_problem(json_t *v)
{
    const char *where = str_or(v, "where", "?");
    if (!strcmp(str_or(v, "outcome", ""), "disabled")) {
        fprintf(stderr, "nudgectl: the listener at %s did not run: it failed 3 times in a row and "
                        "is off until the rules are reloaded\n", where);
        return;
    }
    fprintf(stderr, "nudgectl: %s (listener at %s)\n", str_or(v, "error", "failed"), where);
    if (json_is_true(json_object_get(v, "disabled")))
        fprintf(stderr, "nudgectl: the listener at %s failed 3 times in a row and is off until "
                        "the rules are reloaded\n", where);
}

/* What ran on stdout; each listener that failed or is disabled on stderr, with its error. */
static void print_emit(struct invocation *inv, json_t *r)
{
    json_int_t n = json_integer_value(json_object_get(r, "listeners"));
    json_int_t failed = json_integer_value(json_object_get(r, "failed"));
    json_int_t said = 0, off = 0;
    json_t *outcomes = json_object_get(r, "outcomes"), *v;
    size_t i;
    json_array_foreach(outcomes, i, v)
    {
        const char *o = str_or(v, "outcome", "ok");
        said += strcmp(o, "ok") != 0;
        off += strcmp(o, "disabled") == 0;
    }
    printf("emitted %s: %lld listener%s ran", inv->subject, (long long)n, n == 1 ? "" : "s");
    if (failed - off > 0) printf(", %lld failed", (long long)(failed - off));
    if (off) printf(", %lld disabled", (long long)off);
    putchar('\n');
    json_array_foreach(outcomes, i, v)
    {
        if (strcmp(str_or(v, "outcome", "ok"), "ok")) print_listener_problem(v);
    }
    if (failed > said) fprintf(stderr, "nudgectl: and %lld more failed\n", (long long)(failed - said));
}

/* A listener that failed (or did not run, disabled) makes emit fail: exit 1. */
static int emit_rc(json_t *r)
{
    return json_integer_value(json_object_get(r, "failed")) > 0 ? EXIT_REFUSED : EXIT_OK;
}

/* The KEY=VALUE words as emit's "data"; how many and how long is the table's to say. */
static int emit_data(struct invocation *inv, json_t *data, const char **words, int n)
{
    for (int i = 0; i < n; i++) {
        const char *eq = strchr(words[i], '=');
        if (!eq || eq == words[i]) return usage_error(inv, "\"%s\" is not KEY=VALUE", words[i]);
        char *key = strndup(words[i], (size_t)(eq - words[i]));
        if (!key) return usage_error(inv, "out of memory");
        int rc = -1;
        if (json_object_get(data, key))
            rc = usage_error(inv, "key \"%s\" given twice", key);
        /* jansson refuses invalid UTF-8 in keys and values alike. */
        else if (json_object_set_new(data, key, json_string(eq + 1)) < 0)
            rc = usage_error(inv, "\"%s\" is not valid UTF-8", words[i]);
        free(key);
        if (rc >= 0) return rc;
    }
    return -1;
}

static int exec_emit(struct invocation *inv)
{
    const char **pos = calloc((size_t)inv->argc + 1, sizeof *pos);
    if (!pos) return usage_error(inv, "out of memory");
    int n, rc = parse_args(inv, NULL, pos, 1, inv->argc, &n);
    json_t *req = rc >= 0 ? NULL : json_pack("{s:s, s:{}}", "cmd", "emit", "data");
    if (req && set_arg(inv, req, "name", pos[0], &rc)) {
        inv->subject = pos[0];
        rc = emit_data(inv, json_object_get(req, "data"), pos + 1, n - 1);
    }
    free(pos);
    if (rc >= 0) return json_decref(req), rc;
    inv->reply_rc = emit_rc;
    return run(inv, req, print_emit);
}

static void print_reload(struct invocation *inv, json_t *r)
{
    json_int_t n = json_integer_value(json_object_get(r, "reminders"));
    printf("reloaded: %lld reminder%s\n", (long long)n, n == 1 ? "" : "s");
}

static int exec_reload(struct invocation *inv)
{
    return run_plain(inv, "reload", print_reload);
}

/* report: the text summary, and the SVG and HTML files when asked for. */
static void print_report(struct invocation *inv, json_t *r)
{
    char err[512];
    struct report *rep = report_parse(r, err, sizeof err);
    if (!rep) {
        fprintf(stderr, "nudgectl: %s\n", err);
        inv->print_rc = EXIT_REFUSED;
        return;
    }
    report_print_text(rep, stdout);
    if ((inv->svg && report_save(rep, inv->svg, report_write_svg, err, sizeof err) < 0) ||
        (inv->html && report_save(rep, inv->html, report_write_html, err, sizeof err) < 0)) {
        fprintf(stderr, "nudgectl: %s\n", err);
        inv->print_rc = EXIT_REFUSED;
    }
    report_free(rep);
}

static int exec_report(struct invocation *inv)
{
    const char *days = NULL;
    struct opt opts[] = {
        {"--days", NULL, &days}, {"--svg", NULL, &inv->svg}, {"--html", NULL, &inv->html}, {0}};
    int n, rc = parse_args(inv, opts, NULL, 0, 0, &n);
    if (rc >= 0) return rc;
    if ((inv->svg && !*inv->svg) || (inv->html && !*inv->html))
        return usage_error(inv, "--svg and --html need a file name");
    json_t *req = json_pack("{s:s}", "cmd", "report");
    if (days && !set_arg(inv, req, "days", days, &rc)) return json_decref(req), rc;
    return run(inv, req, print_report);
}

static void print_export(struct invocation *inv, json_t *r)
{
    if (ics_write(stdout, json_object_get(r, "fires"), (time_t)(inv->now / USEC_PER_SEC)) < 0) {
        fprintf(stderr, "nudgectl: out of memory while writing the calendar\n");
        inv->print_rc = EXIT_REFUSED;
    }
}

static int exec_export(struct invocation *inv)
{
    const char *days = NULL;
    bool ics = false;
    /* --ics is the one option without a value: taken out before the common parser. */
    int kept = 0;
    for (int i = 0; i < inv->argc; i++) {
        if (!strcmp(inv->argv[i], "--")) {
            while (i < inv->argc)
                inv->argv[kept++] = inv->argv[i++];
            break;
        }
        if (!strcmp(inv->argv[i], "--ics"))
            ics = true;
        else
            inv->argv[kept++] = inv->argv[i];
    }
    inv->argc = kept;
    struct opt opts[] = {{"--days", NULL, &days}, {0}};
    int n, rc = parse_args(inv, opts, NULL, 0, 0, &n);
    if (rc >= 0) return rc;
    /* One format today; the flag keeps room for others without changing what --ics means. */
    if (!ics) return usage_error(inv, "export needs a format: --ics");
    json_t *req = json_pack("{s:s}", "cmd", "export");
    if (days && !set_arg(inv, req, "days", days, &rc)) return json_decref(req), rc;
    return run(inv, req, print_export);
}

/* In the protocol table's order, so --help lists the commands as the README does. */
static const struct command commands[] = {
    {&protocol_commands[PROTOCOL_STATUS], exec_status},
    {&protocol_commands[PROTOCOL_LIST], exec_list},
    {&protocol_commands[PROTOCOL_PREVIEW], exec_preview},
    {&protocol_commands[PROTOCOL_FIRE], exec_fire},
    {&protocol_commands[PROTOCOL_RELOAD], exec_reload},
    {&protocol_commands[PROTOCOL_DONE], exec_done},
    {&protocol_commands[PROTOCOL_SKIP], exec_skip},
    {&protocol_commands[PROTOCOL_SNOOZE], exec_snooze},
    {&protocol_commands[PROTOCOL_CHECKIN], exec_checkin},
    {&protocol_commands[PROTOCOL_JOURNAL], exec_journal},
    {&protocol_commands[PROTOCOL_PROMISE_ADD], exec_promise_add},
    {&protocol_commands[PROTOCOL_PROMISE_LIST], exec_promise_list},
    {&protocol_commands[PROTOCOL_PROMISE_KEPT], exec_promise_kept},
    {&protocol_commands[PROTOCOL_PROMISE_BROKEN], exec_promise_broken},
    {&protocol_commands[PROTOCOL_PROMISE_REOPEN], exec_promise_reopen},
    {&protocol_commands[PROTOCOL_PROMISE_EDIT], exec_promise_edit},
    {&protocol_commands[PROTOCOL_PROMISE_DELETE], exec_promise_delete},
    {&protocol_commands[PROTOCOL_HISTORY], exec_history},
    {&protocol_commands[PROTOCOL_EMIT], exec_emit},
    {&protocol_commands[PROTOCOL_REPORT], exec_report},
    {&protocol_commands[PROTOCOL_EXPORT], exec_export},
    {&protocol_commands[PROTOCOL_PAUSE], exec_pause},
    {&protocol_commands[PROTOCOL_RESUME], exec_resume},
    {&protocol_commands[PROTOCOL_SYNC], exec_sync},
    {NULL, NULL},
};
_Static_assert(sizeof commands / sizeof commands[0] == PROTOCOL_COMMANDS + 1,
               "nudgectl has a command for each of the protocol's");

static void usage(FILE *f)
{
    fputs("usage: nudgectl [--json] COMMAND [ARGS...]\n", f);
    for (const struct command *c = commands; c->proto; c++)
        fprintf(f, "       nudgectl %s\n", c->proto->usage);
    fputs("       nudgectl --version | --help\n"
          "\n"
          "Talks to the running nudged over $XDG_RUNTIME_DIR/nudge/control.sock.\n"
          "  --json   print the daemon's reply object as is, one line\n"
          "Exit codes: 0 ok, 1 the daemon answered with an error, 2 usage error,\n"
          "3 the daemon is not running.\n",
          f);
}

/* The entry for argv[0] (and argv[1] for two-word commands); *words says how many it took. */
static const struct command *find_command(int argc, char **argv, int *words)
{
    for (const struct command *c = commands; c->proto; c++) {
        const char *name = c->proto->cli, *sp = strchr(name, ' ');
        if (!sp) {
            if (!strcmp(argv[0], name)) return *words = 1, c;
        } else if ((size_t)(sp - name) == strlen(argv[0]) &&
                   !strncmp(argv[0], name, (size_t)(sp - name)) && argc > 1 &&
                   !strcmp(argv[1], sp + 1)) {
            return *words = 2, c;
        }
    }
    return NULL;
}

int main(int argc, char **argv)
{
    struct invocation inv = {0};
    int i = 1;
    for (; i < argc && argv[i][0] == '-'; i++) {
        if (!strcmp(argv[i], "--json")) {
            inv.json = true;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--version")) {
            printf("nudgectl %s\n", NUDGE_VERSION);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--")) {
            i++;
            break;
        } else {
            return usage_error(NULL, "unknown option \"%s\"", argv[i]);
        }
    }
    if (i >= argc) return usage_error(NULL, "a command is needed");
    int words = 0;
    inv.cmd = find_command(argc - i, argv + i, &words);
    if (!inv.cmd) {
        if (!strcmp(argv[i], "promise"))
            return usage_error(NULL, "promise needs add, list, kept, broken, reopen, edit or delete");
        return usage_error(NULL, "unknown command \"%s\"", argv[i]);
    }
    inv.argc = argc - i - words;
    inv.argv = argv + i + words;
    return inv.cmd->exec(&inv);
}
