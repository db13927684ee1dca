local v = nudge.store.get({})
