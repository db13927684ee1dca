-- a block without its closing brace
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.checkin {
  id = "evening",
  title = "Evening check-in",
  when = {
    early   = "Mon..Fri 20:30",
    months  = "Mon,Wed,Fri 20:30",
    settled = "Tue,Fri 20:30",
  },
  questions = nudge.questions,
  no_repeat = 20,
  snooze = "45min",


nudge.promise {
  id = "counselling",
  text = "Book a first session with a couples counsellor",
  due = "2036-12-04 17:00",
  remind = { "3d", "1d" },        -- three days and one day before
}
