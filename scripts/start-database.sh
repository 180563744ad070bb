#!/usr/bin/env bash
# Start a PostgreSQL per namespace in the cluster and create the Secrets the apps read. Idempotent: existing
# Secrets are kept (passwords are never rotated behind a running app), and nothing secret is committed.
#
# Usage: scripts/start-database.sh                 # dev stg prod promotion-board
#        scripts/start-database.sh dev             # one namespace
# Per userapp namespace: Secret userapp-postgres (POSTGRES_PASSWORD), Secret userapp-backend (DATABASE_URL,
# JWT_SECRET, FIRST_ADMIN_EMAIL, FIRST_ADMIN_PASSWORD). In promotion-board: Secret promotion-board-postgres
# and the audit database URL for scripts/deploy-dashboard.sh.
set -euo pipefail
SCRIPT_NAME="start-database"
# shellcheck source=scripts/lib/common.sh
source "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
need openssl

namespaces=("$@")
((${#namespaces[@]} > 0)) || namespaces=("${STAGES[@]}" promotion-board)

apply_postgres() {
  local ns="$1" name="$2" db="$3"
  kube apply -n "$ns" -f - >/dev/null <<MANIFEST
apiVersion: v1
kind: Service
metadata:
  name: $name
  labels: {app.kubernetes.io/name: $name, app.kubernetes.io/component: database}
spec:
  selector: {app.kubernetes.io/name: $name}
  ports: [{name: postgres, port: 5432, targetPort: postgres}]
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: $name
  labels: {app.kubernetes.io/name: $name, app.kubernetes.io/component: database}
spec:
  serviceName: $name
  replicas: 1
  selector:
    matchLabels: {app.kubernetes.io/name: $name}
  template:
    metadata:
      labels: {app.kubernetes.io/name: $name, app.kubernetes.io/component: database}
    spec:
      securityContext: {runAsNonRoot: true, runAsUser: 70, runAsGroup: 70, fsGroup: 70}
      containers:
        - name: postgres
          image: $POSTGRES_IMAGE
          env:
            - {name: POSTGRES_DB, value: $db}
            - {name: POSTGRES_USER, value: $db}
            - name: POSTGRES_PASSWORD
              valueFrom: {secretKeyRef: {name: $name, key: POSTGRES_PASSWORD}}
            - {name: PGDATA, value: /var/lib/postgresql/data/pgdata}
          ports: [{name: postgres, containerPort: 5432}]
          readinessProbe:
            exec: {command: ["pg_isready", "-U", "$db", "-d", "$db"]}
            periodSeconds: 5
          resources:
            requests: {cpu: 50m, memory: 128Mi}
            limits: {memory: 512Mi}
          securityContext: {allowPrivilegeEscalation: false, capabilities: {drop: ["ALL"]}}
          volumeMounts: [{name: data, mountPath: /var/lib/postgresql/data}]
  volumeClaimTemplates:
    - metadata: {name: data}
      spec:
        accessModes: [ReadWriteOnce]
        resources: {requests: {storage: 1Gi}}
MANIFEST
}

for ns in "${namespaces[@]}"; do
  if [[ "$ns" == promotion-board ]]; then
    name=promotion-board-postgres db=audit
  else
    name=userapp-postgres db=userapp
  fi
  log "[$ns] PostgreSQL $POSTGRES_IMAGE as $name"
  ensure_namespace "$ns"
  if ! secret_exists "$ns" "$name"; then
    kube -n "$ns" create secret generic "$name" --from-literal=POSTGRES_PASSWORD="$(random_secret 24)" >/dev/null
  fi
  apply_postgres "$ns" "$name" "$db"
  password="$(kube -n "$ns" get secret "$name" -o jsonpath='{.data.POSTGRES_PASSWORD}' | base64 -d)"
  url="postgresql+psycopg://$db:$password@$name.$ns.svc.cluster.local:5432/$db"

  if [[ "$ns" == promotion-board ]]; then
    save_state audit-database-url "$url"
  elif secret_exists "$ns" userapp-backend; then
    log "[$ns] Secret userapp-backend already present (kept)"
  else
    admin_password="$(random_secret 12)"
    kube -n "$ns" create secret generic userapp-backend \
      --from-literal=DATABASE_URL="$url" \
      --from-literal=JWT_SECRET="$(random_secret 32)" \
      --from-literal=FIRST_ADMIN_EMAIL="admin@userapp.example" \
      --from-literal=FIRST_ADMIN_PASSWORD="$admin_password" >/dev/null
    save_state "userapp-admin-password-$ns" "$admin_password"
    log "[$ns] first admin: admin@userapp.example (password in $STATE_DIR/userapp-admin-password-$ns)"
  fi
  kube -n "$ns" rollout status "statefulset/$name" --timeout=300s >/dev/null
  log "[$ns] database ready"
done
