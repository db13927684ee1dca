nudge.on("20:30", function() end, {id = "evening"})
nudge.on("21:30", function() end, {id = "morning"})
nudge.on("22:30", function() end, {id = "evening"})
