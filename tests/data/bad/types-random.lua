local r = nudge.random("a", "b")
