-- a window written with a dash
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

local gestures = {
  "Make them a cup of tea or coffee, exactly the way they like it.",
  "Leave a short handwritten note where they will find it.",
  { text = "Say good morning properly, face to face, before the day takes over.", at = "morning" },
  { text = "Thank them for one specific thing they did today.", at = "evening" },
}

nudge.gesture {
  id = "gesture",
  per_week = { early = 5, months = 3, settled = 2 },
  window = "8:00-21:00",
  no_repeat = 10,
  pool = gestures,
}
