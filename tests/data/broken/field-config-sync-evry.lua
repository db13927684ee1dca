-- every without its e, in the sync settings
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  sync = {
    caldav = "https://dav.example.org/anna/tasks/",
    user = "anna",
    evry = "15min",
  },
}
