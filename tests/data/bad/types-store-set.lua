nudge.store.set("k", function() end)
