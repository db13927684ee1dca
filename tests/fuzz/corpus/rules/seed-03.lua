nudge.at("2026-11-24 18:00", function(ev) nudge.notify{title=ev.id} end, {id="dinner"})
