nudge.on("daily", function() nudge.notify{title="daily"} end, {window="10:00..18:00"})
