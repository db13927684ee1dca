-- rebuild-trust.lua: a plan for rebuilding trust, one small step at a time.
--
-- Copy it to ~/.config/nudge/rules.lua and make it yours: set the day the repair began, move
-- the times to fit your evenings, and fill the gesture pool with things that mean something to
-- the two of you. Then:
--   nudged --check                 every mistake, as file:line: message
--   nudged --preview --days 14     what the next two weeks hold
--   systemctl --user restart nudged   (or send it SIGHUP) to use the new plan
--
-- What the plan follows. Trust comes back through consistency far more than through grand
-- gestures: talk regularly and honestly, keep small promises, do small kind things without
-- being asked, and be patient. The first weeks are for owning what happened and listening;
-- the first months for routines and promises kept; after that the work is keeping the
-- connection alive and raising small worries before they grow. Notice progress as you go.
--
-- Answers matter: Done, Skip, Kept and Broken are recorded, and `nudgectl report` shows how
-- consistent you have been. Log a conversation you had anyway with `nudgectl checkin` and the
-- next evening prompt stays quiet. When things get heated, `nudgectl emit conflict`.

nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning
  app_name = "nudge",
}

---------------------------------------------------------------------------------------------
-- Talking: a short check-in most evenings, and a deeper conversation once a week.

nudge.checkin {
  id = "evening",
  when = "Mon..Fri 20:30",
  title = "Evening check-in",
  body = "Ask how their day really was, and listen to the whole answer before you share yours.",
  snooze = "45min",
}

nudge.checkin {
  id = "weekend",
  when = "Sat,Sun",
  window = "10:00..12:00",        -- some time in the late morning, not on the dot
  title = "Weekend check-in",
  body = "Anything on their mind this week that you haven't talked about yet?",
}

nudge.checkin {
  id = "weekly-talk",
  when = "Sun 18:00",
  jitter = "20min",
  title = "This week, together",
  body = "What felt good between you this week? What was hard? What would help next week? "
      .. "You're {days} days in; {kept} of {promised} promises kept so far.",
}

---------------------------------------------------------------------------------------------
-- Small gestures: one a day at a random moment of the afternoon, never the same as the last
-- ten. Concrete, small, kind; nothing that needs a grand speech.

nudge.gesture {
  id = "gesture",
  when = "daily",
  window = "11:00..17:00",
  no_repeat = 10,
  pool = {
    "Send a message in the middle of the day, just to say you are thinking of them.",
    "Make them a cup of tea or coffee, exactly the way they like it.",
    "Thank them for one specific thing they did today.",
    "Put your phone away for the whole of dinner.",
    "Ask about something they mentioned yesterday, and remember the details.",
    "Take over a chore they usually do, without pointing it out.",
    "Tell them where you will be this evening and when you will be home, before they ask.",
    "Leave a short handwritten note where they will find it.",
    "Suggest a walk together after dinner.",
    "Share something about your day that you would usually keep to yourself.",
    "Cook or order their favourite meal.",
    "Ask how they are feeling about the two of you, and don't defend, just listen.",
    "Offer your phone or calendar without being asked, if openness is something they need.",
    "Plan a small outing for the weekend around something they enjoy.",
    "Give them twenty minutes of quiet time while you handle whatever needs handling.",
    "Say sorry for something small you got wrong this week, without a 'but'.",
    "Put on a song that means something to both of you.",
    "Bring home a small treat they like: flowers, a pastry, a magazine.",
    "Ask what would make tomorrow easier for them, then do it.",
    "Look at old photos together and talk about a good memory.",
    "Send them a link to something that made you think of them.",
    "Hold their hand or hug them for a little longer than usual.",
    "Check in with them before making plans that affect you both.",
    "Write down three things you appreciate about them and tell them one.",
    "Make the bed, tidy the kitchen, or sort the laundry before they get to it.",
    "Ask about their friends or family, and listen to the answer.",
    "Be on time today, everywhere you said you would be.",
    "Turn off the TV and ask them a question you have never asked before.",
    "Follow through on something you said you would do this week.",
    "Tell them something you are working on in yourself, honestly and briefly.",
    "Let them choose the film, the meal or the plan tonight, and enjoy it with them.",
    "Say good morning and good night properly, face to face.",
  },
}

---------------------------------------------------------------------------------------------
-- Patience: a reminder twice a week whose words follow how far along you are. These are the
-- toolkit's default phases written out, so you can change them.

nudge.patience {
  id = "patience",
  when = "Mon,Thu 08:30",
  phases = {
    { upto = "3w",
      body = "Early days ({days} in). Own what happened, answer questions openly, and don't ask "
          .. "them to hurry. Listening is the work right now." },
    { upto = "6M",
      body = "Keep the routines and keep every promise, however small. Trust grows from "
          .. "things done the same way, day after day." },
    { body = "Keep nurturing the connection: make time for each other, keep talking, and bring "
          .. "up small worries before they grow." },
  },
}

---------------------------------------------------------------------------------------------
-- Milestones: celebrate the time you have put in and a run of evenings talked through.

nudge.milestone {
  at = { "7d", "30d", "90d", "6M", "1y" },
  streaks = { 7, 30 },
  title = "A milestone",
  body = "{days} days since you began. Notice how far you have come, and tell each other.",
}

---------------------------------------------------------------------------------------------
-- Promises: reminded a day and two hours before, then asked "Kept?" when due. Add the ones
-- you make in conversation with `nudgectl promise add "..." --due "2026-12-05 19:00"`.

nudge.promise {
  id = "counselling",
  text = "Book a first session with a couples counsellor",
  due = "2026-12-04 17:00",
  remind = { "3d", "1d" },
}

nudge.promise {
  id = "christmas-dinner",
  text = "Cook dinner for the two of you on Christmas Eve",
  due = "2026-12-24 19:00",
}

---------------------------------------------------------------------------------------------
-- Cooling off: when an argument starts, say so with `nudgectl emit conflict`. You get twenty
-- minutes of space before you reply, and a gentle nudge to come back to it.

nudge.listen("conflict", function(ev)
  nudge.notify {
    title = "Take twenty minutes",
    body = "Wait before you reply. Breathe, walk, and come back when you can listen.",
    urgency = "critical",
  }
  nudge.after("20min", function()
    nudge.notify {
      title = "Ready to talk?",
      body = "Start with what you heard them say, not with what you want to answer.",
      actions = { { id = "done", label = "We talked" }, { id = "snooze", label = "Not yet" } },
    }
  end, { id = "cool-off:" .. ev.fired })
end)
