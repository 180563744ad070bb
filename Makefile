# The front door. `make demo` starts the board; `make test` runs every test against real components.
# Both install what they need on first use (see `make setup`).

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
UV_VERSION := 0.13.8
BOOTSTRAP := .bootstrap
UV := $(BOOTSTRAP)/bin/uv
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 8080
PYTEST_ARGS ?=

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

include mk/delivery.mk

.PHONY: help setup setup-python setup-system setup-testbin test lint format demo bench userapp clean

help: ## List the targets
	@grep -hE '^[a-zA-Z_-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

$(UV):
	$(PYTHON) -m venv $(BOOTSTRAP)
	$(BOOTSTRAP)/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

$(VENV)/.synced: $(UV) uv.lock pyproject.toml userapp/backend/pyproject.toml
	$(UV) sync --frozen --all-packages --python $(PYTHON)
	touch $@

setup-python: $(VENV)/.synced ## Python virtualenv with the locked dependencies (uv)

setup-system: ## Debian packages: PostgreSQL, Chromium, git (only the missing ones)
	scripts/install-system-deps.sh

setup-testbin: ## Build (or reuse) the real kube-apiserver + etcd from the Go module proxy
	scripts/build-k8s-testbin.sh >/dev/null

setup: setup-system setup-python setup-testbin tools ## Everything the tests and the demo need

test: setup ## Run every test suite against real PostgreSQL, kube-apiserver and Chromium
	scripts/run-tests.sh $(PYTEST_ARGS)

lint: setup-python ## black, ruff, pylint, pyright
	$(VENV)/bin/black --check --diff .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pylint dashboard userapp/backend/user_service tests bench
	$(VENV)/bin/pyright

format: setup-python ## Reformat the Python code (black + ruff --fix)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/black .

demo: setup-python ## Start the promotion board on the embedded simulator (a new build every 45 s)
	DASHBOARD_SIMULATOR_FREIGHT_INTERVAL=$${DASHBOARD_SIMULATOR_FREIGHT_INTERVAL:-45} $(PY) -m dashboard serve --port $(PORT)

bench: setup-python ## Benchmarks that print their numbers (board build + render per change)
	$(PY) -m bench.board_render

userapp: setup-python ## Start the user service locally (SQLite by default, or DATABASE_URL) and print its URL
	APP_ENV=$${APP_ENV:-development} $(VENV)/bin/user-service serve --migrate --port $${USERAPP_PORT:-8000}

clean: ## Remove the virtualenvs (the kube-apiserver cache in ~/.cache is kept)
	rm -rf $(VENV) $(BOOTSTRAP)
