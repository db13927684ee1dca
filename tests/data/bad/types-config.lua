nudge.config("quiet")
