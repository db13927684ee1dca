#!/usr/bin/env bash
# Writes v0.db: a state database in schema version 0, the layout before v1, with a few rows of
# every kind, for test_store's migration test. v0 kept each fire and its one answer in a single
# `history` row, times in whole seconds, mood 0 for "none" and open promises as 'pending'; it
# had no snoozes and no kv. The committed v0.db is this script's output; rerun it only to
# change the fixture (and the test's expectations with it).
#   tests/data/state/make-v0.sh [OUT]   (default: v0.db beside this script)
set -euo pipefail
out=${1:-$(dirname "$0")/v0.db}
rm -f "$out" "$out-wal" "$out-shm"
sqlite3 "$out" <<'SQL'
PRAGMA user_version = 0;
CREATE TABLE history (
    id INTEGER PRIMARY KEY,
    reminder TEXT NOT NULL,
    kind TEXT NOT NULL,
    scheduled INTEGER NOT NULL,
    fired INTEGER NOT NULL,
    title TEXT,
    answer TEXT,
    answered INTEGER,
    source TEXT
);
CREATE INDEX history_reminder ON history (reminder, fired);
CREATE TABLE checkins (id INTEGER PRIMARY KEY, at INTEGER NOT NULL, mood INTEGER NOT NULL DEFAULT 0, note TEXT);
CREATE TABLE promises (
    id INTEGER PRIMARY KEY,
    key TEXT UNIQUE,
    text TEXT NOT NULL,
    due INTEGER NOT NULL,
    source TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'pending',
    created INTEGER NOT NULL,
    answered INTEGER
);
CREATE TABLE gestures (reminder TEXT NOT NULL, gesture TEXT NOT NULL, at INTEGER NOT NULL);
CREATE TABLE oneshots (reminder TEXT PRIMARY KEY, fired INTEGER NOT NULL);
CREATE TABLE last_fire (reminder TEXT PRIMARY KEY, scheduled INTEGER NOT NULL, fired INTEGER NOT NULL);

-- late November 2026, in seconds since the epoch
INSERT INTO history VALUES
    (1, 'evening', 'checkin', 1795633800, 1795633800, 'Evening check-in', 'done', 1795634100, 'action'),
    (2, 'flowers', 'gesture', 1795680000, 1795680012, 'A small gesture', 'skipped', 1795683600, 'nudgectl'),
    (3, 'evening', 'checkin', 1795720200, 1795720200, 'Evening check-in', 'snoozed', 1795720260, 'action'),
    (4, 'evening', 'checkin', 1795806600, 1795806600, 'Evening check-in', NULL, NULL, NULL),
    (5, 'dinner', 'promise', 1795813200, 1795813200, 'Kept?', 'kept', 1795813500, NULL);
INSERT INTO checkins VALUES
    (1, 1795634000, 4, 'talked about the weekend'),
    (2, 1795720500, 0, NULL),
    (3, 1795807000, 2, 'hard one');
INSERT INTO promises VALUES
    (1, 'dinner', 'Cook dinner on Friday', 1795813200, 'rules', 'kept', 1795000000, 1795813500),
    (2, NULL, 'Call her mother', 1796000000, 'nudgectl', 'pending', 1795700000, NULL),
    (3, 'tidy', 'Tidy the garage', 1795500000, 'rules', 'broken', 1795000000, NULL);
INSERT INTO gestures VALUES
    ('flowers', 'buy flowers', 1795680012),
    ('flowers', 'write a note', 1795766412),
    ('flowers', 'make coffee', 1795852812);
INSERT INTO oneshots VALUES ('anniversary', 1795600000);
INSERT INTO last_fire VALUES ('evening', 1795806600, 1795806600), ('flowers', 1795680000, 1795680012);
SQL
