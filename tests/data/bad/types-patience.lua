nudge.patience { id = "pt", when = "daily", phases = { { upto = 5, body = 6 } } }
