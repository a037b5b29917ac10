# Two commands do all the set-up: `make run` and `make test` (see README).
SHELL := /bin/bash
VENV := .venv
BIN := $(VENV)/bin
# Django 6 needs Python 3.12 or newer: take the newest one found.
PYTHON ?= $(shell for p in python3.14 python3.13 python3.12 $$(ls -d $$HOME/.pyenv/versions/3.1[2-9]*/bin/python3 2>/dev/null | sort -r) python3; do \
	$$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { command -v $$p; break; }; done)
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_PORT ?= 8001

.PHONY: install run demo test chaos fuzz lint format schema clean

$(BIN)/python:
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is required"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(VENV)/.installed

run: install
	$(BIN)/python manage.py migrate --noinput
	HUB_BASE_URL=$${HUB_BASE_URL:-http://$(HOST):$(PORT)} \
		$(BIN)/python manage.py run_embedded --host $(HOST) --port $(PORT)

# The hub with two simulated CPOs and two simulated eMSPs sending live traffic (var/demo).
demo: install
	$(BIN)/python -m demo --port $(DEMO_PORT)

test: install
	$(BIN)/pytest

# The delivery ledger across a PostgreSQL restart (restarts the local cluster: needs root).
chaos: install
	$(BIN)/pytest -m chaos

# Property-based fuzzing of every interface, longer than in `make test` (FUZZ_EXAMPLES per
# interface, new cases each run): no HTTP 500, always the envelope, nothing stored if refused.
FUZZ_EXAMPLES ?= 500
fuzz: install
	HYPOTHESIS_PROFILE=fuzz FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/fuzz -m fuzz -x

lint: install
	$(BIN)/ruff check . && $(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix . && $(BIN)/ruff format .

schema: install
	$(BIN)/python manage.py spectacular --fail-on-warn --validate --file docs/openapi.yaml

clean:
	rm -rf $(VENV) var
