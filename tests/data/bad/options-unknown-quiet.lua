nudge.on("daily", function() end, { quiet = "sometimes" })
