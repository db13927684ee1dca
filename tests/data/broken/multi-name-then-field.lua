-- a misspelled kind, then a misspelled field further down: both reported in one run
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.patiance {
  id = "patience",
  when = "Sat 10:00",
}

nudge.gesture {
  id = "gesture",
  per_week = { early = 5, months = 3, settled = 2 },
  window = "08:00..21:00",
  pool = {
    "Make them a cup of tea or coffee, exactly the way they like it.",
    { txt = "Leave a short handwritten note where they will find it." },
  },
}
