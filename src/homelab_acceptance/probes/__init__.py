"""The typed clients of the observability stack, reached through the API server's service
proxy (`service_proxy`) or a loopback port-forward (`port_forward`): Prometheus,
Alertmanager, Grafana (with its admin login read from the stack's Secret)."""
