nudge.config { limits = { instructions = -1, memory = "lots" } }
