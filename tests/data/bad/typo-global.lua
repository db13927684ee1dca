-- "nuge" is a typo for "nudge".
nuge.every("1h", function() end)
