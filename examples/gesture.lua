-- gesture.lua: one small kind act a day with nudge.gesture.
--
-- Each time the rule fires, one gesture is picked at random from the pool, never one of the
-- last `no_repeat` picks (remembered across reloads and restarts). The notification has two
-- answers, Done and Skip, both recorded.
--
--   nudged --preview --days 14 --seed 1 --rules examples/gesture.lua
-- The same --seed gives the same picks; change it to see another draw.

nudge.gesture {
  id = "gesture",
  when = "daily",                 -- every day ...
  window = "11:00..17:00",        -- ... once, at a random moment of the afternoon
  no_repeat = 4,                  -- never one of the last four
  title = "A small gesture",
  pool = {
    "Send a message in the middle of the day, just to say you are thinking of them.",
    "Make them a cup of tea exactly the way they like it.",
    "Thank them for one specific thing they did today.",
    "Put your phone away for the whole of dinner.",
    "Take over a chore they usually do, without pointing it out.",
    "Leave a short handwritten note where they will find it.",
    "Suggest a walk together after dinner.",
    "Ask about something they mentioned yesterday, and remember the details.",
  },
}
