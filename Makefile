# tokensite: `make run` serves the site, `make test` runs every test, `make bench` prints the benchmarks.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test bench initdb clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python setup.cfg pyproject.toml
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-testing: $(VENV)/.installed
	$(BIN)/pip install --quiet -e ".[testing]"
	touch $@

initdb: $(VENV)/.installed
	$(BIN)/tokensite-initdb development.ini

run: initdb
	$(BIN)/pserve development.ini

test: $(VENV)/.installed-testing
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(VENV)/.installed-testing
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) *.egg-info tokensite.sqlite tokensite.sqlite-*
