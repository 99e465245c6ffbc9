# The essays site (essays/): `make docs` builds the HTML and runs every doctest
# in the pages; `make docs-serve` serves the HTML on 127.0.0.1 for reading.
# The example files under essays/examples are run by tests/test_essays.py.

.PHONY: docs docs-html docs-doctest docs-serve

PORT        ?= 8000
DOCS_SRC    := essays
DOCS_OUT    := essays/_build
SPHINXOPTS  ?= -n -W --keep-going -q
SPHINXBUILD := $(PY) -m sphinx

docs: docs-html docs-doctest

docs-html: $(STAMP) demo-build
	$(SPHINXBUILD) -b html $(SPHINXOPTS) -d $(DOCS_OUT)/doctrees $(DOCS_SRC) $(DOCS_OUT)/html
	@echo "docs: open $(abspath $(DOCS_OUT)/html/index.html), or run 'make docs-serve'"

# Its report is essays/_build/doctest/output.txt.
docs-doctest: $(STAMP) demo-build
	$(SPHINXBUILD) -b doctest $(SPHINXOPTS) -d $(DOCS_OUT)/doctrees-doctest $(DOCS_SRC) $(DOCS_OUT)/doctest
	@tail -n 5 $(DOCS_OUT)/doctest/output.txt

# Sphinx rebuilds only what changed, so serving always starts with a build.
docs-serve: docs-html
	@echo "docs: serving http://127.0.0.1:$(PORT)/ (Ctrl-C stops)"
	$(PY) -m http.server --bind 127.0.0.1 --directory $(DOCS_OUT)/html $(PORT)
