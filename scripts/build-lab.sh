#!/usr/bin/env bash
# Build the lab's controllers (issue 13): everything the talk's cluster runs besides Kargo and the test harness's
# kube-apiserver + etcd. Once, pinned, into caches outside the repository; later runs only check the binaries.
#
#   kube-controller-manager, kube-scheduler  Kubernetes v1.36.3, the wrapper module of kube-apiserver
#                                            (scripts/build-k8s-testbin.sh), beside it in the k8s-testbin cache
#   kwok v0.8.0                              simulated Nodes and Pods (go install from the Go module proxy)
#   argocd v3.5.1                            Argo CD's multi-call binary, from the pinned source archive (its go.mod
#                                            replaces its in-tree gitops-engine); argocd-application-controller,
#                                            argocd-repo-server, argocd-server, ... are symlinks to it
#   rollouts-controller v1.9.1               Argo Rollouts, through the wrapper module scripts/k8s-testbin/argo-rollouts
#                                            (its go.mod pins Kubernetes with replace lines, so go install cannot)
#
# The Argo CD server embeds its UI from ui/dist/app: this build embeds a placeholder page; the real UI is built by
# scripts/build-lab-uis.sh (`make lab UIS=1`).
#
# Usage: scripts/build-lab.sh   # build (or reuse); prints "name=/path/to/binary" lines
set -euo pipefail
shopt -s inherit_errexit

KWOK_VERSION="v0.8.0"
ROLLOUTS_VERSION="v1.9.1"
ROLLOUTS_COMMIT="b6bd3bcf8f60d717a98763d26acc983db7f97cb0"
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/third-party-source.sh
source "$HERE/lib/third-party-source.sh"
ARGOCD_VERSION="$ARGOCD_TAG"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/promotion-board"
KWOK_DIR="$CACHE_ROOT/kwok/$KWOK_VERSION"
ARGOCD_DIR="$CACHE_ROOT/argo-cd/$ARGOCD_VERSION"
ROLLOUTS_DIR="$CACHE_ROOT/argo-rollouts/$ROLLOUTS_VERSION"
# The names Argo CD's cmd/main.go answers to (common/common.go).
ARGOCD_COMMANDS=(argocd-application-controller argocd-repo-server argocd-server argocd-cmp-server
  argocd-commit-server argocd-applicationset-controller argocd-notifications argocd-dex argocd-k8s-auth
  argocd-git-ask-pass)

export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0

log() { printf '[build-lab] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

command -v go >/dev/null 2>&1 || die "Go is not installed (need Go >= 1.26 to build the lab's controllers)"

# shellcheck source=scripts/lib/build-lock.sh
source "$HERE/lib/build-lock.sh"
hold_build_lock "$CACHE_ROOT/lab" "the lab's controllers (KWOK, Argo CD, Argo Rollouts)"

# cached NAME BIN: true (and says so) when BIN is already built.
cached() {
  if [[ -x "$2" ]]; then
    log "$1 cached in $(dirname "$2")"
    return 0
  fi
  mkdir -p "$(dirname "$2")"
  return 1
}

build_kwok() {
  local bin="$KWOK_DIR/kwok" tmp
  cached "kwok $KWOK_VERSION" "$bin" && return 0
  log "building kwok $KWOK_VERSION (go install sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION)"
  tmp="$(mktemp -d "$KWOK_DIR/.build.XXXXXX")"
  if ! GOBIN="$tmp" GOFLAGS=-mod=readonly go install -trimpath -ldflags "-s -w" \
    "sigs.k8s.io/kwok/cmd/kwok@$KWOK_VERSION"; then
    rm -rf "$tmp"
    die "building kwok $KWOK_VERSION failed (see the Go errors above)"
  fi
  mv "$tmp/kwok" "$bin"
  rm -rf "$tmp"
}

# From the pinned kwok module into $KWOK_DIR/config/: its default stages (what kwokctl gives a cluster:
# node-initialize, node heartbeat with a Lease, pod ready/complete/delete) for the lab's `kwok --config`, and
# its ClusterRole (kustomize/rbac/role.yaml), the rights the lab gives kwok.
KWOK_FILES=(stage/node/fast/node-initialize.yaml stage/node/heartbeat-with-lease/node-heartbeat-with-lease.yaml
  stage/pod/fast/pod-ready.yaml stage/pod/fast/pod-complete.yaml stage/pod/fast/pod-delete.yaml rbac/role.yaml)

copy_kwok_config() {
  local dir="$KWOK_DIR/config" module file tmp
  if [[ -f "$dir/role.yaml" ]]; then
    return 0
  fi
  module="$(cd "$KWOK_DIR" && GOFLAGS=-mod=mod go mod download -json "sigs.k8s.io/kwok@$KWOK_VERSION" |
    sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')" || die "could not download the kwok $KWOK_VERSION module for its stages"
  [[ -d "$module/kustomize/stage" ]] || die "kwok $KWOK_VERSION module has no kustomize/stage folder ($module)"
  tmp="$(mktemp -d "$KWOK_DIR/.config.XXXXXX")"
  for file in "${KWOK_FILES[@]}"; do
    cp "$module/kustomize/$file" "$tmp/" || die "kwok $KWOK_VERSION module has no kustomize/$file"
  done
  chmod 0644 "$tmp"/*.yaml && chmod 0755 "$tmp"
  mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
}

build_rollouts() {
  local bin="$ROLLOUTS_DIR/rollouts-controller" tmp
  cached "rollouts-controller $ROLLOUTS_VERSION" "$bin" && return 0
  log "building Argo Rollouts' rollouts-controller $ROLLOUTS_VERSION (scripts/k8s-testbin/argo-rollouts)"
  tmp="$(mktemp "$ROLLOUTS_DIR/.rollouts-controller.XXXXXX")"
  # The ldflags are the ones Argo Rollouts' Makefile stamps (utils/version); the date is the tag's.
  local pkg=github.com/argoproj/argo-rollouts/utils/version
  if ! (cd "$HERE/k8s-testbin/argo-rollouts" && GOFLAGS=-mod=readonly go build -trimpath -ldflags "-s -w \
    -X $pkg.version=${ROLLOUTS_VERSION#v} -X $pkg.gitTag=$ROLLOUTS_VERSION -X $pkg.gitCommit=$ROLLOUTS_COMMIT \
    -X $pkg.gitTreeState=clean -X $pkg.buildDate=2026-07-06T13:57:05Z" \
    -o "$tmp" github.com/argoproj/argo-rollouts/cmd/rollouts-controller); then
    rm -f "$tmp"
    die "building Argo Rollouts $ROLLOUTS_VERSION rollouts-controller failed (see the Go errors above)"
  fi
  chmod 0755 "$tmp"
  mv "$tmp" "$bin"
}

build_argocd() {
  local bin="$ARGOCD_DIR/bin/argocd" src name
  if ! cached "argocd $ARGOCD_VERSION" "$bin"; then
    src="$(third_party_source argo-cd argoproj/argo-cd "$ARGOCD_VERSION" "$ARGOCD_COMMIT" "$ARGOCD_DIR/src")" ||
      die "no Argo CD $ARGOCD_VERSION source tree (see the message above)"
    # server/ embeds ui/dist/app; the real UI is scripts/build-lab-uis.sh's: embed a placeholder page.
    mkdir -p "$src/ui/dist/app/assets/images/resources"
    if [[ ! -f "$src/ui/dist/app/index.html" ]]; then
      printf '<!doctype html><title>Argo CD</title><p>Argo CD %s: the UI is not built in this lab.</p>\n' \
        "$ARGOCD_VERSION" >"$src/ui/dist/app/index.html"
    fi
    log "building argocd $ARGOCD_VERSION (./cmd; cold builds take ~5 min on 2 cores)"
    install_argocd "$src" "$bin" ||
      die "building Argo CD $ARGOCD_VERSION ./cmd from $src failed (see the Go errors above)"
  fi
  # The binary acts by the name it is called with.
  for name in "${ARGOCD_COMMANDS[@]}"; do
    ln -sfn argocd "$ARGOCD_DIR/bin/$name"
  done
  # The repo-server runs git-verify-wrapper.sh from PATH for every revision it renders (v3.5.1 calls it even
  # with GnuPG off); Argo CD's image installs it in /usr/local/bin, the lab beside the binary.
  if [[ ! -x "$ARGOCD_DIR/bin/git-verify-wrapper.sh" ]]; then
    [[ -f "$ARGOCD_DIR/src/hack/git-verify-wrapper.sh" ]] ||
      die "Argo CD's hack/git-verify-wrapper.sh is missing from $ARGOCD_DIR/src (remove $ARGOCD_DIR to rebuild)"
    install -m 0755 "$ARGOCD_DIR/src/hack/git-verify-wrapper.sh" "$ARGOCD_DIR/bin/git-verify-wrapper.sh"
  fi
}

testbin="$("$HERE/build-k8s-testbin.sh" kube-controller-manager kube-scheduler)" ||
  die "building kube-controller-manager / kube-scheduler failed (see scripts/build-k8s-testbin.sh above)"
build_kwok
copy_kwok_config
build_rollouts
build_argocd

"$KWOK_DIR/kwok" --version >/dev/null 2>&1 || die "$KWOK_DIR/kwok does not run ('kwok --version' failed)"
"$ROLLOUTS_DIR/rollouts-controller" --version >/dev/null 2>&1 ||
  die "$ROLLOUTS_DIR/rollouts-controller does not run ('rollouts-controller --version' failed)"
"$ARGOCD_DIR/bin/argocd" version --client >/dev/null 2>&1 ||
  die "$ARGOCD_DIR/bin/argocd does not run ('argocd version --client' failed)"

printf 'kube-controller-manager=%s\n' "$testbin/kube-controller-manager"
printf 'kube-scheduler=%s\n' "$testbin/kube-scheduler"
printf 'kwok=%s\n' "$KWOK_DIR/kwok"
printf 'kwok-config=%s\n' "$KWOK_DIR/config"
printf 'argocd=%s\n' "$ARGOCD_DIR/bin/argocd"
printf 'rollouts-controller=%s\n' "$ROLLOUTS_DIR/rollouts-controller"
