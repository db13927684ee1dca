#!/usr/bin/env bash
# Writes v3.db: a state database in schema version 3 (issues 11/12: fire origins, silenced and
# cancelled rows, deleted promises), with a few rows, for test_store's v3 -> v4 migration test
# (v4 adds the pauses table). The schema below is what nudge at version 3 created, as
# `sqlite3 nudge.db .schema` printed it. The committed v3.db is this script's output; rerun it
# only to change the fixture (and the test's expectations with it).
#   tests/data/state/make-v3.sh [OUT]   (default: v3.db beside this script)
set -euo pipefail
out=${1:-$(dirname "$0")/v3.db}
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
INSERT INTO fires (id, reminder, kind, scheduled, fired, title, origin) VALUES
 (1, 'evening', 'checkin', 1796000000000000, 1796000000100000, 'Evening check-in', 'rule'),
 (2, 'evening', 'checkin', 1796086400000000, 1796086400100000, NULL, 'rule'),
 (3, 'flowers', 'gesture', 1796090000000000, 1796090000000000, 'A small gesture', 'manual');
INSERT INTO answers (fire, answer, at, source) VALUES
 (1, 'done', 1796000600000000, 'action'),
 (2, 'silenced', 1796086400100000, 'checkin');
INSERT INTO checkins (id, at, mood, note) VALUES (1, 1796080000000000, 4, 'a good talk');
INSERT INTO promises (id, key, text, due, source, state, created, answered, asks) VALUES
 (1, NULL, 'Call the counsellor', 1796200000000000, 'nudgectl', 'open', 1796000000000000, NULL, 1);
PRAGMA user_version = 3;
SQL
