{{/*
Pod Security "restricted" contexts. Charts pass the image's own non-root uid/gid.
Usage: include "orbit-common.podSecurityContext" (dict "uid" 1000 "gid" 1000)
*/}}
{{- define "orbit-common.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ int .uid }}
runAsGroup: {{ int (default .uid .gid) }}
fsGroup: {{ int (default .uid .gid) }}
fsGroupChangePolicy: OnRootMismatch
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Usage: include "orbit-common.containerSecurityContext" (dict "uid" 1000 "gid" 1000) */}}
{{- define "orbit-common.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ int .uid }}
runAsGroup: {{ int (default .uid .gid) }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
privileged: false
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Common pod-level fields: service account, no token automount unless asked, pull secrets. */}}
{{- define "orbit-common.podDefaults" -}}
serviceAccountName: {{ .serviceAccount }}
automountServiceAccountToken: {{ default false .automountToken }}
enableServiceLinks: false
{{- include "orbit-common.imagePullSecrets" .ctx }}
{{- end -}}
