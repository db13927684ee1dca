-- plain http to a server on the internet: loads, with a warning
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  sync = { caldav = "http://dav.example.org/anna/tasks/", user = "anna" },
}
