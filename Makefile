# atiende — one command for each job. GNU make; needs only Python 3.11+.
#
#   make run      start everything (web, worker, scheduler) on http://$(HOST):$(PORT)
#   make test     the test suite on SQLite, then again on DATABASE_URL / REDIS_URL if set
#   make check    ruff, mypy, import-linter, Django checks, migrations, deploy checks
#   make bench    the benchmarks (ONLY=name runs one scenario)
#   make lock     re-pin requirements/*.txt from pyproject.toml (UPGRADE=1 to upgrade)
#   make messages extract and compile translations (es, en) into ./locale

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=
ONLY ?=
UPGRADE ?=

# Stamp files: reinstall only when a lock file or pyproject.toml is newer than the stamp.
BASE_STAMP := $(VENV)/.installed-base
DEV_STAMP := $(VENV)/.installed-dev
ATIENDE := $(BIN)/atiende

PIP_COMPILE_FLAGS := --quiet --strip-extras --no-emit-index-url --no-emit-find-links $(if $(UPGRADE),--upgrade)

.PHONY: help run test check bench lock messages clean \
	check-ruff check-format check-mypy check-imports check-django check-migrations check-deploy

help:
	@echo "make run       start web, worker and scheduler (HOST=$(HOST) PORT=$(PORT))"
	@echo "make test      run the tests on SQLite, and on DATABASE_URL/REDIS_URL when set"
	@echo "make check     lint, format, types, import layers, Django and deploy checks"
	@echo "make bench     run the benchmarks (ONLY=<scenario> for one)"
	@echo "make lock      re-pin requirements/base.txt and requirements/dev.txt (UPGRADE=1)"
	@echo "make messages  update and compile translations in ./locale"
	@echo "make clean     remove caches (keeps .venv and var/)"

# --- virtualenv and dependencies ------------------------------------------------------

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' \
		|| { echo "atiende needs Python 3.11 or newer (PYTHON=$(PYTHON) is older)"; exit 1; }
	$(PYTHON) -m venv $(VENV)

$(BASE_STAMP): requirements/base.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/base.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@

$(DEV_STAMP): requirements/dev.txt pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements/dev.txt
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --no-deps -e .
	@touch $@ $(BASE_STAMP)

# --- run --------------------------------------------------------------------------------

run: $(BASE_STAMP)
	$(ATIENDE) run --host $(HOST) --port $(PORT)

# --- test -------------------------------------------------------------------------------

# First on SQLite with no external service; then, when DATABASE_URL or REDIS_URL is
# set, the whole suite again against them. Both passes always run; the target fails if
# either did. Skips are listed (-ra in pytest.ini); "no tests collected" is a failure.
test: $(DEV_STAMP)
	@status=0; \
	echo "== tests on SQLite (DATABASE_URL and REDIS_URL unset)"; \
	echo "env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)"; \
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS) || status=1; \
	if [ -n "$${DATABASE_URL:-}$${REDIS_URL:-}" ]; then \
		echo "== tests again with DATABASE_URL=$${DATABASE_URL:+$${DATABASE_URL%%:*}://…} REDIS_URL=$${REDIS_URL:+$${REDIS_URL%%:*}://…}"; \
		echo "$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS)"; \
		$(BIN)/pytest -n $(PYTEST_WORKERS) $(PYTEST_ARGS) || status=1; \
	fi; \
	exit $$status

# --- check ------------------------------------------------------------------------------

CHECKS := check-ruff check-format check-mypy check-imports check-django check-migrations check-deploy

# Runs every step even when one fails (-k), then fails if any did.
check: $(DEV_STAMP)
	@$(MAKE) --no-print-directory -k $(CHECKS) \
		&& echo "== make check: all passed" \
		|| { echo "== make check: FAILED (see the steps marked *** above)"; exit 1; }

check-ruff: $(DEV_STAMP)
	@echo "== ruff check"
	$(BIN)/ruff check --output-format concise .

check-format: $(DEV_STAMP)
	@echo "== ruff format --check"
	$(BIN)/ruff format --check --output-format concise .

check-mypy: $(DEV_STAMP)
	@echo "== mypy"
	$(BIN)/mypy

check-imports: $(DEV_STAMP)
	@echo "== import-linter"
	$(BIN)/lint-imports --no-cache

check-django: $(DEV_STAMP)
	@echo "== atiende check"
	$(ATIENDE) check

check-migrations: $(DEV_STAMP)
	@echo "== atiende makemigrations --check"
	$(ATIENDE) makemigrations --check --dry-run

check-deploy: $(DEV_STAMP)
	@echo "== atiende check --deploy (production settings)"
	ATIENDE_ENV=production \
	SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(48))')" \
	ALLOWED_HOSTS=example.com \
	$(ATIENDE) check --deploy --fail-level WARNING

# --- bench ------------------------------------------------------------------------------

bench: $(DEV_STAMP)
	$(BIN)/python bench/run.py $(if $(ONLY),--only $(ONLY))

# --- lock files and translations ----------------------------------------------------------

lock: $(DEV_STAMP)
	$(BIN)/pip-compile $(PIP_COMPILE_FLAGS) --output-file=requirements/base.txt pyproject.toml
	$(BIN)/pip-compile $(PIP_COMPILE_FLAGS) --extra=dev --constraint=requirements/base.txt \
		--output-file=requirements/dev.txt pyproject.toml

# Strings from src/ go to the project catalog in ./locale (first of LOCALE_PATHS).
MESSAGES_IGNORE := --ignore='.venv/*' --ignore='var/*' --ignore='bench/*' --ignore='tests/*' --ignore='build/*'

messages: $(BASE_STAMP)
	mkdir -p locale
	$(ATIENDE) makemessages -l es -l en --no-obsolete $(MESSAGES_IGNORE)
	$(ATIENDE) compilemessages $(MESSAGES_IGNORE)

clean:
	rm -rf .pytest_cache .mypy_cache .ruff_cache .import_linter_cache
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -prune -exec rm -rf {} +
