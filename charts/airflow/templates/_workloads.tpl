{{/*
One Airflow component as a Deployment. Parameters (dict):
  ctx, component, replicas, resources, command (shell line run by bash -c), ports (list of
  {name, port}), probes (YAML string), gitSync (bool), serviceAccount, automountToken (bool),
  extraMounts / extraVolumes (YAML strings), annotations (dict, object-level).
*/}}
{{- define "airflow.deployment" -}}
{{- $ctx := .ctx -}}
{{- $name := include "airflow.name" (list $ctx .component) -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  {{- include "orbit-common.metadata" (dict "ctx" $ctx "name" $name "component" .component) | nindent 2 }}
  annotations:
    {{- include "airflow.checkovEnvSkip" $ctx | nindent 4 }}
    {{- with .annotations }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  replicas: {{ int .replicas }}
  revisionHistoryLimit: 5
  selector:
    matchLabels:
      {{- include "orbit-common.selectorLabels" (dict "ctx" $ctx "component" .component) | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "orbit-common.labels" (dict "ctx" $ctx "component" .component) | nindent 8 }}
      annotations:
        # Restart on configuration change: every component must run the same airflow.cfg.
        checksum/config: {{ include "airflow.cfg" $ctx | sha256sum }}
        {{- include "orbit-common.trustAnnotations" $ctx | nindent 8 }}
    spec:
      {{- include "orbit-common.podDefaults" (dict "ctx" $ctx "serviceAccount" (default (include "airflow.fullname" $ctx) .serviceAccount) "automountToken" .automountToken) | nindent 6 }}
      securityContext:
        {{- include "orbit-common.podSecurityContext" $ctx.Values.securityContext | nindent 8 }}
      {{- include "airflow.spread" (dict "ctx" $ctx "component" .component) | nindent 6 }}
      terminationGracePeriodSeconds: 120
      initContainers:
        {{- include "airflow.waitForMigrations" $ctx | nindent 8 }}
      containers:
        - name: {{ .component }}
          {{- include "orbit-common.imageFields" (dict "ctx" $ctx "image" $ctx.Values.image) | nindent 10 }}
          args: ["bash", "-c", {{ printf "exec %s" .command | quote }}]
          env:
            # The init container has already waited for the database and the migrations.
            - { name: CONNECTION_CHECK_MAX_COUNT, value: "0" }
            {{- include "airflow.env" $ctx | nindent 12 }}
          {{- with .ports }}
          ports:
            {{- range . }}
            - { name: {{ .name }}, containerPort: {{ .port }}, protocol: TCP }
            {{- end }}
          {{- end }}
          {{- .probes | nindent 10 }}
          resources:
            {{- toYaml .resources | nindent 12 }}
          securityContext:
            {{- include "airflow.containerSecurityContext" $ctx | nindent 12 }}
          volumeMounts:
            {{- include "airflow.volumeMounts" $ctx | nindent 12 }}
            {{- with .extraMounts }}
            {{- . | nindent 12 }}
            {{- end }}
        {{- if and .gitSync (include "airflow.gitSync" $ctx) }}
        {{- include "airflow.gitSyncContainer" (dict "ctx" $ctx "oneTime" false) | nindent 8 }}
        {{- end }}
      volumes:
        {{- include "airflow.volumes" $ctx | nindent 8 }}
        {{- with .extraVolumes }}
        {{- . | nindent 8 }}
        {{- end }}
{{- if gt (int .replicas) 1 }}
---
{{ include "orbit-common.podDisruptionBudget" (dict "ctx" $ctx "name" $name "component" .component "maxUnavailable" 1) }}
{{- end }}
{{- end -}}

{{/* An exec probe running an Airflow CLI health check (Python start-up makes it slow: generous timings). */}}
{{- define "airflow.execProbes" -}}
readinessProbe:
  exec:
    command: ["bash", "-c", {{ . | quote }}]
  initialDelaySeconds: 30
  periodSeconds: 60
  timeoutSeconds: 45
  failureThreshold: 3
livenessProbe:
  exec:
    command: ["bash", "-c", {{ . | quote }}]
  initialDelaySeconds: 120
  periodSeconds: 60
  timeoutSeconds: 45
  failureThreshold: 5
{{- end -}}
