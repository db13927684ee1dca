local r = nudge.random(10, 1)
