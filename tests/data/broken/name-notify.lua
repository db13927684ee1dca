-- nudge.notify misspelt (the top-level one is read at load)
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

-- shown once, when the plan is loaded
nudge.notfy { title = "plan loaded" }
