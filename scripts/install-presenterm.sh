#!/usr/bin/env bash
# Install presenterm (the slides' tool) from crates.io, pinned, into a cache outside the repository:
# `cargo install --locked` builds it once (minutes); later calls reuse the cached binary.
#
# Usage: scripts/install-presenterm.sh          # install (or reuse) it, print the binary's path
#        scripts/install-presenterm.sh --cached # print the cached binary's path; exit 1 if not built yet
#        TOOLS_DIR=/some/dir scripts/...        # override the cache root
#
# presenterm's HTML export (`presenterm --export-html`) is built in; its PDF export needs weasyprint, which
# the slides' test does not use.
set -euo pipefail
shopt -s inherit_errexit

PRESENTERM_VERSION="0.16.1"

CACHE_ROOT="${XDG_CACHE_HOME:-$HOME/.cache}/promotion-board"
TOOLS_DIR="${TOOLS_DIR:-$CACHE_ROOT/tools}"
dest="$TOOLS_DIR/presenterm-$PRESENTERM_VERSION"

log() { printf '[install-presenterm] %s\n' "$*" >&2; }

if [[ "${1:-}" == --cached ]]; then
  [[ -x "$dest/bin/presenterm" ]] || exit 1
  printf '%s\n' "$dest/bin/presenterm"
  exit 0
elif (($# > 0)); then
  log "error: unknown argument '$1' (usage: $0 [--cached])"
  exit 2
fi

if [[ -x "$dest/bin/presenterm" ]]; then
  log "presenterm $PRESENTERM_VERSION cached in $dest"
else
  if ! command -v cargo >/dev/null 2>&1; then
    log "error: cargo is not installed; install Rust (rustup or Debian's cargo) to build presenterm $PRESENTERM_VERSION"
    exit 1
  fi
  log "building presenterm $PRESENTERM_VERSION from crates.io (first time only, this can take 10 minutes or more)"
  mkdir -p "$TOOLS_DIR"
  # Build into a temporary root, then move: an interrupted build never leaves a half-installed binary.
  tmp="$(mktemp -d "$TOOLS_DIR/.presenterm-build.XXXXXX")"
  trap 'rm -rf "$tmp"' EXIT
  started="$SECONDS"
  if ! CARGO_TARGET_DIR="$tmp/target" cargo install --locked --quiet --root "$tmp/root" \
    "presenterm@$PRESENTERM_VERSION"; then
    log "error: building presenterm $PRESENTERM_VERSION failed"
    exit 1
  fi
  rm -rf "$dest"
  mkdir -p "$dest/bin"
  mv "$tmp/root/bin/presenterm" "$dest/bin/presenterm"
  log "built presenterm $PRESENTERM_VERSION in $((SECONDS - started)) s"
fi
printf '%s\n' "$dest/bin/presenterm"
