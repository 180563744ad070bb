{{/* Resource base name: the release name unless fullnameOverride is set. */}}
{{- define "backend.fullname" -}}
{{- default .Release.Name .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Selector labels: stable for the life of a Deployment (never add environment labels here). */}}
{{- define "backend.selectorLabels" -}}
app.kubernetes.io/name: userapp-backend
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Common labels. */}}
{{- define "backend.labels" -}}
{{ include "backend.selectorLabels" . }}
app.kubernetes.io/component: api
app.kubernetes.io/part-of: userapp
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* Hardened container securityContext shared by the app and the migration Job. */}}
{{- define "backend.containerSecurityContext" -}}
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

{{/* Environment shared by the app and the migration Job: settings plus credentials from the existing Secret. */}}
{{- define "backend.env" -}}
- name: APP_ENV
  value: {{ .Values.app.env | quote }}
- name: LOG_LEVEL
  value: {{ .Values.app.logLevel | quote }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.name }}
      key: {{ .Values.secrets.databaseUrlKey }}
- name: JWT_SECRET
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.name }}
      key: {{ .Values.secrets.jwtSecretKey }}
{{- if .Values.secrets.firstAdmin }}
- name: FIRST_ADMIN_EMAIL
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.name }}
      key: FIRST_ADMIN_EMAIL
      optional: true
- name: FIRST_ADMIN_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ .Values.secrets.name }}
      key: FIRST_ADMIN_PASSWORD
      optional: true
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}
