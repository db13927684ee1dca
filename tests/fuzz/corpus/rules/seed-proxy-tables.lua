-- API tables whose metatables make fresh strings and collect between fields (read raw).
local function fresh(t, k) collectgarbage() return k .. ("!"):rep(40) .. math.random() end
nudge.every("1h", function()
  pcall(nudge.notify, setmetatable({}, { __index = fresh }))
  pcall(nudge.notify, { title = "a", actions = { setmetatable({}, { __index = fresh }) } })
  pcall(nudge.after, "1h", function() end, setmetatable({}, { __index = fresh, __pairs = fresh }))
  pcall(nudge.spawn, setmetatable({}, { __index = fresh, __len = function() return 3 end }))
  nudge.notify { title = 12345, body = 6.5 }
end)
nudge._toolkit = setmetatable({}, { __index = function() while true do end end })
