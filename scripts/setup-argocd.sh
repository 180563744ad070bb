#!/usr/bin/env bash
# Install Argo CD (pinned) and the userapp AppProject + Applications (gitops/argocd). Idempotent.
set -euo pipefail
SCRIPT_NAME="setup-argocd"
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

ensure_namespace argocd
log "installing Argo CD $ARGOCD_VERSION"
# Server-side apply: the Application CRD is too large for client-side apply's last-applied annotation.
kube apply -n argocd --server-side --force-conflicts -f "$ARGOCD_INSTALL_URL" >/dev/null
wait_namespace_ready argocd 600s

log "applying the userapp AppProject and Applications"
kube apply -f "$ROOT/gitops/argocd/" >/dev/null
kube -n argocd get applications.argoproj.io -l app.kubernetes.io/part-of=userapp

log "Argo CD is ready. UI: scripts/demo-ui.sh argocd  (user admin; password:"
log "  kubectl -n argocd get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d)"
