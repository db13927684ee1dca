-- the password written into the address
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  sync = { caldav = "https://anna:secret@dav.example.org/anna/tasks/" },
}
