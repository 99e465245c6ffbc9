# title: dj: the JSON document a string holds, as written
# program: json_strings
break inspect
run
echo \n(gdb) dj doc                  # a std::string\n
dj doc
echo \n(gdb) dj doc .commands[1]     # a PATH selects a part\n
dj doc .commands[1]
echo \n(gdb) dj cstr                 # a const char *, UTF-8 kept as it is\n
dj cstr
up
echo \n(gdb) dj array                # a char[64]\n
dj array
echo \n(gdb) dj broken               # invalid JSON: line, column and where\n
dj broken
echo \n(gdb) dj number               # not a string\n
dj number
break shown
continue
up
echo \n(gdb) dj numbers              # numbers as written, not as a double would read them\n
dj numbers
echo \n(gdb) dj duplicates           # both keys are shown, with a note\n
dj duplicates
echo \n(gdb) dj bad_utf8             # bytes that are not UTF-8\n
dj bad_utf8
echo \n(gdb) dj lines                # JSON Lines: every document\n
dj lines
echo \n(gdb) dj trailing             # strict: what a lenient parser lets through\n
dj trailing
echo \n(gdb) dj nested .items[5]\n
dj nested .items[5]
