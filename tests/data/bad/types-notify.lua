nudge.notify("just a string")
