# tokensite: `make run` serves the site, `make test` runs every test, `make bench` prints the benchmarks.
# `make test-postgres` runs every test on PostgreSQL (a throw-away database on TEST_POSTGRES_URL's server).
PYTHON ?= python3
TEST_POSTGRES_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
VENV := .venv
BIN := $(VENV)/bin
# the browser tests drive Debian's Chromium (Playwright never downloads a browser here);
# `make test NO_BROWSER=1` leaves them out on a machine without it
CHROMIUM := /usr/bin/chromium
ifdef NO_BROWSER
TEST_NEEDS :=
TEST_SELECTION := -m "not browser"
else
TEST_NEEDS := $(CHROMIUM)
TEST_SELECTION :=
endif

.PHONY: run test test-postgres bench initdb clean chromium linters

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

chromium: $(CHROMIUM)

$(CHROMIUM):
	@if [ "$$(id -u)" -eq 0 ]; then \
		apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; \
	else \
		echo "The browser tests need $(CHROMIUM): run 'sudo apt-get install chromium'" >&2; \
		echo "(or run 'make test' as root), or leave them out with 'make test NO_BROWSER=1'." >&2; \
		exit 1; \
	fi

# the OpenAPI linters the tests run on the served document (Redocly, Spectral), from the npm registry
LINTERS := node_modules/.installed
linters: $(LINTERS)

$(LINTERS): package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

test: $(VENV)/.installed-testing $(LINTERS) $(TEST_NEEDS)
	$(BIN)/python -m pytest $(TEST_SELECTION) $(PYTEST_ARGS)

test-postgres: $(VENV)/.installed-testing $(LINTERS)
	$(BIN)/python -m pytest --database-url "$(TEST_POSTGRES_URL)" $(PYTEST_ARGS)

bench: $(VENV)/.installed-testing
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) node_modules *.egg-info tokensite.sqlite tokensite.sqlite-*
