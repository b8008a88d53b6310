{{/* Chart name, possibly overridden. */}}
{{- define "cnm.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Prefix of every object name: the release name, plus the chart name unless it already contains it. */}}
{{- define "cnm.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* Labels on every object. */}}
{{- define "cnm.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "cnm.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* Selector labels of one component: pass (dict "root" $ "component" "store"). */}}
{{- define "cnm.selectorLabels" -}}
app.kubernetes.io/name: {{ include "cnm.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "cnm.image" -}}
{{ .Values.image.repository }}:{{ default .Chart.AppVersion .Values.image.tag }}
{{- end -}}

{{- define "cnm.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "cnm.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "cnm.tlsSecretName" -}}
{{- default (printf "%s-tls" (include "cnm.fullname" .)) .Values.tls.existingSecret -}}
{{- end -}}

{{/* DNS name of a component's Service, e.g. cnm-store.default.svc. */}}
{{- define "cnm.serviceHost" -}}
{{- printf "%s-%s.%s.svc" (include "cnm.fullname" .root) .component .root.Release.Namespace -}}
{{- end -}}

{{- define "cnm.etcdHeadless" -}}
{{- printf "%s-etcd-headless" (include "cnm.fullname" .) -}}
{{- end -}}

{{/* Comma-separated etcd client URLs: one per member of our StatefulSet (https when tls.enabled),
   or the external ones. */}}
{{- define "cnm.etcdEndpoints" -}}
{{- if .Values.etcd.enabled -}}
{{- $full := include "cnm.fullname" . -}}
{{- $headless := include "cnm.etcdHeadless" . -}}
{{- $urls := list -}}
{{- range $i := until (int .Values.etcd.replicas) -}}
{{- $urls = append $urls (printf "%s://%s-etcd-%d.%s.%s.svc:%d" (ternary "https" "http" $.Values.tls.enabled) $full $i $headless $.Release.Namespace (int $.Values.etcd.clientPort)) -}}
{{- end -}}
{{- join "," $urls -}}
{{- else -}}
{{- required "etcd.external.endpoints must list at least one URL when etcd.enabled is false" (join "," .Values.etcd.external.endpoints) -}}
{{- end -}}
{{- end -}}

{{/* Pod annotations of the cnm components: config checksum (restart on change) and scraping.
   Call with (dict "root" $ "port" <metrics port>). */}}
{{- define "cnm.podAnnotations" -}}
checksum/config: {{ include (print .root.Template.BasePath "/configmap.yaml") .root | sha256sum }}
{{- if .root.Values.metrics.podAnnotations }}
prometheus.io/scrape: "true"
prometheus.io/port: {{ .port | quote }}
prometheus.io/path: /metrics
{{- end }}
{{- end -}}

{{/* Container security for the unprivileged components (store, ipam, controller). */}}
{{- define "cnm.restrictedSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* TLS flags of a component (its server side and its outgoing channels use the same files).
   Without TLS the components must trust every caller of their TCP port (--insecure-tcp): a
   TCP listener without mutual TLS refuses agent sessions and writes otherwise. */}}
{{- define "cnm.tlsArgs" -}}
{{- if .Values.tls.enabled }}
- --tls-cert=/etc/cnm/tls/tls.crt
- --tls-key=/etc/cnm/tls/tls.key
- --tls-ca=/etc/cnm/tls/ca.crt
{{- else }}
- --insecure-tcp
{{- end }}
{{- end -}}

{{/* Probes on the HTTP /healthz of the metrics port: plain HTTP, so they work with mTLS on. */}}
{{- define "cnm.probes" -}}
readinessProbe:
  httpGet: {path: /healthz, port: metrics}
  periodSeconds: 5
  failureThreshold: 3
livenessProbe:
  httpGet: {path: /healthz, port: metrics}
  initialDelaySeconds: 20
  periodSeconds: 10
  failureThreshold: 6
{{- end -}}

{{/* The store's etcd client TLS flags: only for the chart's own etcd, which serves TLS with
   client-certificate auth when tls.enabled. The store presents its service certificate. */}}
{{- define "cnm.storeEtcdTlsArgs" -}}
{{- if and .Values.tls.enabled .Values.etcd.enabled -}}
{{- list "--etcd-ca=/etc/cnm/tls/ca.crt" "--etcd-cert=/etc/cnm/tls/tls.crt" "--etcd-key=/etc/cnm/tls/tls.key" | toJson -}}
{{- else -}}
{{- list | toJson -}}
{{- end -}}
{{- end -}}
