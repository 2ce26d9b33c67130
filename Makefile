# Two commands for a newcomer: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp

.PHONY: demo test test-all install lint clean bench fuzz

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { echo "Doorstep needs Python 3.11 or newer"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dev]"
	@touch $@

install: $(STAMP)

## Load the demo (two businesses, 180 days) into ./doorstep.db and serve on http://127.0.0.1:8000/
demo: $(STAMP)
	$(VENV)/bin/doorstep demo

## The whole suite (SQLite always; PostgreSQL too when DOORSTEP_TEST_DATABASE_URL is set)
test: $(STAMP)
	$(PY) -m pytest -m "not slow" -q -n auto --dist loadfile

## Schemathesis against every API operation; DOORSTEP_FUZZ_EXAMPLES=1000 make fuzz for a long, random run
fuzz: $(STAMP)
	$(PY) -m pytest -q -s -p no:cacheprovider tests/core/test_fuzz_api.py

## Including the slow, benchmark-like tests
test-all: $(STAMP)
	$(PY) -m pytest -q

## Every benchmark in bench/ (bench_*.py); each prints its figures with the machine they ran on
bench: $(STAMP)
	@set -e; for script in bench/bench_*.py; do name=$$(basename $$script .py); echo "== $$name"; $(PY) -m bench.$$name; done

lint: $(STAMP)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) doorstep.db doorstep.db-wal doorstep.db-shm .pytest_cache
