{{- define "cluster-autoscaler.fullname" -}}{{ include "orbit-common.fullname" . }}{{- end -}}

{{/* The values the chart cannot run without; each fails with the key it needs. */}}
{{- define "cluster-autoscaler.required" -}}
{{- $_ := required "clusterName is required: auto-discovery looks for Auto Scaling groups tagged k8s.io/cluster-autoscaler/<clusterName>" .Values.clusterName -}}
{{- $_ = required "awsRegion is required: pods cannot read it from the instance metadata (IMDSv2, hop limit 1)" .Values.awsRegion -}}
{{- $_ = required "roleArn is required: the autoscaler calls the AWS APIs only through its IRSA role" .Values.roleArn -}}
{{- end -}}
