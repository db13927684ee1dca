-- an if without its end
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
}

nudge.patience {
  id = "patience-months",
  when = { months = "Mon 08:30" },
  phases = {
    { body = function(ctx)
        local text = "Trust comes back through things done the same way, week after week."
        if ctx.kept == 1 then
          text = text .. " One promise kept so far."
        return text
      end },
  },
}
