local h = nudge.every("1h", function() end)
h:cancel()
print(h:next())
