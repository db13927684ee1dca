-- three mistakes in three places: every one is reported
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.checkin {
  id = "evening",
  titel = "Evening check-in",
  when = {
    early   = "Mon..Fir 20:30",
    months  = "Mon,Wed,Fri 20:30",
    settled = "Tue,Fri 20:30",
  },
  questions = nudge.questions,
  no_repeat = 20,
  snooze = "45min",
}

local gestures = {
  "Make them a cup of tea or coffee, exactly the way they like it.",
  "Leave a short handwritten note where they will find it.",
  { text = "Say good morning properly, face to face, before the day takes over.", at = "morning" },
  { text = "Thank them for one specific thing they did today.", at = "evening" },
}

nudge.gesture {
  id = "gesture",
  perweek = { early = 5, months = 3, settled = 2 },
  window = "08:00..21:00",
  no_repeat = 10,
  pool = gestures,
}

nudge.promis {
  id = "counselling",
  text = "Book a first session with a couples counsellor",
  due = "2036-12-04 17:00",
  remind = { "3d", "1d" },        -- three days and one day before
}
