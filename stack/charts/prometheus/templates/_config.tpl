{{/* The Prometheus configuration and its rules, shared by the ConfigMap and the checksum
annotation that rolls the pod when either changes. */}}

{{- define "prometheus.config" -}}
global:
  scrape_interval: {{ .Values.scrapeInterval }}
  evaluation_interval: {{ .Values.evaluationInterval }}
alerting:
  alertmanagers:
    - static_configs:
        - targets: [{{ .Values.alertmanager | quote }}]
rule_files:
  - /etc/prometheus/alerts.yml
scrape_configs:
  - job_name: prometheus
    static_configs:
      - targets: [localhost:9090]
{{- range $job, $path := dict "kubelet" "metrics" "cadvisor" "metrics/cadvisor" }}
  # The node's {{ $job }} metrics through the API server's node proxy: no direct route to
  # the kubelet's port is needed.
  - job_name: {{ $job }}
    scheme: https
    tls_config:
      ca_file: /var/run/secrets/kubernetes.io/serviceaccount/ca.crt
    bearer_token_file: /var/run/secrets/kubernetes.io/serviceaccount/token
    kubernetes_sd_configs:
      - role: node
    relabel_configs:
      - target_label: __address__
        replacement: kubernetes.default.svc:443
      - source_labels: [__meta_kubernetes_node_name]
        target_label: __metrics_path__
        replacement: /api/v1/nodes/$1/proxy/{{ $path }}
      - source_labels: [__meta_kubernetes_node_name]
        target_label: node
{{- end }}
  # Every Service annotated prometheus.io/scrape: "true", its pods found through its
  # EndpointSlices (the v1 Endpoints API is deprecated since Kubernetes 1.33); its job is the
  # Service's name.
  - job_name: kubernetes-service-endpoints
    kubernetes_sd_configs:
      - role: endpointslice
    # Prometheus 3 refuses a scrape whose Content-Type is missing or unknown: a homelab's own
    # exporter that sends none is read as the classic text format.
    fallback_scrape_protocol: PrometheusText0.0.4
    relabel_configs:
      - source_labels: [__meta_kubernetes_service_annotation_prometheus_io_scrape]
        action: keep
        regex: "true"
      - source_labels: [__meta_kubernetes_service_annotation_prometheus_io_path]
        regex: (.+)
        target_label: __metrics_path__
      - source_labels: [__address__, __meta_kubernetes_service_annotation_prometheus_io_port]
        regex: '([^:]+)(?::\d+)?;(\d+)'
        replacement: $1:$2
        target_label: __address__
      - source_labels: [__meta_kubernetes_namespace]
        target_label: namespace
      - source_labels: [__meta_kubernetes_pod_name]
        target_label: pod
      - source_labels: [__meta_kubernetes_service_name]
        target_label: service
      - source_labels: [__meta_kubernetes_service_name]
        target_label: job
  - job_name: blackbox
    metrics_path: /probe
    params:
      module: [{{ .Values.blackbox.module }}]
    static_configs:
      - targets:
        {{- range .Values.blackbox.targets }}
          - {{ . | quote }}
        {{- end }}
    relabel_configs:
      - source_labels: [__address__]
        target_label: __param_target
      - source_labels: [__param_target]
        target_label: instance
      - target_label: __address__
        replacement: {{ .Values.blackbox.exporter }}
{{- end }}

{{- define "prometheus.alerts" -}}
groups:
  - name: homelab
    rules:
      - alert: Watchdog
        # Fires all the time: proof that rules evaluate and alerts reach Alertmanager
        # (declared in stack.yaml's observability.always_firing).
        expr: vector(1)
        labels:
          severity: none
        annotations:
          summary: the alerting pipeline works
      - alert: TargetDown
        expr: up == 0
        for: 30s
        labels:
          severity: warning
        annotations:
          summary: {{`'{{ $labels.job }} target {{ $labels.instance }} is down'`}}
      - alert: SampleAppDown
        # No sample-app target up (scaled to zero leaves none at all), or its health probe
        # failing from inside the cluster.
        expr: >-
          (sum(up{job="sample-app"}) or vector(0)) == 0
          or min(probe_success{job="blackbox", instance=~".*sample-app.*"}) == 0
        for: 15s
        labels:
          severity: critical
        annotations:
          summary: the sample app is down
      - alert: NodeFilesystemFillingUp
        expr: >-
          100 * node_filesystem_avail_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|autofs|fuse.*"}
          / node_filesystem_size_bytes{fstype!~"tmpfs|ramfs|overlay|squashfs|nsfs|autofs|fuse.*"}
          < {{ .Values.alerts.filesystemAvailablePercent }}
        for: 1m
        labels:
          severity: warning
        annotations:
          summary: {{`'{{ $labels.mountpoint }} on {{ $labels.instance }} has {{ $value | humanize }}% free'`}}
{{- with .Values.alerts.extraRules }}
{{ toYaml . | indent 6 }}
{{- end }}
{{- end }}
