nudge.milestone { at = "7d", streaks = "seven", title = 1 }
