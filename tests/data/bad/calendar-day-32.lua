nudge.on("*-02-32 09:00", function() end)
