nudge.on("Mon..Fri 12:00", function(ev) ev.x = 1 end, {id="lunch", jitter="1h", window="11:00..14:00"})
nudge.on("Mon..Fri 12:00", function(ev) end, {id="lunch"})
