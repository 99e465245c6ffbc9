# C-extension, ctypes and embedding examples: demo_c/cext -> build/cext.
#
#   make cext         build what is out of date (for every CPython 3.11+ found)
#   make cext-clean   remove build/cext
#
# demo_c/cext/build.py calls gcc directly (no setuptools) and keeps track of what
# changed itself, so `cext` always runs it; a run with nothing to do takes well
# under a second.  It only needs a Python 3 standard library, not the venv.
CEXT_SRC   := demo_c/cext
CEXT_BUILD := $(BUILD)/cext
CEXT_PY    ?= $(firstword $(wildcard /usr/bin/python3.11 /usr/bin/python3) python3)

.PHONY: cext cext-clean

cext:
	@$(CEXT_PY) $(CEXT_SRC)/build.py --out $(CEXT_BUILD)

cext-clean:
	rm -rf $(CEXT_BUILD)
