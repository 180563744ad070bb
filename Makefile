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
FRONTEND := userapp/frontend
NPM ?= npm

export UV_PYTHON_DOWNLOADS := never
export UV_PROJECT_ENVIRONMENT := $(CURDIR)/$(VENV)

include mk/delivery.mk

.PHONY: help setup setup-python setup-system setup-testbin setup-kargo setup-lab setup-lab-uis setup-oracle setup-frontend frontend-build test lint format \
	demo bench bench-board bench-viewers bench-vs-kargo bench-userapp bench-ci userapp frontend clean

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

setup-kargo: ## Build (or reuse) the real Kargo control plane, the OCI registry and crane (test harness)
	scripts/build-kargo.sh >/dev/null

setup-lab: ## Build (or reuse) the lab's controllers: kube-controller-manager, kube-scheduler, KWOK, Argo CD, Argo Rollouts
	scripts/build-lab.sh >/dev/null

setup-lab-uis: ## Build (or reuse) the real Argo CD and Kargo UIs and the servers embedding them (`make lab UIS=1`)
	scripts/build-lab-uis.sh >/dev/null

setup-oracle: ## Build (or reuse) the Kargo oracles of the model tests (Kargo's own Go code, its UI's phase rule)
	scripts/build-kargo-oracle.sh >/dev/null

# npm ci only when the lockfile changed since the last install (the stamp lives in node_modules, which npm ci
# empties first).
$(FRONTEND)/node_modules/.installed: $(FRONTEND)/package-lock.json $(FRONTEND)/package.json
	@command -v $(NPM) >/dev/null || { echo "$(NPM) not found: install Node.js >= 20.19 with npm" >&2; exit 1; }
	cd $(FRONTEND) && $(NPM) ci --no-audit --no-fund
	touch $@

setup-frontend: $(FRONTEND)/node_modules/.installed ## Front-end packages from the committed package-lock.json (npm ci)

FRONTEND_SOURCES := $(shell find $(FRONTEND)/src -type f 2>/dev/null) \
	$(addprefix $(FRONTEND)/,index.html vite.config.ts tsconfig.json)

$(FRONTEND)/dist/index.html: $(FRONTEND)/node_modules/.installed $(FRONTEND_SOURCES)
	cd $(FRONTEND) && $(NPM) run build

frontend-build: $(FRONTEND)/dist/index.html ## Production build of the front end (dist/), when its sources changed

setup: setup-system setup-python setup-testbin setup-kargo setup-lab setup-lab-uis setup-oracle tools setup-frontend ## Everything the tests and the demo need

test: setup ## Run every test suite against real PostgreSQL, kube-apiserver and Chromium
	scripts/run-tests.sh $(PYTEST_ARGS)

lint: setup-python setup-frontend ## black, ruff, pylint, pyright; eslint, prettier and tsc for the front end
	$(VENV)/bin/black --check --diff .
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pylint dashboard userapp/backend/user_service tests bench
	$(VENV)/bin/pyright
	cd $(FRONTEND) && $(NPM) run --silent lint && $(NPM) run --silent typecheck

format: setup-python setup-frontend ## Reformat the code (black + ruff --fix; prettier for the front end)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/black .
	cd $(FRONTEND) && $(NPM) run --silent format

demo: setup-python ## Start the promotion board on the embedded simulator (a new build every 45 s)
	DASHBOARD_SIMULATOR_FREIGHT_INTERVAL=$${DASHBOARD_SIMULATOR_FREIGHT_INTERVAL:-45} $(PY) -m dashboard serve --port $(PORT)

# The whole pipeline on this machine (scripts/lab.py): real Kargo, Argo CD, Argo Rollouts, KWOK's simulated Nodes
# (no container runs), a registry, a Git server and the board, all on 127.0.0.1.
# `make lab UIS=1` (or LAB_UIS=1 in the environment) also serves the Argo CD and Kargo UIs.
.PHONY: lab lab-push lab-down lab-status backup-video
LAB_UIS ?= $(UIS)
lab: setup-python setup-testbin setup-kargo setup-lab $(if $(filter-out 0,$(LAB_UIS)),setup-lab-uis) ## Start the lab (Kargo + Argo CD + Rollouts + KWOK + board; UIS=1: their UIs) and push a first build
	LAB_UIS=$(LAB_UIS) $(PY) -m scripts.lab up

lab-push: setup-python ## Push a new build (both images, a new 8-hex tag) to the running lab; BUILD=error: the talk's error build
	$(PY) -m scripts.lab push $(if $(BUILD),--build "$(BUILD)")

lab-down: setup-python ## Stop the running lab
	$(PY) -m scripts.lab down

lab-status: setup-python ## Memory and CPU of every process of the running lab
	$(PY) -m scripts.lab status

# The talk's backup: the whole story on the lab (the running one, else its own) filmed into an MP4.
VIDEO_FILE ?= videos/backup-$(shell date -u +%Y%m%dT%H%M%SZ).mp4
backup-video: setup-system setup-python setup-testbin setup-kargo setup-lab ## Film the lab's whole story (push, QA, PO, error build, rollback) from the projector into VIDEO_FILE
	$(PY) -m scripts.backup_video --out "$(VIDEO_FILE)"

# The demo tools (demo/README.md): rehearse without a cluster, record a dry run, replay it anywhere.
.PHONY: rehearse record replay
RECORD_FILE ?= recordings/$(shell date -u +%Y%m%dT%H%M%SZ).jsonl
REPLAY_FILE ?= demo/recordings/sample.jsonl.gz
SPEED ?= 1

rehearse: setup-python ## Practise the talk on the simulator: Enter advances the story (CI, QA, PO, error, fix)
	$(PY) -m dashboard rehearse --port $(PORT)

# Without KUBECONFIG, `make record` records the running lab (`make lab`) through its admin kubeconfig.
record: setup-python ## Record the cluster's Kargo/Argo CD changes to RECORD_FILE until Ctrl-C (KUBECONFIG, else the lab)
	@kubeconfig="$${KUBECONFIG:-$$($(PY) -m scripts.lab kubeconfig)}" || exit 2; \
	echo "$(PY) -m dashboard record --out $(RECORD_FILE) --kubeconfig $$kubeconfig"; \
	exec $(PY) -m dashboard record --out "$(RECORD_FILE)" --kubeconfig "$$kubeconfig"

replay: setup-python ## Serve the board from REPLAY_FILE (default: a sample) at SPEED (default 1), no cluster
	$(PY) -m dashboard replay "$(REPLAY_FILE)" --speed "$(SPEED)" --port $(PORT)

# A login for the board's users file (README "Roles, logins and the audit log"); the password is asked for.
.PHONY: board-user
board-user: setup-python ## Print a users.yaml entry for the board: make board-user NAME=ana ROLE=qa|po|admin
	$(PY) -m dashboard hash-password --name "$(NAME)" --role "$(ROLE)"

bench: bench-board bench-viewers ## The board's benchmarks: (a) build + render per change, (b)-(d) viewers

bench-board: setup-python ## Board benchmark (a): model build + render per change, 500 freight x 10 stages
	$(PY) -m bench.board_render

bench-viewers: setup-python setup-testbin setup-kargo ## Board benchmarks (b)-(d): 500 viewers, API reads, change->viewer delay
	K8S_TESTBIN_DIR="$$(scripts/build-k8s-testbin.sh 2>/dev/null)" $(PY) -m bench.board_viewers

bench-vs-kargo: setup-python setup-testbin setup-kargo ## The board's stream vs Kargo API's WatchStages: 10/100/500 viewers
	K8S_TESTBIN_DIR="$$(scripts/build-k8s-testbin.sh 2>/dev/null)" $(PY) -m bench.vs_kargo $(BENCH_ARGS)

bench-userapp: setup-system setup-python ## User service vs the talk's original service and a bare endpoint, 32 clients
	$(PY) -m bench.userapp_api $(BENCH_ARGS)

bench-ci: setup-python ## CI's push path (job images on main) run here in order: cold and warm build times
	$(PY) -m bench.ci_push_path

userapp: setup-python ## Start the user service locally (SQLite by default, or DATABASE_URL) and print its URL
	APP_ENV=$${APP_ENV:-development} $(VENV)/bin/user-service serve --migrate --port $${USERAPP_PORT:-8000}

frontend: setup-frontend ## Serve the front end (Vite, live reload) on :5173 against `make userapp` (USERAPP_URL)
	cd $(FRONTEND) && $(NPM) run dev

clean: ## Remove the virtualenvs and the front end's node_modules and dist (~/.cache is kept)
	rm -rf $(VENV) $(BOOTSTRAP) $(FRONTEND)/node_modules $(FRONTEND)/dist
