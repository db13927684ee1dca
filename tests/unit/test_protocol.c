/* Unit tests for src/protocol/protocol.c: the table is whole, every limit it states is the one
 * both sides hold, and replies have its shape.
 *
 * With NUDGED and NUDGECTL set (ctest sets them), the limits are also tried on the real
 * programs: for every integer and string limit in the table, nudgectl refuses one past it with
 * the table's words (exit 2, before connecting), a live nudged refuses the same value sent as raw
 * JSON on its socket with the same words, and both take the limit itself; and the reply of every
 * command from the live daemon has the table's shape. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "protocol/protocol.h"

extern char **environ;

#define NOW ((usec_t)1795462200 * USEC_PER_SEC)

/* ---- the table itself ---- */

static void test_table_whole(void **state)
{
    (void)state;
    for (int i = 0; i < PROTOCOL_COMMANDS; i++) {
        const struct protocol_command *c = &protocol_commands[i];
        assert_non_null(c->name);
        assert_int_equal(c->id, i);
        assert_ptr_equal(protocol_find(c->name), c);
        assert_non_null(c->cli);
        /* The usage line starts with the words nudgectl takes. */
        assert_int_equal(strncmp(c->usage, c->cli, strlen(c->cli)), 0);
        for (int j = 0; j < i; j++) {
            assert_string_not_equal(protocol_commands[j].name, c->name);
            assert_string_not_equal(protocol_commands[j].cli, c->cli);
        }
        for (const struct protocol_arg *a = c->args; a->name; a++) {
            assert_non_null(a->cli);
            assert_ptr_equal(protocol_arg_find(c, a->name), a);
            if (a->type == PROTOCOL_INTEGER || a->type == PROTOCOL_SPAN)
                assert_true(a->min <= a->max);
            if (a->has_default) assert_true(a->dflt >= a->min && a->dflt <= a->max);
            /* The usage line mentions each argument as nudgectl names it. */
            if (a->type != PROTOCOL_STRINGS) assert_non_null(strstr(c->usage, a->cli));
        }
    }
    assert_null(protocol_find("nope"));
    assert_null(protocol_find(NULL));
}

/* ---- requests ---- */

static int check_req(const char *cmd, const char *json, unsigned flags, char *err, size_t errsz)
{
    json_error_t je;
    json_t *req = json_loads(json, 0, &je);
    if (!req) fail_msg("bad test JSON %s: %s", json, je.text);
    err[0] = 0;
    int r = protocol_request_check(protocol_find(cmd), req, flags, NOW, err, errsz);
    json_decref(req);
    return r;
}

static void expect_refused(const char *cmd, const char *json, unsigned flags, const char *msg)
{
    char err[512];
    if (check_req(cmd, json, flags, err, sizeof err) >= 0)
        fail_msg("%s %s was accepted", cmd, json);
    if (strcmp(err, msg)) fail_msg("%s %s: \"%s\", want \"%s\"", cmd, json, err, msg);
}

static void expect_accepted(const char *cmd, const char *json, unsigned flags)
{
    char err[512];
    if (check_req(cmd, json, flags, err, sizeof err) < 0)
        fail_msg("%s %s was refused: %s", cmd, json, err);
}

static void test_requests(void **state)
{
    (void)state;
    static const struct {
        const char *cmd, *json, *msg; /* msg NULL: accepted */
    } rows[] = {
        {"history", "{\"limit\":100000}", NULL},
        {"history", "{\"limit\":100001}",
         "\"limit\" must be a whole number from 1 to 100000, not 100001"},
        {"history", "{\"limit\":0}", "\"limit\" must be a whole number from 1 to 100000, not 0"},
        {"history", "{\"limit\":1.5}", "\"limit\" must be a whole number from 1 to 100000"},
        {"history", "{\"limit\":\"5\"}", "\"limit\" must be a whole number from 1 to 100000"},
        {"history", "{\"limit\":null,\"since\":null}", NULL},
        {"history", "{\"since\":\"-1d\"}", NULL},
        {"history", "{\"since\":1790000000}", NULL},
        {"history", "{\"since\":1e300}", "\"since\" is out of range"},
        {"history", "{\"since\":true}", "\"since\" must be a timestamp"},
        {"history", "{\"since\":\"\"}", "\"since\" must be a timestamp"},
        {"preview", "{\"days\":366}", NULL},
        {"preview", "{\"days\":367}", "\"days\" must be a whole number from 1 to 366, not 367"},
        {"preview", "{\"days\":true}", "\"days\" must be a whole number from 1 to 366"},
        {"report", "{\"days\":3660}", NULL},
        {"report", "{\"days\":3661}", "\"days\" must be a whole number from 1 to 3660, not 3661"},
        {"export", "{\"days\":0}", "\"days\" must be a whole number from 1 to 366, not 0"},
        {"checkin", "{}", NULL},
        {"journal", "{}", NULL},
        {"journal", "{\"days\":3660}", NULL},
        {"journal", "{\"days\":0}", "\"days\" must be a whole number from 1 to 3660, not 0"},
        {"journal", "{\"days\":\"7\"}", "\"days\" must be a whole number from 1 to 3660"},
        {"sync", "{}", NULL},
        {"sync", "{\"login\":\"a quiet evening\"}", NULL},
        {"sync", "{\"login\":\"\"}", "\"login\" must be a non-empty string of at most 1024 bytes"},
        {"sync", "{\"login\":5}", "\"login\" must be a non-empty string of at most 1024 bytes"},
        {"checkin", "{\"mood\":5,\"note\":\"\"}", NULL},
        {"checkin", "{\"mood\":6}", "\"mood\" must be a whole number from 1 to 5, not 6"},
        {"checkin", "{\"note\":5}", "\"note\" must be a string"},
        {"fire", "{}", "\"id\" is required (a non-empty string)"},
        {"fire", "{\"id\":null}", "\"id\" is required (a non-empty string)"},
        {"fire", "{\"id\":\"\"}", "\"id\" must be a non-empty string"},
        {"fire", "{\"id\":[\"tick\"]}", "\"id\" must be a non-empty string"},
        {"fire", "{\"id\":\"tick\",\"extra\":1}", NULL},
        {"promise_kept", "{\"id\":9223372036854775807}", NULL},
        {"promise_kept", "{\"id\":0}", "\"id\" must be a whole number from 1 up, not 0"},
        {"promise_broken", "{\"id\":\"3\"}", "\"id\" must be a whole number from 1 up"},
        {"promise_add", "{\"text\":\"t\"}",
         "\"due\" is required (a timestamp or a calendar event)"},
        {"promise_add", "{\"text\":\"t\",\"due\":\"tomorrow\"}", NULL},
        /* a due may be a calendar event: its next elapse */
        {"promise_add", "{\"text\":\"t\",\"due\":\"Sat 11:00\"}", NULL},
        {"promise_edit", "{\"id\":1,\"due\":\"Mon..Fri 09:00\"}", NULL},
        {"promise_add", "{\"text\":\"t\",\"due\":\"not a time\"}",
         "\"not a time\" is neither a time (cannot read \"not a time\" as a date or time) nor a "
         "calendar event (unknown weekday \"not\"); a time looks like \"2026-12-24 18:00\" or "
         "\"+2h\", a calendar event like \"Sat 11:00\""},
        /* a start is not: the next Saturday has not been yet */
        {"history", "{\"since\":\"-7d\"}", NULL},
        {"history", "{\"since\":\"Sat 11:00\"}", "\"Sat 11:00\" is a calendar event, whose next time (Sat 2026-11-28 11:00:00 CET) is "
         "still to come; a start is a moment that has been, like \"2026-11-01\", \"yesterday\" "
         "or \"-7d\""},
        {"snooze", "{\"id\":\"a\",\"span\":\"1s\"}", NULL},
        {"snooze", "{\"id\":\"a\",\"span\":\"100y\"}", NULL},
        {"snooze", "{\"id\":\"a\",\"span\":\"999ms\"}", "\"span\" must be a span from 1s to 100y"},
        {"snooze", "{\"id\":\"a\",\"span\":\"101y\"}", "\"span\" must be a span from 1s to 100y"},
        {"snooze", "{\"id\":\"a\",\"span\":30}", "\"span\" must be a span from 1s to 100y"},
        {"emit", "{\"name\":\"e\",\"data\":{\"k\":\"v\"}}", NULL},
        {"emit", "{\"name\":\"e\",\"data\":{\"k\":1}}",
         "\"data\" must be an object of at most 256 strings, keys of at most 255 bytes"},
        {"emit", "{\"name\":\"e\",\"data\":[1]}",
         "\"data\" must be an object of at most 256 strings, keys of at most 255 bytes"},
        {"status", "{\"anything\":1}", NULL},
        {"pause", "{}", NULL},
        {"pause", "{\"span\":\"2h\",\"all\":true,\"note\":\"away\"}", NULL},
        {"pause", "{\"span\":\"30s\"}", "\"span\" must be a span from 1min to 10y"},
        {"pause", "{\"all\":\"yes\"}", "\"all\" must be true or false"},
        {"pause", "{\"note\":\"\"}", "\"note\" must be a non-empty string of at most 500 bytes"},
        {"pause", "{\"until\":\"tomorrow\"}", NULL},
        {"pause", "{\"until\":\"Fri 18:00\"}", NULL},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (rows[i].msg)
            expect_refused(rows[i].cmd, rows[i].json, PROTOCOL_CHECK_TIME, rows[i].msg);
        else
            expect_accepted(rows[i].cmd, rows[i].json, PROTOCOL_CHECK_TIME);
    }
    /* Without PROTOCOL_CHECK_TIME (nudgectl) the time language is left to the daemon. */
    expect_accepted("promise_add", "{\"text\":\"t\",\"due\":\"not a time\"}", 0);
    expect_accepted("snooze", "{\"id\":\"a\",\"span\":\"101y\"}", 0);
    /* nudgectl's names for the same limits. */
    expect_refused("history", "{\"limit\":100001}", PROTOCOL_CHECK_CLI,
                   "-n must be a whole number from 1 to 100000, not 100001");
    expect_refused("promise_add", "{\"text\":\"t\"}", PROTOCOL_CHECK_CLI,
                   "--due is required (a timestamp or a calendar event)");
}

static void test_request_normalised(void **state)
{
    (void)state;
    char err[256];
    json_t *req = json_pack("{s:s, s:n, s:n}", "cmd", "history", "limit", "since");
    assert_int_equal(protocol_request_check(protocol_find("history"), req, PROTOCOL_CHECK_TIME, NOW,
                                            err, sizeof err),
                     0);
    assert_int_equal(json_integer_value(json_object_get(req, "limit")), 20); /* the default */
    assert_null(json_object_get(req, "since"));                              /* null: absent */
    json_decref(req);
    static const struct {
        const char *cmd;
        long long days;
    } days[] = {{"preview", 7}, {"export", 30}, {"report", PROTOCOL_REPORT_DAYS_DEFAULT},
                   {"journal", PROTOCOL_JOURNAL_DAYS_DEFAULT}};
    for (size_t i = 0; i < sizeof days / sizeof days[0]; i++) {
        req = json_object();
        assert_int_equal(
            protocol_request_check(protocol_find(days[i].cmd), req, 0, NOW, err, sizeof err), 0);
        assert_int_equal(json_integer_value(json_object_get(req, "days")), days[i].days);
        json_decref(req);
    }
}

/* Strings: the emit data's count and key length, at and past the limit. */
static void test_strings_limits(void **state)
{
    (void)state;
    const struct protocol_arg *a = protocol_arg_find(protocol_find("emit"), "data");
    char err[256], what[160], want[256];
    protocol_arg_describe(a, what, sizeof what);
    snprintf(want, sizeof want, "\"data\" must be %s", what);
    for (int over = 0; over <= 1; over++) {
        json_t *data = json_object();
        for (long long i = 0; i < a->max + over; i++) {
            char k[32];
            snprintf(k, sizeof k, "k%lld", i);
            json_object_set_new(data, k, json_string("v"));
        }
        int r = protocol_arg_check(a, data, PROTOCOL_CHECK_TIME, NOW, err, sizeof err);
        assert_int_equal(r, over ? -EINVAL : 0);
        if (over) assert_string_equal(err, want);
        json_decref(data);
        char *key = malloc(a->max_len + 2);
        memset(key, 'k', a->max_len + over);
        key[a->max_len + over] = 0;
        data = json_pack("{s:s}", key, "v");
        r = protocol_arg_check(a, data, PROTOCOL_CHECK_TIME, NOW, err, sizeof err);
        assert_int_equal(r, over ? -EINVAL : 0);
        json_decref(data);
        free(key);
    }
}

static void test_from_cli(void **state)
{
    (void)state;
    char err[256];
    const struct protocol_arg *n = protocol_arg_find(protocol_find("history"), "limit");
    json_t *v = protocol_arg_from_cli(n, "42", err, sizeof err);
    assert_true(json_is_integer(v));
    assert_int_equal(json_integer_value(v), 42);
    json_decref(v);
    static const char *bad[] = {"", "x", "4x", "1.5", "99999999999999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[256];
        assert_null(protocol_arg_from_cli(n, bad[i], err, sizeof err));
        snprintf(want, sizeof want, "-n must be a whole number from 1 to 100000, not \"%s\"",
                 bad[i]);
        assert_string_equal(err, want);
    }
    const struct protocol_arg *id = protocol_arg_find(protocol_find("fire"), "id");
    v = protocol_arg_from_cli(id, "tick", err, sizeof err);
    assert_string_equal(json_string_value(v), "tick");
    json_decref(v);
    assert_null(protocol_arg_from_cli(id, "\xff", err, sizeof err));
    assert_string_equal(err, "ID is not valid UTF-8");
}

/* ---- replies ---- */

static void test_replies(void **state)
{
    (void)state;
    static const struct {
        const char *cmd, *json, *msg; /* msg NULL: conforms */
    } rows[] = {
        {"history", "{\"entries\":[],\"truncated\":false}", NULL},
        {"history", "{\"entries\":[],\"truncated\":false,\"ok\":true}", NULL},
        {"history", "{\"entries\":[]}", "the reply to history lacks \"truncated\""},
        {"history", "{\"entries\":{},\"truncated\":false}",
         "the reply to history has \"entries\" of the wrong type"},
        {"history", "{\"entries\":[],\"truncated\":false,\"more\":1}",
         "the reply to history has \"more\", which the table does not name"},
        {"snooze", "{\"fire\":{},\"due\":1790000000.5}", NULL},
        {"done", "{\"fire\":{}}", NULL},
        {"fire", "{\"shown\": 1}", NULL},
        {"preview", "{\"notifications\":[],\"truncated\":true,\"until\":\"x\",\"limit\":10000}",
         NULL},
        {"report",
         "{\"now\":1,\"since\":null,\"phase\":null,\"days\":[],\"streak\":0,"
         "\"best_streak\":0,\"promises\":[],\"notes\":[],\"truncated\":false,\"pauses\":[]}",
         NULL},
        {"journal", "{\"entries\":[],\"days\":30,\"truncated\":false}", NULL},
        {"journal", "{\"entries\":[],\"truncated\":false}",
         "the reply to journal lacks \"days\""},
        {"report",
         "{\"now\":\"1\",\"since\":null,\"phase\":null,\"days\":[],\"streak\":0,"
         "\"best_streak\":0,\"promises\":[],\"notes\":[],\"truncated\":false}",
         "the reply to report has \"now\" of the wrong type"},
        {"status", "[]", "the reply to status is not an object"},
        {"pause", "{\"pause\":{},\"cancelled\":0}", NULL},
        {"pause", "{\"pause\":null,\"cancelled\":0}", "the reply to pause has \"pause\" of the wrong type"},
        {"resume", "{\"pause\":null}", NULL},
        {"sync", "{\"sync\":{\"url\":\"https://h/\",\"state\":\"idle\"}}", NULL},
        {"sync", "{\"sync\":null}", "the reply to sync has \"sync\" of the wrong type"},
        {"sync", "{}", "the reply to sync lacks \"sync\""},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        char err[256] = "";
        json_t *r = json_loads(rows[i].json, JSON_DECODE_ANY, NULL);
        assert_non_null(r);
        int rc = protocol_reply_check(protocol_find(rows[i].cmd), r, err, sizeof err);
        json_decref(r);
        if (!rows[i].msg && rc < 0) fail_msg("%s %s: %s", rows[i].cmd, rows[i].json, err);
        if (rows[i].msg) {
            assert_int_equal(rc, -EINVAL);
            assert_string_equal(err, rows[i].msg);
        }
    }
}

/* ---- both programs, live ---- */

struct live {
    char dir[32], sock[100], rules[100];
    char *env[8];
    char envbuf[4][200];
    pid_t daemon;
};

static struct live live;

static bool live_on(void)
{
    return getenv("NUDGED") && getenv("NUDGECTL") && live.daemon > 0;
}

/* Runs argv with the live environment; its exit code, stderr's first line in err. */
static int run_ctl(char *const argv[], char *err, size_t errsz)
{
    char path[200];
    snprintf(path, sizeof path, "%s/ctl.err", live.dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    pid_t pid;
    assert_int_equal(posix_spawn(&pid, argv[0], &fa, NULL, argv, live.env), 0);
    posix_spawn_file_actions_destroy(&fa);
    int st;
    assert_int_equal(waitpid(pid, &st, 0), pid);
    FILE *f = fopen(path, "r");
    err[0] = 0;
    if (f) {
        if (!fgets(err, (int)errsz, f)) err[0] = 0;
        fclose(f);
    }
    err[strcspn(err, "\n")] = 0;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static int connect_sock(void)
{
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un sa = {.sun_family = AF_UNIX};
    snprintf(sa.sun_path, sizeof sa.sun_path, "%s", live.sock);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0) {
        close(fd);
        return -1;
    }
    return fd;
}

/* One request on a new connection; the reply object (a new reference). */
static json_t *ask(json_t *req)
{
    int fd = connect_sock();
    assert_true(fd >= 0);
    char *line = json_dumps(req, JSON_COMPACT);
    size_t n = strlen(line);
    line = realloc(line, n + 2);
    line[n] = '\n';
    assert_int_equal(write(fd, line, n + 1), (ssize_t)(n + 1));
    free(line);
    size_t len = 0, cap = 1 << 16;
    char *buf = malloc(cap);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        if (poll(&p, 1, 60000) != 1) fail_msg("no reply in 60 s");
        if (len + 4096 > cap) buf = realloc(buf, cap *= 2);
        ssize_t r = read(fd, buf + len, cap - len);
        if (r <= 0) fail_msg("the daemon closed without a reply");
        len += (size_t)r;
        if (memchr(buf, '\n', len)) break;
    }
    close(fd);
    json_t *reply = json_loadb(buf, len, 0, NULL);
    free(buf);
    assert_non_null(reply);
    return reply;
}

static int live_setup(void **state)
{
    (void)state;
    const char *nudged = getenv("NUDGED");
    if (!nudged || !getenv("NUDGECTL")) return 0;
    snprintf(live.dir, sizeof live.dir, "/tmp/nudge-protocol-XXXXXX");
    if (!mkdtemp(live.dir)) return -1;
    snprintf(live.sock, sizeof live.sock, "%s/run/nudge/control.sock", live.dir);
    snprintf(live.rules, sizeof live.rules, "%s/rules.lua", live.dir);
    FILE *f = fopen(live.rules, "w");
    fputs("nudge.every(\"5min\", function() nudge.notify { title = \"tick\" } end, { id = \"tick\" "
          "})\n"
          "nudge.listen(\"e\", function() end)\n",
          f);
    fclose(f);
    const char *dirs[] = {"XDG_RUNTIME_DIR=%s/run", "XDG_STATE_HOME=%s/state",
                          "XDG_CONFIG_HOME=%s/config"};
    for (int i = 0; i < 3; i++) {
        snprintf(live.envbuf[i], sizeof live.envbuf[i], dirs[i], live.dir);
        char d[200];
        snprintf(d, sizeof d, "%s", strchr(live.envbuf[i], '=') + 1);
        mkdir(d, 0700);
        live.env[i] = live.envbuf[i];
    }
    snprintf(live.envbuf[3], sizeof live.envbuf[3], "TZ=%s", getenv("TZ") ? getenv("TZ") : "UTC");
    live.env[3] = live.envbuf[3];
    live.env[4] = NULL;
    char *argv[] = {(char *)nudged, "--rules", live.rules, "--backend", "stdout", NULL};
    char out[200];
    snprintf(out, sizeof out, "%s/nudged.log", live.dir);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    int r = posix_spawn(&live.daemon, nudged, &fa, NULL, argv, live.env);
    posix_spawn_file_actions_destroy(&fa);
    if (r) return -1;
    /* Ready when the socket answers: retried until then, 30 s at most. */
    struct timespec start, now;
    clock_gettime(CLOCK_MONOTONIC, &start);
    for (;;) {
        int fd = connect_sock();
        if (fd >= 0) {
            close(fd);
            return 0;
        }
        clock_gettime(CLOCK_MONOTONIC, &now);
        if (now.tv_sec - start.tv_sec > 30 || waitpid(live.daemon, NULL, WNOHANG) == live.daemon)
            return -1;
        poll(NULL, 0, 20);
    }
}

static int live_teardown(void **state)
{
    (void)state;
    if (live.daemon > 0) {
        kill(live.daemon, SIGTERM);
        waitpid(live.daemon, NULL, 0);
        char cmd[200];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", live.dir);
        if (system(cmd) != 0) return -1;
    }
    return 0;
}

/* A value the argument takes, as a command-line word. */
static const char *good_word(const struct protocol_arg *a)
{
    switch (a->type) {
    case PROTOCOL_TIMESTAMP:
        return "tomorrow";
    case PROTOCOL_SPAN:
        return "10min";
    case PROTOCOL_INTEGER:
        return "1";
    default:
        return !strcmp(a->name, "id") ? "tick" : "x";
    }
}

/* nudgectl's words for the command with `tested` given as the word(s) `vals`, the other
 * required arguments with good values (words holds the command's name). Returns argc. */
static int ctl_argv(const struct protocol_command *c, const struct protocol_arg *tested,
                    char **vals, int nvals, char **argv, char *words, size_t wordsz)
{
    int n = 0;
    argv[n++] = getenv("NUDGECTL");
    snprintf(words, wordsz, "%s", c->cli);
    char *sp = strchr(words, ' ');
    if (sp) *sp++ = 0;
    argv[n++] = words;
    if (sp) argv[n++] = sp;
    if (c->id == PROTOCOL_EXPORT) argv[n++] = "--ics";
    for (const struct protocol_arg *a = c->args; a->name; a++) {
        if (a != tested && !a->required) continue;
        bool flag = a->cli[0] == '-';
        if (a != tested) {
            if (flag) argv[n++] = (char *)a->cli;
            argv[n++] = (char *)good_word(a);
            continue;
        }
        for (int i = 0; i < nvals; i++) {
            if (flag) argv[n++] = (char *)a->cli;
            argv[n++] = vals[i];
        }
    }
    argv[n] = NULL;
    return n;
}

/* One limit tried on both sides: value (a JSON value) with its command-line words. */
static void try_limit(const struct protocol_command *c, const struct protocol_arg *a, json_t *v,
                      char **words, int nwords, bool over)
{
    char what[160], want_ctl[256], want_daemon[256], err[512];
    protocol_arg_describe(a, what, sizeof what);
    snprintf(want_ctl, sizeof want_ctl, "nudgectl: %s must be %s", a->cli, what);
    snprintf(want_daemon, sizeof want_daemon, "\"%s\" must be %s", a->name, what);
    char *argv[600], name[64];
    ctl_argv(c, a, words, nwords, argv, name, sizeof name);
    int rc = run_ctl(argv, err, sizeof err);
    if (over) {
        if (rc != 2 || strncmp(err, want_ctl, strlen(want_ctl)))
            fail_msg("nudgectl %s %s past the limit: exit %d, \"%s\"; want \"%s...\"", c->cli,
                     a->cli, rc, err, want_ctl);
    } else if (rc == 2) {
        fail_msg("nudgectl %s %s at the limit was refused: %s", c->cli, a->cli, err);
    }
    json_t *req = json_pack("{s:s}", "cmd", c->name);
    for (const struct protocol_arg *o = c->args; o->name; o++)
        if (o != a && o->required)
            json_object_set_new(req, o->name,
                                o->type == PROTOCOL_INTEGER ? json_integer(1)
                                                            : json_string(good_word(o)));
    json_object_set(req, a->name, v);
    json_t *reply = ask(req);
    const char *e = json_string_value(json_object_get(reply, "error"));
    if (over) {
        if (!e || strncmp(e, want_daemon, strlen(want_daemon)))
            fail_msg("nudged %s \"%s\" past the limit: \"%s\"; want \"%s...\"", c->name, a->name,
                     e ? e : "(accepted)", want_daemon);
    } else if (e && strstr(e, "must be")) {
        fail_msg("nudged %s \"%s\" at the limit was refused: %s", c->name, a->name, e);
    }
    json_decref(reply);
    json_decref(req);
}

static void test_live_limits(void **state)
{
    (void)state;
    if (!live_on()) skip();
    int tried = 0;
    for (int i = 0; i < PROTOCOL_COMMANDS; i++) {
        const struct protocol_command *c = &protocol_commands[i];
        for (const struct protocol_arg *a = c->args; a->name; a++) {
            char word[64];
            if (a->type == PROTOCOL_INTEGER) {
                long long lims[] = {a->min, a->max};
                for (int k = 0; k < 2; k++) {
                    for (int over = 0; over <= 1; over++) {
                        long long x = lims[k];
                        if (over && ((k == 0 && x == LLONG_MIN) || (k == 1 && x == LLONG_MAX)))
                            continue; /* no integer past it */
                        if (over) x += k ? 1 : -1;
                        snprintf(word, sizeof word, "%lld", x);
                        char *w[] = {word};
                        json_t *v = json_integer(x);
                        try_limit(c, a, v, w, 1, over);
                        json_decref(v);
                        tried++;
                    }
                }
            } else if (a->type == PROTOCOL_STRING && a->min_len && c->id == PROTOCOL_SYNC) {
                /* The password is never a command-line word (nudgectl sync --login reads it
                 * from the terminal or stdin): test_requests has its limits. */
                continue;
            } else if (a->type == PROTOCOL_STRING && a->min_len) {
                char *w[] = {""};
                json_t *v = json_string("");
                try_limit(c, a, v, w, 1, true);
                json_decref(v);
                tried++;
            } else if (a->type == PROTOCOL_STRINGS) {
                for (int over = 0; over <= 1; over++) {
                    /* As many pairs as the limit (and one more). */
                    int n = (int)a->max + over;
                    char **w = calloc((size_t)n, sizeof *w);
                    json_t *v = json_object();
                    for (int k = 0; k < n; k++) {
                        char kv[32];
                        snprintf(kv, sizeof kv, "k%d=v", k);
                        w[k] = strdup(kv);
                        kv[strcspn(kv, "=")] = 0;
                        json_object_set_new(v, kv, json_string("v"));
                    }
                    try_limit(c, a, v, w, n, over);
                    for (int k = 0; k < n; k++)
                        free(w[k]);
                    free(w);
                    json_decref(v);
                    /* A key as long as the limit (and one byte more). */
                    char *kv = malloc(a->max_len + 4);
                    memset(kv, 'k', a->max_len + over);
                    strcpy(kv + a->max_len + over, "=v");
                    char *w1[] = {kv};
                    kv[a->max_len + over] = 0;
                    v = json_pack("{s:s}", kv, "v");
                    kv[a->max_len + over] = '=';
                    try_limit(c, a, v, w1, 1, over);
                    json_decref(v);
                    free(kv);
                    tried += 2;
                }
            }
        }
    }
    assert_true(tried > 20);
}

/* The reply of every command from the live daemon has the table's shape. */
static void test_live_replies(void **state)
{
    (void)state;
    if (!live_on()) skip();
    /* Fire first, so done, skip and snooze have a notification to answer. */
    const enum protocol_command_id order[] = {
        PROTOCOL_FIRE,         PROTOCOL_STATUS,         PROTOCOL_LIST,        PROTOCOL_RELOAD,
        PROTOCOL_DONE,         PROTOCOL_FIRE,           PROTOCOL_SKIP,        PROTOCOL_FIRE,
        PROTOCOL_SNOOZE,       PROTOCOL_CHECKIN,        PROTOCOL_JOURNAL,
        PROTOCOL_PROMISE_ADD,  PROTOCOL_PROMISE_LIST,
        PROTOCOL_PROMISE_KEPT, PROTOCOL_PROMISE_REOPEN, PROTOCOL_PROMISE_BROKEN,
        PROTOCOL_PROMISE_EDIT, PROTOCOL_PROMISE_DELETE, PROTOCOL_HISTORY,     PROTOCOL_EMIT,
        PROTOCOL_REPORT,       PROTOCOL_PREVIEW,        PROTOCOL_EXPORT,      PROTOCOL_PAUSE,
        PROTOCOL_STATUS,       PROTOCOL_RESUME,         PROTOCOL_SYNC,
    };
    bool seen[PROTOCOL_COMMANDS] = {0};
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        const struct protocol_command *c = &protocol_commands[order[i]];
        json_t *req = json_pack("{s:s}", "cmd", c->name);
        for (const struct protocol_arg *a = c->args; a->name; a++) {
            /* These rules have no check-in reminder to name: the journal entry stands alone. */
            if (order[i] == PROTOCOL_CHECKIN && !strcmp(a->name, "id")) continue;
            /* A pause takes a SPAN or an --until, not both. */
            if (order[i] == PROTOCOL_PAUSE && !strcmp(a->name, "until")) continue;
            /* A login would store a password in the tester's keyring. */
            if (order[i] == PROTOCOL_SYNC) continue;
            if (a->type == PROTOCOL_BOOLEAN)
                json_object_set_new(req, a->name, json_true());
            else if (a->type == PROTOCOL_INTEGER)
                json_object_set_new(req, a->name, json_integer(a->has_default ? a->dflt : 1));
            else if (a->type == PROTOCOL_STRINGS)
                json_object_set_new(req, a->name, json_pack("{s:s}", "k", "v"));
            else
                json_object_set_new(req, a->name, json_string(good_word(a)));
        }
        json_t *reply = ask(req);
        char err[256];
        /* These rules configure no sync: the daemon says so, with the words nudgectl shows. */
        const char *e = json_string_value(json_object_get(reply, "error"));
        if (order[i] == PROTOCOL_SYNC && e && !strncmp(e, "sync is not configured", 22)) {
            seen[c->id] = true;
            json_decref(reply);
            json_decref(req);
            continue;
        }
        if (!json_is_true(json_object_get(reply, "ok")))
            fail_msg("%s was refused: %s", c->name,
                     json_string_value(json_object_get(reply, "error")));
        if (protocol_reply_check(c, reply, err, sizeof err) < 0) fail_msg("%s", err);
        seen[c->id] = true;
        json_decref(reply);
        json_decref(req);
    }
    for (int i = 0; i < PROTOCOL_COMMANDS; i++)
        if (!seen[i]) fail_msg("%s was not tried", protocol_commands[i].name);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_whole),        cmocka_unit_test(test_requests),
        cmocka_unit_test(test_request_normalised), cmocka_unit_test(test_strings_limits),
        cmocka_unit_test(test_from_cli),           cmocka_unit_test(test_replies),
        cmocka_unit_test(test_live_limits),        cmocka_unit_test(test_live_replies),
    };
    return cmocka_run_group_tests(tests, live_setup, live_teardown);
}
