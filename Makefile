# khaosat — the two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
PY      = $(VENV)/bin/python
PIP     = $(VENV)/bin/pip
KHAOSAT = $(VENV)/bin/khaosat
export KHAOSAT_DATA_DIR ?= $(CURDIR)/data
PG_URL ?= postgres://postgres@127.0.0.1:5432/postgres

.PHONY: run test install dev test-sqlite test-postgres system-deps lint demo clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e .
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed pyproject.toml
	$(PIP) install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed
dev: $(VENV)/.dev-installed

## Set up everything and serve the app at http://127.0.0.1:8000 (gunicorn) on the embedded SQLite database.
## While no account exists it prints the one-time set-up link for the administrator.
run: install
	$(KHAOSAT) serve --addr 127.0.0.1:8000

## Install the development dependencies and run the whole test suite.
## With CI=true: on SQLite, then on PostgreSQL (started if needed; the leg fails if it cannot).
test: dev system-deps
	bash scripts/test.sh

## OS packages the tests use (Chromium for browser tests, LibreOffice for report PDFs).
system-deps:
	bash scripts/system-deps.sh

lint: dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

demo: install
	$(KHAOSAT) demo

clean:
	rm -rf $(VENV) build *.egg-info
