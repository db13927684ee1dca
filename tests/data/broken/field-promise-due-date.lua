-- a field name made up (due_date for due)
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.promise {
  id = "counselling",
  text = "Book a first session with a couples counsellor",
  due_date = "2036-12-04 17:00",
  remind = { "3d", "1d" },        -- three days and one day before
}
