nudge.listen(nil, function() end)
