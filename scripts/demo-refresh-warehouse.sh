#!/usr/bin/env bash
# Demo helper: ask Kargo to look for new images now (instead of waiting for the Warehouse interval), then
# show the Freight. The same annotation the Kargo UI's "Refresh" button sets.
set -euo pipefail
SCRIPT_NAME="demo-refresh-warehouse"
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

log "refreshing Warehouse userapp"
kube -n "$KARGO_PROJECT" annotate warehouses.kargo.akuity.io userapp --overwrite \
  "kargo.akuity.io/refresh=$(date -u +%Y%m%dT%H%M%SZ)" >/dev/null
sleep 5
kube -n "$KARGO_PROJECT" get freights.kargo.akuity.io --sort-by=.metadata.creationTimestamp
