local s = string.rep("a", 1<<20) s:find(".-.-.-.-b")
