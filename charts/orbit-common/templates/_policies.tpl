{{/*
NetworkPolicy, PodDisruptionBudget and ServiceAccount builders shared by every chart.
*/}}

{{/* Denies all traffic to and from the release's pods; each chart adds explicit allows. DNS egress stays open. */}}
{{- define "orbit-common.defaultDenyNetworkPolicy" -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  {{- include "orbit-common.metadata" (dict "ctx" . "name" (printf "%s-default-deny" (include "orbit-common.fullname" .)) "component" "network") | nindent 2 }}
spec:
  podSelector:
    matchLabels:
      app.kubernetes.io/instance: {{ .Release.Name }}
  policyTypes: ["Ingress", "Egress"]
  egress:
    - to:
        - namespaceSelector:
            matchLabels:
              kubernetes.io/metadata.name: kube-system
          podSelector:
            matchLabels:
              k8s-app: kube-dns
      ports:
        - { protocol: UDP, port: 53 }
        - { protocol: TCP, port: 53 }
{{- end -}}

{{/*
A "from" peer list for ingress from other namespaces' pods, given as a list of
{namespace, podLabels} maps. Usage: include "orbit-common.peers" .Values.networkPolicy.allowFrom
*/}}
{{- define "orbit-common.peers" -}}
{{- range . }}
- namespaceSelector:
    matchLabels:
      kubernetes.io/metadata.name: {{ .namespace }}
  {{- with .podLabels }}
  podSelector:
    matchLabels:
      {{- toYaml . | nindent 6 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* Usage: include "orbit-common.podDisruptionBudget" (dict "ctx" $ "name" "x" "component" "server" "maxUnavailable" 1) */}}
{{- define "orbit-common.podDisruptionBudget" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  {{- include "orbit-common.metadata" . | nindent 2 }}
spec:
  maxUnavailable: {{ default 1 .maxUnavailable }}
  selector:
    matchLabels:
      {{- include "orbit-common.selectorLabels" . | nindent 6 }}
{{- end -}}

{{/* Usage: include "orbit-common.serviceAccount" (dict "ctx" $ "name" "x" "component" "server" "annotations" dict) */}}
{{- define "orbit-common.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  {{- include "orbit-common.metadata" . | nindent 2 }}
  {{- with .annotations }}
  annotations:
    {{- toYaml . | nindent 4 }}
  {{- end }}
automountServiceAccountToken: false
{{- end -}}
