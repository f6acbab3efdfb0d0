# jiceng — set-up, demo, tests.
#
#   make demo    build the venv, migrate, build the demo city (once), serve on 127.0.0.1:8000
#   make test    everything CI runs: lint, checks, pytest on SQLite and on PostgreSQL

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
JICENG := $(BIN)/jiceng
COMPILEMESSAGES := $(JICENG) compilemessages --ignore=.venv --ignore=var --ignore=node_modules

.DEFAULT_GOAL := help
.PHONY: help venv sysdeps demo test bench lint fmt pg-start pg-stop vendor

help:
	@echo "make demo      set up and serve the demo on http://127.0.0.1:8000"
	@echo "make test      lint + checks + pytest on SQLite and PostgreSQL (what CI runs)"
	@echo "make venv      create .venv and install the project with its test extras"
	@echo "make sysdeps   apt-install what is missing: postgresql, chromium, gettext, pango, CJK fonts, poppler"
	@echo "make lint      ruff check + ruff format --check"
	@echo "make fmt       ruff format + ruff check --fix"
	@echo "make bench     run bench/run.sh (needs wrk)"
	@echo "make pg-start / pg-stop   the throwaway test PostgreSQL on port 54329"
	@echo "make vendor    re-fetch the pinned front-end assets (npm)"

venv: $(STAMP)

# Re-installs only when pyproject.toml is newer than the stamp.
$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "creating $(VENV) with $(PYTHON)"; $(PYTHON) -m venv $(VENV); }
	$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[test]'
	@touch $@

sysdeps:
	@bash scripts/system-deps.sh

demo: venv
	@bash scripts/system-deps.sh gettext libpango-1.0-0 libpangoft2-1.0-0 fonts-noto-cjk
	$(JICENG) migrate --noinput
	$(COMPILEMESSAGES)
	$(JICENG) collectstatic --noinput
	$(JICENG) demo --keep-existing
	$(JICENG) serve

test: venv sysdeps
	bash scripts/test.sh

bench: venv
	@bash scripts/system-deps.sh wrk
	bash bench/run.sh

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

fmt: venv
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

pg-start:
	@bash scripts/pg.sh start

pg-stop:
	@bash scripts/pg.sh stop

vendor:
	bash scripts/vendor-assets.sh
