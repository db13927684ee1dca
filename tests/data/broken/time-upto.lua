-- a misspelt span unit in a phase
nudge.config {
  since = "2026-11-01",
  phases = {
    { name = "early",   label = "first weeks",        upto = "3w" },
    { name = "months",  label = "first months",       upto = "6 mnths" },
    { name = "settled", label = "six months and on" },
  },
}
