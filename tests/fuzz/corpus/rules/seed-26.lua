nudge.at("+1s", function() nudge.at("+1s", function() end) end)
