-- healing.lua: a plan for the partner who was hurt. (Its companion, rebuild-trust.lua, is
-- for the partner who broke trust.)
--
-- This plan is about you: how you feel, what you need, and looking after yourself while
-- trust is slowly rebuilt, or while you find out whether it can be. It goes at your pace,
-- and it stays quiet most of the time.
--
-- What it holds:
--   * an evening question about how you are, a few times a week: a journal, if you want one;
--   * now and then, a look at the boundaries and needs you wrote down: do they still fit?
--   * on Sundays, a look back at the week, including what they followed through on, if you
--     care to notice it. Noticing, not keeping watch: it is not your job to check on them;
--   * small things to look after yourself: sleep, a friend, a walk, something just for you;
--   * now and then, a reminder that a counsellor can help, for you alone or for both of you;
--   * a short word about pace, that there is no timetable for healing.
--
-- What it never does: it never asks you to forgive, to move on, or to feel better by a
-- certain day. Forgiveness, if it comes at all, is yours, in your own time; no reminder
-- here mentions it. There are no milestones and no scores for you to live up to either.
--
-- How to use it. Copy it to ~/.config/nudge/rules.lua (or to ~/.config/nudge/rules.d/ next
-- to another plan), set the date below, and move the times to fit your days. Then:
--   nudged --check                    every mistake, as file:line: message
--   nudged --preview --days 14        what the next two weeks hold
--   systemctl --user reload nudged    (or send it SIGHUP) to use the changed plan
--
-- Your journal. Answer "Done" on a bubble, or write down how you feel, whenever you like:
--   nudgectl checkin --mood 3 --note "a quiet day; the walk helped"
-- The mood goes from 1 (hard) through 3 (okay) to 5 (great). Read your notes back any time:
--   nudgectl journal --days 30
-- Need a break from all of it? `nudgectl pause 1w` rests every reminder for a week, and
-- `nudgectl resume` ends the pause early. Paused days never count as missed.
--
-- Lines starting with "--" are notes like this one; nudged ignores them.

nudge.config {
  since = "2026-11-01",           -- roughly when this began for you; it sets the phases below
  quiet_hours = "22:00..08:00",   -- nothing pops up at night or early in the morning

  -- Three phases, named once here and used below. They only set how often the plan speaks
  -- up; you are not meant to be anywhere by then. "3w" is three weeks, "6M" six months.
  phases = {
    { name = "early",   label = "first weeks",        upto = "3w" },
    { name = "months",  label = "first months",       upto = "6M" },
    { name = "settled", label = "six months and on" },
  },

  -- Days off written in advance: nothing is shown on them and nothing counts as missed.
  -- Take away the two dashes at the start of the line to use it; change the dates as you like.
  -- pause = { "2026-12-24..2026-12-26" },

  -- Discreet mode: with `discreet = true` every bubble only says "nudge / A reminder for
  -- you", with a "Show" button for the full text, so nobody reading over your shoulder
  -- learns anything. Worth turning on if others can see your screen.
  discreet = false,
}

---------------------------------------------------------------------------------------------
-- Your evening question: how you are, in your own words. Five evenings a week in the first
-- weeks, three in the months after, two later on. Answer it on paper, in your head, or with
-- `nudgectl checkin --mood N --note "..."`; Skip is always fine.

local evening_questions = {
  { text = "How are you feeling tonight, in a word or two?", phases = { "early" } },
  { text = "What did you need today, and did you get any of it?", phases = { "early", "months" } },
  { text = "What was one okay moment today, however small?", phases = { "early" } },
  { text = "What is weighing on you most tonight? Write it down and let the page hold it.",
    phases = { "early" } },
  { text = "What would help you rest tonight?", phases = { "early" } },
  { text = "Is there something you want to say to them that you have not said yet? Write it first.",
    phases = { "early", "months" } },
  { text = "Who is on your side this week, and could you reach out to them?", phases = { "early" } },
  { text = "What would help you feel a little safer tomorrow?", phases = { "early" } },
  { text = "What did your body tell you today: tired, tense, hungry, calm?", phases = { "early" } },
  { text = "Was there a moment today when you were kind to yourself?", phases = { "early" } },
  { text = "What do you need from them right now, if anything? Not knowing yet is fine too.",
    phases = { "early" } },
  { text = "Which questions keep going round in your head? You can write them down.",
    phases = { "early", "months" } },
  { text = "Anger, sadness, numbness, relief: which of them visited you today?", phases = { "early" } },
  { text = "How was today, in one line? (nudgectl checkin --note \"...\" keeps it for you.)" },
  { text = "How have you been sleeping and eating? Is your body getting what it needs?" },
  { text = "What has felt a little easier this week?", phases = { "months" } },
  { text = "What has been harder than you expected lately?", phases = { "months" } },
  { text = "Did you hold a boundary this week? How did that feel?", phases = { "months", "settled" } },
  { text = "What do you still need to hear from them?", phases = { "months" } },
  { text = "When did you feel most like yourself this week?", phases = { "months", "settled" } },
  { text = "Is an old doubt back today? Write it down as it is; it is allowed to be here.",
    phases = { "months", "settled" } },
  { text = "What would you like more of, from them or from your life in general?", phases = { "months" } },
  { text = "What did you do for yourself this week?", phases = { "months", "settled" } },
  { text = "Which days have been good ones lately, and what made them good?", phases = { "months" } },
  { text = "What are you hoping for, if you let yourself hope a little?", phases = { "months" } },
  { text = "What do you want them to understand about how this has been for you?",
    phases = { "months" } },
  { text = "Where do you feel steadier lately, and where do you still feel shaky?", phases = { "months" } },
  { text = "What made you laugh this week?", phases = { "months", "settled" } },
  { text = "What is going well in your life right now, apart from the relationship?",
    phases = { "settled" } },
  { text = "What would you like the next few months to look like for you?", phases = { "settled" } },
  { text = "Is there a small worry you would like to raise with them before it grows?",
    phases = { "settled" } },
  { text = "What are you proud of in how you have looked after yourself?", phases = { "settled" } },
  { text = "What does trust look like for you these days, in everyday things?", phases = { "settled" } },
  { text = "What in your own life do you want to keep, whatever happens?", phases = { "settled" } },
  { text = "Which of your needs are met now, and which would you like to ask for?",
    phases = { "settled" } },
  { text = "What would you like to plan for yourself this season?", phases = { "settled" } },
  { text = "What have you learned about yourself this year?", phases = { "settled" } },
  { text = "What do you need to feel at ease in the evenings now?", phases = { "settled" } },
}

nudge.checkin {
  id = "journal",
  title = "A moment for you",
  when = {
    early   = "Mon..Fri 21:00",
    months  = "Mon,Wed,Fri 21:00",
    settled = "Tue,Fri 21:00",
  },
  questions = evening_questions,
  no_repeat = 14,                 -- never one of the last fourteen questions
  snooze = "1h",
}

---------------------------------------------------------------------------------------------
-- Your boundaries and needs, written down and looked at again. Saturday mornings in the
-- first weeks; after that on the first Saturday of each month ("Sat *-*-01..07" is a
-- Saturday that falls on the 1st to the 7th). Keep the list somewhere private.

nudge.checkin {
  id = "boundaries",
  title = "Your boundaries and needs",
  when = {
    early   = "Sat 11:00",
    months  = "Sat *-*-01..07 11:00",
    settled = "Sat *-*-01..07 11:00",
  },
  questions = {
    { text = "Write down one or two things you need to feel safe right now. Small things count.",
      phases = { "early" } },
    { text = "What is not okay for you at the moment? Writing it down makes it clearer, for you first.",
      phases = { "early" } },
    { text = "What do you need to know from them to feel less in the dark? Add it to your list.",
      phases = { "early" } },
    { text = "Look at the boundaries you wrote down. Do they still fit? Change what no longer does.",
      phases = { "months", "settled" } },
    { text = "Is there a need on your list you have not said out loud yet? You choose when.",
      phases = { "months", "settled" } },
    { text = "Which of your boundaries have been respected lately, and which need saying again?",
      phases = { "months", "settled" } },
    { text = "Is there something new you need that is not on your list yet?",
      phases = { "months", "settled" } },
  },
}

---------------------------------------------------------------------------------------------
-- Sunday: a look back at the week. Your notes, how you got through it, and, if you want
-- to, what they followed through on. Noticing what goes well is allowed; counting is not
-- your job.

nudge.checkin {
  id = "week",
  title = "Looking back at the week",
  when = "Sun 17:00",
  no_repeat = 8,
  questions = {
    { text = "Read back this week's notes (nudgectl journal --days 7). What do you notice?" },
    { text = "Was there a moment this week when you felt you could rely on them? No need to keep count." },
    { text = "Did they follow through on something this week? Notice it if you like; checking is not your job." },
    { text = "What do you need more of next week? You are allowed to ask for it." },
    { text = "Was there something this week that did not feel right? It is fine to tell them." },
    { text = "What helped you most this week, from anyone at all?", phases = { "early", "months" } },
    { text = "What was the hardest moment of the week, and how did you get through it?",
      phases = { "early", "months" } },
    { text = "Was there a promise this week that mattered to you? How did it go?", phases = { "months" } },
    { text = "Is there a small thing they did this week that you would like to tell them you saw?",
      phases = { "months", "settled" } },
    { text = "How was this week compared with the one before, by your own measure?",
      phases = { "months", "settled" } },
    { text = "What went well for you this week, inside or outside the relationship?",
      phases = { "months", "settled" } },
    { text = "Look over your notes of the last month (nudgectl journal --days 30). What has shifted?",
      phases = { "months", "settled" } },
    { text = "What did you say no to this week, and how did it feel?", phases = { "months", "settled" } },
    { text = "What would you like next week to hold, just for you?", phases = { "settled" } },
  },
}

---------------------------------------------------------------------------------------------
-- Looking after yourself: one small thing on a few days a week (three, then two, then one),
-- at a random moment between 08:30 and 20:30, never one of the last eight. A mark
--   at = "morning" (07:00-11:00), "afternoon" (12:00-17:00), "evening" (18:00-21:30) or a
--        range like "11:00..13:00"
-- means it only comes at that time of day (the morning ones here start at 08:30, after the
-- quiet hours); phases = {...} means only in those phases.

local self_care = {
  "Call or message a friend who is good for you.",
  "Take a walk outside, even ten minutes, just for you.",
  "Do one thing today that is only for you.",
  "Drink some water and eat something that does you good.",
  "Put on music you love and let yourself enjoy it.",
  "Say no to one thing today that you do not have the energy for.",
  "Spend a little time on something that was yours before all this: a hobby, a sport, a craft.",
  "Move your body in a way you enjoy: stretch, dance, cycle, swim.",
  "If a feeling is loud today, give it ten minutes on paper, then close the notebook.",
  "Switch off your phone's notifications for an hour and do something quiet.",
  "Let someone look after you a little today; take the help that is offered.",
  "Tell someone you trust how you are really doing.",
  { text = "Have a proper breakfast, sitting down.", at = "08:30..11:00" },
  { text = "Get a few minutes of daylight before noon, even at an open window.", at = "08:30..11:00" },
  { text = "Start the day slowly: five quiet minutes before you look at your phone.", at = "08:30..11:00" },
  { text = "Cook or order something you love for lunch.", at = "11:00..13:00" },
  { text = "Go to bed a little earlier tonight; everything else can wait.", at = "evening" },
  { text = "Make the evening slow: a bath, a book, an early night.", at = "evening" },
  { text = "Before bed, write down one thing today that went all right.", at = "evening" },
  { text = "Plan something to look forward to with a friend.", phases = { "months", "settled" } },
  { text = "Book something for yourself: a haircut, a class, a massage, a day out.",
    phases = { "months", "settled" } },
}

nudge.gesture {
  id = "self-care",
  title = "For you",
  -- Three days a week in the first weeks, two in the first months, one after that, at a
  -- random moment between 08:30 and 20:30 (or in the part of the day a suggestion names).
  per_week = { early = 3, months = 2, settled = 1 },
  window = "08:30..20:30",
  no_repeat = 8,
  pool = self_care,
}

---------------------------------------------------------------------------------------------
-- Your pace: a short word in the morning. Weekly at first, then on the first and third
-- Wednesday of a month, then on the first Wednesday.

nudge.patience {
  id = "pace-early",
  title = "Your pace",
  when = { early = "Wed 09:00" },
  phases = {
    { body = "There is no timetable for this. Angry, sad, numb, all of it in one day: each is "
          .. "a normal part of it. Go at your own pace." },
  },
}

nudge.patience {
  id = "pace-months",
  title = "Your pace",
  when = { months = "Wed *-*-01..07,15..21 09:00" },
  phases = {
    { body = "Healing rarely goes in a straight line. A hard day after a good week does not "
          .. "undo anything. You set the pace." },
  },
}

nudge.patience {
  id = "pace-settled",
  title = "Your pace",
  when = { settled = "Wed *-*-01..07 09:00" },
  phases = {
    { body = "Trust grows back at its own speed, if it does, and how fast is still up to you. "
          .. "Taking your time is allowed." },
  },
}

---------------------------------------------------------------------------------------------
-- Support for you: once a month (on the second Saturday), and from six months on once a
-- season, a reminder that a counsellor can help. For you on your own, or for the two of you.

nudge.patience {
  id = "counselling",
  title = "Support for you",
  when = {
    early   = "Sat *-*-08..14 10:00",
    months  = "Sat *-*-08..14 10:00",
    settled = "Sat *-01,04,07,10-08..14 10:00",
  },
  phases = {
    { body = "A counsellor can give you a space that is only about you, or help the two of you "
          .. "talk. If that appeals, finding one name and number is enough for now." },
  },
}

-- When arguments keep coming back (three within three weeks, each marked with `nudgectl emit
-- conflict`), nudge suggests couples counselling once, with a first step, at most once a
-- month. The repair prompts after a setback are meant for the other partner, so they are off.
nudge.support {
  after = { conflicts = 3 },
  within = "21d",
  repair = false,
}

---------------------------------------------------------------------------------------------
-- When an argument starts, type `nudgectl emit conflict`: a reminder that you may step away.

nudge.listen("conflict", function()
  nudge.notify {
    title = "You can step away",
    body = "Nothing has to be settled right now. Take some air, and come back to it when you "
        .. "are ready, tonight or another day.",
  }
end)
