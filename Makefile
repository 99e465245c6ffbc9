# gdbext — every target does its own set-up; see README.md.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.stamp
BUILD  := build
DEMO_BUILD := $(BUILD)/demo

.PHONY: help setup bytecode demo-build demo test test-gdb-versions lint bench clean

help:
	@echo "make demo   build demo_c/ and tour every command under gdb"
	@echo "make test   run the whole test suite (real gdb, real programs)"
	@echo "make test-gdb-versions   the suite on gdb 16.3, 17.2 and 18.1 too"
	@echo "make docs   build the essays site into essays/_build/html"
	@echo "make bench  print benchmark ratios against baselines measured in the same run"

setup: $(STAMP)

$(STAMP): pyproject.toml scripts/setup.sh
	bash scripts/setup.sh

# gdb compiles gdbext at every start when bytecode caching is off
# (PYTHONDONTWRITEBYTECODE), so write the .pyc files once, with gdb's Python.
bytecode: $(STAMP)
	@$(PY) -m compileall -q gdbext

demo-build: $(STAMP) bytecode cext
	$(MAKE) --no-print-directory -C demo_c BUILD=$(abspath $(DEMO_BUILD))

demo: demo-build
	bash scripts/demo.sh $(abspath $(DEMO_BUILD))

# The essays' gdbext guide runs the demo tours, so the tests need demo-build.
test: $(STAMP) bytecode demo-build
	$(PY) -m ruff check gdbext tests bench scripts
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check .

bench: demo-build
	$(PY) bench/run.py $(abspath $(DEMO_BUILD))

clean:
	rm -rf $(BUILD) essays/_build

# Each part of the project adds its own targets in mk/*.mk.
include $(wildcard mk/*.mk)

# The suite on each newer gdb release (installed once into build/gdb-VERSION/).
test-gdb-versions: $(STAMP) bytecode demo-build
	bash scripts/gdb-versions.sh $(GDB_VERSIONS)
