{{- define "elk.fullname" -}}{{ include "orbit-common.fullname" . }}{{- end -}}
{{- define "elk.es" -}}{{ printf "%s-es" (include "elk.fullname" .) }}{{- end -}}
{{- define "elk.esHeadless" -}}{{ printf "%s-es-hl" (include "elk.fullname" .) }}{{- end -}}
{{- define "elk.kibana" -}}{{ printf "%s-kibana" (include "elk.fullname" .) }}{{- end -}}
{{- define "elk.logstash" -}}{{ printf "%s-logstash" (include "elk.fullname" .) }}{{- end -}}
{{- define "elk.exporter" -}}{{ printf "%s-es-exporter" (include "elk.fullname" .) }}{{- end -}}
{{- define "elk.setup" -}}{{ printf "%s-setup" (include "elk.fullname" .) }}{{- end -}}

{{/* The HTTPS URL every client of this release uses for Elasticsearch. */}}
{{- define "elk.esUrl" -}}
{{- printf "https://%s.%s.svc.cluster.local:9200" (include "elk.es" .) .Release.Namespace -}}
{{- end -}}

{{/* Labels of one node set's pods: the Elasticsearch component plus the set's name. */}}
{{- define "elk.nodeSetSelector" -}}
{{ include "orbit-common.selectorLabels" (dict "ctx" .ctx "component" "elasticsearch") }}
elk.orbit.dev/node-set: {{ .set.name }}
{{- end -}}

{{/* Number of Elasticsearch nodes over all node sets. */}}
{{- define "elk.esNodeCount" -}}
{{- $total := 0 -}}
{{- range .Values.elasticsearch.nodeSets }}{{ $total = add $total (int .replicas) }}{{ end -}}
{{- $total -}}
{{- end -}}

{{/* Number of nodes holding data (they decide whether an index can have a replica). */}}
{{- define "elk.dataNodeCount" -}}
{{- $total := 0 -}}
{{- range .Values.elasticsearch.nodeSets }}{{ if has "data" .roles }}{{ $total = add $total (int .replicas) }}{{ end }}{{ end -}}
{{- $total -}}
{{- end -}}

{{/* Pod names of every master-eligible node, comma-separated (node.name is the pod name). */}}
{{- define "elk.masterNodes" -}}
{{- $names := list -}}
{{- $es := include "elk.es" . -}}
{{- range .Values.elasticsearch.nodeSets }}{{ if has "master" .roles }}{{ $set := .name }}{{ range $i := until (int .replicas) }}{{ $names = append $names (printf "%s-%s-%d" $es $set $i) }}{{ end }}{{ end }}{{ end -}}
{{- join "," $names -}}
{{- end -}}

{{/* Seed hosts: the stable DNS names of the master-eligible pods. */}}
{{- define "elk.seedHosts" -}}
{{- $hosts := list -}}
{{- range splitList "," (include "elk.masterNodes" .) }}{{ $hosts = append $hosts (printf "%s.%s.%s.svc.cluster.local:9300" . (include "elk.esHeadless" $) $.Release.Namespace) }}{{ end -}}
{{- join "," $hosts -}}
{{- end -}}

{{/* The StatefulSets of every node set, as depends-on references. */}}
{{- define "elk.esDependsOn" -}}
{{- $refs := list -}}
{{- range .Values.elasticsearch.nodeSets }}{{ if gt (int .replicas) 0 }}{{ $refs = append $refs (printf "apps/namespaces/%s/StatefulSet/%s-%s" $.Release.Namespace (include "elk.es" $) .name) }}{{ end }}{{ end -}}
{{- join "," $refs -}}
{{- end -}}

{{- define "elk.validate" -}}
{{- if not .Values.auth.existingSecret -}}
{{- fail "auth.existingSecret is required: a Secret with keys elastic, kibana_system, orbit-log-writer, orbit-exporter, orbit-probe" -}}
{{- end -}}
{{- if not .Values.tls.elasticsearchSecret -}}
{{- fail "tls.elasticsearchSecret is required: a TLS Secret (tls.crt, tls.key, ca.crt) for the Elasticsearch Service, pod names and localhost" -}}
{{- end -}}
{{- if and .Values.kibana.enabled (not .Values.tls.kibanaSecret) -}}
{{- fail "tls.kibanaSecret is required when kibana.enabled" -}}
{{- end -}}
{{- if and .Values.kibana.enabled (not .Values.kibana.encryptionKeysSecret) -}}
{{- fail "kibana.encryptionKeysSecret is required when kibana.enabled: a Secret with encryptionKey, savedObjectsKey, reportingKey" -}}
{{- end -}}
{{- if and .Values.logstash.enabled (not .Values.tls.logstashSecret) -}}
{{- fail "tls.logstashSecret is required when logstash.enabled" -}}
{{- end -}}
{{- if .Values.snapshots.enabled -}}
{{- if not (and .Values.snapshots.host .Values.snapshots.credentialsSecret .Values.snapshots.bucket) -}}
{{- fail "snapshots.host, snapshots.credentialsSecret and snapshots.bucket are required when snapshots.enabled" -}}
{{- end -}}
{{- end -}}
{{- $masters := len (splitList "," (include "elk.masterNodes" .) | compact) -}}
{{- if eq $masters 0 -}}
{{- fail "elasticsearch.nodeSets has no master-eligible node: give at least one set the master role" -}}
{{- end -}}
{{- if and (gt $masters 1) (eq (mod $masters 2) 0) -}}
{{- fail (printf "elasticsearch.nodeSets has %d master-eligible nodes; use an odd number (1, 3, 5) to keep a voting quorum" $masters) -}}
{{- end -}}
{{- if eq (int (include "elk.dataNodeCount" .)) 0 -}}
{{- fail "elasticsearch.nodeSets has no data node: give at least one set the data role" -}}
{{- end -}}
{{- $names := list -}}
{{- range .Values.elasticsearch.nodeSets -}}
{{- if has .name $names -}}{{- fail (printf "elasticsearch.nodeSets: name %s is used twice" .name) -}}{{- end -}}
{{- $names = append $names .name -}}
{{- end -}}
{{- end -}}
