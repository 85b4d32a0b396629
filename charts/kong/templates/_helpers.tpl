{{- define "kong.fullname" -}}{{ include "orbit-common.fullname" . }}{{- end -}}
{{- define "kong.proxyService" -}}{{ printf "%s-proxy" (include "kong.fullname" .) }}{{- end -}}
{{- define "kong.statusService" -}}{{ printf "%s-status" (include "kong.fullname" .) }}{{- end -}}
{{- define "kong.declarativeSecret" -}}{{ printf "%s-declarative" (include "kong.fullname" .) }}{{- end -}}

{{/* Routes that protect Prometheus and Alertmanager: the same rule as Orbit's config validation. */}}
{{- define "kong.protectedRoute" -}}
{{- if or (has . (list "prometheus" "alertmanager")) (hasPrefix "prometheus-" .) (hasPrefix "alertmanager-" .) -}}true{{- end -}}
{{- end -}}

{{- define "kong.validate" -}}
{{- if not .Values.tls.existingSecret -}}
{{- fail "tls.existingSecret is required: a Secret with tls.crt and tls.key for the proxy" -}}
{{- end -}}
{{- $names := list -}}
{{- $authenticated := false -}}
{{- range .Values.routes -}}
{{- if has .name $names -}}
{{- fail (printf "routes: name %q is used more than once" .name) -}}
{{- end -}}
{{- $names = append $names .name -}}
{{- if eq .auth "none" -}}
{{- if include "kong.protectedRoute" .name -}}
{{- fail (printf "routes[%s].auth is none, but the %s route is never unauthenticated: use basic-auth, key-auth or jwt" .name .name) -}}
{{- end -}}
{{- else -}}
{{- $authenticated = true -}}
{{- end -}}
{{- if and (eq .upstream.scheme "https") (not $.Values.upstreamCA.existingSecret) -}}
{{- fail (printf "upstreamCA.existingSecret is required: route %s has an https upstream, verified with that CA" .name) -}}
{{- end -}}
{{- end -}}
{{- if and $authenticated (not .Values.consumers.existingSecret) -}}
{{- fail "consumers.existingSecret is required when a route requires authentication: a Secret with key consumers.yaml" -}}
{{- end -}}
{{- end -}}

{{/*
The declarative configuration (DB-less): one Kong service and one route per entry of .Values.routes,
the global prometheus plugin, and per route its auth, ACL, rate-limiting and request-size plugins.
Consumers and their credentials are not here: they come from consumers.existingSecret and are
appended at start (see kong-deployment.yaml), so that no credential ever passes through values.
*/}}
{{- define "kong.declarativeConfig" -}}
{{- $services := list -}}
{{- range .Values.routes -}}
{{- $route := dict "name" .name "paths" (list .path) "protocols" (list "https") "https_redirect_status_code" (int $.Values.proxy.httpsRedirectStatusCode) "strip_path" true "preserve_host" false -}}
{{- with $.Values.proxy.hosts -}}{{- $_ := set $route "hosts" . -}}{{- end -}}
{{- $plugins := list -}}
{{- $limitBy := "ip" -}}
{{- if ne .auth "none" -}}
{{- $limitBy = "consumer" -}}
{{- if eq .auth "basic-auth" -}}
{{- $plugins = append $plugins (dict "name" "basic-auth" "config" (dict "hide_credentials" true)) -}}
{{- else if eq .auth "key-auth" -}}
{{- $plugins = append $plugins (dict "name" "key-auth" "config" (dict "key_names" (list "apikey") "key_in_header" true "key_in_query" false "key_in_body" false "hide_credentials" true)) -}}
{{- else if eq .auth "jwt" -}}
{{- $plugins = append $plugins (dict "name" "jwt" "config" (dict "claims_to_verify" (list "exp") "key_claim_name" "iss" "header_names" (list "authorization"))) -}}
{{- end -}}
{{- $plugins = append $plugins (dict "name" "acl" "config" (dict "allow" (list "routes:all" (printf "route:%s" .name)) "hide_groups_header" true)) -}}
{{- end -}}
{{- $plugins = append $plugins (dict "name" "rate-limiting" "config" (dict "minute" (int (default $.Values.rateLimitPerMinute .rateLimitPerMinute)) "policy" "local" "limit_by" $limitBy "fault_tolerant" true)) -}}
{{- $plugins = append $plugins (dict "name" "request-size-limiting" "config" (dict "allowed_payload_size" (int (default $.Values.requestSizeLimitMb .requestSizeLimitMb)) "size_unit" "megabytes")) -}}
{{- $service := dict "name" .name "protocol" .upstream.scheme "host" .upstream.host "port" (int .upstream.port) "path" (default "/" .upstream.path) "routes" (list $route) "plugins" $plugins -}}
{{- if eq .upstream.scheme "https" -}}
{{- $_ := set $service "tls_verify" true -}}
{{- end -}}
{{- $services = append $services $service -}}
{{- end -}}
{{- $prometheus := dict "name" "prometheus" "config" (dict "status_code_metrics" true "latency_metrics" true "bandwidth_metrics" true "upstream_health_metrics" true) -}}
{{- toYaml (dict "_format_version" "3.0" "_transform" true "plugins" (list $prometheus) "services" $services) -}}
{{- end -}}
