local mt = {}
local keep = setmetatable({}, mt)
mt.__gc = function() while true do end end
pcall(setmetatable, {}, {__gc = function() while true do end end})
nudge.every("1h", function()
  local t = setmetatable({}, getmetatable(keep))
  getmetatable("").__gc = function() while true do end end
  pcall(setmetatable, {}, getmetatable(""))
  collectgarbage() collectgarbage("step")
end)
