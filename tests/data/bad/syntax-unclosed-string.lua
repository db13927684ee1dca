nudge.on("daily", function()
  nudge.notify { title = "unfinished }
end)
