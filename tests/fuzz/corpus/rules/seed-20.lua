nudge.promise{id="p", text="call", due="2026-11-25 18:00", remind={"1d","2h"}}
