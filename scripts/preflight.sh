#!/usr/bin/env bash
# The talk's pre-flight checklist (presentation/runbook.md, section 3), automated: one PASS, FAIL or SKIP line
# per item, each FAIL or SKIP with the fix in one sentence; exit 1 if any item failed. Read-only: it changes
# nothing, in the cluster or anywhere else.
#
# Cluster checks use kubectl's usual configuration (KUBECONFIG or ~/.kube/config, its current context), so they
# run against minikube (make cluster-up), the lab or any other cluster. In-cluster components that a cluster
# may run elsewhere (ingress-nginx, cert-manager, the controllers' Deployments) are required only on the
# minikube profile; elsewhere they are SKIPped when absent and what they do is checked instead (Warehouse,
# Applications, Stages).
#
# Without KUBECONFIG, `make preflight` checks the running lab (make lab): `python -m scripts.lab preflight-env`
# prints every setting below for it.
#
# Settings (environment variables):
#   PREFLIGHT_GIT_URL          the GitOps repository (default: GIT_URL in fork.env)
#   PREFLIGHT_IMAGE_NAMESPACE  registry host and namespace of the images (default: IMAGE_NAMESPACE in fork.env)
#   PREFLIGHT_RECORDING        the dress rehearsal's recording for make replay (default: $HOME/ensaio.jsonl)
#   PREFLIGHT_TMUX_SESSION     the tmux session of the terminal layout (default: palestra)
#   PREFLIGHT_BOARD_URL        the board's URL, checked at /healthz when set (e.g. http://board.<IP>.nip.io)
#   PREFLIGHT_REGISTRY_URL     the registry's API base URL, when IMAGE_NAMESPACE's host alone does not say it (a
#                              lab's registry on 127.0.0.1 speaks TLS: https://127.0.0.1:<port>)
#   PREFLIGHT_CA_FILE          a CA bundle to trust for the Git server and the registry (a lab's own CA)
#   PREFLIGHT_REGISTRY_CREDENTIALS  user:password for a registry that wants a login to list tags (read from the
#                              environment and handed to curl on its standard input, never on its command line)
#   PREFLIGHT_GIT_CREDENTIALS  user:token for a Git server that wants a login to list branches (handed to git
#                              through its environment configuration, never in the URL or on a command line)
#   PREFLIGHT_TIMEOUT          seconds for each network or cluster call (default: 5)
set -euo pipefail
shopt -s inherit_errexit
SCRIPT_NAME="preflight"
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

GIT_URL="${PREFLIGHT_GIT_URL:-$(fork_value GIT_URL)}"
IMAGE_NAMESPACE="${PREFLIGHT_IMAGE_NAMESPACE:-$(fork_value IMAGE_NAMESPACE)}"
RECORDING="${PREFLIGHT_RECORDING:-$HOME/ensaio.jsonl}"
TMUX_SESSION="${PREFLIGHT_TMUX_SESSION:-palestra}"
BOARD_URL="${PREFLIGHT_BOARD_URL:-}"
TIMEOUT="${PREFLIGHT_TIMEOUT:-5}"
CA_FILE="${PREFLIGHT_CA_FILE:-}"
if [[ -n "$CA_FILE" ]]; then
  [[ -r "$CA_FILE" ]] || die "PREFLIGHT_CA_FILE: cannot read '$CA_FILE'"
  export GIT_SSL_CAINFO="$CA_FILE"
fi
if [[ -n "${PREFLIGHT_GIT_CREDENTIALS:-}" ]]; then
  [[ "$PREFLIGHT_GIT_CREDENTIALS" == ?*:?* ]] || die "PREFLIGHT_GIT_CREDENTIALS must be user:token"
  # Basic auth as an extra header from git's environment config (git >= 2.31): the URL the checklist prints
  # stays free of the token, and no prompt is needed.
  export GIT_CONFIG_COUNT=1 GIT_CONFIG_KEY_0=http.extraHeader
  GIT_CONFIG_VALUE_0="Authorization: Basic $(printf '%s' "$PREFLIGHT_GIT_CREDENTIALS" | base64 -w0)"
  export GIT_CONFIG_VALUE_0
fi
[[ "$TIMEOUT" =~ ^[1-9][0-9]*$ ]] || die "PREFLIGHT_TIMEOUT must be a whole number of seconds, got '$TIMEOUT'"
IMAGES=(userapp-backend userapp-frontend)
TERMINAL_WINDOWS=(slides notas comandos pods)
# A check function exits with SKIP when its item does not apply here; its last output line says why.
SKIP=3

if [[ -t 1 ]]; then
  GREEN=$'\033[1;32m' RED=$'\033[1;31m' YELLOW=$'\033[1;33m' PLAIN=$'\033[0m'
else
  GREEN="" RED="" YELLOW="" PLAIN=""
fi
failures=0
skips=0

# report STATUS ITEM REASON FIX: one line; the fix only when the item is not a PASS.
report() {
  local status="$1" item="$2" reason="$3" fix="$4" color
  case "$status" in
    PASS) color="$GREEN" ;;
    FAIL) color="$RED" failures=$((failures + 1)) ;;
    SKIP) color="$YELLOW" skips=$((skips + 1)) ;;
  esac
  printf '  %s%s%s  %s' "$color" "$status" "$PLAIN" "$item"
  [[ -n "$reason" ]] && printf ' (%s)' "$reason"
  [[ "$status" != PASS && -n "$fix" ]] && printf ' -> fix: %s' "$fix"
  printf '\n'
}

# check ITEM FIX COMMAND...: PASS when the command succeeds, SKIP when it exits with $SKIP, FAIL otherwise.
# The command's last output line is the reason; a line "fix: ..." replaces the default fix.
check() {
  local item="$1" fix="$2" out rc=0 reason own_fix
  shift 2
  out="$("$@" 2>&1)" || rc=$?
  own_fix="$(sed -n 's/^fix: //p' <<<"$out" | tail -1)"
  reason="$(grep -v '^fix: ' <<<"$out" | grep -v '^[[:space:]]*$' | tail -1 | cut -c1-160)" || true
  fix="${own_fix:-$fix}"
  if ((rc == 0)); then
    report PASS "$item" "" ""
  elif ((rc == SKIP)); then
    report SKIP "$item" "$reason" "$fix"
  else
    report FAIL "$item" "$reason" "$fix"
  fi
}

section() { printf '%s\n' "$1"; }

# ---- the talk's tools ------------------------------------------------------------------------------------

presenterm_bin() {
  "$ROOT/scripts/install-presenterm.sh" --cached 2>/dev/null || command -v presenterm
}

presenterm_installed() {
  local bin
  bin="$(presenterm_bin)" || {
    echo "presenterm is neither in the tools cache nor on PATH"
    return 1
  }
  "$bin" --version
}

slides_export() {
  local bin out
  bin="$(presenterm_bin)" || {
    echo "presenterm is not installed"
    echo "fix: make presenterm"
    return "$SKIP"
  }
  out="$(mktemp -d)"
  # shellcheck disable=SC2064  # expand now: $out is local
  trap "rm -rf '$out'" RETURN
  "$bin" --config-file "$ROOT/presentation/presenterm.yaml" --export-html --export-temporary-path "$out/tmp" \
    --output "$out/slides.html" "$ROOT/presentation/slides.md" </dev/null >/dev/null
  [[ -s "$out/slides.html" ]] || {
    echo "presenterm wrote no HTML"
    return 1
  }
}

terminal_layout() {
  command -v tmux >/dev/null || {
    echo "tmux is not installed"
    echo "fix: install tmux (Debian: apt-get install tmux), then run make demo-terminal"
    return 1
  }
  local windows missing=()
  windows="$(tmux list-windows -t "=$TMUX_SESSION" -F '#{window_name}' 2>&1)" || {
    echo "no tmux session '$TMUX_SESSION'"
    return 1
  }
  for window in "${TERMINAL_WINDOWS[@]}"; do
    grep -qx "$window" <<<"$windows" || missing+=("$window")
  done
  ((${#missing[@]} == 0)) || {
    echo "session '$TMUX_SESSION' lacks the window(s) ${missing[*]}"
    return 1
  }
}

recording_present() {
  [[ -s "$RECORDING" ]] || {
    echo "no recording at $RECORDING"
    return 1
  }
  # The replay command reads it (a JSON lines file, optionally gzipped): at least one line must parse.
  local first
  # (head stops reading early: the decompressor's broken pipe is expected, not an error.)
  if [[ "$RECORDING" == *.gz ]]; then
    first="$(gzip -dc "$RECORDING" 2>/dev/null | head -1)" || true
  else
    first="$(head -1 "$RECORDING")"
  fi
  [[ "$first" == "{"*"}" ]] || {
    echo "$RECORDING does not start with a JSON object"
    return 1
  }
}

# ---- network, repository, images, CI ---------------------------------------------------------------------

is_local_path() { [[ "$GIT_URL" != *://* && "$GIT_URL" != *@*:* ]]; }

git_reachable() {
  GIT_TERMINAL_PROMPT=0 timeout "$TIMEOUT" git ls-remote --heads "$GIT_URL" >/dev/null
}

registry_host() {
  local host="${IMAGE_NAMESPACE%%/*}"
  [[ "$host" == docker.io ]] && host="registry-1.docker.io"
  printf '%s\n' "$host"
}

# curl with the timeout, the CA file and (when set) the registry login, given on standard input.
fetch() {
  local config=""
  [[ -n "${PREFLIGHT_REGISTRY_CREDENTIALS:-}" ]] &&
    config="user = \"${PREFLIGHT_REGISTRY_CREDENTIALS//\"/\\\"}\""
  printf '%s\n' "$config" | curl -K - -sS --max-time "$TIMEOUT" ${CA_FILE:+--cacert "$CA_FILE"} "$@"
}

# Any HTTP answer (even 401) means the server is reachable.
http_answers() { fetch -o /dev/null "$1"; }

registry_base_url() {
  local host
  if [[ -n "${PREFLIGHT_REGISTRY_URL:-}" ]]; then
    printf '%s\n' "${PREFLIGHT_REGISTRY_URL%/}"
    return
  fi
  host="$(registry_host)"
  case "$host" in
    localhost:* | 127.* | localhost) printf 'http://%s\n' "$host" ;;
    *) printf 'https://%s\n' "$host" ;;
  esac
}

registry_reachable() { http_answers "$(registry_base_url)/v2/"; }

demo_branches_pushed() {
  local remote expected=() missing=() dir
  remote="$(GIT_TERMINAL_PROMPT=0 timeout "$TIMEOUT" git ls-remote --heads "$GIT_URL" 'refs/heads/demo/*')" || {
    echo "cannot list the branches of $GIT_URL"
    return 1
  }
  for dir in "$ROOT"/demo/scenarios/*/; do
    expected+=("demo/$(basename "$dir")")
  done
  for branch in "${expected[@]}"; do
    grep -q "refs/heads/$branch\$" <<<"$remote" || missing+=("$branch")
  done
  ((${#missing[@]} == 0)) || {
    echo "missing on the remote: ${missing[*]}"
    return 1
  }
}

# The tags of IMAGE_NAMESPACE/NAME: Docker Hub's API for docker.io, the registry API (v2) elsewhere.
image_tags() {
  local name="$1" path="${IMAGE_NAMESPACE#*/}"
  if [[ "${IMAGE_NAMESPACE%%/*}" == docker.io ]]; then
    fetch -f "https://hub.docker.com/v2/repositories/$path/$name/tags?page_size=25"
  else
    fetch -f "$(registry_base_url)/v2/$path/$name/tags/list"
  fi
}

image_published() {
  local tags
  tags="$(image_tags "$1")" || {
    echo "cannot list the tags of $IMAGE_NAMESPACE/$1"
    return 1
  }
  grep -Eq '"[a-f0-9]{8}"' <<<"$tags" || {
    echo "no tag of 8 hex digits (a commit's short SHA) yet"
    return 1
  }
}

github_repo() {
  [[ "$GIT_URL" =~ ^https://github\.com/([^/]+/[^/]+)$ || "$GIT_URL" =~ ^git@github\.com:([^/]+/[^/]+)$ ]] || return 1
  printf '%s\n' "${BASH_REMATCH[1]%.git}"
}

ci_secrets() {
  local repo secrets missing=()
  repo="$(github_repo)" || {
    echo "the repository is not on GitHub, where the CI runs"
    return "$SKIP"
  }
  command -v gh >/dev/null || {
    echo "GitHub's CLI (gh) is not installed"
    return "$SKIP"
  }
  secrets="$(timeout "$TIMEOUT" gh secret list --repo "$repo" 2>&1)" || {
    echo "gh cannot list the secrets of $repo: $(tail -1 <<<"$secrets")"
    echo "fix: run gh auth login with an account that administers $repo"
    return 1
  }
  for secret in DOCKERHUB_USERNAME DOCKERHUB_TOKEN; do
    grep -q "^$secret\b" <<<"$secrets" || missing+=("$secret")
  done
  ((${#missing[@]} == 0)) || {
    echo "missing: ${missing[*]}"
    return 1
  }
}

# ---- the cluster -----------------------------------------------------------------------------------------

k() { kube --request-timeout="${TIMEOUT}s" "$@"; }

kubectl_present() {
  command -v kubectl >/dev/null || command -v minikube >/dev/null || {
    echo "neither kubectl nor minikube is on PATH"
    return 1
  }
}

on_minikube() { [[ "$(k config current-context 2>/dev/null)" == "$MINIKUBE_PROFILE" ]]; }

# Every Deployment of a namespace has Available=True. Outside minikube, a namespace without Deployments is a
# component that runs elsewhere (the lab runs the controllers as processes): SKIP.
deployments_available() {
  local ns="$1" states
  states="$(k -n "$ns" get deployments \
    -o jsonpath='{range .items[*]}{.metadata.name}={.status.conditions[?(@.type=="Available")].status}{"\n"}{end}')"
  if [[ -z "$states" ]]; then
    if on_minikube; then
      echo "no Deployment in namespace $ns"
      return 1
    fi
    echo "no Deployment in namespace $ns: not run inside this cluster"
    return "$SKIP"
  fi
  local not_ready
  not_ready="$(grep -v '=True$' <<<"$states" | cut -d= -f1 | paste -sd' ')" || true
  [[ -z "$not_ready" ]] || {
    echo "not Available: $not_ready"
    return 1
  }
}

condition_true() { # KIND NAME CONDITION
  local state message
  state="$(k -n "$KARGO_PROJECT" get "$1" "$2" -o jsonpath="{.status.conditions[?(@.type==\"$3\")].status}")"
  [[ "$state" == "True" ]] || {
    message="$(k -n "$KARGO_PROJECT" get "$1" "$2" -o jsonpath="{.status.conditions[?(@.type==\"$3\")].message}")"
    echo "$3=${state:-unset}${message:+: $message}"
    return 1
  }
}

warehouse_ready() { condition_true warehouses.kargo.akuity.io userapp Ready; }
stage_ready() { condition_true stages.kargo.akuity.io "$1" Ready; }

# The Freight the stage runs counts as verified in it (status.verifiedIn of that Freight).
stage_verified() {
  local freight verified
  freight="$(k -n "$KARGO_PROJECT" get stages.kargo.akuity.io "$1" \
    -o jsonpath='{.status.freightHistory[0].items.*.name}')"
  [[ -n "$freight" ]] || {
    echo "the Stage has no Freight yet"
    return 1
  }
  verified="$(k -n "$KARGO_PROJECT" get freights.kargo.akuity.io "$freight" -o jsonpath="{.status.verifiedIn.$1}")"
  [[ -n "$verified" ]] || {
    echo "Freight $freight is not verified in $1"
    return 1
  }
}

app_healthy() {
  local state
  state="$(k -n argocd get applications.argoproj.io "$1" -o jsonpath='{.status.sync.status}/{.status.health.status}')"
  [[ "$state" == "Synced/Healthy" ]] || {
    echo "sync/health is ${state:-unknown}"
    return 1
  }
}

# Outside minikube, a Stage without the StatefulSet has its database elsewhere (the lab runs none: no
# container runs there): SKIP.
database_ready() {
  local ready
  if ! on_minikube && ! k -n "$1" get statefulset userapp-postgres >/dev/null 2>&1; then
    echo "no StatefulSet userapp-postgres in namespace $1: the database is not run inside this cluster"
    return "$SKIP"
  fi
  ready="$(k -n "$1" get statefulset userapp-postgres -o jsonpath='{.status.readyReplicas}')"
  ((${ready:-0} >= 1)) || {
    echo "StatefulSet userapp-postgres has no ready replica"
    return 1
  }
}

# No pod of the namespace waits on an image it cannot pull.
images_pulled() {
  local waiting
  waiting="$(k -n "$1" get pods \
    -o jsonpath='{range .items[*]}{range .status.containerStatuses[*]}{.state.waiting.reason}{"\n"}{end}{end}')"
  if grep -Eq 'ErrImagePull|ImagePullBackOff|InvalidImageName' <<<"$waiting"; then
    echo "a pod cannot pull its image"
    return 1
  fi
}

optional_namespace() { # NAMESPACE: SKIP outside minikube when it does not exist
  on_minikube || k get namespace "$1" >/dev/null 2>&1 || {
    echo "no namespace $1 in this cluster (not minikube)"
    return "$SKIP"
  }
  deployments_available "$1"
}

board_answers() { curl -fsS -o /dev/null --max-time "$TIMEOUT" "${BOARD_URL%/}/healthz"; }

# ---- the checklist ---------------------------------------------------------------------------------------

cluster_checks() {
  section "Argo CD and Kargo"
  check "ingress-nginx available" "on minikube: minikube addons enable ingress -p $MINIKUBE_PROFILE" \
    optional_namespace ingress-nginx
  check "cert-manager available" "make kargo-install (it installs cert-manager first)" \
    optional_namespace cert-manager
  check "Argo CD $ARGOCD_VERSION available" "make argocd-install" deployments_available argocd
  check "Argo Rollouts available (verification)" "make kargo-install" deployments_available argo-rollouts
  check "Kargo $KARGO_VERSION available" "make kargo-install" deployments_available kargo
  check "Warehouse userapp Ready" \
    "kubectl -n $KARGO_PROJECT describe warehouse userapp shows why; scripts/demo-refresh-warehouse.sh retries" \
    warehouse_ready
  for stage in "${STAGES[@]}"; do
    section "Stage $stage"
    check "database ready in $stage" "scripts/start-database.sh" database_ready "$stage"
    check "Application userapp-$stage Synced and Healthy" \
      "see kubectl -n argocd get app userapp-$stage -o yaml (status.conditions, status.operationState.message)" \
      app_healthy "userapp-$stage"
    check "images pulled in $stage" "kubectl -n $stage describe pods names the image; publish it (CI on main)" \
      images_pulled "$stage"
    check "Kargo Stage $stage Ready" \
      "kubectl -n $KARGO_PROJECT get stage $stage -o jsonpath='{.status.conditions}' says why" stage_ready "$stage"
    check "current Freight verified in $stage" \
      "wait for the verification or promote a verified Freight to $stage (section 1.4 of the runbook)" \
      stage_verified "$stage"
  done
  section "Promotion board"
  check "promotion-board available" "make dashboard-deploy" deployments_available promotion-board
}

echo "Pre-flight checklist"
section "Talk tools"
check "presenterm installed" "make presenterm (builds the pinned presenterm once)" presenterm_installed
check "slides render (presenterm export)" "presenterm -c presentation/presenterm.yaml --export-html presentation/slides.md names the broken slide" \
  slides_export
check "terminal layout (tmux session $TMUX_SESSION)" "make demo-terminal" terminal_layout
check "backup recording $RECORDING" "record the dress rehearsal: make record RECORD_FILE=$RECORDING" \
  recording_present

section "Network, repository and CI"
if is_local_path; then
  report SKIP "network access to the Git server" "the repository is a local path: $GIT_URL" ""
else
  check "network access to the Git server of $GIT_URL" "check the venue's network (or a phone hotspot)" git_reachable
fi
check "network access to the registry $(registry_host)" "check the venue's network (or a phone hotspot)" \
  registry_reachable
check "demo branches pushed to $GIT_URL" "scripts/demo-branches.sh --push origin" demo_branches_pushed
check "CI secrets DOCKERHUB_USERNAME and DOCKERHUB_TOKEN" \
  "install gh and run gh auth login to check them, or look at Settings > Secrets and variables > Actions" \
  ci_secrets
for image in "${IMAGES[@]}"; do
  check "$IMAGE_NAMESPACE/$image published (short-SHA tag)" \
    "push a commit to main so that CI publishes it (README, The first images)" image_published "$image"
done

section "Cluster (context: $(k config current-context 2>/dev/null || echo none))"
check "kubectl installed" "install kubectl (or minikube, whose bundled kubectl the scripts use)" kubectl_present
check "Kubernetes API answers /readyz" "start the cluster: make cluster-up (or make lab), and check KUBECONFIG" \
  k get --raw /readyz
if kubectl_present >/dev/null 2>&1 && k get --raw /readyz >/dev/null 2>&1; then
  cluster_checks
else
  report SKIP "Argo CD, Kargo, Stages and the board" "the cluster does not answer" "start the cluster first"
fi
if [[ -n "$BOARD_URL" ]]; then
  check "board answers at $BOARD_URL/healthz" "make dashboard-deploy, then check the port-forward (runbook 1.5)" \
    board_answers
fi

echo
if ((failures > 0)); then
  printf '%s%d check(s) failed%s, %d skipped.\n' "$RED" "$failures" "$PLAIN" "$skips"
  exit 1
fi
printf '%sAll checks passed%s (%d skipped): ready for the talk.\n' "$GREEN" "$PLAIN" "$skips"
