nudge.on("*:*:0/0.000001", function() end)
nudge.on("*:*:59.5,0", function() end)
