-- a placeholder nudge does not know
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.checkin {
  id = "weekly-talk",
  when = "Sun 18:00",
  body = "Today is {day}. {question}",
  questions = { "How has this week been for you?" },
}
