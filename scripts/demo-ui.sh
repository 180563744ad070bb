#!/usr/bin/env bash
# Demo helper: open the Argo CD or Kargo UI on localhost with a port-forward (Ctrl-C to stop).
# Usage: scripts/demo-ui.sh argocd   # https://localhost:8443
#        scripts/demo-ui.sh kargo    # https://localhost:3000
set -euo pipefail
SCRIPT_NAME="demo-ui"
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

case "${1:-}" in
  argocd)
    log "Argo CD on https://localhost:8443 (user admin)"
    kube -n argocd port-forward svc/argocd-server 8443:443
    ;;
  kargo)
    log "Kargo on https://localhost:3000 (user admin, password in $STATE_DIR/kargo-admin-password)"
    kube -n kargo port-forward svc/kargo-api 3000:443
    ;;
  *) die "usage: $0 argocd|kargo" ;;
esac
