#!/usr/bin/env bash
# Shared helpers for the cluster scripts (sourced, not run). Pinned versions live here, in one place.
# shellcheck disable=SC2034  # the version variables are used by the scripts that source this file

MINIKUBE_VERSION="v1.37.0"
MINIKUBE_PROFILE="${MINIKUBE_PROFILE:-promotion-board}"
MINIKUBE_KUBERNETES_VERSION="${MINIKUBE_KUBERNETES_VERSION:-v1.34.0}"
ARGOCD_VERSION="v3.5.1"
ARGOCD_INSTALL_URL="https://raw.githubusercontent.com/argoproj/argo-cd/${ARGOCD_VERSION}/manifests/install.yaml"
KARGO_VERSION="1.11.2"
KARGO_CHART="oci://ghcr.io/akuity/kargo-charts/kargo"
CERT_MANAGER_VERSION="v1.18.2"
CERT_MANAGER_URL="https://github.com/cert-manager/cert-manager/releases/download/${CERT_MANAGER_VERSION}/cert-manager.yaml"
ARGO_ROLLOUTS_VERSION="v1.9.1"
ARGO_ROLLOUTS_URL="https://github.com/argoproj/argo-rollouts/releases/download/${ARGO_ROLLOUTS_VERSION}/install.yaml"
POSTGRES_IMAGE="docker.io/library/postgres:17.6-alpine"

KARGO_PROJECT="userapp"
STAGES=(dev stg prod)

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/promotion-board"
# Generated credentials (Kargo admin password, first admin of the app): outside the repository, mode 0600.
STATE_DIR="${XDG_CONFIG_HOME:-$HOME/.config}/promotion-board"

log() { printf '\033[1;34m[%s]\033[0m %s\n' "${SCRIPT_NAME:-script}" "$*" >&2; }
warn() { printf '\033[1;33m[%s] warning:\033[0m %s\n' "${SCRIPT_NAME:-script}" "$*" >&2; }
die() {
  printf '\033[1;31m[%s] error:\033[0m %s\n' "${SCRIPT_NAME:-script}" "$*" >&2
  exit 1
}

need() {
  local cmd
  for cmd in "$@"; do
    command -v "$cmd" >/dev/null 2>&1 || die "'$cmd' is required but not installed"
  done
}

# kubectl, or minikube's bundled one when kubectl is not installed.
kube() {
  if command -v kubectl >/dev/null 2>&1; then
    kubectl "$@"
  else
    minikube -p "$MINIKUBE_PROFILE" kubectl -- "$@"
  fi
}

helm_bin() { "$ROOT/scripts/install-tools.sh" helm; }

random_secret() { openssl rand -hex "${1:-32}"; }

ensure_namespace() {
  kube get namespace "$1" >/dev/null 2>&1 || kube create namespace "$1" >/dev/null
}

secret_exists() { kube -n "$1" get secret "$2" >/dev/null 2>&1; }

# Wait until every Deployment (and StatefulSet) in a namespace has rolled out.
wait_namespace_ready() {
  local ns="$1" timeout="${2:-300s}"
  log "waiting for the workloads in namespace $ns (up to $timeout)"
  kube -n "$ns" wait --for=condition=Available deployment --all --timeout="$timeout" >/dev/null
  if [[ -n "$(kube -n "$ns" get statefulset -o name 2>/dev/null)" ]]; then
    kube -n "$ns" rollout status statefulset --timeout="$timeout" >/dev/null
  fi
}

save_state() {
  local name="$1" value="$2"
  mkdir -p "$STATE_DIR"
  chmod 700 "$STATE_DIR"
  (umask 077 && printf '%s\n' "$value" >"$STATE_DIR/$name")
}

read_state() { [[ -f "$STATE_DIR/$1" ]] && cat "$STATE_DIR/$1"; }

# A value of fork.env (GIT_URL, IMAGE_NAMESPACE, HOST_SUFFIX): the names a fork changes, in one place.
fork_value() {
  local value
  value="$(sed -n "s/^$1=//p" "$ROOT/fork.env")"
  [[ -n "$value" ]] || die "fork.env has no $1"
  printf '%s\n' "$value"
}

# A YAML single-quoted scalar of any text.
yaml_quote() {
  local quote="'"
  printf "'%s'" "${1//$quote/$quote$quote}"
}

# Argo CD's declarative repository credentials (a Secret labelled secret-type=repository in its namespace):
# a private fork is readable with the same GitHub token Kargo pushes with. Prints the manifest.
argocd_repository_secret() {
  local url="$1" username="$2" password="$3"
  cat <<EOF
apiVersion: v1
kind: Secret
metadata:
  name: userapp-repo
  namespace: argocd
  labels:
    argocd.argoproj.io/secret-type: repository
stringData:
  type: git
  url: $(yaml_quote "$url")
  username: $(yaml_quote "$username")
  password: $(yaml_quote "$password")
EOF
}
