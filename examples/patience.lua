-- patience.lua: reminders whose words follow how far along the repair is (nudge.patience).
--
-- The body is chosen by the time since nudge.config{since}. Each phase is {upto = span,
-- body = ...}; the first whose `upto` has not been reached yet is used, and the last phase
-- has no `upto` (it lasts from then on). Spans are systemd's: "3w" is 21 days, "6M" six
-- systemd months (6 x 30.4375 days).

nudge.config { since = "2026-11-01" }

-- Without `phases`, the toolkit's defaults follow the three stages of repair: the first
-- weeks (listen, don't rush), the first months (routines and kept promises), maintenance.
nudge.patience {
  id = "patience-default",
  when = "Mon 08:30",
}

-- Your own phases. Bodies take the same placeholders as check-ins, or a function(ctx).
nudge.patience {
  id = "patience",
  when = "Thu 08:30",
  title = "Be patient",
  phases = {
    { upto = "3w", body = "Day {days}. Listening is the work right now; don't ask them to hurry." },
    { upto = "6M", body = "Keep the routines and every small promise ({kept} of {promised} so far)." },
    { body = function(ctx)
        return ctx.days .. " days in. Keep making time for each other."
      end },
  },
}
