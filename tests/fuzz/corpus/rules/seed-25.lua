nudge.every("1us", function() end)
