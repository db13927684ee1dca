-- a pause range written with a dash
nudge.config {
  since = "2026-11-01",
  pause = { "2026-12-24 - 2026-12-26" },
}
