# assay: the two commands a newcomer needs are `make demo` and `make test`.
# Both do their own set-up: Python packages (uv), then the local stack (Kafka, S3 server, Airflow).

SHELL := /bin/bash
UV_VERSION := 0.13.8
export PATH := $(HOME)/.local/bin:$(PATH)
UV := uv
RUN := $(UV) run --locked --extra full

.PHONY: help install stack demo test test-unit lint format bench down status clean

help:  ## List the targets.
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

install:  ## Install uv (pinned) and every locked dependency into .venv.
	@command -v $(UV) >/dev/null || python3 -m pip install --quiet "uv==$(UV_VERSION)"
	@infra/check-prerequisites.sh
	@infra/install-system-packages.sh
	$(UV) sync --locked --extra full

stack: install  ## Start Kafka, the S3 server and Airflow (idempotent).
	$(RUN) assay stack up

demo: stack  ## The main job: a simulated factory with known faults through Kafka, Airflow and S3, checked.
	$(RUN) assay demo

test: stack  ## Lint-free code, unit tests and integration tests on the real stack.
	@# the collector the integration tests run (infra/telegraf/): built once, then cached
	$(RUN) assay stack telegraf
	$(RUN) pytest

test-unit: install  ## Unit tests only (no services).
	$(RUN) pytest tests/unit

lint: install  ## ruff (lint and format check), mypy, and the layer rules (import-linter).
	$(RUN) ruff check .
	$(RUN) ruff format --check .
	$(RUN) mypy
	$(RUN) lint-imports --no-cache

format: install  ## Apply ruff's fixes and formatting.
	$(RUN) ruff check --fix .
	$(RUN) ruff format .

bench: stack  ## The benchmarks at a small size against their peers: one table, bench/results/suite.json.
	$(RUN) python -m bench --small

status:  ## Show the stack's services.
	$(RUN) assay stack status

down:  ## Stop the stack's processes.
	$(RUN) assay stack down

clean: down  ## Stop the stack and delete its state folder (.assay).
	rm -rf .assay
