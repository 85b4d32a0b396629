{{- define "node-exporter.fullname" -}}{{ include "orbit-common.fullname" . }}{{- end -}}
