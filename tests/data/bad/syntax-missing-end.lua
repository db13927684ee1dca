nudge.every("1h", function()
  nudge.notify { title = "drink water" }
