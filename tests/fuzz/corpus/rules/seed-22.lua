nudge.on("Mon..Fir 9:00", function() end)
