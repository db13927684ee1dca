nudge.on("hourly", function(ev) while true do end end)
