nudge.checkin { id = 7, when = {}, title = false }
