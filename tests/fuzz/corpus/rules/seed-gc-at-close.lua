-- Finalizers (where rules may have them) that use handles and the API while the state closes.
local h = nudge.every("1h", function() end, { id = "victim" })
local ok, o = pcall(setmetatable, {}, { __gc = function() h:cancel() h:next() nudge.notify { title = "gc" } end })
keeper = o
nudge.after("1h", function()
  local ok2, o2 = pcall(setmetatable, {}, { __gc = function() h:cancel() nudge.after("1h", function() end) end })
  keeper2 = o2
end)
