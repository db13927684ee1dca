nudge.at("99999999999-01-01 00:00", function() end)
