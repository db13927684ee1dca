/* Unit tests for src/store/store.c, on real database files in a temporary folder per test: every
 * function, ordering, the v0 -> v1 migration on a committed fixture, damaged and unreadable
 * files, snapshots that must never write, and answers surviving a SIGKILL. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <sqlite3.h>

#include "store/store.h"

#define S USEC_PER_SEC

static char tmpdir[64];
static char statedir[128]; /* tmpdir/state: where each test's nudge.db lives */
static char dbfile[160];

/* ---- fixtures ---- */

static int rm_entry(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
    return remove(path);
}

static int setup(void **state)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/nudge-test-store-XXXXXX");
    if (!mkdtemp(tmpdir)) return -1;
    snprintf(statedir, sizeof statedir, "%s/state", tmpdir);
    snprintf(dbfile, sizeof dbfile, "%s/nudge.db", statedir);
    return 0;
}

static int teardown(void **state)
{
    chmod(statedir, 0700);
    return nftw(tmpdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static struct store *open_ok(void)
{
    struct store *st = NULL;
    char note[512] = "x", err[512] = "";
    int r = store_open(statedir, &st, note, sizeof note, err, sizeof err);
    if (r != 0) fail_msg("store_open: %d: %s", r, err);
    assert_string_equal(note, "");
    assert_string_equal(store_path(st), dbfile);
    return st;
}

static struct store *memory_ok(void)
{
    struct store *st = NULL;
    char err[256] = "";
    assert_int_equal(store_open_memory(&st, err, sizeof err), 0);
    return st;
}

static void write_file(const char *path, const void *data, size_t len)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(data, 1, len, f), len);
    assert_int_equal(fclose(f), 0);
}

/* The whole file, malloc'd (NULL if it does not exist). */
static char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    char *buf = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        if (n == cap) {
            cap = cap ? 2 * cap : 65536;
            buf = realloc(buf, cap);
            assert_non_null(buf);
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        if (got == 0) break;
        n += got;
    }
    fclose(f);
    *len = n;
    return buf;
}

static void copy_file(const char *from, const char *to)
{
    size_t len;
    char *data = read_file(from, &len);
    if (!data) fail_msg("cannot read %s", from);
    write_file(to, data, len);
    free(data);
}

static bool exists(const char *path)
{
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* A separate, plain SQLite connection: what another process would see. */
static sqlite3 *raw_open(const char *path)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL), SQLITE_OK);
    return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The first row's first column as text, into buf. */
static const char *raw_text(sqlite3 *db, const char *sql, char *buf, size_t bufsz)
{
    sqlite3_stmt *s;
    if (sqlite3_prepare_v2(db, sql, -1, &s, NULL) != SQLITE_OK)
        fail_msg("%s: %s", sql, sqlite3_errmsg(db));
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    const char *t = (const char *)sqlite3_column_text(s, 0);
    snprintf(buf, bufsz, "%s", t ? t : "(null)");
    sqlite3_finalize(s);
    return buf;
}

static void assert_integrity_ok(const char *path)
{
    sqlite3 *db = raw_open(path);
    char buf[256];
    assert_string_equal(raw_text(db, "PRAGMA integrity_check", buf, sizeof buf), "ok");
    sqlite3_close(db);
}

/* ---- collectors ---- */

#define MAXROWS 32

struct fires {
    int n;
    int64_t id[MAXROWS];
    char reminder[MAXROWS][32], kind[MAXROWS][32], title[MAXROWS][64], answer[MAXROWS][16];
    usec_t scheduled[MAXROWS], fired[MAXROWS], answered[MAXROWS];
};

static int collect_fire(void *ud, const struct store_fire *f)
{
    struct fires *c = ud;
    assert_true(c->n < MAXROWS);
    int i = c->n++;
    c->id[i] = f->id;
    snprintf(c->reminder[i], sizeof c->reminder[i], "%s", f->reminder);
    snprintf(c->kind[i], sizeof c->kind[i], "%s", f->kind);
    snprintf(c->title[i], sizeof c->title[i], "%s", f->title ? f->title : "(null)");
    snprintf(c->answer[i], sizeof c->answer[i], "%s", f->answer ? f->answer : "(null)");
    c->scheduled[i] = f->scheduled;
    c->fired[i] = f->fired;
    c->answered[i] = f->answered;
    return 0;
}

struct checkins {
    int n;
    int64_t id[MAXROWS];
    usec_t at[MAXROWS];
    int mood[MAXROWS];
    char note[MAXROWS][64];
};

static int collect_checkin(void *ud, const struct store_checkin *c)
{
    struct checkins *k = ud;
    assert_true(k->n < MAXROWS);
    int i = k->n++;
    k->id[i] = c->id;
    k->at[i] = c->at;
    k->mood[i] = c->mood;
    snprintf(k->note[i], sizeof k->note[i], "%s", c->note ? c->note : "(null)");
    return 0;
}

struct promises {
    int n;
    int64_t id[MAXROWS];
    char key[MAXROWS][32], text[MAXROWS][64], source[MAXROWS][16], state[MAXROWS][16];
    usec_t due[MAXROWS], created[MAXROWS], answered[MAXROWS];
};

static int collect_promise(void *ud, const struct store_promise *p)
{
    struct promises *c = ud;
    assert_true(c->n < MAXROWS);
    int i = c->n++;
    c->id[i] = p->id;
    snprintf(c->key[i], sizeof c->key[i], "%s", p->key ? p->key : "(null)");
    snprintf(c->text[i], sizeof c->text[i], "%s", p->text);
    snprintf(c->source[i], sizeof c->source[i], "%s", p->source);
    snprintf(c->state[i], sizeof c->state[i], "%s", p->state);
    c->due[i] = p->due;
    c->created[i] = p->created;
    c->answered[i] = p->answered;
    return 0;
}

struct gestures {
    int n;
    char gesture[MAXROWS][32];
    usec_t at[MAXROWS];
};

static int collect_gesture(void *ud, const char *gesture, usec_t at)
{
    struct gestures *c = ud;
    assert_true(c->n < MAXROWS);
    snprintf(c->gesture[c->n], sizeof c->gesture[c->n], "%s", gesture);
    c->at[c->n++] = at;
    return 0;
}

struct snoozes {
    int n;
    int64_t id[MAXROWS], fire[MAXROWS];
    char reminder[MAXROWS][32];
    usec_t due[MAXROWS];
    unsigned char blob[MAXROWS][64];
    size_t len[MAXROWS];
};

static int collect_snooze(void *ud, const struct store_snooze *z)
{
    struct snoozes *c = ud;
    assert_true(c->n < MAXROWS);
    assert_true(z->len <= sizeof c->blob[0]);
    assert_non_null(z->blob);
    int i = c->n++;
    c->id[i] = z->id;
    c->fire[i] = z->fire_id;
    snprintf(c->reminder[i], sizeof c->reminder[i], "%s", z->reminder);
    c->due[i] = z->due;
    memcpy(c->blob[i], z->blob, z->len);
    c->len[i] = z->len;
    return 0;
}

struct kvs {
    int n;
    char key[MAXROWS][32];
    unsigned char value[MAXROWS][64];
    size_t len[MAXROWS];
};

static int collect_kv(void *ud, const char *key, const void *blob, size_t len)
{
    struct kvs *c = ud;
    assert_true(c->n < MAXROWS);
    assert_true(len <= sizeof c->value[0]);
    assert_non_null(blob);
    snprintf(c->key[c->n], sizeof c->key[c->n], "%s", key);
    memcpy(c->value[c->n], blob, len);
    c->len[c->n++] = len;
    return 0;
}

/* ---- opening ---- */

static void test_open_creates_folder_and_schema(void **state)
{
    /* Nested folders that do not exist yet, each made private. */
    snprintf(statedir, sizeof statedir, "%s/a/b/nudge", tmpdir);
    snprintf(dbfile, sizeof dbfile, "%s/nudge.db", statedir);
    mode_t mask = umask(0);
    struct store *st = open_ok();
    umask(mask);
    struct stat sb;
    assert_int_equal(stat(statedir, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    /* Private, even under umask 0. */
    assert_int_equal(stat(dbfile, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0600);
    char a[160];
    snprintf(a, sizeof a, "%s/a", tmpdir);
    assert_int_equal(stat(a, &sb), 0);
    assert_int_equal(sb.st_mode & 0777, 0700);
    assert_int_equal(store_record_fire(st, "r", "notify", 1, 2, NULL, NULL), 0);

    /* A second connection while the first is open: WAL mode, schema version, pragmas. */
    sqlite3 *db = raw_open(dbfile);
    char buf[64];
    assert_string_equal(raw_text(db, "PRAGMA journal_mode", buf, sizeof buf), "wal");
    assert_int_equal(raw_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM fires"), 1);
    /* The CHECK constraints hold for writers other than store.c too. */
    assert_int_not_equal(
        sqlite3_exec(db, "INSERT INTO checkins (at, mood) VALUES (1, 9)", NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_not_equal(sqlite3_exec(db,
                                      "INSERT INTO answers (fire, answer, at, source)"
                                      " VALUES (1, 'maybe', 1, 'x')",
                                      NULL, NULL, NULL),
                         SQLITE_OK);
    sqlite3_close(db);
    store_close(st);

    /* Reopening keeps the rows and does not migrate again. */
    st = open_ok();
    assert_int_equal(store_last_fire(st, "r", NULL, NULL), 0);
    store_close(st);
    assert_integrity_ok(dbfile);
}

static void test_open_folder_uncreatable(void **state)
{
    char file[160];
    snprintf(file, sizeof file, "%s/plain", tmpdir);
    write_file(file, "x", 1);
    snprintf(statedir, sizeof statedir, "%s/plain/nudge", tmpdir);
    struct store *st = NULL;
    char note[256], err[512] = "";
    assert_int_equal(store_open(statedir, &st, note, sizeof note, err, sizeof err), -ENOTDIR);
    assert_null(st);
    assert_non_null(strstr(err, statedir));
}

/* The child of test_open_unreadable: tries to open and reports err through the pipe. */
static void open_and_report(int fd)
{
    struct store *st = NULL;
    char note[256], err[512] = "";
    int r = store_open(statedir, &st, note, sizeof note, err, sizeof err);
    if (write(fd, err, strlen(err)) < 0) _exit(99);
    _exit(r == -EACCES ? 0 : 1);
}

static void test_open_unreadable(void **state)
{
    store_close(open_ok());
    size_t before_len;
    char *before = read_file(dbfile, &before_len);
    assert_int_equal(chmod(dbfile, 0), 0);

    /* root reads every file, so as root the child becomes nobody: the folder is its own (a
     * folder of someone else's is refused before the file is looked at), the 0000 file is
     * root's. */
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    if (geteuid() == 0) {
        assert_int_equal(chmod(tmpdir, 0755), 0);
        assert_int_equal(chown(statedir, 65534, 65534), 0);
    }
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(fds[0]);
        if (geteuid() == 0 && (setgroups(0, NULL) < 0 || setresgid(65534, 65534, 65534) < 0 ||
                               setresuid(65534, 65534, 65534) < 0))
            _exit(98);
        open_and_report(fds[1]);
    }
    close(fds[1]);
    char err[512] = "";
    ssize_t n = read(fds[0], err, sizeof err - 1);
    close(fds[0]);
    err[n > 0 ? n : 0] = 0;
    int status;
    assert_int_equal(waitpid(pid, &status, 0), pid);
    assert_true(WIFEXITED(status));
    if (WEXITSTATUS(status) != 0) fail_msg("child exit %d, err \"%s\"", WEXITSTATUS(status), err);
    assert_non_null(strstr(err, dbfile));
    assert_non_null(strstr(err, "Permission denied"));
    assert_null(strchr(err, '\n'));

    /* Refused, not "repaired": the file is where it was, unchanged, and nothing set aside. */
    assert_int_equal(chmod(dbfile, 0600), 0);
    size_t after_len;
    char *after = read_file(dbfile, &after_len);
    assert_int_equal(after_len, before_len);
    assert_memory_equal(after, before, before_len);
    free(before);
    free(after);
}

static void test_memory_and_paths(void **state)
{
    struct store *st = memory_ok();
    assert_string_equal(store_path(st), "");
    assert_int_equal(store_record_fire(st, "r", "notify", 1, 2, "t", NULL), 0);
    assert_int_equal(store_last_fire(st, "r", NULL, NULL), 0);
    store_close(st);
    store_close(NULL);

    char buf[256];
    char *home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *xdg = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
    setenv("XDG_STATE_HOME", "/xdg/state", 1);
    store_default_dir(buf, sizeof buf);
    assert_string_equal(buf, "/xdg/state/nudge");
    setenv("HOME", "/home/someone", 1);
    setenv("XDG_STATE_HOME", "relative/state", 1); /* ignored, as the XDG spec says */
    store_default_dir(buf, sizeof buf);
    assert_string_equal(buf, "/home/someone/.local/state/nudge");
    unsetenv("XDG_STATE_HOME");
    store_default_dir(buf, sizeof buf);
    assert_string_equal(buf, "/home/someone/.local/state/nudge");
    if (home) setenv("HOME", home, 1);
    if (xdg) setenv("XDG_STATE_HOME", xdg, 1);
    free(home);
    free(xdg);
}

/* ---- fires and answers ---- */

static void test_fires_and_answers(void **state)
{
    struct store *st = open_ok();
    struct fires f = {0};
    assert_int_equal(store_last_fire(st, "evening", collect_fire, &f), -ENOENT);
    assert_int_equal(f.n, 0);

    int64_t id1, id2, other;
    assert_int_equal(
        store_record_fire(st, "evening", "checkin", 100 * S, 101 * S, "Evening check-in", &id1), 0);
    assert_int_equal(store_record_fire(st, "evening", "checkin", 200 * S, 201 * S, NULL, &id2), 0);
    assert_int_equal(store_record_fire(st, "flowers", "gesture", 300 * S, 300 * S, "g", &other), 0);
    assert_true(id1 > 0 && id2 > id1 && other > id2);
    assert_int_equal(store_record_fire(st, "x", "notify", 1, 1, NULL, NULL), 0); /* id optional */

    /* The last fire of a reminder is its own latest, not the newest overall. */
    assert_int_equal(store_last_fire(st, "evening", collect_fire, &f), 0);
    assert_int_equal(f.n, 1);
    assert_int_equal(f.id[0], id2);
    assert_string_equal(f.reminder[0], "evening");
    assert_string_equal(f.kind[0], "checkin");
    assert_string_equal(f.title[0], "(null)");
    assert_int_equal(f.scheduled[0], 200 * S);
    assert_int_equal(f.fired[0], 201 * S);
    assert_string_equal(f.answer[0], "(null)");
    assert_int_equal(f.answered[0], 0);

    /* The answer a fire keeps is the first in time, whatever order they were recorded in
     * (SPEC 2.3: the first answer settles it; the ledger refuses later ones), and a
     * "cancelled" snooze after it does not change it. */
    assert_int_equal(store_record_answer(st, id2, "done", 290 * S, "nudgectl"), 0);
    assert_int_equal(store_record_answer(st, id2, "snoozed", 210 * S, "action"), 0);
    assert_int_equal(store_record_answer(st, id2, "cancelled", 250 * S, "checkin"), 0);
    f.n = 0;
    assert_int_equal(store_last_fire(st, "evening", collect_fire, &f), 0);
    assert_string_equal(f.answer[0], "snoozed");
    assert_int_equal(f.answered[0], 210 * S);

    /* Every answer name is accepted; others, and a missing source, are -EINVAL. */
    static const char *const names[] = {"done",    "snoozed", "skipped",  "kept",     "broken",
                                        "not_yet", "expired", "silenced", "cancelled"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        assert_int_equal(store_record_answer(st, other, names[i], 400 * S + (usec_t)i, "daemon"),
                         0);
    assert_int_equal(store_record_answer(st, other, "Done", 500 * S, "daemon"), -EINVAL);
    assert_int_equal(store_record_answer(st, other, "", 500 * S, "daemon"), -EINVAL);
    assert_int_equal(store_record_answer(st, other, NULL, 500 * S, "daemon"), -EINVAL);
    assert_int_equal(store_record_answer(st, other, "done", 500 * S, NULL), -EINVAL);
    /* A fire that does not exist. */
    assert_int_equal(store_record_answer(st, 9999, "done", 500 * S, "daemon"), -ENOENT);
    f.n = 0;
    assert_int_equal(store_last_fire(st, "flowers", collect_fire, &f), 0);
    assert_string_equal(f.answer[0], "done"); /* the first answer is the one it keeps */

    assert_int_equal(store_record_fire(st, "", "notify", 1, 1, NULL, NULL), -EINVAL);
    assert_int_equal(store_record_fire(st, NULL, "notify", 1, 1, NULL, NULL), -EINVAL);
    assert_int_equal(store_record_fire(st, "r", NULL, 1, 1, NULL, NULL), -EINVAL);
    store_close(st);

    sqlite3 *db = raw_open(dbfile);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM answers"), 12);
    sqlite3_close(db);
}

static void test_history_order(void **state)
{
    struct store *st = open_ok();
    struct fires f = {0};
    assert_int_equal(store_history(st, 0, 0, collect_fire, &f), 0);
    assert_int_equal(f.n, 0);

    /* Recorded out of order; two share a time (then the later-recorded one is newer). */
    int64_t a, b, c, d, e;
    assert_int_equal(store_record_fire(st, "r1", "notify", 30 * S, 30 * S, "c", &c), 0);
    assert_int_equal(store_record_fire(st, "r2", "notify", 10 * S, 10 * S, "a", &a), 0);
    assert_int_equal(store_record_fire(st, "r1", "notify", 50 * S, 50 * S, "e", &e), 0);
    assert_int_equal(store_record_fire(st, "r3", "notify", 20 * S, 20 * S, "b", &b), 0);
    assert_int_equal(store_record_fire(st, "r3", "notify", 20 * S, 20 * S, "b2", &d), 0);
    assert_int_equal(store_record_answer(st, a, "done", 11 * S, "action"), 0);
    assert_int_equal(store_record_answer(st, e, "skipped", 55 * S, "action"), 0);

    assert_int_equal(store_history(st, 0, 0, collect_fire, &f), 0);
    assert_int_equal(f.n, 5);
    int64_t want[] = {e, c, d, b, a};
    for (int i = 0; i < 5; i++)
        assert_int_equal(f.id[i], want[i]);
    assert_string_equal(f.answer[0], "skipped");
    assert_int_equal(f.answered[0], 55 * S);
    assert_string_equal(f.answer[1], "(null)");
    assert_string_equal(f.answer[4], "done");

    /* limit keeps the newest; since keeps those at or after it; both together. */
    f.n = 0;
    assert_int_equal(store_history(st, 0, 2, collect_fire, &f), 0);
    assert_int_equal(f.n, 2);
    assert_int_equal(f.id[0], e);
    assert_int_equal(f.id[1], c);
    f.n = 0;
    assert_int_equal(store_history(st, 20 * S, -1, collect_fire, &f), 0);
    assert_int_equal(f.n, 4);
    assert_int_equal(f.id[3], b);
    f.n = 0;
    assert_int_equal(store_history(st, 20 * S, 3, collect_fire, &f), 0);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.id[2], d);
    f.n = 0;
    assert_int_equal(store_history(st, 51 * S, 0, collect_fire, &f), 0);
    assert_int_equal(f.n, 0);
    store_close(st);
}

static int stop_after_two(void *ud, const struct store_fire *f)
{
    return ++*(int *)ud == 2 ? 42 : 0;
}

struct reentry {
    struct store *st;
    const char *path;
    int seen, visible;
};

/* Writes from inside a callback, then checks from another connection that the write is
 * already committed: the iteration must not hold it back. */
static int answer_inside(void *ud, const struct store_fire *f)
{
    struct reentry *r = ud;
    r->seen++;
    assert_int_equal(store_record_answer(r->st, f->id, "done", f->fired + S, "daemon"), 0);
    sqlite3 *db = raw_open(r->path);
    sqlite3_stmt *s;
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT count(*) FROM answers WHERE fire = ?1", -1, &s, NULL),
        SQLITE_OK);
    sqlite3_bind_int64(s, 1, f->id);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    r->visible += sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    /* And a nested read of the same query does not disturb the outer one. */
    struct fires inner = {0};
    assert_int_equal(store_history(r->st, 0, 0, collect_fire, &inner), 0);
    assert_int_equal(inner.n, 3);
    return 0;
}

static void test_callbacks_stop_and_reenter(void **state)
{
    struct store *st = open_ok();
    for (int i = 0; i < 3; i++)
        assert_int_equal(store_record_fire(st, "r", "notify", i * S, i * S, NULL, NULL), 0);
    int calls = 0;
    assert_int_equal(store_history(st, 0, 0, stop_after_two, &calls), 42);
    assert_int_equal(calls, 2);

    struct reentry r = {.st = st, .path = dbfile};
    assert_int_equal(store_history(st, 0, 0, answer_inside, &r), 0);
    assert_int_equal(r.seen, 3);
    assert_int_equal(r.visible, 3);
    store_close(st);
}

/* ---- check-ins ---- */

static void test_checkins(void **state)
{
    struct store *st = open_ok();
    int64_t id1, id2, id3;
    assert_int_equal(store_add_checkin(st, 300 * S, 4, "talked about the weekend", &id1), 0);
    assert_int_equal(store_add_checkin(st, 100 * S, 0, NULL, &id2), 0);
    assert_int_equal(store_add_checkin(st, 200 * S, 5, "", &id3), 0);
    assert_int_equal(store_add_checkin(st, 400 * S, 1, NULL, NULL), 0);
    assert_int_equal(store_add_checkin(st, 1, 6, NULL, NULL), -EINVAL);
    assert_int_equal(store_add_checkin(st, 1, -1, NULL, NULL), -EINVAL);

    struct checkins c = {0};
    assert_int_equal(store_checkins(st, 0, collect_checkin, &c), 0);
    assert_int_equal(c.n, 4);
    assert_int_equal(c.id[0], id2); /* oldest first */
    assert_int_equal(c.mood[0], 0);
    assert_string_equal(c.note[0], "(null)");
    assert_int_equal(c.id[1], id3);
    assert_string_equal(c.note[1], "");
    assert_int_equal(c.id[2], id1);
    assert_int_equal(c.at[2], 300 * S);
    assert_int_equal(c.mood[2], 4);
    assert_string_equal(c.note[2], "talked about the weekend");

    c.n = 0;
    assert_int_equal(store_checkins(st, 200 * S, collect_checkin, &c), 0); /* at or after */
    assert_int_equal(c.n, 3);
    assert_int_equal(c.id[0], id3);
    store_close(st);

    sqlite3 *db = raw_open(dbfile);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM checkins WHERE mood IS NULL"), 1);
    sqlite3_close(db);
}

/* ---- promises ---- */

static void test_promises(void **state)
{
    struct store *st = open_ok();
    int64_t dinner, call1, call2, again;
    assert_int_equal(
        store_promise_add(st, "dinner", "Cook dinner on Friday", 500 * S, "rules", 10 * S, &dinner),
        0);
    /* nudgectl promises have no key: the same text twice is two promises. */
    assert_int_equal(
        store_promise_add(st, NULL, "Call her mother", 300 * S, "nudgectl", 11 * S, &call1), 0);
    assert_int_equal(
        store_promise_add(st, NULL, "Call her mother", 300 * S, "nudgectl", 12 * S, &call2), 0);
    assert_true(call1 != call2 && call1 != dinner);

    assert_int_equal(store_promise_set_state(st, dinner, "kept", 600 * S), 0);
    /* The rule file is loaded again (a reload, a restart) with new text and due: same id, and
     * the state and creation time survive. */
    assert_int_equal(store_promise_add(st, "dinner", "Cook dinner on Saturday", 700 * S, "rules",
                                       20 * S, &again),
                     0);
    assert_int_equal(again, dinner);
    /* An upsert after other inserts must still report the existing id, not the last rowid. */
    assert_int_equal(store_promise_add(st, "dinner", "Cook dinner on Saturday", 700 * S, "rules",
                                       30 * S, &again),
                     0);
    assert_int_equal(again, dinner);

    struct promises p = {0};
    assert_int_equal(store_promise_get(st, dinner, collect_promise, &p), 0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.key[0], "dinner");
    assert_string_equal(p.text[0], "Cook dinner on Saturday");
    assert_int_equal(p.due[0], 700 * S);
    assert_string_equal(p.source[0], "rules");
    assert_string_equal(p.state[0], "kept");
    assert_int_equal(p.created[0], 10 * S);
    assert_int_equal(p.answered[0], 600 * S);

    /* By due time (ties by id). */
    p.n = 0;
    assert_int_equal(store_promises(st, collect_promise, &p), 0);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.id[0], call1);
    assert_int_equal(p.id[1], call2);
    assert_int_equal(p.id[2], dinner);
    assert_string_equal(p.key[0], "(null)");
    assert_string_equal(p.state[0], "open");
    assert_int_equal(p.answered[0], 0);

    assert_int_equal(store_promise_set_state(st, call1, "broken", 301 * S), 0);
    assert_int_equal(store_promise_set_state(st, call1, "open", 302 * S), 0); /* reopened */
    p.n = 0;
    assert_int_equal(store_promise_get(st, call1, collect_promise, &p), 0);
    assert_string_equal(p.state[0], "open");
    assert_int_equal(p.answered[0], 0);

    assert_int_equal(store_promise_set_state(st, 9999, "kept", 1), -ENOENT);
    assert_int_equal(store_promise_set_state(st, call1, "done", 1), -EINVAL);
    assert_int_equal(store_promise_set_state(st, call1, NULL, 1), -EINVAL);
    p.n = 0;
    assert_int_equal(store_promise_get(st, 9999, collect_promise, &p), -ENOENT);
    assert_int_equal(p.n, 0);
    assert_int_equal(store_promise_add(st, "k", "t", 1, "email", 1, NULL), -EINVAL);
    assert_int_equal(store_promise_add(st, "k", NULL, 1, "rules", 1, NULL), -EINVAL);
    assert_int_equal(store_promise_add(st, "k", "t", 1, "rules", 1, NULL), 0); /* id optional */
    store_close(st);
}

/* ---- gestures ---- */

static void test_gestures(void **state)
{
    struct store *st = open_ok();
    assert_int_equal(store_gesture_add(st, "flowers", "buy flowers", 100 * S), 0);
    assert_int_equal(store_gesture_add(st, "flowers", "write a note", 300 * S), 0);
    assert_int_equal(store_gesture_add(st, "other", "make tea", 400 * S), 0);
    assert_int_equal(store_gesture_add(st, "flowers", "make coffee", 200 * S), 0);
    assert_int_equal(store_gesture_add(st, "flowers", "plan a walk", 300 * S), 0); /* same time */

    struct gestures g = {0};
    assert_int_equal(store_gesture_recent(st, "flowers", 10, collect_gesture, &g), 0);
    assert_int_equal(g.n, 4);
    assert_string_equal(g.gesture[0], "plan a walk");
    assert_string_equal(g.gesture[1], "write a note");
    assert_string_equal(g.gesture[2], "make coffee");
    assert_string_equal(g.gesture[3], "buy flowers");
    assert_int_equal(g.at[3], 100 * S);

    g.n = 0;
    assert_int_equal(store_gesture_recent(st, "flowers", 2, collect_gesture, &g), 0);
    assert_int_equal(g.n, 2);
    assert_string_equal(g.gesture[1], "write a note");
    g.n = 0;
    assert_int_equal(store_gesture_recent(st, "flowers", 0, collect_gesture, &g), 0);
    assert_int_equal(g.n, 0);
    assert_int_equal(store_gesture_recent(st, "nobody", 5, collect_gesture, &g), 0);
    assert_int_equal(g.n, 0);
    store_close(st);

    /* Remembered across a restart. */
    st = open_ok();
    assert_int_equal(store_gesture_recent(st, "other", 5, collect_gesture, &g), 0);
    assert_int_equal(g.n, 1);
    assert_string_equal(g.gesture[0], "make tea");
    store_close(st);
}

/* ---- one-shots, last fires, snoozes ---- */

static void test_oneshots_and_last_fire(void **state)
{
    struct store *st = open_ok();
    bool fired = true;
    assert_int_equal(store_oneshot_fired(st, "anniversary", &fired), 0);
    assert_false(fired);
    assert_int_equal(store_oneshot_mark(st, "anniversary", 100 * S), 0);
    assert_int_equal(store_oneshot_mark(st, "anniversary", 200 * S), 0); /* again: no error */
    assert_int_equal(store_oneshot_fired(st, "anniversary", &fired), 0);
    assert_true(fired);
    assert_int_equal(store_oneshot_fired(st, "other", &fired), 0);
    assert_false(fired);

    usec_t sch = 7, fir = 7;
    assert_int_equal(store_get_last_fire(st, "evening", &sch, &fir), -ENOENT);
    assert_int_equal(sch, 7);
    assert_int_equal(store_set_last_fire(st, "evening", 100 * S, 101 * S), 0);
    assert_int_equal(store_get_last_fire(st, "evening", &sch, &fir), 0);
    assert_int_equal(sch, 100 * S);
    assert_int_equal(fir, 101 * S);
    assert_int_equal(store_set_last_fire(st, "evening", 200 * S, 202 * S), 0);
    assert_int_equal(store_get_last_fire(st, "evening", &sch, &fir), 0);
    assert_int_equal(sch, 200 * S);
    assert_int_equal(fir, 202 * S);
    store_close(st);

    sqlite3 *db = raw_open(dbfile);
    /* The first mark is when it really fired. */
    assert_int_equal(raw_int(db, "SELECT fired FROM oneshots WHERE reminder = 'anniversary'"),
                     100 * S);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM last_fire"), 1);
    sqlite3_close(db);
}

static void test_snoozes(void **state)
{
    struct store *st = open_ok();
    int64_t fire;
    assert_int_equal(store_record_fire(st, "evening", "checkin", 1, 1, NULL, &fire), 0);
    static const unsigned char blob[] = {'{', 0, 0, 1, 0xff, 0, 'x', 0};
    int64_t z1, z2, z3;
    assert_int_equal(store_snooze_add(st, "evening", fire, 300 * S, blob, sizeof blob, &z1), 0);
    assert_int_equal(store_snooze_add(st, "flowers", 0, 100 * S, "", 0, &z2), 0);
    assert_int_equal(store_snooze_add(st, "late", fire, 200 * S, "\0", 1, &z3), 0);
    assert_int_equal(store_snooze_add(st, "evening", 9999, 1, blob, 1, NULL), -ENOENT);
    assert_int_equal(store_snooze_add(st, "evening", fire, 1, NULL, 3, NULL), -EINVAL);
    store_close(st);

    st = open_ok();
    struct snoozes z = {0};
    assert_int_equal(store_snoozes(st, collect_snooze, &z), 0);
    assert_int_equal(z.n, 3);
    assert_int_equal(z.id[0], z2); /* by due time */
    assert_int_equal(z.len[0], 0);
    assert_int_equal(z.fire[0], 0);
    assert_string_equal(z.reminder[0], "flowers");
    assert_int_equal(z.id[1], z3);
    assert_int_equal(z.len[1], 1);
    assert_int_equal(z.blob[1][0], 0);
    assert_int_equal(z.id[2], z1);
    assert_int_equal(z.fire[2], fire);
    assert_int_equal(z.due[2], 300 * S);
    assert_int_equal(z.len[2], sizeof blob);
    assert_memory_equal(z.blob[2], blob, sizeof blob);

    assert_int_equal(store_snooze_remove(st, z3), 0);
    assert_int_equal(store_snooze_remove(st, z3), -ENOENT);
    z.n = 0;
    assert_int_equal(store_snoozes(st, collect_snooze, &z), 0);
    assert_int_equal(z.n, 2);
    assert_int_equal(z.id[1], z1);
    store_close(st);
}

/* ---- kv ---- */

static void test_kv(void **state)
{
    struct store *st = open_ok();
    void *v = NULL;
    size_t len = 99;
    assert_int_equal(store_kv_get(st, "streak", &v, &len), -ENOENT);
    assert_null(v);

    static const unsigned char bin[] = {0, 1, 2, 0, 0xfe, 0};
    assert_int_equal(store_kv_set(st, "streak", "\x04\x00", 2), 0);
    assert_int_equal(store_kv_set(st, "bin", bin, sizeof bin), 0);
    assert_int_equal(store_kv_set(st, "empty", "", 0), 0);
    assert_int_equal(store_kv_set(st, "streak", "\x05", 1), 0); /* overwrite */
    assert_int_equal(store_kv_set(st, "gone", "x", 1), 0);
    assert_int_equal(store_kv_set(st, "gone", NULL, 0), 0); /* delete */
    assert_int_equal(store_kv_set(st, "gone", NULL, 0), 0); /* delete again: fine */
    assert_int_equal(store_kv_set(st, NULL, "x", 1), -EINVAL);
    store_close(st);

    st = open_ok();
    assert_int_equal(store_kv_get(st, "bin", &v, &len), 0);
    assert_int_equal(len, sizeof bin);
    assert_memory_equal(v, bin, sizeof bin);
    free(v);
    assert_int_equal(store_kv_get(st, "empty", &v, &len), 0);
    assert_non_null(v); /* freeable even when empty */
    assert_int_equal(len, 0);
    free(v);
    assert_int_equal(store_kv_get(st, "gone", &v, &len), -ENOENT);

    struct kvs k = {0};
    assert_int_equal(store_kv_each(st, collect_kv, &k), 0);
    assert_int_equal(k.n, 3);
    assert_string_equal(k.key[0], "bin");
    assert_memory_equal(k.value[0], bin, sizeof bin);
    assert_string_equal(k.key[1], "empty");
    assert_int_equal(k.len[1], 0);
    assert_string_equal(k.key[2], "streak");
    assert_int_equal(k.len[2], 1);
    assert_int_equal(k.value[2][0], 5);
    store_close(st);
}

/* ---- migration ---- */

static void v0_fixture(char *buf, size_t bufsz)
{
    const char *src = getenv("NUDGE_SRC");
    assert_non_null(src);
    snprintf(buf, bufsz, "%s/tests/data/state/v0.db", src);
}

/* Every object in sqlite_master, with its SQL, one per line, sorted. */
static void schema_of(const char *path, char *buf, size_t bufsz)
{
    sqlite3 *db = raw_open(path);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT type || ' ' || name || ': ' || coalesce(sql, '')"
                                        " FROM sqlite_master ORDER BY type, name",
                                        -1, &s, NULL),
                     SQLITE_OK);
    size_t n = 0;
    buf[0] = 0;
    while (sqlite3_step(s) == SQLITE_ROW) {
        int w = snprintf(buf + n, bufsz - n, "%s\n", sqlite3_column_text(s, 0));
        assert_true(w > 0 && (size_t)w < bufsz - n);
        n += (size_t)w;
    }
    sqlite3_finalize(s);
    sqlite3_close(db);
}

static void test_migrate_v0(void **state)
{
    char fixture[512];
    v0_fixture(fixture, sizeof fixture);
    size_t fixture_len;
    char *fixture_before = read_file(fixture, &fixture_len);
    assert_non_null(fixture_before);
    assert_int_equal(mkdir(statedir, 0700), 0);
    copy_file(fixture, dbfile);

    struct store *st = open_ok();
    struct fires f = {0};
    assert_int_equal(store_history(st, 0, 0, collect_fire, &f), 0);
    assert_int_equal(f.n, 5);
    /* Newest first: ids 5, 4, 3, 2, 1; seconds became microseconds; answers split out. */
    assert_int_equal(f.id[0], 5);
    assert_string_equal(f.reminder[0], "dinner");
    assert_string_equal(f.kind[0], "promise");
    assert_string_equal(f.answer[0], "kept");
    assert_int_equal(f.answered[0], 1795813500 * S);
    assert_int_equal(f.id[1], 4);
    assert_string_equal(f.answer[1], "(null)");
    assert_int_equal(f.answered[1], 0);
    assert_int_equal(f.id[2], 3);
    assert_string_equal(f.answer[2], "snoozed");
    assert_int_equal(f.id[3], 2);
    assert_string_equal(f.title[3], "A small gesture");
    assert_int_equal(f.scheduled[3], 1795680000 * S);
    assert_int_equal(f.fired[3], 1795680012 * S);
    assert_string_equal(f.answer[3], "skipped");
    assert_int_equal(f.answered[3], 1795683600 * S);
    assert_int_equal(f.id[4], 1);
    assert_string_equal(f.answer[4], "done");

    struct checkins c = {0};
    assert_int_equal(store_checkins(st, 0, collect_checkin, &c), 0);
    assert_int_equal(c.n, 3);
    assert_int_equal(c.at[0], 1795634000 * S);
    assert_int_equal(c.mood[0], 4);
    assert_string_equal(c.note[0], "talked about the weekend");
    assert_int_equal(c.mood[1], 0);
    assert_string_equal(c.note[1], "(null)");
    assert_int_equal(c.mood[2], 2);

    struct promises p = {0};
    assert_int_equal(store_promises(st, collect_promise, &p), 0);
    assert_int_equal(p.n, 3);
    assert_int_equal(p.id[0], 3); /* by due */
    assert_string_equal(p.key[0], "tidy");
    assert_string_equal(p.state[0], "broken");
    assert_int_equal(p.answered[0], 1795000000 * S); /* v0 lacked it: creation time */
    assert_int_equal(p.id[1], 1);
    assert_string_equal(p.state[1], "kept");
    assert_int_equal(p.due[1], 1795813200 * S);
    assert_int_equal(p.answered[1], 1795813500 * S);
    assert_int_equal(p.id[2], 2);
    assert_string_equal(p.key[2], "(null)");
    assert_string_equal(p.source[2], "nudgectl");
    assert_string_equal(p.state[2], "open"); /* was 'pending' */
    assert_int_equal(p.created[2], 1795700000 * S);
    assert_int_equal(p.answered[2], 0);
    /* The migrated rule promise still upserts by key. */
    int64_t id;
    assert_int_equal(store_promise_add(st, "dinner", "Cook", 1, "rules", 1, &id), 0);
    assert_int_equal(id, 1);

    struct gestures g = {0};
    assert_int_equal(store_gesture_recent(st, "flowers", 5, collect_gesture, &g), 0);
    assert_int_equal(g.n, 3);
    assert_string_equal(g.gesture[0], "make coffee");
    assert_int_equal(g.at[0], 1795852812 * S);
    assert_string_equal(g.gesture[2], "buy flowers");

    bool fired = false;
    assert_int_equal(store_oneshot_fired(st, "anniversary", &fired), 0);
    assert_true(fired);
    usec_t sch, fir;
    assert_int_equal(store_get_last_fire(st, "flowers", &sch, &fir), 0);
    assert_int_equal(sch, 1795680000 * S);
    assert_int_equal(fir, 1795680012 * S);
    assert_int_equal(store_get_last_fire(st, "evening", &sch, &fir), 0);
    assert_int_equal(fir, 1795806600 * S);

    /* The tables v0 lacked work. */
    assert_int_equal(store_kv_set(st, "k", "v", 1), 0);
    assert_int_equal(store_snooze_add(st, "evening", 4, 1, "b", 1, NULL), 0);
    /* New ids continue after the migrated ones. */
    int64_t fire;
    assert_int_equal(store_record_fire(st, "evening", "checkin", 1, 1, NULL, &fire), 0);
    assert_int_equal(fire, 6);
    store_close(st);

    sqlite3 *db = raw_open(dbfile);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM answers"), 4);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE '%history%'"
                                 " OR name LIKE 'v0_%'"),
                     0);
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA foreign_key_check", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_DONE); /* no dangling references */
    sqlite3_finalize(s);
    sqlite3_close(db);
    assert_integrity_ok(dbfile);

    /* A migrated database has exactly the schema of a fresh one. */
    static char migrated[16384], fresh[16384];
    schema_of(dbfile, migrated, sizeof migrated);
    snprintf(statedir, sizeof statedir, "%s/fresh", tmpdir);
    snprintf(dbfile, sizeof dbfile, "%s/nudge.db", statedir);
    store_close(open_ok());
    schema_of(dbfile, fresh, sizeof fresh);
    assert_string_equal(migrated, fresh);

    /* The committed fixture itself was only copied, never touched. */
    size_t after_len;
    char *fixture_after = read_file(fixture, &after_len);
    assert_int_equal(after_len, fixture_len);
    assert_memory_equal(fixture_after, fixture_before, fixture_len);
    free(fixture_before);
    free(fixture_after);
}

/* v3 -> v4 adds the pauses table; every v3 row stays as it was. */
static void test_migrate_v3(void **state)
{
    (void)state;
    const char *src = getenv("NUDGE_SRC");
    assert_non_null(src);
    char fixture[512];
    snprintf(fixture, sizeof fixture, "%s/tests/data/state/v3.db", src);
    assert_int_equal(mkdir(statedir, 0700), 0);
    copy_file(fixture, dbfile);

    struct store *st = open_ok();
    struct fires f = {0};
    assert_int_equal(store_history(st, 0, 0, collect_fire, &f), 0);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.id[0], 3);
    assert_string_equal(f.kind[0], "gesture");
    assert_string_equal(f.answer[1], "silenced");
    assert_string_equal(f.answer[2], "done");
    assert_int_equal(f.answered[2], 1796000600000000);
    struct checkins c = {0};
    assert_int_equal(store_checkins(st, 0, collect_checkin, &c), 0);
    assert_int_equal(c.n, 1);
    assert_string_equal(c.note[0], "a good talk");
    struct promises p = {0};
    assert_int_equal(store_promises(st, collect_promise, &p), 0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.state[0], "open");

    /* The new table works. */
    int64_t id = 0;
    usec_t until = 1796300000000000;
    assert_int_equal(store_pause_add(st, 1796200000000000, &until, false, "away", 1796200000000000, &id), 0);
    assert_int_equal(id, 1);
    store_close(st);

    sqlite3 *db = raw_open(dbfile);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM pauses"), 1);
    sqlite3_close(db);
    assert_integrity_ok(dbfile);
    /* A migrated database has exactly the schema of a fresh one. */
    static char migrated[16384], fresh[16384];
    schema_of(dbfile, migrated, sizeof migrated);
    snprintf(statedir, sizeof statedir, "%s/fresh", tmpdir);
    snprintf(dbfile, sizeof dbfile, "%s/nudge.db", statedir);
    store_close(open_ok());
    schema_of(dbfile, fresh, sizeof fresh);
    assert_string_equal(migrated, fresh);
}

static int count_fire(void *ud, const struct store_fire *f)
{
    (void)f;
    ++*(int *)ud;
    return 0;
}

/* v4 -> v5 adds the fires' UIDs and the sync tables; every v4 row stays as it was. */
static void test_migrate_v4(void **state)
{
    (void)state;
    const char *src = getenv("NUDGE_SRC");
    assert_non_null(src);
    char fixture[512];
    snprintf(fixture, sizeof fixture, "%s/tests/data/state/v4.db", src);
    assert_int_equal(mkdir(statedir, 0700), 0);
    copy_file(fixture, dbfile);

    struct store *st = open_ok();
    struct fires f = {0};
    assert_int_equal(store_history(st, 0, 0, collect_fire, &f), 0);
    assert_int_equal(f.n, 3);
    assert_int_equal(f.id[0], 3);
    assert_string_equal(f.answer[0], "(null)");
    assert_string_equal(f.answer[1], "snoozed");
    assert_string_equal(f.answer[2], "done");
    assert_int_equal(f.answered[2], 1797000600000000);
    void *blob;
    size_t len;
    assert_int_equal(store_fire_blob(st, 2, &blob, &len), 0);
    assert_int_equal(len, 2);
    free(blob);
    struct snoozes z = {0};
    assert_int_equal(store_snoozes(st, collect_snooze, &z), 0);
    assert_int_equal(z.n, 1);
    assert_int_equal(z.fire[0], 3);
    struct promises p = {0};
    assert_int_equal(store_promises(st, collect_promise, &p), 0);
    assert_int_equal(p.n, 1);
    assert_string_equal(p.state[0], "kept");
    struct kvs k = {0};
    assert_int_equal(store_kv_each(st, collect_kv, &k), 0);
    assert_int_equal(k.n, 1);
    assert_int_equal(k.value[0][0], 3);
    usec_t sch, fir;
    assert_int_equal(store_get_last_fire(st, "evening", &sch, &fir), 0);
    assert_int_equal(sch, 1797086400000000);

    /* Fires recorded before have no UID: none is found by one. */
    int n = 0;
    assert_int_equal(store_fire_by_uid(st, "evening-20261112T120000Z@nudge", count_fire, &n),
                     -ENOENT);
    /* The new column and tables work. */
    int64_t id = 0;
    assert_int_equal(store_record_fire_from(st, "evening", "checkin", 1797200000000000,
                                            1797200000000000, NULL, "rule", 0, "u1@nudge", &id),
                     0);
    assert_int_equal(id, 4);
    struct fires g = {0};
    assert_int_equal(store_fire_by_uid(st, "u1@nudge", collect_fire, &g), 0);
    assert_int_equal(g.id[0], 4);
    assert_int_equal(store_sync_item_put(st, "u1@nudge", "/cal/u1.ics", NULL, 1), 0);
    assert_int_equal(store_sync_held_put(st, "u2@nudge", "evening", "done", 1, 2), 0);
    store_close(st);

    sqlite3 *db = raw_open(dbfile);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), STORE_SCHEMA_VERSION);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM answers"), 2);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM pauses WHERE ended IS NOT NULL"), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM fires WHERE uid IS NULL"), 3);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sync_items"), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sync_held"), 1);
    sqlite3_close(db);
    assert_integrity_ok(dbfile);
    /* A migrated database has exactly the schema of a fresh one. */
    static char migrated[16384], fresh[16384];
    schema_of(dbfile, migrated, sizeof migrated);
    snprintf(statedir, sizeof statedir, "%s/fresh", tmpdir);
    snprintf(dbfile, sizeof dbfile, "%s/nudge.db", statedir);
    store_close(open_ok());
    schema_of(dbfile, fresh, sizeof fresh);
    assert_string_equal(migrated, fresh);
}

struct sync_rows {
    int n;
    char uid[MAXROWS][32], href[MAXROWS][32], etag[MAXROWS][16];
    usec_t due[MAXROWS];
};

static int collect_sync_item(void *ud, const struct store_sync_item *it)
{
    struct sync_rows *c = ud;
    assert_true(c->n < MAXROWS);
    int i = c->n++;
    snprintf(c->uid[i], sizeof c->uid[i], "%s", it->uid);
    snprintf(c->href[i], sizeof c->href[i], "%s", it->href);
    snprintf(c->etag[i], sizeof c->etag[i], "%s", it->etag ? it->etag : "(null)");
    c->due[i] = it->due;
    return 0;
}

static int held_answer(void *ud, const struct store_sync_held *h)
{
    snprintf(ud, 16, "%s", h->answer);
    return 0;
}

static void test_sync_tables(void **state)
{
    (void)state;
    struct store *st = open_ok();
    assert_int_equal(store_sync_item_put(st, "b@nudge", "/c/b.ics", "\"1\"", 20), 0);
    assert_int_equal(store_sync_item_put(st, "a@nudge", "/c/a.ics", NULL, 20), 0);
    assert_int_equal(store_sync_item_put(st, "c@nudge", "/c/c.ics", NULL, 10), 0);
    assert_int_equal(store_sync_item_put(st, "b@nudge", "/c/b2.ics", "\"2\"", 20), 0);
    assert_int_equal(store_sync_item_put(st, NULL, "/c/x.ics", NULL, 1), -EINVAL);
    struct sync_rows r = {0};
    assert_int_equal(store_sync_items(st, collect_sync_item, &r), 0);
    assert_int_equal(r.n, 3);
    assert_string_equal(r.uid[0], "c@nudge"); /* by due, then uid */
    assert_string_equal(r.uid[1], "a@nudge");
    assert_string_equal(r.etag[1], "(null)");
    assert_string_equal(r.uid[2], "b@nudge");
    assert_string_equal(r.href[2], "/c/b2.ics");
    assert_string_equal(r.etag[2], "\"2\"");
    assert_int_equal(store_sync_item_delete(st, "a@nudge"), 0);
    assert_int_equal(store_sync_item_delete(st, "a@nudge"), 0);

    char answer[16] = "";
    assert_int_equal(store_sync_held_put(st, "h@nudge", "evening", "snoozed", 1, 2), -EINVAL);
    assert_int_equal(store_sync_held_get(st, "h@nudge", held_answer, answer), -ENOENT);
    assert_int_equal(store_sync_held_put(st, "h@nudge", "evening", "done", 1, 100), 0);
    assert_int_equal(store_sync_held_put(st, "h@nudge", "evening", "skipped", 2, 100), 0);
    assert_int_equal(store_sync_held_put(st, "i@nudge", "evening", "done", 1, 200), 0);
    assert_int_equal(store_sync_held_get(st, "h@nudge", held_answer, answer), 0);
    assert_string_equal(answer, "skipped");
    assert_int_equal(store_sync_held_drop(st, 99), 0);
    assert_int_equal(store_sync_held_drop(st, 100), 1);
    assert_int_equal(store_sync_held_delete(st, "i@nudge"), 0);
    assert_int_equal(store_sync_held_delete(st, "i@nudge"), -ENOENT);
    store_close(st);
}

struct pause_rows {
    size_t n;
    struct store_pause v[8];
    char note[8][64];
};

static int collect_pause(void *ud, const struct store_pause *p)
{
    struct pause_rows *r = ud;
    assert_true(r->n < 8);
    r->v[r->n] = *p;
    snprintf(r->note[r->n], sizeof r->note[0], "%s", p->note ? p->note : "(null)");
    r->v[r->n].note = NULL;
    r->n++;
    return 0;
}

static void test_pauses(void **state)
{
    (void)state;
    struct store *st = open_ok();
    int64_t a, b;
    usec_t until = 2000;
    assert_int_equal(store_pause_add(st, 1000, &until, true, "trip", 900, &a), 0);
    assert_int_equal(store_pause_add(st, 500, NULL, false, NULL, 900, &b), 0);
    usec_t before = 400;
    assert_int_equal(store_pause_add(st, 500, &before, false, NULL, 900, NULL), -EINVAL);
    struct pause_rows r = {0};
    assert_int_equal(store_pauses(st, collect_pause, &r), 0);
    assert_int_equal(r.n, 2);
    /* By start. */
    assert_int_equal(r.v[0].id, b);
    assert_int_equal(r.v[0].until, USEC_INFINITY);
    assert_false(r.v[0].all);
    assert_string_equal(r.note[0], "(null)");
    assert_int_equal(r.v[0].ended, 0);
    assert_int_equal(r.v[1].id, a);
    assert_int_equal(r.v[1].until, 2000);
    assert_true(r.v[1].all);
    assert_string_equal(r.note[1], "trip");
    /* Ended once only. */
    assert_int_equal(store_pause_end(st, b, 1500), 0);
    assert_int_equal(store_pause_end(st, b, 1600), -ENOENT);
    assert_int_equal(store_pause_end(st, 99, 1600), -ENOENT);
    r.n = 0;
    assert_int_equal(store_pauses(st, collect_pause, &r), 0);
    assert_int_equal(r.v[0].ended, 1500);
    store_close(st);
}

static void test_migration_failure_rolls_back(void **state)
{
    /* user_version 0 with tables that are not v0's: some other program's database. The
     * migration fails as a whole; the file is left exactly as it was, and not set aside. */
    assert_int_equal(mkdir(statedir, 0700), 0);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(dbfile, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "CREATE TABLE notes (x); INSERT INTO notes VALUES (1);"
                                  " CREATE TABLE checkins (y);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    struct store *st = NULL;
    char note[512] = "", err[512] = "";
    assert_int_equal(store_open(statedir, &st, note, sizeof note, err, sizeof err), -EIO);
    assert_null(st);
    assert_non_null(strstr(err, dbfile));
    assert_non_null(strstr(err, "history"));
    db = raw_open(dbfile);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 0);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM notes"), 1);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM sqlite_master"), 2);
    sqlite3_close(db);
}

static void test_newer_schema_refused(void **state)
{
    store_close(open_ok());
    sqlite3 *db = raw_open(dbfile);
    assert_int_equal(sqlite3_exec(db, "PRAGMA user_version = 7", NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);

    struct store *st = NULL;
    char note[256] = "", err[512] = "";
    assert_int_equal(store_open(statedir, &st, note, sizeof note, err, sizeof err), -EPROTO);
    assert_null(st);
    assert_non_null(strstr(err, dbfile));
    assert_non_null(strstr(err, "7"));
    assert_null(strchr(err, '\n'));
    assert_string_equal(note, "");
    err[0] = 0;
    assert_int_equal(store_open_snapshot(statedir, &st, err, sizeof err), -EPROTO);
    assert_non_null(strstr(err, dbfile));
    db = raw_open(dbfile);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 7); /* left alone */
    sqlite3_close(db);
}

/* ---- damaged files ---- */

/* Opens a damaged nudge.db: it must be moved aside with its -wal and -shm (bytes intact), a
 * fresh database take its place, and the note name both files in one line. */
static void expect_set_aside(bool with_sidecars)
{
    size_t len, wal_len = 0;
    char *before = read_file(dbfile, &len);
    char wal[200], shm[200];
    snprintf(wal, sizeof wal, "%s-wal", dbfile);
    snprintf(shm, sizeof shm, "%s-shm", dbfile);
    if (with_sidecars) {
        write_file(wal, "not a wal", 9);
        write_file(shm, "not a shm", 9);
    }
    char *wal_before = read_file(wal, &wal_len);

    struct store *st = NULL;
    char note[1024] = "", err[512] = "";
    int r = store_open(statedir, &st, note, sizeof note, err, sizeof err);
    if (r != 0) fail_msg("store_open: %d: %s", r, err);
    assert_null(strchr(note, '\n'));
    assert_non_null(strstr(note, dbfile));
    char *aside = strstr(note, ".corrupt-");
    assert_non_null(aside);
    /* The name moved to: from the first dbfile after "moved it to " up to a space. */
    const char *to = strstr(note, "moved it to ");
    assert_non_null(to);
    to += strlen("moved it to ");
    char aside_path[300];
    size_t n = strcspn(to, " ");
    assert_true(n < sizeof aside_path);
    memcpy(aside_path, to, n);
    aside_path[n] = 0;
    assert_int_equal(strncmp(aside_path, dbfile, strlen(dbfile)), 0);
    assert_non_null(strstr(aside_path, ".corrupt-"));

    size_t aside_len;
    char *moved = read_file(aside_path, &aside_len);
    assert_non_null(moved);
    assert_int_equal(aside_len, len);
    assert_memory_equal(moved, before, len);
    char sidecar[320];
    snprintf(sidecar, sizeof sidecar, "%s-wal", aside_path);
    if (wal_before) {
        size_t l;
        char *w = read_file(sidecar, &l);
        assert_non_null(w);
        assert_int_equal(l, wal_len);
        assert_memory_equal(w, wal_before, wal_len);
        free(w);
        snprintf(sidecar, sizeof sidecar, "%s-shm", aside_path);
        assert_true(exists(sidecar));
    }

    /* The fresh database works and is empty. */
    struct fires f = {0};
    assert_int_equal(store_history(st, 0, 0, collect_fire, &f), 0);
    assert_int_equal(f.n, 0);
    assert_int_equal(store_record_fire(st, "r", "notify", 1, 1, NULL, NULL), 0);
    store_close(st);
    assert_integrity_ok(dbfile);
    free(before);
    free(moved);
    free(wal_before);
}

static void test_corrupt_random_bytes(void **state)
{
    assert_int_equal(mkdir(statedir, 0700), 0);
    unsigned char junk[5000];
    srand(7);
    for (size_t i = 0; i < sizeof junk; i++)
        junk[i] = (unsigned char)rand();
    write_file(dbfile, junk, sizeof junk);
    expect_set_aside(true);

    /* A second damaged file in the same second gets its own name; the first is kept. */
    write_file(dbfile, "hello", 5);
    expect_set_aside(false);
    int count = 0;
    DIR *d = opendir(statedir);
    assert_non_null(d);
    for (struct dirent *e; (e = readdir(d));)
        count += strstr(e->d_name, ".corrupt-") != NULL;
    closedir(d);
    assert_int_equal(count, 4); /* two databases, one -wal and one -shm */
}

/* A real database with enough rows to span many pages, closed (so all of it is in the file). */
static void make_full_db(void)
{
    struct store *st = open_ok();
    char title[200];
    memset(title, 'x', sizeof title - 1);
    title[sizeof title - 1] = 0;
    for (int i = 0; i < 400; i++)
        assert_int_equal(store_record_fire(st, "r", "notify", i, i, title, NULL), 0);
    store_close(st);
    char wal[200];
    snprintf(wal, sizeof wal, "%s-wal", dbfile);
    assert_false(exists(wal)); /* checkpointed and removed on close */
}

static void test_corrupt_header(void **state)
{
    make_full_db();
    int fd = open(dbfile, O_WRONLY);
    assert_true(fd >= 0);
    char zeros[100] = {0};
    assert_int_equal(pwrite(fd, zeros, sizeof zeros, 0), (ssize_t)sizeof zeros);
    close(fd);
    expect_set_aside(false);
}

static void test_corrupt_truncated(void **state)
{
    make_full_db();
    struct stat sb;
    assert_int_equal(stat(dbfile, &sb), 0);
    assert_true(sb.st_size > 8 * 4096);
    assert_int_equal(truncate(dbfile, sb.st_size / 2), 0);
    expect_set_aside(false);
}

static void test_corrupt_page(void **state)
{
    /* A header that is fine and a b-tree page in the middle overwritten: only quick_check sees. */
    make_full_db();
    int fd = open(dbfile, O_WRONLY);
    assert_true(fd >= 0);
    unsigned char junk[4096];
    memset(junk, 0xa5, sizeof junk);
    assert_int_equal(pwrite(fd, junk, sizeof junk, 4 * 4096), (ssize_t)sizeof junk);
    close(fd);
    expect_set_aside(false);
}

static void test_empty_file_is_new(void **state)
{
    /* An empty file is how SQLite begins a database, not damage. */
    assert_int_equal(mkdir(statedir, 0700), 0);
    write_file(dbfile, "", 0);
    store_close(open_ok());
    assert_integrity_ok(dbfile);
}

/* ---- snapshots ---- */

static void test_snapshot_never_writes(void **state)
{
    struct store *st = open_ok();
    int64_t fire;
    assert_int_equal(store_record_fire(st, "evening", "checkin", 1, 1, "t", &fire), 0);
    assert_int_equal(store_kv_set(st, "k", "v", 1), 0);
    store_close(st);
    size_t len;
    char *before = read_file(dbfile, &len);

    char err[256] = "";
    assert_int_equal(store_open_snapshot(statedir, &st, err, sizeof err), 0);
    assert_string_equal(store_path(st), "");
    /* It reads the real state... */
    void *v;
    size_t vlen;
    assert_int_equal(store_kv_get(st, "k", &v, &vlen), 0);
    free(v);
    assert_int_equal(store_last_fire(st, "evening", NULL, NULL), 0);
    /* ...and takes writes of every kind, in memory. */
    assert_int_equal(store_record_answer(st, fire, "done", 2, "daemon"), 0);
    assert_int_equal(store_record_fire(st, "evening", "checkin", 3, 3, NULL, NULL), 0);
    assert_int_equal(store_kv_set(st, "k", "w", 1), 0);
    assert_int_equal(store_kv_set(st, "new", "n", 1), 0);
    assert_int_equal(store_add_checkin(st, 4, 3, NULL, NULL), 0);
    assert_int_equal(store_promise_add(st, "p", "t", 5, "rules", 5, NULL), 0);
    assert_int_equal(store_gesture_add(st, "g", "x", 6), 0);
    assert_int_equal(store_oneshot_mark(st, "o", 7), 0);
    assert_int_equal(store_set_last_fire(st, "evening", 3, 3), 0);
    assert_int_equal(store_snooze_add(st, "evening", fire, 8, "b", 1, NULL), 0);
    struct fires f = {0};
    assert_int_equal(store_history(st, 0, 0, collect_fire, &f), 0);
    assert_int_equal(f.n, 2);
    store_close(st);

    size_t after_len;
    char *after = read_file(dbfile, &after_len);
    assert_int_equal(after_len, len);
    assert_memory_equal(after, before, len);
    free(before);
    free(after);
    /* Not even a -wal or -shm appears beside a database no daemon has open. */
    char side[200];
    snprintf(side, sizeof side, "%s-wal", dbfile);
    assert_false(exists(side));
    snprintf(side, sizeof side, "%s-shm", dbfile);
    assert_false(exists(side));

    st = open_ok();
    f.n = 0;
    assert_int_equal(store_history(st, 0, 0, collect_fire, &f), 0);
    assert_int_equal(f.n, 1);
    assert_string_equal(f.answer[0], "(null)");
    assert_int_equal(store_kv_get(st, "new", &v, &vlen), -ENOENT);
    store_close(st);
}

static void test_snapshot_missing(void **state)
{
    /* No folder at all: an empty database, and the folder is not created. */
    struct store *st = NULL;
    char err[256] = "";
    assert_int_equal(store_open_snapshot(statedir, &st, err, sizeof err), 0);
    struct fires f = {0};
    assert_int_equal(store_history(st, 0, 0, collect_fire, &f), 0);
    assert_int_equal(f.n, 0);
    assert_int_equal(store_record_fire(st, "r", "notify", 1, 1, NULL, NULL), 0);
    store_close(st);
    assert_false(exists(statedir));

    /* Not a database: refused with the file named, and left where it is. */
    assert_int_equal(mkdir(statedir, 0700), 0);
    write_file(dbfile, "garbage!garbage!garbage!", 24);
    assert_int_equal(store_open_snapshot(statedir, &st, err, sizeof err), -EIO);
    assert_null(st);
    assert_non_null(strstr(err, dbfile));
    assert_true(exists(dbfile));
}

static void test_snapshot_of_v0_migrates_in_memory(void **state)
{
    char fixture[512];
    v0_fixture(fixture, sizeof fixture);
    assert_int_equal(mkdir(statedir, 0700), 0);
    copy_file(fixture, dbfile);
    size_t len;
    char *before = read_file(dbfile, &len);

    struct store *st = NULL;
    char err[256] = "";
    assert_int_equal(store_open_snapshot(statedir, &st, err, sizeof err), 0);
    struct fires f = {0};
    assert_int_equal(store_history(st, 0, 0, collect_fire, &f), 0);
    assert_int_equal(f.n, 5);
    assert_int_equal(f.fired[0], 1795813200 * S);
    store_close(st);

    size_t after_len;
    char *after = read_file(dbfile, &after_len);
    assert_int_equal(after_len, len);
    assert_memory_equal(after, before, len);
    free(before);
    free(after);
    sqlite3 *db = raw_open(dbfile);
    assert_int_equal(raw_int(db, "PRAGMA user_version"), 0);
    sqlite3_close(db);
}

/* Whether this process holds a POSIX lock on path (/proc/locks; F_GETLK cannot see our own). */
static bool hold_lock_on(const char *path)
{
    struct stat sb;
    if (stat(path, &sb) < 0) return false;
    FILE *f = fopen("/proc/locks", "r");
    if (!f) return false;
    char line[256], want[64];
    snprintf(want, sizeof want, ":%llu ", (unsigned long long)sb.st_ino);
    bool found = false;
    while (!found && fgets(line, sizeof line, f)) {
        long pid = 0;
        if (sscanf(line, "%*s POSIX %*s %*s %ld", &pid) == 1 && pid == (long)getpid())
            found = strstr(line, want) != NULL;
    }
    fclose(f);
    return found;
}

/* Inside the process that has the file open: copied through its own connection, never opened
 * again (closing a second descriptor would drop the first one's locks). */
static void test_copy_of_live(void **state)
{
    struct store *st = open_ok();
    int64_t fire;
    assert_int_equal(store_record_fire(st, "evening", "checkin", 1, 1, "t", &fire), 0);
    assert_int_equal(store_kv_set(st, "k", "v", 1), 0);
    bool proc_locks = access("/proc/locks", R_OK) == 0;
    if (proc_locks) assert_true(hold_lock_on(dbfile));

    char err[256] = "";
    struct store *other = NULL;
    assert_int_equal(store_open_snapshot(statedir, &other, err, sizeof err), -EBUSY);
    assert_null(other);
    assert_non_null(strstr(err, dbfile));
    assert_int_equal(store_open(statedir, &other, NULL, 0, err, sizeof err), -EBUSY);
    assert_null(other);

    for (int i = 0; i < 3; i++) {
        struct store *copy = NULL;
        assert_int_equal(store_copy(st, &copy, err, sizeof err), 0);
        assert_string_equal(store_path(copy), "");
        void *v;
        size_t vlen;
        assert_int_equal(store_kv_get(copy, "k", &v, &vlen), 0);
        free(v);
        assert_int_equal(store_record_answer(copy, fire, "done", 2, "daemon"), 0);
        assert_int_equal(store_kv_set(copy, "only-in-copy", "x", 1), 0);
        store_close(copy);
    }
    if (proc_locks) assert_true(hold_lock_on(dbfile));
    /* Nothing written to the copy reached the live store; the live one still writes. */
    void *v;
    size_t vlen;
    assert_int_equal(store_kv_get(st, "only-in-copy", &v, &vlen), -ENOENT);
    struct fires f = {0};
    assert_int_equal(store_history(st, 0, 0, collect_fire, &f), 0);
    assert_string_equal(f.answer[0], "(null)");
    assert_int_equal(store_kv_set(st, "k2", "w", 1), 0);
    store_close(st);

    /* Closed: the file may be read again. */
    assert_int_equal(store_open_snapshot(statedir, &other, err, sizeof err), 0);
    assert_int_equal(store_kv_get(other, "k2", &v, &vlen), 0);
    free(v);
    store_close(other);
}

/* Links at any of the state's names are refused, by the daemon's open and by a snapshot, and
 * nothing is created at their targets; whatever the umask, the files are 0600. */
static void test_links_and_modes(void **state)
{
    static const char *const sfx[] = {"", "-wal", "-shm", "-journal"};
    char target[200], link[200], err[512];
    snprintf(target, sizeof target, "%s/target", tmpdir);
    for (size_t i = 0; i < sizeof sfx / sizeof *sfx; i++) {
        assert_int_equal(mkdir(statedir, 0700), 0);
        snprintf(link, sizeof link, "%s%s", dbfile, sfx[i]);
        assert_int_equal(symlink(target, link), 0);
        struct store *st = NULL;
        err[0] = 0;
        assert_int_equal(store_open(statedir, &st, NULL, 0, err, sizeof err), -ELOOP);
        assert_null(st);
        assert_non_null(strstr(err, link));
        assert_non_null(strstr(err, "symbolic link"));
        assert_null(strchr(err, '\n'));
        assert_int_equal(store_open_snapshot(statedir, &st, err, sizeof err), -ELOOP);
        assert_false(exists(target));
        assert_int_equal(unlink(link), 0);
        if (i > 0) unlink(dbfile);
        assert_int_equal(rmdir(statedir), 0);
    }

    mode_t old = umask(0);
    struct store *st = open_ok();
    assert_int_equal(store_kv_set(st, "k", "v", 1), 0);
    umask(old);
    struct stat sb;
    assert_int_equal(stat(statedir, &sb), 0);
    assert_int_equal(sb.st_mode & 07777, 0700);
    for (size_t i = 0; i < 3; i++) {
        snprintf(link, sizeof link, "%s%s", dbfile, sfx[i]);
        assert_int_equal(stat(link, &sb), 0);
        assert_int_equal(sb.st_mode & 07777, 0600);
    }
    store_close(st);
}

/* ---- durability ---- */

/* The child records an answer and dies the instant the call returns; the parent must find it.
 * Half the runs _exit (no atexit, no close), half SIGKILL themselves. The last run leaves the
 * WAL uncheckpointed for the snapshot to read. */
static void test_answer_survives_kill(void **state)
{
    for (int i = 0; i < 20; i++) {
        /* A fire of its own each round: the first answer is the one a fire keeps. */
        struct store *st = open_ok();
        int64_t fire;
        assert_int_equal(store_record_fire(st, "evening", "checkin", 1 + i, 1 + i, NULL, &fire), 0);
        store_close(st);
        pid_t pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
            struct store *c = NULL;
            char note[256], err[256];
            if (store_open(statedir, &c, note, sizeof note, err, sizeof err) != 0) _exit(10);
            if (store_record_answer(c, fire, i % 2 ? "done" : "skipped", (usec_t)(100 + i) * S,
                                    "action") != 0)
                _exit(11);
            if (i % 2) _exit(0);
            kill(getpid(), SIGKILL);
            _exit(12);
        }
        int status;
        assert_int_equal(waitpid(pid, &status, 0), pid);
        if (i % 2) {
            assert_true(WIFEXITED(status));
            assert_int_equal(WEXITSTATUS(status), 0);
        } else {
            assert_true(WIFSIGNALED(status));
            assert_int_equal(WTERMSIG(status), SIGKILL);
        }

        /* What a reader sees before anyone reopens it with store_open (which would checkpoint
         * on close): the WAL holds the answer. */
        if (i == 19) {
            char wal[200];
            snprintf(wal, sizeof wal, "%s-wal", dbfile);
            size_t db_len, wal_len, len;
            char *db_before = read_file(dbfile, &db_len), *wal_before = read_file(wal, &wal_len);
            assert_non_null(wal_before);
            assert_true(wal_len > 0);

            struct store *snap = NULL;
            char err[256] = "";
            assert_int_equal(store_open_snapshot(statedir, &snap, err, sizeof err), 0);
            struct fires f = {0};
            assert_int_equal(store_last_fire(snap, "evening", collect_fire, &f), 0);
            assert_int_equal(f.answered[0], 119 * S);
            assert_int_equal(store_record_answer(snap, fire, "broken", 999 * S, "daemon"), 0);
            store_close(snap);

            char *after = read_file(dbfile, &len);
            assert_int_equal(len, db_len);
            assert_memory_equal(after, db_before, len);
            free(after);
            after = read_file(wal, &len);
            assert_int_equal(len, wal_len);
            assert_memory_equal(after, wal_before, len);
            free(after);
            free(db_before);
            free(wal_before);
        }

        st = open_ok();
        struct fires f = {0};
        assert_int_equal(store_last_fire(st, "evening", collect_fire, &f), 0);
        assert_int_equal(f.answered[0], (usec_t)(100 + i) * S);
        assert_string_equal(f.answer[0], i % 2 ? "done" : "skipped");
        store_close(st);
        assert_integrity_ok(dbfile);
    }
    sqlite3 *db = raw_open(dbfile);
    assert_int_equal(raw_int(db, "SELECT count(*) FROM answers"), 20);
    sqlite3_close(db);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_open_creates_folder_and_schema, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_folder_uncreatable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_unreadable, setup, teardown),
        cmocka_unit_test_setup_teardown(test_memory_and_paths, setup, teardown),
        cmocka_unit_test_setup_teardown(test_fires_and_answers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_order, setup, teardown),
        cmocka_unit_test_setup_teardown(test_callbacks_stop_and_reenter, setup, teardown),
        cmocka_unit_test_setup_teardown(test_checkins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_promises, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gestures, setup, teardown),
        cmocka_unit_test_setup_teardown(test_oneshots_and_last_fire, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snoozes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_kv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v0, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v3, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migrate_v4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sync_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pauses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_migration_failure_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_newer_schema_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_random_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_corrupt_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_empty_file_is_new, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_never_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_missing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_snapshot_of_v0_migrates_in_memory, setup, teardown),
        cmocka_unit_test_setup_teardown(test_answer_survives_kill, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_of_live, setup, teardown),
        cmocka_unit_test_setup_teardown(test_links_and_modes, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
