#!/usr/bin/env bash
# Writes v4.db: a state database in schema version 4 (pauses), with a few rows, for test_store's
# v4 -> v5 migration test (v5 adds the fires' calendar UIDs and the CalDAV sync tables). The
# schema below is what nudge at version 4 created, as `sqlite3 nudge.db .schema` printed it. The
# committed v4.db is this script's output; rerun it only to change the fixture (and the test's
# expectations with it).
#   tests/data/state/make-v4.sh [OUT]   (default: v4.db beside this script)
set -euo pipefail
out=${1:-$(dirname "$0")/v4.db}
rm -f "$out" "$out-wal" "$out-shm"
sqlite3 "$out" <<'SQL'
CREATE TABLE fires ( id INTEGER PRIMARY KEY, reminder TEXT NOT NULL CHECK (length(reminder) > 0), kind TEXT NOT NULL, scheduled INTEGER NOT NULL, fired INTEGER NOT NULL, title TEXT, notification BLOB, origin TEXT NOT NULL DEFAULT 'rule' CHECK (origin IN ('rule', 'snooze', 'manual')), parent INTEGER REFERENCES fires (id) ON DELETE SET NULL) STRICT;
CREATE INDEX fires_by_time ON fires (fired, id);
CREATE INDEX fires_by_reminder ON fires (reminder, fired, id);
CREATE TABLE checkins ( id INTEGER PRIMARY KEY, at INTEGER NOT NULL, mood INTEGER CHECK (mood BETWEEN 1 AND 5), note TEXT) STRICT;
CREATE INDEX checkins_by_time ON checkins (at, id);
CREATE TABLE gestures ( id INTEGER PRIMARY KEY, reminder TEXT NOT NULL, gesture TEXT NOT NULL, at INTEGER NOT NULL) STRICT;
CREATE INDEX gestures_by_reminder ON gestures (reminder, at, id);
CREATE TABLE oneshots ( reminder TEXT PRIMARY KEY, fired INTEGER NOT NULL) WITHOUT ROWID, STRICT;
CREATE TABLE last_fire ( reminder TEXT PRIMARY KEY, scheduled INTEGER NOT NULL, fired INTEGER NOT NULL) WITHOUT ROWID, STRICT;
CREATE TABLE snoozes ( id INTEGER PRIMARY KEY, reminder TEXT NOT NULL, fire INTEGER REFERENCES fires (id) ON DELETE SET NULL, due INTEGER NOT NULL, blob BLOB NOT NULL) STRICT;
CREATE INDEX snoozes_by_due ON snoozes (due, id);
CREATE INDEX snoozes_by_fire ON snoozes (fire);
CREATE TABLE kv ( key TEXT PRIMARY KEY, value BLOB NOT NULL) WITHOUT ROWID, STRICT;
CREATE INDEX fires_by_kind ON fires (kind, fired, id);
CREATE TABLE answers ( id INTEGER PRIMARY KEY, fire INTEGER NOT NULL REFERENCES fires (id) ON DELETE CASCADE, answer TEXT NOT NULL CHECK (answer IN  ('done', 'snoozed', 'skipped', 'kept', 'broken', 'not_yet', 'expired', 'silenced',   'cancelled')), at INTEGER NOT NULL, source TEXT NOT NULL) STRICT;
CREATE INDEX answers_by_fire ON answers (fire, at, id);
CREATE TABLE promises ( id INTEGER PRIMARY KEY, key TEXT UNIQUE, text TEXT NOT NULL, due INTEGER NOT NULL, source TEXT NOT NULL CHECK (source IN ('rules', 'nudgectl')), state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'kept', 'broken', 'deleted')), created INTEGER NOT NULL, answered INTEGER, asks INTEGER NOT NULL DEFAULT 0 CHECK (asks >= 0), CHECK ((state = 'open') = (answered IS NULL))) STRICT;
CREATE INDEX promises_by_due ON promises (due, id);
CREATE TABLE pauses ( id INTEGER PRIMARY KEY, start INTEGER NOT NULL, until INTEGER CHECK (until IS NULL OR until > start), all_kinds INTEGER NOT NULL DEFAULT 0 CHECK (all_kinds IN (0, 1)), note TEXT, created INTEGER NOT NULL, ended INTEGER) STRICT;
CREATE INDEX pauses_by_start ON pauses (start, id);
INSERT INTO fires (id, reminder, kind, scheduled, fired, title, notification, origin, parent) VALUES
 (1, 'evening', 'checkin', 1797000000000000, 1797000000100000, 'Evening check-in', NULL, 'rule', NULL),
 (2, 'evening', 'checkin', 1797086400000000, 1797086400100000, 'Evening check-in', X'7b7d', 'rule', NULL),
 (3, 'evening', 'checkin', 1797090000000000, 1797090000000000, 'Evening check-in', X'7b7d', 'snooze', 2);
INSERT INTO answers (fire, answer, at, source) VALUES
 (1, 'done', 1797000600000000, 'action'),
 (2, 'snoozed', 1797086500000000, 'action');
INSERT INTO snoozes (id, reminder, fire, due, blob) VALUES (1, 'evening', 3, 1797093600000000, X'7b7d');
INSERT INTO promises (id, key, text, due, source, state, created, answered, asks) VALUES
 (1, 'dinner', 'Cook on Friday', 1797200000000000, 'rules', 'kept', 1797000000000000, 1797200100000000, 0);
INSERT INTO pauses (id, start, until, all_kinds, note, created, ended) VALUES
 (1, 1797100000000000, NULL, 1, 'away', 1797100000000000, 1797150000000000);
INSERT INTO kv (key, value) VALUES ('streak', X'03');
INSERT INTO last_fire (reminder, scheduled, fired) VALUES ('evening', 1797086400000000, 1797086400100000);
PRAGMA user_version = 4;
SQL
