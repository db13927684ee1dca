local big = ("x"):rep(1 << 20)
nudge.every("1h", function()
  local t = {} for i = 1, 2000 do t[i] = big end
  pcall(nudge.store.set, "huge", t)
  local s = {} for i = 1, 30000 do s[i] = "abcdefghij" .. i end
  nudge.store.set("many", s)
  local v = nudge.store.get("many")
  nudge.store.set("nest", {{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{{}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}}})
end)
nudge.config{limits = {time = "200ms", instructions = 2000000, memory = "32M"}}
