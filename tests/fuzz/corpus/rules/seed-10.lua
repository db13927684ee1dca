local n = nudge.random(1, 6)
nudge.store.set("k", {a=1, b="x", c={true}})
nudge.log(nudge.store.get("k").b, n, nudge.date("%Y-%m-%d"))
