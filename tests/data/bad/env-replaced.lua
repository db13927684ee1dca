local _ENV = { }
nudge.every("1h", function() end)
