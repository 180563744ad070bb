#!/usr/bin/env bash
# Install Argo CD (pinned), its credentials for the repository (when GITHUB_TOKEN is set) and the userapp
# AppProject + Applications (gitops/argocd). Idempotent.
set -euo pipefail
SCRIPT_NAME="setup-argocd"
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

ensure_namespace argocd
log "installing Argo CD $ARGOCD_VERSION"
# Server-side apply: the Application CRD is too large for client-side apply's last-applied annotation.
kube apply -n argocd --server-side --force-conflicts -f "$ARGOCD_INSTALL_URL" >/dev/null
wait_namespace_ready argocd 600s

# A private fork: Argo CD reads it with the token Kargo pushes with (the same GITHUB_USERNAME/GITHUB_TOKEN).
repo_url="$(fork_value GIT_URL)"
if [[ -n "${GITHUB_TOKEN:-}" ]]; then
  log "writing Argo CD's repository credentials for $repo_url"
  argocd_repository_secret "$repo_url" "${GITHUB_USERNAME:?set GITHUB_USERNAME with GITHUB_TOKEN}" "$GITHUB_TOKEN" |
    kube apply -f - >/dev/null
elif secret_exists argocd userapp-repo; then
  log "Argo CD repository credentials already present"
else
  warn "GITHUB_USERNAME/GITHUB_TOKEN not set: fine for a public repository; for a private fork rerun with them"
fi

log "applying the userapp AppProject and Applications"
kube apply -f "$ROOT/gitops/argocd/" >/dev/null
kube -n argocd get applications.argoproj.io -l app.kubernetes.io/part-of=userapp

log "Argo CD is ready. UI: scripts/demo-ui.sh argocd  (user admin; password:"
log "  kubectl -n argocd get secret argocd-initial-admin-secret -o jsonpath='{.data.password}' | base64 -d)"
