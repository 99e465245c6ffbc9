# title: dj: a string in the program, shown as JSON
# program: json_strings
break inspect
run
echo \n(gdb) dj doc          # a std::string\n
dj doc
echo \n(gdb) dj cstr         # a const char *, UTF-8 kept as it is\n
dj cstr
up
echo \n(gdb) dj array        # a char[64]\n
dj array
echo \n(gdb) dj broken       # invalid JSON: line, column and where\n
dj broken
echo \n(gdb) dj number       # not a string\n
dj number
