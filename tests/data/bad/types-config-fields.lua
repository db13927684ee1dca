nudge.config { quiet_hours = 22, since = {} }
