-- quiet-hours.lua: nothing at night, with nudge.config{quiet_hours} and the `quiet` option.
--
-- quiet_hours is a time-of-day window; it may cross midnight. What a fire inside it does is
-- up to each rule:
--   quiet = "defer"   (the default) wait for the end of quiet hours, then show it
--   quiet = "drop"    forget this fire; the next one comes as usual
--   quiet = "ignore"  show it anyway (for the few things that really cannot wait)
--
--   nudged --preview --days 2 --rules examples/quiet-hours.lua

nudge.config { quiet_hours = "22:30..07:30" }

-- 23:00 is inside quiet hours: this one shows at 07:30 the next morning.
nudge.on("*-*-* 23:00", function()
  nudge.notify { title = "Say good night properly", body = "Face to face, not from the other room." }
end, { id = "good-night" })                     -- quiet = "defer" is the default

-- Every six hours (00:00, 06:00, 12:00, 18:00): the two night-time ones are dropped, not
-- saved up for the morning. (A rule whose every fire falls in quiet hours with "drop" never
-- shows at all; `nudged --check` warns about it.)
nudge.on("*-*-* 00/6:00", function()
  nudge.notify { title = "Drink some water", body = "And offer them a glass too." }
end, { id = "water", quiet = "drop" })

-- Shown even at night.
nudge.on("*-*-* 06:00", function()
  nudge.notify { title = "Early shift today", body = "Leave a note before you go.", urgency = "critical" }
end, { id = "early-note", quiet = "ignore" })

-- The toolkit takes the same option: the 07:00 prompt is dropped, the 20:00 one shows.
nudge.checkin { id = "talk", when = "*-*-* 07,20:00", title = "Talk", quiet = "drop" }
