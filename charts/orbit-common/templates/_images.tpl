{{/*
Image references. Every image in every Orbit chart is built here, so that one setting,
global.imageRegistry, moves all of them to a private mirror (the repository path is kept).
Usage: include "orbit-common.image" (dict "ctx" $ "image" .Values.image)
*/}}
{{- define "orbit-common.image" -}}
{{- $registry := default .image.registry ((.ctx.Values.global).imageRegistry) -}}
{{- if not .image.tag -}}
{{- fail (printf "image %s has no tag: Orbit pins every image (latest is never used)" .image.repository) -}}
{{- end -}}
{{- $ref := printf "%s/%s:%s" $registry .image.repository (toString .image.tag) -}}
{{- if .image.digest -}}
{{- $ref = printf "%s@%s" $ref .image.digest -}}
{{- end -}}
{{- $ref -}}
{{- end -}}

{{/* The container fields image + imagePullPolicy. */}}
{{- define "orbit-common.imageFields" -}}
image: {{ include "orbit-common.image" . | quote }}
imagePullPolicy: {{ default "Always" ((.ctx.Values.global).imagePullPolicy) }}
{{- end -}}

{{- define "orbit-common.imagePullSecrets" -}}
{{- with (.Values.global).imagePullSecrets }}
imagePullSecrets:
{{- range . }}
  - name: {{ . }}
{{- end }}
{{- end }}
{{- end -}}
