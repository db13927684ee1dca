local n = nudge.days_since(function() end)
