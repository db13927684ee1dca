-- A plan with a misspelled name on nudge, and more mistakes after it: all of them are found.
nudge.config { since = "2026-11-01" }

nudge.patiance { id = "patience", when = "Mon 08:30" }

nudge.checkin {
  id = "evening",
  when = "Mon..Fri 20:30",
  titel = "Evening check-in",
}

nudge.checkin {
  id = "weekend",
  when = "Sat 10:00",
  body = "Day {day} of the plan",
}
