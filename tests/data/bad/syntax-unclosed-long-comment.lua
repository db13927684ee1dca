--[==[ this comment never ends
nudge.every("1h", function() end)
