local loop = function() while true do end end
local evil = setmetatable({}, {__index = loop, __newindex = loop, __eq = loop, __lt = loop,
  __le = loop, __concat = loop, __len = loop, __tostring = loop, __call = loop})
nudge.every("2h", function(ev)
  pcall(table.sort, {evil, evil, evil})
  pcall(tostring, evil)
  pcall(string.format, "%s", evil)
  pcall(table.concat, evil)
  pcall(table.insert, evil, 1, 1)
  pcall(function() local x <close> = setmetatable({}, {__close = loop}) end)
  pcall(function() return evil == setmetatable({}, getmetatable(evil)) end)
  pcall(function() return evil .. "x" end)
  nudge.notify(setmetatable({}, {__index = function(t, k) collectgarbage() return k == "title" and ("t"):rep(10) or nil end}))
end)
