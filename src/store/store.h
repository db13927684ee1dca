/* The state database: one SQLite file, the only code in nudge that speaks SQL.
 *
 * $XDG_STATE_HOME/nudge/nudge.db (or DIR/nudge.db with --state DIR), WAL mode, a versioned
 * schema (PRAGMA user_version) migrated forward on open. Every write is its own short
 * transaction, committed when the function returns, so it survives a kill -9 right after.
 * What the user acknowledged (answers, check-ins, promises) is also synced to disk before the
 * function returns (synchronous=FULL for that commit), so it survives a power cut too; the
 * daemon's own bookkeeping (fires, last fires, snoozes, kv) is committed with NORMAL, which
 * WAL keeps consistent but may lose the last commits of a power cut.
 *
 * Times are microseconds since the epoch (usec_t). Functions return 0 or a negative errno
 * (-ENOENT when a lookup finds nothing, -EIO on an SQLite error, with the message logged or put
 * in err where an err buffer is taken). Strings handed to callbacks are valid only during the
 * call. A callback that returns non-zero stops the walk and its value is returned. Callbacks may
 * call any store function, writes included (the rows are read out before the first call). */
#ifndef NUDGE_STORE_H
#define NUDGE_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "common/usec.h"

#define STORE_SCHEMA_VERSION 5

struct store;

/* Opens DIR/nudge.db, creating DIR (0700) and the file as needed, and migrates the schema.
 * The folder must be the user's own (a looser mode is tightened to 0700, with a warning); the
 * database, -wal, -shm and set-aside files are the user's regular files, 0600 (tightened, with
 * a warning); a symbolic link at the name of the database or its -wal/-shm/-journal is refused
 * (err names it), never followed. Refused (-EBUSY) when this process already has it open.
 * A file that is not a database or fails `PRAGMA quick_check` is renamed aside to
 * nudge.db.corrupt-<epoch> (never deleted) and a fresh database is created; *note then gets a
 * one-line message naming both files (else note[0] = 0). Fails (err set, naming the file)
 * when the folder or file cannot be created or read, or the schema is newer than this build. */
int store_open(const char *dir, struct store **out, char *note, size_t notesz, char *err,
               size_t errsz);

/* A private in-memory copy of DIR/nudge.db (or an empty database when there is none), for
 * `nudged --preview` (another process than the daemon's): it reads the real state and never
 * writes it, nor checkpoints or removes the daemon's WAL. Refused (-EBUSY) in a process that
 * has DIR/nudge.db open with store_open(): use store_copy() there. */
int store_open_snapshot(const char *dir, struct store **out, char *err, size_t errsz);

/* A private in-memory copy of what `live` holds now, read through live's own connection, for
 * `nudgectl preview` and `export` inside the daemon. The daemon must never open its database
 * file a second time: POSIX locks belong to the process, so closing any other descriptor of
 * the file drops the daemon's, and the next reader may then delete the WAL under it (and with it
 * every later acknowledged answer). */
int store_copy(struct store *live, struct store **out, char *err, size_t errsz);

/* An empty in-memory database (tests, and --check). */
int store_open_memory(struct store **out, char *err, size_t errsz);

void store_close(struct store *st);

/* The database file ("" for memory). */
const char *store_path(const struct store *st);

/* The default folder: $XDG_STATE_HOME/nudge, else ~/.local/state/nudge. Writes into buf. */
void store_default_dir(char *buf, size_t bufsz);

/* ---- fires and answers ---- */

/* Records that a reminder fired. *fire_id (may be NULL) gets the new row id. */
int store_record_fire(struct store *st, const char *reminder, const char *kind, usec_t scheduled,
                      usec_t fired, const char *title, int64_t *fire_id);

/* The same, saying where it came from: origin "rule", "snooze" (a re-show of fire `parent`),
 * or "manual" (a hand fire); parent 0 for none; uid its calendar UID, or NULL. */
int store_record_fire_from(struct store *st, const char *reminder, const char *kind,
                           usec_t scheduled, usec_t fired, const char *title, const char *origin,
                           int64_t parent, const char *uid, int64_t *fire_id);

/* Keeps the notification a fire showed (the caller's encoding), so it can be shown again. */
int store_fire_attach(struct store *st, int64_t fire_id, const void *blob, size_t len);
/* -ENOENT when the fire has none. *blob is malloc'd; the caller frees it. */
int store_fire_blob(struct store *st, int64_t fire_id, void **blob, size_t *len);

struct store_fire {
    int64_t id;
    const char *reminder, *kind, *title;
    usec_t scheduled, fired;
    const char *answer; /* the answer that settled it (the first, "cancelled" aside), or NULL */
    usec_t answered;    /* when, or 0 */
    const char *origin; /* "rule", "snooze", "manual" */
    const char *source; /* where the answer came from ("action", "nudgectl", "checkin", ...) */
    int64_t parent;     /* a snooze's re-show: the first fire; else 0 */
};

/* The most recent fire of a reminder (-ENOENT if none). */
int store_last_fire(struct store *st, const char *reminder,
                    int (*cb)(void *ud, const struct store_fire *f), void *ud);

/* Fire fire_id (-ENOENT if none). */
int store_fire_get(struct store *st, int64_t fire_id,
                   int (*cb)(void *ud, const struct store_fire *f), void *ud);

/* The latest fire recorded with calendar UID uid (-ENOENT if none). */
int store_fire_by_uid(struct store *st, const char *uid,
                      int (*cb)(void *ud, const struct store_fire *f), void *ud);

/* answer is one of "done", "snoozed", "skipped", "kept", "broken", "not_yet", "expired",
 * "silenced", "cancelled" (else -EINVAL); source says where it came from ("action",
 * "nudgectl", "daemon", "checkin"; for "silenced" and "cancelled" the reason). */
int store_record_answer(struct store *st, int64_t fire_id, const char *answer, usec_t at,
                        const char *source);

/* Fires in the order they happened, newest first: at most `limit` (<= 0: all), none before
 * `since` (0: from the start). Each with the answer that settled it. */
int store_history(struct store *st, usec_t since, int limit,
                  int (*cb)(void *ud, const struct store_fire *f), void *ud);

/* The check-in and gesture fires (what the report counts; hand fires aside), oldest first,
 * each with the answer that settled it, streamed:
 * memory stays flat however long the history. cb must not use the store. */
int store_report_fires(struct store *st, int (*cb)(void *ud, const struct store_fire *f), void *ud);

/* ---- check-in journal ---- */

/* mood 1..5, or 0 for none; note may be NULL. */
int store_add_checkin(struct store *st, usec_t at, int mood, const char *note, int64_t *id);

struct store_checkin {
    int64_t id;
    usec_t at;
    int mood; /* 0: none */
    const char *note;
};

/* Check-ins at or after `since`, oldest first. */
int store_checkins(struct store *st, usec_t since,
                   int (*cb)(void *ud, const struct store_checkin *c), void *ud);

/* ---- promises ---- */

struct store_promise {
    int64_t id;
    const char *key;    /* the rule's promise id, or NULL for one added with nudgectl */
    const char *text;
    usec_t due;
    const char *source; /* "rules" or "nudgectl" */
    const char *state;  /* "open", "kept", "broken", "deleted" */
    usec_t created, answered;
    int asks; /* "not yet" re-asks so far */
};

/* Adds a promise. A rule promise (key non-NULL) that already exists keeps its state and id
 * (text and due are updated): *id gets the id either way. */
int store_promise_add(struct store *st, const char *key, const char *text, usec_t due,
                      const char *source, usec_t now, int64_t *id);
/* state: "open", "kept", "broken" or "deleted" (the row stays). -ENOENT for an unknown id. */
int store_promise_set_state(struct store *st, int64_t id, const char *state, usec_t at);
/* New text and/or due (NULL: unchanged); a new due sets the re-ask count back to 0. -ENOENT
 * for an unknown id. */
int store_promise_edit(struct store *st, int64_t id, const char *text, const usec_t *due);
/* The number of "not yet" re-asks. -ENOENT for an unknown id. */
int store_promise_set_asks(struct store *st, int64_t id, int asks);
int store_promise_get(struct store *st, int64_t id,
                      int (*cb)(void *ud, const struct store_promise *p), void *ud);
/* All promises, by due time. */
int store_promises(struct store *st, int (*cb)(void *ud, const struct store_promise *p), void *ud);

/* ---- gesture memory ---- */

int store_gesture_add(struct store *st, const char *reminder, const char *gesture, usec_t at);
/* The last n gestures picked for a reminder, newest first. */
int store_gesture_recent(struct store *st, const char *reminder, int n,
                         int (*cb)(void *ud, const char *gesture, usec_t at), void *ud);

/* ---- one-shots, catch-up, snoozes ---- */

/* A fired `at`/`after` with an id: never fires again. */
int store_oneshot_mark(struct store *st, const char *reminder, usec_t at);
int store_oneshot_fired(struct store *st, const char *reminder, bool *fired);

/* The last elapse a reminder fired for (catch-up looks for elapses missed after it). */
int store_set_last_fire(struct store *st, const char *reminder, usec_t scheduled, usec_t fired);
int store_get_last_fire(struct store *st, const char *reminder, usec_t *scheduled, usec_t *fired);

/* A snoozed notification, to show again at `due`; blob is the notification as the daemon
 * serialises it (opaque here). */
int store_snooze_add(struct store *st, const char *reminder, int64_t fire_id, usec_t due,
                     const void *blob, size_t len, int64_t *id);
int store_snooze_remove(struct store *st, int64_t id);
struct store_snooze {
    int64_t id;
    const char *reminder;
    int64_t fire_id;
    usec_t due;
    const void *blob;
    size_t len;
};
/* All pending snoozes, by due time. */
int store_snoozes(struct store *st, int (*cb)(void *ud, const struct store_snooze *s), void *ud);

/* ---- pauses (nudgectl pause; SPEC 2.4) ---- */

/* Records a pause from `start` to *until (NULL: until it is ended). -EINVAL when until is not
 * after start. *id (may be NULL) gets its row. */
int store_pause_add(struct store *st, usec_t start, const usec_t *until, bool all,
                    const char *note, usec_t now, int64_t *id);
/* A resume ended pause `id` at `at`. -ENOENT when there is no such pause or it was ended
 * already. */
int store_pause_end(struct store *st, int64_t id, usec_t at);

struct store_pause {
    int64_t id;
    usec_t start;
    usec_t until; /* USEC_INFINITY: until resumed */
    bool all;     /* promises and the rules' own notifications too */
    const char *note;
    usec_t created;
    usec_t ended; /* when a resume ended it, or 0 */
};

/* Every pause, by start. */
int store_pauses(struct store *st, int (*cb)(void *ud, const struct store_pause *p), void *ud);

/* ---- nudge.store values ---- */

/* Sets (blob non-NULL) or deletes (blob NULL) a value; the encoding is the caller's. */
int store_kv_set(struct store *st, const char *key, const void *blob, size_t len);
/* Bytes of every stored key and value but `except`'s (NULL: all). 0 or -EIO. */
int store_kv_size(struct store *st, const char *except, int64_t *bytes);
/* -ENOENT when absent. *blob is malloc'd; the caller frees it. */
int store_kv_get(struct store *st, const char *key, void **blob, size_t *len);
int store_kv_each(struct store *st, int (*cb)(void *ud, const char *key, const void *blob, size_t len),
                  void *ud);

/* ---- CalDAV sync (SPEC 7) ---- */

struct store_sync_item {
    const char *uid, *href;
    const char *etag; /* NULL when unknown */
    usec_t due;
};

/* Adds the task nudge put on the server under uid, or replaces it. */
int store_sync_item_put(struct store *st, const char *uid, const char *href, const char *etag,
                        usec_t due);
/* Forgets it (absent: nothing to do, 0). */
int store_sync_item_delete(struct store *st, const char *uid);
/* Forgets every item (another server or user). */
int store_sync_items_clear(struct store *st);

/* The daemon's own settings (table meta): 0 with the value in buf (cut to bufsz), -ENOENT,
 * -EIO. */
int store_meta_get(struct store *st, const char *key, char *buf, size_t bufsz);
int store_meta_set(struct store *st, const char *key, const char *value);
/* Every item, by due, then uid. */
int store_sync_items(struct store *st, int (*cb)(void *ud, const struct store_sync_item *it),
                     void *ud);

/* An answer from another device to a fire not come yet. */
struct store_sync_held {
    const char *uid, *reminder;
    const char *answer; /* "done" or "skipped" */
    usec_t at;          /* when it was given */
    usec_t due;         /* the UID's time: given up after it */
};

/* Holds an answer for uid (replacing one held already); answer "done" or "skipped", else
 * -EINVAL. Synced to disk, like an answer. */
int store_sync_held_put(struct store *st, const char *uid, const char *reminder,
                        const char *answer, usec_t at, usec_t due);
/* The answer held for uid (-ENOENT if none). */
/* How many answers are held, or more (a replaced one may still be counted); -EIO. */
int store_sync_held_count(struct store *st, int64_t *n);
int store_sync_held_get(struct store *st, const char *uid,
                        int (*cb)(void *ud, const struct store_sync_held *h), void *ud);
/* -ENOENT when none was held. */
int store_sync_held_delete(struct store *st, const char *uid);
/* Drops the held answers whose due is `before` or earlier; returns how many, or -EIO. */
int store_sync_held_drop(struct store *st, usec_t before);

#endif
