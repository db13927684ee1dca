local t = nudge.time({})
