local f = load("\27Lua\84\0\25\147\13\10\26\10\4\8\8", "evil", "b")
assert(f, "bytecode refused")
