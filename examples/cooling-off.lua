-- cooling-off.lua: user events with nudge.listen and `nudgectl emit`.
--
-- When an argument starts, run
--   nudgectl emit conflict
-- (or bind it to a key). The rule shows a "take twenty minutes" notification at once and
-- schedules a gentle "ready to talk?" for later. KEY=VALUE pairs after the name arrive in
-- ev.data, all strings:
--   nudgectl emit conflict wait=45min

nudge.listen("conflict", function(ev)
  local wait = ev.data.wait or "20min"    -- any systemd span
  nudge.span(wait)                         -- raises (and is logged) if it is not one
  nudge.notify {
    title = "Take a break",
    body = "Wait " .. wait .. " before you reply. Breathe, walk, come back when you can listen.",
    urgency = "critical",
  }
  -- A one-shot timer: fires once, `wait` from now. Each emit gets its own id.
  nudge.after(wait, function()
    nudge.notify {
      title = "Ready to talk?",
      body = "Start with what you heard them say, not with what you want to answer.",
      actions = { { id = "done", label = "We talked" }, { id = "snooze", label = "Not yet" } },
    }
  end, { id = "cool-off:" .. ev.fired })
end)

-- Another event: `nudgectl emit apology to=Sam` leaves a reminder for the evening.
nudge.listen("apology", function(ev)
  local who = ev.data.to or "them"
  local evening = nudge.time("20:00")              -- today at 20:00 ...
  if evening <= nudge.now() then evening = evening + nudge.span("1d") end  -- ... or tomorrow
  nudge.at(evening, function()
    nudge.notify { title = "Follow through", body = "Ask " .. who .. " how they feel about it now." }
  end, { id = "apology:" .. ev.fired })
end)
