nudge.config{since="2026-11-01", quiet_hours="22:00..07:00"}
nudge.every("2h", function(ev) nudge.notify{title="drink"} end, {jitter="10min"})
