-- a date written the British way
nudge.config {
  since = "01/11/2026",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

