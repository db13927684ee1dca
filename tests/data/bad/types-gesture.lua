nudge.gesture { id = "g", when = "daily", pool = "hug" }
