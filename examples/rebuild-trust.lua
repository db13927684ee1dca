-- rebuild-trust.lua: a plan for the partner who broke trust and wants to rebuild it, one small
-- step at a time. (Its companion, healing.lua, is for the partner who was hurt.)
--
-- Copy it to ~/.config/nudge/rules.lua and make it yours: set the day the repair began, move
-- the times to fit your evenings, and fill the gesture list with things that mean something
-- to the two of you. Then:
--   nudged --check                    every mistake, as file:line: message
--   nudged --preview --days 14        what the next two weeks hold
--   systemctl --user reload nudged    (or send it SIGHUP) to use the new plan
--
-- What the plan follows. Trust comes back through consistency far more than through grand
-- gestures: talk regularly and honestly, keep small promises, do small kind things without
-- being asked, and be patient. The first weeks are for owning what happened and listening;
-- the first months for routines and promises kept; after that the work is keeping the
-- connection alive and raising small worries before they grow. So the plan asks a lot at
-- first and then eases off, phase by phase: in the first weeks about two reminders a day,
-- after six months fewer than one. Constant talking about it is not the goal; steadiness is.
--
-- Lines starting with "--" are notes like this one; nudged ignores them.
--
-- Answers matter: Done, Skip, Kept and Broken are recorded, and `nudgectl report` shows how
-- steady you have been. Skipping is fine: a skipped gesture never counts against you, and
-- a paused day counts as neither good nor bad. Had the talk anyway? `nudgectl checkin --mood 4
-- --note "we talked on the walk"` logs it, and the next evening prompt stays quiet.

nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  quiet_hours = "22:30..07:30",   -- nothing pops up at night; reminders wait for the morning

  -- The three phases of the repair, named once here and used below. "upto" is how long after
  -- the start a phase lasts ("3w" = three weeks, "6M" = six months, to the calendar day).
  phases = {
    { name = "early",   label = "first weeks",        upto = "3w" },
    { name = "months",  label = "first months",       upto = "6M" },
    { name = "settled", label = "six months and on" },
  },

  -- Days off. Over the holidays the check-ins, gestures and other prompts rest: nothing is
  -- shown, nothing is counted as missed, and nothing is made up for afterwards. Promises
  -- still come. A single day is written "2027-01-09"; several days "first..last". Change
  -- or delete these dates as you need. For a pause at short notice, type `nudgectl pause 3d`
  -- (or `nudgectl pause --until "2027-01-06"`) and `nudgectl resume` to end it early.
  pause = { "2026-12-24..2026-12-26" },

  -- Discreet mode: with `discreet = true` every bubble only says "nudge / A reminder for
  -- you", with a "Show" button for the full text. Use it when other people can see your
  -- screen (at work, a shared computer). It can also be set on one reminder, as the
  -- counselling promise below does. `nudgectl` always shows the full text.
  discreet = false,
}

---------------------------------------------------------------------------------------------
-- Talking: a short check-in question in the evening, and a longer talk on Sunday.
--
-- The evening check-in asks one question from the shipped library (nudge.questions), chosen
-- for the phase you are in: light and safe in the first weeks, deeper in the months after,
-- about the future and shared plans later on. It never repeats one of the last twenty.
-- Ask it out loud, then listen to the whole answer before you share yours.
-- "when" says how often, per phase: five evenings a week at first, then three, then two.

nudge.checkin {
  id = "evening",
  title = "Evening check-in",
  when = {
    early   = "Mon..Fri 20:30",
    months  = "Mon,Wed,Fri 20:30",
    settled = "Tue,Fri 20:30",
  },
  questions = nudge.questions,
  no_repeat = 20,
  snooze = "45min",
}

-- The Sunday talk: a little longer, about the week. Its questions are written here, each
-- marked with the phases it suits (no mark = any phase).
local week_questions = {
  { text = "How has this week been for you, all in all?", phases = { "early", "months" } },
  { text = "What helped you most this week, and what did not help at all?", phases = { "early", "months" } },
  { text = "Is there anything from this week still sitting with you? We can talk it through.", phases = { "early" } },
  { text = "What would make next week a little easier for you?", phases = { "early", "months" } },
  { text = "Was there a moment this week when you felt you could count on me?", phases = { "early", "months" } },
  { text = "Where did I follow through this week, and where could I do better?", phases = { "months" } },
  { text = "Is there an agreement between us we should look at again this week?", phases = { "months", "settled" } },
  { text = "What do you need more of from me next week, and what less?", phases = { "months" } },
  { text = "Which evening this week felt most like us?", phases = { "months", "settled" } },
  { text = "Was there a conversation this week that we started and did not finish?", phases = { "months" } },
  { text = "What made you feel respected this week?", phases = { "months", "settled" } },
  { text = "Looking back at this week, what are you glad we did?", phases = { "settled" } },
  { text = "What small thing would you like us to try next week?", phases = { "settled" } },
  { text = "Is there a worry about the coming week we could plan around now?", phases = { "settled" } },
  { text = "What went well between us this week that we should keep doing?", phases = { "settled" } },
  { text = "Is there something we put off this week that we should pick up again?", phases = { "settled" } },
  { text = "What would you like more time for next week, together or on your own?", phases = { "settled" } },
  { text = "What is one thing we could look forward to next weekend?", phases = { "settled" } },
}

nudge.checkin {
  id = "weekly-talk",
  title = "This week, together",
  when = "Sun 18:00",
  jitter = "20min",               -- some time between 18:00 and 18:20, not on the dot
  questions = week_questions,
  no_repeat = 8,
}

---------------------------------------------------------------------------------------------
-- Small gestures: concrete, small, kind; nothing that needs a grand speech. Five days a week
-- at first, then three, then two, at a random moment of the day and never the same as one
-- of the last ten. Skip the ones that don't fit the day; a skip is never held against you.
--
-- An entry can carry two marks:
--   at = "morning" (07:00-11:00), "afternoon" (12:00-17:00), "evening" (18:00-21:30) or a
--        range like "11:30..14:30": it only ever comes at that time of day.
--   phases = {...}: it only comes in those phases (an outing is too much in the first weeks).

local gestures = {
  "Make them a cup of tea or coffee, exactly the way they like it.",
  "Ask about something they mentioned yesterday, and remember the details.",
  "Take over a chore they usually do, without pointing it out.",
  "Leave a short handwritten note where they will find it.",
  "Give them twenty minutes to themselves while you handle whatever needs handling.",
  "Say sorry for something small you got wrong this week, without a 'but'.",
  "Send them a link to something that made you think of them.",
  "Check with them before making plans that affect you both.",
  "Write down three things you appreciate about them, and tell them one.",
  "Make the bed, tidy the kitchen or sort the laundry before they get to it.",
  "Ask about their friends or family, and listen to the answer.",
  "Follow through on something you said you would do this week.",
  { text = "Say good morning properly, face to face, before the day takes over.", at = "morning" },
  { text = "Tell them where you will be this evening and when you will be home, before they ask.",
    at = "morning" },
  { text = "Be on time today, everywhere you said you would be.", at = "morning" },
  { text = "Send a message in the middle of the day, just to say you are thinking of them.",
    at = "11:30..14:30" },
  { text = "Bring home something small they like: flowers, a pastry, a magazine.", at = "afternoon" },
  { text = "Cook or order their favourite meal.", at = "afternoon" },
  { text = "Let them choose the film, the meal or the plan tonight, and enjoy it with them.",
    at = "afternoon" },
  { text = "Put your phone away for the whole of dinner.", at = "16:00..19:00" },
  { text = "Suggest a walk together after dinner.", at = "17:00..19:30" },
  { text = "Thank them for one specific thing they did today.", at = "evening" },
  { text = "Share something about your day that you would usually keep to yourself.", at = "evening" },
  { text = "Ask what would make tomorrow easier for them, then do it.", at = "evening" },
  { text = "Say good night properly, not from behind a screen.", at = "evening" },
  { text = "Offer to show your phone or calendar, if openness is something they have asked for.",
    phases = { "early", "months" } },
  { text = "Plan a small outing for the weekend around something they enjoy.",
    phases = { "months", "settled" } },
  { text = "Put on a song that means something to both of you.", phases = { "months", "settled" } },
  { text = "If they welcome it, hold their hand or hug them a little longer than usual.",
    phases = { "months", "settled" } },
  { text = "Tell them about something you are working on in yourself, honestly and briefly.",
    phases = { "months", "settled" } },
  { text = "Ask them about a goal of theirs, and offer one concrete way to help.",
    phases = { "months", "settled" } },
  { text = "Turn off the TV tonight and ask them a question you have never asked before.",
    at = "evening", phases = { "months", "settled" } },
  { text = "Look at old photos together and talk about a good memory.", phases = { "settled" } },
  { text = "Book a table, tickets or a day trip for something you would both enjoy.",
    phases = { "settled" } },
}

-- One gesture reminder whose number of days a week eases off phase by phase.
nudge.gesture {
  id = "gesture",
  -- On five different days of each week in the first weeks, three in the first months, two
  -- after that: at a random moment between 08:00 and 21:00 (or in the part of the day a
  -- gesture names).
  per_week = { early = 5, months = 3, settled = 2 },
  window = "08:00..21:00",
  no_repeat = 10,
  pool = gestures,
}

---------------------------------------------------------------------------------------------
-- Patience: a short word for you, not for them, in the morning. Twice a week at first, then
-- on Mondays, then on the first Monday of each month.

nudge.patience {
  id = "patience-early",
  when = { early = "Mon,Thu 08:30" },
  phases = {
    { body = "Early days. Listen more than you explain, answer their questions honestly even "
          .. "when it is uncomfortable, and let them set the pace. Nothing needs fixing today." },
  },
}

nudge.patience {
  id = "patience-months",
  when = { months = "Mon 08:30" },
  phases = {
    -- The words, and the promises you have kept so far once there are any (no figure at all
    -- before the first one is kept).
    { body = function(ctx)
        local text = "Trust comes back through things done the same way, week after week: the "
            .. "call at the time you said, the small promise kept. A hard day does not undo that."
        if ctx.kept == 1 then
          text = text .. " One promise kept so far."
        elseif (ctx.kept or 0) > 1 then
          text = text .. " " .. ctx.kept .. " promises kept so far."
        end
        return text
      end },
  },
}

nudge.patience {
  id = "patience-settled",
  -- "Mon *-*-01..07" is a Monday that falls on the 1st to the 7th: the first Monday of a month
  when = { settled = "Mon *-*-01..07 08:30" },
  phases = {
    { body = "Keep making time for each other, and bring up small worries while they are "
          .. "still small. The care you show now is what lasts." },
  },
}

---------------------------------------------------------------------------------------------
-- Milestones: a week, a month, three months, six months and a year after you began (months
-- and years to the calendar day), and seven or thirty evenings talked through in a row.

local milestone_words = {
  ["7d"] = "One week since you began. The first steps are the hardest; keep them small and "
      .. "steady.",
  ["30d"] = "A month since you began. Notice what you have kept up, and thank them for the "
      .. "time they are giving this.",
  ["90d"] = "Three months in. Look back at how far the two of you have come, at whatever "
      .. "pace it has been.",
  ["6M"] = "Six months. If it feels right to both of you, mark it in a small way you would "
      .. "both enjoy.",
  ["1y"] = "A year since you began. Whatever this year held, you kept showing up. Tell them "
      .. "what it has meant to you.",
}

nudge.milestone {
  id = "milestones",
  at = { "7d", "30d", "90d", "6M", "1y" },
  streaks = { 7, 30 },
  title = "A milestone",
  body = function(ctx)
    return milestone_words[ctx.milestone]
        or "A run of evenings talked through, one after another. That steadiness is how "
        .. "trust comes back."
  end,
}

---------------------------------------------------------------------------------------------
-- Promises: reminded ahead of time, then asked "Kept?" when due. Add the ones you make in
-- conversation with `nudgectl promise add "..." --due "2026-12-05 19:00"`.

nudge.promise {
  id = "counselling",
  text = "Book a first session with a couples counsellor",
  due = "2026-12-04 17:00",
  remind = { "3d", "1d" },        -- three days and one day before
  discreet = true,                -- a private matter: the bubble just says "A reminder for you"
}

nudge.promise {
  id = "christmas-dinner",
  text = "Cook dinner for the two of you on Christmas Eve",
  due = "2026-12-24 19:00",
}

---------------------------------------------------------------------------------------------
-- After a setback. When a promise was answered "Broken", or after `nudgectl emit conflict`,
-- the next evening brings a short repair prompt: say what happened, without excuses, and
-- pick one small thing to do differently. If setbacks pile up (two broken promises or three
-- conflicts within two weeks), nudge suggests talking to a couples counsellor, with a first
-- step to take, at most once a month, and not once the "counselling" promise above was kept.
-- Asking for help is a strong move, not a sign that it is over.

nudge.support {
  after = { broken = 2, conflicts = 3 },
  within = "14d",
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
