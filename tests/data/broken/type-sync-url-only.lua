-- the address alone, where a table of settings goes
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  sync = "https://dav.example.org/anna/tasks/",
}
