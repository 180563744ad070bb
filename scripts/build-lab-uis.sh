#!/usr/bin/env bash
# Build the lab's UIs (issue 13, `make lab UIS=1`): the real Argo CD v3.5.1 UI and the real Kargo v1.11.2 UI,
# each embedded in its own server binary. Once, pinned, into ~/.cache/promotion-board/lab-uis/ (keyed by version);
# later runs only check the binaries. scripts/build-lab.sh's argocd embeds a placeholder page instead.
#
#   argo-cd/v3.5.1/bin/argocd      ui/ of the pinned archive built with pnpm 10.28.1 + webpack into ui/dist/app
#                                  (what server/ embeds), then go build ./cmd; argocd-server is a symlink to it
#   kargo/v1.11.2/bin/kargo        ui/ built with pnpm 9.0.3 + Vite, copied into pkg/server/ui (what the API
#                                  server embeds), then go build ./cmd/controlplane
#
# pnpm comes from the npm registry at the version each UI's package.json names (an npm install into the cache,
# never a global one); the UIs' packages from the npm registry, frozen to their committed pnpm-lock.yaml.
# Argo CD's UI also depends on argo-ui, a git dependency its lockfile fetches from GitHub's codeload: the
# pinned commit's tarball is cached in lab-uis/argo-ui/, made from ARGO_UI_GIT_DIR (a clone holding the commit,
# for machines without GitHub) or downloaded once, and the build's copy of the lockfile points at it.
#
# Cold on 2 cores: 13 min beside another cold `make setup` (Argo CD's UI 3.5 min, Kargo's under 1 min, the Go
# builds the rest); later runs only check the binaries.
#
# Usage: scripts/build-lab-uis.sh   # build (or reuse); prints "argocd=/path" and "kargo=/path"
set -euo pipefail
shopt -s inherit_errexit

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/common.sh
source "$HERE/lib/common.sh"
# shellcheck source=scripts/lib/third-party-source.sh
source "$HERE/lib/third-party-source.sh"
# shellcheck source=scripts/lib/build-lock.sh
source "$HERE/lib/build-lock.sh"
SCRIPT_NAME=build-lab-uis

ARGOCD_PNPM="10.28.1"
KARGO_PNPM="9.0.3"
ARGO_UI_REPO="argoproj/argo-ui"
ARGO_UI_COMMIT="c089d1d2d84df87f3712ae661273a5ab0d1ef3b0"
UIS_DIR="$CACHE_ROOT/lab-uis"
ARGOCD_UI_DIR="$UIS_DIR/argo-cd/$ARGOCD_TAG"
KARGO_UI_DIR="$UIS_DIR/kargo/$KARGO_TAG"
ARGO_UI_TARBALL="$UIS_DIR/argo-ui/argo-ui-$ARGO_UI_COMMIT.tar.gz"
# pnpm's package store, beside the builds (not in ~/.local/share): `rm -rf lab-uis` removes everything.
PNPM_STORE="$UIS_DIR/pnpm-store"

need go node npm git tar
hold_build_lock "$UIS_DIR" "the lab's UIs (Argo CD, Kargo)"

# pnpm VERSION ARGS...: pnpm at VERSION, installed once from the npm registry into the cache.
pnpm() {
  local version="$1" dir="$UIS_DIR/pnpm/$1" tmp
  shift
  if [[ ! -x "$dir/node_modules/.bin/pnpm" ]]; then
    log "installing pnpm $version from the npm registry into $dir"
    mkdir -p "$UIS_DIR/pnpm"
    tmp="$(mktemp -d "$UIS_DIR/pnpm/.install.XXXXXX")"
    if ! npm install --prefix "$tmp" --no-audit --no-fund --loglevel=error "pnpm@$version" >&2; then
      rm -rf "$tmp"
      die "could not install pnpm $version from the npm registry (see npm's errors above)"
    fi
    mv -T "$tmp" "$dir" 2>/dev/null || rm -rf "$tmp"
  fi
  "$dir/node_modules/.bin/pnpm" "$@"
}

# The argo-ui tarball of the pinned commit, as codeload serves it (one top folder argo-ui-<commit>/).
argo_ui_tarball() {
  local tmp url="https://codeload.github.com/$ARGO_UI_REPO/tar.gz/$ARGO_UI_COMMIT"
  [[ -s "$ARGO_UI_TARBALL" ]] && return 0
  mkdir -p "$(dirname "$ARGO_UI_TARBALL")"
  tmp="$(mktemp "$ARGO_UI_TARBALL.XXXXXX")"
  if [[ -n "${ARGO_UI_GIT_DIR:-}" ]]; then
    log "making the argo-ui $ARGO_UI_COMMIT tarball from $ARGO_UI_GIT_DIR (git archive)"
    if ! git -C "$ARGO_UI_GIT_DIR" archive --format=tar.gz --prefix="argo-ui-$ARGO_UI_COMMIT/" \
      "$ARGO_UI_COMMIT" >"$tmp"; then
      rm -f "$tmp"
      die "ARGO_UI_GIT_DIR=$ARGO_UI_GIT_DIR does not hold argo-ui commit $ARGO_UI_COMMIT (git archive failed above)"
    fi
  elif ! curl -fsSL --connect-timeout 10 --max-time 120 -o "$tmp" "$url"; then
    rm -f "$tmp"
    die "Argo CD's UI needs argo-ui at commit $ARGO_UI_COMMIT (a git dependency of ui/package.json), and it is \
neither cached ($ARGO_UI_TARBALL) nor downloadable from $url. Set ARGO_UI_GIT_DIR to a git clone (or bare \
repository) of github.com/$ARGO_UI_REPO that holds that commit, e.g. \`git clone --bare \
<a mirror of $ARGO_UI_REPO> /tmp/argo-ui.git\` then \`ARGO_UI_GIT_DIR=/tmp/argo-ui.git make setup-lab-uis\`: the \
tarball is made with git archive and cached, so later builds need neither."
  fi
  mv "$tmp" "$ARGO_UI_TARBALL"
}

build_argocd_ui() {
  local bin="$ARGOCD_UI_DIR/bin/argocd" src started codeload
  if [[ ! -x "$bin" ]]; then
    src="$(third_party_source argo-cd argoproj/argo-cd "$ARGOCD_TAG" "$ARGOCD_COMMIT" "$ARGOCD_UI_DIR/src")" ||
      die "no Argo CD $ARGOCD_TAG source tree (see the message above)"
    grep -q "\"packageManager\": \"pnpm@$ARGOCD_PNPM\"" "$src/ui/package.json" ||
      die "Argo CD $ARGOCD_TAG's ui/package.json does not name pnpm@$ARGOCD_PNPM"
    codeload="https://codeload.github.com/$ARGO_UI_REPO/tar.gz/$ARGO_UI_COMMIT"
    grep -qF -e "$codeload" -e "file:$ARGO_UI_TARBALL" "$src/ui/pnpm-lock.yaml" ||
      die "Argo CD $ARGOCD_TAG's ui/pnpm-lock.yaml does not pin argo-ui $ARGO_UI_COMMIT"
    argo_ui_tarball
    # The same tarball, from the cache instead of GitHub: only its address changes in the lockfile.
    sed -i "s|$codeload|file:$ARGO_UI_TARBALL|g" "$src/ui/pnpm-lock.yaml"
    started=$SECONDS
    log "installing Argo CD $ARGOCD_TAG's UI packages (pnpm $ARGOCD_PNPM install --frozen-lockfile)"
    (cd "$src/ui" && pnpm "$ARGOCD_PNPM" install --frozen-lockfile --store-dir "$PNPM_STORE" \
      --reporter=append-only >&2) ||
      die "pnpm install of Argo CD's UI failed in $src/ui (see pnpm's errors above)"
    log "building Argo CD's UI (webpack, production; ~3 min on 2 cores)"
    rm -rf "$src/ui/dist/app"
    (cd "$src/ui" && NODE_ENV=production NODE_OPTIONS=--max-old-space-size=4096 \
      pnpm "$ARGOCD_PNPM" run build >&2) || die "building Argo CD's UI failed in $src/ui (see webpack's errors above)"
    [[ -f "$src/ui/dist/app/index.html" ]] || die "Argo CD's UI build left no ui/dist/app/index.html in $src"
    mkdir -p "$src/ui/dist/app/assets/images/resources"
    log "Argo CD's UI built in $((SECONDS - started)) s; building argocd $ARGOCD_TAG with it (go build ./cmd)"
    install_argocd "$src" "$bin" || die "building Argo CD $ARGOCD_TAG ./cmd from $src failed (see the Go errors above)"
  else
    log "argocd $ARGOCD_TAG with its UI cached in $(dirname "$bin")"
  fi
  # The multi-call binary acts by the name it is invoked with.
  ln -sfn argocd "$ARGOCD_UI_DIR/bin/argocd-server"
}

build_kargo_ui() {
  local bin="$KARGO_UI_DIR/bin/kargo" src tmp started
  if [[ -x "$bin" ]]; then
    log "kargo $KARGO_TAG with its UI cached in $(dirname "$bin")"
    return 0
  fi
  src="$(third_party_source kargo akuity/kargo "$KARGO_TAG" "$KARGO_COMMIT" "$KARGO_UI_DIR/src")" ||
    die "no Kargo $KARGO_TAG source tree (see the message above)"
  grep -q "\"packageManager\": \"pnpm@$KARGO_PNPM\"" "$src/ui/package.json" ||
    die "Kargo $KARGO_TAG's ui/package.json does not name pnpm@$KARGO_PNPM"
  started=$SECONDS
  log "installing Kargo $KARGO_TAG's UI packages (pnpm $KARGO_PNPM install --frozen-lockfile)"
  (cd "$src/ui" && pnpm "$KARGO_PNPM" install --frozen-lockfile --store-dir "$PNPM_STORE" --reporter=append-only >&2) ||
    die "pnpm install of Kargo's UI failed in $src/ui (see pnpm's errors above)"
  log "building Kargo's UI (Vite; ~3 min on 2 cores)"
  # VERSION is what Kargo's image build gives the UI (its About dialog).
  (cd "$src/ui" && VERSION="$KARGO_TAG" NODE_OPTIONS=--max-old-space-size=4096 \
    pnpm "$KARGO_PNPM" run build >&2) || die "building Kargo's UI failed in $src/ui (see Vite's errors above)"
  [[ -f "$src/ui/build/index.html" ]] || die "Kargo's UI build left no ui/build/index.html in $src"
  # pkg/server embeds pkg/server/ui (Kargo's Dockerfile copies ui/build there).
  find "$src/pkg/server/ui" -mindepth 1 ! -name .keep -delete
  cp -R "$src/ui/build/." "$src/pkg/server/ui/"
  log "Kargo's UI built in $((SECONDS - started)) s; building kargo $KARGO_TAG with it (go build ./cmd/controlplane)"
  mkdir -p "$KARGO_UI_DIR/bin"
  tmp="$(mktemp "$KARGO_UI_DIR/bin/.kargo.XXXXXX")"
  if ! go_build_kargo "$src" cmd/controlplane "$tmp"; then
    rm -f "$tmp"
    die "building Kargo $KARGO_TAG ./cmd/controlplane from $src failed (see the Go errors above)"
  fi
  chmod 0755 "$tmp"
  mv "$tmp" "$bin"
}

build_argocd_ui
build_kargo_ui
"$ARGOCD_UI_DIR/bin/argocd" version --client >/dev/null 2>&1 ||
  die "$ARGOCD_UI_DIR/bin/argocd does not run ('argocd version --client' failed)"
"$KARGO_UI_DIR/bin/kargo" version >/dev/null 2>&1 || die "$KARGO_UI_DIR/bin/kargo does not run ('kargo version' failed)"
printf 'argocd=%s\n' "$ARGOCD_UI_DIR/bin/argocd"
printf 'kargo=%s\n' "$KARGO_UI_DIR/bin/kargo"
