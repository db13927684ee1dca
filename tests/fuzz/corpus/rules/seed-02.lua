nudge.after("30min", function() nudge.notify{title="once", urgency="critical", timeout="never"} end)
