nudge.on("*:0/5", function(ev) error("boom") end)
