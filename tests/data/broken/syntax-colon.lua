-- name: value for name = value
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.checkin {
  id = "evening",
  title: "Evening check-in",
  when = {
    early   = "Mon..Fri 20:30",
    months  = "Mon,Wed,Fri 20:30",
    settled = "Tue,Fri 20:30",
  },
  questions = nudge.questions,
  no_repeat = 20,
  snooze = "45min",
}
