"""gdb.execute(to_string=True) returns what a user would read; the API returns values."""

import gdb

gdb.execute("break value_of")
gdb.execute("run")
gdb.execute("continue")                      # the second item: tea, 10 of them

text = gdb.execute("print it->qty", to_string=True)
print("the text:", repr(text))
print("parsed:", int(text.split("=")[1]))

gdb.execute("set output-radix 16")           # a user's setting, or their .gdbinit's
text = gdb.execute("print it->qty", to_string=True)
print("the text:", repr(text))
try:
    print("parsed:", int(text.split("=")[1]))
except ValueError as error:
    print("parsing failed:", error)

gdb.execute("set trace-commands on")         # another setting: now the echo is captured too
print("the text:", repr(gdb.execute("print it->qty", to_string=True)))
gdb.execute("set trace-commands off")

qty = gdb.parse_and_eval("it->qty")          # the API: no text, no history entry
print("the value:", int(qty))
print("breakpoints:", [(b.number, b.location, b.hit_count) for b in gdb.breakpoints()])
