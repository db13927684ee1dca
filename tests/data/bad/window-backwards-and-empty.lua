nudge.on("daily", function() end, { window = "18:00..18:00" })
