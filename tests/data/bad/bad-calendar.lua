-- The weekday is misspelt.
local function remind() end

nudge.on("Mon..Fir 9:00", remind)
