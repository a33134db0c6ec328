# The whole set-up: `make run` (the application) and `make test` (the test suite).
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# The first Python 3.12+ on PATH (pyenv's shims honour .python-version).
SYSTEM_PYTHON := $(shell for p in python3.13 python3.12 python3 python; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { command -v $$p; break; }; done)

.PHONY: run test test-later lint bench clean catalogs messages axe-core $(addprefix bench-,$(BENCHES))

$(PY):
	@test -n "$(SYSTEM_PYTHON)" || { echo "Python 3.12 or newer is needed on PATH." >&2; exit 1; }
	$(SYSTEM_PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

# The translation catalogs, compiled (also done by `run` and the test suite).
catalogs: $(VENV)/.installed
	$(PY) -m common.catalogs

# After marking strings: bring every catalog up to date with the code, then translate what is
# new (tests/test_catalogs.py fails on a message with no translation or a fuzzy one).
messages: $(VENV)/.installed
	DEBUG=1 $(PY) manage.py makemessages --locale zh_Hans --no-location --no-obsolete \
		--ignore .venv --ignore tests --ignore bench --ignore var --ignore static \
		--ignore staticfiles --ignore test-artifacts

run: $(VENV)/.installed catalogs
	$(PY) -m collections_site.localrun

test: $(VENV)/.installed-test catalogs
	@bash tests/browser/ensure_chromium.sh
	$(PY) -m pytest $(PYTEST_ARGS)

# The whole suite again with the clock moved well ahead, late on a leap day (the clock runs on
# from there): no test may depend on the day it runs. See tests/conftest.py.
LATER ?= 2028-02-29T23:30:00+00:00
test-later: $(VENV)/.installed-test catalogs
	@bash tests/browser/ensure_chromium.sh
	TEST_CLOCK_STARTS_AT='$(LATER)' $(PY) -m pytest $(PYTEST_ARGS)

# The accessibility tests' axe-core, vendored from its npm package (tests/browser/vendor/axe-core/,
# whose README says what to update with a new version). Needs npm; the tests need nothing more.
AXE_CORE_VERSION ?= 4.14.1
AXE_CORE_DIR := tests/browser/vendor/axe-core
axe-core:
	@command -v npm >/dev/null || { echo "npm is needed to fetch axe-core." >&2; exit 1; }
	tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT \
		&& (cd "$$tmp" && npm pack --silent axe-core@$(AXE_CORE_VERSION) >/dev/null \
			&& tar xzf axe-core-$(AXE_CORE_VERSION).tgz) \
		&& cp "$$tmp"/package/{axe.min.js,LICENSE,LICENSE-3RD-PARTY.txt} $(AXE_CORE_DIR)/

# Benchmarks run on PostgreSQL at the scale the issues name (minutes, not seconds).
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/collections_bench
BENCHES := pipeline compliance_chain workspace feeds dashboards agencies dispatch night lookup
bench: $(addprefix bench-,$(BENCHES))
bench-%: $(VENV)/.installed
	-psql "$(dir $(BENCH_DATABASE_URL))postgres" -qc "CREATE DATABASE $(notdir $(BENCH_DATABASE_URL))" 2>/dev/null
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) bench/$*.py

# ruff, then the import contracts of pyproject.toml ([tool.importlinter]): imports point down.
lint: $(VENV)/.installed-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache --no-logo

clean:
	rm -rf $(VENV) db.sqlite3 var staticfiles test-artifacts
