-- body functions are tried on a sample day; a typo in a placeholder and a promise due in the
-- past are warnings; the last line is a plain Lua mistake, which ends the file
nudge.config {
  since = "2026-11-01",
}

nudge.milestone {
  id = "milestones",
  at = { "7d", "30d" },
  body = function(ctx)
    return "It has been " .. ctx.milestones .. " since you began."
  end,
}

nudge.patience {
  id = "patience",
  when = "Mon,Thu 08:30",
  phases = {
    { upto = "3w", body = function(ctx) return ctx.days end },
    { body = "Day {day}: keep going, gently." },
  },
}

nudge.promise {
  id = "flowers",
  text = "Bring flowers home",
  due = "2020-12-04 17:00",
}

local weeks = { "first", "second" }
nudge.log("We are in week " .. weeks)
