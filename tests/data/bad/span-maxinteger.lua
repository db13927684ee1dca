nudge.every(math.maxinteger, function() end)
