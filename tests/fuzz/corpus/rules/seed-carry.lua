local state = { n = 0, words = { "a", "b" } }
local fmt = string.format
local h = nudge.every("6h", function() state.n = state.n + 1 end, { id = "tick" })
nudge.listen("conflict", function(ev)
  local me
  me = nudge.after("30h", function()
    nudge.notify { title = fmt("%s %d %s", ev.data.who, state.n, tostring(h:next())), body = me.id }
  end, { id = "cool-off" })
  nudge.after("40h", function() return state.words end)
  nudge.on("*-*-* 09:00", function() h:cancel() end)
end)
