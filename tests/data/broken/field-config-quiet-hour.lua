-- quiet_hours without its s
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hour = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

