{{/*
One StatefulSet of Kafka nodes. Controllers and every broker set render through here so that
they share hardening, probes and volumes. Usage:
include "kafka.statefulSet" (dict "ctx" $ "name" "kafka-broker-a" "role" "broker" "component" "broker"
  "headless" "kafka-broker-hl" "replicas" 1 "idBase" 100 "zone" "a" "values" .Values.broker)
*/}}
{{- define "kafka.statefulSet" -}}
{{- $ctx := .ctx -}}
{{- $port := ternary 9094 9093 (eq .role "broker") -}}
{{- $selector := dict "ctx" $ctx "component" .component -}}
apiVersion: apps/v1
kind: StatefulSet
metadata:
  {{- include "orbit-common.metadata" (dict "ctx" $ctx "name" .name "component" .component) | nindent 2 }}
  annotations:
    # Replacing the StatefulSet (a changed volume template) must not delete the running nodes.
    pulumi.com/deletionPropagationPolicy: orphan
    # A rolling restart waits for every broker to catch up; give it longer than Pulumi's 10 minutes.
    pulumi.com/timeoutSeconds: "3600"
    {{- with .after }}
    # Roll one set at a time: Pulumi updates this set only once the previous one is ready, so at
    # most one node of the whole cluster restarts at once.
    config.kubernetes.io/depends-on: {{ . }}
    {{- end }}
spec:
  serviceName: {{ .headless }}
  replicas: {{ int .replicas }}
  # A quorum cannot become ready one pod at a time: start the nodes together.
  podManagementPolicy: Parallel
  updateStrategy:
    type: RollingUpdate
  persistentVolumeClaimRetentionPolicy:
    whenDeleted: Retain
    whenScaled: Retain
  selector:
    matchLabels:
      {{- include "orbit-common.selectorLabels" $selector | nindent 6 }}
      orbit.dev/kafka-set: {{ .name }}
  template:
    metadata:
      labels:
        {{- include "orbit-common.labels" $selector | nindent 8 }}
        orbit.dev/kafka-set: {{ .name }}
      annotations:
        checksum/config: {{ include (print $ctx.Template.BasePath "/kafka-configmap.yaml") $ctx | sha256sum }}
    spec:
      {{- include "orbit-common.podDefaults" (dict "ctx" $ctx "serviceAccount" (include "kafka.fullname" $ctx)) | nindent 6 }}
      securityContext:
        {{- include "orbit-common.podSecurityContext" $ctx.Values.securityContext | nindent 8 }}
      # A clean shutdown moves leadership away and skips log recovery on the next start.
      terminationGracePeriodSeconds: 120
      {{- if .zone }}
      # The broker's rack is its zone; pinning the set to the zone keeps that true (zonal volumes
      # pin the pod there anyway).
      affinity:
        nodeAffinity:
          requiredDuringSchedulingIgnoredDuringExecution:
            nodeSelectorTerms:
              - matchExpressions:
                  - { key: topology.kubernetes.io/zone, operator: In, values: [{{ .zone | quote }}] }
      {{- end }}
      topologySpreadConstraints:
        {{- include "kafka.hostSpread" $selector | nindent 8 }}
        {{- if not .zone }}
        {{- include "kafka.zoneSpread" $selector | nindent 8 }}
        {{- end }}
      containers:
        - name: kafka
          {{- include "orbit-common.imageFields" (dict "ctx" $ctx "image" $ctx.Values.image) | nindent 10 }}
          command: ["/bin/bash", "/opt/orbit/config/start.sh"]
          env:
            - { name: KAFKA_ROLE, value: {{ .role }} }
            - { name: KAFKA_ID_BASE, value: {{ int .idBase | quote }} }
            - { name: KAFKA_HEADLESS, value: {{ .headless }} }
            {{- if .zone }}
            - { name: KAFKA_RACK, value: {{ .zone | quote }} }
            {{- end }}
            - { name: KAFKA_HEAP_OPTS, value: {{ printf "-XX:InitialRAMPercentage=%d -XX:MaxRAMPercentage=%d -XX:+ExitOnOutOfMemoryError" (int $ctx.Values.jvm.heapPercent) (int $ctx.Values.jvm.heapPercent) | quote }} }
            - { name: KAFKA_LOG4J_OPTS, value: "-Dlog4j2.configurationFile=/opt/orbit/config/log4j2.yaml" }
            # No GC log files: the root filesystem is read-only and stdout is the log.
            - { name: EXTRA_ARGS, value: "-name kafkaServer" }
            - { name: LOG_DIR, value: /tmp/kafka-logs }
            - { name: HOME, value: /tmp }
          ports:
            {{- if eq .role "broker" }}
            - { name: client, containerPort: 9092, protocol: TCP }
            - { name: internal, containerPort: 9094, protocol: TCP }
            {{- end }}
            {{- if or (eq .role "controller") $ctx.Values.combined }}
            - { name: controller, containerPort: 9093, protocol: TCP }
            {{- end }}
          startupProbe:
            tcpSocket: { port: {{ $port }} }
            periodSeconds: 10
            # Log recovery after an unclean stop can take minutes on large volumes.
            failureThreshold: 90
          readinessProbe:
            exec:
              command: ["/bin/bash", "/opt/orbit/config/ready.sh"]
            periodSeconds: 30
            timeoutSeconds: 30
            failureThreshold: 3
          livenessProbe:
            tcpSocket: { port: {{ $port }} }
            periodSeconds: 20
            timeoutSeconds: 5
            failureThreshold: 6
          resources:
            {{- toYaml .values.resources | nindent 12 }}
          securityContext:
            {{- include "orbit-common.containerSecurityContext" $ctx.Values.securityContext | nindent 12 }}
          volumeMounts:
            - { name: data, mountPath: /var/lib/kafka/data }
            - { name: runtime, mountPath: /etc/kafka }
            - { name: tmp, mountPath: /tmp }
            - { name: config, mountPath: /opt/orbit/config, readOnly: true }
            - { name: tls, mountPath: /etc/kafka/tls, readOnly: true }
            - { name: cluster-id, mountPath: /run/secrets/kafka-cluster-id, readOnly: true }
      volumes:
        # server.properties and the PEM keystore (holds the private key: memory, never disk).
        - name: runtime
          emptyDir: { medium: Memory, sizeLimit: 16Mi }
        - name: tmp
          emptyDir: { sizeLimit: 256Mi }
        - name: config
          configMap:
            name: {{ include "kafka.configName" $ctx }}
        - name: tls
          secret:
            secretName: {{ $ctx.Values.tls.existingSecret }}
            items:
              - { key: tls.crt, path: tls.crt }
              - { key: tls.key, path: tls.key }
              - { key: ca.crt, path: ca.crt }
        - name: cluster-id
          secret:
            secretName: {{ $ctx.Values.clusterId.existingSecret }}
            items:
              - { key: clusterId, path: clusterId }
  volumeClaimTemplates:
    - metadata:
        name: data
        labels:
          {{- include "orbit-common.selectorLabels" $selector | nindent 10 }}
      spec:
        accessModes: ["ReadWriteOnce"]
        {{- with .values.persistence.storageClass }}
        storageClassName: {{ . }}
        {{- end }}
        resources:
          requests:
            storage: {{ .values.persistence.size }}
{{- end -}}
