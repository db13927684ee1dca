-- A small plan: evening check-ins on workdays, one gesture a day in a window.
nudge.config{since = "2026-11-01", quiet_hours = "23:00..07:00"}

nudge.on("Mon..Fri 20:30", function(ev)
  nudge.notify{title = "Evening check-in", body = nudge.days_since() .. " days in",
               actions = {snooze = "Snooze", done = "Done", skip = "Skip"}}
end, {id = "evening"})

local pool = {"Make tea", "Leave a note", "Ask about their day"}
nudge.on("daily", function(ev)
  nudge.notify{title = pool[nudge.random(#pool)]}
end, {id = "gesture", window = "10:00..18:00"})
