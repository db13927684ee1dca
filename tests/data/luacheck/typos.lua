-- A rule file with the typos luacheck must find (tests/cli/test_luacheck.sh expects exactly
-- these warnings, by line:column and code). Everything else in it is right.
nudge.config { since = "2026-11-01", quiet_hours = "22:30..07:30" }

nudge.checkin { id = "evening", when = "Mon..Fri 20:30",
                title = "Evening check-in", body = "Day {days}. How was their day?" }

nudge.patiance { id = "patience", when = "Sun 11:00" }

nudg.gesture { id = "gesture", when = "daily", pool = { "Make them tea" } }

nudge.on("Sat 10:00", function(ev)
  local n = nudge.store.gett("walks", 0)
  nudge.notify { title = string.fromat("Walk number %d?", n + 1) }
end, { id = "walk" })

nudge.listen("conflict", function()
  local message = "Breathe first, then listen."
  nudge.after("20min", function() nudge.notify { title = mesage } end)
  local f = io.open("/tmp/conflicts.txt", "a")
  f:write(os.date(), "\n")
  os.execute("notify-send calm")
end)

promise_due = "2026-12-24 18:00"
nudge.promise { id = "call", text = "Call her mother", due = promise_due }

nudge.log(nudge.day_since())
nudge.config = nil
dofile("/tmp/more-rules.lua")
