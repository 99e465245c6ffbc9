# prof_loop_O2: prof_loop.c built with optimisation, where run()'s loop looks
# different again.
$(BUILD)/prof_loop_O2: prof_loop.c | $(BUILD)
	$(CC) $(subst -O0,-O2,$(CFLAGS)) -o $@ $< $(LDLIBS)

all: $(BUILD)/prof_loop_O2
