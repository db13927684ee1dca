-- promise.lua: promises to keep, with nudge.promise.
--
-- A promise is reminded some time before it is due (by default a day and two hours before),
-- and when it is due a notification asks "Kept?" with three answers: Kept, Not yet (asks
-- again in an hour) and Broken. Kept and broken promises count in {kept} of {promised} and
-- in `nudgectl report`. A promise whose due time has passed schedules nothing.
--
-- Promises you make in conversation can also be added without editing this file:
--   nudgectl promise add "Fix the shelf" --due "2026-12-05 19:00"

nudge.promise {
  id = "counsellor",              -- stable name: the answer is kept under it
  text = "Book a first session with a couples counsellor",
  due = "2026-12-04 17:00",       -- a systemd timestamp, in your time zone
  -- default reminders: { "1d", "2h" } before due
}

nudge.promise {
  id = "dinner",
  text = "Cook dinner for the two of you on Friday",
  due = "2026-12-11 19:00",
  remind = { "3d", "4h" },        -- any systemd spans: three days and four hours before
  title = "Coming up",            -- the reminders' title (the due prompt is always "Kept?")
}
