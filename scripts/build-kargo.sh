#!/usr/bin/env bash
# Build the real Kargo v1.11.2 control plane (one binary: `controller`, `kubernetes-webhooks-server`, ...) that the
# test harness runs, plus the OCI registry and crane it pushes images with. Once, pinned, into a cache outside the
# repository; later runs only check that the binaries are there.
#
# Kargo's go.mod replaces two of its own sub-modules with local folders, so `go install ...@v1.11.2` cannot work:
# the source tree comes from scripts/lib/third-party-source.sh (the pinned archive, or the tag on GitHub), and
# every dependency from the Go module proxy, checked against the tree's go.sum (-mod=readonly).
#
# Kargo's git client runs git with GIT_ASKPASS=/usr/local/bin/credential-helper, a fixed path where Kargo's image
# puts its tiny credential helper (cmd/credential-helper: prints $GIT_PASSWORD). It is built here too and
# installed at that path (as root, or with sudo), since Kargo cannot be told another one.
#
# Usage: scripts/build-kargo.sh      # build (or reuse); prints "name=/path/to/binary" lines (kargo, registry, crane)
set -euo pipefail
shopt -s inherit_errexit

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
# shellcheck source=scripts/lib/third-party-source.sh
source "$HERE/lib/third-party-source.sh"
KARGO_VERSION="$KARGO_TAG"
CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/promotion-board"
KARGO_DIR="$CACHE_ROOT/kargo/$KARGO_VERSION"

log() { printf '[build-kargo] %s\n' "$*" >&2; }
die() {
  log "error: $*"
  exit 1
}

command -v go >/dev/null 2>&1 || die "Go is not installed (need Go >= 1.26 to build Kargo $KARGO_VERSION)"

# shellcheck source=scripts/lib/build-lock.sh
source "$HERE/lib/build-lock.sh"
hold_build_lock "$KARGO_DIR" "Kargo $KARGO_VERSION"

# build_cmd NAME PACKAGE: go build ./PACKAGE of the Kargo tree into $KARGO_DIR/bin/NAME, unless already there.
build_cmd() {
  local name="$1" package="$2" bin="$KARGO_DIR/bin/$1" src
  if [[ -x "$bin" ]]; then
    log "$name $KARGO_VERSION cached in $KARGO_DIR/bin"
    printf '%s\n' "$bin"
    return 0
  fi
  src="$(third_party_source kargo akuity/kargo "$KARGO_VERSION" "$KARGO_COMMIT" "$KARGO_DIR/src")" ||
    die "no Kargo $KARGO_VERSION source tree (see the message above)"
  mkdir -p "$KARGO_DIR/bin"
  log "building $name $KARGO_VERSION (./$package; the first time takes minutes)"
  local tmp
  tmp="$(mktemp "$KARGO_DIR/bin/.$name.XXXXXX")"
  if ! go_build_kargo "$src" "$package" "$tmp"; then
    rm -f "$tmp"
    die "building Kargo $KARGO_VERSION ./$package from $src failed (see the Go errors above)"
  fi
  chmod 0755 "$tmp"
  mv "$tmp" "$bin"
  printf '%s\n' "$bin"
}

install_credential_helper() {
  local helper="$1" dest=/usr/local/bin/credential-helper
  if cmp -s "$helper" "$dest"; then
    return 0
  fi
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null 2>&1 ||
      die "Kargo's git steps need $helper installed as $dest: copy it there as root, then rerun"
    sudo=(sudo)
  fi
  log "installing Kargo's git credential helper as $dest (Kargo's git client runs it from there)"
  "${sudo[@]}" install -m 0755 "$helper" "$dest"
}

kargo="$(build_cmd kargo cmd/controlplane)"
"$kargo" version >/dev/null 2>&1 || die "$kargo does not run ('$kargo version' failed)"
helper="$(build_cmd credential-helper cmd/credential-helper)"
install_credential_helper "$helper"
printf 'kargo=%s\n' "$kargo"
# The registry and crane are ordinary Go modules: the pinned tools cache installs them.
"$HERE/install-tools.sh" registry crane | paste -d= <(printf 'registry\ncrane\n') -
