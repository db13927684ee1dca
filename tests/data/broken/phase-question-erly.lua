-- a misspelt phase in a question's phases
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.checkin {
  id = "weekly-talk",
  when = "Sun 18:00",
  questions = {
    { text = "What helped you most this week?", phases = { "erly", "months" } },
  },
}
