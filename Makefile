# The commands of the README: `make run`, `make test` and `make test-fast`. Each creates .venv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export PREFECT_HOME ?= $(CURDIR)/.prefect
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120

SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: install system-packages run test test-fast lint bench clean

install: $(STAMP)

# GOV.UK Frontend's CSS, JavaScript, fonts and images for the dashboard, from the npm registry, pinned to
# the version govuk-frontend-jinja 3.4.0 targets.
GOVUK_FRONTEND := 5.7.1
# axe-core checks every page the browser tests visit for WCAG 2.0/2.1/2.2 A and AA violations.
AXE_CORE := 4.10.3
WEB_ASSETS := .web/node_modules/govuk-frontend/dist/govuk/govuk-frontend.min.css .web/node_modules/axe-core/axe.min.js

$(WEB_ASSETS) &:
	@command -v npm >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq nodejs npm; }
	npm install --prefix .web --silent --no-audit --no-fund govuk-frontend@$(GOVUK_FRONTEND) axe-core@$(AXE_CORE)

$(STAMP): pyproject.toml constraints.txt $(WEB_ASSETS)
	@$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is needed"' \
		|| { echo "make: Python 3.11 is needed (set PYTHON=/path/to/python3.11)" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -c constraints.txt -e '.[test]'
	touch $(STAMP)

# The local service: Prefect server, mail sink, served deployments, and today's demonstration. Ctrl-C stops it.
run: $(STAMP)
	$(BIN)/ilacs serve --demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The tests start a real PostgreSQL server, drive a real Chromium and import calendar files into calcurse:
# Debian's packages, installed when missing (Chromium from Debian; test tools that download their own
# browser do not work here).
system-packages:
	@ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1 || { \
		echo "make: installing Debian's postgresql for the store's tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq postgresql; }
	@test -x /usr/bin/chromium || { \
		echo "make: installing Debian's chromium for the browser tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq chromium; }
	@command -v calcurse >/dev/null || { \
		echo "make: installing Debian's calcurse for the calendar-file tests"; \
		$(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq calcurse; }

# One pytest-xdist worker a core, each with its own PostgreSQL server, Prefect home and temporary folders
# (tests/conftest.py); `--dist loadgroup` keeps the Prefect harness's tests on one worker.
test: lint system-packages
	$(BIN)/pytest -n auto --dist loadgroup

# Unit tests and the quick service tests on SQLite, under 30 s: no PostgreSQL, Prefect server or browser
# (the markers are set in tests/conftest.py and the test modules). tests/e2e is not even collected.
test-fast: $(STAMP)
	$(BIN)/pytest -m "not postgresql and not prefect and not e2e and not slow" tests/unit tests/integration

# BENCH_STORE narrows the store benchmark, e.g. `make bench BENCH_STORE="--size 1000 --backend sqlite"`.
BENCH_STORE ?=
bench: $(STAMP) system-packages
	$(BIN)/python bench/bench_timeline.py
	$(BIN)/python bench/bench_programme.py
	$(BIN)/python bench/bench_cli.py
	$(BIN)/python bench/bench_cli.py --postgresql
	$(BIN)/python bench/bench_store.py $(BENCH_STORE)

clean:
	rm -rf $(VENV) .web .prefect .ilacs .pytest_cache .ruff_cache .hypothesis
