nudge.config{limits={instructions=100000, memory="8M"}}
nudge.every("1min", function() for i=1,1e7 do end end)
