nudge.after("-5min", function() end)
