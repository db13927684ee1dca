/* The state database on SQLite. Layout of this file: the schema and its migrations, the cached
 * statements, opening (with corruption handling and snapshots), then one section per table. */
#include "store/store.h"

#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "common/errbuf.h"
#include "common/heldfiles.h"
#include "common/log.h"
#include "common/paths.h"

/* ---- schema ---- */

/* Schema v1, frozen: the v0 -> v1 migration creates exactly these tables, so a migrated
 * database and a fresh one have the same sqlite_master (a unit test compares them). STRICT
 * makes SQLite refuse a value of the wrong type instead of storing it. */
#define SCHEMA_V1                                                                                  \
    "CREATE TABLE fires ("                                                                         \
    " id INTEGER PRIMARY KEY,"                                                                     \
    " reminder TEXT NOT NULL CHECK (length(reminder) > 0),"                                        \
    " kind TEXT NOT NULL,"                                                                         \
    " scheduled INTEGER NOT NULL,"                                                                 \
    " fired INTEGER NOT NULL,"                                                                     \
    " title TEXT,"                                                                                 \
    " notification BLOB" /* what was shown, so a snooze can show it again */                       \
    ") STRICT;"                                                                                    \
    "CREATE INDEX fires_by_time ON fires (fired, id);"                                             \
    "CREATE INDEX fires_by_reminder ON fires (reminder, fired, id);"                               \
    "CREATE TABLE answers ("                                                                       \
    " id INTEGER PRIMARY KEY,"                                                                     \
    " fire INTEGER NOT NULL REFERENCES fires (id) ON DELETE CASCADE,"                              \
    " answer TEXT NOT NULL CHECK (answer IN"                                                       \
    "  ('done', 'snoozed', 'skipped', 'kept', 'broken', 'not_yet', 'expired')),"                   \
    " at INTEGER NOT NULL,"                                                                        \
    " source TEXT NOT NULL"                                                                        \
    ") STRICT;"                                                                                    \
    "CREATE INDEX answers_by_fire ON answers (fire, at, id);"                                      \
    "CREATE TABLE checkins ("                                                                      \
    " id INTEGER PRIMARY KEY,"                                                                     \
    " at INTEGER NOT NULL,"                                                                        \
    " mood INTEGER CHECK (mood BETWEEN 1 AND 5),"                                                  \
    " note TEXT"                                                                                   \
    ") STRICT;"                                                                                    \
    "CREATE INDEX checkins_by_time ON checkins (at, id);"                                          \
    "CREATE TABLE promises ("                                                                      \
    " id INTEGER PRIMARY KEY,"                                                                     \
    " key TEXT UNIQUE,"                                                                            \
    " text TEXT NOT NULL,"                                                                         \
    " due INTEGER NOT NULL,"                                                                       \
    " source TEXT NOT NULL CHECK (source IN ('rules', 'nudgectl')),"                               \
    " state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'kept', 'broken')),"             \
    " created INTEGER NOT NULL,"                                                                   \
    " answered INTEGER,"                                                                           \
    " CHECK ((state = 'open') = (answered IS NULL))"                                               \
    ") STRICT;"                                                                                    \
    "CREATE INDEX promises_by_due ON promises (due, id);"                                          \
    "CREATE TABLE gestures ("                                                                      \
    " id INTEGER PRIMARY KEY,"                                                                     \
    " reminder TEXT NOT NULL,"                                                                     \
    " gesture TEXT NOT NULL,"                                                                      \
    " at INTEGER NOT NULL"                                                                         \
    ") STRICT;"                                                                                    \
    "CREATE INDEX gestures_by_reminder ON gestures (reminder, at, id);"                            \
    "CREATE TABLE oneshots ("                                                                      \
    " reminder TEXT PRIMARY KEY,"                                                                  \
    " fired INTEGER NOT NULL"                                                                      \
    ") WITHOUT ROWID, STRICT;"                                                                     \
    "CREATE TABLE last_fire ("                                                                     \
    " reminder TEXT PRIMARY KEY,"                                                                  \
    " scheduled INTEGER NOT NULL,"                                                                 \
    " fired INTEGER NOT NULL"                                                                      \
    ") WITHOUT ROWID, STRICT;"                                                                     \
    "CREATE TABLE snoozes ("                                                                       \
    " id INTEGER PRIMARY KEY,"                                                                     \
    " reminder TEXT NOT NULL,"                                                                     \
    " fire INTEGER REFERENCES fires (id) ON DELETE SET NULL,"                                      \
    " due INTEGER NOT NULL,"                                                                       \
    " blob BLOB NOT NULL"                                                                          \
    ") STRICT;"                                                                                    \
    "CREATE INDEX snoozes_by_due ON snoozes (due, id);"                                            \
    "CREATE INDEX snoozes_by_fire ON snoozes (fire);"                                              \
    "CREATE TABLE kv ("                                                                            \
    " key TEXT PRIMARY KEY,"                                                                       \
    " value BLOB NOT NULL"                                                                         \
    ") WITHOUT ROWID, STRICT;"

/* v2: the report reads check-in and gesture fires by kind; without an index it scanned every
 * fire of the history (two million rows of a busy plan: a second on the loop per report). */
#define SCHEMA_V2_INDEX "CREATE INDEX fires_by_kind ON fires (kind, fired, id);"

/* v3: the life of a fire and of a promise (SPEC 2.3). A fire knows where it came from (a
 * rule's schedule, a snooze's re-show of `parent`, a hand fire) and the history has rows for a
 * fire that was due but not shown (`silenced`, the reason in `source`) and for a snooze that a
 * settlement cancelled. A promise can be deleted (the row stays, for the history) and counts
 * the "not yet" re-asks it has had. SQLite cannot change a CHECK in place: answers and
 * promises are rebuilt, inside migrate()'s one transaction. */
#define SCHEMA_V3                                                                                  \
    "ALTER TABLE fires ADD COLUMN origin TEXT NOT NULL DEFAULT 'rule'"                             \
    " CHECK (origin IN ('rule', 'snooze', 'manual'));"                                             \
    "ALTER TABLE fires ADD COLUMN parent INTEGER REFERENCES fires (id) ON DELETE SET NULL;"        \
    "ALTER TABLE answers RENAME TO v2_answers;"                                                    \
    "CREATE TABLE answers ("                                                                       \
    " id INTEGER PRIMARY KEY,"                                                                     \
    " fire INTEGER NOT NULL REFERENCES fires (id) ON DELETE CASCADE,"                              \
    " answer TEXT NOT NULL CHECK (answer IN"                                                       \
    "  ('done', 'snoozed', 'skipped', 'kept', 'broken', 'not_yet', 'expired', 'silenced',"         \
    "   'cancelled')),"                                                                            \
    " at INTEGER NOT NULL,"                                                                        \
    " source TEXT NOT NULL"                                                                        \
    ") STRICT;"                                                                                    \
    "INSERT INTO answers (id, fire, answer, at, source)"                                           \
    " SELECT id, fire, answer, at, source FROM v2_answers ORDER BY id;"                            \
    "DROP TABLE v2_answers;"                                                                       \
    "CREATE INDEX answers_by_fire ON answers (fire, at, id);"                                      \
    "ALTER TABLE promises RENAME TO v2_promises;"                                                  \
    "CREATE TABLE promises ("                                                                      \
    " id INTEGER PRIMARY KEY,"                                                                     \
    " key TEXT UNIQUE,"                                                                            \
    " text TEXT NOT NULL,"                                                                         \
    " due INTEGER NOT NULL,"                                                                       \
    " source TEXT NOT NULL CHECK (source IN ('rules', 'nudgectl')),"                               \
    " state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'kept', 'broken', 'deleted')),"  \
    " created INTEGER NOT NULL,"                                                                   \
    " answered INTEGER,"                                                                           \
    " asks INTEGER NOT NULL DEFAULT 0 CHECK (asks >= 0),"                                          \
    " CHECK ((state = 'open') = (answered IS NULL))"                                               \
    ") STRICT;"                                                                                    \
    "INSERT INTO promises (id, key, text, due, source, state, created, answered)"                  \
    " SELECT id, key, text, due, source, state, created, answered FROM v2_promises ORDER BY id;"   \
    "DROP TABLE v2_promises;"                                                                      \
    "CREATE INDEX promises_by_due ON promises (due, id);"

/* v4: pauses made with `nudgectl pause` (SPEC 2.4). `until` NULL is "until nudgectl resume";
 * `ended` is when a resume ended it (a pause is never deleted: the report draws past ones).
 * Rule-file pauses are not stored: the rule file is their record. */
#define SCHEMA_V4                                                                                  \
    "CREATE TABLE pauses ("                                                                        \
    " id INTEGER PRIMARY KEY,"                                                                     \
    " start INTEGER NOT NULL,"                                                                     \
    " until INTEGER CHECK (until IS NULL OR until > start),"                                      \
    " all_kinds INTEGER NOT NULL DEFAULT 0 CHECK (all_kinds IN (0, 1)),"                          \
    " note TEXT,"                                                                                  \
    " created INTEGER NOT NULL,"                                                                   \
    " ended INTEGER"                                                                               \
    ") STRICT;"                                                                                    \
    "CREATE INDEX pauses_by_start ON pauses (start, id);"

/* v5: CalDAV sync (SPEC 7). A fire keeps its calendar UID (NULL for fires recorded before), so
 * an answer from another device finds it; sync_items are the tasks nudge put on the server;
 * sync_held an answer from another device to a fire that has not come yet (`due` is the UID's
 * time, after which it is given up). */
#define SCHEMA_V5                                                                                  \
    "ALTER TABLE fires ADD COLUMN uid TEXT;"                                                       \
    "CREATE INDEX fires_by_uid ON fires (uid, fired, id);"                                         \
    "CREATE TABLE sync_items ("                                                                    \
    " uid TEXT PRIMARY KEY,"                                                                       \
    " href TEXT NOT NULL,"                                                                         \
    " etag TEXT,"                                                                                  \
    " due INTEGER NOT NULL"                                                                        \
    ") WITHOUT ROWID, STRICT;"                                                                     \
    "CREATE TABLE sync_held ("                                                                     \
    " uid TEXT PRIMARY KEY,"                                                                       \
    " reminder TEXT NOT NULL,"                                                                     \
    " answer TEXT NOT NULL CHECK (answer IN ('done', 'skipped')),"                                 \
    " at INTEGER NOT NULL,"                                                                        \
    " due INTEGER NOT NULL"                                                                        \
    ") WITHOUT ROWID, STRICT;"                                                                     \
    /* the daemon's own settings: the PRNG seed, the server sync_items belong to */              \
    "CREATE TABLE meta ("                                                                          \
    " key TEXT PRIMARY KEY,"                                                                       \
    " value TEXT NOT NULL"                                                                         \
    ") WITHOUT ROWID, STRICT;"

/* What a new database gets; bump together with STORE_SCHEMA_VERSION and add a migration. */
#define SCHEMA_CURRENT SCHEMA_V1 SCHEMA_V2_INDEX SCHEMA_V3 SCHEMA_V4 SCHEMA_V5

/* v0 (written down in tests/data/state/make-v0.sh) kept fires and their one answer in a single
 * `history` row, times in whole seconds, mood 0 for none, open promises as 'pending', and had
 * no snoozes or kv. Its tables are renamed aside, v1 is created, the rows are copied, and the
 * old tables dropped, all in the one transaction migrate() wraps around it. */
static const char migrate_v0_v1[] =
    "ALTER TABLE history RENAME TO v0_history;"
    "ALTER TABLE checkins RENAME TO v0_checkins;"
    "ALTER TABLE promises RENAME TO v0_promises;"
    "ALTER TABLE gestures RENAME TO v0_gestures;"
    "ALTER TABLE oneshots RENAME TO v0_oneshots;"
    "ALTER TABLE last_fire RENAME TO v0_last_fire;" SCHEMA_V1
    "INSERT INTO fires (id, reminder, kind, scheduled, fired, title)"
    " SELECT id, reminder, kind, scheduled * 1000000, fired * 1000000, title FROM v0_history;"
    "INSERT INTO answers (fire, answer, at, source)"
    " SELECT id, answer, coalesce(answered, fired) * 1000000, coalesce(source, 'daemon')"
    " FROM v0_history WHERE answer IS NOT NULL ORDER BY id;"
    "INSERT INTO checkins (id, at, mood, note)"
    " SELECT id, at * 1000000, nullif(mood, 0), note FROM v0_checkins;"
    "INSERT INTO promises (id, key, text, due, source, state, created, answered)"
    " SELECT id, key, text, due * 1000000, source,"
    "  CASE state WHEN 'pending' THEN 'open' ELSE state END, created * 1000000,"
    "  CASE WHEN state = 'pending' THEN NULL ELSE coalesce(answered, created) * 1000000 END"
    " FROM v0_promises;"
    "INSERT INTO gestures (reminder, gesture, at)"
    " SELECT reminder, gesture, at * 1000000 FROM v0_gestures ORDER BY rowid;"
    "INSERT INTO oneshots (reminder, fired) SELECT reminder, fired * 1000000 FROM v0_oneshots;"
    "INSERT INTO last_fire (reminder, scheduled, fired)"
    " SELECT reminder, scheduled * 1000000, fired * 1000000 FROM v0_last_fire;"
    "DROP TABLE v0_history;"
    "DROP TABLE v0_checkins;"
    "DROP TABLE v0_promises;"
    "DROP TABLE v0_gestures;"
    "DROP TABLE v0_oneshots;"
    "DROP TABLE v0_last_fire;";

/* migrations[n] takes a database from user_version n to n + 1. */
static const char *const migrations[] = {migrate_v0_v1, SCHEMA_V2_INDEX, SCHEMA_V3, SCHEMA_V4,
                                         SCHEMA_V5};

_Static_assert(sizeof migrations / sizeof migrations[0] == STORE_SCHEMA_VERSION,
               "one migration per schema version");

/* ---- statements ---- */

enum stmt_id {
    Q_FIRE_INSERT,
    Q_FIRE_LAST,
    Q_ANSWER_INSERT,
    Q_HISTORY,
    Q_REPORT_FIRES,
    Q_CHECKIN_INSERT,
    Q_CHECKINS,
    Q_PROMISE_UPSERT,
    Q_PROMISE_STATE,
    Q_PROMISE_GET,
    Q_PROMISES,
    Q_PROMISE_EDIT,
    Q_PROMISE_ASKS,
    Q_GESTURE_INSERT,
    Q_GESTURES,
    Q_ONESHOT_MARK,
    Q_ONESHOT_GET,
    Q_LAST_FIRE_SET,
    Q_LAST_FIRE_GET,
    Q_SNOOZE_INSERT,
    Q_SNOOZE_DELETE,
    Q_SNOOZES,
    Q_KV_SET,
    Q_KV_SIZE,
    Q_KV_ENTRY_SIZE,
    Q_KV_DELETE,
    Q_KV_GET,
    Q_KV_EACH,
    Q_FIRE_ATTACH,
    Q_FIRE_BLOB,
    Q_FIRE_GET,
    Q_PAUSE_INSERT,
    Q_PAUSE_END,
    Q_PAUSES,
    Q_FIRE_BY_UID,
    Q_SYNC_ITEM_PUT,
    Q_SYNC_ITEM_DELETE,
    Q_SYNC_ITEMS,
    Q_SYNC_HELD_PUT,
    Q_SYNC_HELD_GET,
    Q_SYNC_HELD_DELETE,
    Q_SYNC_HELD_DROP,
    Q_SYNC_HELD_COUNT,
    Q_SYNC_ITEMS_CLEAR,
    Q_META_GET,
    Q_META_SET,
    Q_COUNT
};

/* The columns every fire query returns, in struct store_fire order. The answer is the one that
 * settled the fire: the first (SPEC 2.3, the first answer wins), not counting a "cancelled"
 * snooze, which follows a "snoozed" and leaves it the fire's state. */
#define FIRE_SELECT                                                                                \
    "SELECT f.id, f.reminder, f.kind, f.title, f.scheduled, f.fired, a.answer, a.at, f.origin,"    \
    " a.source, f.parent"                                                                          \
    " FROM fires f LEFT JOIN answers a ON a.id ="                                                  \
    " (SELECT id FROM answers WHERE fire = f.id AND answer != 'cancelled'"                         \
    "  ORDER BY at, id LIMIT 1) "
#define PROMISE_SELECT                                                                             \
    "SELECT id, key, text, due, source, state, created, answered, asks FROM promises "

static const char *const stmt_sql[Q_COUNT] = {
    [Q_FIRE_INSERT] = "INSERT INTO fires (reminder, kind, scheduled, fired, title, origin, parent,"
                      " uid) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    [Q_FIRE_ATTACH] = "UPDATE fires SET notification = ?2 WHERE id = ?1",
    [Q_FIRE_BLOB] = "SELECT notification FROM fires WHERE id = ?1 AND notification IS NOT NULL",
    [Q_FIRE_GET] = FIRE_SELECT "WHERE f.id = ?1",
    [Q_FIRE_LAST] = FIRE_SELECT "WHERE f.reminder = ?1 ORDER BY f.fired DESC, f.id DESC LIMIT 1",
    [Q_ANSWER_INSERT] = "INSERT INTO answers (fire, answer, at, source) VALUES (?1, ?2, ?3, ?4)",
    [Q_HISTORY] = FIRE_SELECT "WHERE f.fired >= ?1 ORDER BY f.fired DESC, f.id DESC LIMIT ?2",
    /* Hand fires never count (SPEC 2.3). */
    [Q_REPORT_FIRES] = FIRE_SELECT "WHERE f.kind IN ('checkin', 'gesture') AND f.origin != 'manual'"
                                   " ORDER BY f.fired, f.id",
    [Q_CHECKIN_INSERT] = "INSERT INTO checkins (at, mood, note) VALUES (?1, ?2, ?3)",
    [Q_CHECKINS] = "SELECT id, at, mood, note FROM checkins WHERE at >= ?1 ORDER BY at, id",
    /* A rule promise met again keeps its id, state and creation time; NULL keys never
     * conflict, so each nudgectl promise is a new row. */
    [Q_PROMISE_UPSERT] = "INSERT INTO promises (key, text, due, source, created)"
                         " VALUES (?1, ?2, ?3, ?4, ?5)"
                         " ON CONFLICT (key) DO UPDATE SET text = excluded.text, due = excluded.due"
                         " RETURNING id",
    /* Open again (reopened): its re-asks are counted afresh. */
    [Q_PROMISE_STATE] = "UPDATE promises SET state = ?2,"
                        " answered = CASE WHEN ?2 = 'open' THEN NULL ELSE ?3 END,"
                        " asks = CASE WHEN ?2 = 'open' THEN 0 ELSE asks END WHERE id = ?1",
    [Q_PROMISE_GET] = PROMISE_SELECT "WHERE id = ?1",
    [Q_PROMISES] = PROMISE_SELECT "ORDER BY due, id",
    /* A new due starts the "not yet" re-asks afresh. */
    [Q_PROMISE_EDIT] = "UPDATE promises SET text = coalesce(?2, text), due = coalesce(?3, due),"
                       " asks = CASE WHEN ?3 IS NULL THEN asks ELSE 0 END WHERE id = ?1",
    [Q_PROMISE_ASKS] = "UPDATE promises SET asks = ?2 WHERE id = ?1",
    [Q_GESTURE_INSERT] = "INSERT INTO gestures (reminder, gesture, at) VALUES (?1, ?2, ?3)",
    [Q_GESTURES] = "SELECT gesture, at FROM gestures WHERE reminder = ?1"
                   " ORDER BY at DESC, id DESC LIMIT ?2",
    /* The first mark wins: it is when the one-shot really fired. */
    [Q_ONESHOT_MARK] = "INSERT INTO oneshots (reminder, fired) VALUES (?1, ?2)"
                       " ON CONFLICT (reminder) DO NOTHING",
    [Q_ONESHOT_GET] = "SELECT 1 FROM oneshots WHERE reminder = ?1",
    [Q_LAST_FIRE_SET] = "INSERT INTO last_fire (reminder, scheduled, fired) VALUES (?1, ?2, ?3)"
                        " ON CONFLICT (reminder) DO UPDATE SET scheduled = excluded.scheduled,"
                        " fired = excluded.fired",
    [Q_LAST_FIRE_GET] = "SELECT scheduled, fired FROM last_fire WHERE reminder = ?1",
    [Q_SNOOZE_INSERT] = "INSERT INTO snoozes (reminder, fire, due, blob) VALUES (?1, ?2, ?3, ?4)",
    [Q_SNOOZE_DELETE] = "DELETE FROM snoozes WHERE id = ?1",
    [Q_SNOOZES] = "SELECT id, reminder, fire, due, blob FROM snoozes ORDER BY due, id",
    [Q_KV_SET] = "INSERT INTO kv (key, value) VALUES (?1, ?2)"
                 " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    [Q_KV_DELETE] = "DELETE FROM kv WHERE key = ?1",
    [Q_KV_GET] = "SELECT value FROM kv WHERE key = ?1",
    [Q_KV_SIZE] = "SELECT coalesce(sum(length(CAST(key AS BLOB)) + length(value)), 0) FROM kv",
    [Q_KV_ENTRY_SIZE] = "SELECT length(CAST(key AS BLOB)) + length(value) FROM kv WHERE key = ?1",
    [Q_KV_EACH] = "SELECT key, value FROM kv ORDER BY key",
    [Q_PAUSE_INSERT] = "INSERT INTO pauses (start, until, all_kinds, note, created)"
                       " VALUES (?1, ?2, ?3, ?4, ?5)",
    /* Only a pause still running can be ended, and only once. */
    [Q_PAUSE_END] = "UPDATE pauses SET ended = ?2 WHERE id = ?1 AND ended IS NULL",
    [Q_PAUSES] = "SELECT id, start, until, all_kinds, note, created, ended FROM pauses"
                 " ORDER BY start, id",
    [Q_FIRE_BY_UID] = FIRE_SELECT "WHERE f.uid = ?1 ORDER BY f.fired DESC, f.id DESC LIMIT 1",
    [Q_SYNC_ITEM_PUT] = "INSERT INTO sync_items (uid, href, etag, due) VALUES (?1, ?2, ?3, ?4)"
                        " ON CONFLICT (uid) DO UPDATE SET href = excluded.href,"
                        " etag = excluded.etag, due = excluded.due",
    [Q_SYNC_ITEM_DELETE] = "DELETE FROM sync_items WHERE uid = ?1",
    [Q_SYNC_ITEMS] = "SELECT uid, href, etag, due FROM sync_items ORDER BY due, uid",
    /* A second answer for a fire not come yet replaces the first: the device's latest word. */
    [Q_SYNC_HELD_PUT] = "INSERT INTO sync_held (uid, reminder, answer, at, due)"
                        " VALUES (?1, ?2, ?3, ?4, ?5)"
                        " ON CONFLICT (uid) DO UPDATE SET reminder = excluded.reminder,"
                        " answer = excluded.answer, at = excluded.at, due = excluded.due",
    [Q_SYNC_HELD_GET] = "SELECT uid, reminder, answer, at, due FROM sync_held WHERE uid = ?1",
    [Q_SYNC_HELD_DELETE] = "DELETE FROM sync_held WHERE uid = ?1",
    [Q_SYNC_HELD_DROP] = "DELETE FROM sync_held WHERE due <= ?1",
    [Q_SYNC_HELD_COUNT] = "SELECT count(*) FROM sync_held",
    [Q_SYNC_ITEMS_CLEAR] = "DELETE FROM sync_items",
    [Q_META_GET] = "SELECT value FROM meta WHERE key = ?1",
    [Q_META_SET] = "INSERT INTO meta (key, value) VALUES (?1, ?2)"
                   " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
};

struct store {
    sqlite3 *db;
    char path[PATH_MAX]; /* "" for memory */
    sqlite3_stmt *stmt[Q_COUNT];
    struct heldfile held[3]; /* the file, its -wal and -shm, while this connection locks them */
    int64_t kv_bytes;        /* of every stored key and value; -1 until first asked */
    int64_t held_rows;       /* sync_held rows, at least; -1 until first counted */
};

/* The files of a database besides itself: SQLite's WAL, its index, and the rollback journal of
 * a file system without shared memory. */
static const char *const companions[] = {"-wal", "-shm", "-journal"};

static const char *store_name(const struct store *st)
{
    return st->path[0] ? st->path : "in-memory store";
}

/* Logs the connection's last error; the -EIO every SQLite failure becomes. */
static int sql_fail(struct store *st, const char *what)
{
    log_error("%s: %s: %s", store_name(st), what, sqlite3_errmsg(st->db));
    return -EIO;
}

/* The cached statement, prepared on first use (a statement for a table that a broken schema
 * lacks then fails where it is used, with its name). NULL on error, logged. */
static sqlite3_stmt *stmt(struct store *st, enum stmt_id id)
{
    if (!st->stmt[id] && sqlite3_prepare_v3(st->db, stmt_sql[id], -1, SQLITE_PREPARE_PERSISTENT,
                                            &st->stmt[id], NULL) != SQLITE_OK) {
        sql_fail(st, "preparing a statement");
        st->stmt[id] = NULL;
    }
    return st->stmt[id];
}

/* Binding: each helper returns the SQLite code, OR-ed together by callers (SQLITE_OK is 0). The
 * values are SQLITE_STATIC: every statement is stepped and its bindings cleared before the
 * function that bound them returns. */
static int bind_text(sqlite3_stmt *s, int i, const char *v)
{
    return v ? sqlite3_bind_text(s, i, v, -1, SQLITE_STATIC) : sqlite3_bind_null(s, i);
}

static int bind_i64(sqlite3_stmt *s, int i, int64_t v)
{
    return sqlite3_bind_int64(s, i, v);
}

static int bind_blob(sqlite3_stmt *s, int i, const void *v, size_t len)
{
    /* A zero-length blob must stay a blob, not become NULL (which bind_blob makes of a NULL
     * pointer and NOT NULL columns refuse). */
    if (len == 0) return sqlite3_bind_zeroblob(s, i, 0);
    return sqlite3_bind_blob64(s, i, v, len, SQLITE_STATIC);
}

static void stmt_done(sqlite3_stmt *s)
{
    /* Both return the step's error again, which the caller has already handled. */
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
}

/* Statement q with ?1 bound to v: the lookups by one id or time. NULL with *rc set (the
 * error logged as `what`) when it cannot be made. */
static sqlite3_stmt *stmt_with(struct store *st, enum stmt_id q, int64_t v, const char *what,
                               int *rc)
{
    sqlite3_stmt *s = stmt(st, q);
    if (!s) return *rc = -EIO, NULL;
    if (bind_i64(s, 1, v) != SQLITE_OK) {
        stmt_done(s);
        return *rc = sql_fail(st, what), NULL;
    }
    return s;
}

/* Steps a write to its end (through any RETURNING rows, the first of which lands in *ret) and
 * resets it, so autocommit commits it now. The SQLite result code. */
static int step_write(sqlite3_stmt *s, int64_t *ret)
{
    int rc;
    bool first = true;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (first && ret) *ret = sqlite3_column_int64(s, 0);
        first = false;
    }
    stmt_done(s);
    return rc;
}

/* A write's result as an errno: a missing parent row (foreign key) is -ENOENT, a value a CHECK
 * refuses is -EINVAL, anything else -EIO (logged). */
static int write_result(struct store *st, int rc, const char *what)
{
    if (rc == SQLITE_DONE) return 0;
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) return -ENOENT;
    if (rc == SQLITE_CONSTRAINT_CHECK || rc == SQLITE_CONSTRAINT_NOTNULL) return -EINVAL;
    return sql_fail(st, what);
}

/* ---- rows ----
 * A query's rows are copied out and its statement reset before any callback runs, so a callback
 * may call back into the store, writes included: a write made while a read statement is still
 * active would only commit when that statement ends, breaking "durable on return". */

struct rows {
    int ncol;
    size_t n, cap;
    sqlite3_value **v; /* n * ncol protected copies */
};

static void rows_free(struct rows *r)
{
    for (size_t i = 0; i < r->n * (size_t)r->ncol; i++)
        sqlite3_value_free(r->v[i]);
    free(r->v);
    *r = (struct rows){0};
}

/* Runs a bound query to its end into r, and resets it. 0 or -EIO / -ENOMEM. */
static int rows_fetch(struct store *st, sqlite3_stmt *s, struct rows *r, const char *what)
{
    *r = (struct rows){.ncol = sqlite3_column_count(s)};
    int rc;
    while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (r->n == r->cap) {
            size_t cap = r->cap ? 2 * r->cap : 16;
            sqlite3_value **v = realloc(r->v, cap * (size_t)r->ncol * sizeof *v);
            if (!v) {
                stmt_done(s);
                rows_free(r);
                return -ENOMEM;
            }
            r->v = v;
            r->cap = cap;
        }
        for (int c = 0; c < r->ncol; c++) {
            sqlite3_value *v = sqlite3_value_dup(sqlite3_column_value(s, c));
            if (!v) {
                /* Keep the row count consistent for rows_free: fill the rest with NULLs. */
                for (int k = c; k < r->ncol; k++)
                    r->v[r->n * (size_t)r->ncol + k] = NULL;
                r->n++;
                stmt_done(s);
                rows_free(r);
                return -ENOMEM;
            }
            r->v[r->n * (size_t)r->ncol + c] = v;
        }
        r->n++;
    }
    if (rc != SQLITE_DONE) {
        int ret = sql_fail(st, what);
        stmt_done(s);
        rows_free(r);
        return ret;
    }
    stmt_done(s);
    return 0;
}

static sqlite3_value *cell(const struct rows *r, size_t row, int col)
{
    return r->v[row * (size_t)r->ncol + col];
}

static const char *cell_text(const struct rows *r, size_t row, int col)
{
    sqlite3_value *v = cell(r, row, col);
    return sqlite3_value_type(v) == SQLITE_NULL ? NULL : (const char *)sqlite3_value_text(v);
}

static int64_t cell_i64(const struct rows *r, size_t row, int col)
{
    return sqlite3_value_int64(cell(r, row, col));
}

/* ---- opening ---- */

/* mkdir -p with 0700 for every folder it creates. */
static int make_dirs(const char *dir)
{
    char buf[PATH_MAX];
    if (snprintf(buf, sizeof buf, "%s", dir) >= (int)sizeof buf) return -ENAMETOOLONG;
    for (char *p = buf + 1;; p++) {
        if (*p != '/' && *p != 0) continue;
        char c = *p;
        *p = 0;
        if (mkdir(buf, 0700) < 0 && errno != EEXIST) return -errno;
        *p = c;
        if (!c) break;
    }
    struct stat sb;
    if (stat(buf, &sb) < 0) return -errno;
    return S_ISDIR(sb.st_mode) ? 0 : -ENOTDIR;
}

static int db_path(const char *dir, char *buf, size_t bufsz, char *err, size_t errsz)
{
    if (snprintf(buf, bufsz, "%s/nudge.db", dir) >= (int)bufsz)
        return errbuf_set(err, errsz, ENAMETOOLONG, "%s/nudge.db: path too long", dir);
    return 0;
}

enum file_state { FILE_MISSING, FILE_DATABASE, FILE_NOT_DATABASE };

static int link_refused(const char *path, char *err, size_t errsz)
{
    return errbuf_set(err, errsz, ELOOP,
                      "%s: is a symbolic link; nudge does not follow links in its state folder "
                      "(move the file itself there, or use --state)",
                      path);
}

/* The state folder: ours, and private (it holds a journal of a relationship). A looser folder
 * of ours is tightened (group and other bits taken away, never any added), with a warning,
 * rather than refused: the daemon starting is what the user counts on, and no one else needs
 * into it. Someone else's folder is refused. */
static int check_state_dir(const char *dir, char *err, size_t errsz)
{
    struct stat sb;
    if (stat(dir, &sb) < 0)
        return errbuf_set(err, errsz, errno, "%s: cannot use the state folder: %s", dir,
                          strerror(errno));
    if (!S_ISDIR(sb.st_mode))
        return errbuf_set(err, errsz, ENOTDIR, "%s: the state folder is not a folder", dir);
    if (sb.st_uid != geteuid())
        return errbuf_set(err, errsz, EPERM,
                          "%s: the state folder belongs to uid %u, not to you (uid %u)", dir,
                          (unsigned)sb.st_uid, (unsigned)geteuid());
    if (sb.st_mode & 07077) {
        mode_t m = sb.st_mode & 0700;
        if (chmod(dir, m) < 0)
            return errbuf_set(err, errsz, errno, "%s: cannot make the state folder private: %s",
                              dir, strerror(errno));
        log_warn("%s: the state folder was mode %04o; made it %04o", dir,
                 (unsigned)(sb.st_mode & 07777), (unsigned)m);
    }
    return 0;
}

/* One file of the state, by name, never opened: a link is refused (SQLite would follow it and
 * create the target with whatever mode), so is anything not a regular file of ours; group and
 * other bits are taken away (0644 becomes 0600; an unreadable 0000 stays as it is, refused).
 * `must_check` is false for names SQLite never opens (files set aside), which are only tightened.
 * Missing is fine. */
static int check_state_file(const char *path, bool must_check, bool may_fix, char *err,
                            size_t errsz)
{
    struct stat sb;
    if (lstat(path, &sb) < 0) {
        if (errno == ENOENT) return 0;
        return errbuf_set(err, errsz, errno, "%s: %s", path, strerror(errno));
    }
    if (!must_check && (!S_ISREG(sb.st_mode) || sb.st_uid != geteuid())) return 0;
    if (S_ISLNK(sb.st_mode)) return link_refused(path, err, errsz);
    if (!S_ISREG(sb.st_mode)) return errbuf_set(err, errsz, EINVAL, "%s: not a regular file", path);
    if (sb.st_uid != geteuid())
        return errbuf_set(err, errsz, EPERM, "%s: belongs to uid %u, not to you (uid %u)", path,
                          (unsigned)sb.st_uid, (unsigned)geteuid());
    /* The folder is ours and 0700 by now, so chmod() by name cannot be raced by another user. */
    if (may_fix && (sb.st_mode & 07077)) {
        mode_t m = sb.st_mode & 0600;
        if (chmod(path, m) < 0)
            return errbuf_set(err, errsz, errno, "%s: cannot make it private: %s", path,
                              strerror(errno));
        log_warn("%s: was mode %04o; made it %04o", path, (unsigned)(sb.st_mode & 07777),
                 (unsigned)m);
    }
    return 0;
}

/* The database, its companions (refused if links) and every other nudge.db* file in the folder
 * (sets aside; tightened only). may_fix is false for a reader, which changes nothing. */
static int check_state_files(const char *dir, const char *path, bool may_fix, char *err,
                             size_t errsz)
{
    char p[PATH_MAX + 16];
    int r = check_state_file(path, true, may_fix, err, errsz);
    for (size_t i = 0; r == 0 && i < sizeof companions / sizeof *companions; i++) {
        snprintf(p, sizeof p, "%s%s", path, companions[i]);
        r = check_state_file(p, true, may_fix, err, errsz);
    }
    if (r < 0 || !may_fix) return r;
    DIR *d = opendir(dir);
    if (!d) return 0;
    struct dirent *e;
    while (r == 0 && (e = readdir(d)))
        if (strncmp(e->d_name, "nudge.db.", 9) == 0) {
            snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
            r = check_state_file(p, false, true, err, errsz);
        }
    closedir(d);
    return r;
}

/* Opens the file ourselves first, so a permission problem is reported as one (SQLite would
 * quietly fall back to read-only), and so bytes that are not a database are recognised before
 * SQLite is handed them. An empty file is what SQLite makes of a new database. */
static int probe_file(const char *path, bool want_write, enum file_state *state, char *err,
                      size_t errsz)
{
    /* Not following a link, and not blocking on a FIFO someone left at the name. */
    int fd = open(path, (want_write ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NOCTTY | O_NOFOLLOW |
                            O_NONBLOCK);
    if (fd < 0) {
        if (errno == ENOENT) {
            *state = FILE_MISSING;
            return 0;
        }
        if (errno == ELOOP) return link_refused(path, err, errsz);
        return errbuf_set(err, errsz, errno, "%s: cannot open the state database: %s", path,
                          strerror(errno));
    }
    struct stat sb;
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode)) {
        close(fd);
        return errbuf_set(err, errsz, EINVAL, "%s: not a regular file", path);
    }
    static const char magic[16] = "SQLite format 3";
    char head[16];
    ssize_t n;
    do
        n = read(fd, head, sizeof head);
    while (n < 0 && errno == EINTR);
    int e = errno;
    close(fd);
    if (n < 0)
        return errbuf_set(err, errsz, e, "%s: cannot read the state database: %s", path,
                          strerror(e));
    *state = n == 0 || (n == (ssize_t)sizeof head && memcmp(head, magic, sizeof head) == 0)
                 ? FILE_DATABASE
                 : FILE_NOT_DATABASE;
    return 0;
}

static int get_user_version(sqlite3 *db, int *version)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
    if (rc != SQLITE_OK) return rc;
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        *version = sqlite3_column_int(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

/* `PRAGMA quick_check`: SQLITE_OK when it says "ok"; else the code (SQLITE_CORRUPT when it
 * listed problems) with the first problem in why. */
static int quick_check(sqlite3 *db, char *why, size_t whysz)
{
    sqlite3_stmt *s;
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check(1)", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            const char *res = (const char *)sqlite3_column_text(s, 0);
            if (res && strcmp(res, "ok") == 0) {
                rc = SQLITE_OK;
            } else {
                snprintf(why, whysz, "quick_check: %s", res ? res : "(null)");
                rc = SQLITE_CORRUPT;
            }
        }
        sqlite3_finalize(s);
    }
    if (rc != SQLITE_OK && rc != SQLITE_CORRUPT) snprintf(why, whysz, "%s", sqlite3_errmsg(db));
    /* The note is one line; SQLite's reports may hold several. */
    for (char *p = why; *p; p++)
        if (*p == '\n') *p = ' ';
    return rc;
}

static bool is_corrupt(int rc)
{
    return (rc & 0xff) == SQLITE_CORRUPT || (rc & 0xff) == SQLITE_NOTADB;
}

static int exec(sqlite3 *db, const char *sql, char *why, size_t whysz)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK) snprintf(why, whysz, "%s", msg ? msg : sqlite3_errstr(rc));
    sqlite3_free(msg);
    return rc;
}

/* Brings the schema to STORE_SCHEMA_VERSION: a new database gets the current schema, an old
 * one each migration in turn, each in one transaction with its user_version bump, so a crash
 * leaves it at a whole version. `name` is the file for messages; in_place is false for a
 * snapshot's copy, which is not worth a log line. */
static int newer_schema(const char *name, int version, char *err, size_t errsz)
{
    return errbuf_set(err, errsz, EPROTO,
                      "%s: schema version %d is newer than this nudge understands (%d); "
                      "use a newer nudge or another --state folder",
                      name, version, STORE_SCHEMA_VERSION);
}

static int migrate(sqlite3 *db, const char *name, bool in_place, char *err, size_t errsz)
{
    char why[256];
    int version = 0;
    int rc = get_user_version(db, &version);
    if (rc != SQLITE_OK)
        return errbuf_set(err, errsz, EIO, "%s: reading the schema version: %s", name,
                          sqlite3_errmsg(db));
    if (version > STORE_SCHEMA_VERSION) return newer_schema(name, version, err, errsz);
    if (version == STORE_SCHEMA_VERSION) return 0;

    rc = exec(db, "BEGIN IMMEDIATE", why, sizeof why);
    if (rc != SQLITE_OK)
        return errbuf_set(err, errsz, EIO, "%s: migrating the schema: %s", name, why);
    /* Emptiness is judged inside the transaction, so two processes opening a new file do not
     * both create the schema. Re-read the version for the same reason. */
    sqlite3_stmt *s = NULL;
    bool empty = false;
    rc = get_user_version(db, &version);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "SELECT count(*) FROM sqlite_schema", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        empty = sqlite3_column_int64(s, 0) == 0;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_OK) snprintf(why, sizeof why, "%s", sqlite3_errmsg(db));
    if (rc == SQLITE_OK && version > STORE_SCHEMA_VERSION) {
        exec(db, "ROLLBACK", why, sizeof why);
        return newer_schema(name, version, err, errsz);
    }

    int from = version;
    if (rc == SQLITE_OK && version == 0 && empty) {
        rc = exec(db, SCHEMA_CURRENT, why, sizeof why);
        version = STORE_SCHEMA_VERSION;
    }
    for (; rc == SQLITE_OK && version < STORE_SCHEMA_VERSION; version++) {
        rc = exec(db, migrations[version], why, sizeof why);
        if (rc != SQLITE_OK)
            snprintf(why + strlen(why), sizeof why - strlen(why), " (migrating %d -> %d)", version,
                     version + 1);
    }
    if (rc == SQLITE_OK && version != from) {
        /* A pragma cannot take a bound parameter; the value is our own constant. */
        char sql[64];
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
        rc = exec(db, sql, why, sizeof why);
    }
    if (rc == SQLITE_OK) rc = exec(db, "COMMIT", why, sizeof why);
    if (rc != SQLITE_OK) {
        char ignored[8];
        exec(db, "ROLLBACK", ignored, sizeof ignored);
        return errbuf_set(err, errsz, EIO, "%s: cannot bring the schema from version %d to %d: %s",
                          name, from, STORE_SCHEMA_VERSION, why);
    }
    if (!empty && in_place)
        log_info("%s: schema migrated from version %d to %d", name, from, version);
    return 0;
}

static int new_store(sqlite3 *db, const char *path, struct store **out, char *err, size_t errsz)
{
    struct store *st = calloc(1, sizeof *st);
    if (!st) {
        sqlite3_close(db);
        return errbuf_set(err, errsz, ENOMEM, "out of memory");
    }
    st->db = db;
    st->kv_bytes = -1;
    st->held_rows = -1;
    snprintf(st->path, sizeof st->path, "%s", path);
    *out = st;
    return 0;
}

/* Opens an SQLite connection with extended result codes (so a foreign-key failure can be told
 * from a CHECK failure). */
static int open_db(const char *path, int flags, sqlite3 **db)
{
    /* No SQLITE_OPEN_NOFOLLOW: it refuses a link anywhere in the path (a home under a linked
     * /home). The state's own names were checked with lstat() before (check_state_files). */
    int rc = sqlite3_open_v2(path, db, flags | SQLITE_OPEN_EXRESCODE, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_busy_timeout(*db, 1000);
    if (rc == SQLITE_OK) rc = sqlite3_exec(*db, "PRAGMA foreign_keys = ON", NULL, NULL, NULL);
    return rc;
}

/* What open_file() returns besides 0 and -errno. */
#define OPEN_CORRUPT 1

/* One try at opening the file read-write, configured, checked and migrated: 0, OPEN_CORRUPT
 * (with why set), or -errno (with err set). */
static int open_file(const char *path, sqlite3 **out, char *why, size_t whysz, char *err,
                     size_t errsz)
{
    sqlite3 *db = NULL;
    int rc = open_db(path, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db);
    if (rc == SQLITE_OK) {
        /* The pragma's row is the mode now in force: a file system without shared memory keeps
         * the rollback journal, which is slower but just as durable. */
        sqlite3_stmt *s;
        rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
        if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
            const char *mode = (const char *)sqlite3_column_text(s, 0);
            if (!mode || strcmp(mode, "wal") != 0)
                log_warn("%s: cannot use WAL mode, staying in journal mode %s", path,
                         mode ? mode : "?");
            rc = SQLITE_OK;
        }
        sqlite3_finalize(s);
    }
    /* NORMAL in WAL mode: a commit is written to the WAL before it returns (so it survives the
     * process being killed) but not synced, which would stall every fire by milliseconds.
     * What a user acknowledged (answers, check-ins, promises) is written with FULL (durable()),
     * so it also survives a power cut. The page cache stays small: the working set is tiny. */
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA synchronous = NORMAL", NULL, NULL, NULL);
    if (rc == SQLITE_OK) rc = sqlite3_exec(db, "PRAGMA cache_size = -512", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        snprintf(why, whysz, "%s", db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        rc = db ? sqlite3_extended_errcode(db) : rc;
    } else {
        rc = quick_check(db, why, whysz);
    }
    if (rc != SQLITE_OK) {
        sqlite3_close(db);
        if (is_corrupt(rc)) return OPEN_CORRUPT;
        return errbuf_set(err, errsz, EIO, "%s: cannot open the state database: %s", path, why);
    }
    int r = migrate(db, path, true, err, errsz);
    if (r < 0) {
        sqlite3_close(db);
        return r;
    }
    *out = db;
    return 0;
}

/* Renames from -> to, unless `from` is gone; never over an existing file. */
static int move_aside(const char *from, const char *to)
{
    struct stat sb;
    if (lstat(from, &sb) < 0) return errno == ENOENT ? 0 : -errno;
    if (lstat(to, &sb) == 0) return -EEXIST;
    return rename(from, to) < 0 ? -errno : 0;
}

/* Moves the database and its -wal/-shm to nudge.db.corrupt-<epoch>[.<n>] (suffixes kept, so
 * the set still opens together for a look). The name moved to goes into aside. */
static int set_aside(const char *path, char *aside, size_t asidesz)
{
    long long epoch = (long long)time(NULL);
    struct stat sb;
    for (int n = 0; n < 1000; n++) {
        int len = n ? snprintf(aside, asidesz, "%s.corrupt-%lld.%d", path, epoch, n)
                    : snprintf(aside, asidesz, "%s.corrupt-%lld", path, epoch);
        if (len >= (int)asidesz - 4) return -ENAMETOOLONG;
        if (lstat(aside, &sb) == 0) continue;
        int r = move_aside(path, aside);
        if (r == -EEXIST) continue;
        if (r < 0) return r;
        static const char *const sfx[] = {"-wal", "-shm"};
        for (int i = 0; i < 2; i++) {
            char from[PATH_MAX + 8], to[PATH_MAX + 8];
            snprintf(from, sizeof from, "%s%s", path, sfx[i]);
            snprintf(to, sizeof to, "%s%s", aside, sfx[i]);
            if ((r = move_aside(from, to)) < 0) return r;
        }
        return 0;
    }
    return -EEXIST;
}

/* Creates the database file here rather than leaving it to SQLite so that it is private (0600)
 * whatever the umask: it holds a journal of a relationship. SQLite gives -wal and -shm the same
 * mode. An empty file is what SQLite makes a new database of. */
static int create_private(const char *path, char *err, size_t errsz)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600);
    if (fd < 0 && errno != EEXIST)
        return errbuf_set(err, errsz, errno, "%s: cannot create the state database: %s", path,
                          strerror(errno));
    if (fd >= 0) {
        fchmod(fd, 0600); /* exactly, whatever the umask took away */
        close(fd);
    }
    return 0;
}

/* This process already has the file open: a second connection, or any open() and close() of
 * it, would drop the locks the first one holds (they are per process). */
static int refuse_held(const char *path, char *err, size_t errsz)
{
    if (!heldfiles_path_held(path)) return 0;
    return errbuf_set(err, errsz, EBUSY,
                      "%s: already open in this process; a second connection would drop its "
                      "locks (read it through store_copy())",
                      path);
}

int store_open(const char *dir, struct store **out, char *note, size_t notesz, char *err,
               size_t errsz)
{
    *out = NULL;
    if (note && notesz) note[0] = 0;
    int r = make_dirs(dir);
    if (r < 0)
        return errbuf_set(err, errsz, r, "%s: cannot create the state folder: %s", dir,
                          strerror(-r));
    char path[PATH_MAX];
    if ((r = db_path(dir, path, sizeof path, err, errsz)) < 0) return r;
    if ((r = refuse_held(path, err, errsz)) < 0) return r;
    if ((r = check_state_dir(dir, err, errsz)) < 0) return r;

    /* Probed first: a file we cannot open is refused as it is, not "repaired". */
    enum file_state fs;
    if ((r = probe_file(path, true, &fs, err, errsz)) < 0) return r;
    if ((r = check_state_files(dir, path, true, err, errsz)) < 0) return r;
    if (fs == FILE_MISSING && (r = create_private(path, err, errsz)) < 0) return r;
    char why[256] = "file is not a database";
    sqlite3 *db = NULL;
    r = fs == FILE_NOT_DATABASE ? OPEN_CORRUPT : open_file(path, &db, why, sizeof why, err, errsz);
    if (r < 0) return r;
    if (r == OPEN_CORRUPT) {
        char aside[PATH_MAX];
        if ((r = set_aside(path, aside, sizeof aside)) < 0)
            return errbuf_set(err, errsz, r, "%s: damaged (%s) and cannot be moved aside: %s", path,
                              why, strerror(-r));
        /* Not logged here: the caller shows the note (log, notification) once. */
        if (note && notesz)
            snprintf(note, notesz, "%s was damaged (%s): moved it to %s and started a fresh one",
                     path, why, aside);
        if ((r = create_private(path, err, errsz)) < 0) return r;
        r = open_file(path, &db, why, sizeof why, err, errsz);
        if (r == OPEN_CORRUPT)
            return errbuf_set(err, errsz, EIO, "%s: cannot create the state database: %s", path,
                              why);
        if (r < 0) return r;
    }
    /* The -wal and -shm SQLite just made take the database's mode; make sure of it. */
    if ((r = check_state_files(dir, path, true, err, errsz)) < 0) {
        sqlite3_close(db);
        return r;
    }
    if ((r = new_store(db, path, out, err, errsz)) < 0) return r;
    heldfiles_add(path, &(*out)->held[0]);
    char p[PATH_MAX + 16];
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s%s", path, companions[i]);
        heldfiles_add(p, &(*out)->held[1 + i]);
    }
    return 0;
}

int store_open_memory(struct store **out, char *err, size_t errsz)
{
    *out = NULL;
    sqlite3 *db = NULL;
    int rc = open_db(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &db);
    if (rc != SQLITE_OK) {
        errbuf_set(err, errsz, EIO, "in-memory store: %s",
                   db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
        sqlite3_close(db);
        return -EIO;
    }
    int r = migrate(db, "in-memory store", true, err, errsz);
    if (r < 0) {
        sqlite3_close(db);
        return r;
    }
    return new_store(db, "", out, err, errsz);
}

/* A file: URI with immutable=1 for path: all but unreserved characters and '/' percent-encoded. */
static int immutable_uri(const char *path, char *buf, size_t bufsz)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t n = (size_t)snprintf(buf, bufsz, "file:");
    for (const unsigned char *p = (const unsigned char *)path; *p; p++) {
        if (n + 4 >= bufsz) return -ENAMETOOLONG;
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("/-._~", *p)) {
            buf[n++] = (char)*p;
        } else {
            buf[n++] = '%';
            buf[n++] = hex[*p >> 4];
            buf[n++] = hex[*p & 15];
        }
    }
    if (n + sizeof "?immutable=1" > bufsz) return -ENAMETOOLONG;
    memcpy(buf + n, "?immutable=1", sizeof "?immutable=1");
    return 0;
}

/* Opens a new in-memory database (*mem, also on failure, for its message) holding a copy of
 * src: one backup step of all pages is one read transaction of src's, so the copy is
 * consistent. An SQLite result code. */
static int copy_to_memory(sqlite3 *src, sqlite3 **mem)
{
    int rc = open_db(":memory:", SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, mem);
    if (rc != SQLITE_OK) return rc;
    sqlite3_backup *b = sqlite3_backup_init(*mem, "main", src, "main");
    if (!b) return sqlite3_extended_errcode(*mem);
    rc = sqlite3_backup_step(b, -1);
    int rc2 = sqlite3_backup_finish(b);
    return rc == SQLITE_DONE ? rc2 : rc;
}

int store_copy(struct store *live, struct store **out, char *err, size_t errsz)
{
    *out = NULL;
    sqlite3 *mem = NULL;
    int rc = copy_to_memory(live->db, &mem);
    if (rc != SQLITE_OK) {
        errbuf_set(err, errsz, EIO, "%s: cannot copy the state: %s", store_name(live),
                   mem && sqlite3_errcode(mem) != SQLITE_OK ? sqlite3_errmsg(mem)
                                                            : sqlite3_errmsg(live->db));
        sqlite3_close(mem);
        return -EIO;
    }
    return new_store(mem, "", out, err, errsz);
}

int store_open_snapshot(const char *dir, struct store **out, char *err, size_t errsz)
{
    *out = NULL;
    char path[PATH_MAX];
    int r = db_path(dir, path, sizeof path, err, errsz);
    if (r < 0) return r;
    if ((r = refuse_held(path, err, errsz)) < 0) return r;
    /* A link at the name of any of its files is not followed here either; nothing is changed. */
    if ((r = check_state_files(dir, path, false, err, errsz)) < 0) return r;
    enum file_state fs;
    if ((r = probe_file(path, false, &fs, err, errsz)) < 0) return r;
    /* No file (or no folder) means no state yet; nothing is created here. */
    if (fs == FILE_MISSING) return store_open_memory(out, err, errsz);
    if (fs == FILE_NOT_DATABASE)
        return errbuf_set(err, errsz, EIO,
                          "%s: not a database (nudged sets it aside when it next starts)", path);

    /* With a -wal (a daemon running, or killed) its pages are part of the state, so a read-only
     * connection with locking, not checkpointing on close: SQLite may create the -shm index, but
     * leaves the database and WAL as they were. Without one the file is all there is, and is
     * read as immutable, so no -wal/-shm appears either. (A daemon starting and checkpointing
     * within these milliseconds could tear that read; quick_check below would catch it.) */
    char wal[PATH_MAX + 8], uri[3 * PATH_MAX + 32];
    snprintf(wal, sizeof wal, "%s-wal", path);
    struct stat sb;
    bool live = lstat(wal, &sb) == 0;
    if (!live && immutable_uri(path, uri, sizeof uri) < 0)
        return errbuf_set(err, errsz, ENAMETOOLONG, "%s: path too long", path);
    sqlite3 *src = NULL, *mem = NULL;
    int rc = live ? open_db(path, SQLITE_OPEN_READONLY, &src)
                  : open_db(uri, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, &src);
    if (rc == SQLITE_OK)
        rc = sqlite3_db_config(src, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, (int *)NULL);
    if (rc == SQLITE_OK) rc = copy_to_memory(src, &mem);
    char why[256] = "";
    if (rc != SQLITE_OK) {
        sqlite3 *culprit = mem && sqlite3_errcode(mem) != SQLITE_OK ? mem : src;
        snprintf(why, sizeof why, "%s", culprit ? sqlite3_errmsg(culprit) : sqlite3_errstr(rc));
    } else {
        rc = quick_check(mem, why, sizeof why);
    }
    sqlite3_close(src);
    if (rc != SQLITE_OK) {
        sqlite3_close(mem);
        return errbuf_set(err, errsz, EIO, "%s: cannot read the state database: %s", path, why);
    }
    /* An older file is previewed as this build would see it after migrating. */
    if ((r = migrate(mem, path, false, err, errsz)) < 0) {
        sqlite3_close(mem);
        return r;
    }
    return new_store(mem, "", out, err, errsz);
}

void store_close(struct store *st)
{
    if (!st) return;
    for (int i = 0; i < Q_COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    /* Every statement is finalized, so close cannot be refused as busy. */
    if (sqlite3_close(st->db) != SQLITE_OK) sql_fail(st, "closing");
    for (int i = 0; i < 3; i++)
        heldfiles_remove(&st->held[i]);
    free(st);
}

const char *store_path(const struct store *st)
{
    return st->path;
}

void store_default_dir(char *buf, size_t bufsz)
{
    /* One definition, shared with nudgectl (the control socket's fallback lives under it). */
    paths_state_dir(buf, bufsz);
}

/* ---- fires and answers ---- */

int store_record_fire(struct store *st, const char *reminder, const char *kind, usec_t scheduled,
                      usec_t fired, const char *title, int64_t *fire_id)
{
    return store_record_fire_from(st, reminder, kind, scheduled, fired, title, "rule", 0, NULL,
                                  fire_id);
}

int store_record_fire_from(struct store *st, const char *reminder, const char *kind,
                           usec_t scheduled, usec_t fired, const char *title, const char *origin,
                           int64_t parent, const char *uid, int64_t *fire_id)
{
    if (!reminder || !reminder[0] || !kind || !origin) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_FIRE_INSERT);
    if (!s) return -EIO;
    int rc = bind_text(s, 1, reminder) | bind_text(s, 2, kind) | bind_i64(s, 3, scheduled) |
             bind_i64(s, 4, fired) | bind_text(s, 5, title) | bind_text(s, 6, origin) |
             (parent > 0 ? bind_i64(s, 7, parent) : sqlite3_bind_null(s, 7)) | bind_text(s, 8, uid);
    if (rc != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "recording a fire");
    }
    int r = write_result(st, step_write(s, NULL), "recording a fire");
    if (r == 0 && fire_id) *fire_id = sqlite3_last_insert_rowid(st->db);
    return r;
}

static void fire_from_row(const struct rows *r, size_t i, struct store_fire *f)
{
    *f = (struct store_fire){
        .id = cell_i64(r, i, 0),
        .reminder = cell_text(r, i, 1),
        .kind = cell_text(r, i, 2),
        .title = cell_text(r, i, 3),
        .scheduled = cell_i64(r, i, 4),
        .fired = cell_i64(r, i, 5),
        .answer = cell_text(r, i, 6),
        .answered = cell_i64(r, i, 7),
        .origin = cell_text(r, i, 8),
        .source = cell_text(r, i, 9),
        .parent = cell_i64(r, i, 10),
    };
}

/* Runs a fire query and hands each row to cb; a non-zero cb result stops and is returned.
 * -ENOENT when want_one and there was no row. */
static int each_fire(struct store *st, sqlite3_stmt *s, bool want_one,
                     int (*cb)(void *ud, const struct store_fire *f), void *ud)
{
    struct rows r;
    int ret = rows_fetch(st, s, &r, "reading fires");
    if (ret < 0) return ret;
    if (want_one && r.n == 0) ret = -ENOENT;
    for (size_t i = 0; i < r.n && ret == 0; i++) {
        struct store_fire f;
        fire_from_row(&r, i, &f);
        if (cb) ret = cb(ud, &f);
    }
    rows_free(&r);
    return ret;
}

int store_last_fire(struct store *st, const char *reminder,
                    int (*cb)(void *ud, const struct store_fire *f), void *ud)
{
    if (!reminder) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_FIRE_LAST);
    if (!s) return -EIO;
    if (bind_text(s, 1, reminder) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "reading fires");
    }
    return each_fire(st, s, true, cb, ud);
}

int store_fire_get(struct store *st, int64_t fire_id,
                   int (*cb)(void *ud, const struct store_fire *f), void *ud)
{
    int rc;
    sqlite3_stmt *s = stmt_with(st, Q_FIRE_GET, fire_id, "reading fires", &rc);
    if (!s) return rc;
    return each_fire(st, s, true, cb, ud);
}

int store_fire_by_uid(struct store *st, const char *uid,
                      int (*cb)(void *ud, const struct store_fire *f), void *ud)
{
    if (!uid) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_FIRE_BY_UID);
    if (!s) return -EIO;
    if (bind_text(s, 1, uid) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "reading fires");
    }
    return each_fire(st, s, true, cb, ud);
}

static bool one_of(const char *v, const char *const *names)
{
    for (; v && *names; names++)
        if (strcmp(v, *names) == 0) return true;
    return false;
}

/* Switches the connection between synced (FULL) and written-only (NORMAL) commits. */
static void durable(struct store *st, bool on)
{
    sqlite3_exec(st->db, on ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL", NULL,
                 NULL, NULL);
}

int store_record_answer(struct store *st, int64_t fire_id, const char *answer, usec_t at,
                        const char *source)
{
    static const char *const answers[] = {"done",    "snoozed", "skipped",  "kept",      "broken",
                                          "not_yet", "expired", "silenced", "cancelled", NULL};
    if (!one_of(answer, answers) || !source) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_ANSWER_INSERT);
    if (!s) return -EIO;
    int rc = bind_i64(s, 1, fire_id) | bind_text(s, 2, answer) | bind_i64(s, 3, at) |
             bind_text(s, 4, source);
    if (rc != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "recording an answer");
    }
    /* The user's answers are synced before this returns (the daemon's own "expired" and
     * "silenced" by quiet hours need not). */
    bool user = strcmp(source, "daemon") != 0 && strcmp(source, "quiet") != 0;
    if (user) durable(st, true);
    int r = write_result(st, step_write(s, NULL), "recording an answer");
    if (user) durable(st, false);
    return r;
}

int store_history(struct store *st, usec_t since, int limit,
                  int (*cb)(void *ud, const struct store_fire *f), void *ud)
{
    sqlite3_stmt *s = stmt(st, Q_HISTORY);
    if (!s) return -EIO;
    /* LIMIT -1 is SQLite's "no limit". */
    if ((bind_i64(s, 1, since) | bind_i64(s, 2, limit > 0 ? limit : -1)) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "reading the history");
    }
    return each_fire(st, s, false, cb, ud);
}

int store_report_fires(struct store *st, int (*cb)(void *ud, const struct store_fire *f), void *ud)
{
    sqlite3_stmt *s = stmt(st, Q_REPORT_FIRES);
    if (!s) return -EIO;
    /* Row by row, not through rows_fetch: the whole history of a busy plan would otherwise sit
     * in memory at once, and the callback only counts (it never touches the store). */
    int rc, ret = 0;
    while (ret == 0 && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_fire f = {
            .id = sqlite3_column_int64(s, 0),
            .reminder = (const char *)sqlite3_column_text(s, 1),
            .kind = (const char *)sqlite3_column_text(s, 2),
            .title = (const char *)sqlite3_column_text(s, 3),
            .scheduled = sqlite3_column_int64(s, 4),
            .fired = sqlite3_column_int64(s, 5),
            .answer = (const char *)sqlite3_column_text(s, 6),
            .answered = sqlite3_column_int64(s, 7),
            .origin = (const char *)sqlite3_column_text(s, 8),
            .source = (const char *)sqlite3_column_text(s, 9),
            .parent = sqlite3_column_int64(s, 10),
        };
        if (!f.reminder || !f.kind) {
            ret = -ENOMEM; /* sqlite3_column_text is NULL only when it cannot allocate */
            break;
        }
        ret = cb(ud, &f);
    }
    if (ret == 0 && rc != SQLITE_DONE) ret = sql_fail(st, "reading fires");
    stmt_done(s);
    return ret;
}

/* ---- check-in journal ---- */

int store_add_checkin(struct store *st, usec_t at, int mood, const char *note, int64_t *id)
{
    if (mood < 0 || mood > 5) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_CHECKIN_INSERT);
    if (!s) return -EIO;
    int rc = bind_i64(s, 1, at) | (mood ? bind_i64(s, 2, mood) : sqlite3_bind_null(s, 2)) |
             bind_text(s, 3, note);
    if (rc != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "recording a check-in");
    }
    durable(st, true);
    int r = write_result(st, step_write(s, NULL), "recording a check-in");
    durable(st, false);
    if (r == 0 && id) *id = sqlite3_last_insert_rowid(st->db);
    return r;
}

int store_checkins(struct store *st, usec_t since,
                   int (*cb)(void *ud, const struct store_checkin *c), void *ud)
{
    int rc;
    sqlite3_stmt *s = stmt_with(st, Q_CHECKINS, since, "reading check-ins", &rc);
    if (!s) return rc;
    struct rows r;
    int ret = rows_fetch(st, s, &r, "reading check-ins");
    for (size_t i = 0; ret == 0 && i < r.n; i++) {
        struct store_checkin c = {
            .id = cell_i64(&r, i, 0),
            .at = cell_i64(&r, i, 1),
            .mood = (int)cell_i64(&r, i, 2), /* NULL reads as 0, "none" */
            .note = cell_text(&r, i, 3),
        };
        ret = cb(ud, &c);
    }
    rows_free(&r);
    return ret;
}

/* ---- promises ---- */

static const char *const promise_states[] = {"open", "kept", "broken", "deleted", NULL};

int store_promise_add(struct store *st, const char *key, const char *text, usec_t due,
                      const char *source, usec_t now, int64_t *id)
{
    static const char *const sources[] = {"rules", "nudgectl", NULL};
    if (!text || !one_of(source, sources)) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_PROMISE_UPSERT);
    if (!s) return -EIO;
    int rc = bind_text(s, 1, key) | bind_text(s, 2, text) | bind_i64(s, 3, due) |
             bind_text(s, 4, source) | bind_i64(s, 5, now);
    if (rc != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "adding a promise");
    }
    /* RETURNING, because last_insert_rowid does not change when the upsert updates. */
    int64_t got = 0;
    bool user = !strcmp(source, "nudgectl");
    if (user) durable(st, true);
    int r = write_result(st, step_write(s, &got), "adding a promise");
    if (user) durable(st, false);
    if (r == 0 && id) *id = got;
    return r;
}

int store_promise_set_state(struct store *st, int64_t id, const char *state, usec_t at)
{
    if (!one_of(state, promise_states)) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_PROMISE_STATE);
    if (!s) return -EIO;
    if ((bind_i64(s, 1, id) | bind_text(s, 2, state) | bind_i64(s, 3, at)) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "setting a promise's state");
    }
    durable(st, true);
    int r = write_result(st, step_write(s, NULL), "setting a promise's state");
    durable(st, false);
    if (r == 0 && sqlite3_changes(st->db) == 0) r = -ENOENT;
    return r;
}

static int each_promise(struct store *st, sqlite3_stmt *s, bool want_one,
                        int (*cb)(void *ud, const struct store_promise *p), void *ud)
{
    struct rows r;
    int ret = rows_fetch(st, s, &r, "reading promises");
    if (ret < 0) return ret;
    if (want_one && r.n == 0) ret = -ENOENT;
    for (size_t i = 0; ret == 0 && i < r.n; i++) {
        struct store_promise p = {
            .id = cell_i64(&r, i, 0),
            .key = cell_text(&r, i, 1),
            .text = cell_text(&r, i, 2),
            .due = cell_i64(&r, i, 3),
            .source = cell_text(&r, i, 4),
            .state = cell_text(&r, i, 5),
            .created = cell_i64(&r, i, 6),
            .answered = cell_i64(&r, i, 7),
            .asks = (int)cell_i64(&r, i, 8),
        };
        if (cb) ret = cb(ud, &p);
    }
    rows_free(&r);
    return ret;
}

int store_promise_get(struct store *st, int64_t id,
                      int (*cb)(void *ud, const struct store_promise *p), void *ud)
{
    int rc;
    sqlite3_stmt *s = stmt_with(st, Q_PROMISE_GET, id, "reading promises", &rc);
    if (!s) return rc;
    return each_promise(st, s, true, cb, ud);
}

int store_promises(struct store *st, int (*cb)(void *ud, const struct store_promise *p), void *ud)
{
    sqlite3_stmt *s = stmt(st, Q_PROMISES);
    if (!s) return -EIO;
    return each_promise(st, s, false, cb, ud);
}

/* One promise write of the user's, synced to disk like the answers. */
static int promise_write(struct store *st, sqlite3_stmt *s, int rc, const char *what)
{
    if (rc != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, what);
    }
    durable(st, true);
    int r = write_result(st, step_write(s, NULL), what);
    durable(st, false);
    if (r == 0 && sqlite3_changes(st->db) == 0) r = -ENOENT;
    return r;
}

int store_promise_edit(struct store *st, int64_t id, const char *text, const usec_t *due)
{
    sqlite3_stmt *s = stmt(st, Q_PROMISE_EDIT);
    if (!s) return -EIO;
    int rc = bind_i64(s, 1, id) | bind_text(s, 2, text) |
             (due ? bind_i64(s, 3, *due) : sqlite3_bind_null(s, 3));
    return promise_write(st, s, rc, "editing a promise");
}

int store_promise_set_asks(struct store *st, int64_t id, int asks)
{
    if (asks < 0) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_PROMISE_ASKS);
    if (!s) return -EIO;
    return promise_write(st, s, bind_i64(s, 1, id) | bind_i64(s, 2, asks),
                         "counting a promise's re-asks");
}

/* ---- gesture memory ---- */

int store_gesture_add(struct store *st, const char *reminder, const char *gesture, usec_t at)
{
    if (!reminder || !gesture) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_GESTURE_INSERT);
    if (!s) return -EIO;
    if ((bind_text(s, 1, reminder) | bind_text(s, 2, gesture) | bind_i64(s, 3, at)) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "recording a gesture");
    }
    return write_result(st, step_write(s, NULL), "recording a gesture");
}

int store_gesture_recent(struct store *st, const char *reminder, int n,
                         int (*cb)(void *ud, const char *gesture, usec_t at), void *ud)
{
    if (!reminder) return -EINVAL;
    if (n <= 0) return 0;
    sqlite3_stmt *s = stmt(st, Q_GESTURES);
    if (!s) return -EIO;
    if ((bind_text(s, 1, reminder) | bind_i64(s, 2, n)) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "reading gestures");
    }
    struct rows r;
    int ret = rows_fetch(st, s, &r, "reading gestures");
    for (size_t i = 0; ret == 0 && i < r.n; i++)
        ret = cb(ud, cell_text(&r, i, 0), cell_i64(&r, i, 1));
    rows_free(&r);
    return ret;
}

/* ---- one-shots, catch-up, snoozes ---- */

int store_oneshot_mark(struct store *st, const char *reminder, usec_t at)
{
    if (!reminder) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_ONESHOT_MARK);
    if (!s) return -EIO;
    if ((bind_text(s, 1, reminder) | bind_i64(s, 2, at)) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "marking a one-shot");
    }
    return write_result(st, step_write(s, NULL), "marking a one-shot");
}

int store_oneshot_fired(struct store *st, const char *reminder, bool *fired)
{
    if (!reminder) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_ONESHOT_GET);
    if (!s) return -EIO;
    if (bind_text(s, 1, reminder) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "reading one-shots");
    }
    int rc = sqlite3_step(s);
    stmt_done(s);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return sql_fail(st, "reading one-shots");
    *fired = rc == SQLITE_ROW;
    return 0;
}

int store_set_last_fire(struct store *st, const char *reminder, usec_t scheduled, usec_t fired)
{
    if (!reminder) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_LAST_FIRE_SET);
    if (!s) return -EIO;
    if ((bind_text(s, 1, reminder) | bind_i64(s, 2, scheduled) | bind_i64(s, 3, fired)) !=
        SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "recording a last fire");
    }
    return write_result(st, step_write(s, NULL), "recording a last fire");
}

int store_get_last_fire(struct store *st, const char *reminder, usec_t *scheduled, usec_t *fired)
{
    if (!reminder) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_LAST_FIRE_GET);
    if (!s) return -EIO;
    if (bind_text(s, 1, reminder) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "reading a last fire");
    }
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        if (scheduled) *scheduled = sqlite3_column_int64(s, 0);
        if (fired) *fired = sqlite3_column_int64(s, 1);
    }
    stmt_done(s);
    if (rc == SQLITE_DONE) return -ENOENT;
    return rc == SQLITE_ROW ? 0 : sql_fail(st, "reading a last fire");
}

int store_snooze_add(struct store *st, const char *reminder, int64_t fire_id, usec_t due,
                     const void *blob, size_t len, int64_t *id)
{
    if (!reminder || (!blob && len)) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_SNOOZE_INSERT);
    if (!s) return -EIO;
    /* fire_id <= 0: a snooze not tied to a recorded fire (stored as NULL). */
    int rc = bind_text(s, 1, reminder) |
             (fire_id > 0 ? bind_i64(s, 2, fire_id) : sqlite3_bind_null(s, 2)) |
             bind_i64(s, 3, due) | bind_blob(s, 4, blob, len);
    if (rc != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "recording a snooze");
    }
    int r = write_result(st, step_write(s, NULL), "recording a snooze");
    if (r == 0 && id) *id = sqlite3_last_insert_rowid(st->db);
    return r;
}

int store_snooze_remove(struct store *st, int64_t id)
{
    int rc;
    sqlite3_stmt *s = stmt_with(st, Q_SNOOZE_DELETE, id, "removing a snooze", &rc);
    if (!s) return rc;
    int r = write_result(st, step_write(s, NULL), "removing a snooze");
    if (r == 0 && sqlite3_changes(st->db) == 0) r = -ENOENT;
    return r;
}

int store_snoozes(struct store *st, int (*cb)(void *ud, const struct store_snooze *s), void *ud)
{
    sqlite3_stmt *s = stmt(st, Q_SNOOZES);
    if (!s) return -EIO;
    struct rows r;
    int ret = rows_fetch(st, s, &r, "reading snoozes");
    for (size_t i = 0; ret == 0 && i < r.n; i++) {
        sqlite3_value *b = cell(&r, i, 4);
        const void *blob = sqlite3_value_blob(b); /* NULL for an empty blob */
        struct store_snooze z = {
            .id = cell_i64(&r, i, 0),
            .reminder = cell_text(&r, i, 1),
            .fire_id = cell_i64(&r, i, 2),
            .due = cell_i64(&r, i, 3),
            .blob = blob ? blob : "",
            .len = (size_t)sqlite3_value_bytes(b),
        };
        ret = cb(ud, &z);
    }
    rows_free(&r);
    return ret;
}

/* ---- nudge.store values ---- */

/* One integer a query returns (0 when it returns no row), with key bound to ?1 when given. */
static int kv_number(struct store *st, int q, const char *key, int64_t *out)
{
    sqlite3_stmt *s = stmt(st, q);
    if (!s) return -EIO;
    *out = 0;
    int rc = key ? bind_text(s, 1, key) : SQLITE_OK;
    if (rc == SQLITE_OK) rc = sqlite3_step(s);
    int ret = 0;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(s, 0);
    else if (rc != SQLITE_DONE)
        ret = sql_fail(st, "reading the stored values' size");
    stmt_done(s);
    return ret;
}

int store_kv_size(struct store *st, const char *except, int64_t *bytes)
{
    /* The total is summed once and then kept by store_kv_set: a set is not a table scan. */
    if (st->kv_bytes < 0 && kv_number(st, Q_KV_SIZE, NULL, &st->kv_bytes) < 0) {
        st->kv_bytes = -1;
        return -EIO;
    }
    int64_t own = 0;
    if (except && kv_number(st, Q_KV_ENTRY_SIZE, except, &own) < 0) return -EIO;
    *bytes = st->kv_bytes - own;
    return 0;
}

int store_kv_set(struct store *st, const char *key, const void *blob, size_t len)
{
    if (!key) return -EINVAL;
    sqlite3_stmt *s = stmt(st, blob ? Q_KV_SET : Q_KV_DELETE);
    if (!s) return -EIO;
    int rc = bind_text(s, 1, key) | (blob ? bind_blob(s, 2, blob, len) : SQLITE_OK);
    if (rc != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "writing a stored value");
    }
    /* The running total: the key's old size out, its new one in (unknown: summed when asked). */
    int64_t old = 0;
    if (st->kv_bytes >= 0 && kv_number(st, Q_KV_ENTRY_SIZE, key, &old) < 0) st->kv_bytes = -1;
    /* Deleting a key that is not there is not an error: `nudge.store.x = nil` twice is fine. */
    int r = write_result(st, step_write(s, NULL), "writing a stored value");
    if (r < 0)
        st->kv_bytes = -1;
    else if (st->kv_bytes >= 0)
        st->kv_bytes += (blob ? (int64_t)(strlen(key) + len) : 0) - old;
    return r;
}

int store_kv_get(struct store *st, const char *key, void **blob, size_t *len)
{
    if (!key) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_KV_GET);
    if (!s) return -EIO;
    if (bind_text(s, 1, key) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "reading a stored value");
    }
    int ret;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const void *v = sqlite3_column_blob(s, 0);
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        /* One byte more, so an empty value is still a pointer the caller can free. */
        void *copy = malloc(n + 1);
        if (!copy) {
            ret = -ENOMEM;
        } else {
            if (n) memcpy(copy, v, n);
            *blob = copy;
            *len = n;
            ret = 0;
        }
    } else {
        ret = rc == SQLITE_DONE ? -ENOENT : sql_fail(st, "reading a stored value");
    }
    stmt_done(s);
    return ret;
}

int store_kv_each(struct store *st,
                  int (*cb)(void *ud, const char *key, const void *blob, size_t len), void *ud)
{
    sqlite3_stmt *s = stmt(st, Q_KV_EACH);
    if (!s) return -EIO;
    struct rows r;
    int ret = rows_fetch(st, s, &r, "reading stored values");
    for (size_t i = 0; ret == 0 && i < r.n; i++) {
        sqlite3_value *b = cell(&r, i, 1);
        const void *blob = sqlite3_value_blob(b);
        ret = cb(ud, cell_text(&r, i, 0), blob ? blob : "", (size_t)sqlite3_value_bytes(b));
    }
    rows_free(&r);
    return ret;
}

int store_fire_attach(struct store *st, int64_t fire_id, const void *blob, size_t len)
{
    sqlite3_stmt *s = stmt(st, Q_FIRE_ATTACH);
    if (!s) return -EIO;
    int rc = bind_i64(s, 1, fire_id) | bind_blob(s, 2, blob, len);
    if (rc != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "recording a notification");
    }
    int r = write_result(st, step_write(s, NULL), "recording a notification");
    if (r == 0 && sqlite3_changes(st->db) == 0) return -ENOENT;
    return r;
}

int store_fire_blob(struct store *st, int64_t fire_id, void **blob, size_t *len)
{
    int ret;
    sqlite3_stmt *s = stmt_with(st, Q_FIRE_BLOB, fire_id, "reading a notification", &ret);
    if (!s) return ret;
    int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        void *copy = malloc(n + 1);
        if (!copy) {
            ret = -ENOMEM;
        } else {
            if (n) memcpy(copy, sqlite3_column_blob(s, 0), n);
            *blob = copy;
            *len = n;
            ret = 0;
        }
    } else {
        ret = rc == SQLITE_DONE ? -ENOENT : sql_fail(st, "reading a notification");
    }
    stmt_done(s);
    return ret;
}

/* ---- pauses ---- */

int store_pause_add(struct store *st, usec_t start, const usec_t *until, bool all,
                    const char *note, usec_t now, int64_t *id)
{
    if (until && *until <= start) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_PAUSE_INSERT);
    if (!s) return -EIO;
    int rc = bind_i64(s, 1, start) | (until ? bind_i64(s, 2, *until) : sqlite3_bind_null(s, 2)) |
             bind_i64(s, 3, all) | bind_text(s, 4, note) | bind_i64(s, 5, now);
    if (rc != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "recording a pause");
    }
    /* The user asked for it: it must survive a power cut like an answer. */
    durable(st, true);
    int r = write_result(st, step_write(s, NULL), "recording a pause");
    durable(st, false);
    if (r == 0 && id) *id = sqlite3_last_insert_rowid(st->db);
    return r;
}

int store_pause_end(struct store *st, int64_t id, usec_t at)
{
    sqlite3_stmt *s = stmt(st, Q_PAUSE_END);
    if (!s) return -EIO;
    if ((bind_i64(s, 1, id) | bind_i64(s, 2, at)) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "ending a pause");
    }
    durable(st, true);
    int r = write_result(st, step_write(s, NULL), "ending a pause");
    durable(st, false);
    if (r == 0 && sqlite3_changes(st->db) == 0) r = -ENOENT;
    return r;
}

int store_pauses(struct store *st, int (*cb)(void *ud, const struct store_pause *p), void *ud)
{
    sqlite3_stmt *s = stmt(st, Q_PAUSES);
    if (!s) return -EIO;
    struct rows r;
    int ret = rows_fetch(st, s, &r, "reading pauses");
    for (size_t i = 0; ret == 0 && i < r.n; i++) {
        bool open = sqlite3_value_type(cell(&r, i, 2)) == SQLITE_NULL;
        bool ended = sqlite3_value_type(cell(&r, i, 6)) != SQLITE_NULL;
        struct store_pause p = {
            .id = cell_i64(&r, i, 0),
            .start = cell_i64(&r, i, 1),
            .until = open ? USEC_INFINITY : cell_i64(&r, i, 2),
            .all = cell_i64(&r, i, 3) != 0,
            .note = cell_text(&r, i, 4),
            .created = cell_i64(&r, i, 5),
            .ended = ended ? cell_i64(&r, i, 6) : 0,
        };
        ret = cb(ud, &p);
    }
    rows_free(&r);
    return ret;
}

/* ---- CalDAV sync ---- */

int store_sync_item_put(struct store *st, const char *uid, const char *href, const char *etag,
                        usec_t due)
{
    if (!uid || !href) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_SYNC_ITEM_PUT);
    if (!s) return -EIO;
    if ((bind_text(s, 1, uid) | bind_text(s, 2, href) | bind_text(s, 3, etag) |
         bind_i64(s, 4, due)) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "recording a synced item");
    }
    return write_result(st, step_write(s, NULL), "recording a synced item");
}

int store_sync_item_delete(struct store *st, const char *uid)
{
    if (!uid) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_SYNC_ITEM_DELETE);
    if (!s) return -EIO;
    if (bind_text(s, 1, uid) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "forgetting a synced item");
    }
    return write_result(st, step_write(s, NULL), "forgetting a synced item");
}

int store_sync_items_clear(struct store *st)
{
    sqlite3_stmt *s = stmt(st, Q_SYNC_ITEMS_CLEAR);
    if (!s) return -EIO;
    return write_result(st, step_write(s, NULL), "forgetting the synced items");
}

int store_meta_get(struct store *st, const char *key, char *buf, size_t bufsz)
{
    if (!key || !bufsz) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_META_GET);
    if (!s) return -EIO;
    if (bind_text(s, 1, key) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "reading a setting");
    }
    struct rows r;
    int ret = rows_fetch(st, s, &r, "reading a setting");
    if (ret == 0) {
        if (r.n == 0) {
            ret = -ENOENT;
        } else {
            const char *v = cell_text(&r, 0, 0);
            snprintf(buf, bufsz, "%s", v ? v : "");
        }
    }
    rows_free(&r);
    return ret;
}

int store_meta_set(struct store *st, const char *key, const char *value)
{
    if (!key || !value) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_META_SET);
    if (!s) return -EIO;
    if ((bind_text(s, 1, key) | bind_text(s, 2, value)) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "writing a setting");
    }
    return write_result(st, step_write(s, NULL), "writing a setting");
}

int store_sync_items(struct store *st, int (*cb)(void *ud, const struct store_sync_item *it),
                     void *ud)
{
    sqlite3_stmt *s = stmt(st, Q_SYNC_ITEMS);
    if (!s) return -EIO;
    struct rows r;
    int ret = rows_fetch(st, s, &r, "reading synced items");
    for (size_t i = 0; ret == 0 && i < r.n; i++) {
        struct store_sync_item it = {
            .uid = cell_text(&r, i, 0),
            .href = cell_text(&r, i, 1),
            .etag = cell_text(&r, i, 2),
            .due = cell_i64(&r, i, 3),
        };
        ret = cb(ud, &it);
    }
    rows_free(&r);
    return ret;
}

int store_sync_held_put(struct store *st, const char *uid, const char *reminder,
                        const char *answer, usec_t at, usec_t due)
{
    static const char *const answers[] = {"done", "skipped", NULL};
    if (!uid || !reminder || !one_of(answer, answers)) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_SYNC_HELD_PUT);
    if (!s) return -EIO;
    if ((bind_text(s, 1, uid) | bind_text(s, 2, reminder) | bind_text(s, 3, answer) |
         bind_i64(s, 4, at) | bind_i64(s, 5, due)) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "holding a synced answer");
    }
    /* The user's answer, given on another device: synced like one given here. */
    durable(st, true);
    int r = write_result(st, step_write(s, NULL), "holding a synced answer");
    durable(st, false);
    /* Counted high when it replaced a row: that only costs a lookup. */
    if (st->held_rows >= 0) st->held_rows++;
    return r;
}

int store_sync_held_count(struct store *st, int64_t *n)
{
    if (st->held_rows < 0 && kv_number(st, Q_SYNC_HELD_COUNT, NULL, &st->held_rows) < 0) {
        st->held_rows = -1;
        return -EIO;
    }
    *n = st->held_rows;
    return 0;
}

int store_sync_held_get(struct store *st, const char *uid,
                        int (*cb)(void *ud, const struct store_sync_held *h), void *ud)
{
    if (!uid) return -EINVAL;
    /* Most fires have no answer held (most users sync nothing): a year's preview asks for each
     * of its fires, so an empty table is known without a query. */
    int64_t n;
    if (store_sync_held_count(st, &n) == 0 && n == 0) return -ENOENT;
    sqlite3_stmt *s = stmt(st, Q_SYNC_HELD_GET);
    if (!s) return -EIO;
    if (bind_text(s, 1, uid) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "reading a held answer");
    }
    struct rows r;
    int ret = rows_fetch(st, s, &r, "reading a held answer");
    if (ret == 0 && r.n == 0) ret = -ENOENT;
    for (size_t i = 0; ret == 0 && i < r.n; i++) {
        struct store_sync_held h = {
            .uid = cell_text(&r, i, 0),
            .reminder = cell_text(&r, i, 1),
            .answer = cell_text(&r, i, 2),
            .at = cell_i64(&r, i, 3),
            .due = cell_i64(&r, i, 4),
        };
        ret = cb(ud, &h);
    }
    rows_free(&r);
    return ret;
}

int store_sync_held_delete(struct store *st, const char *uid)
{
    if (!uid) return -EINVAL;
    sqlite3_stmt *s = stmt(st, Q_SYNC_HELD_DELETE);
    if (!s) return -EIO;
    if (bind_text(s, 1, uid) != SQLITE_OK) {
        stmt_done(s);
        return sql_fail(st, "dropping a held answer");
    }
    int r = write_result(st, step_write(s, NULL), "dropping a held answer");
    st->held_rows = -1; /* counted again when next asked (a rollback could undo this) */
    if (r == 0 && sqlite3_changes(st->db) == 0) r = -ENOENT;
    return r;
}

int store_sync_held_drop(struct store *st, usec_t before)
{
    int rc;
    sqlite3_stmt *s = stmt_with(st, Q_SYNC_HELD_DROP, before, "dropping held answers", &rc);
    if (!s) return rc;
    int r = write_result(st, step_write(s, NULL), "dropping held answers");
    st->held_rows = -1;
    return r < 0 ? r : sqlite3_changes(st->db);
}
