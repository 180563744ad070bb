#!/usr/bin/env bash
# Build the real kube-apiserver and etcd used by the test harness, from the Go module proxy.
#
# The wrapper modules under scripts/k8s-testbin/ pin every dependency (go.mod + go.sum are committed),
# so the build is reproducible and runs with -mod=readonly. Binaries land in a cache outside the
# repository and the build is skipped when they are already there.
#
# Usage: scripts/build-k8s-testbin.sh            # build (or reuse) and print the binary directory
#        K8S_TESTBIN_DIR=/some/dir scripts/...   # override the cache location
set -euo pipefail

K8S_VERSION="1.36.3"
ETCD_VERSION="3.6.8"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/promotion-board"
DEST="${K8S_TESTBIN_DIR:-$CACHE_ROOT/k8s-testbin/k8s-v${K8S_VERSION}-etcd-v${ETCD_VERSION}}"

export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=readonly

log() { printf '[build-k8s-testbin] %s\n' "$*" >&2; }

if ! command -v go >/dev/null 2>&1; then
  log "error: Go is not installed (need Go >= 1.26 to build kube-apiserver ${K8S_VERSION})"
  exit 1
fi

# shellcheck source=scripts/lib/build-lock.sh
source "$HERE/lib/build-lock.sh"
hold_build_lock "$DEST" "kube-apiserver and etcd"

build_apiserver() {
  local minor="${K8S_VERSION#*.}"; minor="${minor%%.*}"
  log "building kube-apiserver v${K8S_VERSION} (cold builds take ~10 min on 2 cores)"
  (cd "$HERE/k8s-testbin/kube-apiserver" && go build -trimpath -ldflags "-s -w \
      -X k8s.io/component-base/version.gitVersion=v${K8S_VERSION} \
      -X k8s.io/component-base/version.gitMajor=1 \
      -X k8s.io/component-base/version.gitMinor=${minor}" \
      -o "$DEST/kube-apiserver.tmp" k8s.io/kubernetes/cmd/kube-apiserver)
  mv "$DEST/kube-apiserver.tmp" "$DEST/kube-apiserver"
}

build_etcd() {
  log "building etcd v${ETCD_VERSION}"
  (cd "$HERE/k8s-testbin/etcd" && go build -trimpath -ldflags "-s -w" \
      -o "$DEST/etcd.tmp" go.etcd.io/etcd/server/v3)
  mv "$DEST/etcd.tmp" "$DEST/etcd"
}

if [[ -x "$DEST/etcd" ]]; then
  log "etcd cached in $DEST"
else
  build_etcd
fi
if [[ -x "$DEST/kube-apiserver" ]]; then
  log "kube-apiserver cached in $DEST"
else
  build_apiserver
fi

"$DEST/kube-apiserver" --version >&2
"$DEST/etcd" --version | sed -n 1p >&2
echo "$DEST"
