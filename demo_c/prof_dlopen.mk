# prof_dlopen loads libprof_plugin.so (prof_dlopen.c built with -DPROF_PLUGIN) with
# dlopen() from its own folder: a function gdb only learns about at run time.
$(BUILD)/libprof_plugin.so: prof_dlopen.c | $(BUILD)
	$(CC) $(CFLAGS) -fPIC -shared -DPROF_PLUGIN -o $@ $<

$(BUILD)/prof_dlopen: $(BUILD)/libprof_plugin.so
