nudge.every("1s", function(ev) nudge.every("1s", function() end) end)
