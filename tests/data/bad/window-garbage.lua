nudge.config { quiet_hours = "late..early" }
