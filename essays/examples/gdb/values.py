"""gdb.Value and gdb.Type: what the program holds, as Python objects."""

import gdb

gdb.execute("break total")
gdb.execute("run")
s = gdb.parse_and_eval("s")                  # the argument of total()
print("s:", s.type, "->", s.type.target())
shelf = s.dereference()
for field in shelf.type.fields():
    print(f"  {field.name:6} {field.type!s:16} offset {field.bitpos // 8:2}"
          f"  size {field.type.sizeof}")

tea = shelf["items"][1]
qty = tea["qty"]
print("qty:", qty, "of type", qty.type, "which is", qty.type.strip_typedefs())
print("qty - 11:", qty - 11, "(11 became a C long)")
print("as count_t:", qty - gdb.Value(11).cast(qty.type), "(unsigned arithmetic wraps)")
print("name:", tea["name"], "| as str:", repr(tea["name"].string()))
print("bounds of items:", shelf["items"].type.range())
print("an unused slot:", shelf["items"][3])

item_t = gdb.lookup_type("struct item")
first = shelf["items"].address.cast(item_t.pointer())
print("pointer arithmetic:", (first + 2).dereference()["name"].string())
frame = gdb.selected_frame()
print("frame:", frame.name(), frame.find_sal().line, frame.read_var("s") == s)
