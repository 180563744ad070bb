#!/usr/bin/env bash
# Install (or upgrade) the promotion board with its Helm chart into the namespace promotion-board.
# Creates its Secret once (DASHBOARD_SECRET_KEY, AUDIT_DATABASE_URL, users.yaml) if missing.
#
# Env: DASHBOARD_TAG (default: the short SHA of HEAD), DASHBOARD_USERS_FILE (the users file to load into the
#      Secret; required on first install), DASHBOARD_HOST (default board.192.168.49.2.nip.io).
set -euo pipefail
SCRIPT_NAME="deploy-dashboard"
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
need openssl git

NAMESPACE=promotion-board
HELM="$(helm_bin)"
tag="${DASHBOARD_TAG:-$(git -C "$ROOT" rev-parse --short=8 HEAD)}"
host="${DASHBOARD_HOST:-board.192.168.49.2.nip.io}"

ensure_namespace "$NAMESPACE"
if secret_exists "$NAMESPACE" promotion-board; then
  log "Secret promotion-board already present (kept)"
else
  users="${DASHBOARD_USERS_FILE:?set DASHBOARD_USERS_FILE to the board users file for the first install}"
  [[ -f "$users" ]] || die "users file $users not found"
  audit_url="$(read_state audit-database-url || true)"
  [[ -n "$audit_url" ]] || die "no audit database yet: run scripts/start-database.sh promotion-board first"
  kube -n "$NAMESPACE" create secret generic promotion-board \
    --from-literal=DASHBOARD_SECRET_KEY="$(random_secret 32)" \
    --from-literal=AUDIT_DATABASE_URL="$audit_url" \
    --from-file=users.yaml="$users" >/dev/null
fi

log "installing promotion-board:$tag at http://$host"
# The lab ingress has no TLS, so a Secure session cookie would never come back and logins would not stick:
# the cookie is sent over plain http here, and only here. The QR code opens the read-only audience page.
"$HELM" upgrade --install promotion-board "$ROOT/helm/dashboard" --namespace "$NAMESPACE" \
  --set-string image.tag="$tag" --set ingress.host="$host" --set publicUrl="http://$host/watch" \
  --set session.cookieSecure=false --wait --timeout 5m >/dev/null
log "promotion board ready: http://$host"
