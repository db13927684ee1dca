-- a misspelt kind: nudge.patiance for nudge.patience
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.patiance {
  id = "patience-early",
  when = { early = "Mon,Thu 08:30" },
  phases = {
    { body = "Early days. Listen more than you explain." },
  },
}
