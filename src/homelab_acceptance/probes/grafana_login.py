"""Grafana's admin credentials, read from the Secret the stack names
(observability.grafana_admin_secret), under the keys the grafana chart and kube-prometheus-stack
use."""

from __future__ import annotations

import base64

from kubernetes import client as k8s
from kubernetes.client.exceptions import ApiException

from homelab_acceptance.errors import ConfigurationError
from homelab_acceptance.spec import SecretRef

USER_KEY = "admin-user"
PASSWORD_KEY = "admin-password"


def grafana_credentials(api: k8s.ApiClient, secret: SecretRef) -> tuple[str, str]:
    try:
        found = k8s.CoreV1Api(api).read_namespaced_secret(secret.name, secret.namespace)
    except ApiException as error:
        raise ConfigurationError(
            f"observability.grafana_admin_secret: Secret {secret} cannot be read "
            f"(HTTP {error.status} {error.reason})"
        ) from None
    data = found.data or {}
    missing = [key for key in (USER_KEY, PASSWORD_KEY) if key not in data]
    if missing:
        raise ConfigurationError(
            f"observability.grafana_admin_secret: Secret {secret} has no key {', '.join(missing)}"
        )
    return (
        base64.b64decode(data[USER_KEY]).decode(),
        base64.b64decode(data[PASSWORD_KEY]).decode(),
    )
