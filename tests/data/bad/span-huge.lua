nudge.every(1e308, function() end)
