local nudge = require "nudge"
nudge.on("*-*-* 22:00", function() nudge.notify{title="late"} end, {quiet="defer", catch_up=true, late_cancel="2h"})
