nudge.every("1h", function()
  pcall(table.move, {}, 1, 1 << 53, 2)
  local s = ("x"):rep(16 << 20)
  for i = 1, 100 do local u = s:upper() end
end)
nudge.every("90min", function()
  local t = {} for i = 1, 1000000 do t[i] = -i end
  table.sort(t)
end)
nudge.every("3h", function()
  for _ in string.rep("^", 2^20):gmatch("^.-%z") do end
end)
nudge.every("4h", function()
  local s = ("1"):rep(8 << 20)
  while true do local x = s + 0 end
end)
