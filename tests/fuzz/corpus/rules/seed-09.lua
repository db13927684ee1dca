nudge.listen("conflict", function(ev) nudge.after("20min", function() nudge.notify{title="reply now", body=ev.data.who} end) end)
