-- one span where a list is wanted
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.promise {
  id = "counselling",
  text = "Book a first session with a couples counsellor",
  due = "2036-12-04 17:00",
  remind = "3d",        -- three days and one day before
}
