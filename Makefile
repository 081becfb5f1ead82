# The assessment service. `make` lists the targets.

PYTHON      ?= python3.11
VENV        ?= .venv
BIN         := $(VENV)/bin
HOST        ?= 127.0.0.1
PORT        ?= 8000
FLASK       := $(BIN)/flask --app app
PYTEST_ARGS ?=
# What `make run` keeps while it runs (metric samples shared by gunicorn and the worker).
RUN_DIR     := .run
BENCH_ARGS  ?=

.DEFAULT_GOAL := help
.PHONY: help install install-test run init-db test bench lint clean stop-db

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-13s %s\n", $$1, $$2}'

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-test: requirements.txt requirements-test.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r requirements-test.txt
	touch $(VENV)/.installed $@

install: $(VENV)/.installed ## Create the virtualenv and install the service

install-test: $(VENV)/.installed-test ## Install what the tests need too

init-db: install ## Apply schema.sql (embedded PostgreSQL unless DATABASE_URL is set)
	$(FLASK) init-db

run: init-db ## Serve on $(HOST):$(PORT) with gunicorn, and the worker beside it (Ctrl-C stops both)
	@echo
	@echo "  Serving on http://$(HOST):$(PORT). First admin token (in another terminal):"
	@echo "    $(FLASK) create-user --name 'Ada Admin' --email ada@example.com --role admin"
	@echo "  The token is the last line it prints; send it as 'Authorization: Bearer <token>'."
	@echo
	@mkdir -p $(RUN_DIR)/metrics
	@export PROMETHEUS_MULTIPROC_DIR=$(CURDIR)/$(RUN_DIR)/metrics; \
	$(FLASK) worker & worker=$$!; \
	trap 'kill $$worker 2>/dev/null; wait $$worker' EXIT; \
	$(BIN)/gunicorn --config gunicorn.conf.py --bind $(HOST):$(PORT) app:app

test: install-test ## Run the whole suite (TEST_DATABASE_URL, or the embedded PostgreSQL)
	$(BIN)/pytest $(PYTEST_ARGS)

bench: install-test ## Measure throughput and latency; BENCH_ARGS=--scale adds 1M submissions (see bench/README.md)
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: install-test ## ruff: lint and format check (the suite runs it too: tests/test_lint.py)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

stop-db: install ## Stop the embedded PostgreSQL (its data stays in .pgdata)
	$(BIN)/python -c "from assessment_service import config; from assessment_service.platform import embedded; embedded.stop(config.Config().EMBEDDED_PGDATA)"

clean: ## Remove the virtualenv and caches (not the database)
	rm -rf $(VENV) .pytest_cache .hypothesis
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
