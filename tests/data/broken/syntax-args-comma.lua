-- a listener whose name lacks the comma after it
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.listen("conflict" function(ev)
  nudge.notify {
    title = "Take twenty minutes",
    body = "Wait before you reply. Breathe, walk, and come back when you can listen.",
  }
end)
