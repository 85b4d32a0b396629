{{- define "prometheus.fullname" -}}{{ include "orbit-common.fullname" . }}{{- end -}}
{{- define "prometheus.alertmanager" -}}{{ printf "%s-alertmanager" (include "prometheus.fullname" .) }}{{- end -}}
{{- define "prometheus.alertmanagerHeadless" -}}{{ printf "%s-alertmanager-hl" (include "prometheus.fullname" .) }}{{- end -}}
{{- define "prometheus.kubeStateMetrics" -}}{{ printf "%s-kube-state-metrics" (include "prometheus.fullname" .) }}{{- end -}}

{{/* Path prefixes without a trailing slash ("/prometheus"); "" when served at the root. */}}
{{- define "prometheus.serverPrefix" -}}{{ trimSuffix "/" .Values.server.routePrefix }}{{- end -}}
{{- define "prometheus.alertmanagerPrefix" -}}{{ trimSuffix "/" .Values.alertmanager.routePrefix }}{{- end -}}

{{/*
The URL in links Prometheus and Alertmanager generate. Alertmanager only accepts an absolute
http(s) URL, so without externalUrl both use their in-cluster Service address plus the prefix.
*/}}
{{- define "prometheus.serverExternalUrl" -}}
{{- .Values.server.externalUrl | default (printf "http://%s.%s.svc.cluster.local:9090%s" (include "prometheus.fullname" .) .Release.Namespace (include "prometheus.serverPrefix" .)) -}}
{{- end -}}
{{- define "prometheus.alertmanagerExternalUrl" -}}
{{- .Values.alertmanager.externalUrl | default (printf "http://%s.%s.svc.cluster.local:9093%s" (include "prometheus.alertmanager" .) .Release.Namespace (include "prometheus.alertmanagerPrefix" .)) -}}
{{- end -}}

{{/* Namespace node-exporter pods run in, or "" when this Prometheus does not scrape any. */}}
{{- define "prometheus.kubeletScraped" -}}
{{- if and .Values.kubelet.enabled (include "prometheus.nodeExporterNamespace" .) }}true{{ end -}}
{{- end -}}

{{- define "prometheus.nodeExporterNamespace" -}}{{ .Values.nodeExporter.namespace }}{{- end -}}

{{/*
Every scrape job this Prometheus runs, one per line: its own components' jobs and one per entry
of scrapeTargets. Rule groups and the TargetDown alert are rendered from this list, so a rule can
never refer to a job that is not scraped.
*/}}
{{- define "prometheus.jobs" -}}
{{- if .Values.server.enabled }}
prometheus
{{- if .Values.alertmanager.enabled }}
alertmanager
{{- end }}
{{- if .Values.kubeStateMetrics.enabled }}
kube-state-metrics
{{- end }}
{{- if include "prometheus.nodeExporterNamespace" . }}
node-exporter
{{- end }}
{{- if include "prometheus.kubeletScraped" . }}
kubelet
{{- end }}
{{- range .Values.scrapeTargets }}
{{ .job }}
{{- end }}
{{- end }}
{{- end -}}

{{- define "prometheus.jobList" -}}
{{- compact (splitList "\n" (include "prometheus.jobs" .)) | toJson -}}
{{- end -}}

{{- define "prometheus.validate" -}}
{{- $own := list "prometheus" "alertmanager" "kube-state-metrics" "node-exporter" "kubelet" -}}
{{- $seen := list -}}
{{- $https := false -}}
{{- range .Values.scrapeTargets -}}
{{- if has .job $own -}}
{{- fail (printf "scrapeTargets: job %q is one of this chart's own jobs (%s); give the target another name" .job (join ", " $own)) -}}
{{- end -}}
{{- if has .job $seen -}}
{{- fail (printf "scrapeTargets: job %q is listed more than once; every job must be unique" .job) -}}
{{- end -}}
{{- $seen = append $seen .job -}}
{{- if eq (default "http" .scheme) "https" -}}{{- $https = true -}}{{- end -}}
{{- end -}}
{{- if and $https (not .Values.targetsCaSecret) -}}
{{- fail "targetsCaSecret is required when a scrape target uses https: a Secret with ca.crt that signed the targets' certificates" -}}
{{- end -}}
{{- if and .Values.alertmanager.receivers (not .Values.alertmanager.receiversSecret) -}}
{{- fail "alertmanager.receiversSecret is required when alertmanager.receivers is set: a Secret with each receiver's credential files" -}}
{{- end -}}
{{- $names := list -}}
{{- range .Values.alertmanager.receivers -}}
{{- if or (eq .name "null") (has .name $names) -}}
{{- fail (printf "alertmanager.receivers: name %q is reserved or listed more than once" .name) -}}
{{- end -}}
{{- $names = append $names .name -}}
{{- end -}}
{{- end -}}

{{/*
The service-account token, CA and namespace, mounted only into the container that calls the
Kubernetes API (the pod itself has automountServiceAccountToken: false, so sidecars get no token).
*/}}
{{- define "prometheus.apiTokenVolume" -}}
- name: api-token
  projected:
    defaultMode: 0444
    sources:
      - serviceAccountToken:
          path: token
          expirationSeconds: 3600
      - configMap:
          name: kube-root-ca.crt
          items:
            - { key: ca.crt, path: ca.crt }
      - downwardAPI:
          items:
            - path: namespace
              fieldRef: { apiVersion: v1, fieldPath: metadata.namespace }
{{- end -}}

{{/* Egress to the Kubernetes API server (kube-state-metrics). */}}
{{- define "prometheus.apiServerEgress" -}}
- to:
    {{- range .Values.networkPolicy.apiServerCidrs }}
    - ipBlock: { cidr: {{ . | quote }} }
    {{- end }}
  ports:
    - { protocol: TCP, port: 443 }
    - { protocol: TCP, port: 6443 }
{{- end -}}

{{/* A container for prometheus-config-reloader. Usage: include "prometheus.reloader" (dict "ctx" $ "args" (list ...) "resources" (...) "mounts" (list ...)) */}}
{{- define "prometheus.reloader" -}}
- name: config-reloader
  {{- include "orbit-common.imageFields" (dict "ctx" .ctx "image" .ctx.Values.images.configReloader) | nindent 2 }}
  args:
    - --listen-address=:8080
    {{- range .args }}
    - {{ . }}
    {{- end }}
  ports:
    - { name: reloader, containerPort: 8080, protocol: TCP }
  livenessProbe:
    httpGet: { path: /healthz, port: reloader }
    periodSeconds: 30
  readinessProbe:
    httpGet: { path: /healthz, port: reloader }
    periodSeconds: 30
  resources:
    {{- toYaml .resources | nindent 4 }}
  securityContext:
    {{- include "orbit-common.containerSecurityContext" .ctx.Values.securityContext | nindent 4 }}
  volumeMounts:
    {{- toYaml .mounts | nindent 4 }}
{{- end -}}
