-- streaks written as streak
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.milestone {
  id = "milestones",
  at = { "7d", "30d", "90d", "6M", "1y" },
  streak = { 7, 30 },
  title = "A milestone",
}
