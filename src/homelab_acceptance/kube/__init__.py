"""Small helpers over the Kubernetes API that every stage shares: an API client for a
kubeconfig (`client`), labelled namespaces (`namespaces`), pods run and exec'd into, with
why one is not running (`pods`), and a Service ready to answer (`services`)."""
