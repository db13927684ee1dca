local io = require "io"
io.open("/etc/passwd")
