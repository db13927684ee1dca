-- quiet hours written with a dash
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30 - 07:30",   -- nothing pops up at night; reminders wait for the morning
}

