-- rebuild-trust.lua: a plan for rebuilding trust, one small step a day.
--
-- Copy it to ~/.config/nudge/rules.lua and make it yours: change the date the repair began,
-- the times that suit your evenings, and the gestures that mean something to the two of you.
-- Check it with `nudged --check`, and see the coming week with `nudged --preview`.
--
-- What it follows: trust comes back through consistency more than through grand gestures.
-- Talk regularly, keep small promises, do small kind things without being asked, and be
-- patient: the first weeks are for listening, the first months for routines and kept
-- promises, and after that the work is keeping the connection alive.

nudge.config {
  since = "2026-11-01",          -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",  -- nothing pops up at night; fires wait until morning
  app_name = "nudge",
}

-- Evening check-in: a short, honest conversation, most weekdays.
nudge.on("Mon..Fri 20:30", function(ev)
  nudge.notify {
    title = "Evening check-in",
    body = "Ask how their day really was, and listen to the answer before you share yours.",
    actions = { { id = "done", label = "Done" }, { id = "snooze", label = "Later" },
                { id = "skip", label = "Skip" } },
  }
end, { id = "evening" })

-- A weekly, deeper conversation, with a little room in the timing.
nudge.on("Sun 18:00", function(ev)
  nudge.notify {
    title = "Weekly conversation",
    body = "What went well between you this week? What felt hard? What would help next week?",
    actions = { { id = "done", label = "We talked" }, { id = "skip", label = "Not this week" } },
  }
end, { id = "weekly-talk", jitter = "30min" })

-- One small gesture a day, at a random moment of the afternoon, never the same twice running.
local gestures = {
  "Send a message in the middle of the day, just to say you are thinking of them.",
  "Make them a cup of tea or coffee, the way they like it.",
  "Say thank you for one specific thing they did today.",
  "Put your phone away for the whole of dinner.",
  "Ask about something they told you yesterday.",
  "Take on a chore they usually do, without mentioning it.",
  "Tell them where you will be tonight and when you will be home, before they ask.",
  "Leave a short handwritten note where they will find it.",
  "Suggest a walk together after dinner.",
  "Share something about your day you would normally keep to yourself.",
}
local last
nudge.on("daily", function(ev)
  local i
  repeat i = nudge.random(#gestures) until i ~= last
  last = i
  nudge.notify {
    title = "A small gesture",
    body = gestures[i],
    actions = { done = "Done", skip = "Skip" },
  }
end, { id = "gesture", window = "12:00..18:00" })

-- Patience: a reminder that matches how far along you are.
nudge.on("Mon,Thu 09:00", function(ev)
  local days = nudge.days_since()
  local body
  if days < 21 then
    body = "Early days. Listen more than you explain, and don't ask for trust to be hurried."
  elseif days < 183 then
    body = "Keep the routines going and keep every promise, however small. It adds up."
  else
    body = "Keep nurturing the connection, and bring up small worries before they grow."
  end
  nudge.notify { title = "Patience", body = body, urgency = "low" }
end, { id = "patience" })

-- A promise, reminded the day before and asked about when it is due.
nudge.at("2026-12-24 10:00", function(ev)
  nudge.notify { title = "Promise tomorrow", body = "You promised to cook dinner on Christmas Day." }
end, { id = "promise-dinner-remind" })
