{{- define "kafka.fullname" -}}{{ include "orbit-common.fullname" . }}{{- end -}}
{{- define "kafka.domain" -}}{{ printf "%s.svc.%s" .Release.Namespace .Values.clusterDomain }}{{- end -}}
{{- define "kafka.controllerName" -}}{{ printf "%s-controller" (include "kafka.fullname" .) }}{{- end -}}
{{- define "kafka.brokerName" -}}{{ printf "%s-broker" (include "kafka.fullname" .) }}{{- end -}}
{{- define "kafka.controllerHeadless" -}}{{ printf "%s-controller-hl" (include "kafka.fullname" .) }}{{- end -}}
{{- define "kafka.brokerHeadless" -}}{{ printf "%s-broker-hl" (include "kafka.fullname" .) }}{{- end -}}
{{- define "kafka.configName" -}}{{ printf "%s-config" (include "kafka.fullname" .) }}{{- end -}}
{{- define "kafka.provisioningName" -}}{{ printf "%s-provisioning" (include "kafka.fullname" .) }}{{- end -}}
{{- define "kafka.exporterName" -}}{{ printf "%s-exporter" (include "kafka.fullname" .) }}{{- end -}}

{{/* The client bootstrap address: the ClusterIP Service in front of every broker. */}}
{{- define "kafka.bootstrap" -}}
{{- printf "%s.%s:9092" (include "kafka.fullname" .) (include "kafka.domain" .) -}}
{{- end -}}

{{/* Principal of the nodes' certificate (mTLS on the controller and inter-broker listeners): a super user. */}}
{{- define "kafka.nodePrincipal" -}}
{{- default (printf "%s.%s" (include "kafka.fullname" .) (include "kafka.domain" .)) .Values.tls.nodePrincipal -}}
{{- end -}}

{{/* Number of quorum voters: the controllers, or every node in combined mode. */}}
{{- define "kafka.voterCount" -}}
{{- if .Values.combined }}{{ int .Values.broker.replicas }}{{ else }}{{ int .Values.controller.replicas }}{{ end -}}
{{- end -}}

{{/*
The static voter set, always derived from the replica count: id@pod.headless:9093 for the
controller StatefulSet's ordinals (node id = ordinal), or the combined nodes' ordinals.
*/}}
{{- define "kafka.voters" -}}
{{- $sts := ternary (include "kafka.brokerName" .) (include "kafka.controllerName" .) .Values.combined -}}
{{- $headless := ternary (include "kafka.brokerHeadless" .) (include "kafka.controllerHeadless" .) .Values.combined -}}
{{- $voters := list -}}
{{- range $i := until (int (include "kafka.voterCount" .)) -}}
{{- $voters = append $voters (printf "%d@%s-%d.%s.%s:9093" $i $sts $i $headless (include "kafka.domain" $)) -}}
{{- end -}}
{{- join "," $voters -}}
{{- end -}}

{{/*
Broker StatefulSets as YAML {sets: [{name, zone, replicas, idBase}]}. With zones, one set per
zone (pinned there, broker.rack = zone), brokers dealt out round-robin so the first zones take
the remainder; a set's node ids are idBase + ordinal, idBase = 100 × (zone index + 1), so ids
never collide with the controllers' (0-4) or another set's. Combined nodes are voters: ids 0..n-1.
A zone with no broker still gets its (empty) set: scaling down then only ever lowers replicas,
never deletes a StatefulSet (whose orphan propagation would leave the broker pod running).
*/}}
{{- define "kafka.brokerSets" -}}
{{- $total := int .Values.broker.replicas -}}
{{- $zones := .Values.broker.zones | default list -}}
sets:
{{- if or .Values.combined (not $zones) }}
  - name: {{ include "kafka.brokerName" . }}
    zone: ""
    replicas: {{ $total }}
    idBase: {{ ternary 0 100 .Values.combined }}
{{- else }}
{{- $count := len $zones }}
{{- range $i, $zone := $zones }}
{{- $replicas := add (div $total $count) (ternary 1 0 (lt $i (int (mod $total $count)))) }}
  - name: {{ printf "%s-%s" (include "kafka.brokerName" $) $zone | trunc 52 | trimSuffix "-" }}
    zone: {{ $zone | quote }}
    replicas: {{ $replicas }}
    idBase: {{ mul 100 (add1 $i) }}
{{- end }}
{{- end }}
{{- end -}}

{{/* Every broker pod's inter-broker address (the provisioning Job bootstraps through these with mTLS). */}}
{{- define "kafka.internalBootstrap" -}}
{{- $addresses := list -}}
{{- range (include "kafka.brokerSets" . | fromYaml).sets -}}
{{- $set := . -}}
{{- range $i := until (int $set.replicas) -}}
{{- $addresses = append $addresses (printf "%s-%d.%s.%s:9094" $set.name $i (include "kafka.brokerHeadless" $) (include "kafka.domain" $)) -}}
{{- end -}}
{{- end -}}
{{- join "," $addresses -}}
{{- end -}}

{{/* Per-topic min.insync.replicas: the cluster's, lowered for topics with fewer replicas. */}}
{{- define "kafka.topicMinIsr" -}}
{{- $rf := int .rf -}}
{{- $minIsr := int .ctx.Values.replication.minInsyncReplicas -}}
{{- if ge $minIsr $rf }}{{ max 1 (sub $rf 1) }}{{ else }}{{ $minIsr }}{{ end -}}
{{- end -}}

{{/* Everything the chart cannot render safely fails here with a message naming the value. */}}
{{- define "kafka.validate" -}}
{{- range $key := list "clusterId.existingSecret" "tls.existingSecret" "auth.adminSecret" -}}
{{- $parts := splitList "." $key -}}
{{- if not (index $.Values (index $parts 0) (index $parts 1)) -}}
{{- fail (printf "%s is required (see the chart README: Secrets to create first)" $key) -}}
{{- end -}}
{{- end -}}
{{- $voters := int (include "kafka.voterCount" .) -}}
{{- if not (has $voters (list 1 3 5)) -}}
{{- fail (printf "the KRaft quorum must have 1, 3 or 5 voters, got %d (%s)" $voters (ternary "broker.replicas in combined mode" "controller.replicas" .Values.combined)) -}}
{{- end -}}
{{- $brokers := int .Values.broker.replicas -}}
{{- range (include "kafka.brokerSets" . | fromYaml).sets -}}
{{- if gt (int .replicas) 99 -}}
{{- fail (printf "broker set %s would have %d brokers; at most 99 per set (node ids are 100 × (zone index + 1) + ordinal)" .name (int .replicas)) -}}
{{- end -}}
{{- end -}}
{{- $rf := int .Values.replication.defaultReplicationFactor -}}
{{- if gt $rf $brokers -}}
{{- fail (printf "replication.defaultReplicationFactor %d is more than broker.replicas %d" $rf $brokers) -}}
{{- end -}}
{{- if gt (int .Values.replication.minInsyncReplicas) $rf -}}
{{- fail (printf "replication.minInsyncReplicas %d is more than replication.defaultReplicationFactor %d" (int .Values.replication.minInsyncReplicas) $rf) -}}
{{- end -}}
{{- range .Values.topics -}}
{{- if gt (int (default $rf .replicationFactor)) $brokers -}}
{{- fail (printf "topic %s: replicationFactor %d is more than broker.replicas %d" .name (int (default $rf .replicationFactor)) $brokers) -}}
{{- end -}}
{{- end -}}
{{- if and .Values.exporter.enabled (not .Values.exporter.secretName) -}}
{{- fail "exporter.secretName is required when exporter.enabled: a Secret with keys username and password" -}}
{{- end -}}
{{- end -}}

{{/* Pod-level settings shared by controllers and brokers: spread over hosts (and zones unless pinned). */}}
{{- define "kafka.hostSpread" -}}
- maxSkew: 1
  topologyKey: kubernetes.io/hostname
  whenUnsatisfiable: DoNotSchedule
  labelSelector:
    matchLabels:
      {{- include "orbit-common.selectorLabels" (dict "ctx" .ctx "component" .component) | nindent 6 }}
{{- end -}}

{{- define "kafka.zoneSpread" -}}
- maxSkew: 1
  topologyKey: topology.kubernetes.io/zone
  whenUnsatisfiable: ScheduleAnyway
  labelSelector:
    matchLabels:
      {{- include "orbit-common.selectorLabels" (dict "ctx" .ctx "component" .component) | nindent 6 }}
{{- end -}}

{{/* An ACL resource: '*' = every name, 'x*' = the prefix x, anything else = that literal name. */}}
{{- define "kafka.aclResource" -}}
{{- if eq .pattern "*" -}}
--{{ .kind }} '*'
{{- else if hasSuffix "*" .pattern -}}
--{{ .kind }} {{ trimSuffix "*" .pattern | quote }} --resource-pattern-type prefixed
{{- else -}}
--{{ .kind }} {{ .pattern | quote }} --resource-pattern-type literal
{{- end -}}
{{- end -}}

{{/* Users the Job provisions, as name=secret pairs (admin and the exporter first). */}}
{{- define "kafka.provisionedUsers" -}}
{{- $users := list (printf "admin=%s" .Values.auth.adminSecret) -}}
{{- if .Values.exporter.enabled -}}{{- $users = append $users (printf "kafka-exporter=%s" .Values.exporter.secretName) -}}{{- end -}}
{{- range .Values.auth.users -}}{{- $users = append $users (printf "%s=%s" .name .secretName) -}}{{- end -}}
{{- join "," $users -}}
{{- end -}}

{{- define "kafka.userSecretVolume" -}}
- name: user-{{ .name }}
  secret:
    secretName: {{ required (printf "%s is required: the Secret (key password) of Kafka user %s" .key .name) .secretName }}
    items:
      - { key: password, path: password }
{{- end -}}
