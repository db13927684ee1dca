-- window-and-jitter.lua: not on the dot, with the `window` and `jitter` options.
--
--   jitter = span    add a random delay in [0, span) to each fire (systemd's
--                    RandomizedDelaySec=): "around 18:00"
--   window = "A..B"  on each day the calendar selects, fire once at a random time between
--                    A and B: "some time this afternoon". Windows may cross midnight.
-- The randomness is seeded: `nudged --preview --seed N` shows the same times for the same N.

-- Between 18:00 and 18:20 each weekday.
nudge.on("Mon..Fri 18:00", function()
  nudge.notify { title = "On your way home?", body = "Tell them when you will be back." }
end, { id = "on-the-way", jitter = "20min" })

-- Once on each Saturday and Sunday, some time in the late morning. The calendar event only
-- selects the days; the window picks the time.
nudge.on("Sat,Sun", function()
  nudge.notify { title = "Plan something small", body = "A walk, a coffee, a film they choose." }
end, { id = "weekend-plan", window = "10:00..12:00" })

-- Every two days, up to an hour late.
nudge.every("2d", function()
  nudge.notify { title = "Ask, don't assume", body = "Ask what they need from you this week." }
end, { id = "ask", jitter = "1h" })

-- The toolkit kinds take both options too.
nudge.checkin { id = "midday", when = "daily", window = "12:00..14:00", title = "A quick hello" }
