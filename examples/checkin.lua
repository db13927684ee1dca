-- checkin.lua: a regular conversation prompt with nudge.checkin.
--
-- A check-in is a notification with three answers: Done (you talked), Snooze (ask again
-- later) and Skip (not today). Every answer is recorded, and `nudgectl report` shows how
-- consistent you have been. If you already had the conversation and logged it with
-- `nudgectl checkin`, the next prompt stays silent.
--
--   nudged --check --rules examples/checkin.lua
--   nudged --preview --days 7 --rules examples/checkin.lua

nudge.config {
  since = "2026-11-01",   -- the day the repair began: {days} and {phase} count from here
}

-- Every weekday evening at 20:30 sharp (a systemd calendar event, as in OnCalendar=).
nudge.checkin {
  id = "evening",                 -- a stable name: answers and history are kept under it
  when = "Mon..Fri 20:30",
  title = "Evening check-in",
  -- Placeholders are filled in when the prompt shows: {days} since `since`, {phase} (first
  -- weeks, first months, six months and on), {streak} (days in a row with a done check-in:
  -- "5 days", or "a fresh start"), and {kept} of {promised} promises.
  body = "Day {days} ({phase}). Ask how their day really was, and listen to the whole answer.",
  snooze = "45min",               -- how long Snooze waits (default 1h)
}

-- A body may also be a function of the same values, for anything a template cannot say.
nudge.checkin {
  id = "sunday",
  when = "Sun 18:00",
  title = "This week, together",
  body = function(ctx)
    if ctx.streak >= 7 then
      return ctx.streak .. " days of check-ins in a row. What made this week work?"
    end
    return "What felt good between you this week? What was hard?"
  end,
}
