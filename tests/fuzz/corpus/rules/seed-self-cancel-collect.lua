-- A callback that cancels its own reminder, drops the handle and collects before using the API.
local h
h = nudge.every("1h", function(ev)
  h:cancel() h = nil collectgarbage() collectgarbage()
  local t = {} for i = 1, 500 do t[i] = ("y"):rep(64) .. i end
  nudge.notify { title = "after " .. ev.id }
  error("and fails")
end)
nudge.listen("x", function() end)
