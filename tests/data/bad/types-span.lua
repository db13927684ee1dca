local s = nudge.span(nil)
