local d = nudge.date({}, "tomorrow")
