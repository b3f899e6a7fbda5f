-- lua_startup (tests/bench/ports/portbench.c): the time to this line.
print("first line")
