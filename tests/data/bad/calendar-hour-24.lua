nudge.on("Mon 24:00", function() end)
