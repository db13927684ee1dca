-- Hours go to 23.
local f = function() end
nudge.on("daily", f, {window = "25:00..26:00"})
