local n = 3..4
nudge.every(n .. "h", function() end)
