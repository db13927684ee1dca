nudge.on(42, function() end)
