-- the address without https://
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  sync = { caldav = "dav.example.org/anna/tasks/", user = "anna" },
}
