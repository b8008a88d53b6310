{{/*
A stateless cnm service (store, ipam, controller): Deployment + Service + PodDisruptionBudget.
Call with (dict "root" $ "component" "store" "config" .Values.store "args" (list ...)).
*/}}
{{- define "cnm.serviceComponent" -}}
{{- $root := .root -}}
{{- $name := printf "%s-%s" (include "cnm.fullname" $root) .component -}}
{{- $selector := include "cnm.selectorLabels" (dict "root" $root "component" .component) -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "cnm.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  replicas: {{ .config.replicas }}
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
  strategy:
    type: RollingUpdate
    rollingUpdate: {maxUnavailable: 0, maxSurge: 1}
  template:
    metadata:
      labels:
        {{- include "cnm.labels" $root | nindent 8 }}
        app.kubernetes.io/component: {{ .component }}
      annotations:
        {{- include "cnm.podAnnotations" (dict "root" $root "port" $root.Values.metrics.port) | nindent 8 }}
    spec:
      serviceAccountName: {{ include "cnm.serviceAccountName" $root }}
      automountServiceAccountToken: false
      {{- with $root.Values.imagePullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      securityContext:
        fsGroup: 10001
      # Spread replicas over nodes so that losing one node keeps the service up.
      affinity:
        podAntiAffinity:
          preferredDuringSchedulingIgnoredDuringExecution:
            - weight: 100
              podAffinityTerm:
                topologyKey: kubernetes.io/hostname
                labelSelector:
                  matchLabels:
                    {{- $selector | nindent 20 }}
      {{- with $root.Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with $root.Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      containers:
        - name: {{ .component }}
          image: {{ include "cnm.image" $root }}
          imagePullPolicy: {{ $root.Values.image.pullPolicy }}
          args:
            - serve
            - {{ .component }}
            - --listen=0.0.0.0:{{ .config.port }}
            {{- range .args }}
            - {{ . }}
            {{- end }}
            {{- include "cnm.tlsArgs" $root | indent 12 }}
            {{- range .config.extraArgs }}
            - {{ . | quote }}
            {{- end }}
          envFrom:
            - configMapRef:
                name: {{ include "cnm.fullname" $root }}
          env:
            - name: JAVA_OPTS
              value: {{ .config.javaOpts | quote }}
          ports:
            - {name: grpc, containerPort: {{ .config.port }}, protocol: TCP}
            - {name: metrics, containerPort: {{ $root.Values.metrics.port }}, protocol: TCP}
          {{- include "cnm.probes" $root | nindent 10 }}
          resources:
            {{- toYaml .config.resources | nindent 12 }}
          securityContext:
            {{- include "cnm.restrictedSecurityContext" $root | nindent 12 }}
          volumeMounts:
            # The JVM and native libraries (jffi, sqlite) unpack into /tmp; the root fs is read-only.
            - {name: tmp, mountPath: /tmp}
            {{- if $root.Values.tls.enabled }}
            - {name: tls, mountPath: /etc/cnm/tls, readOnly: true}
            {{- end }}
      volumes:
        - name: tmp
          emptyDir: {}
        {{- if $root.Values.tls.enabled }}
        - name: tls
          secret:
            secretName: {{ include "cnm.tlsSecretName" $root }}
            defaultMode: 0440
        {{- end }}
---
apiVersion: v1
kind: Service
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "cnm.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  type: ClusterIP
  selector:
    {{- $selector | nindent 4 }}
  ports:
    - {name: grpc, port: {{ .config.port }}, targetPort: grpc, protocol: TCP}
    - {name: metrics, port: {{ $root.Values.metrics.port }}, targetPort: metrics, protocol: TCP}
---
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ $name }}
  namespace: {{ $root.Release.Namespace }}
  labels:
    {{- include "cnm.labels" $root | nindent 4 }}
    app.kubernetes.io/component: {{ .component }}
spec:
  minAvailable: {{ .config.minAvailable }}
  selector:
    matchLabels:
      {{- $selector | nindent 6 }}
{{- end -}}
