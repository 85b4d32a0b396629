{{- define "airflow.fullname" -}}{{ include "orbit-common.fullname" . }}{{- end -}}

{{/* Name of a component's objects. Usage: include "airflow.name" (list $ "scheduler") */}}
{{- define "airflow.name" -}}{{ printf "%s-%s" (include "orbit-common.fullname" (index . 0)) (index . 1) }}{{- end -}}

{{- define "airflow.celery" -}}{{ if eq .Values.executor "CeleryExecutor" }}true{{ end }}{{- end -}}
{{- define "airflow.inClusterPostgres" -}}{{ if not .Values.database.external.host }}true{{ end }}{{- end -}}
{{- define "airflow.gitSync" -}}{{ if eq .Values.dags.source "gitSync" }}true{{ end }}{{- end -}}

{{/* The path prefix Airflow serves under, from baseUrl ("" or "/airflow"). */}}
{{- define "airflow.basePath" -}}{{ trimSuffix "/" (urlParse .Values.baseUrl).path }}{{- end -}}

{{- define "airflow.host" -}}
{{- printf "%s.%s.svc.cluster.local" (include "airflow.name" (list .ctx .component)) .ctx.Release.Namespace -}}
{{- end -}}

{{/* Where workers and task pods call the execution API (in-cluster, same path prefix). */}}
{{- define "airflow.executionApiUrl" -}}
{{- printf "http://%s:8080%s/execution/" (include "airflow.host" (dict "ctx" . "component" "api-server")) (include "airflow.basePath" .) -}}
{{- end -}}

{{- define "airflow.dagsFolder" -}}
{{- if include "airflow.gitSync" . -}}
{{- printf "/opt/airflow/dags/repo/%s" (trimAll "/" .Values.dags.gitSync.subPath) | trimSuffix "/" -}}
{{- else -}}
/opt/airflow/dags
{{- end -}}
{{- end -}}

{{- define "airflow.validate" -}}
{{- if not .Values.secrets.existingSecret -}}
{{- fail "secrets.existingSecret is required: a Secret with keys fernet-key, api-secret-key, jwt-secret, sql-alchemy-conn (and celery-broker-url for CeleryExecutor)" -}}
{{- end -}}
{{- if not .Values.database.existingSecret -}}
{{- fail "database.existingSecret is required: a Secret with key password for the database user" -}}
{{- end -}}
{{- if and (include "airflow.celery" .) (not .Values.valkey.existingSecret) -}}
{{- fail "valkey.existingSecret is required with CeleryExecutor: a Secret with key password" -}}
{{- end -}}
{{- if and .Values.admin.enabled (not .Values.admin.existingSecret) -}}
{{- fail "admin.existingSecret is required when admin.enabled: a Secret with keys username and password" -}}
{{- end -}}
{{- if include "airflow.gitSync" . -}}
{{- $git := .Values.dags.gitSync -}}
{{- if not $git.repository -}}
{{- fail "dags.gitSync.repository is required when dags.source is gitSync" -}}
{{- end -}}
{{- if and (ne $git.auth "none") (not $git.existingSecret) -}}
{{- fail (printf "dags.gitSync.existingSecret is required when dags.gitSync.auth is %s" $git.auth) -}}
{{- end -}}
{{- if and (eq $git.auth "ssh") (hasPrefix "http" $git.repository) -}}
{{- fail (printf "dags.gitSync.auth is ssh but the repository %s is an http(s) URL; use git@host:org/repo.git or ssh://" $git.repository) -}}
{{- end -}}
{{- if and (eq $git.auth "token") (not (hasPrefix "https://" $git.repository)) -}}
{{- fail (printf "dags.gitSync.auth is token but the repository %s is not an https:// URL" $git.repository) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.remoteLogging.enabled (or (not .Values.remoteLogging.endpointUrl) (not .Values.remoteLogging.existingSecret)) -}}
{{- fail "remoteLogging.endpointUrl and remoteLogging.existingSecret are required when remoteLogging.enabled" -}}
{{- end -}}
{{- if and .Values.kafka.enabled (or (not .Values.kafka.bootstrapServers) (not .Values.kafka.existingSecret)) -}}
{{- fail "kafka.bootstrapServers and kafka.existingSecret are required when kafka.enabled" -}}
{{- end -}}
{{- end -}}

{{/*
airflow.cfg: every non-secret setting. Secrets never appear here; they arrive as environment
variables from secrets.existingSecret (environment variables win over the file).
*/}}
{{- define "airflow.cfg" -}}
{{- $cfg := dict -}}
{{- $_ := set $cfg "core" (dict
  "executor" .Values.executor
  "dags_folder" (include "airflow.dagsFolder" .)
  "load_examples" "False"
  "auth_manager" "airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager"
  "execution_api_server_url" (include "airflow.executionApiUrl" .)
  "hostname_callable" "airflow.utils.net.get_host_ip_address"
) -}}
{{- $_ := set $cfg "api" (dict "base_url" .Values.baseUrl "port" "8080" "host" "0.0.0.0") -}}
{{- $_ := set $cfg "database" (dict "check_migrations" "True") -}}
{{- $_ := set $cfg "scheduler" (dict "enable_health_check" "True" "scheduler_health_check_server_port" "8974") -}}
{{- $_ := set $cfg "metrics" (dict
  "statsd_on" "True"
  "statsd_host" (include "airflow.host" (dict "ctx" . "component" "statsd"))
  "statsd_port" "9125"
  "statsd_prefix" "airflow"
) -}}
{{- $logging := dict "base_log_folder" "/opt/airflow/logs" "remote_logging" "False" -}}
{{- if .Values.remoteLogging.enabled -}}
{{- $logging = dict
  "base_log_folder" "/opt/airflow/logs"
  "remote_logging" "True"
  "remote_log_conn_id" .Values.remoteLogging.connId
  "remote_base_log_folder" (printf "s3://%s/%s" .Values.remoteLogging.bucket (trimAll "/" .Values.remoteLogging.prefix))
  "encrypt_s3_logs" "False"
  "delete_local_logs" "True"
-}}
{{- end -}}
{{- $_ := set $cfg "logging" $logging -}}
{{- if include "airflow.celery" . -}}
{{- $_ := set $cfg "celery" (dict "worker_concurrency" (toString (int .Values.workers.concurrency))) -}}
{{- else -}}
{{- $_ := set $cfg "kubernetes_executor" (dict
  "namespace" .Release.Namespace
  "pod_template_file" "/opt/airflow/pod-templates/pod_template_file.yaml"
  "delete_worker_pods" "True"
  "delete_worker_pods_on_failure" "False"
) -}}
{{- end -}}
{{- $cfg = mustMergeOverwrite $cfg (deepCopy .Values.config) -}}
{{- range $section := keys $cfg | sortAlpha }}
[{{ $section }}]
{{- $options := get $cfg $section }}
{{- range $option := keys $options | sortAlpha }}
{{ $option }} = {{ get $options $option }}
{{- end }}
{{- end }}
{{- end -}}

{{/*
Environment shared by every Airflow container. Secrets come by reference only. Connections are
JSON documents whose credential fields use Kubernetes' $(VAR) expansion of the Secret-backed
variables defined just before them, so no credential is ever written into a manifest.
*/}}
{{- define "airflow.env" -}}
- { name: AIRFLOW_HOME, value: /opt/airflow }
- { name: AIRFLOW_CONFIG, value: /opt/airflow/airflow.cfg }
- { name: AIRFLOW__CORE__FERNET_KEY, valueFrom: { secretKeyRef: { name: {{ .Values.secrets.existingSecret }}, key: fernet-key } } }
- { name: AIRFLOW__DATABASE__SQL_ALCHEMY_CONN, valueFrom: { secretKeyRef: { name: {{ .Values.secrets.existingSecret }}, key: sql-alchemy-conn } } }
- { name: AIRFLOW__API__SECRET_KEY, valueFrom: { secretKeyRef: { name: {{ .Values.secrets.existingSecret }}, key: api-secret-key } } }
- { name: AIRFLOW__API_AUTH__JWT_SECRET, valueFrom: { secretKeyRef: { name: {{ .Values.secrets.existingSecret }}, key: jwt-secret } } }
{{- if include "airflow.celery" . }}
- { name: AIRFLOW__CELERY__BROKER_URL, valueFrom: { secretKeyRef: { name: {{ .Values.secrets.existingSecret }}, key: celery-broker-url } } }
{{- end }}
{{- with .Values.remoteLogging }}
{{- if .enabled }}
- { name: ORBIT_S3_ACCESS_KEY, valueFrom: { secretKeyRef: { name: {{ .existingSecret }}, key: accessKey } } }
- { name: ORBIT_S3_SECRET_KEY, valueFrom: { secretKeyRef: { name: {{ .existingSecret }}, key: secretKey } } }
- name: {{ printf "AIRFLOW_CONN_%s" (upper .connId) }}
  value: {{ dict "conn_type" "aws" "login" "$(ORBIT_S3_ACCESS_KEY)" "password" "$(ORBIT_S3_SECRET_KEY)" "extra" (dict "endpoint_url" .endpointUrl "verify" "/etc/orbit/s3/ca.crt" "region_name" "us-east-1" "config_kwargs" (dict "s3" (dict "addressing_style" "path"))) | toJson | quote }}
{{- end }}
{{- end }}
{{- with .Values.kafka }}
{{- if .enabled }}
- { name: ORBIT_KAFKA_USERNAME, valueFrom: { secretKeyRef: { name: {{ .existingSecret }}, key: username } } }
- { name: ORBIT_KAFKA_PASSWORD, valueFrom: { secretKeyRef: { name: {{ .existingSecret }}, key: password } } }
- name: {{ printf "AIRFLOW_CONN_%s" (upper .connId) }}
  value: {{ dict "conn_type" "kafka" "extra" (dict "bootstrap.servers" .bootstrapServers "security.protocol" .securityProtocol "sasl.mechanism" .saslMechanism "sasl.username" "$(ORBIT_KAFKA_USERNAME)" "sasl.password" "$(ORBIT_KAFKA_PASSWORD)" "ssl.ca.location" "/etc/orbit/kafka/ca.crt" "group.id" .groupId "enable.auto.commit" "false") | toJson | quote }}
{{- end }}
{{- end }}
{{- include "orbit-common.trustEnv" . }}
{{- end -}}

{{/* Volumes every Airflow pod mounts. */}}
{{- define "airflow.volumes" -}}
- name: config
  configMap:
    name: {{ include "airflow.name" (list . "config") }}
- name: logs
  emptyDir: { sizeLimit: 2Gi }
- name: tmp
  emptyDir: { sizeLimit: 1Gi }
{{- if include "airflow.gitSync" . }}
- name: dags
  emptyDir: { sizeLimit: 1Gi }
{{- if ne .Values.dags.gitSync.auth "none" }}
- name: git-credentials
  secret:
    secretName: {{ .Values.dags.gitSync.existingSecret }}
    # Group-readable for the fsGroup; ssh accepts it because root, not the user, owns the file.
    items:
      {{- if eq .Values.dags.gitSync.auth "ssh" }}
      - { key: ssh, path: ssh, mode: 0440 }
      - { key: known_hosts, path: known_hosts, mode: 0440 }
      {{- else }}
      - { key: token, path: token, mode: 0440 }
      {{- end }}
{{- end }}
{{- end }}
{{- if .Values.remoteLogging.enabled }}
- name: s3-ca
  secret:
    secretName: {{ .Values.remoteLogging.existingSecret }}
    items: [{ key: ca.crt, path: ca.crt }]
{{- end }}
{{- if .Values.kafka.enabled }}
- name: kafka-ca
  secret:
    secretName: {{ .Values.kafka.existingSecret }}
    items: [{ key: ca.crt, path: ca.crt }]
{{- end }}
{{- include "orbit-common.trustVolume" . }}
{{- end -}}

{{- define "airflow.volumeMounts" -}}
- { name: config, mountPath: /opt/airflow/airflow.cfg, subPath: airflow.cfg, readOnly: true }
- { name: config, mountPath: /opt/airflow/webserver_config.py, subPath: webserver_config.py, readOnly: true }
- { name: logs, mountPath: /opt/airflow/logs }
- { name: tmp, mountPath: /tmp }
{{- if include "airflow.gitSync" . }}
- { name: dags, mountPath: /opt/airflow/dags, readOnly: true }
{{- end }}
{{- if .Values.remoteLogging.enabled }}
- { name: s3-ca, mountPath: /etc/orbit/s3, readOnly: true }
{{- end }}
{{- if .Values.kafka.enabled }}
- { name: kafka-ca, mountPath: /etc/orbit/kafka, readOnly: true }
{{- end }}
{{- include "orbit-common.trustVolumeMount" . }}
{{- end -}}

{{- define "airflow.containerSecurityContext" -}}
{{ include "orbit-common.containerSecurityContext" .Values.securityContext }}
{{- end -}}

{{/* Init container: wait until the migration Job has brought the schema to this image's version. */}}
{{- define "airflow.waitForMigrations" -}}
- name: wait-for-migrations
  {{- include "orbit-common.imageFields" (dict "ctx" . "image" .Values.image) | nindent 2 }}
  args: ["bash", "-c", {{ printf "exec airflow db check-migrations --migration-wait-timeout %d" (int .Values.migrations.waitTimeoutSeconds) | quote }}]
  env:
    {{- include "airflow.env" . | nindent 4 }}
  resources:
    {{- toYaml .Values.migrations.resources | nindent 4 }}
  securityContext:
    {{- include "airflow.containerSecurityContext" . | nindent 4 }}
  volumeMounts:
    {{- include "airflow.volumeMounts" . | nindent 4 }}
{{- end -}}

{{/*
git-sync: a sidecar that keeps /opt/airflow/dags/repo current, or (oneTime) an init container
for task pods. Runs as the Airflow user so that Airflow can read what it writes.
Usage: include "airflow.gitSyncContainer" (dict "ctx" $ "oneTime" false)
*/}}
{{- define "airflow.gitSyncContainer" -}}
{{- $git := .ctx.Values.dags.gitSync -}}
- name: git-sync
  {{- include "orbit-common.imageFields" (dict "ctx" .ctx "image" $git.image) | nindent 2 }}
  env:
    - { name: GITSYNC_REPO, value: {{ $git.repository | quote }} }
    - { name: GITSYNC_REF, value: {{ $git.ref | quote }} }
    - { name: GITSYNC_ROOT, value: /git }
    - { name: GITSYNC_LINK, value: repo }
    - { name: GITSYNC_DEPTH, value: "1" }
    - { name: GITSYNC_PERIOD, value: {{ printf "%ds" (int $git.period) | quote }} }
    - { name: HOME, value: /tmp }
    {{- include "orbit-common.trustEnv" .ctx | nindent 4 }}
    {{- if .oneTime }}
    - { name: GITSYNC_ONE_TIME, value: "true" }
    {{- else }}
    - { name: GITSYNC_HTTP_BIND, value: ":8787" }
    {{- end }}
    {{- if eq $git.auth "ssh" }}
    - { name: GITSYNC_SSH_KEY_FILE, value: /etc/git-secret/ssh }
    - { name: GITSYNC_SSH_KNOWN_HOSTS, value: "true" }
    - { name: GITSYNC_SSH_KNOWN_HOSTS_FILE, value: /etc/git-secret/known_hosts }
    {{- else if eq $git.auth "token" }}
    - { name: GITSYNC_USERNAME, value: {{ $git.username | quote }} }
    - { name: GITSYNC_PASSWORD_FILE, value: /etc/git-secret/token }
    {{- end }}
  {{- if not .oneTime }}
  ports:
    - { name: git-sync, containerPort: 8787, protocol: TCP }
  readinessProbe:
    httpGet: { path: /, port: git-sync }
    periodSeconds: 15
    timeoutSeconds: 5
  livenessProbe:
    httpGet: { path: /, port: git-sync }
    initialDelaySeconds: 60
    periodSeconds: 30
    timeoutSeconds: 5
    failureThreshold: 6
  {{- end }}
  resources:
    {{- toYaml $git.resources | nindent 4 }}
  securityContext:
    {{- include "airflow.containerSecurityContext" .ctx | nindent 4 }}
  volumeMounts:
    - { name: dags, mountPath: /git }
    - { name: tmp, mountPath: /tmp }
    {{- if ne $git.auth "none" }}
    - { name: git-credentials, mountPath: /etc/git-secret, readOnly: true }
    {{- end }}
    {{- include "orbit-common.trustVolumeMount" .ctx | nindent 4 }}
{{- end -}}

{{/* Spread replicas over zones and nodes; never block scheduling on a small cluster. */}}
{{- define "airflow.spread" -}}
topologySpreadConstraints:
  - maxSkew: 1
    topologyKey: topology.kubernetes.io/zone
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "orbit-common.selectorLabels" . | nindent 8 }}
  - maxSkew: 1
    topologyKey: kubernetes.io/hostname
    whenUnsatisfiable: ScheduleAnyway
    labelSelector:
      matchLabels:
        {{- include "orbit-common.selectorLabels" . | nindent 8 }}
affinity:
  podAntiAffinity:
    preferredDuringSchedulingIgnoredDuringExecution:
      - weight: 100
        podAffinityTerm:
          topologyKey: kubernetes.io/hostname
          labelSelector:
            matchLabels:
              {{- include "orbit-common.selectorLabels" . | nindent 14 }}
{{- end -}}

{{/*
Checkov CKV_K8S_35 prefers secrets as files. Airflow reads its connections (AIRFLOW_CONN_*) only
from the environment or a secrets backend, and every component must see the same fernet key,
JWT secret and database URL, so Airflow's pods take them by secretKeyRef.
*/}}
{{- define "airflow.checkovEnvSkip" -}}
checkov.io/skip1: CKV_K8S_35=Airflow reads connections (AIRFLOW_CONN_*) and its core secrets from environment variables fed by secretKeyRef
{{- end -}}

{{/* PgBouncer configuration (no secrets: the auth file is written at start from the Secret). */}}
{{- define "airflow.pgbouncerIni" -}}
{{- $pgb := .Values.pgbouncer -}}
{{- $external := .Values.database.external -}}
[databases]
{{- if include "airflow.inClusterPostgres" . }}
{{ .Values.database.name }} = host={{ include "airflow.host" (dict "ctx" . "component" "postgres") }} port=5432 dbname={{ .Values.database.name }}
{{- else }}
{{ .Values.database.name }} = host={{ $external.host }} port={{ int $external.port }} dbname={{ .Values.database.name }}
{{- end }}

[pgbouncer]
listen_addr = 0.0.0.0
listen_port = 6543
unix_socket_dir =
auth_type = scram-sha-256
auth_file = /run/pgbouncer/userlist.txt
pool_mode = {{ $pgb.poolMode }}
max_client_conn = {{ int $pgb.maxClientConn }}
default_pool_size = {{ int $pgb.defaultPoolSize }}
ignore_startup_parameters = extra_float_digits
{{- if not (include "airflow.inClusterPostgres" .) }}
server_tls_sslmode = {{ $external.sslmode }}
{{- end }}
log_connections = 0
log_disconnections = 0
{{- end -}}
