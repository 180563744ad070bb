#!/usr/bin/env bash
# Install Kargo (pinned Helm chart) with its prerequisites (cert-manager, Argo Rollouts for verification),
# then the userapp Project, ProjectConfig, Warehouse, Stages and AnalysisTemplate (gitops/kargo). Idempotent.
#
# The Kargo admin password is generated on first install and kept in ~/.config/promotion-board (0600),
# never in the repository. Git credentials for the promotions come from the environment:
#   GITHUB_USERNAME, GITHUB_TOKEN  (fine-grained token, Contents read/write on this repository)
set -euo pipefail
SCRIPT_NAME="setup-kargo"
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
need openssl htpasswd

HELM="$(helm_bin)"

log "installing cert-manager $CERT_MANAGER_VERSION"
kube apply --server-side --force-conflicts -f "$CERT_MANAGER_URL" >/dev/null
wait_namespace_ready cert-manager 300s

log "installing Argo Rollouts $ARGO_ROLLOUTS_VERSION (AnalysisRuns for Kargo verification)"
ensure_namespace argo-rollouts
kube apply -n argo-rollouts --server-side --force-conflicts -f "$ARGO_ROLLOUTS_URL" >/dev/null
wait_namespace_ready argo-rollouts 300s

if [[ -z "$(read_state kargo-admin-password || true)" ]]; then
  log "generating the Kargo admin password (first install)"
  password="$(openssl rand -base64 18 | tr -d '/+=')"
  save_state kargo-admin-password "$password"
  save_state kargo-admin-password-hash "$(htpasswd -bnBC 10 "" "$password" | tr -d ':\n')"
  save_state kargo-token-signing-key "$(random_secret 32)"
fi
values="$(mktemp)"
trap 'rm -f "$values"' EXIT
chmod 600 "$values"
cat >"$values" <<VALUES
api:
  adminAccount:
    passwordHash: '$(read_state kargo-admin-password-hash)'
    tokenSigningKey: '$(read_state kargo-token-signing-key)'
VALUES

log "installing Kargo $KARGO_VERSION"
"$HELM" upgrade --install kargo "$KARGO_CHART" --version "$KARGO_VERSION" \
  --namespace kargo --create-namespace --values "$values" --wait --timeout 10m >/dev/null
wait_namespace_ready kargo 300s

log "creating the Kargo Project $KARGO_PROJECT"
kube apply -f "$ROOT/gitops/kargo/project.yaml" >/dev/null
for _ in $(seq 1 60); do
  kube get namespace "$KARGO_PROJECT" >/dev/null 2>&1 && break
  sleep 2
done
kube get namespace "$KARGO_PROJECT" >/dev/null || die "Kargo did not create the namespace $KARGO_PROJECT"

if secret_exists "$KARGO_PROJECT" dockerhub-webhook; then
  log "Docker Hub webhook secret already present"
else
  log "creating the Docker Hub webhook receiver secret"
  kube -n "$KARGO_PROJECT" create secret generic dockerhub-webhook \
    --from-literal=secret="$(random_secret 32)" >/dev/null
fi

repo_url="$(sed -n 's/^ *repoURL: \(https:.*\)$/\1/p' "$ROOT/gitops/kargo/credentials.example.yaml" | head -1)"
if [[ -n "${GITHUB_TOKEN:-}" ]]; then
  log "writing the Git credentials for $repo_url"
  kube -n "$KARGO_PROJECT" create secret generic userapp-git \
    --from-literal=repoURL="$repo_url" \
    --from-literal=username="${GITHUB_USERNAME:?set GITHUB_USERNAME with GITHUB_TOKEN}" \
    --from-literal=password="$GITHUB_TOKEN" \
    --dry-run=client -o yaml | kube label --local -f - kargo.akuity.io/cred-type=git -o yaml |
    kube apply -f - >/dev/null
elif secret_exists "$KARGO_PROJECT" userapp-git; then
  log "Git credentials already present"
else
  warn "GITHUB_USERNAME/GITHUB_TOKEN not set: promotions cannot push the env/<stage> branches until you rerun with them"
fi

log "applying the ProjectConfig, Warehouse, AnalysisTemplate and Stages"
for file in projectconfig.yaml warehouse.yaml analysistemplate.yaml stage-dev.yaml stage-stg.yaml stage-prod.yaml; do
  kube apply -f "$ROOT/gitops/kargo/$file" >/dev/null
done
kube -n "$KARGO_PROJECT" get warehouses.kargo.akuity.io,stages.kargo.akuity.io

log "Kargo is ready. UI: scripts/demo-ui.sh kargo (user admin; password in $STATE_DIR/kargo-admin-password)"
log "Docker Hub webhook URL: kubectl -n $KARGO_PROJECT get projectconfig $KARGO_PROJECT -o jsonpath='{.status.webhookReceivers}'"
