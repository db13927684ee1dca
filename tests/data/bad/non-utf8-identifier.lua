nudge.notify { title = "café ÿþ" }
local été = 1
