-- nudge.questions: the shipped library of check-in questions, written for nudge from the
-- guides on rebuilding trust. Compiled into the binary; runs before the toolkit.
--
-- Use it in a plan:  nudge.checkin { id = "evening", when = ..., questions = nudge.questions }
-- Each evening the check-in shows one question of the current phase, never one of the last
-- few it showed. Copy the list into your own file to change, add or drop questions.
--
-- Each question is asked out loud, by one of you to the other, at the kitchen table or on a
-- walk. They are open (no yes/no traps), short, kind, and never hurry the one who was hurt:
-- no question asks them to forgive, to move on or to feel better by a date.
--
-- Phases, as named in nudge.config{phases} (the default names):
--   early    the first weeks: light and safe. How the day was, what they need tonight, what
--            would help them feel a bit safer. Listening, not solving.
--   months   the first months: deeper. What felt good or hard this week, promises that
--            mattered, what being reliable looks like, boundaries as they change, doubts
--            that can be said out loud without a fight.
--   settled  six months and on: the future, boundaries and expectations, shared goals, good
--            times together, and small worries raised early, before they grow.
-- A question with two phases fits both.

local E, M, S = { "early" }, { "months" }, { "settled" }
local EM, MS = { "early", "months" }, { "months", "settled" }

nudge.questions = {
  -- early: the first weeks ---------------------------------------------------------------
  { text = "How was your day, really? I have time to hear all of it.", phases = E },
  { text = "What was the easiest part of your day today?", phases = E },
  { text = "Was there a moment today that felt okay between us?", phases = E },
  { text = "What would you like from me tonight: company, quiet, or something else?", phases = E },
  { text = "Is there anything that would help you feel a little safer this evening?", phases = E },
  { text = "What is on your mind right now that you would like me to simply listen to?", phases = E },
  { text = "Is there a question you have been holding on to that you would like to ask me?", phases = EM },
  { text = "What would make tomorrow morning a little easier for you?", phases = E },
  { text = "How have you been sleeping? Is there something I can take off your plate?", phases = E },
  { text = "Would you rather talk tonight, or spend a quiet evening side by side?", phases = E },
  { text = "What is one small thing I did today that helped, even a little?", phases = E },
  { text = "Did anything today bring the hurt back up? You can tell me about it.", phases = E },
  { text = "How much would you like to talk about what happened tonight, if at all?", phases = E },
  { text = "What helped you get through today?", phases = E },
  { text = "Did anything I said today land badly? I would rather know than guess.", phases = EM },
  { text = "What would you like the rest of this evening to look like?", phases = E },
  { text = "Did anything make you smile today, even for a moment?", phases = E },
  { text = "Do you have someone besides me to lean on right now? How can I make room for that?", phases = E },
  { text = "Which part of the day is hardest for you right now?", phases = E },
  { text = "What is one thing I could do tomorrow that would show you I am here?", phases = E },
  { text = "How is your body holding up today: tired, tense, hungry, all right?", phases = E },
  { text = "Is there something you need more room for at the moment?", phases = E },
  { text = "What felt heavy today, and what felt a little lighter?", phases = E },
  { text = "Before we sleep, would it help if I told you my plans for tomorrow?", phases = E },
  { text = "Is there something you would like me to tell you without you having to ask?", phases = EM },
  { text = "What is one thing you are looking forward to this week, however small?", phases = E },

  -- months: the first months -------------------------------------------------------------
  { text = "What felt good between us this week?", phases = M },
  { text = "What was hardest for you this week, and what would have helped?", phases = M },
  { text = "Is there a promise, from me or between us, that matters most to you right now?", phases = M },
  { text = "What does being reliable look like to you, day to day?", phases = M },
  { text = "Is there a boundary we agreed on that needs changing now?", phases = MS },
  { text = "Which of the boundaries we set feel right, and which feel too tight?", phases = M },
  { text = "Is there a doubt you have been carrying that you would like to say out loud? I will listen.", phases = M },
  { text = "What do you expect from me in the coming weeks, so I do not have to guess?", phases = M },
  { text = "When did you last feel close to me, and what were we doing?", phases = MS },
  { text = "Which of our routines is starting to feel steady again?", phases = M },
  { text = "Is there something I do that still makes you uneasy? I would like to understand it.", phases = M },
  { text = "What small thing could I do more often?", phases = M },
  { text = "Is there anything you would like me to be more open about?", phases = M },
  { text = "What would a good week for us look like next week?", phases = M },
  { text = "How do you feel about the way we disagree lately? What would make it fairer?", phases = MS },
  { text = "Is there something about what happened that you still want answered?", phases = M },
  { text = "What have you noticed changing between us, even slowly?", phases = M },
  { text = "When doubt comes up for you, what helps most in that moment?", phases = M },
  { text = "Is there something you have wanted to tell me but held back? You can say it now.", phases = M },
  { text = "How does the pace we are going at feel to you: too fast, too slow, about right?", phases = M },
  { text = "What do you need from me after a hard day?", phases = M },
  { text = "Is there something we used to enjoy together that you would like to try again?", phases = M },
  { text = "What would help you feel you can count on me this week?", phases = M },
  { text = "Are other people's opinions about us weighing on you? How can I help with that?", phases = M },
  { text = "What is one thing you would like us to stop doing, and one to start?", phases = M },
  { text = "Is there something I have started doing that you would like me to keep up?", phases = M },
  { text = "Is there something from this week you would like us to do again?", phases = M },

  -- settled: six months and on -----------------------------------------------------------
  { text = "Where would you like the two of us to be a year from now?", phases = S },
  { text = "Is there a small worry on your mind that we could talk about before it grows?", phases = S },
  { text = "What would you like us to look forward to this month?", phases = S },
  { text = "Which of our boundaries matter most to you these days, and why?", phases = S },
  { text = "What do you expect from me these days that we have never said out loud?", phases = S },
  { text = "What is one goal we could work on together this season?", phases = S },
  { text = "What was the best moment we had together lately?", phases = S },
  { text = "What new thing would you like us to try together?", phases = S },
  { text = "Is anything bothering you, however small? I would rather hear it early.", phases = S },
  { text = "If doubt comes back one day, how would you like us to handle it together?", phases = S },
  { text = "What is something about us that you feel proud of?", phases = S },
  { text = "What does a good, ordinary week look like to you now?", phases = S },
  { text = "Is there a tradition you would like the two of us to start?", phases = S },
  { text = "What are you hoping for in your own life this year, and how can I support it?", phases = S },
  { text = "What did I do lately that made you feel cared for?", phases = MS },
  { text = "Do we have enough time for each other at the moment, or too little?", phases = S },
  { text = "Is there a place you would love for us to visit together?", phases = S },
  { text = "What would you like us to do differently from how we did things before?", phases = S },
  { text = "Is there a plan about money, home or family that we should talk about soon?", phases = S },
  { text = "When life gets busy, how can we make sure we still talk like this?", phases = S },
  { text = "Which memory from the last few months would you like to keep?", phases = S },
  { text = "What do you need from me when you are stressed these days?", phases = S },
  { text = "Is there an agreement from the early days you would like to keep, change or retire?", phases = S },
  { text = "What would you like to learn or do just for yourself, and how can I make room for it?", phases = S },
  { text = "When do you feel most at home with me?", phases = S },
  { text = "What would you like us to celebrate next?", phases = S },
}
