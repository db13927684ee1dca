-- core-api.lua: the core rule API that the toolkit is built on.
--
--   nudge.on(calendar, fn [, opts])   at each elapse of a calendar event (or a cron line)
--   nudge.every(span, fn [, opts])    every span, the first one span after load
--   nudge.after(span, fn [, opts])    once, span after load
--   nudge.at(timestamp, fn [, opts])  once at that time (with an `id`, never again, even
--                                     across reloads and restarts)
--   nudge.notify{...}                 show a notification now
--   nudge.store.get/set               values that survive reloads and restarts
--   nudge.days_since([ts])            whole days since ts (default: config since)
--   nudge.random([m [, n]])           seeded random numbers (preview --seed)
-- Each scheduling call returns a handle: h.id, h:next() (epoch seconds) and h:cancel().

nudge.config { since = "2026-11-01", quiet_hours = "22:30..07:30" }

-- A calendar event with a notification that has actions. on_action(action_id, ev) runs
-- when the user picks one; here the answer is counted in the store.
nudge.on("Mon..Fri 20:30", function(ev)
  nudge.notify {
    title = "Evening check-in",
    body = "Day " .. nudge.days_since() .. ". How was their day, really?",
    actions = { { id = "done", label = "We talked" }, { id = "skip", label = "Not today" } },
    on_action = function(action, aev)
      if action == "done" then
        nudge.store.set("talks", nudge.store.get("talks", 0) + 1)
        nudge.log("talked " .. nudge.store.get("talks") .. " times (" .. aev.id .. ")")
      end
    end,
  }
end, { id = "evening" })

-- Every four hours: a random pick from a list, the same picks for the same --seed.
local ideas = { "a short message", "a photo of something you saw", "a song link" }
nudge.every("4h", function()
  nudge.notify { title = "Thinking of them?", body = "Send " .. ideas[nudge.random(#ideas)] .. "." }
end, { id = "thinking", quiet = "drop" })

-- Once, an hour after nudged starts. A reload keeps its timer (and, once it has fired, keeps it
-- fired); the next start of the daemon counts the hour again.
nudge.after("1h", function()
  nudge.notify { title = "Rules loaded an hour ago", urgency = "low", timeout = "10s" }
end, { id = "loaded" })

-- Once, at a fixed time; with an id it never fires twice.
local anniversary = nudge.at("2026-12-01 09:00", function()
  local n = nudge.store.get("talks", 0)
  nudge.notify { title = "One month", body = "A month in, and " .. n .. " evening talks logged." }
end, { id = "one-month" })
nudge.log("one month at", anniversary:next() and nudge.date("%Y-%m-%d %H:%M", anniversary:next()))

-- The store keeps values between runs: count how many times these rules were loaded.
nudge.store.set("loads", nudge.store.get("loads", 0) + 1)
