nudge.promise { id = "p", text = 12, due = {} }
