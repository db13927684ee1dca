nudge.on("daily", "not a function")
