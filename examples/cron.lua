-- cron.lua: classic cron lines, wherever a calendar event is accepted.
--
-- Five fields: minute hour day-of-month month day-of-week, with lists, ranges, steps and
-- names (mon, jan), and the @ shorthands (@hourly, @daily, @weekly, @monthly, @yearly).
-- Vixie cron semantics: when both day-of-month and day-of-week are restricted, a day
-- matching either one fires.

-- 20:30 on weekdays (the same as "Mon..Fri 20:30").
nudge.on("30 20 * * 1-5", function()
  nudge.notify { title = "Evening check-in", body = "How was your day, really?" }
end, { id = "cron-evening" })

-- Every day at midnight, kept out of the night by quiet hours (shown at 07:30).
nudge.config { quiet_hours = "22:30..07:30" }
nudge.on("@daily", function()
  nudge.notify { title = "A new day", body = "One small kind thing today." }
end, { id = "cron-daily" })

-- Names work: 09:00 on Saturdays in December.
nudge.on("0 9 * dec sat", function()
  nudge.notify { title = "Advent weekend", body = "Plan a winter walk together." }
end, { id = "cron-december" })

-- Either condition: the 1st of the month OR any Monday, at 08:00.
nudge.on("0 8 1 * mon", function()
  nudge.notify { title = "Look back", body = "What went well since last time?" }
end, { id = "cron-either" })

-- The toolkit accepts cron lines in `when` too.
nudge.gesture { id = "cron-gesture", when = "0 13 * * sat,sun",
                pool = { "Cook lunch together.", "Call their sister with them." } }
