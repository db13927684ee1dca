-- an error inside a body function (ctx.milestones for ctx.milestone)
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.milestone {
  id = "milestones",
  at = { "7d", "30d" },
  title = "A milestone",
  body = function(ctx)
    return "It has been " .. ctx.milestones .. " since you began."
  end,
}
