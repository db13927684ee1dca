-- a sync every 30 seconds
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  sync = { caldav = "https://dav.example.org/anna/tasks/", user = "anna", every = "30s" },
}
