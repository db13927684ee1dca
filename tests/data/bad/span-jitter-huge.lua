nudge.every("1h", function() end, { jitter = "999999999999999999999y" })
