{{/*
Names and labels. Every Orbit object carries the Kubernetes recommended labels; the selector
uses only the labels that never change over a release's life (name, instance, component).
*/}}

{{- define "orbit-common.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "orbit-common.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "orbit-common.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "orbit-common.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Usage: include "orbit-common.selectorLabels" (dict "ctx" $ "component" "server") */}}
{{- define "orbit-common.selectorLabels" -}}
app.kubernetes.io/name: {{ include "orbit-common.name" .ctx }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
{{- with .component }}
app.kubernetes.io/component: {{ . }}
{{- end }}
{{- end -}}

{{/* Usage: include "orbit-common.labels" (dict "ctx" $ "component" "server") */}}
{{- define "orbit-common.labels" -}}
{{ include "orbit-common.selectorLabels" . }}
app.kubernetes.io/version: {{ .ctx.Chart.AppVersion | quote }}
app.kubernetes.io/part-of: orbit
app.kubernetes.io/managed-by: {{ .ctx.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .ctx.Chart.Name .ctx.Chart.Version | replace "+" "_" }}
{{- with (.ctx.Values.global).commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Metadata block for an object: name, labels. Usage: include "orbit-common.metadata" (dict "ctx" $ "name" "x" "component" "y") */}}
{{- define "orbit-common.metadata" -}}
name: {{ .name }}
labels:
  {{- include "orbit-common.labels" . | nindent 2 }}
{{- end -}}
