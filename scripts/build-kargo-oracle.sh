#!/usr/bin/env bash
# Build the Kargo oracles the model tests compare the board with (tests/oracle/README.md):
#   kargo-oracle     Go, built against Kargo's own api/v1alpha1 and pkg/health from the pinned source tree
#   stage-phase.mjs  the Kargo UI's getStagePhase (ui/src/features/common/stage-status/utils.ts), transpiled
#                    by the pinned esbuild of tests/oracle/kargo_ui (npm ci from its committed lockfile)
#
# Both land in ~/.cache/promotion-board/kargo-oracle/v<Kargo version>-<hash of the oracle sources>/, and the
# build is skipped when that folder is complete. Go modules come from the Go module proxy (go.sum is
# committed; -mod=readonly), with the local toolchain only.
#
# Usage: scripts/build-kargo-oracle.sh        # build (or reuse) and print the oracle directory
set -euo pipefail

# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
# shellcheck source=scripts/lib/third-party-source.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/third-party-source.sh"
# shellcheck source=scripts/lib/build-lock.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/build-lock.sh"

# The pins are third-party-source.sh's; common.sh's KARGO_VERSION (the chart's) is the same release.
if [[ "v$KARGO_VERSION" != "$KARGO_TAG" ]]; then
  echo "[build-kargo-oracle] error: common.sh's KARGO_VERSION $KARGO_VERSION is not $KARGO_TAG" >&2
  exit 1
fi
GO_SRC="$ROOT/tests/oracle/kargo"
UI_SRC="$ROOT/tests/oracle/kargo_ui"

export GOTOOLCHAIN=local GOWORK=off CGO_ENABLED=0 GOFLAGS=-mod=readonly

say() { printf '[build-kargo-oracle] %s\n' "$*" >&2; }

for tool in go node npm; do
  if ! command -v "$tool" >/dev/null 2>&1; then
    say "error: $tool is not installed (the oracles need Go >= 1.26 and Node.js >= 20.19 with npm)"
    exit 1
  fi
done

hash="$(cat "$GO_SRC/main.go" "$GO_SRC/go.mod" "$GO_SRC/go.sum" "$UI_SRC/package-lock.json" \
  "$UI_SRC/stage_phase.mjs" "$0" | sha256sum | cut -c1-16)"
DEST="$CACHE_ROOT/kargo-oracle/v${KARGO_VERSION}-${hash}"
hold_build_lock "$DEST" "the Kargo oracles"
if [[ -x "$DEST/kargo-oracle" && -f "$DEST/stage-phase.mjs" && -f "$DEST/kargo-ui-utils.mjs" ]]; then
  say "cached in $DEST"
  echo "$DEST"
  exit 0
fi

SRC="$(third_party_source kargo akuity/kargo "v${KARGO_VERSION}" "$KARGO_COMMIT" \
  "$CACHE_ROOT/kargo/v${KARGO_VERSION}/src")"
mkdir -p "$DEST"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

say "building kargo-oracle against Kargo v${KARGO_VERSION} ($SRC)"
cp "$GO_SRC/main.go" "$GO_SRC/go.mod" "$GO_SRC/go.sum" "$work/"
ln -s "$SRC" "$work/kargo-src"
(cd "$work" && go build -trimpath -ldflags "-s -w" -o "$DEST/kargo-oracle.tmp" .)
mv "$DEST/kargo-oracle.tmp" "$DEST/kargo-oracle"

say "transpiling the Kargo UI's getStagePhase with the pinned esbuild"
if [[ ! -f "$UI_SRC/node_modules/.installed" || "$UI_SRC/package-lock.json" -nt "$UI_SRC/node_modules/.installed" ]]; then
  (cd "$UI_SRC" && npm ci --no-audit --no-fund --loglevel=error >&2 && touch node_modules/.installed)
fi
"$UI_SRC/node_modules/.bin/esbuild" "$SRC/ui/src/features/common/stage-status/utils.ts" \
  --format=esm --platform=node --target=node20 --log-level=warning --outfile="$DEST/kargo-ui-utils.tmp.mjs"
mv "$DEST/kargo-ui-utils.tmp.mjs" "$DEST/kargo-ui-utils.mjs"
cp "$UI_SRC/stage_phase.mjs" "$DEST/stage-phase.mjs"
say "built in $DEST"
echo "$DEST"
