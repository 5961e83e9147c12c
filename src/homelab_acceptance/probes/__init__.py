"""Small typed clients for what runs in the cluster: pods to run commands in, namespaces."""
