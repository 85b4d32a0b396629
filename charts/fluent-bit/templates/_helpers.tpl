{{- define "fluent-bit.fullname" -}}{{ include "orbit-common.fullname" . }}{{- end -}}

{{- define "fluent-bit.validate" -}}
{{- if not .Values.output.host -}}
{{- fail "output.host is required: the Logstash or Elasticsearch Service the shipper sends to" -}}
{{- end -}}
{{- if not .Values.output.caSecret -}}
{{- fail "output.caSecret is required: a Secret with ca.crt (TLS to the target is always verified)" -}}
{{- end -}}
{{- if and (eq .Values.output.target "elasticsearch") (not .Values.output.credentialsSecret) -}}
{{- fail "output.credentialsSecret is required when output.target is elasticsearch: a Secret with username and password" -}}
{{- end -}}
{{- end -}}
