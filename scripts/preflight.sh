#!/usr/bin/env bash
# The talk's pre-flight checklist, automated: one PASS/FAIL line per item, exit 1 if anything fails.
# Read-only: it changes nothing in the cluster.
set -euo pipefail
SCRIPT_NAME="preflight"
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"

failures=0
pass() { printf '  \033[1;32mPASS\033[0m  %s\n' "$1"; }
fail() {
  printf '  \033[1;31mFAIL\033[0m  %s%s\n' "$1" "${2:+  ($2)}"
  failures=$((failures + 1))
}
# check "description" command...: PASS when the command succeeds.
check() {
  local what="$1"
  shift
  local out
  if out="$("$@" 2>&1)"; then pass "$what"; else fail "$what" "$(printf '%s' "$out" | tail -1)"; fi
}

deployments_available() { kube -n "$1" wait --for=condition=Available deployment --all --timeout=5s >/dev/null; }

app_healthy() {
  local state
  state="$(kube -n argocd get applications.argoproj.io "$1" -o jsonpath='{.status.sync.status}/{.status.health.status}')"
  [[ "$state" == "Synced/Healthy" ]] || {
    echo "sync/health is $state"
    return 1
  }
}

warehouse_ready() {
  local ready
  ready="$(kube -n "$KARGO_PROJECT" get warehouses.kargo.akuity.io userapp \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')"
  [[ "$ready" == "True" ]] || {
    echo "Ready=$ready"
    return 1
  }
}

stage_ready() {
  local ready
  ready="$(kube -n "$KARGO_PROJECT" get stages.kargo.akuity.io "$1" \
    -o jsonpath='{.status.conditions[?(@.type=="Ready")].status}')"
  [[ "$ready" == "True" ]] || {
    echo "Ready=$ready"
    return 1
  }
}

# Every image the stage runs exists (the pods pulled it): no ErrImagePull / ImagePullBackOff.
images_pulled() {
  local waiting
  waiting="$(kube -n "$1" get pods -o jsonpath='{range .items[*]}{range .status.containerStatuses[*]}{.state.waiting.reason}{"\n"}{end}{end}')"
  if grep -Eq 'ErrImagePull|ImagePullBackOff|InvalidImageName' <<<"$waiting"; then
    echo "a pod cannot pull its image"
    return 1
  fi
}

# The images exist on Docker Hub with at least one 8-hex tag.
image_published() {
  local repo="${1#docker.io/}" tags
  tags="$(curl -fsS --max-time 10 "https://hub.docker.com/v2/repositories/$repo/tags?page_size=25")"
  grep -Eq '"name": ?"[a-f0-9]{8}"' <<<"$tags" || {
    echo "no 8-hex tag on Docker Hub"
    return 1
  }
}

database_ready() {
  kube -n "$1" exec statefulset/userapp-postgres -- pg_isready -U userapp -d userapp >/dev/null
}

echo "Pre-flight checklist (cluster context: $(kube config current-context 2>/dev/null || echo none))"
echo "Cluster"
check "Kubernetes API answers /readyz" kube get --raw /readyz
check "ingress-nginx controller available" deployments_available ingress-nginx
echo "Argo CD and Kargo"
check "Argo CD $ARGOCD_VERSION available" deployments_available argocd
check "cert-manager available" deployments_available cert-manager
check "Argo Rollouts available (verification)" deployments_available argo-rollouts
check "Kargo $KARGO_VERSION available" deployments_available kargo
check "Warehouse userapp Ready" warehouse_ready
echo "Images"
for image in docker.io/promotionboard/userapp-backend docker.io/promotionboard/userapp-frontend; do
  check "$image published with a short-SHA tag" image_published "$image"
done
for stage in "${STAGES[@]}"; do
  echo "Stage $stage"
  check "database reachable in $stage" database_ready "$stage"
  check "Application userapp-$stage Synced and Healthy" app_healthy "userapp-$stage"
  check "images pulled in $stage" images_pulled "$stage"
  check "Kargo Stage $stage Ready (verified)" stage_ready "$stage"
done
echo "Promotion board"
check "promotion-board available" deployments_available promotion-board

echo
if ((failures > 0)); then
  printf '\033[1;31m%d check(s) failed.\033[0m\n' "$failures"
  exit 1
fi
printf '\033[1;32mAll checks passed: ready for the talk.\033[0m\n'
