#!/usr/bin/env bash
# Vendor the board's front-end libraries from the npm registry into dashboard/static/vendor/ (no CDN at the
# venue). Pinned versions; rerun after changing them and commit the result. Prints each file's SHA-256.
set -euo pipefail

HTMX_VERSION="2.0.11"
HTMX_SSE_VERSION="2.2.4"

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DEST="$ROOT/dashboard/static/vendor"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

fetch() {  # fetch <package@version> <file inside the package> <destination name>
  local tarball
  tarball="$(cd "$WORK" && npm pack --silent "$1")"
  mkdir -p "$WORK/$1" && tar -xzf "$WORK/$tarball" -C "$WORK/$1"
  cp "$WORK/$1/package/$2" "$DEST/$3"
  echo "[vendor] $1 $2 -> static/vendor/$3 sha256=$(sha256sum "$DEST/$3" | cut -d' ' -f1)"
}

mkdir -p "$DEST"
fetch "htmx.org@${HTMX_VERSION}" dist/htmx.min.js htmx.min.js
fetch "htmx-ext-sse@${HTMX_SSE_VERSION}" dist/sse.min.js htmx-ext-sse.min.js
