nudge.on("30 20 * * 1-5", function() nudge.notify{title="cron"} end, {quiet="drop"})
