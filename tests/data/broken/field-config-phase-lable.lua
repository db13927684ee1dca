-- label misspelt in one phase
nudge.config {
  since = "2026-11-01",
  phases = {
    { name = "early",   label = "first weeks",        upto = "3w" },
    { name = "months",  lable = "first months",       upto = "6M" },
    { name = "settled", label = "six months and on" },
  },
}
