local t = {}
for i = 1, 1e7 do t[i] = "abcdefghij" end
local s = table.concat(t)
