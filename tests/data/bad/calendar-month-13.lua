nudge.on("*-13-01 09:00", function() end)
