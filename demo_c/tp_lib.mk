# tp_shlib: a program linked against a shared library built from the same source
# (-DTP_LIBRARY), found next to the program through its run path ($ORIGIN).
$(BUILD)/libtp_shlib.so: tp_shlib.c | $(BUILD)
	$(CC) $(CFLAGS) -fPIC -shared -DTP_LIBRARY -o $@ $<

$(BUILD)/tp_shlib: tp_shlib.c $(BUILD)/libtp_shlib.so | $(BUILD)
	$(CC) $(CFLAGS) -o $@ $< -L$(BUILD) -ltp_shlib -Wl,-rpath,'$$ORIGIN' $(LDLIBS)
