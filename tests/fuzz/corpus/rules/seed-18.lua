nudge.checkin{id="evening", when="20:30", title="Evening check-in", body="day {days}"}
