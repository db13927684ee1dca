setmetatable(_G, { __index = function(_, k) return k end })
nudge = nil
nudge.every("1h", function() end)
