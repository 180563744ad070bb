#!/usr/bin/env bash
# Start (or reuse) the demo's minikube cluster with the ingress addon, at pinned versions.
# Usage: scripts/setup-minikube.sh          # install minikube if needed, start the cluster
#        scripts/setup-minikube.sh --down   # stop the cluster (keeps its state)
#        scripts/setup-minikube.sh --delete # delete the cluster
# Env: MINIKUBE_DRIVER (default docker), MINIKUBE_CPUS (4), MINIKUBE_MEMORY (8192), MINIKUBE_PROFILE.
set -euo pipefail
SCRIPT_NAME="setup-minikube"
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

install_minikube() {
  local dest="$CACHE_ROOT/tools/minikube-$MINIKUBE_VERSION" os arch url
  if command -v minikube >/dev/null 2>&1 && minikube version --short 2>/dev/null | grep -qx "$MINIKUBE_VERSION"; then
    return
  fi
  if [[ -x "$dest/minikube" ]]; then
    export PATH="$dest:$PATH"
    return
  fi
  need curl sha256sum
  os="$(uname -s | tr '[:upper:]' '[:lower:]')"
  arch="$(uname -m)"
  case "$arch" in x86_64) arch=amd64 ;; aarch64 | arm64) arch=arm64 ;; esac
  url="https://github.com/kubernetes/minikube/releases/download/${MINIKUBE_VERSION}/minikube-${os}-${arch}"
  log "downloading minikube $MINIKUBE_VERSION ($os/$arch) into $dest"
  mkdir -p "$dest"
  curl -fsSL -o "$dest/minikube.tmp" "$url"
  echo "$(curl -fsSL "$url.sha256")  $dest/minikube.tmp" | sha256sum --check --quiet
  chmod +x "$dest/minikube.tmp"
  mv "$dest/minikube.tmp" "$dest/minikube"
  export PATH="$dest:$PATH"
}

case "${1:-up}" in
  --down)
    log "stopping minikube profile $MINIKUBE_PROFILE"
    minikube stop -p "$MINIKUBE_PROFILE"
    exit 0
    ;;
  --delete)
    log "deleting minikube profile $MINIKUBE_PROFILE"
    minikube delete -p "$MINIKUBE_PROFILE"
    exit 0
    ;;
  up) ;;
  *) die "usage: $0 [--down|--delete]" ;;
esac

install_minikube
log "minikube $(minikube version --short)"

if minikube status -p "$MINIKUBE_PROFILE" >/dev/null 2>&1; then
  log "cluster $MINIKUBE_PROFILE is already running"
else
  log "starting cluster $MINIKUBE_PROFILE (Kubernetes $MINIKUBE_KUBERNETES_VERSION)"
  minikube start -p "$MINIKUBE_PROFILE" \
    --kubernetes-version="$MINIKUBE_KUBERNETES_VERSION" \
    --driver="${MINIKUBE_DRIVER:-docker}" \
    --cpus="${MINIKUBE_CPUS:-4}" \
    --memory="${MINIKUBE_MEMORY:-8192}"
fi

log "enabling the ingress addon"
minikube addons enable ingress -p "$MINIKUBE_PROFILE" >/dev/null
kube -n ingress-nginx wait --for=condition=Available deployment/ingress-nginx-controller --timeout=300s >/dev/null

ip="$(minikube ip -p "$MINIKUBE_PROFILE")"
log "cluster ready; node IP $ip"
host_suffix="$(fork_value HOST_SUFFIX)"
if [[ "$host_suffix" == *.nip.io && "$host_suffix" != "$ip.nip.io" ]]; then
  warn "the ingress hosts end in $host_suffix (fork.env), but the node IP is $ip: run"
  warn "  make fork HOST_SUFFIX=$ip.nip.io   (or 'minikube tunnel' and 127.0.0.1.nip.io)"
fi
