-- broken written as broke
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.support {
  after = { broke = 2, conflicts = 3 },
  within = "14d",
}
