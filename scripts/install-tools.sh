#!/usr/bin/env bash
# Install the delivery tools (helm, kustomize, actionlint) and the test harness's OCI registry and crane from the
# Go module proxy, pinned, into a cache outside the repository. Idempotent: a tool already in the cache is not rebuilt.
#
# Usage: scripts/install-tools.sh            # install (or reuse) all tools, print "name=/path/to/binary" lines
#        scripts/install-tools.sh helm       # install (or reuse) one tool, print only its binary path
#        TOOLS_DIR=/some/dir scripts/...     # override the cache root
set -euo pipefail
shopt -s inherit_errexit

HELM_VERSION="v3.21.4"
# v5.8.3 needs Go >= 1.27; v5.8.2 is the newest that builds with the Go 1.26 toolchain here.
KUSTOMIZE_VERSION="v5.8.2"
ACTIONLINT_VERSION="v1.7.12"
# The test harness's registry (it plays Docker Hub) and crane (pushes images to it without Docker).
REGISTRY_VERSION="v3.1.2"
CRANE_VERSION="v0.22.1"

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/promotion-board"
TOOLS_DIR="${TOOLS_DIR:-$CACHE_ROOT/tools}"
# shellcheck source=scripts/lib/build-lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/build-lock.sh"
hold_build_lock "$TOOLS_DIR" "the delivery tools"

export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=mod

log() { printf '[install-tools] %s\n' "$*" >&2; }

# name -> "module/path/cmd@version"
package_of() {
  case "$1" in
    helm) echo "helm.sh/helm/v3/cmd/helm@${HELM_VERSION}" ;;
    kustomize) echo "sigs.k8s.io/kustomize/kustomize/v5@${KUSTOMIZE_VERSION}" ;;
    actionlint) echo "github.com/rhysd/actionlint/cmd/actionlint@${ACTIONLINT_VERSION}" ;;
    registry) echo "github.com/distribution/distribution/v3/cmd/registry@${REGISTRY_VERSION}" ;;
    crane) echo "github.com/google/go-containerregistry/cmd/crane@${CRANE_VERSION}" ;;
    *) log "error: unknown tool '$1' (known: helm kustomize actionlint registry crane)"; return 1 ;;
  esac
}

install_tool() {
  local name="$1" pkg version dest
  pkg="$(package_of "$name")"
  version="${pkg##*@}"
  dest="$TOOLS_DIR/${name}-${version}"
  if [[ -x "$dest/$name" ]]; then
    log "$name $version cached in $dest"
  else
    if ! command -v go >/dev/null 2>&1; then
      log "error: Go is not installed; it is needed to build $name $version"
      return 1
    fi
    log "building $name $version (first time only, this can take a few minutes)"
    mkdir -p "$dest"
    # Build into a temporary GOBIN, then move: an interrupted build never leaves a half-written binary.
    local tmp
    tmp="$(mktemp -d "$dest/.build.XXXXXX")"
    # helm's own Makefile stamps its version into the binary with ldflags; do the same so `helm version` is right.
    local ldflags="-s -w"
    if [[ "$name" == helm ]]; then
      ldflags+=" -X helm.sh/helm/v3/internal/version.version=${version}"
    elif [[ "$name" == registry ]]; then
      ldflags+=" -X github.com/distribution/distribution/v3/version.version=${version}"
    fi
    if ! GOBIN="$tmp" go install -trimpath -ldflags "$ldflags" "$pkg"; then
      rm -rf "$tmp"
      log "error: building $name $version failed"
      return 1
    fi
    mv "$tmp/$name" "$dest/$name"
    rmdir "$tmp"
  fi
  printf '%s\n' "$dest/$name"
}

if (($# > 0)); then
  for tool in "$@"; do
    install_tool "$tool"
  done
else
  for tool in helm kustomize actionlint; do
    path="$(install_tool "$tool")"
    printf '%s=%s\n' "$tool" "$path"
  done
fi
