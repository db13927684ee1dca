nudge.at(function() end, function() end)
