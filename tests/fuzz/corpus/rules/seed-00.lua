nudge.on("Mon..Fri 09:00", function(ev) nudge.notify{title="morning", body="day "..nudge.days_since()} end)
