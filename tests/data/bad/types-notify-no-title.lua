nudge.notify { body = "no title" }
