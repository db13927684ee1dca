local t = {} for i=2,1e9 do t= string.rep("x", 1000) end
