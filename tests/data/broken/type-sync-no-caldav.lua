-- the settings without the address
nudge.config {
  since = "2026-11-01",           -- the day you both decided to repair things
  sync = { user = "anna", every = "15min" },
}
