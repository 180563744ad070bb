#!/usr/bin/env bash
# Build the real kube-apiserver and etcd used by the test harness, from the Go module proxy; with arguments, also
# kube-controller-manager and/or kube-scheduler (the lab's control plane, scripts/build-lab.sh), from the same
# Kubernetes module and wrapper module (scripts/k8s-testbin/kube-apiserver/go.mod lists the three as tools).
#
# The wrapper modules under scripts/k8s-testbin/ pin every dependency (go.mod + go.sum are committed),
# so the build is reproducible and runs with -mod=readonly. Binaries land in a cache outside the
# repository and the build is skipped when they are already there.
#
# Usage: scripts/build-k8s-testbin.sh            # build (or reuse) and print the binary directory
#        scripts/build-k8s-testbin.sh kube-controller-manager kube-scheduler   # those too
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

# build_kube NAME: k8s.io/kubernetes/cmd/NAME of the pinned Kubernetes version into $DEST/NAME.
build_kube() {
  local name="$1" minor="${K8S_VERSION#*.}"; minor="${minor%%.*}"
  log "building $name v${K8S_VERSION} (cold builds take ~10 min on 2 cores)"
  if ! (cd "$HERE/k8s-testbin/kube-apiserver" && go build -trimpath -ldflags "-s -w \
      -X k8s.io/component-base/version.gitVersion=v${K8S_VERSION} \
      -X k8s.io/component-base/version.gitMajor=1 \
      -X k8s.io/component-base/version.gitMinor=${minor}" \
      -o "$DEST/$name.tmp" "k8s.io/kubernetes/cmd/$name"); then
    rm -f "$DEST/$name.tmp"
    log "error: building $name v${K8S_VERSION} failed (see the Go errors above)"
    exit 1
  fi
  mv "$DEST/$name.tmp" "$DEST/$name"
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
for name in kube-apiserver "$@"; do
  case "$name" in
    kube-apiserver | kube-controller-manager | kube-scheduler) ;;
    *)
      log "error: unknown component '$name' (kube-controller-manager or kube-scheduler)"
      exit 2
      ;;
  esac
  if [[ -x "$DEST/$name" ]]; then
    log "$name cached in $DEST"
  else
    build_kube "$name"
  fi
  "$DEST/$name" --version >&2
done

"$DEST/etcd" --version | sed -n 1p >&2
echo "$DEST"
