{{/*
Trust for outbound TLS. When the stack sets orbit:trustedCaBundle, the platform creates
ConfigMap global.trustedCa.configMap (orbit-trusted-ca) in every Orbit namespace, holding that
bundle plus Orbit's own CA, and passes global.trustedCa to every chart. Containers that open
TLS connections (to a proxy, a mirror, an object store, an identity provider) use these helpers;
each renders nothing when no bundle is configured, so charts include them unconditionally.

In a pod template (root context `.`, or `$` inside a range):
  metadata.annotations:       {{- include "orbit-common.trustAnnotations" . | nindent 8 }}
  a container's env:          {{- include "orbit-common.trustEnv" . | nindent 12 }}
  a container's volumeMounts: {{- include "orbit-common.trustVolumeMount" . | nindent 12 }}
  the pod's volumes:          {{- include "orbit-common.trustVolume" . | nindent 8 }}

The environment covers OpenSSL, Go and Python (SSL_CERT_FILE), requests (REQUESTS_CA_BUNDLE),
curl (CURL_CA_BUNDLE), the AWS SDKs and boto (AWS_CA_BUNDLE), git (GIT_SSL_CAINFO) and Node.js
(NODE_EXTRA_CA_CERTS). JVM components and tools with their own CA setting point that setting at
"orbit-common.trustBundlePath" instead (for example Elasticsearch/Logstash
`certificate_authorities`, or Kafka `ssl.truststore.type=PEM` with `ssl.truststore.location`).
*/}}

{{/* "true" when a trusted CA bundle is configured, "" otherwise. */}}
{{- define "orbit-common.trustEnabled" -}}
{{- if ((.Values.global).trustedCa).configMap -}}true{{- end -}}
{{- end -}}

{{- define "orbit-common.trustMountPath" -}}/etc/orbit/trust{{- end -}}

{{/* The file path of the PEM bundle inside a container that mounts it. */}}
{{- define "orbit-common.trustBundlePath" -}}
{{- printf "%s/%s" (include "orbit-common.trustMountPath" .) (default "ca-bundle.crt" ((.Values.global).trustedCa).key) -}}
{{- end -}}

{{- define "orbit-common.trustEnv" -}}
{{- if include "orbit-common.trustEnabled" . -}}
{{- $path := include "orbit-common.trustBundlePath" . | quote -}}
{{- range $name := list "SSL_CERT_FILE" "REQUESTS_CA_BUNDLE" "CURL_CA_BUNDLE" "AWS_CA_BUNDLE" "GIT_SSL_CAINFO" "NODE_EXTRA_CA_CERTS" }}
- name: {{ $name }}
  value: {{ $path }}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "orbit-common.trustVolumeMount" -}}
{{- if include "orbit-common.trustEnabled" . }}
- name: orbit-trusted-ca
  mountPath: {{ include "orbit-common.trustMountPath" . }}
  readOnly: true
{{- end -}}
{{- end -}}

{{- define "orbit-common.trustVolume" -}}
{{- if include "orbit-common.trustEnabled" . }}
- name: orbit-trusted-ca
  configMap:
    name: {{ .Values.global.trustedCa.configMap }}
    items:
      - key: {{ default "ca-bundle.crt" .Values.global.trustedCa.key }}
        path: {{ default "ca-bundle.crt" .Values.global.trustedCa.key }}
{{- end -}}
{{- end -}}

{{/* Pod annotation that rolls the pods when the bundle changes (processes read it at start). */}}
{{- define "orbit-common.trustAnnotations" -}}
{{- with ((.Values.global).trustedCa).checksum }}
checksum/trusted-ca: {{ . | quote }}
{{- end -}}
{{- end -}}
