-- an option of the core API misspelt
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.on("Sun 18:00", function()
  nudge.notify { title = "Plan the week together" }
end, { id = "sunday", jiter = "20min" })
