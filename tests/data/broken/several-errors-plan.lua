-- three mistakes in one plan: each is reported, in the order of the file
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

local talk = nudge.on("Sun 25:00", function()
  nudge.notify { title = "Our weekly talk", body = "Time to sit down together." }
end)
talk:disable()                    -- the handle of a failed call does nothing

nudge.checkin {
  id = "evening",
  title = "Evening check-in",
  when = "Mon..Fri 20:30",
  questions = nudge.questions,
  urgency = 3,                    -- one of "low", "normal", "critical"
}

nudge.promise {
  id = "counselling",
  text = "Book a first session with a couples counsellor",
  due = "next friday at five",
  remind = { "3d", "1d" },        -- three days and one day before
}
