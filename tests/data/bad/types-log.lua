nudge.log(setmetatable({}, { __tostring = function() return {} end }))
