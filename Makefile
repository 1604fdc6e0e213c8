# The two commands: `make run` serves the portal with demo data; `make test` runs the whole suite.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
MANAGE := $(PY) manage.py
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install system-packages lint format migrate demo worker bench clean

run:
	@./scripts/system-packages run
	@$(MAKE) --no-print-directory install
	$(MANAGE) make_signing_pair
	$(MANAGE) migrate --noinput
	$(MANAGE) load_catalog
	$(MANAGE) load_demo
	@echo "Serving the portal on http://$(HOST):$(PORT)/ (Ctrl-C to stop)"
	$(MANAGE) runserver $(HOST):$(PORT)

test:
	@./scripts/system-packages test
	@$(MAKE) --no-print-directory install
	$(PY) -m pytest $(PYTEST_ARGS)

install: $(VENV)/.installed node_modules/.installed locale/en/LC_MESSAGES/django.mo

$(VENV)/.installed: pyproject.toml
	@test -x $(PY) || "$$(./scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

locale/en/LC_MESSAGES/django.mo: locale/en/LC_MESSAGES/django.po $(VENV)/.installed
	@command -v msgfmt >/dev/null || ./scripts/system-packages run
	$(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v0

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

worker: install
	$(VENV)/bin/celery -A config worker --loglevel=INFO

bench: install
	$(PY) benchmarks/run.py

bench-%: install
	$(PY) benchmarks/run.py $*

clean:
	rm -rf $(VENV) node_modules staticfiles db.sqlite3
