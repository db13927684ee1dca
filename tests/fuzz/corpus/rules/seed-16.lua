print(nudge.time("tomorrow"), nudge.span("2h 30min"), nudge.now(), os.time(), os.date("%c"))
