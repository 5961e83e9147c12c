"""What the acceptance checks talk to: Services reached through the API server's service proxy
(no port-forward, no NodePort needed, works the same on every provider), and thin clients
for Prometheus and Alertmanager on top of it."""
