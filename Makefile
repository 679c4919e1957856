# tokensite: `make run` serves the site, `make test` runs every test, `make bench` prints the benchmarks.
# `make test-postgres` runs every test on PostgreSQL (a throw-away database on TEST_POSTGRES_URL's server).
PYTHON ?= python3
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
VENV := .venv
BIN := $(VENV)/bin

.PHONY: run test test-postgres bench initdb clean

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

test-postgres: $(VENV)/.installed-testing
	$(BIN)/python -m pytest --database-url "$(TEST_POSTGRES_URL)" $(PYTEST_ARGS)

bench: $(VENV)/.installed-testing
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) *.egg-info tokensite.sqlite tokensite.sqlite-*
