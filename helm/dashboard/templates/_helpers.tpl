{{/* Resource base name: the release name unless fullnameOverride is set. */}}
{{- define "dashboard.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: stable for the life of a Deployment (never add environment labels here). */}}
{{- define "dashboard.selectorLabels" -}}
app.kubernetes.io/name: promotion-board
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Common labels. */}}
{{- define "dashboard.labels" -}}
{{ include "dashboard.selectorLabels" . }}
app.kubernetes.io/component: dashboard
app.kubernetes.io/part-of: promotion-board
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Hardened container securityContext shared by the app and the migration Job. */}}
{{- define "dashboard.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

