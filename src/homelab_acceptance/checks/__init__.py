"""The checks the suites make, as plain functions over the typed clients (`probes/`), the
Kubernetes helpers (`kube/`) and what a fault measured (`faults/`): declared endpoints,
metrics, alerts and logs, scrape targets, Grafana, ingress routes, the node's processes,
listeners and volumes, the air gap, capacity and placement, state across a restart."""
