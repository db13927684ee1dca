nudge.every({}, function() end)
