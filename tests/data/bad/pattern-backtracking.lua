local s = string.rep("a", 200000)
local r = s:find(".-.-.-.-.-b")
