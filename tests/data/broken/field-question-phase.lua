-- phases written as phase in one question
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

local week_questions = {
  { text = "How has this week been for you, all in all?", phases = { "early", "months" } },
  { text = "Which evening this week felt most like us?", phase = { "months", "settled" } },
}

nudge.checkin {
  id = "weekly-talk",
  title = "This week, together",
  when = "Sun 18:00",
  questions = week_questions,
}
