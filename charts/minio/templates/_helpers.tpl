{{- define "minio.fullname" -}}{{ include "orbit-common.fullname" . }}{{- end -}}
{{- define "minio.headless" -}}{{ printf "%s-hl" (include "minio.fullname" .) }}{{- end -}}
{{- define "minio.scheme" -}}{{ ternary "https" "http" .Values.tls.enabled }}{{- end -}}

{{/* The in-cluster S3 endpoint clients use. */}}
{{- define "minio.url" -}}
{{- printf "%s://%s.%s.svc.cluster.local:9000" (include "minio.scheme" .) (include "minio.fullname" .) .Release.Namespace -}}
{{- end -}}

{{/*
Erasure layout check, the same rule as Orbit's config validation: one server may run any
drives; several servers need >= 4 drives split into equal sets of 4..16.
*/}}
{{- define "minio.validate" -}}
{{- $servers := int .Values.servers -}}
{{- $total := mul $servers (int .Values.drivesPerServer) -}}
{{- $ok := eq $total 1 -}}
{{- $smallest := ternary 2 4 (eq $servers 1) -}}
{{- range $size := untilStep 16 (int (sub $smallest 1)) -1 -}}
{{- if eq (mod $total $size) 0 -}}{{- $ok = true -}}{{- end -}}
{{- end -}}
{{- if not $ok -}}
{{- fail (printf "servers × drivesPerServer = %d × %d cannot form a MinIO erasure set (several servers need at least 4 drives, divisible into sets of 4 to 16)" $servers (int .Values.drivesPerServer)) -}}
{{- end -}}
{{- if not .Values.auth.existingSecret -}}
{{- fail "auth.existingSecret is required: a Secret with keys rootUser and rootPassword" -}}
{{- end -}}
{{- if and .Values.tls.enabled (not .Values.tls.existingSecret) -}}
{{- fail "tls.existingSecret is required when tls.enabled: a Secret with tls.crt, tls.key and ca.crt" -}}
{{- end -}}
{{- end -}}

{{/* The volume arguments of `minio server`. Three dots are MinIO's own expansion syntax. */}}
{{- define "minio.serverArgs" -}}
{{- $drives := int .Values.drivesPerServer -}}
{{- $paths := ternary "/export0" (printf "/export{0...%d}" (sub $drives 1)) (eq $drives 1) -}}
{{- if eq (int .Values.servers) 1 -}}
{{- if eq $drives 1 }}/export0{{ else }}{{ $paths }}{{ end -}}
{{- else -}}
{{- printf "%s://%s-{0...%d}.%s.%s.svc.cluster.local%s" (include "minio.scheme" .) (include "minio.fullname" .) (sub (int .Values.servers) 1) (include "minio.headless" .) .Release.Namespace $paths -}}
{{- end -}}
{{- end -}}
