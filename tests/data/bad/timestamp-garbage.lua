nudge.at("tomorrow at teatime", function() end)
