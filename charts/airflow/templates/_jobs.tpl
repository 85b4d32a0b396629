{{/*
A one-shot Airflow Job (plain Job, never a Helm hook: Pulumi drops hooks and hook-ordered
migrations deadlock with tools that wait, apache/airflow#32003). Parameters (dict): ctx,
component, command, dependsOn (the object Pulumi must finish first), waitForMigrations (bool),
extraEnv, extraMounts, extraVolumes (YAML strings).
*/}}
{{- define "airflow.job" -}}
{{- $ctx := .ctx -}}
apiVersion: batch/v1
kind: Job
metadata:
  {{- include "orbit-common.metadata" (dict "ctx" $ctx "name" (include "airflow.name" (list $ctx .component)) "component" .component) | nindent 2 }}
  annotations:
    config.kubernetes.io/depends-on: {{ .dependsOn }}
    {{- include "airflow.checkovEnvSkip" $ctx | nindent 4 }}
spec:
  backoffLimit: 10
  activeDeadlineSeconds: 3600
  template:
    metadata:
      labels:
        {{- include "orbit-common.labels" (dict "ctx" $ctx "component" .component) | nindent 8 }}
    spec:
      {{- include "orbit-common.podDefaults" (dict "ctx" $ctx "serviceAccount" (include "airflow.fullname" $ctx)) | nindent 6 }}
      restartPolicy: OnFailure
      securityContext:
        {{- include "orbit-common.podSecurityContext" $ctx.Values.securityContext | nindent 8 }}
      {{- if .waitForMigrations }}
      initContainers:
        {{- include "airflow.waitForMigrations" $ctx | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          {{- include "orbit-common.imageFields" (dict "ctx" $ctx "image" $ctx.Values.image) | nindent 10 }}
          args: ["bash", "-c", {{ .command | quote }}]
          env:
            {{- include "airflow.env" $ctx | nindent 12 }}
            {{- with .extraEnv }}
            {{- . | nindent 12 }}
            {{- end }}
          resources:
            {{- toYaml $ctx.Values.migrations.resources | nindent 12 }}
          securityContext:
            {{- include "airflow.containerSecurityContext" $ctx | nindent 12 }}
          volumeMounts:
            {{- include "airflow.volumeMounts" $ctx | nindent 12 }}
            {{- with .extraMounts }}
            {{- . | nindent 12 }}
            {{- end }}
      volumes:
        {{- include "airflow.volumes" $ctx | nindent 8 }}
        {{- with .extraVolumes }}
        {{- . | nindent 8 }}
        {{- end }}
{{- end -}}
