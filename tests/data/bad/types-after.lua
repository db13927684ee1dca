nudge.after(true, function() end)
