-- milestone.lua: celebrate progress with nudge.milestone.
--
-- Two kinds of milestones, each celebrated once:
--   at      - spans of time since nudge.config{since} (each fires once at since + span;
--             spans already in the past are not celebrated late)
--   streaks - runs of consecutive days with a done check-in (checked each evening at 21:00,
--             or at `when`)
-- nudge.config{since} must come before nudge.milestone.

nudge.config { since = "2026-11-01" }

nudge.milestone {
  at = { "7d", "30d", "90d", "6M", "1y" },
  streaks = { 7, 30 },
  when = "*-*-* 20:45",           -- when to look at the streak (default 21:00)
  title = "A milestone",
  body = "{days} days since you began. Notice how far you have come, and tell each other.",
}

-- Streaks come from answering check-ins with Done (or `nudgectl checkin`).
nudge.checkin { id = "evening", when = "*-*-* 20:30", title = "Evening check-in" }
