nudge.notify { title = "tab\q" }
